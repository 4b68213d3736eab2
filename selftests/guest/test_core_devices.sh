#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The core pack catches each device resource a driver leaves behind at
# unload (rules/packs/core.rules, rules/lib/devices.rules): an irq, a
# streaming DMA mapping, a coherent DMA buffer and a registered net_device.
# Each test driver, dg_<rule>.ko, takes the resource when fired and forgets
# it; unloading it raises exactly one event, at its exit routine, naming
# where the resource was taken.  The kernel agrees the irq and the
# net_device are still there; dg_keeper, whose handler and ops they use,
# then releases them.
# vm-timeout: 500
set -u
. "$(dirname "$0")/core_lib.sh"

DRIVERS=(dg_leaked_irq dg_leaked_dma_mapping dg_leaked_dma_buffer dg_leaked_netdev)
hex='0x[0-9a-f]+'
kptr='0xffff[0-9a-f]{12}'	# a kernel pointer, all 64 bits of it
irq=$(acpi_irq)
tap_match "$irq" '^[0-9]+$' "the guest has an ACPI SCI line to share ($irq)"

insmod "$MODULES/dg_keeper.ko"
tap_ok "arm the core pack on ${#DRIVERS[@]} drivers not loaded yet" core_arm "${DRIVERS[@]}"
insmod "$MODULES/dg_leaked_irq.ko" irq="$irq" || tap_fail "insmod dg_leaked_irq"
for d in dg_leaked_dma_mapping dg_leaked_dma_buffer dg_leaked_netdev; do
	insmod "$MODULES/$d.ko" || tap_fail "insmod $d"
done

# leak DRIVER RULE MESSAGE_RE NOTE_RE: fire DRIVER (silent), unload it, and
# get one event for what it left behind
leak() {
	local d=$1

	fire "$d"
	watch_events "$TMP/$d.fire.events" 2
	tap_is "$(grep -c . "$TMP/$d.fire.events")" 0 "$d: taking the resource raises nothing"
	tap_diag "$(cat "$TMP/$d.fire.events")"
	watch_unload "$TMP/$d.events" "$d"
	expect_event "$TMP/$d.events" "$d" "$2" module_exit process \
		"$(exit_site "$d")" "$3" "$4"
}

leak dg_leaked_irq leaked_irq "^irq $irq \\(dev_id $kptr\\) still requested: its handler is gone\$" \
	"^requested by request_irq\\(\\) at dg_leaked_irq_fire\\+$hex \\[dg_leaked_irq\\]\$"
tap_grep /proc/interrupts "^ *$irq:.* dg_leaked_irq" \
	"the kernel agrees: irq $irq still has the unloaded driver's handler"

leak dg_leaked_dma_mapping leaked_dma_mapping "^DMA mapping $hex of 256 bytes never unmapped\$" \
	"^mapped by dma_map_page\\(\\) at dg_leaked_dma_mapping_fire\\+$hex \\[dg_leaked_dma_mapping\\]\$"

leak dg_leaked_dma_buffer leaked_dma_buffer "^coherent DMA buffer $kptr of 4096 bytes never freed\$" \
	"^allocated by dma_alloc_coherent\\(\\) at dg_leaked_dma_buffer_fire\\+$hex \\[dg_leaked_dma_buffer\\]\$"

leak dg_leaked_netdev leaked_netdev "^net_device $kptr still registered\$" \
	"^registered by register_netdev\\(\\) at dg_leaked_netdev_fire\\+$hex \\[dg_leaked_netdev\\]\$"
tap_ok "the kernel agrees: dgleak0 is still registered" ip link show dgleak0

"$DRVGUARD" -j status > "$TMP/status"
tap_diag "$(jq -c '.packs[0].counters' "$TMP/status")"
tap_is "$(jq -c '[.packs[0].rules[] | select(.violations != 0) | {(.rule): .violations}] | add' \
	"$TMP/status")" \
	'{"leaked_irq":1,"leaked_dma_mapping":1,"leaked_dma_buffer":1,"leaked_netdev":1}' \
	"status counts one violation of each leak rule, and no other"

# What the drivers left behind goes, through the keeper.
fire dg_keeper
tap_nogrep /proc/interrupts 'dg_leaked_irq' "the keeper freed the irq"
tap_ok "the keeper unregistered dgleak0" sh -c '! ip link show dgleak0 2>/dev/null'
tap_ok "unload the pack" "$DRVGUARD" unload core
tap_ok "the keeper unloads" rmmod dg_keeper
tap_end
