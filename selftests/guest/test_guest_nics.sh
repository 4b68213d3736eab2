#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The guest test bed has the three real NICs the later packs are proven on:
# e1000, an RTL8139 (QEMU's 8139C+, driven by 8139cp) and tulip, all on one
# hub with no outside network, and frames really cross the hub.
set -u
. "$(dirname "$0")/lib.sh"

# nic_of DRIVER: the interface a PCI NIC driver has bound
nic_of() {
	local dev
	for dev in /sys/class/net/*; do
		[ "$(basename "$(readlink -f "$dev/device/driver")")" = "$1" ] && basename "$dev"
	done
}

tap_ok "the in-tree NIC drivers load" modprobe -a e1000 8139cp tulip
for driver in e1000 8139cp tulip; do
	tap_is "$(nic_of "$driver" | wc -l)" 1 "one NIC is bound to $driver"
done

# e1000 and tulip in namespaces of their own; IPv6 link-local needs no setup.
a=$(nic_of e1000) b=$(nic_of tulip)
ip netns add a && ip netns add b
ip link set "$a" netns a && ip link set "$b" netns b
ip -n a link set "$a" up && ip -n b link set "$b" up
# Both ends must finish duplicate address detection: a tentative address
# can neither be pinged nor used as a source ("Cannot assign requested
# address"), and DAD can take seconds on a loaded host.
for i in $(seq 60); do
	peer=$(ip -n b -6 -br addr show dev "$b" scope link | awk '{print $3}' | cut -d/ -f1)
	own=$(ip -n a -6 -br addr show dev "$a" scope link | awk '{print $3}')
	[ -n "$peer" ] && [ -n "$own" ] &&
		! ip -n a -6 addr show dev "$a" | grep -q tentative &&
		! ip -n b -6 addr show dev "$b" | grep -q tentative && break
	sleep 0.5
done
tap_ok "frames cross the hub from e1000 to tulip" \
	ip netns exec a busybox ping -6 -c 3 -w 10 -I "$a" "$peer"
tap_end
