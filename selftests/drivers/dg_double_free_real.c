// SPDX-License-Identifier: GPL-2.0
/*
 * Misbehaving test driver for recovery by skip_free: frees that must not
 * reach the allocator, made for real (dg_double_free and
 * dg_free_not_allocated stage theirs so that the kernel survives them).
 * What the trigger's number picks:
 *
 *  1: vfree() of an area twice: vfree() warns "Trying to vfree() nonexistent
 *     vm area" and does nothing, so the guest survives it without recovery.
 *  2: kfree() twice.  SLUB's hardened free list turns the second one into
 *     a kernel BUG: fire it only with recovery on.
 *  3: kfree() of a pointer into the middle of an allocation (never
 *     allocated as such), then of the allocation itself.  Recovery on only.
 *  4: the same allocations, each freed once: the driver still works.
 *  5: kmem_cache_free() of an object twice, in a cache with SLUB's
 *     consistency checks, which report a second free that reaches them
 *     ("Object already free").  Recovery on only: after such a report
 *     this kernel's debug cache was seen to go inconsistent and BUG on a
 *     later, correct free.  An object kept from setup to teardown keeps
 *     the slab from emptying at the first free (SLUB would give an empty
 *     slab back to the page allocator before the second free is checked).
 */
#include <linux/slab.h>
#include <linux/vmalloc.h>

#define DG_HAS_SETUP
#include "dg_core.h"

static struct kmem_cache *dg_cache;
static void *dg_keeper;

/* A constructor keeps SLUB from merging the cache with one without the checks. */
static void dg_object_ctor(void *object)
{
}

static noinline void dg_double_free_real_cache(void)
{
	void *p = kmem_cache_alloc(dg_cache, GFP_KERNEL);

	if (!p)
		return;
	kmem_cache_free(dg_cache, p);
	kmem_cache_free(dg_cache, p);
}

static noinline void dg_double_free_real_vfree(void)
{
	void *p = vmalloc(PAGE_SIZE);

	if (!p)
		return;
	vfree(p);
	vfree(p);
}

static noinline void dg_double_free_real_kfree(void)
{
	void *p = kmalloc(64, GFP_KERNEL);

	if (!p)
		return;
	preempt_disable();	/* the object stays at the head of this CPU's free list */
	kfree(p);
	kfree(p);
	preempt_enable();
}

static noinline void dg_double_free_real_interior(void)
{
	char *p = kmalloc(64, GFP_KERNEL);

	if (!p)
		return;
	kfree(p + 16);
	kfree(p);
}

static noinline void dg_double_free_real_clean(void)
{
	void *c = kmem_cache_alloc(dg_cache, GFP_KERNEL);
	void *v = vmalloc(PAGE_SIZE);
	void *k = kmalloc(64, GFP_KERNEL);

	if (c)
		kmem_cache_free(dg_cache, c);
	vfree(v);
	kfree(k);
}

static void dg_fire(void)
{
	switch (dg_trigger_arg) {
	case 2:
		dg_double_free_real_kfree();
		break;
	case 3:
		dg_double_free_real_interior();
		break;
	case 4:
		dg_double_free_real_clean();
		break;
	case 5:
		dg_double_free_real_cache();
		break;
	default:
		dg_double_free_real_vfree();
		break;
	}
}

static int dg_setup(void)
{
	dg_cache = kmem_cache_create(KBUILD_MODNAME, 64, 0, SLAB_CONSISTENCY_CHECKS,
				     dg_object_ctor);
	if (!dg_cache)
		return -ENOMEM;
	dg_keeper = kmem_cache_alloc(dg_cache, GFP_KERNEL);
	if (!dg_keeper) {
		kmem_cache_destroy(dg_cache);
		return -ENOMEM;
	}
	return 0;
}

static void dg_teardown(void)
{
	kmem_cache_free(dg_cache, dg_keeper);
	kmem_cache_destroy(dg_cache);
}

MODULE_DESCRIPTION("drvguard test driver: frees memory twice, and memory it never allocated");
