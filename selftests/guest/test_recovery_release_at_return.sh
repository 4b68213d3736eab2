#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Recovery by release_at_return (rules/packs/core.rules:
# spinlock_held_at_return, mutex_held_at_return): with recovery off a timer
# callback returning with a spinlock held makes the timer code warn of a
# preempt leak, and a work item returning with a mutex held leaves it held
# until the driver's next run; with recovery on each lock is released as
# the entry point returns, a thousand times over (also two nested locks
# taken with spin_lock_irqsave and spin_lock), the kernel
# says nothing and the drivers' locks are free after; a module init that
# returns with a lock held is refused, since the kernel has already reset
# the preempt count; switching recovery on and off under load is safe, and
# the recovery module unloads cleanly after.
# vm-allow: WARNING: CPU: [0-9]+ PID: [0-9]+ at kernel/time/timer\.c:[0-9]+ call_timer_fn
# vm-allow: WARNING: CPU: [0-9]+ PID: [0-9]+ at init/main\.c:[0-9]+ do_one_initcall
# vm-timeout: 600
set -u
. "$(dirname "$0")/core_lib.sh"
TIMES=1000
SPIN=dg_spinlock_held_at_return
MUTEX=dg_mutex_held_at_return
INIT=dg_spinlock_held_at_init

# kernel_complaints FILE: lines of FILE where the kernel reports a problem
kernel_complaints() {
	grep -E 'BUG|WARNING|Oops|underflow|bad unlock|preempt leak|leaked lock|imbalance|lockup|stall|Call Trace|mutex released unseen|left held' "$1"
}

# fire_nested N: N runs of the timer that leaves two nested locks held
fire_nested() {
	local i
	for i in $(seq "$1"); do echo 2 > "/sys/kernel/debug/$SPIN/trigger"; done
}

# outcomes FILE RULE: the distinct recovery outcomes of RULE's events in FILE
outcomes() { jq -r "select(.rule == \"$2\") | .recovery.outcome" "$1" | sort -u; }

tap_ok "load core, armed for $SPIN $MUTEX $INIT" core_arm "$SPIN" "$MUTEX" "$INIT"
insmod "$MODULES/$SPIN.ko" || tap_fail "insmod $SPIN"
insmod "$MODULES/$MUTEX.ko" || tap_fail "insmod $MUTEX"
tap_is "$("$DRVGUARD" -j recover status | jq -r '.packs[0].recovery')" off "recovery starts off"

# --- recovery off: the bugs are real ---------------------------------------
dmesg_mark
fire "$SPIN"
fire "$MUTEX"
dmesg_since "$TMP/dmesg.off"
tap_grep "$TMP/dmesg.off" "timer: ${SPIN}_fire\\+0x0/0x[0-9a-f]+ \\[$SPIN\\] preempt leak" \
	"recovery off: the timer code reports the preempt leak"
tap_grep "$TMP/dmesg.off" "$MUTEX: the owner released the mutex in the next run" \
	"recovery off: the work item's mutex stays held until its next run"
watch_events "$TMP/events.off"
tap_is "$(outcomes "$TMP/events.off" spinlock_held_at_return) $(outcomes "$TMP/events.off" \
	mutex_held_at_return)" "off off" "the events say recovery was off"

# --- recovery on: every lock released at the return, the kernel silent -----
tap_ok "recover enable" "$DRVGUARD" recover enable
before=$("$DRVGUARD" -j status | jq '.packs[0].counters.recovered')
dmesg_mark
fire "$SPIN" "$TIMES"
fire_nested "$TIMES"
fire "$MUTEX" "$TIMES"
dmesg_since "$TMP/dmesg.on"
expect_all_recovered "$TMP/dmesg.on" $((4 * TIMES)) "locks held at an entry point's return" \
	"$before"
watch_events "$TMP/events.on"
tap_is "$(outcomes "$TMP/events.on" spinlock_held_at_return)" recovered \
	"every spinlock event shows it recovered"
tap_is "$(outcomes "$TMP/events.on" mutex_held_at_return)" recovered \
	"every mutex event shows it recovered"
tap_is "$(jq -r '.recovery.action' "$TMP/events.on" | sort -u)" release_at_return \
	"and names the action"
tap_is "$(jq -r '.rule' "$TMP/events.on" | sort -u | xargs)" \
	"mutex_held_at_return spinlock_held_at_return" \
	"no other rule fired: the next locks were no double lock, no unlock went astray"
tap_is "$(jq -r "select(.driver == \"$SPIN\") | .message" "$TMP/events.on" | sort -u | wc -l)" 2 \
	"each of the two nested locks was reported"

# The drivers still work: their trigger's clean path takes every lock.
dmesg_mark
tap_ok "the drivers still take their locks after the recoveries" eval \
	"fire_within 30 $SPIN 5 && fire_within 30 $MUTEX 5"
dmesg_since "$TMP/dmesg.after"
tap_ok "and the kernel is still silent" bash -c "! grep -qE 'BUG|WARNING|underflow' $TMP/dmesg.after"

# --- switching while the drivers are busy -----------------------------------
fire "$SPIN" 300 &
firing=$!
fire "$MUTEX" 300 &
firing2=$!
for i in $(seq 30); do
	"$DRVGUARD" recover disable > /dev/null
	"$DRVGUARD" recover enable > /dev/null
done
wait "$firing" && wait "$firing2"
tap_is "$?" 0 "30 off/on switches while the drivers fire 300 times each"
dmesg_mark
tap_ok "the drivers still work after the switching" eval \
	"fire_within 30 $SPIN 5 && fire_within 30 $MUTEX 5"
dmesg_since "$TMP/dmesg.switched"
tap_ok "with no kernel complaint" bash -c "! grep -qE 'BUG|WARNING|underflow' $TMP/dmesg.switched"

# --- refusal: a module init returns with a lock held ------------------------
watch_events "$TMP/events.drain" 1
refused=$("$DRVGUARD" -j status | jq '.packs[0].counters.not_recovered')
dmesg_mark
insmod "$MODULES/$INIT.ko" || tap_fail "insmod $INIT"
dmesg_since "$TMP/dmesg.init"
watch_events "$TMP/events.init"
tap_is "$(jq -r "select(.driver == \"$INIT\") | .recovery.outcome" "$TMP/events.init")" \
	"not recoverable: releasing the lock here is not legal" \
	"a lock held at module init's return is refused, not released"
tap_grep "$TMP/dmesg.init" "initcall ${INIT}_init\\+0x0/0x[0-9a-f]+ \\[$INIT\\] returned with preemption imbalance" \
	"and the kernel reports the imbalance, as without drvguard"
tap_is "$("$DRVGUARD" -j status | jq ".packs[0].counters.not_recovered - $refused")" 1 \
	"status counts the refusal"

# --- the modules unload cleanly ---------------------------------------------
tap_ok "recover disable" "$DRVGUARD" recover disable
tap_ok "unload the core pack" "$DRVGUARD" unload core
for m in "$SPIN" "$MUTEX" "$INIT"; do
	tap_ok "rmmod $m" rmmod "$m"
done
dmesg_mark
rmmod_recovery_quietly
tap_end
