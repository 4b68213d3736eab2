// SPDX-License-Identifier: GPL-2.0
/*
 * gfp_atomic: an allocation the driver makes with sleeping GFP flags where
 * it may not sleep is made with GFP_ATOMIC instead, by rewriting the flags
 * argument of the call the monitor is watching (call_args.c).  The new
 * flags keep what says what memory to return and how (zeroed, silent, the
 * zone, accounting, the node and placement bits) and drop what says how
 * hard to try: direct and kswapd reclaim, IO, FS and the retry policy;
 * GFP_ATOMIC then adds the atomic reserves and kswapd.  The allocation may
 * fail where it would have slept: a driver that allocates in atomic
 * context must check for NULL anyway.  __GFP_NOFAIL is refused: the caller
 * relies on not failing, and GFP_ATOMIC cannot promise that.
 *
 * The table lists the allocators this action knows, with where their
 * flags go; an allocation made by a kernel helper on the driver's behalf
 * (kstrdup() and kmemdup() through __kmalloc_node_track_caller()) is not
 * the driver's own call and is not in it.
 */
#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/slab.h>

#include "recovery.h"

struct dg_alloc_fn {
	const void *fn;
	unsigned int nr_args;
	unsigned int flags;	/* the gfp_t's argument */
};

static const struct dg_alloc_fn dg_alloc_fns[] = {
	{ __kmalloc, 2, 1 },
	{ kmalloc_trace, 3, 1 },
	{ __kmalloc_node, 3, 1 },
	{ kmalloc_node_trace, 4, 1 },
	{ kmalloc_large, 2, 1 },
	{ kvmalloc_node, 3, 1 },
	{ krealloc, 3, 2 },
	{ kmem_cache_alloc, 2, 1 },
	{ kmem_cache_alloc_lru, 3, 2 },
	{ devm_kmalloc, 3, 2 },
	{ __alloc_skb, 4, 1 },
	{ __netdev_alloc_skb, 3, 2 },
	{ __napi_alloc_skb, 3, 2 },
	{ dma_alloc_attrs, 5, 3 },
};

/* How hard to try, and whether sleeping is allowed: what atomic context cannot honour. */
#define DG_GFP_EFFORT	(__GFP_RECLAIM | __GFP_IO | __GFP_FS | __GFP_NORETRY | \
			 __GFP_RETRY_MAYFAIL)

static const struct dg_alloc_fn *alloc_fn(u64 ip)
{
	for (int i = 0; i < ARRAY_SIZE(dg_alloc_fns); i++)
		if ((unsigned long)dg_alloc_fns[i].fn == ip)
			return &dg_alloc_fns[i];
	return NULL;
}

/*
 * kfunc: make the allocation the monitor is watching (function @ip,
 * trampoline context @ctx), called with @flags, an atomic one; the outcome.
 */
int dg_recover_gfp_atomic(u64 ctx, u64 ip, u64 flags)
{
	const struct dg_alloc_fn *f = alloc_fn(ip);
	gfp_t gfp = (gfp_t)flags, atomic;
	u64 *args;

	if (!f)
		return DG_RECOVERY_CANNOT_CHANGE;
	args = dg_call_args(ctx, ip, f->nr_args);
	if (!args)
		return DG_RECOVERY_CANNOT_CHANGE;
	if (gfp & __GFP_NOFAIL)
		return DG_RECOVERY_MUST_NOT_FAIL;
	atomic = (gfp & ~DG_GFP_EFFORT) | GFP_ATOMIC;
	if ((gfp_t)args[f->flags] == atomic)
		return DG_RECOVERY_DONE_ELSEWHERE;	/* another rule's gfp_atomic */
	if (dg_call_arg_replace(args, f->flags, gfp, (__force u64)atomic, 8 * sizeof(gfp_t)))
		return DG_RECOVERY_CALL_CHANGED;
	return DG_RECOVERY_DONE;
}
