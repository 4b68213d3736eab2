#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Fuzzes the rule compiler's front end (selftests/fuzz/fuzz_rules.c, built
# with ASan and UBSan) for DG_FUZZ_SECONDS (60 by default), starting from
# the seed corpus in selftests/fuzz/corpus/.  libFuzzer writes new inputs to
# the first corpus directory it is given, so that is a scratch copy and the
# repository's corpus, second, is only read.  A crash, leak, sanitizer
# report or timeout fails the test; its input is shown and kept in
# .output/fuzz/artifacts/: add it to the corpus as a regression file once
# the bug is fixed.
set -u
export LC_ALL=C
TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP"
. selftests/lib/tap.sh
FUZZER=.output/fuzz/fuzz_rules
CORPUS=selftests/fuzz/corpus
SECS=${DG_FUZZ_SECONDS:-60}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

if [ ! -x "$FUZZER" ]; then
	tap_skip "fuzz the rule compiler" "no $FUZZER: run make first"
	tap_end
fi
mkdir "$TMP/corpus" "$TMP/artifacts"
cp "$CORPUS"/* "$TMP/corpus/"
before=$(cd "$CORPUS" && ls -la --time-style=+%s . | md5sum)

# show_artifacts: name the inputs that failed, with their first lines, and keep them
show_artifacts() {
	mkdir -p .output/fuzz/artifacts
	for a in "$TMP"/artifacts/*; do
		[ -e "$a" ] || continue
		cp "$a" .output/fuzz/artifacts/
		tap_diag "artifact .output/fuzz/artifacts/$(basename "$a") ($(wc -c <"$a") bytes):"
		head -c 600 "$a" | cat -v | head -n 10 | tap_diag_stdin
	done
	grep -E 'ERROR|SUMMARY|runtime error' "$TMP/log" | head -n 10 | tap_diag_stdin
}

# 1. every seed, run once on its own so that a leak names its input: the
# regression inputs in the corpus stay fixed
failed=()
for seed in "$CORPUS"/*; do
	"$FUZZER" -timeout=10 -rss_limit_mb=2048 "$seed" >"$TMP/seed.log" 2>&1 && continue
	failed+=("$seed")
	{ echo "== $seed"; grep -E 'ERROR|SUMMARY|runtime error' "$TMP/seed.log"; } >>"$TMP/seeds.log"
done
if [ "${#failed[@]}" -eq 0 ]; then
	tap_pass "every seed in $CORPUS runs clean"
else
	tap_fail "every seed in $CORPUS runs clean"
	head -n 30 "$TMP/seeds.log" | tap_diag_stdin
fi

# 2. fuzz from the seeds
"$FUZZER" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 \
	-artifact_prefix="$TMP/artifacts/" "$TMP/corpus" "$CORPUS" >"$TMP/log" 2>&1
status=$?
runs=$(grep -oE '^#[0-9]+' "$TMP/log" | tail -n 1)
if [ "$status" -eq 0 ] && [ -z "$(ls "$TMP/artifacts")" ]; then
	tap_pass "no crash, leak or timeout in ${SECS}s of fuzzing"
else
	tap_fail "no crash, leak or timeout in ${SECS}s of fuzzing"
	tap_diag "fuzzer exit status $status"
	show_artifacts
fi
[ -n "$runs" ] && tap_diag "${runs#\#} inputs run"

tap_is "$(cd "$CORPUS" && ls -la --time-style=+%s . | md5sum)" "$before" \
	"the repository's corpus is left as it was"
tap_end
