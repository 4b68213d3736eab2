# SPDX-License-Identifier: GPL-2.0
# A small TAP producer for shell tests, sourced by host and guest test
# scripts: each check prints `ok N - name` or `not ok N - name` with a
# diagnostic, tap_end prints the plan and sets the exit status
# (0 pass, 1 fail, 4 all skipped, as kselftest does).

TAP_COUNT=0
TAP_FAILED=0
TAP_SKIPPED=0
echo "TAP version 13"

tap_pass() { TAP_COUNT=$((TAP_COUNT + 1)); echo "ok $TAP_COUNT - $*"; }

tap_fail() { TAP_COUNT=$((TAP_COUNT + 1)); TAP_FAILED=$((TAP_FAILED + 1)); echo "not ok $TAP_COUNT - $*"; }

tap_skip() { TAP_COUNT=$((TAP_COUNT + 1)); TAP_SKIPPED=$((TAP_SKIPPED + 1)); echo "ok $TAP_COUNT - $1 # SKIP ${2:-}"; }

# tap_diag TEXT...: indented diagnostic lines
tap_diag() { printf '%s\n' "$@" | sed 's/^/#   /'; }

# tap_ok NAME CMD...: passes when CMD succeeds
tap_ok() {
	local name=$1; shift
	if "$@"; then tap_pass "$name"; else tap_fail "$name"; tap_diag "command failed: $*"; fi
}

# tap_is GOT WANT NAME
tap_is() {
	if [ "$1" = "$2" ]; then tap_pass "$3"; else tap_fail "$3"; tap_diag "got:  '$1'" "want: '$2'"; fi
}

# tap_is_lossy GOT WANT LOST NAME: like tap_is, for a count the monitor can
# come short of (or over, by a missed unlock) when the kernel skipped LOST
# runs of its programs: within LOST of WANT it is a skip naming the cause,
# since the exact value could not be checked; further off it fails.
tap_is_lossy() {
	local got=$1 want=$2 lost=$3 name=$4
	if [ "$got" = "$want" ]; then tap_pass "$name"
	elif [ "$lost" -gt 0 ] && [ "$got" -ge $((want - lost)) ] &&
	     [ "$got" -le $((want + lost)) ]; then
		tap_skip "$name" "got $got, want $want: the kernel skipped $lost monitor runs (BPF recursion guard)"
	else tap_fail "$name"; tap_diag "got:  '$got'" "want: '$want'" "monitor runs skipped by the kernel: $lost"; fi
}

# tap_match STRING REGEX NAME (extended regex, whole string searched)
tap_match() {
	if printf '%s' "$1" | grep -Eq -- "$2"; then tap_pass "$3"
	else tap_fail "$3"; tap_diag "'$1'" "does not match /$2/"; fi
}

# tap_grep FILE REGEX NAME: FILE has a line matching REGEX
tap_grep() {
	if grep -Eq -- "$2" "$1"; then tap_pass "$3"
	else tap_fail "$3"; tap_diag "no line of $1 matches /$2/"; tail -n 20 "$1" | tap_diag_stdin; fi
}

# tap_nogrep FILE REGEX NAME: no line of FILE matches REGEX
tap_nogrep() {
	if ! grep -Eq -- "$2" "$1"; then tap_pass "$3"
	else tap_fail "$3"; grep -E -- "$2" "$1" | head -n 5 | tap_diag_stdin; fi
}

tap_diag_stdin() { sed 's/^/#   /'; }

tap_end() {
	echo "1..$TAP_COUNT"
	if [ "$TAP_FAILED" -gt 0 ]; then exit 1; fi
	if [ "$TAP_COUNT" -gt 0 ] && [ "$TAP_SKIPPED" -eq "$TAP_COUNT" ]; then exit 4; fi
	exit 0
}
