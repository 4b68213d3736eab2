// SPDX-License-Identifier: GPL-2.0
/*
 * Misbehaving test driver for recovery by fail_call: its tasklet calls
 * mutex_lock_interruptible() on a mutex another task holds, in softirq
 * context, where it may not sleep.  It handles a failure as a correct
 * driver must: no unlock, try again later.  The parameters count what the
 * call returned, for the test to check.  Trigger 2 makes the same call in
 * process context, where it is legal and must not fail.
 *
 * Real: the trigger's task holds the mutex while the tasklet runs, so
 * without recovery the lock really sleeps, and with preempt=full the kernel
 * reports "BUG: scheduling while atomic" itself.  Kept survivable as
 * dg_sleep_in_atomic_context.c is: the tasklet runs at a local_bh_enable()
 * of a kthread bound to one CPU, the holder gives the mutex up after a
 * while, and the tasklet puts back the preempt count the scheduler dropped.
 * With recovery, the call returns -EINTR at once.
 */
#include <linux/bottom_half.h>
#include <linux/delay.h>
#include <linux/interrupt.h>
#include <linux/jiffies.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>

#define DG_HAS_SETUP
#include "dg_core.h"
#include "dg_survive_sleep.h"

/* How long the holder keeps the mutex when the tasklet waits for it. */
#define DG_HOLD_MS	20

static DEFINE_MUTEX(dg_mutex);
static struct tasklet_struct dg_tasklet;
static unsigned int locked, interrupted, other;
module_param(locked, uint, 0444);
module_param(interrupted, uint, 0444);
module_param(other, uint, 0444);

/* The bug: a mutex in a tasklet. */
static void dg_fail_call_mutex_fire(struct tasklet_struct *t)
{
	int count = preempt_count();
	int err = mutex_lock_interruptible(&dg_mutex);

	dg_restore_preempt_count(count);
	if (err == -EINTR) {
		interrupted++;	/* a correct driver gives up, and retries later */
		return;
	}
	if (err) {
		other++;
		return;
	}
	locked++;
	mutex_unlock(&dg_mutex);
}

/* Runs in the bound kthread: the tasklet runs inside local_bh_enable(). */
static int dg_run_tasklet(void *unused)
{
	local_bh_disable();
	tasklet_schedule(&dg_tasklet);
	local_bh_enable();
	return 0;
}

/* The same call where it is legal, in the trigger's task: it must not fail. */
static noinline void dg_fail_call_mutex_legal(void)
{
	int err = mutex_lock_interruptible(&dg_mutex);

	if (err) {
		err == -EINTR ? interrupted++ : other++;
		return;
	}
	locked++;
	mutex_unlock(&dg_mutex);
}

/* 2: the legal call; anything else: the tasklet's, with the mutex held meanwhile. */
static void dg_fire(void)
{
	struct dg_bound b = { .fn = dg_run_tasklet };
	unsigned long until = jiffies + msecs_to_jiffies(DG_HOLD_MS);

	if (dg_trigger_arg == 2) {
		dg_fail_call_mutex_legal();
		return;
	}
	mutex_lock(&dg_mutex);
	if (dg_start_on_cpu(&b, raw_smp_processor_id())) {
		mutex_unlock(&dg_mutex);
		return;
	}
	while (!smp_load_acquire(&b.finished) && time_before(jiffies, until))
		msleep(1);
	mutex_unlock(&dg_mutex);
	dg_join(&b);
}

static int dg_setup(void)
{
	tasklet_setup(&dg_tasklet, dg_fail_call_mutex_fire);
	return 0;
}

static void dg_teardown(void)
{
	tasklet_kill(&dg_tasklet);
}

MODULE_DESCRIPTION("drvguard test driver: mutex_lock_interruptible() in a tasklet");
