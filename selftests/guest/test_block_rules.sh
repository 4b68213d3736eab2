#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The block pack (rules/packs/block.rules) on one misbehaving blk-mq RAM disk
# per rule and on a clean twin.  The pack is loaded once, armed for every
# test driver's .ko before any of them loads.  Each bug is reported exactly
# once, with the rule, the driver and the call site, and the kernel's block
# tracepoints (block_rq_issue comes from blk_mq_start_request(),
# block_rq_complete from each end) show what the driver did:
#
#   request_completed_twice  a request ended twice: two completions, one
#                            issue (the request survives it: see the driver)
#   request_not_started      a request ended that was never started: a
#                            completion with no issue; the I/O succeeds
#   request_never_completed  a request started and dropped: blk-mq's timeout
#                            handling finds it; reported at unload
#
# The clean twin (dg_blk_clean) moves data with dd and fio through both ways
# of ending a request and goes through three load/unload cycles: nothing is
# reported.
# vm-timeout: 400
set -u
. "$(dirname "$0")/class_lib.sh"
PACK=block
T=/sys/kernel/tracing

# trace_on: record block_rq_issue and block_rq_complete in the trace buffer
trace_on() {
	echo > $T/trace
	echo 1 > $T/events/block/block_rq_issue/enable
	echo 1 > $T/events/block/block_rq_complete/enable
}

# trace_off DISK: stop recording; ISSUED and COMPLETED count DISK's events
trace_off() {
	local dev
	echo 0 > $T/events/block/block_rq_issue/enable
	echo 0 > $T/events/block/block_rq_complete/enable
	dev=$(tr : , < "/sys/block/$1/dev")
	ISSUED=$(grep -c "block_rq_issue: $dev " $T/trace)
	COMPLETED=$(grep -c "block_rq_complete: $dev " $T/trace)
}

# dd_read DISK: one 4 KiB direct read of DISK
dd_read() { dd if="/dev/$1" of=/dev/null bs=4k count=1 iflag=direct status=none; }

# roundtrip DISK MB: MB of random data written to DISK and read back the same
roundtrip() {
	head -c "$2M" /dev/urandom > "$TMP/data" &&
		dd if="$TMP/data" of="/dev/$1" bs=64k oflag=direct status=none &&
		dd if="/dev/$1" of="$TMP/back" bs=64k count=$(($2 * 16)) iflag=direct status=none &&
		cmp -s "$TMP/data" "$TMP/back"
}

# --- request_completed_twice -----------------------------------------------
load_pack dg_blk_request_completed_twice dg_blk_request_not_started \
	dg_blk_request_never_completed dg_blk_clean

m=dg_blk_request_completed_twice
load $m
tap_ok "$m: 1 MB goes through it and reads back the same" roundtrip $m 1
watch_events
tap_is "$(grep -c . "$TMP/events")" 0 "$m: ordinary I/O raises nothing"
dmesg_mark
trace_on
echo 1 > "/sys/kernel/debug/$m/trigger"
trace_off $m
dmesg_since "$TMP/dmesg"
tap_is "$ISSUED $COMPLETED" "1 2" "oracle: blk-mq traced one issue and two completions"
tap_grep "$TMP/dmesg" "$m: request [0-9a-f]+: end_io ran 2 times" "$m: its end_io ran twice"
watch_events
if expect_one $m request_completed_twice blk_mq_end_request "^${m}_again\+0x[0-9a-f]+ \[$m\]$"; then
	rq=$(sed -n "s/.*$m: ended request \([0-9a-f]*\),.*/\1/p" "$TMP/dmesg")
	tap_is "$(jq -r .message "$TMP/events")" \
		"blk_mq_end_request() of request 0x$rq, already ended" \
		"$m: the message names the request"
	tap_match "$(jq -r '.notes[0]' "$TMP/events")" \
		"^previously by blk_mq_end_request\(\) at ${m}_queue_rq\+0x[0-9a-f]+ \[$m\]$" \
		"$m: the note says where it ended first, in queue_rq"
fi
tap_grep "$TMP/dmesg" "drvguard: request_completed_twice in $m at ${m}_again\+0x" \
	"$m: the fatal rule is in the kernel log as it happens"
tap_ok "$m: the disk still works" roundtrip $m 1
unload $m

# --- request_not_started ---------------------------------------------------
m=dg_blk_request_not_started
load $m
echo 1 > "/sys/kernel/debug/$m/trigger"
dmesg_mark
trace_on
tap_ok "$m: armed, a 4 KiB read succeeds" dd_read $m
trace_off $m
dmesg_since "$TMP/dmesg"
tap_is "$ISSUED $COMPLETED" "0 1" "oracle: blk-mq traced its completion and no issue"
watch_events
if expect_one $m request_not_started blk_mq_end_request "^${m}_serve\+0x[0-9a-f]+ \[$m\]$"; then
	rq=$(sed -n "s/.*$m: ended request \([0-9a-f]*\) without.*/\1/p" "$TMP/dmesg")
	tap_is "$(jq -r .message "$TMP/events")" \
		"blk_mq_end_request() of request 0x$rq, which the driver never started" \
		"$m: the message names the request"
	tap_is "$(jq -r .severity "$TMP/events")" warning "$m: a warning"
