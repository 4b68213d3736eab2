#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The core pack catches each bug of its memory rules (rules/packs/core.rules,
# rules/lib/memory.rules): for every rule a test driver, dg_<rule>.ko, makes
# the bug once, and exactly one event comes out, naming the rule, the
# driver, the API and the function of the call site, or for a leak the exit
# routine and where the memory was allocated.  free_not_allocated is only
# for drivers whose load the monitors saw, so it is first checked silent on
# a driver loaded before the pack.
# vm-allow: WARNING: CPU: [0-9]+ PID: [0-9]+ at mm/vmalloc\.c:[0-9]+ __vunmap
# vm-allow: WARNING: CPU: [0-9]+ PID: [0-9]+ at mm/slab\.h:[0-9]+ cache_from_obj
# vm-timeout: 500
set -u
. "$(dirname "$0")/core_lib.sh"

ARMED=(dg_double_free dg_mismatched_free dg_wrong_cache_free dg_leaked_memory)
hex='0x[0-9a-f]+'
kptr='0xffff[0-9a-f]{12}'	# a kernel pointer, all 64 bits of it

# dg_free_not_allocated is loaded first: the pack finds it running.
insmod "$MODULES/dg_free_not_allocated.ko"
args=(--driver dg_free_not_allocated)
for d in "${ARMED[@]}"; do args+=(--driver "$MODULES/$d.ko"); done
tap_ok "load the core pack on a loaded driver and ${#ARMED[@]} armed ones" \
	"$DRVGUARD" load core "${args[@]}"
for d in "${ARMED[@]}"; do
	insmod "$MODULES/$d.ko" || tap_fail "insmod $d"
done

fire dg_free_not_allocated
watch_events "$TMP/unobserved.events" 2
tap_is "$(grep -c . "$TMP/unobserved.events")" 0 \
	"free_not_allocated: silent while the monitors have not seen the driver load"
tap_ok "reload dg_free_not_allocated under the pack" \
	sh -c "rmmod dg_free_not_allocated && insmod '$MODULES/dg_free_not_allocated.ko'"
watch_events "$TMP/load.events" 2
tap_is "$(grep -c . "$TMP/load.events")" 0 "loading the drivers raises nothing"

# bug DRIVER RULE API MESSAGE_RE NOTE_RE ORACLE_RE: as in test_core_rules.sh,
# for a call made by DRIVER_fire in process context
bug() {
	local d=$1

	dmesg_mark
	fire "$d"
	watch_events "$TMP/$d.events"
	dmesg_since "$TMP/$d.dmesg"
	expect_event "$TMP/$d.events" "$d" "$2" "$3" process "$(call_site "$d")" "$4" "$5"
	if [ -n "$6" ]; then
		tap_grep "$TMP/$d.dmesg" "$6" "$d: the kernel log agrees: /$6/"
	fi
}

# Staged: the second free is of the same object, reallocated unseen.
bug dg_double_free double_free kmem_cache_free "^kmem_cache_free\\(\\) of $kptr, already freed\$" \
	"^first freed by kmem_cache_free\\(\\) at dg_double_free_fire\\+$hex \\[dg_double_free\\]\$" \
	'freed [0-9a-f]+ twice, reallocated unseen in between'

# Staged: the object was allocated through an API the monitors do not hook.
bug dg_free_not_allocated free_not_allocated kmem_cache_free \
	"^kmem_cache_free\\(\\) of $kptr, which the driver never allocated\$" '' ''

# Real: vfree() of kmalloc() memory; vfree() warns and frees nothing.
bug dg_mismatched_free mismatched_free vfree "^vfree\\(\\) of $kptr, which holds kmalloc memory\$" \
	"^allocated by kmalloc\\(\\) at dg_mismatched_free_fire\\+$hex \\[dg_mismatched_free\\]\$" \
	'Trying to vfree\(\) bad address'

# Real: kmem_cache_free() to the wrong cache; SLUB warns and frees to the right one.
bug dg_wrong_cache_free wrong_cache_free kmem_cache_free \
	"^kmem_cache_free\\(\\) of $kptr to cache $kptr, but it is cache memory \\(cache " \
	"^allocated by kmem_cache_alloc\\(\\) at dg_wrong_cache_free_fire\\+$hex \\[dg_wrong_cache_free\\]\$" \
	'Wrong slab cache\. dg_wrong_cache_b but object is from dg_wrong_cache_a'

# Real: a kmalloc() buffer never freed; reported when the module unloads.
d=dg_leaked_memory
fire "$d"
watch_events "$TMP/$d.fire.events" 2
tap_is "$(grep -c . "$TMP/$d.fire.events")" 0 "$d: the allocation itself raises nothing"
watch_unload "$TMP/$d.events" "$d"
expect_event "$TMP/$d.events" "$d" leaked_memory module_exit process \
	"$(exit_site "$d")" "^kmalloc memory $kptr never freed\$" \
	"^allocated by kmalloc\\(\\) at dg_leaked_memory_fire\\+$hex \\[dg_leaked_memory\\]\$"

"$DRVGUARD" -j status > "$TMP/status"
tap_diag "$(jq -c '.packs[0].counters' "$TMP/status")"
tap_is "$(jq -c '[.packs[0].rules[] | select(.violations != 0) | {(.rule): .violations}] | add' \
	"$TMP/status")" \
	'{"double_free":1,"free_not_allocated":1,"mismatched_free":1,"wrong_cache_free":1,"leaked_memory":1}' \
	"status counts one violation of each memory rule, and no other"
tap_is "$(jq '.packs[0].counters.drops' "$TMP/status")" 0 "no event was dropped"

# The others unload clean under the pack.
for d in dg_double_free dg_free_not_allocated dg_mismatched_free dg_wrong_cache_free; do
	rmmod "$d" || tap_fail "rmmod $d"
done
watch_events "$TMP/unload.events" 2
tap_is "$(grep -c . "$TMP/unload.events")" 0 "unloading the other drivers raises nothing"
tap_diag "$(cat "$TMP/unload.events")"
tap_ok "unload the pack" "$DRVGUARD" unload core
tap_end
