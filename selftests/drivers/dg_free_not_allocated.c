// SPDX-License-Identifier: GPL-2.0
/*
 * Misbehaving test driver for the core pack's free_not_allocated rule: the
 * driver frees a pointer the monitors never saw it allocate.
 *
 * Staged: freeing memory nobody allocated corrupts the kernel.  The driver
 * allocates the object with kmem_cache_alloc_bulk(), which the monitor does
 * not hook, and frees it with kmem_cache_free(), which it does.  The kernel
 * sees a valid allocation and free; the monitor, which watched the driver
 * since it loaded, sees a free of a pointer the driver never allocated.
 */
#include <linux/slab.h>

#define DG_HAS_SETUP
#include "dg_core.h"

static struct kmem_cache *dg_cache;

/* A constructor keeps SLUB from merging the cache with another one. */
static void dg_object_ctor(void *object)
{
}

static noinline void dg_free_not_allocated_fire(void)
{
	void *p;

	if (!kmem_cache_alloc_bulk(dg_cache, GFP_KERNEL, 1, &p))
		return;
	kmem_cache_free(dg_cache, p);
}

static void dg_fire(void)
{
	dg_free_not_allocated_fire();
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

MODULE_DESCRIPTION("drvguard test driver: frees a pointer it never allocated (staged)");
