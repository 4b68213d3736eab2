// SPDX-License-Identifier: GPL-2.0
/*
 * Misbehaving test driver for recovery by gfp_atomic: allocations with
 * sleeping GFP flags under a spinlock, with flags recovery must keep.
 * What the trigger's number picks:
 *
 *  1: kzalloc(GFP_KERNEL) under spin_lock(): the memory must come back
 *     zeroed whatever flags the allocator was finally given;
 *  2: kmem_cache_alloc(GFP_KERNEL | __GFP_NOWARN) under spin_lock_irqsave();
 *  3: kmalloc(GFP_KERNEL | __GFP_NOFAIL) under spin_lock(): recovery must
 *     refuse, an atomic allocation may fail.
 *
 * Small allocations are served from the free lists without sleeping, and
 * the guest kernel has no CONFIG_DEBUG_ATOMIC_SLEEP: the kernel records the
 * flags it was given (the kmem trace events) but does not complain.  The
 * sizes are odd ones, for the test to find these allocations in the trace
 * (its call sites name the monitor's trampoline, not the driver).  The
 * parameters count what came back, for the test to check.
 */
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#define DG_HAS_SETUP
#include "dg_core.h"

/* bytes_req in the kmem trace */
#define DG_KZALLOC_SIZE	731
#define DG_CACHE_SIZE	613
#define DG_NOFAIL_SIZE	719

static DEFINE_SPINLOCK(dg_lock);
static struct kmem_cache *dg_cache;
static unsigned int allocated, failed, not_zeroed;
module_param(allocated, uint, 0444);
module_param(failed, uint, 0444);
module_param(not_zeroed, uint, 0444);

static void dg_count(const char *p, size_t size, bool zeroed)
{
	if (!p) {
		failed++;
		return;
	}
	allocated++;
	if (zeroed && memchr_inv(p, 0, size))
		not_zeroed++;
}

static noinline void dg_alloc_atomic_flags_kzalloc(void)
{
	char *p;

	spin_lock(&dg_lock);
	p = kzalloc(DG_KZALLOC_SIZE, GFP_KERNEL);
	dg_count(p, DG_KZALLOC_SIZE, true);
	spin_unlock(&dg_lock);
	kfree(p);
}

static noinline void dg_alloc_atomic_flags_cache(void)
{
	unsigned long flags;
	void *p;

	spin_lock_irqsave(&dg_lock, flags);
	p = kmem_cache_alloc(dg_cache, GFP_KERNEL | __GFP_NOWARN);
	dg_count(p, 0, false);
	spin_unlock_irqrestore(&dg_lock, flags);
	if (p)
		kmem_cache_free(dg_cache, p);
}

static noinline void dg_alloc_atomic_flags_nofail(void)
{
	void *p;

	spin_lock(&dg_lock);
	p = kmalloc(DG_NOFAIL_SIZE, GFP_KERNEL | __GFP_NOFAIL);
	dg_count(p, 0, false);
	spin_unlock(&dg_lock);
	kfree(p);
}

static void dg_fire(void)
{
	switch (dg_trigger_arg) {
	case 2:
		dg_alloc_atomic_flags_cache();
		break;
	case 3:
		dg_alloc_atomic_flags_nofail();
		break;
	default:
		dg_alloc_atomic_flags_kzalloc();
		break;
	}
}

/* A constructor keeps SLUB from merging the cache with another one. */
static void dg_object_ctor(void *object)
{
}

static int dg_setup(void)
{
	dg_cache = kmem_cache_create(KBUILD_MODNAME, DG_CACHE_SIZE, 0, 0, dg_object_ctor);
	return dg_cache ? 0 : -ENOMEM;
}

static void dg_teardown(void)
{
	kmem_cache_destroy(dg_cache);
}

MODULE_DESCRIPTION("drvguard test driver: GFP_KERNEL allocations under a spinlock, kept flags");
