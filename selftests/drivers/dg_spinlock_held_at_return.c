// SPDX-License-Identifier: GPL-2.0
/*
 * Misbehaving test driver for the core pack's spinlock_held_at_return rule:
 * a timer callback returns with a spinlock held.
 *
 * Real: the callback takes the lock and returns.  The timer code notices the
 * preempt count it left raised, warns "timer: ... preempt leak" (the test's
 * oracle; once per boot) and lowers it again.  The lock itself stays taken
 * until the callback's second run, which the first run queued on the same
 * CPU (TIMER_PINNED): it releases the lock there, with the preempt count the
 * unlock will drop, and lets the trigger return.
 */
#include <linux/jiffies.h>
#include <linux/spinlock.h>
#include <linux/timer.h>

#define DG_HAS_SETUP
#include "dg_core.h"

static DEFINE_SPINLOCK(dg_lock);
static struct timer_list dg_timer;
static unsigned int dg_run;
static bool dg_released;

/* The bug, on the first run: return with dg_lock held. */
static void dg_spinlock_held_at_return_fire(struct timer_list *t)
{
	if (dg_run++ == 0) {
		spin_lock(&dg_lock);
		mod_timer(&dg_timer, jiffies + 1);
		return;
	}
	preempt_disable();
	spin_unlock(&dg_lock);
	smp_store_release(&dg_released, true);
}

static void dg_fire(void)
{
	dg_run = 0;
	dg_released = false;
	mod_timer(&dg_timer, jiffies + 1);
	dg_wait_for_flag(&dg_released);
	del_timer_sync(&dg_timer);
}

static int dg_setup(void)
{
	timer_setup(&dg_timer, dg_spinlock_held_at_return_fire, TIMER_PINNED);
	return 0;
}

static void dg_teardown(void)
{
	del_timer_sync(&dg_timer);
}

MODULE_DESCRIPTION("drvguard test driver: a timer callback returns with a spinlock held");
