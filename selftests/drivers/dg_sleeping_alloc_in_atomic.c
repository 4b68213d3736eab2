// SPDX-License-Identifier: GPL-2.0
/*
 * Misbehaving test driver for the core pack's sleeping_alloc_in_atomic rule:
 * kmalloc(GFP_KERNEL) while holding a spinlock.
 *
 * Real: the call is made as written.  A small allocation is served from the
 * slab's free list and does not actually sleep, which is how this bug hides
 * in real drivers; the guest kernel has no CONFIG_DEBUG_ATOMIC_SLEEP, so it
 * does not complain, and only the monitor reports it.
 */
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "dg_core.h"

static DEFINE_SPINLOCK(dg_lock);
static unsigned long dg_allocated;

static noinline void dg_sleeping_alloc_in_atomic_fire(void)
{
	void *p;

	spin_lock(&dg_lock);
	p = kmalloc(64, GFP_KERNEL);
	if (p)
		dg_allocated++;
	spin_unlock(&dg_lock);
	kfree(p);
}

static void dg_fire(void)
{
	dg_sleeping_alloc_in_atomic_fire();
}

MODULE_DESCRIPTION("drvguard test driver: GFP_KERNEL allocation under a spinlock");
