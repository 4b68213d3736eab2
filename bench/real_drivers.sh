#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Measurement 3, real drivers under load, with no pack and with the pack
# for their class loaded on them:
#   veth     - iperf3 TCP between two network namespaces over a veth pair,
#              with the netdev pack;
#   null_blk - fio 4 KiB random reads (blk-mq, libaio, depth 16), with the
#              block pack.
# Each run reports throughput and the CPU time the whole guest spent per
# unit of work (from /proc/stat); with the pack, also the driver's API
# call rate (the pack's driver_calls counter over the run's time), which
# places the run on bench/results' overhead-against-call-rate plot.
# The setups alternate; medians are reported.
set -u
. "$(dirname "$0")/lib.sh"

SECONDS_PER_RUN=$(smoke_or 2 10)
REPS=$(smoke_or 1 3)
declare -A RUNS		# RUNS[driver.setup]: one JSON object per run

# veth_up: a veth pair, va in namespace a (10.9.2.1) and vb in b (10.9.2.2)
veth_up() {
	modprobe veth && ip netns add a && ip netns add b &&
		ip -n a link add va type veth peer name vb netns b &&
		ip -n a addr add 10.9.2.1/24 dev va && ip -n b addr add 10.9.2.2/24 dev vb &&
		ip -n a link set va up && ip -n b link set vb up &&
		ip -n a link set lo up && ip -n b link set lo up
}

# iperf_server: a one-shot iperf3 server in b, once it listens
iperf_server() {
	ip netns exec b iperf3 -s -1 -D -B 10.9.2.2 > /dev/null || return 1
	for _ in $(seq 100); do
		ip netns exec b ss -Hltn 'sport = :5201' | grep -q . && return 0
		sleep 0.1
	done
	return 1
}

# load_veth: prints "bits_per_second" of one iperf3 run a -> b
load_veth() {
	iperf_server || return 1
	ip netns exec a iperf3 -c 10.9.2.2 -t "$SECONDS_PER_RUN" -J 2> /dev/null |
		jq '.end.sum_received.bits_per_second | round'
}

# load_null_blk: prints the IOPS of one fio run on /dev/nullb0
load_null_blk() {
	fio --name=real --filename=/dev/nullb0 --direct=1 --ioengine=libaio --iodepth=16 \
		--rw=randread --bs=4k --size=1G --time_based --runtime="$SECONDS_PER_RUN" \
		--output-format=json 2> /dev/null | jq '.jobs[0].read.iops | round'
}

# run DRIVER SETUP PACK: one loaded run; PACK "-" for none
run() {
	local cpu0 cpu1 t0 t1 calls0=0 calls1=0 rate
	[ "$3" = - ] || calls0=$(counter "$3" driver_calls)
	cpu0=$(cpu_busy); t0=$(clock_s)
	rate=$("load_$1") || rate=0
	cpu1=$(cpu_busy); t1=$(clock_s)
	[ "$3" = - ] || calls1=$(counter "$3" driver_calls)
	RUNS[$1.$2]+=$(jq -n -c --argjson rate "${rate:-0}" --arg cpu0 "$cpu0" --arg cpu1 "$cpu1" \
		--arg t0 "$t0" --arg t1 "$t1" --argjson calls "$((calls1 - calls0))" \
		--argjson run_s "$SECONDS_PER_RUN" '
		(($t1 | tonumber) - ($t0 | tonumber)) as $secs |
		{throughput: $rate, seconds: ($secs * 100 | round / 100),
		 cpu_seconds: (($cpu1 | tonumber) - ($cpu0 | tonumber)),
		 api_calls_per_second: ($calls / $secs | round)} |
		.cpu_per_unit = (if $rate > 0 then .cpu_seconds / ($rate * $run_s) else null end)')
	RUNS[$1.$2]+=$'\n'
}

# bench DRIVER PACK: REPS alternating runs without and with PACK on DRIVER
bench() {
	for _ in $(seq "$REPS"); do
		run "$1" none -
		"$DRVGUARD" load "$2" --driver "$1" >&2 || return 1
		settle
		run "$1" pack "$2"
		"$DRVGUARD" unload "$2" >&2
		settle
	done
}

veth_up || { say "veth pair failed"; exit 1; }
bench veth netdev || exit 1
modprobe null_blk queue_mode=2 nr_devices=1 || exit 1
bench null_blk block || exit 1
ip netns del a; ip netns del b
rmmod null_blk

# One JSON object: per driver, the runs, medians and the ratios with/without the pack.
for d in veth null_blk; do
	printf '%s' "${RUNS[$d.none]}" | jq -s -c '.' > "$TMP/none"
	printf '%s' "${RUNS[$d.pack]}" | jq -s -c '.' > "$TMP/pack"
	jq -n -c --arg d "$d" --slurpfile none "$TMP/none" --slurpfile pack "$TMP/pack" '
		def med: sort | if length == 0 then null elif length % 2 == 1 then .[length / 2 | floor]
			else (.[length / 2 - 1] + .[length / 2]) / 2 end;
		def r3: if . == null then null else . * 1000 | round / 1000 end;
		($none[0] | map(.throughput) | med) as $tn | ($pack[0] | map(.throughput) | med) as $tp |
		($none[0] | map(.cpu_per_unit) | med) as $cn | ($pack[0] | map(.cpu_per_unit) | med) as $cp |
		{($d): {pack: (if $d == "veth" then "netdev" else "block" end),
			unit: (if $d == "veth" then "bits per second" else "IOPS" end),
			throughput: {none: $tn, pack: $tp},
			throughput_ratio: (if $tn > 0 then $tp / $tn | r3 else null end),
			throughput_loss: (if $tn > 0 then 1 - $tp / $tn | r3 else null end),
			cpu_per_unit_ratio: (if $cn != null and $cn > 0 and $cp != null
				then $cp / $cn | r3 else null end),
			api_calls_per_second: ($pack[0] | map(.api_calls_per_second) | med),
			runs: {none: $none[0], pack: $pack[0]}}}'
done | jq -s -c --argjson secs "$SECONDS_PER_RUN" --argjson reps "$REPS" \
	'add + {seconds_per_run: $secs, reps: $reps}'
