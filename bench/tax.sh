#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Measurement 2, the tax on the rest of the kernel: work that does not
# involve the monitored driver, with no pack loaded and with the core pack
# loaded on e1000 only (loaded, its NIC down: it makes no calls itself).
#   bystander - dg_bench_bystander, a driver no pack watches, running the
#               same spin/kmalloc/mutex loops as measurement 1: the worst
#               case, every call of it goes through the core pack's hooks;
#   fio       - 4 KiB random reads on null_blk for a fixed time: IOPS;
#   syscalls  - dd copying /dev/zero to /dev/null 512 bytes at a time:
#               syscalls per second.
# The two setups alternate, so drift hits both alike; medians are reported.
set -u
. "$(dirname "$0")/lib.sh"

REPS=$(smoke_or 1 3)
FIO_SECONDS=$(smoke_or 1 10)
DD_COUNT=$(smoke_or 2000 100000)
declare -A RUNS		# RUNS[setup.workload]: one result per repetition

# fio_iops: IOPS of FIO_SECONDS of 4 KiB random reads on /dev/nullb0
fio_iops() {
	fio --name=tax --filename=/dev/nullb0 --direct=1 --ioengine=libaio --iodepth=16 \
		--rw=randread --bs=4k --size=1G --time_based --runtime="$FIO_SECONDS" \
		--output-format=json 2> /dev/null | jq '.jobs[0].read.iops | round'
}

# syscalls_per_s: dd's read+write syscalls per second of wall time
syscalls_per_s() {
	local t0 t1
	t0=$(clock_s)
	dd if=/dev/zero of=/dev/null bs=512 count="$DD_COUNT" status=none
	t1=$(clock_s)
	awk -v n="$DD_COUNT" -v a="$t0" -v b="$t1" 'BEGIN { printf "%d\n", 2 * n / (b - a) }'
}

# measure SETUP: one round of every workload
measure() {
	local op
	for op in $OPS; do
		RUNS[$1.$op]+="$(bench_op dg_bench_bystander "$op" "${N[$op]}") "
	done
	RUNS[$1.fio]+="$(fio_iops) "
	RUNS[$1.syscalls]+="$(syscalls_per_s) "
}

insmod "$MODULES/dg_bench_bystander.ko" || exit 1
modprobe e1000 && modprobe null_blk queue_mode=2 nr_devices=1 || exit 1
for rep in $(seq "$REPS"); do
	measure none
	"$DRVGUARD" load core --driver e1000 >&2 || exit 1
	settle
	measure core
	# Once, untimed: what runs on behalf of the core pack while the bystander locks.
	[ "$rep" = "$REPS" ] && STATS=$(prog_stats bench_op dg_bench_bystander spin "${N[spin]}")
	"$DRVGUARD" unload core >&2
	settle
done
say "tax: $(for k in "${!RUNS[@]}"; do printf '%s=%s ' "$k" "$(printf '%s\n' ${RUNS[$k]} | median)"; done)"

for k in "${!RUNS[@]}"; do
	printf '%s\n' ${RUNS[$k]} | jq -s -c --arg s "${k%%.*}" --arg w "${k#*.}" \
		'{($w): {($s): (sort | if length % 2 == 1 then .[length / 2 | floor]
			else (.[length / 2 - 1] + .[length / 2]) / 2 end), runs: {($s): .}}}'
done | jq -s -c --argjson reps "$REPS" --argjson stats "$STATS" --argjson n "$(for op in $OPS; do
		echo "{\"$op\": ${N[$op]}}"; done | jq -s -c add)" '
	reduce .[] as $x ({}; . * $x) |
	# the loops are in ns per pair (lower is better), fio and dd in rates (higher)
	with_entries(.value += (if .key == "fio" or .key == "syscalls"
		then {unit: (if .key == "fio" then "IOPS" else "syscalls per second" end),
		      overhead: (1 - .value.core / .value.none)}
		else {unit: "ns per pair of calls", added: (.value.core - .value.none),
		      overhead: (.value.core / .value.none - 1)} end)) |
	with_entries(.value.overhead |= (. * 10000 | round / 10000)) |
	{monitored: "e1000", pack: "core", reps: $reps, iterations: $n, workloads: .,
	 bystander_spin_programs: $stats}'
rmmod dg_bench_bystander null_blk e1000
