#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The core pack catches each bug of its sleeping and locking rules
# (rules/packs/core.rules, rules/lib/locks.rules): for every rule a test
# driver, dg_<rule>.ko (dg_sleep_atomic for sleep_with_spinlock), makes the
# bug once, and exactly one event comes out, naming the rule, the driver,
# the API, the context and the function of the call site (or the entry
# point that returned), with the kernel's own complaint where it makes one.
# vm-allow: BUG: scheduling while atomic
# vm-allow: WARNING: CPU: [0-9]+ PID: [0-9]+ at kernel/time/timer\.c:[0-9]+ call_timer_fn
# vm-timeout: 600
set -u
. "$(dirname "$0")/core_lib.sh"

DRIVERS=(dg_sleep_atomic dg_sleep_in_atomic_context dg_sleeping_alloc_in_atomic dg_double_lock
	 dg_double_mutex_lock dg_unlock_not_held dg_mutex_unlock_not_owner
	 dg_irqrestore_wrong_flags dg_spinlock_held_at_return dg_mutex_held_at_return)
hex='0x[0-9a-f]+'
kptr='0xffff[0-9a-f]{12}'	# a kernel pointer, all 64 bits of it

tap_ok "arm the core pack on ${#DRIVERS[@]} drivers not loaded yet" core_arm "${DRIVERS[@]}"
for d in "${DRIVERS[@]}"; do
	insmod "$MODULES/$d.ko" || tap_fail "insmod $d"
done
"$DRVGUARD" -j status > "$TMP/status"
tap_is "$(jq '[.packs[0].drivers[] | select(.loaded)] | length' "$TMP/status")" "${#DRIVERS[@]}" \
	"the monitors saw every driver load"
watch_events "$TMP/load.events" 2
tap_is "$(grep -c . "$TMP/load.events")" 0 "loading the drivers raises nothing"

# bug DRIVER RULE API CONTEXT SITE_RE MESSAGE_RE NOTE_RE ORACLE_RE: fire
# DRIVER once; one event says this, and the kernel log matches ORACLE_RE
bug() {
	local d=$1

	dmesg_mark
	fire "$d"
	watch_events "$TMP/$d.events"
	dmesg_since "$TMP/$d.dmesg"
	expect_event "$TMP/$d.events" "$d" "$2" "$3" "$4" "$5" "$6" "$7"
	if [ -n "$8" ]; then
		tap_grep "$TMP/$d.dmesg" "$8" "$d: the kernel log agrees: /$8/"
	fi
}

# Real: msleep() under spin_lock(); the scheduler complains.
bug dg_sleep_atomic sleep_with_spinlock msleep process "$(call_site dg_sleep_atomic)" \
	'^msleep\(\) called with 1 lock\(s\) held$' \
	"^lock $kptr taken by spin_lock\\(\\) at dg_sleep_atomic_fire\\+$hex \\[dg_sleep_atomic\\]\$" \
	'BUG: scheduling while atomic: test_core_rules'

# Real: msleep() in a tasklet.
bug dg_sleep_in_atomic_context sleep_in_atomic_context msleep softirq \
	"$(call_site dg_sleep_in_atomic_context)" '^msleep\(\) called in softirq context$' '' \
	'BUG: scheduling while atomic: dg_bound/[0-9]+/[0-9]+/0x000001[0-9a-f]{2}$'

# Real: kmalloc(GFP_KERNEL) under spin_lock(); a small one does not sleep.
bug dg_sleeping_alloc_in_atomic sleeping_alloc_in_atomic kmalloc process \
	"$(call_site dg_sleeping_alloc_in_atomic)" \
	'^kmalloc\(\) with sleeping GFP flags 0xcc0 in atomic context \(process\)$' '' ''

# Staged: spin_lock() twice, released in between behind the monitor's back.
bug dg_double_lock double_lock spin_lock process "$(call_site dg_double_lock)" \
	"^spin_lock\\(\\) of lock $kptr, which this context already holds: deadlock\$" \
	"^first taken by spin_lock\\(\\) at dg_double_lock_fire\\+$hex \\[dg_double_lock\\]\$" ''

# Staged: mutex_lock() twice by its owner, released in between unseen.
bug dg_double_mutex_lock double_mutex_lock mutex_lock process "$(call_site dg_double_mutex_lock)" \
	"^mutex_lock\\(\\) of mutex $kptr, which this task already holds: deadlock\$" \
	"^first taken by mutex_lock\\(\\) at dg_double_mutex_lock_fire\\+$hex \\[dg_double_mutex_lock\\]\$" ''
