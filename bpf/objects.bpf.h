/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The object table: resources the driver as a whole owns (allocations,
 * IRQs, DMA mappings, registered devices), keyed by address or number, in
 * one open-addressed hash table per pack.  Any CPU may allocate and any may
 * free, so this state is global; and since kfree() and friends are also
 * called inside lock paths, the table takes no lock either:
 *
 * - a slot is claimed for a key with compare-and-swap on its key word;
 * - a slot's fields are updated under the slot's own atomic `busy` claim,
 *   and a program that finds it claimed skips the update and counts it;
 * - a key going back to its resource's initial state leaves a tombstone,
 *   which a later insert may reuse.
 *
 * A key that finds no free slot within DG_OBJECT_PROBES is not tracked; the
 * resource is then marked lossy, and from then on rules read an unknown key
 * as "unknown" rather than "never seen", so that a full table can cost
 * reports but never produce a false one.  The same holds for a driver whose
 * load the monitors did not see: what it allocated before is not in here.
 */
#ifndef OBJECTS_BPF_H
#define OBJECTS_BPF_H

#include "held.bpf.h"

#define DG_OBJECT_PROBES	16
#define DG_TOMBSTONE		1ULL	/* no real key is 1: pointers and irq numbers + 2 */

struct dg_object {
	__u64 key;		/* 0: empty, DG_TOMBSTONE: reusable */
	__u64 value;		/* what the transition stored (`with`), e.g. the cache */
	__u64 value2, value3;	/* its second and third values (`with size, dev, dir`) */
	__u64 site;
	__u32 api;
	__u32 pid;
	__u32 busy;
	__u8 res;
	__u8 state;
	__u8 context;
	__u8 driver;
	__u32 cpu;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, DG_OBJECTS);
	__type(key, __u32);
	__type(value, struct dg_object);
} objects SEC(".maps");

/* Set when a key of the resource could not be tracked. */
__u32 dg_object_lossy[DG_MAX_RESOURCES];

/* Keys are stored shifted by 2 so that key 0 (irq 0, a NULL pointer) is a real key. */
static __always_inline __u64 dg_object_key(__u32 res, __u64 key)
{
	return ((key + 2) & 0x00ffffffffffffffULL) | ((__u64)res << 56);
}

static __always_inline __u32 dg_object_hash(__u64 stored)
{
	return (__u32)((stored * 0x9E3779B97F4A7C15ULL) >> 40) & (DG_OBJECTS - 1);
}

/* The slot of (@res, @key), or NULL; @free gets the first reusable slot seen. */
static __always_inline struct dg_object *dg_object_slot(__u32 res, __u64 key,
							 struct dg_object **free)
{
	__u64 stored = dg_object_key(res, key);
	__u32 h = dg_object_hash(stored);

	*free = NULL;
	for (__u32 i = 0; i < DG_OBJECT_PROBES; i++) {
		__u32 idx = (h + i) & (DG_OBJECTS - 1);
		struct dg_object *o = bpf_map_lookup_elem(&objects, &idx);

		if (!o)
			return NULL;
		if (o->key == stored)
			return o;
		if (o->key == DG_TOMBSTONE && !*free)
			*free = o;
		if (!o->key) {
			if (!*free)
				*free = o;
			return NULL;
		}
	}
	return NULL;
}

static __always_inline void dg_object_view(struct dg_view *v, const struct dg_object *o,
					   __u64 key)
{
	v->key = key;
	v->value = o->value;
	v->value2 = o->value2;
	v->value3 = o->value3;
	v->cpu = o->cpu;
	v->site = o->site;
	v->api = o->api;
	v->pid = o->pid;
	v->state = o->state;
	v->context = o->context;
	v->found = 1;
}

static __always_inline void dg_object_find(struct dg_frame *f, __u32 res, __u64 key,
					   struct dg_view *v)
{
	__u32 r = res & (DG_MAX_RESOURCES - 1);
	struct dg_object *o, *free;

	__builtin_memset(v, 0, sizeof(*v));
	v->key = key;
	o = dg_object_live[r] ? dg_object_slot(res, key, &free) : NULL;
	if (o)
		dg_object_view(v, o, key);
	else if (dg_object_lossy[r] || !f->observed)
		v->state = DG_STATE_UNKNOWN;
}

static __always_inline bool dg_object_claim(struct dg_object *o)
{
	if (__sync_fetch_and_add(&o->busy, 1) == 0)
		return true;
	__sync_fetch_and_sub(&o->busy, 1);
	dg_count(DG_CNT_CONTENDED);
	return false;
}

/*
 * Move (@res, @key) to @state on behalf of @f, storing the transition's
 * values @v (DG_MAX_VALUES of them); state 0 forgets the key.
 */
static __always_inline void dg_object_set_state(struct dg_frame *f, __u32 res, __u64 key,
						__u32 state, const __u64 *v)
{
	__u32 r = res & (DG_MAX_RESOURCES - 1);
	__u64 stored = dg_object_key(res, key);
	struct dg_object *o, *free;

	o = dg_object_slot(res, key, &free);
	if (!o && state) {
		__u64 old = free ? free->key : 0;

		if (free && (old == 0 || old == DG_TOMBSTONE) &&
		    __sync_val_compare_and_swap(&free->key, old, stored) == old) {
			o = free;
			__sync_fetch_and_add(&dg_object_live[r], 1);
		} else {
			dg_object_lossy[r] = 1;
			dg_count(DG_CNT_OBJECT_OVERFLOW);
			return;
		}
	}
	if (!o || !dg_object_claim(o))
		return;
	if (!state) {
		o->state = 0;
		o->key = DG_TOMBSTONE;
		__sync_fetch_and_sub(&dg_object_live[r], 1);
	} else {
		o->res = res;
		o->state = state;
		o->value = v[0];
		o->value2 = v[1];
		o->value3 = v[2];
		o->cpu = bpf_get_smp_processor_id();
		o->site = f->site;
		o->api = f->api;
		o->pid = f->pid;
		o->context = f->context;
		if (f->driver >= 0)
			o->driver = f->driver;
	}
	__sync_fetch_and_sub(&o->busy, 1);
}

#endif /* OBJECTS_BPF_H */
