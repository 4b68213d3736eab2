// SPDX-License-Identifier: GPL-2.0
/*
 * Misbehaving test driver for the core pack's double_lock rule: spin_lock()
 * of a lock the same context already holds, on the same CPU.
 *
 * Staged: a real second spin_lock() of a held lock spins forever.  The
 * driver takes the lock with spin_lock(), then releases it the way
 * spin_unlock() does inside (do_raw_spin_unlock() and preempt_enable()),
 * which the monitor does not see, and calls spin_lock() again.  The monitor
 * sees two spin_lock() calls with no unlock between them, which is the bug;
 * the kernel sees a lock taken, dropped and taken again, and survives.
 * Preemption stays off around it so that both calls happen on one CPU, as
 * a real self-deadlock would.
 */
#include <linux/preempt.h>
#include <linux/spinlock.h>

#include "dg_core.h"

static DEFINE_SPINLOCK(dg_lock);
static unsigned long dg_fired;

/* spin_unlock() without the call the monitor hooks */
static void dg_spin_unlock_unseen(spinlock_t *lock)
{
	do_raw_spin_unlock(&lock->rlock);
	preempt_enable();
}

static noinline void dg_double_lock_fire(void)
{
	preempt_disable();
	spin_lock(&dg_lock);
	dg_spin_unlock_unseen(&dg_lock);
	spin_lock(&dg_lock);
	dg_fired++;
	spin_unlock(&dg_lock);
	preempt_enable();
}

static void dg_fire(void)
{
	dg_double_lock_fire();
}

MODULE_DESCRIPTION("drvguard test driver: takes a spinlock it already holds (staged)");
