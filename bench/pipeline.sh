#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Measurement 4, the event pipeline: how many violations per second reach
# `drvguard watch`, and what happens beyond that.  The core pack is armed on
# the drivers before they load, and a `drvguard -j watch` reads each step.
#   distinct  - dg_bench's unowned_free: each violation is a kfree() of a
#               pointer of its own (16384 in rotation), at a set rate held
#               for a few seconds (bursts once a second).  A step is lossless
#               when nothing was dropped and watch printed every event the
#               kernel delivered.
#   identical - dg_storm: bursts of N identical violations at one site, as
#               fast as the CPU goes.  Aggregation folds them into one event
#               per second carrying a count; fired = delivered + aggregated
#               + dropped accounts for each.
# For every step: violations fired, delivered, aggregated, dropped, the
# events watch printed and the violations their counts stand for.
set -u
. "$(dirname "$0")/lib.sh"

RATES=$(smoke_or "200" "100 300 1000 4000")
STEP_SECONDS=$(smoke_or 1 3)
BURSTS=$(smoke_or "100" "1000 10000 100000 1000000")
STEPS=()		# one JSON object per step

# snap: the core pack's counters that matter here, as "violations delivered aggregated drops"
snap() {
	counters core | jq -r '"\(.violations // 0) \(.delivered) \(.aggregated) \(.drops)"'
}

# watch_start SECONDS: a JSON watcher in the background, into $TMP/events
watch_start() {
	"$DRVGUARD" -j watch --timeout "$1" > "$TMP/events" 2> "$TMP/watch.err" &
	WATCH_PID=$!
	sleep 0.5
}

# step KIND SETTING SECONDS BEFORE: the JSON object of a finished step
step() {
	local v0 d0 a0 x0 v1 d1 a1 x1
	wait "$WATCH_PID"
	read -r v0 d0 a0 x0 <<< "$4"
	read -r v1 d1 a1 x1 <<< "$(snap)"
	jq -s -c --arg kind "$1" --argjson setting "$2" --arg secs "$3" \
		--argjson fired "$((v1 - v0))" --argjson delivered "$((d1 - d0))" \
		--argjson aggregated "$((a1 - a0))" --argjson drops "$((x1 - x0))" '
		{kind: $kind, setting: $setting, seconds: ($secs | tonumber),
		 rate: (($fired / ($secs | tonumber)) | round), fired: $fired,
		 delivered: $delivered, aggregated: $aggregated, drops: $drops,
		 watch_events: length, watch_violations: (map(.count // 1) | add // 0)} |
		.lossless = (.drops == 0 and .watch_events == .delivered)' "$TMP/events"
}

# distinct RATE: STEP_SECONDS seconds of RATE unowned frees per second
distinct() {
	local before t0 t1 s
	watch_start "$((STEP_SECONDS + 3))"
	before=$(snap); t0=$(clock_s)
	for s in $(seq "$STEP_SECONDS"); do
		bench_op dg_bench unowned_free "$1" > /dev/null
		# sleep out the rest of this second
		sleep "$(awk -v t0="$t0" -v s="$s" -v now="$(clock_s)" \
			'BEGIN { d = t0 + s - now; print (d > 0 ? d : 0) }')"
	done
	t1=$(clock_s)
	step distinct "$1" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" "$before"
}

# identical N: one burst of N identical violations; a last one a second
# later carries what aggregation folded
identical() {
	local before t0 t1
	watch_start "$((6 + $1 / 50000))"	# the burst takes seconds at 1e6
	before=$(snap); t0=$(clock_s)
	echo "$1" > /sys/kernel/debug/dg_storm/trigger
	t1=$(clock_s)
	sleep 1.2
	echo 1 > /sys/kernel/debug/dg_storm/trigger
	step identical "$1" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" "$before"
}

"$DRVGUARD" load core --driver "$MODULES/dg_bench.ko" --driver "$MODULES/dg_storm.ko" >&2 ||
	exit 1
insmod "$MODULES/dg_bench.ko" && insmod "$MODULES/dg_storm.ko" || exit 1
settle
for r in $RATES; do
	STEPS+=("$(distinct "$r")")
	say "pipeline: ${STEPS[-1]}"
done
for n in $BURSTS; do
	STEPS+=("$(identical "$n")")
	say "pipeline: ${STEPS[-1]}"
done
"$DRVGUARD" unload core >&2
rmmod dg_bench dg_storm

printf '%s\n' "${STEPS[@]}" | jq -s -c --argjson secs "$STEP_SECONDS" '
	{step_seconds: $secs, steps: .,
	 max_lossless_distinct_rate: (map(select(.kind == "distinct" and .lossless) | .rate) | max),
	 identical_accounted: (map(select(.kind == "identical")) |
		all(.fired == .delivered + .aggregated + .drops))}'
