# SPDX-License-Identifier: GPL-2.0
# Shared by the test_real_* guest tests, which run real in-tree drivers
# under real load with shipped packs loaded: loading the packs, reading
# drvguard's counters, and the check that a phase of the test left no
# violation.  A violation on a real driver is printed whole (JSON), since it
# is either a driver bug or a false alarm of the rules and must be judged.

# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PACKS=()		# the packs this test loaded
declare -A SEEN		# violations per pack that earlier checks already reported

# load_packs "PACK..." DRIVER...: load each pack once, on all the drivers
load_packs() {
	local pack args=() d
	for d in "${@:2}"; do args+=(--driver "$d"); done
	for pack in $1; do
		if "$DRVGUARD" load "$pack" "${args[@]}" > "$TMP/load.out" 2>&1; then
			PACKS+=("$pack")
			SEEN[$pack]=0
			tap_pass "the $pack pack loads on ${*:2}"
		else
			tap_fail "the $pack pack loads on ${*:2}"
			tap_diag_stdin < "$TMP/load.out"
		fi
	done
	# as in production: a correct driver must not notice recovery either
	tap_ok "recovery on for $1" "$DRVGUARD" recover enable
}

# status_json: `drvguard -j status`, also kept in $TMP/status
status_json() { "$DRVGUARD" -j status | tee "$TMP/status"; }

# counter PACK NAME: one counter of one loaded pack
counter() {
	status_json | jq -r --arg p "$1" --arg c "$2" \
		'.packs[] | select(.pack == $p) | .counters[$c] // 0'
}

# calls: monitored driver calls, summed over the loaded packs
calls() { status_json | jq '[.packs[].counters.driver_calls] | add // 0'; }

# calls_by_pack: "core=N block=N", for diagnostics
calls_by_pack() {
	status_json | jq -r '[.packs[] | "\(.pack)=\(.counters.driver_calls)"] | join(" ")'
}

# driver_loaded DRIVER: every loaded pack lists DRIVER as loaded
driver_loaded() {
	local pack
	for pack in "${PACKS[@]}"; do
		status_json | jq -e --arg p "$pack" --arg d "$1" \
			'.packs[] | select(.pack == $p) | .drivers[] | select(.name == $d) | .loaded' \
			> /dev/null || return 1
	done
}

# skipped_by_kernel: runs of drvguard programs the kernel skipped because
# the same program was already running on that CPU, over all loaded packs
skipped_by_kernel() {
	"$DRVGUARD" -j status | jq '[.packs[].counters.skipped_by_kernel] | add // 0'
}

# check_clean PHASE: nothing was reported since the previous check: no event
# from watch (a summary, and the first event of each kind in full), no new
# violation counted by any pack, no event dropped and no rule gone blind
# KNOWN_FALSE_ALARMS, when set, is a jq condition on an event that marks a
# false alarm drvguard is known to raise (each test says which and why):
# such events are reported as a skip naming the issue, not as a pass.
check_clean() {
	local phase=$1 n pack v known=0
	"$DRVGUARD" -j watch --timeout 3 > "$TMP/events" 2> "$TMP/watch.err" ||
		tap_diag "watch failed: $(cat "$TMP/watch.err")"
	if [ -n "${KNOWN_FALSE_ALARMS:-}" ]; then
		jq -c "select($KNOWN_FALSE_ALARMS)" "$TMP/events" > "$TMP/known"
		jq -c "select(($KNOWN_FALSE_ALARMS) | not)" "$TMP/events" > "$TMP/rest"
		mv "$TMP/rest" "$TMP/events"
		known=$(grep -c . "$TMP/known")
		if [ "$known" -gt 0 ]; then
			tap_skip "$phase: $known known false alarm(s)" "$KNOWN_ISSUE"
			jq -c . "$TMP/known" | head -n 3 | tap_diag_stdin
			# recovery on a false alarm would act on a correct driver
			tap_is "$(jq -s '[.[] | select(.recovery.outcome == "recovered")] | length' \
				"$TMP/known")" 0 "$phase: recovery acted on none of them"
		fi
	fi
	n=$(grep -c . "$TMP/events")
	if [ "$n" -eq 0 ]; then
		tap_pass "$phase: watch reports no violation"
	else
		tap_fail "$phase: watch reports no violation"
		tap_diag "$n event(s); violations by pack, rule, driver, site and context:"
		jq -r -s 'group_by([.pack, .rule, .driver, .site, .context]) | .[] |
			"\(map(.count // 1) | add)  \(.[0] | [.pack, .rule, .driver, .site, .context] |
			join("  "))"' "$TMP/events" | sort -rn | tap_diag_stdin
		tap_diag "the first of each in full:"
		jq -c -s 'group_by([.pack, .rule, .driver, .site, .context]) | .[][0]' \
			"$TMP/events" | tap_diag_stdin
		tap_diag "bpf program runs skipped by the kernel's recursion guard: $(skipped_by_kernel)"
	fi
	status_json > /dev/null
	for pack in "${PACKS[@]}"; do
		v=$(jq --arg p "$pack" '.packs[] | select(.pack == $p) | .counters.violations' "$TMP/status")
		if [ "$known" -gt 0 ]; then
			tap_skip "$phase: the $pack pack counted no violation" \
				"its counters include the known false alarms above"
		else
			tap_is "$((v - ${SEEN[$pack]}))" 0 "$phase: the $pack pack counted no violation"
		fi
		if [ "$v" -ne "${SEEN[$pack]}" ]; then
			jq -c --arg p "$pack" '.packs[] | select(.pack == $p) |
				[.rules[] | select(.violations > 0)]' "$TMP/status" | tap_diag_stdin
		fi
		SEEN[$pack]=$v
		tap_is "$(jq --arg p "$pack" '.packs[] | select(.pack == $p) | .counters.drops' \
			"$TMP/status")" 0 "$phase: the $pack pack dropped no event"
		# a free the kernel skipped leaves its object tracked: under heavy
		# interrupt load the table can fill, which such skips explain
		tap_is_lossy "$(jq --arg p "$pack" '.packs[] | select(.pack == $p) | .counters |
			.untracked_held + .untracked_objects' "$TMP/status")" 0 \
			"$(jq --arg p "$pack" '.packs[] | select(.pack == $p) | .counters.skipped_by_kernel' \
			"$TMP/status")" \
			"$phase: the $pack pack tracked every held lock and object, so no rule went blind"
		tap_diag "$pack: $(jq -c --arg p "$pack" '.packs[] | select(.pack == $p) | .counters' \
			"$TMP/status")"
	done
}

# unload_packs: unload what load_packs loaded
unload_packs() {
	local pack
	for pack in "${PACKS[@]}"; do
		tap_ok "unload the $pack pack" "$DRVGUARD" unload "$pack"
	done
}

# iperf_server NETNS ADDR: a one-shot iperf3 server in NETNS, listening on ADDR
iperf_server() {
	ip netns exec "$1" iperf3 -s -1 -D -B "$2" > /dev/null || return 1
	for _ in $(seq 100); do
		ip netns exec "$1" ss -Hltn 'sport = :5201' | grep -q . && return 0
		sleep 0.1
	done
	return 1
}

# now: seconds since boot, with centiseconds
now() { cut -d' ' -f1 /proc/uptime; }

# elapsed SINCE: seconds from SINCE (a `now`) to now, as an integer
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%d", b - a + 0.5 }'; }