tap_nogrep "$TMP/dg_double_mutex_lock.dmesg" 'not staged' "dg_double_mutex_lock: the staging worked"

# Real: spin_unlock() of a free lock.
bug dg_unlock_not_held unlock_not_held spin_unlock process "$(call_site dg_unlock_not_held)" \
	"^spin_unlock\\(\\) of lock $kptr, which the driver does not hold\$" '' ''

# Real: a kworker unlocks the mutex a kthread locked.
bug dg_mutex_unlock_not_owner mutex_unlock_not_owner mutex_unlock process \
	"$(call_site dg_mutex_unlock_not_owner)" \
	"^mutex $kptr unlocked by pid [0-9]+, but pid [0-9]+ holds it\$" \
	"^taken by mutex_lock\\(\\) at dg_mutex_unlock_not_owner_lock\\+$hex \\[dg_mutex_unlock_not_owner\\]\$" ''

# Real: spin_unlock_irqrestore() with flags saved with interrupts off.
bug dg_irqrestore_wrong_flags irqrestore_wrong_flags spin_unlock_irqrestore process \
	"$(call_site dg_irqrestore_wrong_flags)" \
	"^spin_unlock_irqrestore\\(\\) of lock $kptr with flags $hex, saved (0x)?[0-9a-f]+\$" \
	"^saved by spin_lock_irqsave\\(\\) at dg_irqrestore_wrong_flags_fire\\+$hex \\[dg_irqrestore_wrong_flags\\]\$" \
	'interrupts still disabled after spin_unlock_irqrestore\(\) with the wrong flags'

# Real: a timer callback returns with a spinlock held; the timer code warns.
bug dg_spinlock_held_at_return spinlock_held_at_return timer softirq \
	"$(entry_site dg_spinlock_held_at_return dg_spinlock_held_at_return_fire)" \
	"^timer returns with lock $kptr held\$" \
	"^taken by spin_lock\\(\\) at dg_spinlock_held_at_return_fire\\+$hex \\[dg_spinlock_held_at_return\\]\$" \
	'timer: dg_spinlock_held_at_return_fire\+0x0/0x[0-9a-f]+ \[dg_spinlock_held_at_return\] preempt leak'

# Real: a work item returns with a mutex held; its next run, by the owner, unlocks it.
bug dg_mutex_held_at_return mutex_held_at_return work process \
	"$(entry_site dg_mutex_held_at_return dg_mutex_held_at_return_fire)" \
	"^work returns with mutex $kptr held\$" \
	"^taken by mutex_lock\\(\\) at dg_mutex_held_at_return_fire\\+$hex \\[dg_mutex_held_at_return\\]\$" \
	'the owner released the mutex in the next run'

"$DRVGUARD" -j status > "$TMP/status"
tap_diag "$(jq -c '.packs[0].counters' "$TMP/status")"
tap_is "$(jq '.packs[0].counters.violations' "$TMP/status")" "${#DRIVERS[@]}" \
	"status counts one violation per driver"
tap_is "$(jq -c '[.packs[0].rules[] | select(.violations != 0) | .rule] | sort' "$TMP/status")" \
	"$(printf '%s\n' sleep_with_spinlock sleep_in_atomic_context sleeping_alloc_in_atomic \
	   double_lock double_mutex_lock unlock_not_held mutex_unlock_not_owner \
	   irqrestore_wrong_flags spinlock_held_at_return mutex_held_at_return | jq -R . | jq -sc sort)" \
	"each of the ten rules fired"
tap_is "$(jq '[.packs[0].rules[].violations] | max' "$TMP/status")" 1 "and fired once"
tap_is "$(jq '.packs[0].counters.drops' "$TMP/status")" 0 "no event was dropped"

# Unloading them under the pack raises nothing: none of them leaks.
for d in "${DRIVERS[@]}"; do rmmod "$d" || tap_fail "rmmod $d"; done
watch_events "$TMP/unload.events" 2
tap_is "$(grep -c . "$TMP/unload.events")" 0 "unloading the drivers raises nothing"
tap_diag "$(cat "$TMP/unload.events")"
tap_ok "unload the pack" "$DRVGUARD" unload core
tap_end