fi
trace_on
dd_read $m
trace_off $m
tap_is "$ISSUED $COMPLETED" "1 1" "$m: unarmed, the next read is issued and completed"
tap_ok "$m: 1 MB goes through it and reads back the same" roundtrip $m 1
watch_events
tap_is "$(grep -c . "$TMP/events")" 0 "$m: ordinary I/O raises nothing"
unload $m

# --- request_never_completed -----------------------------------------------
m=dg_blk_request_never_completed
load $m
tap_ok "$m: 1 MB goes through it and reads back the same" roundtrip $m 1
dmesg_mark
trace_on
echo 1 > "/sys/kernel/debug/$m/trigger"
for i in $(seq 50); do
	dmesg_since "$TMP/dmesg"
	grep -q "$m: request [0-9a-f]* timed out" "$TMP/dmesg" && break
	sleep 0.2
done
trace_off $m
tap_is "$ISSUED $COMPLETED" "1 0" "$m: blk-mq traced the request's issue and no completion"
tap_grep "$TMP/dmesg" "$m: request [0-9a-f]+ timed out" \
	"oracle: blk-mq's timeout handling found the request still in flight"
rq=$(sed -n "s/.*$m: started request \([0-9a-f]*\) and dropped it.*/\1/p" "$TMP/dmesg")
watch_events
tap_is "$(grep -c . "$TMP/events")" 0 "$m: nothing is reported before unload"
tap_ok "$m: unloads" rmmod $m
watch_events
if expect_one $m request_never_completed module_exit "^dg_core_exit\+0x0 \[$m\]$"; then
	tap_is "$(jq -r .message "$TMP/events")" "request 0x$rq started but never completed" \
		"$m: the message names the request"
	tap_match "$(jq -r '.notes[0]' "$TMP/events")" \
		"^started at ${m}_drop\+0x[0-9a-f]+ \[$m\]$" \
		"$m: the note says where it was started"
fi

# --- the clean twin ----------------------------------------------------------
m=dg_blk_clean
BEFORE=$(counts)
"$DRVGUARD" -j status > "$TMP/status.before"
dmesg_mark
ok=0 moved=0
: > "$TMP/all"
for cycle in 1 2 3; do
	insmod "$MODULES/$m.ko" || break
	roundtrip $m 4 && ok=$((ok + 1))
	fio --name=$m --filename=/dev/$m --direct=1 --ioengine=libaio --iodepth=16 --rw=randrw \
		--bs=4k --size=16M --io_size=8M --output-format=json > "$TMP/fio" 2> /dev/null
	moved=$((moved + $(jq '.jobs[0] | .read.io_bytes + .write.io_bytes' "$TMP/fio")))
	echo 1 > "/sys/kernel/debug/$m/trigger"
	# while it is loaded, so that sites are symbolized
	watch_events
	cat "$TMP/events" >> "$TMP/all"
	rmmod $m || break
done
dmesg_since "$TMP/dmesg"
watch_events
cat "$TMP/events" >> "$TMP/all"
tap_is "$ok" 3 "$m: 4 MB written and read back the same in each of 3 load/unload cycles"
tap_is "$moved" $((3 * 8 * 1048576)) "$m: fio moved 8 MB of 4 KiB random I/O in each cycle"
direct=$(sed -n 's/.*: \([0-9]*\) requests ended directly.*/\1/p' "$TMP/dmesg" | paste -sd+ | bc)
completed=$(sed -n 's/.*directly, \([0-9]*\) through ->complete.*/\1/p' "$TMP/dmesg" |
	paste -sd+ | bc)
tap_ok "$m: ${direct:-0} requests ended directly, ${completed:-0} through ->complete" \
	test "${direct:-0}" -gt 0 -a "${completed:-0}" -gt 0
tap_is "$(grep -c . "$TMP/all")" 0 "$m: no event"
jq -r '[.rule, .api, .site, .context] | join("  ")' "$TMP/all" | sort | uniq -c | tap_diag_stdin
head -n 3 "$TMP/all" | tap_diag_stdin
tap_is "$(new_violations)" "{}" "$m: no violation counted"
"$DRVGUARD" -j status > "$TMP/status"
tap_diag "$(jq -c .packs[0].counters "$TMP/status")"
tap_is "$(jq .packs[0].counters.drops "$TMP/status")" 0 "no event was dropped"
# each request: one start and one end, and a complete for half of them
seen=$(($(jq .packs[0].counters.driver_calls "$TMP/status") -
	$(jq .packs[0].counters.driver_calls "$TMP/status.before")))
tap_ok "$m: the monitors saw its request calls ($seen)" \
	test "$seen" -ge $((2 * (direct + completed)))
tap_ok "unload the block pack" "$DRVGUARD" unload block
tap_end
