// SPDX-License-Identifier: GPL-2.0
/*
 * Misbehaving test driver: its trigger calls msleep() while holding a
 * spinlock, the canonical driver bug.  With preempt=full the kernel itself
 * reports "BUG: scheduling while atomic", which tests use as the oracle that
 * the bug is real.
 */
#include <linux/delay.h>
#include <linux/spinlock.h>

#include "dg_survive_sleep.h"
#include "dg_trigger.h"

static DEFINE_SPINLOCK(dg_state_lock);
static unsigned long dg_fired;

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
