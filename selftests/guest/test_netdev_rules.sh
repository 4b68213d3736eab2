#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The netdev pack (rules/packs/netdev.rules) on one misbehaving virtual NIC
# per rule and on a clean twin.  The pack is loaded once, armed for every
# test driver's .ko before any of them loads.  Each bug is reported exactly
# once, with the rule, the driver and the entry point or call site, and the
# kernel shows what the bug did where it can:
#
#   xmit_busy_after_free  frees an skb, answers NETDEV_TX_BUSY (staged: the
#                         stack sends the skb again and it is consumed)
#   tx_skb_double_free    frees a transmitted skb twice (staged)
#   tx_skb_leaked         accepts an skb and never frees it; the sending
#                         socket still counts it in flight; reported at unload
#   ndo_without_rtnl      dev_open() and dev_close() from a work item; the
#                         kernel's ASSERT_RTNL() warns
#   xmit_after_stop       the stack transmits on the device after ndo_stop;
#                         its tx counter grows while it is down
#
# Test frames carry the local experimental ethertype (dg_net.h): the armed
# drivers misbehave on the first one after the trigger, and the stack's own
# frames pass.  The clean twin (dg_net_clean) carries 1000 frames, pings and
# the stack's own traffic through every transmit path, and goes up and down
# and through three load/unload cycles: nothing is reported.
# vm-allow: WARNING: CPU: [0-9]+ PID: [0-9]+ at net/[a-z0-9_/]+\.c:[0-9]+ [a-z0-9_.]+\+0x
# vm-timeout: 400
set -u
. "$(dirname "$0")/class_lib.sh"
PACK=netdev
DEV=dgnet0

# load MODULE: load a test driver, whose device takes no IPv6 traffic (so
# that its counters count test frames only), and remember the counts its
# case starts from
load() {
	tap_ok "$1: loads" sh -c "insmod '$MODULES/$1.ko' &&
		sysctl -qw net.ipv6.conf.$DEV.disable_ipv6=1"
	BEFORE=$(counts)
}

# unload MODULE: take its device down first, then as class_lib.sh does
unload() {
	ip link set $DEV down 2> /dev/null
	unload_checked "$1"
}

# send_frames DEV N: N test frames from a packet socket bound to DEV; prints
# "SENT INFLIGHT", INFLIGHT being the bytes the socket still counts as
# sent but not freed (SIOCOUTQ) half a second later
send_frames() {
	python3 - "$1" "$2" <<'EOF'
import fcntl, socket, struct, sys, termios, time

dev, count = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((dev, 0))
frame = b"\xff" * 6 + s.getsockname()[4] + b"\x88\xb5" + b"drvguard".ljust(46, b"\0")
sent = 0
for i in range(count):
    try:
        s.send(frame)
        sent += 1
    except OSError as e:
        if e.errno != 105:	# ENOBUFS: the qdisc is full, try again
            print(e, file=sys.stderr)
            break
        time.sleep(0.01)
time.sleep(0.5)
print(sent, struct.unpack("i", fcntl.ioctl(s, termios.TIOCOUTQ, b"\0" * 4))[0])
EOF
}

tx_packets() { cat /sys/class/net/$DEV/statistics/tx_packets; }

# --- xmit_busy_after_free --------------------------------------------------
load_pack dg_net_xmit_busy_after_free dg_net_tx_skb_double_free dg_net_tx_skb_leaked \
	dg_net_ndo_without_rtnl dg_net_xmit_after_stop dg_net_clean

m=dg_net_xmit_busy_after_free
load $m
ip link set $DEV up
tap_is "$(send_frames $DEV 5)" "5 0" "$m: unarmed, 5 frames go out and are freed"
watch_events
tap_is "$(grep -c . "$TMP/events")" 0 "$m: unarmed, nothing is reported"
echo 1 > "/sys/kernel/debug/$m/trigger"
before=$(tx_packets)
dmesg_mark
tap_is "$(send_frames $DEV 1)" "1 0" "$m: armed, the frame is sent, and in the end freed"
dmesg_since "$TMP/dmesg"
tap_grep "$TMP/dmesg" "$m: freed skb [0-9a-f]+ and returned NETDEV_TX_BUSY" \
	"$m: the driver freed the skb and answered busy"
tap_is "$(($(tx_packets) - before))" 1 \
	"oracle: the stack sent the busy skb again, and the driver took it"
watch_events
if expect_one $m xmit_busy_after_free ndo_start_xmit "^${m}_xmit\+0x0 \[$m\]$"; then
	tap_match "$(jq -r '.notes[0]' "$TMP/events")" \
		"^freed by kfree_skb\(\) at ${m}_xmit\+0x[0-9a-f]+ \[$m\]$" \
		"$m: the note says where it was freed"
	skb=$(sed -n "s/.*$m: freed skb \([0-9a-f]*\) .*/\1/p" "$TMP/dmesg")
	tap_match "$(jq -r .message "$TMP/events")" \
		"^ndo_start_xmit returned NETDEV_TX_BUSY for skb 0x$skb " \
		"$m: the message names the skb the driver freed"
