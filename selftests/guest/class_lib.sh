# SPDX-License-Identifier: GPL-2.0
# Shared by the driver class pack tests (test_netdev_rules.sh,
# test_block_rules.sh, test_char_rules.sh): one pack, loaded once and armed
# for every misbehaving driver's .ko before any loads, then one driver at a
# time, each expected to raise exactly one violation of its rule.  The test
# sets PACK before sourcing this; it may redefine load and unload when its
# drivers need more around them.
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# load_pack MODULE...: load $PACK once, armed for each MODULE's .ko
load_pack() {
	local args=() d
	for d in "$@"; do args+=(--driver "$MODULES/$d.ko"); done
	if "$DRVGUARD" load "$PACK" "${args[@]}" > "$TMP/load" 2>&1; then
		tap_pass "the $PACK pack arms for the test drivers before they load"
	else
		tap_fail "the $PACK pack arms for the test drivers before they load"
	fi
	tap_diag_stdin < "$TMP/load"
}

# counts: violations per rule so far, as a JSON object
counts() { "$DRVGUARD" -j status | jq -c '[.packs[0].rules[] | {(.rule): .violations}] | add'; }

# new_violations: violations per rule since BEFORE, the rules with none left out
new_violations() {
	jq -nc --argjson a "$BEFORE" --argjson b "$(counts)" \
		'[$b | to_entries[] | select(.value != ($a[.key] // 0)) |
		  {(.key): (.value - ($a[.key] // 0))}] | add // {}'
}

# load MODULE: load a test driver and remember the counts its case starts from
load() {
	tap_ok "$1: loads" insmod "$MODULES/$1.ko"
	BEFORE=$(counts)
}

# unload MODULE: unload it; nothing more may be reported, at unload either
unload() { unload_checked "$1"; }

unload_checked() {
	tap_ok "$1: unloads" rmmod "$1"
	"$DRVGUARD" -j watch --timeout 2 > "$TMP/after"
	tap_is "$(grep -c . "$TMP/after")" 0 "$1: nothing more is reported"
	head -n 5 "$TMP/after" | tap_diag_stdin
}

# watch_events: what the pack reported so far, one JSON object per line, in $TMP/events
watch_events() { "$DRVGUARD" -j watch --timeout 3 > "$TMP/events"; }

# expect_one MODULE RULE API SITE_RE [CONTEXT]: $TMP/events is exactly one
# violation of RULE by MODULE in API (in CONTEXT when given), at a site
# matching SITE_RE; the status agrees.  Fails once, with what was reported,
# when there is not exactly one event.
expect_one() {
	local ev n
	n=$(grep -c . "$TMP/events")
	if [ "$n" -ne 1 ]; then
		tap_fail "$1: exactly one $2 event (got $n)"
		tap_diag_stdin < "$TMP/events"
		BEFORE=$(counts)
		return 1
	fi
	ev=$(head -n 1 "$TMP/events")
	tap_pass "$1: exactly one event"
	tap_diag "$ev"
	tap_is "$(jq -r .rule <<< "$ev")" "$2" "$1: rule $2"
	tap_is "$(jq -r .driver <<< "$ev")" "$1" "$1: the event names the driver"
	if [ -n "${5:-}" ]; then
		tap_is "$(jq -r '"\(.api) \(.context)"' <<< "$ev")" "$3 $5" "$1: $3, in $5 context"
	else
		tap_is "$(jq -r .api <<< "$ev")" "$3" "$1: the event names $3"
	fi
	tap_match "$(jq -r .site <<< "$ev")" "$4" "$1: at the expected site"
	tap_is "$(new_violations)" "{\"$2\":1}" "$1: status counts that one violation, and no other"
	BEFORE=$(counts)
}
