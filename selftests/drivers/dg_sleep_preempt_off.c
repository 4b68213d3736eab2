// SPDX-License-Identifier: GPL-2.0
/*
 * Misbehaving test driver for recovery's refusal: its trigger disables
 * preemption itself and then sleeps holding a spinlock.  Releasing the
 * lock would not make the sleep legal, so unlock_around must refuse and
 * report the violation as not recoverable, leaving the driver as it is.
 */
#include <linux/delay.h>
#include <linux/spinlock.h>

#include "dg_survive_sleep.h"
#include "dg_trigger.h"

static DEFINE_SPINLOCK(dg_state_lock);
static unsigned long dg_fired;

static noinline void dg_sleep_preempt_off_fire(void)
{
	int count;

	preempt_disable();
	spin_lock(&dg_state_lock);
	dg_fired++;
	count = preempt_count();
	msleep(1);
	dg_restore_preempt_count(count);
	spin_unlock(&dg_state_lock);
	preempt_enable();
}

static void dg_fire(void)
{
	dg_sleep_preempt_off_fire();
}

MODULE_DESCRIPTION("drvguard test driver: sleeps with preemption off and a spinlock held");
