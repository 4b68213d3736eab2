# SPDX-License-Identifier: GPL-2.0
# Shared setup for tests that run inside the guest (selftests/run-all boots
# one guest per test through selftests/vm/run): paths to the built tree and
# helpers to load test drivers and to read what the kernel printed.

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# bash's process substitution needs /dev/fd, which the guest's /dev lacks
[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd
# shellcheck source=../lib/tap.sh
. "$TOP/selftests/lib/tap.sh"
DRVGUARD="$TOP/.output/drvguard"
MODULES="$TOP/.output/modules"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# dmesg_mark: write a unique line into the kernel log, so that a test reads
# only what follows it.  Counting lines instead breaks once the log buffer
# wraps, which a test full of kernel stack traces makes it do.
dmesg_mark() {
	DMESG_MARK="drvguard-test-mark-$$-$RANDOM$RANDOM"
	echo "$DMESG_MARK" > /dev/kmsg
}

# dmesg_since FILE: the kernel log after the last dmesg_mark, into FILE (the
# whole log if the mark itself has been pushed out of the buffer)
dmesg_since() {
	dmesg > "$TMP/dmesg.all"
	if grep -q -- "$DMESG_MARK" "$TMP/dmesg.all"; then
		sed -n "/$DMESG_MARK/,\$p" "$TMP/dmesg.all" | tail -n +2 > "$1"
	else
		cp "$TMP/dmesg.all" "$1"
	fi
}

# fire_within SEC MODULE [N]: fire, failing when it takes longer than SEC
# seconds (a driver left with a lock taken hangs its next trigger)
fire_within() {
	timeout "$1" sh -c 'for i in $(seq "$2"); do echo 1 > "/sys/kernel/debug/$1/trigger"; done' \
		fire "$2" "${3:-1}"
}

# fire MODULE [N]: write N times (default 1) to the module's debugfs trigger
fire() {
	local i
	for i in $(seq "${2:-1}"); do echo 1 > "/sys/kernel/debug/$1/trigger"; done
}

# rmmod_recovery_quietly: rmmod drvguard_recover, and since the last
# dmesg_mark the kernel logged nothing about it and no BUG or WARNING
rmmod_recovery_quietly() {
	tap_ok "rmmod drvguard_recover" rmmod drvguard_recover
	dmesg_since "$TMP/dmesg.rmmod"
	tap_ok "it all went quietly" bash -c "! grep -qE 'drvguard_recover|BUG|WARNING' $TMP/dmesg.rmmod"
}

# expect_all_recovered DMESG N WHAT BEFORE: with recovery on, N violations
# (WHAT) left nothing the test's kernel_complaints finds in DMESG, and the
# first pack's status counts all N recovered since BEFORE and none refused
expect_all_recovered() {
	local dmesg=$1 n=$2 what=$3 before=$4

	if kernel_complaints "$dmesg" > "$TMP/complaints"; then
		tap_fail "recovery on: no kernel complaint over $n $what"
		head -n 20 "$TMP/complaints" | tap_diag_stdin
	else
		tap_pass "recovery on: no kernel complaint over $n $what"
	fi
	"$DRVGUARD" -j status > "$TMP/status"
	tap_diag "$(jq -c .packs[0].counters "$TMP/status")"
	tap_is "$(jq ".packs[0].counters.recovered - $before" "$TMP/status")" "$n" \
		"status counts each of them recovered"
	tap_is "$(jq '.packs[0].counters.not_recovered' "$TMP/status")" 0 "and none refused"
}
