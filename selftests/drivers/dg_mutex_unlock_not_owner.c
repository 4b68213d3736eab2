// SPDX-License-Identifier: GPL-2.0
/*
 * Misbehaving test driver for the core pack's mutex_unlock_not_owner rule:
 * one task locks a mutex, and a work item, run by a kworker, unlocks it.
 *
 * Real: without CONFIG_DEBUG_MUTEXES the kernel lets the kworker release a
 * mutex it does not own, silently, so only the monitor reports it.  The
 * locking task is a kthread bound to one CPU, and the work item is queued
 * on that CPU, which keeps the scenario the same from run to run.
 */
#include <linux/mutex.h>
#include <linux/workqueue.h>

#include "dg_core.h"

static DEFINE_MUTEX(dg_mutex);
static struct work_struct dg_work;
static unsigned long dg_fired;

/*
 * The bug: the kworker unlocks the mutex the kthread locked.  The unlock is
 * not the last call: a call in tail position is a jump, and the monitors
 * would attribute it to the workqueue code that called this function.
 */
static void dg_mutex_unlock_not_owner_fire(struct work_struct *work)
{
	mutex_unlock(&dg_mutex);
	dg_fired++;
}

static noinline int dg_mutex_unlock_not_owner_lock(void *unused)
{
	mutex_lock(&dg_mutex);
	queue_work_on(raw_smp_processor_id(), system_wq, &dg_work);
	flush_work(&dg_work);
	return 0;
}

static void dg_fire(void)
{
	INIT_WORK(&dg_work, dg_mutex_unlock_not_owner_fire);
	dg_run_on_cpu(raw_smp_processor_id(), dg_mutex_unlock_not_owner_lock, NULL);
}

MODULE_DESCRIPTION("drvguard test driver: unlocks a mutex another task holds");
