#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# veth under real traffic reports nothing with the core and netdev packs
# loaded: a veth pair between two network namespaces carries iperf3 TCP
# traffic for 30 s.  Then veth is unloaded and reloaded 10 times under the
# packs, and a new pair passes a ping after each reload.
#
# The packs are loaded on the running driver, so the monitors do not know
# what it allocated before: the rules that need an observed load
# (free_not_allocated, the leak rules at module exit) apply only from the
# first reload on.  The pair itself is created after the packs are loaded.
# vm-timeout: 400
set -u
. "$(dirname "$0")/real_lib.sh"
SECONDS_OF_TRAFFIC=30

# pair_up: a veth pair, va in namespace a and vb in b, addressed and up
pair_up() {
	ip -n a link add va type veth peer name vb netns b &&
		ip -n a addr add 10.9.1.1/24 dev va && ip -n b addr add 10.9.1.2/24 dev vb &&
		ip -n a link set va up && ip -n b link set vb up
}

# pair_ping: a reaches b (10 tries, 1 s each)
pair_ping() {
	for _ in $(seq 10); do
		ip netns exec a busybox ping -q -c 1 -W 1 10.9.1.2 > /dev/null && return 0
	done
	return 1
}

tap_ok "veth loads" modprobe veth
ip netns add a && ip netns add b
ip -n a link set lo up && ip -n b link set lo up
load_packs "core netdev" veth
c0=$(calls)
tap_ok "a veth pair joins namespaces a and b" pair_up
tap_ok "a reaches b over the pair" pair_ping
c1=$(calls)
tap_ok "the monitors see veth's calls when the pair is created (+$((c1 - c0)))" test "$c1" -gt "$c0"
check_clean "pair up"

tap_ok "an iperf3 server listens in b" iperf_server b 10.9.1.2
c0=$(calls); t0=$(now)
ip netns exec a iperf3 -c 10.9.1.2 -t "$SECONDS_OF_TRAFFIC" -J > "$TMP/iperf" 2>&1
c1=$(calls)
bytes=$(jq '.end.sum_received.bytes // 0' "$TMP/iperf")
secs=$(jq '.end.sum_received.seconds // 0 | round' "$TMP/iperf")
tap_ok "a -> b: iperf3 ran $secs s, $((bytes / 1000000)) MB" \
	test "$secs" -ge "$SECONDS_OF_TRAFFIC" -a "$bytes" -gt 0
tap_diag "traffic took $(elapsed "$t0") s; monitored calls: +$((c1 - c0)) ($(calls_by_pack))"
check_clean "$SECONDS_OF_TRAFFIC s of traffic"

c0=$(calls); t0=$(now); ok=0
for _ in $(seq 10); do
	ip -n a link del va || break
	rmmod veth || break
	modprobe veth || break
	pair_up && pair_ping && ok=$((ok + 1))
done
tap_is "$ok" 10 "veth: 10 unload/reload cycles, each followed by a new pair and a ping"
tap_ok "veth: the packs list it as loaded" driver_loaded veth
c1=$(calls)
tap_ok "veth: monitored calls grew during its cycles (+$((c1 - c0)) in $(elapsed "$t0") s)" \
	test "$c1" -gt "$c0"
check_clean "reload cycles"
tap_diag "monitored calls in all: $(calls_by_pack)"
unload_packs
tap_end
