// SPDX-License-Identifier: GPL-2.0
/*
 * skip_free: a free the monitor found wrong (a double free, memory the
 * driver never allocated, a free with the wrong deallocator or to the wrong
 * cache) must not reach the allocator.  The free cannot be skipped from an
 * fentry program, so its pointer argument is replaced (call_args.c) by one
 * the deallocator treats as nothing to do:
 *
 *  - NULL, for the deallocators that return at once on NULL on this kernel
 *    (kfree(), kfree_sensitive(), kvfree(), vfree(), devm_kfree() and the
 *    skb frees that go through skb_unref() or test for NULL first);
 *  - for kmem_cache_free(), which has no NULL test (cache_from_obj() looks
 *    the object's slab up first), a stand-in: a fresh object of the
 *    module's own cache, and that cache, so the call frees what it was
 *    just given.  When none can be had without sleeping, refuse.
 *
 * Any other deallocator (__kfree_skb(), ...) is refused: the table below is
 * the list of calls this action knows to be safe to change.
 */
#include <linux/device.h>
#include <linux/gfp.h>
#include <linux/hardirq.h>
#include <linux/mm.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "recovery.h"

struct dg_free_fn {
	const void *fn;
	unsigned int nr_args;
	unsigned int ptr;	/* the pointer's argument */
	int cache;		/* the cache's argument, or -1: NULL is a no-op */
};

static const struct dg_free_fn dg_free_fns[] = {
	{ kfree, 1, 0, -1 },
	{ kfree_sensitive, 1, 0, -1 },
	{ kvfree, 1, 0, -1 },
	{ vfree, 1, 0, -1 },
	{ devm_kfree, 2, 1, -1 },
	{ kmem_cache_free, 2, 1, 0 },
	{ kfree_skb_reason, 2, 0, -1 },
	{ consume_skb, 1, 0, -1 },
	{ __dev_kfree_skb_any, 2, 0, -1 },
	{ __dev_kfree_skb_irq, 2, 0, -1 },
	{ napi_consume_skb, 2, 0, -1 },
};

/* Stand-ins for kmem_cache_free(): freed by the very call they are handed to. */
static struct kmem_cache *stand_in_cache;

int dg_skip_free_init(void)
{
	stand_in_cache = kmem_cache_create("drvguard_stand_in", sizeof(u64), 0, 0, NULL);
	return stand_in_cache ? 0 : -ENOMEM;
}

void dg_skip_free_exit(void)
{
	kmem_cache_destroy(stand_in_cache);
}

static const struct dg_free_fn *free_fn(u64 ip)
{
	for (int i = 0; i < ARRAY_SIZE(dg_free_fns); i++)
		if ((unsigned long)dg_free_fns[i].fn == ip)
			return &dg_free_fns[i];
	return NULL;
}

/* kmem_cache_free(cache, @ptr) becomes kmem_cache_free(stand_in_cache, fresh object). */
static int stand_in(u64 *args, const struct dg_free_fn *f, u64 ptr)
{
	void *obj;

	if (args[f->cache] == (unsigned long)stand_in_cache)
		return DG_RECOVERY_DONE_ELSEWHERE;
	if (args[f->ptr] != ptr)
		return DG_RECOVERY_CALL_CHANGED;
	if (in_nmi())
		return DG_RECOVERY_NO_STAND_IN;
	obj = kmem_cache_alloc(stand_in_cache, GFP_NOWAIT | __GFP_NOWARN);
	if (!obj)
		return DG_RECOVERY_NO_STAND_IN;
	args[f->cache] = (unsigned long)stand_in_cache;
	args[f->ptr] = (unsigned long)obj;
	return DG_RECOVERY_DONE;
}

/*
 * kfunc: keep the free the monitor is watching (function @ip, trampoline
 * context @ctx) of @ptr from reaching the allocator; the outcome.
 */
int dg_recover_skip_free(u64 ctx, u64 ip, u64 ptr)
{
	const struct dg_free_fn *f = free_fn(ip);
	u64 *args;

	if (!f)
		return DG_RECOVERY_CANNOT_CHANGE;
	args = dg_call_args(ctx, ip, f->nr_args);
	if (!args)
		return DG_RECOVERY_CANNOT_CHANGE;
	if (!ptr)
		return DG_RECOVERY_CALL_CHANGED;
	if (f->cache >= 0)
		return stand_in(args, f, ptr);
	if (!args[f->ptr])
		return DG_RECOVERY_DONE_ELSEWHERE;	/* another rule's skip_free */
	if (dg_call_arg_replace(args, f->ptr, ptr, 0, 64))
		return DG_RECOVERY_CALL_CHANGED;
	return DG_RECOVERY_DONE;
}
