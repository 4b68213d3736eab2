#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# End to end: a driver that calls msleep() with a spinlock held is reported
# by the core pack's sleep_with_spinlock rule (rules/packs/core.rules)
# exactly once, with the call site and where the lock was taken, and the
# kernel's own "scheduling while atomic" agrees the bug is real.
# vm-allow: BUG: scheduling while atomic
set -u
. "$(dirname "$0")/lib.sh"

insmod "$MODULES/dg_sleep_atomic.ko"
tap_ok "the kernel accepted the module's BTF" test -e /sys/kernel/btf/dg_sleep_atomic
tap_ok "drvguard loads the core pack on dg_sleep_atomic" \
	"$DRVGUARD" load core --driver dg_sleep_atomic

dmesg_mark
fire dg_sleep_atomic
dmesg_since "$TMP/dmesg"
"$DRVGUARD" watch --json --timeout 3 > "$TMP/events"
tap_is "$?" 0 "drvguard watch succeeds"

tap_is "$(wc -l < "$TMP/events")" 1 "exactly one line from watch"
event=$(jq -c 'select(.rule)' "$TMP/events")
tap_is "$(grep -c . <<< "$event")" 1 "exactly one violation event"
tap_diag "$event"
tap_is "$(jq -r .rule <<< "$event")" sleep_with_spinlock "rule is sleep_with_spinlock"
tap_is "$(jq -r .driver <<< "$event")" dg_sleep_atomic "event names the driver"
tap_is "$(jq -r .api <<< "$event")" msleep "event names the API"
tap_match "$(jq -r .site <<< "$event")" '^dg_sleep_atomic_fire\+0x[0-9a-f]+ \[dg_sleep_atomic\]$' \
	"call site is symbolized as function+0xoff"
tap_is "$(jq -r .message <<< "$event")" "msleep() called with 1 lock(s) held" \
	"the message names the API and counts the held locks"
note=$(jq -r '.notes[0]' <<< "$event")
tap_match "$note" '^lock 0x[0-9a-f]{16} taken by spin_lock\(\) at dg_sleep_atomic_fire\+0x[0-9a-f]+ \[dg_sleep_atomic\]$' \
	"the note says which lock, taken by which API, where"
# Both sites are in dg_sleep_atomic_fire: the lock must come before the sleep.
taken=$(sed -n 's/.*dg_sleep_atomic_fire+\(0x[0-9a-f]*\).*/\1/p' <<< "$note")
slept=$(jq -r .site <<< "$event" | sed -n 's/.*+\(0x[0-9a-f]*\) .*/\1/p')
tap_ok "the lock was taken before the sleep ($taken < $slept)" test $((taken)) -lt $((slept))
tap_is "$(jq -r .context <<< "$event")" process "context is process (debugfs write)"
tap_grep "$TMP/dmesg" 'BUG: scheduling while atomic' \
	"oracle: the kernel itself reports scheduling while atomic"
# Crash-safe: a fatal rule's report is in the kernel log before the kernel's own.
logged=$(grep -n 'drvguard: sleep_with_spinlock in dg_sleep_atomic at dg_sleep_atomic_fire+0x' \
	"$TMP/dmesg" | head -n 1 | cut -d: -f1)
bug=$(grep -n 'BUG: scheduling while atomic' "$TMP/dmesg" | head -n 1 | cut -d: -f1)
tap_diag "$(grep 'drvguard:' "$TMP/dmesg" | head -n 1)"
tap_ok "the kernel log names rule, driver and site before the kernel's BUG (line ${logged:-none} < ${bug:-none})" \
	test "${logged:-999999}" -lt "${bug:-0}"

# Events wait for a watcher; --count takes only what it prints.  Identical
# violations less than a second apart are aggregated, so space these out.
for i in 1 2 3; do fire dg_sleep_atomic; sleep 1.2; done
tap_is "$("$DRVGUARD" watch --json --count 1 --timeout 10 | wc -l)" 1 "watch --count 1 prints one"
tap_is "$("$DRVGUARD" watch --json --timeout 3 | wc -l)" 2 "the next watcher gets the other two"

# A burst at one site: one event standing for all of it.
fire dg_sleep_atomic 5
"$DRVGUARD" watch --json --timeout 3 > "$TMP/burst"
tap_is "$(wc -l < "$TMP/burst")" 1 "a burst of five identical violations is one event"
tap_is "$(jq .count "$TMP/burst")" 1 "the event of the first one stands for itself"
sleep 1.2
fire dg_sleep_atomic
"$DRVGUARD" watch --json --timeout 3 > "$TMP/after"
tap_is "$(jq .count "$TMP/after")" 5 "the next event carries the four folded ones"
tap_grep "$TMP/after" '"rule":"sleep_with_spinlock"' "and names the rule"

"$DRVGUARD" -j status > "$TMP/status"
tap_diag "$(jq -c .packs[0].counters "$TMP/status")"
tap_is "$(jq '.packs[0].counters.violations' "$TMP/status")" 10 "status counts every violation"
tap_is "$(jq '.packs[0].counters | .delivered + .aggregated + .drops' "$TMP/status")" 10 \
	"delivered + aggregated + dropped = fired"
tap_is "$(jq '.packs[0].rules[] | select(.rule == "sleep_with_spinlock") | .violations' \
	"$TMP/status")" 10 "the rule's own counter agrees"
tap_is "$(jq '.packs[0].counters.contended' "$TMP/status")" 0 \
	"no state update was skipped for contention"
tap_ok "unload the pack" "$DRVGUARD" unload core
tap_ok "no drvguard pins are left" test ! -e /sys/fs/bpf/drvguard/core
tap_ok "the driver unloads" rmmod dg_sleep_atomic
tap_end
