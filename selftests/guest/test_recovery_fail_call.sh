#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Recovery by fail_call (rules/packs/core.rules, sleep_in_atomic_context): a
# tasklet's mutex_lock_interruptible() of a mutex another task holds.  With
# recovery off the lock really sleeps in softirq context and the kernel
# reports "BUG: scheduling while atomic" itself; with recovery on the call
# returns -EINTR, the failure the catalog gives it, a thousand times over,
# without a sleep and without a word from the kernel, and the driver sees
# each failure; its legal calls of the same function are not failed.  msleep() has no failure return: refused, and said so.  The
# module's kprobe is there only while recovery wants it.
# vm-allow: BUG: scheduling while atomic
# vm-timeout: 600
set -u
. "$(dirname "$0")/core_lib.sh"
TIMES=1000
D=dg_fail_call_mutex
MSLEEP=dg_sleep_in_atomic_context
kprobes=/sys/kernel/debug/kprobes/list
fail_calls=/sys/module/drvguard_recover/parameters/fail_calls

kernel_complaints() { grep -E 'BUG|WARNING|Oops|Call Trace|bad unlock' "$1"; }
param() { cat "/sys/module/$D/parameters/$1"; }
counter() { "$DRVGUARD" -j status | jq ".packs[0].counters.$1"; }
# armed: the module's kprobes on mutex_lock_interruptible's body, listed
armed() { grep -c 'mutex_lock_interruptible+0x5' "$kprobes"; }

tap_ok "load core on $D and $MSLEEP" core_arm "$D" "$MSLEEP"
for d in "$D" "$MSLEEP"; do
	insmod "$MODULES/$d.ko" || tap_fail "insmod $d"
done
tap_is "$(armed)" 0 "recovery off: no kprobe on mutex_lock_interruptible"

# --- recovery off: the tasklet sleeps, the kernel complains ----------------
dmesg_mark
fire "$D"
dmesg_since "$TMP/dmesg.off"
tap_grep "$TMP/dmesg.off" 'BUG: scheduling while atomic' \
	"recovery off: the kernel reports the sleep in the tasklet"
tap_is "$(param locked)/$(param interrupted)/$(param other)" "1/0/0" \
	"and the tasklet got the mutex after sleeping for it"
watch_events "$TMP/events.off"
tap_is "$(jq -r 'select(.driver == "'$D'") | .rule + " " + .recovery.outcome' \
	"$TMP/events.off" | sort -u)" "sleep_in_atomic_context off" "the event says recovery was off"

# --- recovery on: -EINTR, no sleep -----------------------------------------
tap_ok "recover enable" "$DRVGUARD" recover enable
tap_is "$(armed)" 1 "recovery on: one kprobe on mutex_lock_interruptible's body"
tap_diag "fail_calls: $(cat "$fail_calls")"
tap_diag "$(grep drvguard "$kprobes" 2> /dev/null || grep '+0x5' "$kprobes")"
before=$(counter recovered)
dmesg_mark
tap_ok "fire $TIMES times" fire_within 300 "$D" "$TIMES"
dmesg_since "$TMP/dmesg.on"
expect_all_recovered "$TMP/dmesg.on" "$TIMES" "mutex_lock_interruptible() in a tasklet" \
	"$before"
tap_is "$(param locked)/$(param interrupted)/$(param other)" "1/$TIMES/0" \
	"the driver saw -EINTR $TIMES times, and nothing else"
watch_events "$TMP/events.on"
tap_is "$(jq -r 'select(.driver == "'$D'" and .recovery.outcome != "off") | .rule + " " +
	.recovery.action + " " + .recovery.outcome' "$TMP/events.on" | sort -u)" \
	"sleep_in_atomic_context fail_call recovered" "the event stream shows the call failed"

# --- refusal: msleep() has no failure return -------------------------------
dmesg_mark
fire "$MSLEEP"
dmesg_since "$TMP/dmesg.msleep"
watch_events "$TMP/events.msleep"
tap_is "$(jq -r 'select(.driver == "'$MSLEEP'") | .recovery.outcome' "$TMP/events.msleep")" \
	"not recoverable: the call has no failure return" "msleep(): refused, and the event says why"
tap_is "$(counter not_recovered)" 1 "status counts the refusal"
tap_grep "$TMP/dmesg.msleep" 'BUG: scheduling while atomic' \
	"and the sleep goes ahead, as the kernel reports"

# --- the driver still works: its legal calls are not failed ------------------
before=$(violations)
locked=$(param locked)
dmesg_mark
tap_ok "the driver still works" bash -c \
	"for i in \$(seq 10); do echo 2 > /sys/kernel/debug/$D/trigger; done"
dmesg_since "$TMP/dmesg.legal"
tap_is "$(($(param locked) - locked))/$(param interrupted)/$(param other)" "10/$TIMES/0" \
	"with the kprobe armed, its process-context mutex_lock_interruptible() is not failed"
tap_is "$(($(violations) - before))" 0 "and raises nothing"
tap_ok "the kernel is silent" bash -c "! grep -qE 'BUG|WARNING' $TMP/dmesg.legal"

# --- disable disarms -------------------------------------------------------
tap_ok "recover disable" "$DRVGUARD" recover disable
tap_is "$(armed)" 0 "recover disable: the kprobe is gone"
tap_is "$(cat "$fail_calls")" "" "and the module arms nothing"

# --- a pack with no fexit program on the call: the body is jumped to -------
# The core pack's unlock_around gives mutex_lock_interruptible() fexit
# programs, so the trampoline calls its body; without them the trampoline
# returns into the body, on the caller's stack.  Both must be failed.
tap_ok "unload the core pack" "$DRVGUARD" unload core
cat > "$TMP/failonly.rules" <<'RULES'
pack failonly "fail_call alone";
rule lock_in_tasklet {
	on call mutex_lock_interruptible;
	when context != process;
	message "{api}() called in {context} context";
	recover fail_call;
}
RULES
tap_ok "load a pack whose only rule is fail_call" \
	"$DRVGUARD" load "$TMP/failonly.rules" --driver "$D"
tap_ok "recover enable" "$DRVGUARD" recover enable failonly
tap_is "$(armed)" 1 "armed"
interrupted=$(param interrupted)
dmesg_mark
tap_ok "fire 100 times" fire_within 60 "$D" 100
dmesg_since "$TMP/dmesg.failonly"
tap_ok "no kernel complaint" bash -c "! grep -qE 'BUG|WARNING|Oops' $TMP/dmesg.failonly"
tap_is "$(($(param interrupted) - interrupted))/$(param other)" "100/0" \
	"the driver saw -EINTR each time"
tap_is "$("$DRVGUARD" -j status | jq '.packs[0].counters.recovered')" 100 "all recovered"

# --- unload disarms too, everything unloads -----------------------------------
tap_ok "rmmod $D" rmmod "$D"
tap_ok "rmmod $MSLEEP" rmmod "$MSLEEP"
dmesg_mark
tap_ok "unload the pack" "$DRVGUARD" unload failonly
tap_is "$(armed)" 0 "unload: the kprobe is gone"
rmmod_recovery_quietly
tap_end
