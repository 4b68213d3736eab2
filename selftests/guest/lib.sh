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

# dmesg_mark: remember where the kernel log ends, so a test reads only what follows
dmesg_mark() { DMESG_START=$(dmesg | wc -l); }

# dmesg_since FILE: the kernel log since dmesg_mark, into FILE
dmesg_since() { dmesg | tail -n +"$((DMESG_START + 1))" > "$1"; }

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
