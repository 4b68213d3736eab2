// SPDX-License-Identifier: GPL-2.0
/*
 * Misbehaving test driver for the core pack's double_mutex_lock rule:
 * mutex_lock() of a mutex the calling task already holds.
 *
 * Staged: a real second mutex_lock() by the owner sleeps forever.  The
 * driver takes the mutex with mutex_lock(), gives it back the way
 * mutex_unlock()'s own fast path does (one cmpxchg of the owner word back
 * to 0, valid because nobody else ever waits on this mutex), which the
 * monitor does not see, and calls mutex_lock() again.  The monitor sees the
 * owner lock the mutex twice; the kernel sees it locked, freed, locked.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mutex.h>

#include "dg_core.h"

static DEFINE_MUTEX(dg_mutex);
static unsigned long dg_fired;

/* mutex_unlock() without the call the monitor hooks: its uncontended fast path */
static bool dg_mutex_unlock_unseen(struct mutex *m)
{
	unsigned long owner = (unsigned long)current;

	return atomic_long_try_cmpxchg_release(&m->owner, (long *)&owner, 0);
}

static noinline void dg_double_mutex_lock_fire(void)
{
	mutex_lock(&dg_mutex);
	if (!dg_mutex_unlock_unseen(&dg_mutex)) {
		/* a waiter or a flag: staging the bug would hang, so do not */
		pr_err("cannot release the mutex unseen; bug not staged\n");
		mutex_unlock(&dg_mutex);
		return;
	}
	mutex_lock(&dg_mutex);
	dg_fired++;
	mutex_unlock(&dg_mutex);
}

static void dg_fire(void)
{
	dg_double_mutex_lock_fire();
}

MODULE_DESCRIPTION("drvguard test driver: locks a mutex it already holds (staged)");
