#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Recovery by unlock_around (rules/packs/core.rules, sleep_with_spinlock):
# with recovery off the kernel itself reports the bug; with recovery on a
# driver sleeping with locks held keeps working, a thousand times over,
# and the kernel says nothing; a driver that disabled preemption itself is
# refused and reported as not recoverable; switching recovery on and off
# under load is safe, and the recovery module unloads cleanly after.
# vm-allow: BUG: scheduling while atomic
# vm-timeout: 600
set -u
. "$(dirname "$0")/lib.sh"
TIMES=1000

# kernel_complaints FILE: lines of FILE where the kernel reports a problem
kernel_complaints() { grep -E 'BUG|WARNING|Oops|underflow|bad unlock|lockup|stall|Call Trace' "$1"; }

for m in dg_sleep_atomic dg_sleep_nested_locks dg_sleep_preempt_off dg_sleep_clean; do
	insmod "$MODULES/$m.ko"
done
tap_ok "load core on the three buggy drivers and the clean twin" \
	"$DRVGUARD" load core --driver dg_sleep_atomic --driver dg_sleep_nested_locks \
	--driver dg_sleep_preempt_off --driver dg_sleep_clean
tap_ok "loading the pack loaded the recovery module" test -d /sys/module/drvguard_recover
tap_is "$("$DRVGUARD" -j recover status | jq -r '.packs[0].recovery')" off "recovery starts off"

# --- recovery off: the bug is real -----------------------------------------
dmesg_mark
fire dg_sleep_atomic
dmesg_since "$TMP/dmesg.off"
tap_grep "$TMP/dmesg.off" 'BUG: scheduling while atomic' \
	"recovery off: the kernel itself reports scheduling while atomic"
"$DRVGUARD" -j watch --timeout 3 > "$TMP/events.off"
tap_is "$(jq -r '.recovery.outcome' "$TMP/events.off")" off "the event says recovery was off"

# --- recovery on: every sleep recovered, the kernel silent -----------------
tap_ok "recover enable" "$DRVGUARD" recover enable
tap_is "$("$DRVGUARD" -j status | jq -r '.packs[0].recovery')" on "status shows recovery on"
before=$("$DRVGUARD" -j status | jq '.packs[0].counters.recovered')
dmesg_mark
fire dg_sleep_atomic "$TIMES"
fire dg_sleep_nested_locks "$TIMES"
dmesg_since "$TMP/dmesg.on"
expect_all_recovered "$TMP/dmesg.on" $((2 * TIMES)) "sleeps under locks" "$before"
tap_is "$(jq '.packs[0].rules[] | select(.violations > 0) | .rule' "$TMP/status" | sort -u)" \
	'"sleep_with_spinlock"' "no other rule fired: the monitors never saw the module's unlocks"
"$DRVGUARD" -j watch --timeout 3 > "$TMP/events.on"
tap_is "$(jq -r 'select(.driver == "dg_sleep_nested_locks") | .recovery.outcome' \
	"$TMP/events.on" | sort -u)" recovered "the event stream shows the nested locks recovered"
tap_is "$(jq -r 'select(.driver == "dg_sleep_nested_locks") | .message' "$TMP/events.on" |
	sort -u)" "msleep() called with 3 lock(s) held" "all three of its locks were held"
tap_is "$(jq -r 'select(.driver == "dg_sleep_atomic") | .recovery.action' "$TMP/events.on" |
	sort -u)" unlock_around "and names the action"

# The drivers still work: their locks are free and balanced (a lock left
# taken would hang the next trigger, one left released would underflow).
dmesg_mark
tap_ok "the drivers still work after $TIMES recoveries each" eval \
	"fire_within 30 dg_sleep_atomic && fire_within 30 dg_sleep_nested_locks &&
	 fire_within 30 dg_sleep_clean 10"
dmesg_since "$TMP/dmesg.after"
tap_ok "and the kernel is still silent" bash -c "! grep -qE 'BUG|WARNING|underflow' $TMP/dmesg.after"

