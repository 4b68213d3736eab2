# SPDX-License-Identifier: GPL-2.0
# Shared by the bench phases that run in the guest: paths to the built tree,
# the bench driver's timed loops, drvguard's counters, CPU time and medians.
# Every phase prints one JSON object on stdout and its progress on stderr;
# bench/suite puts the objects together.  BENCH_SMOKE=1 shrinks every
# loop and run so that the whole suite only proves it still works.

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DRVGUARD="$TOP/.output/drvguard"
MODULES="$TOP/.output/modules"
FLOOR="$TOP/.output/bench/floor"
FLOOR_PINS=/sys/fs/bpf/dg_bench_floor
SMOKE=${BENCH_SMOKE:-0}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# jq: never colour, the guest's stdout is a terminal
jq() { command jq -M "$@"; }

# say TEXT...: progress on stderr, with the guest's uptime
say() { echo "bench: [$(cut -d' ' -f1 /proc/uptime)] $*" >&2; }

# smoke_or SMOKE_VALUE FULL_VALUE: the value for this mode
smoke_or() { if [ "$SMOKE" = 1 ]; then echo "$1"; else echo "$2"; fi; }

# The dg_bench loops (measurements 1 and 2) and how many pairs each runs.
OPS="spin kmalloc mutex"
declare -A N=([spin]=$(smoke_or 2000 200000) [kmalloc]=$(smoke_or 500 50000)
	      [mutex]=$(smoke_or 2000 200000))

# bench_op MODULE OP N: run N iterations of OP in MODULE; prints ns per iteration
bench_op() {
	local run=/sys/kernel/debug/$1/run op n ns
	echo "$2 $3" > "$run" || return 1
	read -r op n ns < "$run"
	awk -v ns="$ns" -v n="$n" 'BEGIN { printf "%.1f\n", ns / n }'
}

# median: the median of the numbers on stdin, one per line
median() {
	sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "null"; exit }
		print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# ratio A B: A / B with 3 decimals, or null when B is 0 or either is null
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (a == "null" || b == "null" || b + 0 == 0) print "null"
		else printf "%.3f\n", a / b }'
}

# cpu_busy: CPU time spent so far by all CPUs, not idle, in seconds
cpu_busy() {
	awk '/^cpu / { printf "%.2f\n", ($2 + $3 + $4 + $7 + $8 + $9) / 100; exit }' /proc/stat
}

# now_s: seconds since boot, to the nanosecond
now_s() { awk '{ print $1 }' /proc/uptime; }
clock_s() { date +%s.%N; }

# counters PACK: the pack's counters as a JSON object
counters() {
	"$DRVGUARD" -j status | jq -c --arg p "$1" '.packs[] | select(.pack == $p) | .counters'
}

# counter PACK NAME: one counter of a loaded pack
counter() { counters "$1" | jq -r --arg c "$2" '.[$c] // 0'; }

# module_range MODULE: "START END" of the module's memory, as signed 64-bit
# decimals (bash arithmetic; bpftrace casts them back to addresses)
module_range() {
	local name size base
	while read -r name size _ _ _ base _; do
		[ "$name" = "$1" ] && { echo "$((base)) $((base + size))"; return 0; }
	done < /proc/modules
	return 1
}

# settle: after a monitor attaches, the guest stays slow for a while (the
# kernel is still patching and freeing around the new trampolines); the
# first measurements after a load were several times slower than later ones
settle() { sleep "$(smoke_or 1 3)"; }

# prog_stats CMD...: run CMD with the kernel's BPF run-time statistics on;
# prints the 12 BPF programs that ran most, as a JSON array of
# {prog, runs, ns_per_run}.  The statistics cost time themselves, so this is
# a run of its own, never one that is timed.
prog_stats() {
	bpftool -j prog show | jq -c 'map({(.id | tostring): {c: (.run_cnt // 0),
		t: (.run_time_ns // 0)}}) | add // {}' > "$TMP/stats0"
	sysctl -qw kernel.bpf_stats_enabled=1
	"$@" > /dev/null
	sysctl -qw kernel.bpf_stats_enabled=0
	bpftool -j prog show | jq -c --slurpfile s0 "$TMP/stats0" '
		map(. as $p | ($s0[0][$p.id | tostring] // {c: 0, t: 0}) as $b |
		    {prog: .name, runs: ((.run_cnt // 0) - $b.c),
		     ns: ((.run_time_ns // 0) - $b.t)} | select(.runs > 0) |
		    {prog, runs, ns_per_run: (.ns / .runs | round)}) |
		sort_by(-.runs) | .[:12]'
}

# floor_load PACK: empty programs on the loaded PACK's hooks; prints their number
floor_load() { "$FLOOR" "/sys/fs/bpf/drvguard/$1/links" "$FLOOR_PINS"; }

# floor_unload: detach the floor's programs
floor_unload() { rm -rf "$FLOOR_PINS"; }
