/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The held set: resources that belong to an execution context rather than
 * to the driver as a whole (spinlocks, rwlocks, mutexes, disabled irqs),
 * kept as one small stack per CPU.  A rule asks how many of them the current
 * context holds; that is what "sleeping with a spinlock held" is about.
 *
 * A spinlock pins its holder to the CPU, so per-CPU state is the right home,
 * and it needs no lock: every update of a CPU's stack first claims it with
 * an atomic increment, and a program that finds it claimed (a nested
 * program on the same CPU, or another CPU fixing up a migrated entry) skips
 * the update and counts it (DG_CNT_CONTENDED).  Nothing here spins, so
 * nothing here can deadlock inside a lock path.
 *
 * While recovery has a driver's locks released around a blocking call,
 * their entries stay, marked released: lookups and counts pass over them,
 * so another task may take the lock meanwhile, and the relock unmarks them.
 *
 * Each entry records its holder's pid and context.  A task that sleeps with
 * a lock held (the bug reported here) may wake on another CPU and release it
 * there, and sleeping locks migrate with their holder by design, so lookups
 * scan the other CPUs' stacks when the own one misses, with bpf_loop so the
 * verifier sees the scan once.
 */
#ifndef HELD_BPF_H
#define HELD_BPF_H

#include "frame.bpf.h"

/* The pack defines DG_HELD_MASKS: per resource, the states that count as held. */
static const __u32 dg_held_masks[DG_MAX_RESOURCES] = DG_HELD_MASKS;

struct dg_held {
	__u64 key;
	__u64 value;		/* what the transition stored (`with`), e.g. irq flags */
	__u64 activation;	/* the interrupt run that took it (0: process context) */
	__u64 site;		/* call site of the transition into the current state */
	__u32 api;
	__u32 pid;
	__u8 res;
	__u8 state;
	__u8 context;
	__u8 driver;
	__u8 released;		/* let go by recovery around a blocking call (recover.bpf.h) */
	__u8 pad[3];
};

struct dg_held_set {
	__u32 depth;
	__u32 busy;		/* claimed by a program updating this stack */
	struct dg_held slot[DG_MAX_HELD];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dg_held_set);
} held SEC(".maps");

/* Set when an entry of the resource could not be tracked (a CPU's set was full). */
__u32 dg_held_lossy[DG_MAX_RESOURCES];

/* What a rule sees of one tracked resource. */
struct dg_view {
	__u64 key;
	__u64 value;
	__u64 site;
	__u32 api;
	__u32 pid;
	__u32 state;		/* 0: the initial state, i.e. not tracked; or DG_STATE_UNKNOWN */
	__u32 context;
	__u32 count;		/* held(): matching entries */
	__u32 found;
	__u32 cpu;		/* where it was taken (held) or last moved (objects) */
	__u32 pad;
};

#define DG_STATE_UNKNOWN	0xffU	/* not tracked, and the store lost keys of this kind */

static __always_inline bool dg_set_claim(struct dg_held_set *set)
{
	if (__sync_fetch_and_add(&set->busy, 1) == 0)
		return true;
	__sync_fetch_and_sub(&set->busy, 1);
	dg_count(DG_CNT_CONTENDED);
	return false;
}

static __always_inline void dg_set_release(struct dg_held_set *set)
{
	__sync_fetch_and_sub(&set->busy, 1);
}

static __always_inline void dg_view_of(struct dg_view *v, const struct dg_held *h)
{
	v->key = h->key;
	v->value = h->value;
	v->site = h->site;
	v->api = h->api;
	v->pid = h->pid;
	v->state = h->state;
	v->context = h->context;
	v->found = 1;
}

/* Whether entry @h of @cpu's set is current: an interrupt's entries die with its run. */
static __always_inline bool dg_held_current(const struct dg_held *h, __u32 cpu)
{
	return !h->activation || h->activation == dg_activation_on(h->context, cpu);
}

/* Index of current (@res, @key) in @cpu's @set, or -1.  Unclaimed read: a torn entry only misses. */
static __always_inline int dg_held_index(struct dg_held_set *set, __u32 res, __u64 key, __u32 cpu)
{
	for (int i = 0; i < DG_MAX_HELD; i++) {
		if (i >= set->depth)
			break;
		if (set->slot[i].key == key && set->slot[i].res == res &&
		    !set->slot[i].released && dg_held_current(&set->slot[i], cpu))
			return i;
	}
	return -1;
}

