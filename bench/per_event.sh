#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Measurement 1, the per-event cost: the bench driver runs spin_lock/unlock,
# kmalloc/kfree and mutex_lock/unlock pairs in tight loops, timed in the
# kernel, under four setups: no monitor; the floor (empty programs on the
# core pack's own hooks, attached the same way, see floor.c); the core pack;
# and bench/rules.bt, a bpftrace script checking sleep_with_spinlock and
# double_free.  "none" is measured first and last, and every setup is
# repeated, so drift within the run shows; medians are reported.  The cost a
# monitor adds is setup - none, in ns per pair of calls.
set -u
. "$(dirname "$0")/lib.sh"

REPS=$(smoke_or 1 5)
declare -A RUNS		# RUNS[setup.op]: ns per pair, one per repetition

# measure SETUP: REPS rounds of every op under the current setup
measure() {
	local rep op
	for rep in $(seq "$REPS"); do
		for op in $OPS; do
			RUNS[$1.$op]+="$(bench_op dg_bench "$op" "${N[$op]}") "
		done
	done
	say "per-event: $1: $(for op in $OPS; do printf '%s %s  ' "$op" \
		"$(printf '%s\n' ${RUNS[$1.$op]} | median)"; done)"
}

# bpftrace_start: rules.bt on dg_bench's range, until its probes are attached
bpftrace_start() {
	# "--": the addresses are negative as signed numbers, not options
	bpftrace "$TOP/bench/rules.bt" -- $(module_range dg_bench) > "$TMP/bt.out" 2>&1 &
	BT_PID=$!
	for _ in $(seq 3000); do
		grep -q '^ready' "$TMP/bt.out" && return 0
		kill -0 "$BT_PID" 2> /dev/null || return 1
		sleep 0.1
	done
	return 1
}

insmod "$MODULES/dg_bench.ko" || exit 1
measure none
"$DRVGUARD" load core --driver dg_bench >&2 || exit 1
settle
measure core
# Where the core pack's time goes on each op: its programs' own run times.
for op in $OPS; do
	prog_stats bench_op dg_bench "$op" "${N[$op]}" | jq -c --arg o "$op" '{($o): .}'
done | jq -s -c add > "$TMP/stats"
HOOKS=$(floor_load core) || exit 1
"$DRVGUARD" unload core >&2
settle
measure floor
floor_unload
settle
bpftrace_start || { say "bpftrace did not start"; cat "$TMP/bt.out" >&2; exit 1; }
BT_PROBES=$(sed -n 's/^Attaching \([0-9]*\) probes.*/\1/p' "$TMP/bt.out")
settle
measure bpftrace
kill -INT "$BT_PID"; wait "$BT_PID"
settle
BT_REPORTS=$(grep -c -E '^(sleep_with_spinlock|double_free):' "$TMP/bt.out")
measure none
rmmod dg_bench

# One JSON object: medians, what each monitor adds, and the two ratios the targets name.
for setup in none floor core bpftrace; do
	for op in $OPS; do
		printf '%s %s %s\n' "$setup" "$op" "$(printf '%s\n' ${RUNS[$setup.$op]} | median)"
		printf '%s\n' ${RUNS[$setup.$op]} | jq -s -c --arg s "$setup" --arg o "$op" \
			'{($o): {($s): .}}' > "$TMP/runs.$setup.$op"
	done
done > "$TMP/medians"
jq -n -c --argjson hooks "$HOOKS" --argjson bt_probes "${BT_PROBES:-0}" \
	--argjson bt_reports "$BT_REPORTS" --argjson reps "$REPS" \
	--argjson n "$(for op in $OPS; do echo "{\"$op\": ${N[$op]}}"; done | jq -s -c add)" \
	--rawfile medians "$TMP/medians" --slurpfile stats "$TMP/stats" \
	--argjson runs "$(cat "$TMP"/runs.* | jq -s -c 'reduce .[] as $x ({}; . * $x)')" '
	($medians | split("\n") | map(select(. != "") | split(" ")) |
	 reduce .[] as [$s, $o, $v] ({}; .[$o][$s] = ($v | tonumber))) as $m |
	def added($o; $s): ($m[$o][$s] - $m[$o].none) * 10 | round / 10;
	def div($a; $b): if $b == 0 then null else ($a / $b * 1000 | round) / 1000 end;
	{unit: "ns per pair of calls", reps: $reps, iterations: $n,
	 floor_hooks: $hooks, bpftrace_probes: $bt_probes, bpftrace_reports: $bt_reports,
	 ops: ($m | with_entries(.key as $o | .value |= (. + {
		added: {floor: added($o; "floor"), core: added($o; "core"),
			bpftrace: added($o; "bpftrace")},
		core_over_floor: div(added($o; "core"); added($o; "floor")),
		bpftrace_over_core: div(added($o; "bpftrace"); added($o; "core")),
		runs: $runs[$o]}))),
	 core_programs: $stats[0]}'