fi
tap_grep "$TMP/dmesg" "drvguard: xmit_busy_after_free in $m at ${m}_xmit\+0x0" \
	"$m: the fatal rule is in the kernel log as it happens"
unload $m

# --- tx_skb_double_free ----------------------------------------------------
m=dg_net_tx_skb_double_free
load $m
ip link set $DEV up
send_frames $DEV 5 > /dev/null
echo 1 > "/sys/kernel/debug/$m/trigger"
dmesg_mark
tap_is "$(send_frames $DEV 1)" "1 0" "$m: armed, the frame is sent and freed"
dmesg_since "$TMP/dmesg"
tap_grep "$TMP/dmesg" "$m: dropped skb [0-9a-f]+, and frees it again" \
	"$m: the driver freed the skb twice"
watch_events
if expect_one $m tx_skb_double_free consume_skb "^${m}_xmit\+0x[0-9a-f]+ \[$m\]$"; then
	tap_match "$(jq -r '.notes[0]' "$TMP/events")" \
		"^first freed by kfree_skb\(\) at ${m}_xmit\+0x[0-9a-f]+ \[$m\]$" \
		"$m: the note says where it was freed first"
	skb=$(sed -n "s/.*$m: dropped skb \([0-9a-f]*\),.*/\1/p" "$TMP/dmesg")
	tap_match "$(jq -r .message "$TMP/events")" \
		"^consume_skb\(\) of transmitted skb 0x$skb, already freed$" \
		"$m: the message names the skb"
fi
tap_grep "$TMP/dmesg" "drvguard: tx_skb_double_free in $m at ${m}_xmit\+0x" \
	"$m: the fatal rule is in the kernel log as it happens"
unload $m

# --- tx_skb_leaked ---------------------------------------------------------
m=dg_net_tx_skb_leaked
load $m
ip link set $DEV up
tap_is "$(send_frames $DEV 5)" "5 0" "$m: unarmed, 5 frames go out and are freed"
echo 1 > "/sys/kernel/debug/$m/trigger"
dmesg_mark
read -r sent inflight <<< "$(send_frames $DEV 1)"
dmesg_since "$TMP/dmesg"
tap_ok "oracle: the socket still counts the leaked frame in flight ($inflight bytes)" \
	test "$sent" = 1 -a "${inflight:-0}" -gt 0
skb=$(sed -n "s/.*$m: accepted skb \([0-9a-f]*\) and forgot it.*/\1/p" "$TMP/dmesg")
watch_events
tap_is "$(grep -c . "$TMP/events")" 0 "$m: nothing is reported before unload"
ip link set $DEV down
tap_ok "$m: unloads" rmmod $m
watch_events
if expect_one $m tx_skb_leaked module_exit "^dg_core_exit\+0x0 \[$m\]$"; then
	tap_is "$(jq -r .message "$TMP/events")" \
		"skb 0x$skb accepted with NETDEV_TX_OK was never freed" \
		"$m: the message names the leaked skb"
	tap_match "$(jq -r '.notes[0]' "$TMP/events")" \
		"^accepted by ndo_start_xmit at ${m}_xmit\+0x0 \[$m\]$" \
		"$m: the note names the transmit"
fi

# --- ndo_without_rtnl ------------------------------------------------------
m=dg_net_ndo_without_rtnl
load $m
dmesg_mark
echo 1 > "/sys/kernel/debug/$m/trigger"
dmesg_since "$TMP/dmesg"
tap_match "$(ip -o link show $DEV)" '<[^>]*\bUP\b' "$m: its work item brought $DEV up"
tap_grep "$TMP/dmesg" 'RTNL: assertion failed at net/core/dev.c' \
	"oracle: the kernel's ASSERT_RTNL() complains"
tap_grep "$TMP/dmesg" 'WARNING: .* at net/core/dev.c:[0-9]+ __dev_open\+' "oracle: in __dev_open()"
watch_events
if expect_one $m ndo_without_rtnl ndo_open "^${m}_open\+0x0 \[$m\]$"; then
	tap_match "$(jq -r '"\(.context) \(.comm)"' "$TMP/events")" "^process kworker/" \
		"$m: in process context, from a work item"
	tap_is "$(jq -r .message "$TMP/events")" "ndo_open entered without the rtnl lock held" \
		"$m: the message names ndo_open"
fi
dmesg_mark
echo 2 > "/sys/kernel/debug/$m/trigger"
dmesg_since "$TMP/dmesg.close"
tap_match "$(ip -o link show $DEV)" '<BROADCAST,MULTICAST>' "$m: its work item brought $DEV down"
tap_grep "$TMP/dmesg.close" 'WARNING: .* at net/core/dev.c:[0-9]+ __dev_close_many\+' \
	"oracle: ASSERT_RTNL() in __dev_close_many() complains"
watch_events
if expect_one $m ndo_without_rtnl ndo_stop "^${m}_stop\+0x0 \[$m\]$"; then
	tap_is "$(jq -r .message "$TMP/events")" "ndo_stop entered without the rtnl lock held" \
		"$m: the message names ndo_stop"
