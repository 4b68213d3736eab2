#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Recovery by skip_free (rules/packs/core.rules: double_free,
# free_not_allocated, mismatched_free): with recovery off the kernel itself
# reports the frees that reach it (vfree()'s warnings; the other bad frees
# here would crash it or, kmem_cache_free() twice in a cache with SLUB's
# checks, leave the cache broken); with recovery on none reaches the
# allocator, a thousand times over each: vfree() twice, vfree() of
# kmalloc() memory, kfree() of an interior pointer, kmem_cache_free() twice
# (SLUB's checks would say "Object already free") and kfree() twice (a
# kernel BUG), and the kernel says nothing; the kernel's own kfree trace
# shows the second kfree() given NULL; the drivers still work and unload,
# and the recovery module after them.
# vm-allow: WARNING: CPU: [0-9]+ PID: [0-9]+ at mm/vmalloc\.c
# vm-timeout: 600
set -u
. "$(dirname "$0")/core_lib.sh"
TIMES=1000
DRIVERS=(dg_double_free_real dg_mismatched_free)

# kernel_complaints FILE: lines of FILE where the kernel reports a problem
kernel_complaints() {
	grep -E 'BUG|WARNING|Oops|Object already free|vfree\(\)|Call Trace|corrupt' "$1"
}

# counter NAME: the core pack's counter NAME
counter() { "$DRVGUARD" -j status | jq ".packs[0].counters.$1"; }

tap_ok "load core, armed for ${DRIVERS[*]}" core_arm "${DRIVERS[@]}"
for d in "${DRIVERS[@]}"; do
	insmod "$MODULES/$d.ko" || tap_fail "insmod $d"
done

# --- recovery off: the frees reach the allocator, which complains ----------
dmesg_mark
fire dg_double_free_real
fire dg_mismatched_free
dmesg_since "$TMP/dmesg.off"
tap_grep "$TMP/dmesg.off" 'Trying to vfree\(\) nonexistent vm area' \
	"recovery off: vfree() warns about the area freed twice"
tap_grep "$TMP/dmesg.off" 'Trying to vfree\(\) bad address' \
	"recovery off: vfree() warns about kmalloc() memory"
watch_events "$TMP/events.off"
tap_diag "$(cat "$TMP/events.off")"
tap_is "$(jq -r '.rule + " " + .recovery.outcome' "$TMP/events.off" | sort -u | tr '\n' ,)" \
	"double_free off,mismatched_free off," "the events say recovery was off"

# --- recovery on: none reaches the allocator -------------------------------
tap_ok "recover enable" "$DRVGUARD" recover enable
before=$(counter recovered)
dmesg_mark
fire dg_double_free_real "$TIMES"
fire dg_mismatched_free "$TIMES"
for _ in $(seq "$TIMES"); do
	echo 3 > /sys/kernel/debug/dg_double_free_real/trigger
	echo 5 > /sys/kernel/debug/dg_double_free_real/trigger
done
dmesg_since "$TMP/dmesg.on"
expect_all_recovered "$TMP/dmesg.on" $((4 * TIMES)) "bad frees" "$before"
watch_events "$TMP/events.on"
tap_is "$(jq -r 'select(.recovery and .recovery.outcome != "off") | .rule + " " + .recovery.action + " " +
	.recovery.outcome' "$TMP/events.on" | sort -u | tr '\n' ,)" \
	"double_free skip_free recovered,free_not_allocated skip_free recovered,mismatched_free skip_free recovered," \
	"the event stream shows the three rules' frees skipped"

# kfree() twice: without recovery a kernel BUG, so only with it.  The
# kernel's kmem:kfree trace records what kfree() was given.
tracing=/sys/kernel/tracing
[ -e "$tracing/events" ] || mount -t tracefs nodev "$tracing"
echo > "$tracing/trace"
echo 1 > "$tracing/events/kmem/kfree/enable"
before=$(counter recovered)
dmesg_mark
for _ in $(seq "$TIMES"); do echo 2 > /sys/kernel/debug/dg_double_free_real/trigger; done
dmesg_since "$TMP/dmesg.kfree"
echo 0 > "$tracing/events/kmem/kfree/enable"
grep -E 'kfree: call_site=dg_double_free_real_kfree\+' "$tracing/trace" > "$TMP/kfree.trace"
tap_ok "kfree() twice, $TIMES times: no complaint" \
	bash -c "! grep -qE 'BUG|WARNING|Oops|Call Trace' $TMP/dmesg.kfree"
tap_is "$(($(counter recovered) - before))" "$TIMES" "each second kfree() recovered"
tap_is "$(grep -c 'ptr=0000000000000000' "$TMP/kfree.trace")" "$TIMES" \
	"the kernel's trace shows each second kfree() given NULL"
tap_is "$(grep -vc 'ptr=0000000000000000' "$TMP/kfree.trace")" "$TIMES" \
	"and each first one given the object"
grep -v 'ptr=0000000000000000' "$TMP/kfree.trace" | sort | uniq -c | sort -rn | head -n 3 | tap_diag_stdin

# The drivers still work: clean frees pass, and raise nothing.
before=$("$DRVGUARD" -j status | jq '.packs[0].counters.violations')
dmesg_mark
tap_ok "the drivers still work" eval \
	"for i in \$(seq 10); do echo 4 > /sys/kernel/debug/dg_double_free_real/trigger; done"
dmesg_since "$TMP/dmesg.after"
tap_is "$(($(counter violations) - before))" 0 "their clean frees raise nothing"
tap_ok "and the kernel is still silent" bash -c "! grep -qE 'BUG|WARNING' $TMP/dmesg.after"

# --- everything unloads cleanly --------------------------------------------
dmesg_mark
for d in "${DRIVERS[@]}"; do
	tap_ok "rmmod $d" rmmod "$d"
done
tap_ok "recover disable" "$DRVGUARD" recover disable
tap_ok "unload the core pack" "$DRVGUARD" unload core
tap_ok "rmmod drvguard_recover" rmmod drvguard_recover
dmesg_since "$TMP/dmesg.rmmod"
tap_ok "it all went quietly (no slab left with objects)" \
	bash -c "! grep -qE 'drvguard_recover|BUG|WARNING|Objects remaining' $TMP/dmesg.rmmod"
tap_end
