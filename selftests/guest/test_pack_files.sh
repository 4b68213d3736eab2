#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Every shipped pack compiles from its .rules file inside the guest, loads
# on a real driver, passes the guest kernel's verifier, and unloads; a pack
# can be loaded as a name, a .rules file or a compiled object, and the pin
# name is the name its `pack` line declares.  The migrated foundation rule
# still catches its bug when loaded from source.
# vm-allow: BUG: scheduling while atomic
# vm-timeout: 400
set -u
. "$(dirname "$0")/lib.sh"

insmod "$MODULES/dg_sleep_clean.ko"
insmod "$MODULES/dg_sleep_atomic.ko"
for src in "$TOP"/rules/packs/*.rules; do
	pack=$(basename "$src" .rules)
	tap_ok "$pack: compiles in the guest" "$DRVGUARD" compile "$src" -o "$TMP/$pack.o"
	tap_ok "$pack: loads as a compiled object" \
		"$DRVGUARD" load "$TMP/$pack.o" --driver dg_sleep_clean
	tap_ok "$pack: pinned under its declared name" test -d "/sys/fs/bpf/drvguard/$pack"
	tap_ok "$pack: status lists its rules" \
		sh -c "\"$DRVGUARD\" -j status | jq -e '.packs[0].rules | length > 0' >/dev/null"
	tap_ok "$pack: unloads" "$DRVGUARD" unload "$pack"
done

tap_ok "core loads straight from its .rules file" \
	"$DRVGUARD" load "$TOP/rules/packs/core.rules" --driver dg_sleep_atomic
tap_ok "no temporary object is left behind" \
	sh -c '! ls -d /tmp/drvguard-load-* /tmp/drvguard-compile-* 2>/dev/null'
fire dg_sleep_atomic
"$DRVGUARD" -j watch --timeout 3 > "$TMP/events"
tap_is "$(jq -r .rule "$TMP/events")" sleep_with_spinlock \
	"the rule compiled from source reports the bug"
tap_ok "unload" "$DRVGUARD" unload core

printf 'pack broken "x";\nrule r { on call nosuch_api; message "m"; }\n' > "$TMP/broken.rules"
"$DRVGUARD" load "$TMP/broken.rules" --driver dg_sleep_clean > "$TMP/out" 2> "$TMP/err"
tap_is "$?" 1 "a .rules file with errors is not loaded"
tap_grep "$TMP/err" "broken.rules:2:.*unknown API 'nosuch_api'" "the error names file, line and API"
tap_ok "nothing was pinned" test ! -e /sys/fs/bpf/drvguard/broken

echo "not an ELF file" > "$TMP/junk.o"
"$DRVGUARD" load "$TMP/junk.o" --driver dg_sleep_clean > "$TMP/out" 2> "$TMP/err"
tap_is "$?" 1 "a file that is not a pack is refused"
tap_is "$(grep -c . "$TMP/err")" 1 "with a one-line error"
tap_diag "$(cat "$TMP/err")"
tap_end
