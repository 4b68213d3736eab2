// SPDX-License-Identifier: GPL-2.0
/*
 * Misbehaving test driver for the core pack's mismatched_free rule: vfree()
 * of memory kmalloc() returned.
 *
 * Real: vfree() gets the kmalloc() pointer.  It finds no vmalloc area there,
 * warns "Trying to vfree() bad address" (the test's oracle) and frees
 * nothing; the driver then frees the memory with kfree(), as it should have.
 * (The other direction, kfree() of vmalloc() memory, crashes the kernel.)
 */
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "dg_core.h"

static noinline void dg_mismatched_free_fire(void)
{
	void *p = kmalloc(64, GFP_KERNEL);

	if (!p)
		return;
	vfree(p);
	kfree(p);
}

static void dg_fire(void)
{
	dg_mismatched_free_fire();
}

MODULE_DESCRIPTION("drvguard test driver: vfree() of kmalloc() memory");
