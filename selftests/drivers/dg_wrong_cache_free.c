// SPDX-License-Identifier: GPL-2.0
/*
 * Misbehaving test driver for the core pack's wrong_cache_free rule: an
 * object of one kmem_cache given back to another.
 *
 * Real: kmem_cache_free() gets the wrong cache.  With
 * CONFIG_SLAB_FREELIST_HARDENED, as in the guest kernel, SLUB checks the
 * cache, warns "Wrong slab cache" (the test's oracle) and frees the object
 * to the cache it came from, so nothing is corrupted.
 */
#include <linux/slab.h>

#define DG_HAS_SETUP
#include "dg_core.h"

static struct kmem_cache *dg_cache_a, *dg_cache_b;
static unsigned long dg_fired;

/* A constructor keeps SLUB from merging the two caches into one. */
static void dg_object_ctor(void *object)
{
}

static noinline void dg_wrong_cache_free_fire(void)
{
	void *p = kmem_cache_alloc(dg_cache_a, GFP_KERNEL);

	if (!p)
		return;
	kmem_cache_free(dg_cache_b, p);
	/* not a tail call: the report names the function of the call instruction */
	dg_fired++;
}

static void dg_fire(void)
{
	dg_wrong_cache_free_fire();
}

static int dg_setup(void)
{
	dg_cache_a = kmem_cache_create("dg_wrong_cache_a", 64, 0, 0, dg_object_ctor);
	dg_cache_b = kmem_cache_create("dg_wrong_cache_b", 64, 0, 0, dg_object_ctor);
	if (dg_cache_a && dg_cache_b)
		return 0;
	kmem_cache_destroy(dg_cache_a);
	kmem_cache_destroy(dg_cache_b);
	return -ENOMEM;
}

static void dg_teardown(void)
{
	kmem_cache_destroy(dg_cache_a);
	kmem_cache_destroy(dg_cache_b);
}

MODULE_DESCRIPTION("drvguard test driver: frees an object to the wrong kmem_cache");
