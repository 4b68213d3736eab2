# SPDX-License-Identifier: GPL-2.0
# Shared by the core pack's guest tests (test_core_*.sh): arm the pack on
# test drivers before they load, fire one driver's bug, and check that the
# single event it raises names the right rule, driver, API, site and context.
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# acpi_irq: the ACPI SCI line, a shared interrupt line every guest has
acpi_irq() { awk '$NF == "acpi" { sub(":", "", $1); print $1; exit }' /proc/interrupts; }

# core_arm DRIVER...: load the core pack on drivers not loaded yet, named by
# their .ko files, so that the monitors see each one load: the rules about
# frees of unknown pointers and leaks at unload count on that
core_arm() {
	local d args=()

	for d in "$@"; do args+=(--driver "$MODULES/$d.ko"); done
	"$DRVGUARD" load core "${args[@]}" 2> "$TMP/load.err"
}

# violations: the core pack's violation count so far (delivered, aggregated or dropped)
violations() { "$DRVGUARD" -j status | jq '.packs[0].counters.violations'; }

# watch_events FILE [SEC]: the events raised so far, one JSON object per line
watch_events() { "$DRVGUARD" -j watch --timeout "${2:-3}" > "$1"; }

# watch_unload FILE DRIVER: the events raised by unloading DRIVER.  The
# watcher starts first, so that it reads the module's symbols while the
# module is still there to name the sites.
watch_unload() {
	local watcher

	"$DRVGUARD" -j watch --timeout 8 > "$1" &
	watcher=$!
	sleep 2
	rmmod "$2"
	wait "$watcher"
}

# expect_event FILE DRIVER RULE API CONTEXT SITE_RE MESSAGE_RE [NOTE_RE]: FILE
# holds exactly one event, and it says this
expect_event() {
	local file=$1 d=$2 ev

	tap_is "$(grep -c . "$file")" 1 "$d: exactly one event"
	tap_diag "$(cat "$file")"
	ev=$(head -n 1 "$file")
	if [ -z "$ev" ]; then
		tap_fail "$d: no event to check"
		return
	fi
	tap_is "$(jq -r .rule <<< "$ev")" "$3" "$d: rule $3"
	tap_is "$(jq -r .driver <<< "$ev")" "$d" "$d: the event names the driver"
	tap_is "$(jq -r .api <<< "$ev")/$(jq -r .context <<< "$ev")" "$4/$5" \
		"$d: api $4 in $5 context"
	tap_match "$(jq -r .site <<< "$ev")" "$6" "$d: site"
	tap_match "$(jq -r .message <<< "$ev")" "$7" "$d: message"
	if [ -n "${8:-}" ]; then
		tap_match "$(jq -r '.notes | join(" / ")' <<< "$ev")" "$8" "$d: note"
	fi
}

# call_site DRIVER [FUNCTION]: the regex of a call site in FUNCTION (DRIVER_fire)
call_site() { echo "^${2:-$1_fire}\\+0x[0-9a-f]+ \\[$1\\]\$"; }

# entry_site DRIVER FUNCTION: the regex of an entry point's own address
entry_site() { echo "^$2\\+0x0 \\[$1\\]\$"; }

# exit_site DRIVER: the regex of the exit routine, by its name or its module_exit() alias
exit_site() { echo "^(dg_core_exit|cleanup_module)\\+0x0 \\[$1\\]\$"; }
