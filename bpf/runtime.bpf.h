/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The runtime every compiled pack links with (rules/emit.c writes the
 * rest).  Generic mechanics only: attribution to a driver, the frame of an
 * event, the two stores of resource state, entry point tracking and event
 * emission.  What a rule means is never written here; a pack's generated
 * code says which resource moves to which state on which event, and which
 * condition is a violation.
 *
 * Before including this file the pack defines DG_HELD_MASKS, the held
 * states of each of its resources, and DG_NR_CATALOG_APIS and
 * DG_API_LOCK_KINDS and DG_API_RELEASE_KINDS, how each catalog API takes a
 * lock (recover.bpf.h).
 */
#ifndef RUNTIME_BPF_H
#define RUNTIME_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "drvguard.h"
#include "maps.bpf.h"
#include "frame.bpf.h"
#include "held.bpf.h"
#include "objects.bpf.h"
#include "report.bpf.h"
#include "entry.bpf.h"
#include "recover.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Look up (@res, @key) in the store the resource lives in. */
static __always_inline int dg_lookup(struct dg_frame *f, __u32 res, bool is_held, __u64 key,
				     struct dg_view *v)
{
	struct dg_actor a;

	if (is_held) {
		dg_actor_of(&a, f);
		return dg_held_lookup_as(&a, res, key, v);
	}
	dg_object_find(f, res, key, v);
	return -1;
}

/*
 * A rule's `*p`: the 64-bit word at kernel address @p when the event
 * happens, e.g. the DMA handle dma_alloc_coherent() wrote through its
 * `handle` argument; 0 when it cannot be read.
 */
static __always_inline __u64 dg_read_u64(__u64 p)
{
	__u64 v = 0;

	if (bpf_probe_read_kernel(&v, sizeof(v), (const void *)p))
		return 0;
	return v;
}

/*
 * Apply a transition: (@res, @key) moves to state @to, storing @value (an
 * object also @value2 and @value3), if it is in one of @from_mask's
 * states.  A caller outside the monitored drivers only moves keys a driver
 * already tracks.
 */
static __always_inline void dg_transition(struct dg_frame *f, __u32 res, bool is_held,
					  __u64 key, __u32 from_mask, __u32 to, __u64 value,
					  __u64 value2, __u64 value3)
{
	struct dg_actor a;
	struct dg_move m;
	struct dg_view v;
	__u32 state;
	int cpu;

	/*
	 * A held resource is looked up where this context may hold it: a
	 * transition that can start a hold (from the initial state) is about
	 * this CPU only, since another CPU's entry is another holder (readers
	 * of an rwlock); a release looks further for this task's own entry.
	 */
	if (is_held) {
		dg_actor_of(&a, f);
		cpu = dg_held_state_as(&a, res, key, from_mask & 1 ? DG_HELD_OWN : DG_HELD_MINE,
				       &state);
		if (f->driver < 0 && cpu < 0)
			return;
		if (!(from_mask & (1u << (state & 31))))
			return;
		m.key = key;
		m.value = value;
		m.res = res;
		m.state = to;
		m.cpu = cpu;
		m.pad = 0;
		dg_held_move_as(&a, &m);
		return;
	}
	dg_object_find(f, res, key, &v);
	state = v.state == DG_STATE_UNKNOWN ? 0 : v.state;
	if (f->driver < 0 && !v.found)
		return;
	if (!(from_mask & (1u << (state & 31))))
		return;
	{
		/* scoped here: a held transition's call chain has no stack to spare */
		__u64 values[DG_MAX_VALUES] = { value, value2, value3 };

		dg_object_set_state(f, res, key, to, values);
	}
}

/* Whether the tracked state of @v is one of @mask's; an unknown state is none. */
static __always_inline bool dg_state_in(const struct dg_view *v, __u32 mask)
{
	return v->state != DG_STATE_UNKNOWN && (mask & (1u << (v->state & 31)));
}

/* ---- `each`: iteration over the tracked resources of one kind ---- */

/*
 * Entry @i of this CPU's held set, if it is a @res in @mask held by @f's
 * context: the resources an entry point still holds when it returns.
 */
static __always_inline bool dg_each_held(__u32 i, __u32 res, __u32 mask, struct dg_frame *f,
					 struct dg_view *v)
{
	__u32 zero = 0;
	struct dg_held_set *set = bpf_map_lookup_elem(&held, &zero);
	struct dg_held *h;

	if (!set || i >= set->depth || i >= DG_MAX_HELD || dg_tainted(f))
		return false;
	h = &set->slot[i];
	if (!dg_held_holding(dg_held_ident(h)) || h->res != res ||
	    !(mask & (1u << (h->state & 31))) || h->context != f->context ||
	    h->activation != f->activation)
		return false;
	if (f->context == DG_CTX_PROCESS && h->pid != f->pid)
		return false;
	__builtin_memset(v, 0, sizeof(*v));
	dg_view_of(v, h);
	return true;
}

/* Slot @i of the object table, if it is a @res in @mask that @f's driver owns. */
static __always_inline bool dg_each_object(__u32 i, __u32 res, __u32 mask, struct dg_frame *f,
					   struct dg_view *v)
{
	struct dg_object *o = bpf_map_lookup_elem(&objects, &i);
	__u64 key;

	if (!o || o->key <= DG_TOMBSTONE || (o->key >> 56) != res || o->driver != f->driver)
		return false;
	if (!(mask & (1u << (o->state & 31))))
		return false;
	/* stored keys keep 56 bits: sign-extend, kernel addresses have the top bits set */
	key = (o->key & 0x00ffffffffffffffULL) - 2;
	if (key & (1ULL << 55))
		key |= 0xff00000000000000ULL;
	__builtin_memset(v, 0, sizeof(*v));
	dg_object_view(v, o, key);
	return true;
}

struct dg_purge {
	__u32 driver;
};

static long dg_purge_slot(__u32 i, struct dg_purge *p)
{
	struct dg_object *o = bpf_map_lookup_elem(&objects, &i);

	if (!o || o->key <= DG_TOMBSTONE || o->driver != p->driver || !dg_object_claim(o))
		return 0;
	__sync_fetch_and_sub(&dg_object_live[(o->key >> 56) & (DG_MAX_RESOURCES - 1)], 1);
	o->state = 0;
	o->key = DG_TOMBSTONE;
	__sync_fetch_and_sub(&o->busy, 1);
	return 0;
}

/* ---- module lifecycle: keeps the driver table current (see entry.bpf.h) ---- */

SEC("fentry/do_init_module")
int BPF_PROG(dg_rt_module_init, struct module *mod)
{
	dg_module_arm(mod);
	return 0;
}

SEC("fexit/do_init_module")
int BPF_PROG(dg_rt_module_init_done, struct module *mod, int ret)
{
	dg_module_disarm(mod, false);
	return 0;
}

/*
 * The pack's own leak rules ran earlier, on the recovery module's unload
 * hook (entry.bpf.h); what they walked, and what reclaim_at_unload freed,
 * is forgotten here.  The loader still attaches it first.
 */
SEC("fentry/free_module")
int BPF_PROG(dg_rt_module_free, struct module *mod)
{
	struct dg_purge p;
	int driver = dg_driver_named(mod);

	if (driver < 0)
		return 0;
	/* a reloaded module starts with nothing tracked */
	p.driver = driver;
	bpf_loop(DG_OBJECTS, dg_purge_slot, &p, 0);
	dg_module_disarm(mod, true);
	return 0;
}

#endif /* RUNTIME_BPF_H */
