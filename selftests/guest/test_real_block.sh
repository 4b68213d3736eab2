#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Real block drivers under real I/O report nothing with the core and block
# packs loaded.  fio runs 4 KiB random reads and writes on null_blk (blk-mq,
# queue_mode=2, memory-backed so that its data path allocates and locks) and
# on brd, each until 200 MB moved or 30 s passed.  An ext4 filesystem on a
# loop device (a file in the guest's tmpfs) takes 64 MB of random data and a
# tree of headers, is remounted, and every file reads back the same.  Then
# each driver is unloaded and reloaded 10 times under the packs, with a
# little I/O after each reload.
#
# The packs are loaded on running drivers, so the monitors do not know what
# the drivers allocated before: the rules that need an observed load
# (free_not_allocated, the leak rules at module exit) apply only from the
# first reload on.
# vm-timeout: 700
set -u
. "$(dirname "$0")/real_lib.sh"

# Known false alarm (open): null_free_device_storage() calls the driver's own
# null_free_page(), which tail-jumps into kfree(), which tail-jumps on into
# the slab's unlock: the driver's return address is still on the stack, and
# the call it made targets its own function, so the unlock is blamed on it.
KNOWN_FALSE_ALARMS='.rule == "unlock_not_held" and (.site | startswith("null_free_device_storage+"))'
KNOWN_ISSUE="a tail jump through a driver function and then a kernel function"
DRIVERS="null_blk brd loop"
NULLB_OPTS="queue_mode=2 nr_devices=1 gb=1 memory_backed=1"
BRD_OPTS="rd_nr=1 rd_size=262144"
IMAGE=/tmp/loop.img
MNT=/mnt/real_block

# run_fio NAME DEV SIZE: 4 KiB random reads and writes over the first SIZE
# of DEV, O_DIRECT, until 200 MB moved or 30 s passed; prints "MB seconds"
run_fio() {
	fio --name="$1" --filename="$2" --direct=1 --ioengine=libaio --iodepth=16 \
		--rw=randrw --bs=4k --size="$3" --io_size=200M --runtime=30 \
		--output-format=json > "$TMP/fio.$1" 2> "$TMP/fio.$1.err" || return 1
	jq -r '.jobs[0] | "\((.read.io_bytes + .write.io_bytes) / 1000000 | floor) \(.job_runtime / 1000 | floor)"' \
		"$TMP/fio.$1"
}

# small_io DEV: a little direct I/O after a reload
small_io() {
	dd if=/dev/zero of="$1" bs=64k count=64 oflag=direct status=none &&
		dd if="$1" of=/dev/null bs=64k count=64 iflag=direct status=none
}

# loop_fs_check: mount the image through a loop device, compare a file, detach
loop_fs_check() {
	local dev
	dev=$(losetup -f --show "$IMAGE") || return 1
	mount "$dev" "$MNT" && mountpoint -q "$MNT" && cmp -s "$TMP/data" "$MNT/data"
	local rc=$?
	umount "$MNT" 2> /dev/null
	losetup -d "$dev"
	return $rc
}

tap_ok "null_blk, brd and loop load" \
	sh -c "modprobe null_blk $NULLB_OPTS && modprobe brd $BRD_OPTS && modprobe loop"
modprobe ext4
tap_ok "null_blk is in blk-mq mode" test "$(cat /sys/module/null_blk/parameters/queue_mode)" = 2
load_packs "core block" $DRIVERS
head -c 64M /dev/urandom > "$TMP/data"
truncate -s 256M "$IMAGE"
mkdir -p "$MNT"
c0=$(calls); sleep 2
tap_diag "monitored calls in 2 s with no I/O: $(($(calls) - c0))"

# fio on null_blk, then on brd; each alone, so the calls counted are its own.
# null_blk keeps each 4 KiB page it stores in an allocation of its own: 8 MB
# of it stays well inside the monitors' object table (8192 slots).
for dev in nullb0:null_blk:8M ram0:brd:200M; do
	IFS=: read -r dev d size <<< "$dev"
	dev=/dev/$dev
	c0=$(calls); t0=$(now)
	read -r mb secs <<< "$(run_fio "$d" "$dev" "$size")"
	tap_ok "$d: fio moved ${mb:-0} MB in ${secs:-0} s on $dev" test "${mb:-0}" -gt 0
	c1=$(calls)
	tap_ok "$d: the monitors saw its calls (+$((c1 - c0)): $(calls_by_pack))" test "$c1" -gt "$c0"
	tap_diag "$d: phase took $(elapsed "$t0") s"
	check_clean "$d under fio"
done

# ext4 on loop: write, remount, read back and compare.
c0=$(calls); t0=$(now)
loopdev=$(losetup -f --show "$IMAGE")
tap_ok "loop: $IMAGE is attached as $loopdev" test -b "$loopdev"
tap_ok "loop: mkfs.ext4 on it" mkfs.ext4 -q "$loopdev"
tap_ok "loop: mount it" sh -c "mount '$loopdev' '$MNT' && mountpoint -q '$MNT'"
tap_ok "loop: write 64 MB of random data and a tree of headers" \
	sh -c "cp '$TMP/data' '$MNT/data' && cp -r /usr/include/linux '$MNT/headers' && sync"
umount "$MNT"
echo 3 > /proc/sys/vm/drop_caches
tap_ok "loop: remount" sh -c "mount '$loopdev' '$MNT' && mountpoint -q '$MNT'"
tap_ok "loop: the data reads back the same" cmp "$TMP/data" "$MNT/data"
tap_ok "loop: the headers read back the same" diff -r /usr/include/linux "$MNT/headers"
tap_ok "loop: unmount" umount "$MNT"
tap_ok "loop: detach" losetup -d "$loopdev"
c1=$(calls)
tap_ok "loop: the monitors saw its calls (+$((c1 - c0)): $(calls_by_pack))" test "$c1" -gt "$c0"
tap_diag "loop: phase took $(elapsed "$t0") s"
check_clean "ext4 on loop"

# 10 unload/reload cycles per driver, under the packs, I/O after each.
for d in $DRIVERS; do
	c0=$(calls); t0=$(now); ok=0
	for _ in $(seq 10); do
		rmmod "$d" || break
		case $d in
		null_blk) modprobe null_blk $NULLB_OPTS && small_io /dev/nullb0 ;;
		brd) modprobe brd $BRD_OPTS && small_io /dev/ram0 ;;
		loop) modprobe loop && loop_fs_check ;;
		esac && ok=$((ok + 1))
	done
	tap_is "$ok" 10 "$d: 10 unload/reload cycles, each followed by I/O"
	tap_ok "$d: the packs list it as loaded" driver_loaded "$d"
	c1=$(calls)
	tap_ok "$d: monitored calls grew during its cycles (+$((c1 - c0)) in $(elapsed "$t0") s)" \
		test "$c1" -gt "$c0"
	check_clean "$d reload cycles"
done
tap_diag "monitored calls in all: $(calls_by_pack)"
unload_packs
tap_end
