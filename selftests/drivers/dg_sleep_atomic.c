// SPDX-License-Identifier: GPL-2.0
/*
 * Misbehaving test driver: its trigger calls msleep() while holding a
 * spinlock, the canonical driver bug.  With preempt=full the kernel itself
 * reports "BUG: scheduling while atomic", which tests use as the oracle that
 * the bug is real.
 */
#include <linux/delay.h>
#include <linux/spinlock.h>

#include "dg_trigger.h"

static DEFINE_SPINLOCK(dg_state_lock);
static unsigned long dg_fired;

/*
 * The scheduler answers "scheduling while atomic" by resetting the preempt
 * count, which would make the spin_unlock() below underflow it and take the
 * test guest down some time later.  Put back what the scheduler dropped, so
 * that the guest survives the bug and the test can look at the reports.
 */
static void dg_restore_preempt_count(int before)
{
	int now = preempt_count();

	if (now < before)
		preempt_count_add(before - now);
}

/* noinline: the report must name this function as the call site. */
static noinline void dg_sleep_atomic_fire(void)
{
	int count;

	spin_lock(&dg_state_lock);
	dg_fired++;
	count = preempt_count();
	msleep(1);
	dg_restore_preempt_count(count);
	spin_unlock(&dg_state_lock);
}

static void dg_fire(void)
{
	dg_sleep_atomic_fire();
}

MODULE_DESCRIPTION("drvguard test driver: sleeps with a spinlock held");