fi
cat "$TMP/dmesg" "$TMP/dmesg.close" > "$TMP/dmesg.all"
warnings=$(grep -c 'WARNING:' "$TMP/dmesg.all")
tap_is "$warnings" "$(grep -c 'RTNL: assertion failed' "$TMP/dmesg.all")" \
	"every kernel warning is an rtnl assertion ($warnings)"
ip link set $DEV up && ip link set $DEV down
watch_events
tap_is "$(grep -c . "$TMP/events")" 0 "$m: opened and stopped by the stack, under rtnl: nothing"
unload $m

# --- xmit_after_stop -------------------------------------------------------
m=dg_net_xmit_after_stop
load $m
ip link set $DEV up
tap_is "$(send_frames $DEV 3)" "3 0" "$m: up, 3 frames go out"
ip link set $DEV down
before=$(tx_packets)
dmesg_mark
echo 1 > "/sys/kernel/debug/$m/trigger"
dmesg_since "$TMP/dmesg"
tap_grep "$TMP/dmesg" "$m: transmitting skb [0-9a-f]+ on $DEV, which is down" \
	"$m: the stack called its ndo_start_xmit while $DEV is down"
tap_is "$(($(tx_packets) - before))" 1 "oracle: the tx counter of the stopped device grew"
watch_events
if expect_one $m xmit_after_stop ndo_start_xmit "^${m}_xmit\+0x0 \[$m\]$"; then
	tap_match "$(jq -r '.notes[0]' "$TMP/events")" "^stopped at ${m}_stop\+0x0 \[$m\]$" \
		"$m: the note names ndo_stop"
fi
ip link set $DEV up
tap_is "$(send_frames $DEV 3)" "3 0" "$m: up again, 3 frames go out"
ip link set $DEV down
watch_events
tap_is "$(grep -c . "$TMP/events")" 0 "$m: transmits after ndo_open are not reported"
unload $m

# --- the clean twin ----------------------------------------------------------
m=dg_net_clean
BEFORE=$(counts)
"$DRVGUARD" -j status > "$TMP/status.before"
dmesg_mark
sent=0 inflight=0
: > "$TMP/all"
for cycle in 1 2 3; do
	insmod "$MODULES/$m.ko" || break
	ip link set $DEV up
	ip addr add 10.99.0.1/24 dev $DEV
	read -r s i <<< "$(send_frames $DEV 1000)"
	sent=$((sent + ${s:-0})) inflight=$((inflight + ${i:-1}))
	busybox ping -q -c 3 -i 0.2 -W 1 10.99.0.2 > /dev/null 2>&1
	ip link set $DEV down
	ip link set $DEV up
	read -r s i <<< "$(send_frames $DEV 100)"
	sent=$((sent + ${s:-0})) inflight=$((inflight + ${i:-1}))
	ip link set $DEV down
	# while it is loaded, so that sites are symbolized
	watch_events
	cat "$TMP/events" >> "$TMP/all"
	rmmod $m || break
done
dmesg_since "$TMP/dmesg"
watch_events
cat "$TMP/events" >> "$TMP/all"
tap_is "$sent" 3300 "$m: 1100 frames sent in each of 3 load/unload cycles"
tap_is "$inflight" 0 "$m: the driver freed every frame it accepted"
busy=$(sed -n 's/.*: \([0-9]*\) busy, .*/\1/p' "$TMP/dmesg" | paste -sd+ | bc)
napi=$(sed -n 's/.*busy, \([0-9]*\) freed by NAPI.*/\1/p' "$TMP/dmesg" | paste -sd+ | bc)
tap_ok "$m: it answered busy ${busy:-0} times and freed ${napi:-0} skbs from NAPI" \
	test "${busy:-0}" -gt 0 -a "${napi:-0}" -gt 0
tap_is "$(grep -c . "$TMP/all")" 0 "$m: no event"
jq -r '[.rule, .api, .site, .context] | join("  ")' "$TMP/all" | sort | uniq -c | tap_diag_stdin
head -n 3 "$TMP/all" | tap_diag_stdin
tap_is "$(new_violations)" "{}" "$m: no violation counted"
"$DRVGUARD" -j status > "$TMP/status"
tap_diag "$(jq -c .packs[0].counters "$TMP/status")"
tap_is "$(jq .packs[0].counters.drops "$TMP/status")" 0 "no event was dropped"
# every frame it accepts is freed by a monitored call: silence is not blindness
seen=$(($(jq .packs[0].counters.driver_calls "$TMP/status") -
	$(jq .packs[0].counters.driver_calls "$TMP/status.before")))
tap_ok "$m: the monitors saw its skb calls ($seen)" test "$seen" -ge 3000
tap_ok "unload the netdev pack" "$DRVGUARD" unload netdev
# vm-allow lets kernel warnings in net/ pass: all of them must be the rtnl assertions
dmesg > "$TMP/dmesg.whole"
warnings=$(grep -c 'WARNING:' "$TMP/dmesg.whole")
tap_is "$warnings" "$(grep -c 'RTNL: assertion failed' "$TMP/dmesg.whole")" \
	"no kernel warning in the whole test but the rtnl assertions ($warnings)"
tap_end
