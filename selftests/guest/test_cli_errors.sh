#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Bad input gets a clear one-line error and its own exit code, and never
# disturbs what is already loaded: unknown pack or driver, a second load,
# unloading what is not loaded, watching with nothing loaded, not root, a
# pack from another catalog, a kernel lacking an API's symbol or BTF.
set -u
. "$(dirname "$0")/lib.sh"

# expect_error NAME STATUS REGEX CMD...: CMD exits STATUS with an error matching REGEX
expect_error() {
	local name=$1 want=$2 re=$3 status
	shift 3
	"$@" > "$TMP/out" 2> "$TMP/err"
	status=$?
	tap_is "$status" "$want" "$name: exit status"
	tap_match "$(cat "$TMP/err")" "$re" "$name: error message"
	tap_is "$(grep -c . "$TMP/err")" 1 "$name: one line"
}

insmod "$MODULES/dg_sleep_clean.ko"
expect_error "watch with no pack loaded" 7 'no pack is loaded' "$DRVGUARD" watch --timeout 1
expect_error "unknown pack" 4 "unknown pack 'nosuch'" \
	"$DRVGUARD" load nosuch --driver dg_sleep_clean
expect_error "unknown driver" 4 "driver 'nosuchmod' is neither loaded nor a module of this kernel" \
	"$DRVGUARD" load core --driver nosuchmod
tap_ok "a refused load leaves no pins behind" test ! -e /sys/fs/bpf/drvguard/core
expect_error "load without a driver" 2 'usage: drvguard load' "$DRVGUARD" load core
expect_error "unknown command" 2 "unknown or ambiguous command 'frobnicate'" \
	"$DRVGUARD" frobnicate
expect_error "bad --count" 2 "--count needs a non-negative number" \
	"$DRVGUARD" watch --count many
expect_error "not root" 3 'needs root' setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$DRVGUARD" status

# A pack compiled against another probe catalog (its fingerprint changed).
sed 's/^catalog [0-9a-f]\{16\}$/catalog 0123456789abcdef/' "$TOP/.output/packs/core.o" > "$TMP/other.o"
tap_ok "the doctored pack differs from the shipped one" sh -c \
	"cmp -l '$TOP/.output/packs/core.o' '$TMP/other.o' | wc -l | grep -qv '^0$'"
expect_error "a pack from another catalog" 1 "was compiled against another probe catalog" \
	"$DRVGUARD" load "$TMP/other.o" --driver dg_sleep_clean

# A kernel that lacks an API's symbol: hide msleep from kallsyms, as a
# kernel that inlines it or renamed it would.
grep -v ' msleep$' /proc/kallsyms > "$TMP/kallsyms"
mount --bind "$TMP/kallsyms" /proc/kallsyms
expect_error "an API symbol the kernel lacks" 6 \
	"API msleep: the running kernel has none of its symbols \(msleep\)" \
	"$DRVGUARD" load core --driver dg_sleep_clean
umount /proc/kallsyms
tap_ok "and nothing was pinned" test ! -e /sys/fs/bpf/drvguard/core

# A kernel without BTF: hide /sys/kernel/btf.
mount -t tmpfs none /sys/kernel/btf
expect_error "a kernel without BTF" 6 "the kernel has no BTF" \
	"$DRVGUARD" load core --driver dg_sleep_clean
umount /sys/kernel/btf
tap_ok "and nothing was pinned" test ! -e /sys/fs/bpf/drvguard/core

tap_ok "load core on dg_sleep_clean" "$DRVGUARD" load core --driver dg_sleep_clean
expect_error "watch an unknown driver" 4 "no loaded pack monitors driver 'nosuchmod'" \
	"$DRVGUARD" watch --driver nosuchmod --timeout 1
expect_error "watch an unknown rule" 4 "no loaded pack has a rule 'no_such_rule'" \
	"$DRVGUARD" watch --rule no_such_rule --timeout 1
tap_ok "watch a known rule and driver" \
	"$DRVGUARD" watch --rule double_free --driver dg_sleep_clean --timeout 1
links=$(ls /sys/fs/bpf/drvguard/core/links | wc -l)
expect_error "second load of the same pack" 5 "pack 'core' is already loaded" \
	"$DRVGUARD" load core --driver dg_sleep_clean
tap_is "$(ls /sys/fs/bpf/drvguard/core/links | wc -l)" "$links" \
	"the refused second load left the first one as it was"
fire dg_sleep_clean 3
tap_is "$("$DRVGUARD" -j status | jq '.packs[0].counters.driver_calls')" 9 \
	"the first load still monitors the driver"

"$DRVGUARD" -j load core --driver dg_sleep_clean > "$TMP/json" 2>/dev/null
tap_is "$(jq -r .error "$TMP/json")" \
	"pack 'core' is already loaded; 'drvguard unload core' first" "with -j the error is JSON"
tap_ok "unload core" "$DRVGUARD" unload core
expect_error "unload what is not loaded" 7 "pack 'core' is not loaded" "$DRVGUARD" unload core
tap_ok "a unique prefix runs its command (st: status)" sh -c "\"$DRVGUARD\" st >/dev/null"
tap_end
