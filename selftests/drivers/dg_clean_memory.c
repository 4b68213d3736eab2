// SPDX-License-Identifier: GPL-2.0
/*
 * Clean test driver for the core pack's memory rules: allocations that are
 * correct but not a plain kmalloc()-kfree() pair.  Writing N to the trigger
 * runs case N, 0 runs them all:
 *
 *  1  kfree(NULL), and kfree() of kmalloc(0)'s ZERO_SIZE_PTR
 *  2  krealloc() growing a block (it moves) and shrinking it (it stays)
 *  3  kfree_rcu()
 *  4  each allocator with its own free: kmalloc, kzalloc, kcalloc,
 *     kmalloc_array, kstrdup, kmemdup, krealloc(NULL) / kfree; vmalloc,
 *     vzalloc / vfree; kmem_cache_alloc, kmem_cache_zalloc / kmem_cache_free
 *  5  GFP_ATOMIC allocations under a spinlock
 *  6  buffers that outlive the trigger: each run frees the previous run's
 *     kmalloc, vmalloc and cache buffers and keeps new ones, and the exit
 *     routine frees the last
 *
 * The init routine also allocates one buffer of each kind, which the exit
 * routine frees: nothing leaks at unload.
 */
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#define DG_HAS_SETUP
#include "dg_core.h"

#define DG_NR_CASES	6

struct dg_rcu_object {
	unsigned long payload[4];
	struct rcu_head rcu;
};

static struct kmem_cache *dg_cache;
static DEFINE_SPINLOCK(dg_lock);
static void *dg_init_kmalloc, *dg_init_vmalloc, *dg_init_cached;
static void *dg_kept_kmalloc, *dg_kept_vmalloc, *dg_kept_cached;

/* A constructor keeps SLUB from merging the cache with another one. */
static void dg_object_ctor(void *object)
{
}

/* 1 */
static noinline void dg_clean_free_null(void)
{
	kfree(NULL);
	kfree(kmalloc(0, GFP_KERNEL));
}

/* 2 */
static noinline void dg_clean_krealloc(void)
{
	char *p = kmalloc(16, GFP_KERNEL), *q;

	if (!p)
		return;
	q = krealloc(p, 4096, GFP_KERNEL);
	if (!q) {
		kfree(p);
		return;
	}
	p = krealloc(q, 64, GFP_KERNEL);
	kfree(p ? p : q);
}

/* 3 */
static noinline void dg_clean_kfree_rcu(void)
{
	struct dg_rcu_object *o = kzalloc(sizeof(*o), GFP_KERNEL);

	if (o)
		kfree_rcu(o, rcu);
}

/* 4 */
static noinline void dg_clean_families(void)
{
	static const char text[] = "drvguard";
	void *p;

	kfree(kmalloc(100, GFP_KERNEL));
	kfree(kzalloc(200, GFP_KERNEL));
	kfree(kcalloc(4, 50, GFP_KERNEL));
	kfree(kmalloc_array(8, 16, GFP_KERNEL));
	kfree(kstrdup(text, GFP_KERNEL));
	kfree(kmemdup(text, sizeof(text), GFP_KERNEL));
	kfree(krealloc(NULL, 48, GFP_KERNEL));
	vfree(vmalloc(3 * PAGE_SIZE));
	vfree(vzalloc(PAGE_SIZE));
	p = kmem_cache_alloc(dg_cache, GFP_KERNEL);
	if (p)
		kmem_cache_free(dg_cache, p);
	p = kmem_cache_zalloc(dg_cache, GFP_KERNEL);
	if (p)
		kmem_cache_free(dg_cache, p);
}

/* 5 */
static noinline void dg_clean_atomic_alloc(void)
{
	unsigned long flags;
	void *p, *q;

	spin_lock(&dg_lock);
	p = kmalloc(64, GFP_ATOMIC);
	spin_unlock(&dg_lock);
	spin_lock_irqsave(&dg_lock, flags);
	q = kmem_cache_alloc(dg_cache, GFP_NOWAIT);
	if (q)
		kmem_cache_free(dg_cache, q);
	kfree(p);
	spin_unlock_irqrestore(&dg_lock, flags);
}

/* 6 */
static noinline void dg_clean_kept(void)
{
	kfree(dg_kept_kmalloc);
	vfree(dg_kept_vmalloc);
	if (dg_kept_cached)
		kmem_cache_free(dg_cache, dg_kept_cached);
	dg_kept_kmalloc = kmalloc(256, GFP_KERNEL);
	dg_kept_vmalloc = vmalloc(PAGE_SIZE);
	dg_kept_cached = kmem_cache_alloc(dg_cache, GFP_KERNEL);
}

/* Each case by a direct call, as a driver calls its own functions. */
static void dg_run_case(unsigned int i)
{
	switch (i) {
	case 1:
		dg_clean_free_null();
		break;
	case 2:
		dg_clean_krealloc();
		break;
	case 3:
		dg_clean_kfree_rcu();
		break;
	case 4:
		dg_clean_families();
		break;
	case 5:
		dg_clean_atomic_alloc();
		break;
	case 6:
		dg_clean_kept();
		break;
	}
}

static void dg_fire(void)
{
	for (unsigned int i = 1; i <= DG_NR_CASES; i++)
		if (!dg_trigger_arg || dg_trigger_arg == i)
			dg_run_case(i);
}

static int dg_setup(void)
{
	dg_cache = kmem_cache_create(KBUILD_MODNAME, 96, 0, 0, dg_object_ctor);
	if (!dg_cache)
		return -ENOMEM;
	dg_init_kmalloc = kmalloc(512, GFP_KERNEL);
	dg_init_vmalloc = vmalloc(2 * PAGE_SIZE);
	dg_init_cached = kmem_cache_alloc(dg_cache, GFP_KERNEL);
	return 0;
}

static void dg_teardown(void)
{
	kfree(dg_init_kmalloc);
	vfree(dg_init_vmalloc);
	if (dg_init_cached)
		kmem_cache_free(dg_cache, dg_init_cached);
	kfree(dg_kept_kmalloc);
	vfree(dg_kept_vmalloc);
	if (dg_kept_cached)
		kmem_cache_free(dg_cache, dg_kept_cached);
	/* kfree_rcu() objects are not in the cache: kmem_cache_destroy() need not wait */
	kmem_cache_destroy(dg_cache);
}

MODULE_DESCRIPTION("drvguard clean test driver: correct but unusual allocation and freeing");
