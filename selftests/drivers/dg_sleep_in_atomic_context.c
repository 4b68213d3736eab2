// SPDX-License-Identifier: GPL-2.0
/*
 * Misbehaving test driver for the core pack's sleep_in_atomic_context rule:
 * its tasklet calls msleep(), in softirq context, where there is no task the
 * driver may put to sleep.
 *
 * Real: the msleep() really sleeps, and with preempt=full the kernel reports
 * "BUG: scheduling while atomic" itself, which the test takes as its oracle.
 * Kept survivable: the tasklet runs at a local_bh_enable() of a kthread
 * bound to one CPU, so the softirq that sleeps is always that thread's, never
 * the idle task's or an interrupted stranger's, and the thread wakes up on
 * the CPU whose irq stack it sleeps on.  After the sleep the tasklet puts
 * back the preempt count the scheduler dropped (see dg_sleep_atomic.c).
 */
#include <linux/bottom_half.h>
#include <linux/delay.h>
#include <linux/interrupt.h>

#define DG_HAS_SETUP
#include "dg_core.h"

static struct tasklet_struct dg_tasklet;

static void dg_restore_preempt_count(int before)
{
	int now = preempt_count();

	if (now < before)
		preempt_count_add(before - now);
}

/* The bug: a sleep in a tasklet. */
static void dg_sleep_in_atomic_context_fire(struct tasklet_struct *t)
{
	int count = preempt_count();

	msleep(1);
	dg_restore_preempt_count(count);
}

/* Runs in the bound kthread: the tasklet runs inside local_bh_enable(). */
static int dg_run_tasklet(void *unused)
{
	local_bh_disable();
	tasklet_schedule(&dg_tasklet);
	local_bh_enable();
	return 0;
}

static void dg_fire(void)
{
	dg_run_on_cpu(raw_smp_processor_id(), dg_run_tasklet, NULL);
}

static int dg_setup(void)
{
	tasklet_setup(&dg_tasklet, dg_sleep_in_atomic_context_fire);
	return 0;
}

static void dg_teardown(void)
{
	tasklet_kill(&dg_tasklet);
}

MODULE_DESCRIPTION("drvguard test driver: sleeps in a tasklet");
