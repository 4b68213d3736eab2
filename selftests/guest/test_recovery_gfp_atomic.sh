#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Recovery by gfp_atomic (rules/packs/core.rules, sleeping_alloc_in_atomic):
# an allocation with sleeping flags under a spinlock is made with
# GFP_ATOMIC instead, keeping __GFP_ZERO and __GFP_NOWARN; __GFP_NOFAIL is
# refused.  The guest kernel has no CONFIG_DEBUG_ATOMIC_SLEEP and these
# small allocations do not actually sleep, so the kernel does not complain
# either way: the oracle is the kernel's own record of the flags each
# allocator was given, the kmem trace events, before and after.
# vm-timeout: 600
set -u
. "$(dirname "$0")/core_lib.sh"
TIMES=1000
D=dg_alloc_atomic_flags
tracing=/sys/kernel/tracing

# trace_flags SIZE: the gfp_flags of the traced allocations of SIZE bytes, counted.
# The driver's sizes are odd ones: call sites name the monitor's trampoline.
trace_flags() {
	grep -E "(kmalloc|kmem_cache_alloc): .* bytes_req=$1 " "$tracing/trace" |
		sed -n 's/.*gfp_flags=\([^ ]*\).*/\1/p' |
		sort | uniq -c | awk '{ print $2 "=" $1 }' | tr '\n' ' '
}

# traced N TRIGGER: fire the driver's case TRIGGER N times with kmem tracing on
traced() {
	echo > "$tracing/trace"
	echo 1 > "$tracing/events/kmem/kmalloc/enable"
	echo 1 > "$tracing/events/kmem/kmem_cache_alloc/enable"
	for _ in $(seq "$1"); do echo "$2" > "/sys/kernel/debug/$D/trigger"; done
	echo 0 > "$tracing/events/kmem/kmalloc/enable"
	echo 0 > "$tracing/events/kmem/kmem_cache_alloc/enable"
}

param() { cat "/sys/module/$D/parameters/$1"; }
counter() { "$DRVGUARD" -j status | jq ".packs[0].counters.$1"; }

[ -e "$tracing/events" ] || mount -t tracefs nodev "$tracing"
tap_ok "load core on $D" core_arm "$D"
insmod "$MODULES/$D.ko" || tap_fail "insmod $D"

# --- recovery off: the kernel is handed sleeping flags in atomic context ---
traced 1 1
traced_off=$(trace_flags 731)
tap_is "$traced_off" "GFP_KERNEL|__GFP_ZERO=1 " \
	"recovery off: kzalloc() under a spinlock reaches the allocator with GFP_KERNEL"
watch_events "$TMP/events.off"
tap_is "$(jq -r '.rule + " " + .recovery.outcome' "$TMP/events.off")" \
	"sleeping_alloc_in_atomic off" "the event says recovery was off"

# --- recovery on: GFP_ATOMIC, the other flags kept --------------------------
tap_ok "recover enable" "$DRVGUARD" recover enable
before=$(counter recovered)
allocated=$(param allocated)
dmesg_mark
traced "$TIMES" 1
tap_is "$(trace_flags 731)" "GFP_ATOMIC|__GFP_ZERO=$TIMES " \
	"kzalloc(GFP_KERNEL) under a spinlock, $TIMES times: the allocator got GFP_ATOMIC|__GFP_ZERO"
traced "$TIMES" 2
tap_is "$(trace_flags 613)" "GFP_ATOMIC|__GFP_NOWARN=$TIMES " \
	"kmem_cache_alloc(GFP_KERNEL|__GFP_NOWARN) under spin_lock_irqsave(): GFP_ATOMIC|__GFP_NOWARN"
dmesg_since "$TMP/dmesg.on"
tap_ok "no kernel complaint" bash -c "! grep -qE 'BUG|WARNING|Oops|Call Trace' $TMP/dmesg.on"
tap_is "$(($(counter recovered) - before))" $((2 * TIMES)) "status counts each recovered"
tap_is "$(counter not_recovered)" 0 "and none refused"
tap_is "$(($(param allocated) - allocated))/$(param failed)/$(param not_zeroed)" \
	"$((2 * TIMES))/0/0" "every allocation succeeded, the zeroed ones zeroed"
watch_events "$TMP/events.on"
tap_is "$(jq -r 'select(.recovery and .recovery.outcome != "off") | .rule + " " + .recovery.action + " " +
	.recovery.outcome' "$TMP/events.on" | sort -u)" \
	"sleeping_alloc_in_atomic gfp_atomic recovered" "the event stream shows the recovery"

# --- refusal: __GFP_NOFAIL ---------------------------------------------------
traced 1 3
tap_is "$(trace_flags 719)" "GFP_KERNEL|__GFP_NOFAIL=1 " \
	"__GFP_NOFAIL: the allocator got the driver's own flags"
watch_events "$TMP/events.nofail"
tap_is "$(jq -r '.recovery.outcome' "$TMP/events.nofail")" \
	"not recoverable: the allocation must not fail (__GFP_NOFAIL)" "and the event says why"
tap_is "$(counter not_recovered)" 1 "status counts the refusal"

# --- the driver still works, everything unloads ----------------------------
dmesg_mark
tap_ok "the driver still works" fire_within 30 "$D" 10
tap_ok "rmmod $D" rmmod "$D"
tap_ok "recover disable" "$DRVGUARD" recover disable
tap_ok "unload the core pack" "$DRVGUARD" unload core
rmmod_recovery_quietly
tap_end
