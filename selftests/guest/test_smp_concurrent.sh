#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# State stays right when both vCPUs run monitored drivers at once: the buggy
# driver sleeps with its lock held (and may wake up on the other CPU) while
# the clean twin takes and drops its lock; every bug is reported once and
# the twin never.
# vm-allow: BUG: scheduling while atomic
# vm-timeout: 400
set -u
. "$(dirname "$0")/lib.sh"
BUGGY=20 CLEAN=200

insmod "$MODULES/dg_sleep_atomic.ko"
insmod "$MODULES/dg_sleep_clean.ko"
tap_ok "load core on both drivers" \
	"$DRVGUARD" load core --driver dg_sleep_atomic --driver dg_sleep_clean

fire dg_sleep_clean "$CLEAN" &
fire dg_sleep_atomic "$BUGGY" &
fire dg_sleep_clean "$CLEAN" &
wait
"$DRVGUARD" -j watch --timeout 5 > "$TMP/events"
"$DRVGUARD" -j status > "$TMP/status"
tap_diag "$(jq -c .packs[0].counters "$TMP/status")"
# With full preemption a task can be preempted inside a monitor program;
# the kernel then skips that program for the next task on the CPU.
LOST=$(jq '.packs[0].counters.skipped_by_kernel' "$TMP/status")

# Identical reports at one site are aggregated: the status counters account
# for every violation, the events for some of them.
tap_is_lossy "$(jq '.packs[0].rules[] | select(.rule == "sleep_with_spinlock") | .violations' \
	"$TMP/status")" "$BUGGY" "$LOST" "every sleep under the buggy driver's lock is a violation"
tap_is "$(jq '.packs[0].counters | .delivered + .aggregated + .drops' "$TMP/status")" \
	"$(jq '.packs[0].counters.violations' "$TMP/status")" "and each is delivered, aggregated or counted as dropped"
tap_ok "the events carry at most that many" \
	test "$(jq -s 'map(.count) | add // 0' "$TMP/events")" -le "$BUGGY" -a -s "$TMP/events"
tap_is "$(jq -c 'select(.driver != "dg_sleep_atomic")' "$TMP/events" | wc -l)" 0 \
	"the clean twin is never reported"
tap_is_lossy "$(jq '.packs[0].counters.violations' "$TMP/status")" "$BUGGY" "$LOST" \
	"no other rule fired: no false report under SMP"
tap_is "$(jq -r '.site' "$TMP/events" | sort -u)" \
	"$(jq -r '.site' "$TMP/events" | head -n 1)" "all reports name the same call site"
tap_is_lossy "$(jq '.packs[0].counters.driver_calls' "$TMP/status")" \
	$(( (BUGGY + 2 * CLEAN) * 3 )) "$LOST" "the monitor saw every lock, unlock and sleep"
tap_is "$(jq '.packs[0].counters.drops' "$TMP/status")" 0 "no event was dropped"
tap_ok "unload" "$DRVGUARD" unload core
tap_end
