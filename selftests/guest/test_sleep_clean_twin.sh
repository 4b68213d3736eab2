#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# No false alarm: the clean twin makes the same spin_lock, spin_unlock and
# msleep calls in the right order, many times, and the core pack stays silent.
# The buggy twin, loaded but not monitored, must not be reported either.
# vm-allow: BUG: scheduling while atomic
set -u
. "$(dirname "$0")/lib.sh"

insmod "$MODULES/dg_sleep_clean.ko"
insmod "$MODULES/dg_sleep_atomic.ko"
tap_ok "drvguard loads the core pack on dg_sleep_clean" \
	"$DRVGUARD" load core --driver dg_sleep_clean

# Two writers, so both vCPUs run the driver's lock paths at once.
dmesg_mark
fire dg_sleep_clean 50 &
fire dg_sleep_clean 50
wait
dmesg_since "$TMP/dmesg"
"$DRVGUARD" watch --json --timeout 3 > "$TMP/events"
tap_is "$(wc -l < "$TMP/events")" 0 "the clean twin raises no event"
tap_nogrep "$TMP/dmesg" 'scheduling while atomic' "the kernel agrees: no scheduling while atomic"
tap_is "$("$DRVGUARD" -j status | jq '.packs[0].counters.drops')" 0 "no event was dropped"
# 100 fires, each spin_lock + spin_unlock + msleep: silence is not blindness.
tap_is "$("$DRVGUARD" -j status | jq '.packs[0].counters.driver_calls')" 300 \
	"the monitor saw every lock, unlock and sleep of the clean twin"

# The buggy module is loaded but not monitored: scoping keeps it out.
dmesg_mark
fire dg_sleep_atomic
dmesg_since "$TMP/dmesg"
"$DRVGUARD" watch --json --timeout 2 > "$TMP/events"
tap_grep "$TMP/dmesg" 'BUG: scheduling while atomic' "the unmonitored driver's bug is real"
tap_is "$(wc -l < "$TMP/events")" 0 "a driver the pack was not loaded for is not reported"
tap_ok "unload the pack" "$DRVGUARD" unload core
tap_end
