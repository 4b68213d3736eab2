// SPDX-License-Identifier: GPL-2.0
/*
 * Misbehaving test driver for the core pack's double_free rule: the same
 * object given to kmem_cache_free() twice.
 *
 * Staged: a real second free corrupts the slab (SLUB's hardened free list
 * turns it into a kernel BUG).  Between the two kmem_cache_free() calls
 * the driver takes the object back with kmem_cache_alloc_bulk(), which the
 * monitor does not hook: SLUB's per-CPU free list is last in, first out, so
 * with preemption off, in a cache only this driver uses, the bulk
 * allocation returns the object just freed.  The second free then frees a
 * live object for the kernel, while the monitor, which saw no allocation
 * in between, sees the same pointer freed twice.  The driver says whether
 * the staging worked; if the cache handed out another object, it gives that
 * one back unseen too and frees nothing twice.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/preempt.h>
#include <linux/slab.h>

#define DG_HAS_SETUP
#include "dg_core.h"

static struct kmem_cache *dg_cache;

/* A constructor keeps SLUB from merging the cache with another one. */
static void dg_object_ctor(void *object)
{
}

static noinline void dg_double_free_fire(void)
{
	void *p, *again = NULL;

	preempt_disable();
	p = kmem_cache_alloc(dg_cache, GFP_ATOMIC);
	if (!p) {
		preempt_enable();
		return;
	}
	kmem_cache_free(dg_cache, p);
	if (!kmem_cache_alloc_bulk(dg_cache, GFP_ATOMIC, 1, &again))
		again = NULL;
	preempt_enable();
	if (again != p) {
		if (again)
			kmem_cache_free_bulk(dg_cache, 1, &again);
		pr_err("the cache did not hand the object back; bug not staged\n");
		return;
	}
	kmem_cache_free(dg_cache, p);
	pr_info("freed %px twice, reallocated unseen in between\n", p);
}

static void dg_fire(void)
{
	dg_double_free_fire();
}

static int dg_setup(void)
{
	dg_cache = kmem_cache_create(KBUILD_MODNAME, 64, 0, 0, dg_object_ctor);
	return dg_cache ? 0 : -ENOMEM;
}

static void dg_teardown(void)
{
	kmem_cache_destroy(dg_cache);
}

MODULE_DESCRIPTION("drvguard test driver: frees an object twice (staged)");