# --- refusal: preemption disabled by the driver itself ---------------------
dmesg_mark
fire dg_sleep_preempt_off
dmesg_since "$TMP/dmesg.refused"
"$DRVGUARD" -j watch --timeout 3 > "$TMP/events.refused"
tap_is "$(jq -r 'select(.driver == "dg_sleep_preempt_off") | .recovery.outcome' \
	"$TMP/events.refused")" "not recoverable: atomic for reasons other than the driver's locks" \
	"a driver that disabled preemption itself is refused, not recovered"
tap_grep "$TMP/dmesg.refused" 'BUG: scheduling while atomic' \
	"and the kernel reports the unrecovered sleep, as without drvguard"
tap_is "$("$DRVGUARD" -j status | jq '.packs[0].counters.not_recovered')" 1 \
	"status counts the refusal"

# --- the switch is per rule -----------------------------------------------
tap_ok "recover disable" "$DRVGUARD" recover disable
tap_ok "recover enable --rule sleep_with_spinlock core" \
	"$DRVGUARD" recover enable --rule sleep_with_spinlock core
"$DRVGUARD" -j status > "$TMP/status.rule"
tap_is "$(jq -r '.packs[0].recovery' "$TMP/status.rule")" partial \
	"the pack's recovery is partial"
tap_is "$(jq -r '[.packs[0].rules[] | select(.recovery == "on") | .rule] | join(" ")' \
	"$TMP/status.rule")" sleep_with_spinlock "status shows only that rule's switch on"
tap_is "$(jq -r '.packs[0].rules[] | select(.rule == "double_lock") | has("recovery")' \
	"$TMP/status.rule")" false "a rule without an action has no switch"
before=$(jq '.packs[0].counters.recovered' "$TMP/status.rule")
dmesg_mark
fire dg_sleep_atomic 10
dmesg_since "$TMP/dmesg.rule"
tap_is "$("$DRVGUARD" -j status | jq ".packs[0].counters.recovered - $before")" 10 \
	"with only that rule on, its sleeps are recovered"
tap_ok "and the kernel is silent" bash -c "! grep -qE 'BUG|WARNING' $TMP/dmesg.rule"
"$DRVGUARD" recover enable --rule no_such_rule > /dev/null 2> "$TMP/err"
tap_is "$?" 4 "recover --rule with a rule no loaded pack has: exit status 4"
tap_grep "$TMP/err" "no loaded pack has a rule 'no_such_rule'" "and the error names it"
"$DRVGUARD" recover enable --rule double_lock > /dev/null 2> "$TMP/err"
tap_is "$?" 1 "recover --rule with a rule that has no action: exit status 1"
tap_grep "$TMP/err" "rule 'double_lock' has no recover action" "and the error says so"
tap_is "$("$DRVGUARD" -j recover status | jq -r '.packs[0].recovery')" partial \
	"the refused commands changed nothing"
tap_ok "recover enable" "$DRVGUARD" recover enable

# --- switching while the driver is busy ------------------------------------
fire dg_sleep_atomic 400 &
firing=$!
for i in $(seq 40); do
	"$DRVGUARD" recover disable > /dev/null
	"$DRVGUARD" recover enable > /dev/null
done
wait "$firing"
tap_is "$?" 0 "40 off/on switches while the driver fires 400 times"
dmesg_mark
tap_ok "the driver still works after the switching" fire_within 30 dg_sleep_atomic 10
dmesg_since "$TMP/dmesg.switched"
tap_ok "with no kernel complaint" bash -c "! grep -qE 'BUG|WARNING|underflow' $TMP/dmesg.switched"

# --- the module unloads cleanly --------------------------------------------
tap_ok "recover disable" "$DRVGUARD" recover disable
tap_ok "unload the core pack" "$DRVGUARD" unload core
for m in dg_sleep_atomic dg_sleep_nested_locks dg_sleep_preempt_off dg_sleep_clean; do
	rmmod "$m"
done
dmesg_mark
rmmod_recovery_quietly
tap_end
