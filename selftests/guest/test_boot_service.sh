#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# What drvguard.service runs at boot (dist/drvguard-boot), run as systemd
# would: it checks the whole configuration before loading anything, loads
# the packs it names, turns recovery on when asked and becomes the watcher
# whose output goes to the journal; a load that fails takes back the ones
# before it.  The guest has no systemd, so the script runs directly, its
# stdout standing for the journal, and the unit's ExecStopPost after it.
# vm-allow: BUG: scheduling while atomic
# vm-timeout: 500
set -u
. "$(dirname "$0")/lib.sh"
BOOT="$TOP/dist/drvguard-boot"
export DRVGUARD DRVGUARD_CONF="$TMP/drvguard.conf"

insmod "$MODULES/dg_sleep_atomic.ko"
insmod "$MODULES/dg_sleep_clean.ko"

# A malformed file: every bad line named, nothing loaded, exit status 2.
cat > "$DRVGUARD_CONF" <<CONF
core dg_sleep_atomic
recover maybe
core dg_sleep_clean
CONF
"$BOOT" > /dev/null 2> "$TMP/err"
tap_is "$?" 2 "a malformed configuration: exit status 2"
tap_grep "$TMP/err" "drvguard.conf:2: 'recover' takes one word, 'on' or 'off'" \
	"the bad recover line is named"
tap_grep "$TMP/err" "drvguard.conf:3: pack 'core' is already listed" \
	"and so is the repeated pack"
tap_ok "nothing was loaded" sh -c '[ -z "$(ls /sys/fs/bpf/drvguard 2>/dev/null)" ]'

# A load that fails takes back the loads before it.
cat > "$DRVGUARD_CONF" <<CONF
# first the char pack, then a driver that does not exist
char dg_sleep_clean
core no_such_driver
CONF
"$BOOT" > /dev/null 2> "$TMP/err"
tap_is "$?" 4 "a failing load: its exit status (4, unknown driver)"
tap_grep "$TMP/err" "unloading char" "the pack loaded before it is unloaded"
tap_ok "nothing is left loaded" sh -c '[ -z "$(ls /sys/fs/bpf/drvguard 2>/dev/null)" ]'

# The real thing: load, recovery on, then watch, as the service's main process.
cat > "$DRVGUARD_CONF" <<CONF
core dg_sleep_atomic dg_sleep_clean   # the drivers under test
recover on
CONF
"$BOOT" > "$TMP/journal" 2> "$TMP/boot.err" &
service=$!
for i in $(seq 300); do
	pgrep -f "$DRVGUARD watch" > /dev/null && break
	sleep 1
done
tap_ok "the service loads the pack and becomes the watcher" \
	sh -c "pgrep -f '$DRVGUARD watch' > /dev/null"
tap_is "$("$DRVGUARD" -j status | jq -r '.packs[] | "\(.pack) \(.recovery)"')" "core on" \
	"status shows the configured pack, with recovery on"
tap_is "$("$DRVGUARD" -j status | jq -r '[.packs[0].drivers[].name] | join(" ")')" \
	"dg_sleep_atomic dg_sleep_clean" "monitoring the configured drivers"
dmesg_mark
fire dg_sleep_atomic
for i in $(seq 20); do
	grep -q sleep_with_spinlock "$TMP/journal" && break
	sleep 0.5
done
dmesg_since "$TMP/dmesg"
tap_grep "$TMP/journal" "sleep_with_spinlock in dg_sleep_atomic" \
	"a violation reaches the service's output, the journal"
tap_grep "$TMP/journal" "recovery unlock_around: recovered" "recovered, as configured"
tap_nogrep "$TMP/dmesg" "BUG|WARNING" "and the kernel says nothing"
kill "$service"
wait "$service"
tap_ok "ExecStopPost: drvguard unload --all" sh -c "'$DRVGUARD' unload --all > /dev/null"
tap_ok "nothing is left loaded" sh -c '[ -z "$(ls /sys/fs/bpf/drvguard 2>/dev/null)" ]'
tap_grep "$TMP/boot.err" "^drvguard-boot: loaded pack core from core$" \
	"the service says which pack it loaded"
tap_end
