#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Golden tests of the rule compiler's front end, run on the host: every file
# in selftests/rules/valid/ and every shipped pack checks clean and compiles
# to a BPF object, and every selftests/rules/errors/NAME.rules earns exactly
# the diagnostics in NAME.expected.  Paths in diagnostics are the ones given
# on the command line, so the checker runs from the top of the tree with
# relative paths.  To refresh one expected file after a deliberate change:
#   .output/drvguard check selftests/rules/errors/NAME.rules 2> selftests/rules/errors/NAME.expected
set -u
export LC_ALL=C
TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP"
. selftests/lib/tap.sh
DG=.output/drvguard
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

if [ ! -x "$DG" ]; then
	tap_skip "rule compiler golden tests" "no $DG: run make first"
	tap_end
fi
can_compile=yes
command -v clang >/dev/null || can_compile="no clang"
[ -f .output/vmlinux.h ] || can_compile="no .output/vmlinux.h"

# check_clean FILE: exit 0, "FILE: ok" on stdout, nothing on stderr
check_clean() {
	local f=$1 status

	"$DG" check "$f" >"$TMP/out" 2>"$TMP/err"
	status=$?
	if [ "$status" -eq 0 ] && [ ! -s "$TMP/err" ] && [ "$(cat "$TMP/out")" = "$f: ok" ]; then
		tap_pass "$f checks clean"
	else
		tap_fail "$f checks clean"
		tap_diag "exit status $status"
		tap_diag_stdin <"$TMP/err"
	fi
}

# compiles FILE: drvguard compile makes an ELF object for BPF, with no warnings
compiles() {
	local f=$1 obj="$TMP/$(basename "$1" .rules).o" status

	if [ "$can_compile" != yes ]; then
		tap_skip "$f compiles to a BPF object" "$can_compile"
		return
	fi
	"$DG" compile "$f" -o "$obj" >"$TMP/out" 2>"$TMP/err"
	status=$?
	if [ "$status" -eq 0 ] && [ ! -s "$TMP/err" ] &&
	   readelf -h "$obj" 2>/dev/null | grep -Eq 'Machine:[[:space:]]+Linux BPF'; then
		tap_pass "$f compiles to a BPF object"
	else
		tap_fail "$f compiles to a BPF object"
		tap_diag "exit status $status"
		head -n 20 "$TMP/err" | tap_diag_stdin
		[ -f "$obj" ] && readelf -h "$obj" 2>&1 | grep -E 'Class|Machine' | tap_diag_stdin
	fi
	rm -f "$obj"
}

# matches_expected FILE: exit 1 and exactly FILE's .expected on stderr
matches_expected() {
	local f=$1 want=${1%.rules}.expected status

	if [ ! -f "$want" ]; then
		tap_fail "$f: diagnostics as expected"
		tap_diag "no $want"
		return
	fi
	"$DG" check "$f" >"$TMP/out" 2>"$TMP/err"
	status=$?
	if [ "$status" -eq 1 ] && [ ! -s "$TMP/out" ] && diff -u "$want" "$TMP/err" >"$TMP/diff"; then
		tap_pass "$f: diagnostics as expected"
	else
		tap_fail "$f: diagnostics as expected"
		tap_diag "exit status $status (want 1)"
		[ -s "$TMP/out" ] && tap_diag "stdout:" && tap_diag_stdin <"$TMP/out"
		tap_diag_stdin <"$TMP/diff"
	fi
}

for f in selftests/rules/valid/*.rules rules/packs/*.rules; do
	check_clean "$f"
	compiles "$f"
done

# `pack ... fatal;` makes every rule fatal: the pack's metadata says so per rule.
if [ "$can_compile" = yes ]; then
	"$DG" compile selftests/rules/valid/fatal_pack.rules -o "$TMP/fatal.o" >/dev/null
	"$DG" compile selftests/rules/valid/lexical.rules -o "$TMP/lexical.o" >/dev/null
	tap_is "$(strings "$TMP/fatal.o" | grep -c '^rule [0-9]* sleep_[a-z]* error - 1$')" 2 \
		"a pack marked fatal has every rule fatal in its metadata"
	tap_is "$(strings "$TMP/lexical.o" | grep -c '^rule .* 1$')" 0 \
		"a pack without fatal rules has none"
else
	tap_skip "a pack marked fatal has every rule fatal in its metadata" "$can_compile"
	tap_skip "a pack without fatal rules has none" "$can_compile"
fi

# Stored values reach the release call's parameters of the same name: the key
# and size, device and direction (or handle, read through its pointer) of a
# DMA mapping (buffer) go to dma_unmap_page (dma_free_coherent) in order.
if [ "$can_compile" = yes ]; then
	DRVGUARD_KEEP_C="$TMP/values.c" "$DG" compile selftests/rules/valid/values.rules \
		-o "$TMP/values.o" >/dev/null 2>&1
	tap_is "$(grep -c 'dg_release_[0-9_]*, &ent, DG_RELEASE_ARGS(1, 2, 0, 3)' "$TMP/values.c")" 1 \
		"a mapping's key, size, device and direction go to dma_unmap_page(dev, addr, size, dir)"
	tap_is "$(grep -c 'dg_release_[0-9_]*, &ent, DG_RELEASE_ARGS(2, 1, 0, 3)' "$TMP/values.c")" 1 \
		"a buffer's key, size, device and handle go to dma_free_coherent(dev, size, ptr, handle)"
	tap_is "$(grep -c 'fp->ret, 0x1u, 1, fp->arg\[1\], fp->arg\[0\], dg_read_u64(fp->arg\[2\]))' \
		"$TMP/values.c")" 1 "the handle is read through dma_alloc_coherent()'s pointer"
else
	for t in "dma_unmap_page gets its arguments" "dma_free_coherent gets its arguments" \
		 "the handle is read through its pointer"; do
		tap_skip "$t" "$can_compile"
	done
fi

for f in selftests/rules/errors/*.rules; do
	matches_expected "$f"
done

# A file that cannot be read: one line naming it, and a failure status.
missing=selftests/rules/no-such-file.rules
"$DG" check "$missing" >"$TMP/out" 2>"$TMP/err"
status=$?
tap_ok "check of a missing file fails (status $status)" test "$status" -ne 0
if [ "$(wc -l <"$TMP/err")" -eq 1 ] && grep -q "$missing.*No such file or directory" "$TMP/err"; then
	tap_pass "check of a missing file says why, in one line"
else
	tap_fail "check of a missing file says why, in one line"
	tap_diag_stdin <"$TMP/err"
fi
tap_end
