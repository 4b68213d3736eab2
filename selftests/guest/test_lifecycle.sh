#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Monitors follow a driver's life: a pack loaded before the driver arms and
# attaches when it loads, a reloaded driver is monitored at its new
# addresses, a watcher started after the violations still gets them,
# watchers running at once each get every event, and a
# storm of 100 000 violations at one site is aggregated into a handful of
# events with every violation accounted for while the kernel stays
# responsive.
# vm-allow: BUG: scheduling while atomic
# vm-timeout: 400
set -u
. "$(dirname "$0")/lib.sh"
STORM=100000

site_re='^dg_sleep_atomic_fire\+0x[0-9a-f]+ \[dg_sleep_atomic\]$'

# Armed before the module exists: by its .ko file.
"$DRVGUARD" load core --driver "$MODULES/dg_sleep_atomic.ko" --driver "$MODULES/dg_storm.ko" \
	2> "$TMP/load.err"
tap_is "$?" 0 "load core on two modules not loaded yet"
tap_is "$(grep -c 'armed, monitoring starts when it loads' "$TMP/load.err")" 2 \
	"both are reported as armed"
tap_is "$("$DRVGUARD" -j status | jq -c '[.packs[0].drivers[] | .loaded]')" "[false,false]" \
	"status shows them armed, not loaded"
insmod "$MODULES/dg_sleep_atomic.ko"
tap_is "$("$DRVGUARD" -j status | jq '.packs[0].drivers[0].loaded')" true \
	"status shows the driver loaded once it is"

# A watcher started after the violation still gets it.
fire dg_sleep_atomic
"$DRVGUARD" -j watch --timeout 3 > "$TMP/first"
tap_is "$(jq -r .rule "$TMP/first")" sleep_with_spinlock "an armed driver's bug is caught"
tap_match "$(jq -r .site "$TMP/first")" "$site_re" "at its symbolized call site"
line=$(grep -n 'msleep(1);' "$TOP/selftests/drivers/dg_sleep_atomic.c" | cut -d: -f1)
tap_is "$(jq -r .source "$TMP/first")" "dg_sleep_atomic.c:$line" \
	"and its source line, from the .ko's debug info"
first_addr=$(jq -r .site_addr "$TMP/first")

# Reloaded: new addresses, same monitors.
tap_ok "the driver unloads under the pack" rmmod dg_sleep_atomic
tap_is "$("$DRVGUARD" -j status | jq '.packs[0].drivers[0].loaded')" false \
	"status shows it gone"
# Another module first takes the freed space, so the driver comes back elsewhere.
insmod "$MODULES/dg_storm.ko"
insmod "$MODULES/dg_sleep_atomic.ko"
sleep 1.2	# past the aggregation interval of the first report
fire dg_sleep_atomic
"$DRVGUARD" -j watch --timeout 3 > "$TMP/second"
tap_is "$(jq -r .rule "$TMP/second")" sleep_with_spinlock "the reloaded driver's bug is caught"
tap_match "$(jq -r .site "$TMP/second")" "$site_re" "at the right symbolized site"
tap_ok "at its new address ($first_addr, then $(jq -r .site_addr "$TMP/second"))" \
	test "$(jq -r .site_addr "$TMP/second")" != "$first_addr"

# Watchers running at once each see every event, and one filtered on
# another driver takes nothing from the others.
"$DRVGUARD" -j watch --timeout 10 > "$TMP/w1" &
w1=$!
"$DRVGUARD" -j watch --timeout 10 > "$TMP/w2" &
w2=$!
"$DRVGUARD" -j watch --driver dg_storm --timeout 10 > "$TMP/w3" &
w3=$!
sleep 2		# all three have joined
for i in 1 2 3; do
	sleep 1.2	# past the aggregation interval: three separate events
	fire dg_sleep_atomic
done
wait "$w1" "$w2" "$w3"
tap_is "$(grep -c '"rule":"sleep_with_spinlock"' "$TMP/w1")" 3 "a watcher sees all three events"
tap_is "$(grep -c '"rule":"sleep_with_spinlock"' "$TMP/w2")" 3 \
	"and so does a second watcher running at the same time"
tap_is "$(grep -c . "$TMP/w3")" 0 "a watcher of another driver shows none of them"
"$DRVGUARD" -j watch --timeout 2 > "$TMP/w4"
tap_is "$(grep -c . "$TMP/w4")" 0 "once every watcher has read them, none is delivered again"

# A storm at one site.
start=$(date +%s.%N)
echo "$STORM" > /sys/kernel/debug/dg_storm/trigger
end=$(date +%s.%N)
tap_diag "$STORM violations in $(echo "$end - $start" | bc) s"
# The kernel answers promptly right after.
tap_ok "the kernel stays responsive" timeout 10 sh -c 'cat /proc/loadavg > /dev/null && ls / >/dev/null'
"$DRVGUARD" -j watch --timeout 3 > "$TMP/storm"
tap_ok "every line watch prints is valid JSON" sh -c "jq -e . '$TMP/storm' > /dev/null"
"$DRVGUARD" -j status > "$TMP/status"
tap_diag "$(jq -c .packs[0].counters "$TMP/status")"
fired=$(jq '.packs[0].rules[] | select(.rule == "sleeping_alloc_in_atomic") | .violations' \
	"$TMP/status")
tap_is "$fired" "$STORM" "status counts every violation of the storm"
tap_is "$(jq '.packs[0].counters | .delivered + .aggregated + .drops' "$TMP/status")" \
	"$(jq '.packs[0].counters.violations' "$TMP/status")" "delivered + aggregated + dropped = fired"
storm_events=$(jq -c 'select(.rule == "sleeping_alloc_in_atomic")' "$TMP/storm" | wc -l)
tap_ok "the storm is a handful of events, not $STORM ($storm_events)" test "$storm_events" -le 30
tap_match "$(jq -r 'select(.rule == "sleeping_alloc_in_atomic") | .site' "$TMP/storm" | sort -u)" \
	'^dg_storm_fire\+0x[0-9a-f]+ \[dg_storm\]$' "all at the storm's site"

tap_ok "rmmod dg_storm" rmmod dg_storm
tap_ok "rmmod dg_sleep_atomic" rmmod dg_sleep_atomic
tap_ok "unload" "$DRVGUARD" unload
tap_end