/* Where dg_held_find looks. */
enum dg_held_scope {
	DG_HELD_ANY,	/* every CPU: what a rule asks about a lock */
	DG_HELD_OWN,	/* this CPU only: a new hold is this context's own */
	DG_HELD_MINE,	/* this CPU, then the others' entries of this task (it migrated) */
};

struct dg_held_scan {
	__u64 key;
	__u32 res;
	__u32 skip_cpu;
	__u32 pid;		/* DG_HELD_MINE: only this task's entries; 0: any */
	__u32 pad2;
	__s32 found_cpu;
	__u32 pad;
	struct dg_view view;
};

static long dg_held_scan_cpu(__u32 cpu, struct dg_held_scan *s)
{
	__u32 zero = 0;
	struct dg_held_set *set;
	int i;

	if (cpu == s->skip_cpu)
		return 0;
	set = bpf_map_lookup_percpu_elem(&held, &zero, cpu);
	if (!set)
		return 0;
	i = dg_held_index(set, s->res, s->key, cpu);
	if (i < 0 || i >= DG_MAX_HELD)
		return 0;
	if (s->pid && set->slot[i].pid != s->pid)
		return 0;
	dg_view_of(&s->view, &set->slot[i]);
	s->view.cpu = cpu;
	s->found_cpu = cpu;
	return 1;
}

/* Look up (@res, @key) on this CPU, then as @scope says; returns its CPU or -1. */
static __always_inline int dg_held_find(struct dg_frame *f, __u32 res, __u64 key,
					enum dg_held_scope scope, struct dg_view *v)
{
	struct dg_held_scan s = { .key = key, .res = res, .found_cpu = -1 };
	__u32 zero = 0, cpu = bpf_get_smp_processor_id();
	struct dg_held_set *set;
	int i;

	__builtin_memset(v, 0, sizeof(*v));
	v->key = key;
	if (dg_held_lossy[res & (DG_MAX_RESOURCES - 1)])
		v->state = DG_STATE_UNKNOWN;	/* until found */
	if (res >= DG_MAX_RESOURCES || !dg_held_live[res & (DG_MAX_RESOURCES - 1)])
		return -1;
	set = bpf_map_lookup_elem(&held, &zero);
	if (!set)
		return -1;
	i = dg_held_index(set, res, key, cpu);
	if (i >= 0 && i < DG_MAX_HELD) {
		dg_view_of(v, &set->slot[i]);
		v->cpu = cpu;
		return cpu;
	}
	if (scope == DG_HELD_OWN)
		return -1;
	s.skip_cpu = cpu;
	if (scope == DG_HELD_MINE && f->context == DG_CTX_PROCESS)
		s.pid = f->pid;
	bpf_loop(nr_cpus, dg_held_scan_cpu, &s, 0);
	if (s.found_cpu >= 0) {
		*v = s.view;
		dg_count(DG_CNT_MIGRATED);
	}
	return s.found_cpu;
}

/* Remove slot @i of a claimed @set. */
static __always_inline void dg_held_remove(struct dg_held_set *set, int i)
{
	__u32 depth = set->depth;

	if (depth > DG_MAX_HELD)
		depth = DG_MAX_HELD;
	for (int j = 0; j < DG_MAX_HELD - 1; j++) {
		if (j < i)
			continue;
		if (j + 1 >= depth)
			break;
		set->slot[j] = set->slot[j + 1];
	}
	if (depth)
		set->depth = depth - 1;
}

/* Drop the entries of a claimed @set (this CPU's) whose interrupt run is over. */
static __always_inline void dg_held_purge(struct dg_held_set *set, __u32 cpu)
{
	for (int i = DG_MAX_HELD - 1; i >= 0; i--) {
		if (i >= set->depth || dg_held_current(&set->slot[i], cpu))
			continue;
		__sync_fetch_and_sub(&dg_held_live[set->slot[i].res & (DG_MAX_RESOURCES - 1)], 1);
		dg_held_remove(set, i);
	}
}

/*
 * Move (@res, @key) to @state on behalf of @f.  The entry lives on @cpu
 * (from dg_held_find), or is pushed on this CPU when new.  State 0 removes it.
 */
