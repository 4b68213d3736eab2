#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The bench suite still works: bench/suite in its smoke mode (tiny loops
# and runs) produces one well-formed JSON document with every measurement
# of BENCHMARKS.md in it.  Timings are not checked: under software
# emulation and at this size they mean nothing.
# vm-timeout: 900
set -u
. "$(dirname "$0")/lib.sh"

BENCH_SMOKE=1 "$TOP/bench/suite" > "$TMP/out" 2> "$TMP/err"
tap_is "$?" 0 "bench/suite runs in smoke mode"
sed -n '/^BENCH-JSON-BEGIN$/,/^BENCH-JSON-END$/p' "$TMP/out" | sed '1d;$d' > "$TMP/result.json"
if jq -e . "$TMP/result.json" > /dev/null 2>&1; then
	tap_pass "it prints one well-formed JSON document"
else
	tap_fail "it prints one well-formed JSON document"
	tail -n 20 "$TMP/err" | tap_diag_stdin
fi

# has NAME JQ_CONDITION: the result satisfies the condition
has() {
	if jq -e "$2" "$TMP/result.json" > /dev/null 2>&1; then
		tap_pass "result: $1"
	else
		tap_fail "result: $1"
		tap_diag "jq condition: $2"
	fi
}

num='type == "number"'
for op in spin kmalloc mutex; do
	has "per-event cost of $op under none, floor, core and bpftrace" \
		".per_event.ops.$op | [.none, .floor, .core, .bpftrace] | all($num)"
	has "per-event ratios of $op against the floor and bpftrace" \
		".per_event.ops.$op | (.core_over_floor | $num) and (.bpftrace_over_core | $num)"
done
has "the floor hooks what the core pack hooks" '.per_event.floor_hooks > 0'
has "the bpftrace script reported no violation of the clean loops" \
	'.per_event.bpftrace_reports == 0'
for w in spin kmalloc mutex fio syscalls; do
	has "tax on $w, with and without the core pack on e1000" \
		".tax.workloads.$w | (.none | $num) and (.core | $num) and (.overhead | $num)"
done
for d in veth null_blk; do
	has "$d throughput and CPU ratios" \
		".real_drivers.$d | (.throughput_ratio | $num) and (.cpu_per_unit_ratio | $num)"
	has "$d: the pack saw the driver's calls" ".real_drivers.$d.api_calls_per_second > 0"
done
has "pipeline steps for distinct and identical violations" \
	'.pipeline.steps | (map(.kind) | index("distinct") and index("identical"))'
has "every identical violation is accounted for" '.pipeline.identical_accounted == true'
has "BGI is reported as not measured" '.bgi | test("not measured")'
tap_diag "phase wall times (s): $(jq -c '[.per_event, .tax, .real_drivers, .pipeline] |
	map(.wall_seconds)' "$TMP/result.json" 2> /dev/null)"
tap_end
