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
 *
 * Writing 2 to the trigger leaves two locks held instead, nested: one
 * taken with spin_lock_irqsave(), and dg_lock inside it.  With recovery
 * (release_at_return) the locks are free by the second run, which then
 * has nothing to release; either way the trigger then checks that they
 * are free and takes dg_lock once more, so a lock left taken says so or
 * hangs it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/spinlock.h>
#include <linux/timer.h>

#define DG_HAS_SETUP
#include "dg_core.h"

static DEFINE_SPINLOCK(dg_lock);
static DEFINE_SPINLOCK(dg_irq_lock);
static unsigned long dg_irq_flags;
static struct timer_list dg_timer;
static unsigned int dg_run;
static bool dg_nested;
static bool dg_released;

/* Second run: give back what the first left held, with the counts the timer code reset. */
static void dg_release_leaked(void)
{
	if (spin_is_locked(&dg_lock)) {
		preempt_disable();
		spin_unlock(&dg_lock);
	}
	if (spin_is_locked(&dg_irq_lock)) {
		preempt_disable();
		spin_unlock_irqrestore(&dg_irq_lock, dg_irq_flags);
	}
}

/* The bug, on the first run: return with dg_lock held (and dg_irq_lock around it). */
static void dg_spinlock_held_at_return_fire(struct timer_list *t)
{
	if (dg_run++ == 0) {
		if (dg_nested)
			spin_lock_irqsave(&dg_irq_lock, dg_irq_flags);
		spin_lock(&dg_lock);
		mod_timer(&dg_timer, jiffies + 1);
		return;
	}
	dg_release_leaked();
	smp_store_release(&dg_released, true);
}

static void dg_fire(void)
{
	dg_run = 0;
	dg_nested = dg_trigger_arg == 2;
	dg_released = false;
	mod_timer(&dg_timer, jiffies + 1);
	dg_wait_for_flag(&dg_released);
	del_timer_sync(&dg_timer);
	/* every lock is free again, and the clean path takes dg_lock */
	if (spin_is_locked(&dg_irq_lock))
		pr_err("dg_irq_lock left held\n");
	spin_lock(&dg_lock);
	spin_unlock(&dg_lock);
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
