#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Every shipped pack (compiled by the build from rules/packs/) loads on a
# real driver, passes the guest kernel's verifier, and unloads.  A pack can
# also be loaded as a .rules file (compiled on the spot, here inside the
# guest) or as a compiled object, and the pin name is the name its `pack`
# line declares, whatever the file is called.  Bad pack files are refused
# with one line and leave nothing pinned.
# vm-allow: BUG: scheduling while atomic
# vm-timeout: 400
set -u
. "$(dirname "$0")/lib.sh"

insmod "$MODULES/dg_sleep_clean.ko"
insmod "$MODULES/dg_sleep_atomic.ko"
for src in "$TOP"/rules/packs/*.rules; do
	pack=$(basename "$src" .rules)
	tap_ok "$pack: the shipped pack loads by name" \
		"$DRVGUARD" load "$pack" --driver dg_sleep_clean
	tap_ok "$pack: pinned under its declared name" test -d "/sys/fs/bpf/drvguard/$pack"
	tap_ok "$pack: status lists its rules" \
		sh -c "\"$DRVGUARD\" -j status | jq -e '.packs[0].rules | length > 0' >/dev/null"
	tap_ok "$pack: unloads" "$DRVGUARD" unload "$pack"
done

# A small pack from source: the migrated foundation rule, under another name.
cat > "$TMP/sleepy.rules" <<'EOF'
pack sleepy "msleep with a spinlock held";
resource spinlock {
	states unlocked, locked;
	held locked;
	on return spin_lock(lock): lock unlocked -> locked;
	on call spin_unlock(lock): lock locked -> unlocked;
}
rule sleep_with_spinlock {
	on call msleep;
	when held(spinlock) > 0;
	message "{api}() with {held(spinlock)} spinlock held";
}
EOF
tap_ok "a .rules file compiles in the guest" "$DRVGUARD" compile "$TMP/sleepy.rules" -o "$TMP/x.o"
tap_ok "the compiled object loads" "$DRVGUARD" load "$TMP/x.o" --driver dg_sleep_clean
tap_ok "it is pinned under its declared name, not the file's" test -d /sys/fs/bpf/drvguard/sleepy
tap_ok "unload it" "$DRVGUARD" unload sleepy
tap_ok "a .rules file loads straight from source" \
	"$DRVGUARD" load "$TMP/sleepy.rules" --driver dg_sleep_atomic
tap_ok "no temporary object is left behind" \
	sh -c '! ls -d /tmp/drvguard-load-* /tmp/drvguard-compile-* 2>/dev/null'
fire dg_sleep_atomic
"$DRVGUARD" -j watch --timeout 3 > "$TMP/events"
tap_is "$(jq -r .message "$TMP/events")" "msleep() with 1 spinlock held" \
	"the rule compiled from source reports the bug"
tap_ok "unload" "$DRVGUARD" unload sleepy

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
tap_ok "nothing is pinned at all" sh -c '[ -z "$(ls /sys/fs/bpf/drvguard 2>/dev/null)" ]'
tap_end