static __always_inline void dg_held_set_state(struct dg_frame *f, __u32 res, __u64 key,
					      __u32 state, __u64 value, int cpu)
{
	__u32 zero = 0, r = res & (DG_MAX_RESOURCES - 1);
	struct dg_held_set *set;
	int i;

	set = cpu < 0 ? bpf_map_lookup_elem(&held, &zero) :
			bpf_map_lookup_percpu_elem(&held, &zero, cpu);
	if (!set || !dg_set_claim(set))
		return;
	i = cpu < 0 ? -1 : dg_held_index(set, res, key, cpu);
	if (i < 0 && state) {
		__u32 depth;

		dg_held_purge(set, bpf_get_smp_processor_id());
		depth = set->depth;

		if (depth < DG_MAX_HELD) {
			i = depth;
			set->depth = depth + 1;
			__sync_fetch_and_add(&dg_held_live[r], 1);
		} else {
			dg_held_lossy[r] = 1;
			dg_count(DG_CNT_HELD_OVERFLOW);
		}
	}
	if (i >= 0 && i < DG_MAX_HELD) {
		if (!state) {
			dg_held_remove(set, i);
			__sync_fetch_and_sub(&dg_held_live[r], 1);
		} else {
			struct dg_held *h = &set->slot[i];

			h->key = key;
			h->value = value;
			h->activation = f->activation;
			h->res = res;
			h->state = state;
			h->site = f->site;
			h->api = f->api;
			h->pid = f->pid;
			h->context = f->context;
			if (f->driver >= 0)
				h->driver = f->driver;
		}
	}
	dg_set_release(set);
}

struct dg_held_count {
	__u64 activation;	/* the current run of the context */
	__u32 res_mask;		/* resources to count */
	__u32 pid;
	__u32 context;
	__u32 skip_cpu;
	struct dg_view last;
};

/* Whether @h is a held resource of @c's kinds, held by @c's context. */
static __always_inline bool dg_held_counts(const struct dg_held *h, struct dg_held_count *c)
{
	__u32 res = h->res & (DG_MAX_RESOURCES - 1);

	if (!(c->res_mask & (1u << res)) || !(dg_held_masks[res] & (1u << (h->state & 31))) ||
	    h->released)
		return false;
	if (h->context != c->context || h->activation != c->activation)
		return false;
	/* in process context, a lock another task holds is that task's business */
	return c->context != DG_CTX_PROCESS || h->pid == c->pid;
}

static __always_inline void dg_held_count_set(struct dg_held_set *set, struct dg_held_count *c)
{
	for (int i = 0; i < DG_MAX_HELD; i++) {
		__u32 count;

		if (i >= set->depth)
			break;
		if (!dg_held_counts(&set->slot[i], c))
			continue;
		count = c->last.count;
		dg_view_of(&c->last, &set->slot[i]);
		c->last.count = count + 1;
	}
}

static long dg_held_count_cpu(__u32 cpu, struct dg_held_count *c)
{
	__u32 zero = 0;
	struct dg_held_set *set;

	if (cpu == c->skip_cpu)
		return 0;
	set = bpf_map_lookup_percpu_elem(&held, &zero, cpu);
	if (set)
		dg_held_count_set(set, c);
	return 0;
}

/*
 * How many resources of @res_mask the current context holds; @last gets the
 * most recently taken one.  In process context the holder may have migrated,
 * so the other CPUs are counted first, then this one, whose entries are the
 * most recent.
 */
static __always_inline __u32 dg_held_count(struct dg_frame *f, __u32 res_mask,
					   struct dg_view *last)
{
	struct dg_held_count c = {
		.activation = f->activation, .res_mask = res_mask, .pid = f->pid,
		.context = f->context,
	};
	__u32 zero = 0;
	struct dg_held_set *set = bpf_map_lookup_elem(&held, &zero);
	__s64 live = 0;

	for (int r = 0; r < DG_MAX_RESOURCES; r++)
		if (res_mask & (1u << r))
			live += dg_held_live[r];
	__builtin_memset(last, 0, sizeof(*last));
	if (!live || !set || dg_tainted(f))
		return 0;
	if (f->context == DG_CTX_PROCESS && nr_cpus > 1) {
		c.skip_cpu = bpf_get_smp_processor_id();
		bpf_loop(nr_cpus, dg_held_count_cpu, &c, 0);
	}
	dg_held_count_set(set, &c);
	*last = c.last;
	return c.last.count;
}

#endif /* HELD_BPF_H */
