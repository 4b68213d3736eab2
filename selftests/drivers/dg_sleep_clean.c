// SPDX-License-Identifier: GPL-2.0
/*
 * Clean twin of dg_sleep_atomic: the same spin_lock, spin_unlock and msleep
 * calls, with the sleep after the unlock.  A monitor that reports anything
 * here raises a false alarm.
 */
#include <linux/delay.h>
#include <linux/spinlock.h>

#include "dg_trigger.h"

static DEFINE_SPINLOCK(dg_state_lock);
static unsigned long dg_fired;

static noinline void dg_sleep_clean_fire(void)
{
	spin_lock(&dg_state_lock);
	dg_fired++;
	spin_unlock(&dg_state_lock);
	msleep(1);
}

static void dg_fire(void)
{
	dg_sleep_clean_fire();
}

MODULE_DESCRIPTION("drvguard test driver: clean twin of dg_sleep_atomic");
