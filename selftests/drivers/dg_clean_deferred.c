// SPDX-License-Identifier: GPL-2.0
/*
 * Clean test driver for the core pack's context rules: correct code in the
 * driver's deferred entry points, each sharing a lock with process context.
 * Writing N to the trigger runs case N, 0 runs them all:
 *
 *  1  a timer callback takes the lock with spin_lock() and allocates with
 *     GFP_ATOMIC; process context takes it with spin_lock_bh()
 *  2  a tasklet does the same
 *  3  a work item sleeps: msleep(), a mutex across msleep(), a GFP_KERNEL
 *     allocation; process context holds the same mutex across msleep()
 *
 * The trigger waits for each callback to have run once.
 */
#include <linux/delay.h>
#include <linux/interrupt.h>
#include <linux/jiffies.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/workqueue.h>

#define DG_HAS_SETUP
#include "dg_core.h"

#define DG_NR_CASES	3

static DEFINE_SPINLOCK(dg_lock);
static DEFINE_MUTEX(dg_mutex);
static struct timer_list dg_timer;
static struct tasklet_struct dg_tasklet;
static struct work_struct dg_work;
static bool dg_timer_ran, dg_tasklet_ran, dg_work_ran;
static unsigned long dg_counter;

/* What the callbacks and process context all do under the lock. */
static void dg_touch_atomic(void)
{
	void *p = kmalloc(32, GFP_ATOMIC);

	dg_counter++;
	kfree(p);
}

static void dg_clean_timer_fn(struct timer_list *t)
{
	spin_lock(&dg_lock);
	dg_touch_atomic();
	spin_unlock(&dg_lock);
	smp_store_release(&dg_timer_ran, true);
}

static void dg_clean_tasklet_fn(struct tasklet_struct *t)
{
	spin_lock(&dg_lock);
	dg_touch_atomic();
	spin_unlock(&dg_lock);
	smp_store_release(&dg_tasklet_ran, true);
}

static void dg_clean_work_fn(struct work_struct *work)
{
	void *p;

	msleep(1);
	mutex_lock(&dg_mutex);
	msleep(1);
	p = kmalloc(128, GFP_KERNEL);
	kfree(p);
	mutex_unlock(&dg_mutex);
	smp_store_release(&dg_work_ran, true);
}

/* Process context's share of the lock and mutex. */
static noinline void dg_clean_process_side(void)
{
	spin_lock_bh(&dg_lock);
	dg_touch_atomic();
	spin_unlock_bh(&dg_lock);
	mutex_lock(&dg_mutex);
	msleep(1);
	mutex_unlock(&dg_mutex);
}

static noinline void dg_clean_timer(void)
{
	dg_timer_ran = false;
	mod_timer(&dg_timer, jiffies + 1);
	dg_clean_process_side();
	dg_wait_for_flag(&dg_timer_ran);
}

static noinline void dg_clean_tasklet(void)
{
	dg_tasklet_ran = false;
	tasklet_schedule(&dg_tasklet);
	dg_clean_process_side();
	dg_wait_for_flag(&dg_tasklet_ran);
}

static noinline void dg_clean_work(void)
{
	dg_work_ran = false;
	queue_work(system_wq, &dg_work);
	dg_clean_process_side();
	flush_work(&dg_work);
}

/* Each case by a direct call, as a driver calls its own functions. */
static void dg_run_case(unsigned int i)
{
	switch (i) {
	case 1:
		dg_clean_timer();
		break;
	case 2:
		dg_clean_tasklet();
		break;
	case 3:
		dg_clean_work();
		break;
	}
}

static void dg_fire(void)
{
	for (unsigned int i = 1; i <= DG_NR_CASES; i++)
		if (!dg_trigger_arg || dg_trigger_arg == i)
			dg_run_case(i);
}

static int dg_setup(void)
{
	timer_setup(&dg_timer, dg_clean_timer_fn, 0);
	tasklet_setup(&dg_tasklet, dg_clean_tasklet_fn);
	INIT_WORK(&dg_work, dg_clean_work_fn);
	return 0;
}

static void dg_teardown(void)
{
	del_timer_sync(&dg_timer);
	tasklet_kill(&dg_tasklet);
	cancel_work_sync(&dg_work);
}

MODULE_DESCRIPTION("drvguard clean test driver: correct timer, tasklet and work callbacks");
