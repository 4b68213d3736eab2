// SPDX-License-Identifier: GPL-2.0
/*
 * Misbehaving test driver for the core pack's mutex_held_at_return rule: a
 * work item returns with a mutex held.
 *
 * Real: the work function locks the mutex and returns; without lockdep the
 * workqueue does not notice.  Before returning it queues itself again: the
 * workqueue runs a work item queued while it runs on the same worker, after
 * the current run (non-reentrancy), so the second run happens in the task
 * that owns the mutex and unlocks it as its owner.  Should another worker
 * run it anyway, it gives the mutex back unseen instead and says so, and the
 * test fails on that line rather than on later confusion.  With recovery
 * (release_at_return) the mutex is free by the second run, which then has
 * nothing to release; either way the trigger takes the mutex once more
 * before it returns, so a mutex left held hangs it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mutex.h>
#include <linux/workqueue.h>

#define DG_HAS_SETUP
#include "dg_core.h"

static DEFINE_MUTEX(dg_mutex);
static struct work_struct dg_work;
static unsigned int dg_run;
static bool dg_released;

#define DG_MUTEX_FLAGS	0x07UL	/* kernel/locking/mutex.h: low bits of the owner word */

static bool dg_mutex_owned_by_current(struct mutex *m)
{
	return (atomic_long_read(&m->owner) & ~DG_MUTEX_FLAGS) == (unsigned long)current;
}

/* The bug, on the first run: return with dg_mutex held. */
static void dg_mutex_held_at_return_fire(struct work_struct *work)
{
	if (dg_run++ == 0) {
		mutex_lock(&dg_mutex);
		queue_work(system_highpri_wq, work);
		return;
	}
	if (!mutex_is_locked(&dg_mutex)) {
		pr_debug("the mutex was released when the first run returned\n");
	} else if (dg_mutex_owned_by_current(&dg_mutex)) {
		mutex_unlock(&dg_mutex);
		pr_info("the owner released the mutex in the next run\n");
	} else {
		atomic_long_set(&dg_mutex.owner, 0);
		pr_err("another worker ran the second run; mutex released unseen\n");
	}
	smp_store_release(&dg_released, true);
}

static void dg_fire(void)
{
	dg_run = 0;
	dg_released = false;
	queue_work(system_highpri_wq, &dg_work);
	dg_wait_for_flag(&dg_released);
	flush_work(&dg_work);
	/* the clean path: the mutex is free again */
	mutex_lock(&dg_mutex);
	mutex_unlock(&dg_mutex);
}

static int dg_setup(void)
{
	INIT_WORK(&dg_work, dg_mutex_held_at_return_fire);
	return 0;
}

static void dg_teardown(void)
{
	cancel_work_sync(&dg_work);
}

MODULE_DESCRIPTION("drvguard test driver: a work item returns with a mutex held");
