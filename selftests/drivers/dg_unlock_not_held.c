// SPDX-License-Identifier: GPL-2.0
/*
 * Misbehaving test driver for the core pack's unlock_not_held rule:
 * spin_unlock() of a lock nobody holds.
 *
 * Real: the unlock is made as written, on a free lock.  Storing "unlocked"
 * into a free queued spinlock changes nothing, but spin_unlock() also
 * re-enables preemption, which would underflow the preempt count; the
 * preempt_disable() before it stands for the spin_lock() that is missing.
 * The guest kernel has no CONFIG_DEBUG_SPINLOCK, so only the monitor
 * reports the bug.
 */
#include <linux/preempt.h>
#include <linux/spinlock.h>

#include "dg_core.h"

static DEFINE_SPINLOCK(dg_lock);
static unsigned long dg_fired;

static noinline void dg_unlock_not_held_fire(void)
{
	preempt_disable();
	spin_unlock(&dg_lock);
	/* not a tail call: the report names the function of the call instruction */
	dg_fired++;
}

static void dg_fire(void)
{
	dg_unlock_not_held_fire();
}

MODULE_DESCRIPTION("drvguard test driver: releases a spinlock it does not hold");
