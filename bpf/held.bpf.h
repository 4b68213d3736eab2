/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The held set: resources that belong to an execution context rather than
 * to the driver as a whole (spinlocks, rwlocks, mutexes, disabled irqs),
 * kept as one small table per CPU.  A rule asks how many of them the current
 * context holds; that is what "sleeping with a spinlock held" is about.
 *
 * A spinlock pins its holder to the CPU, so per-CPU state is the right home.
 * It needs no lock:
 *
 * - only the CPU itself adds entries or changes them, after claiming its
 *   table with an atomic increment; a program that finds it claimed (a
 *   nested program on the same CPU) skips the update and counts it
 *   (DG_CNT_CONTENDED);
 * - every entry carries an identity word: the hold's sequence number over
 *   all CPUs (which also orders the holds), with its low bit set while
 *   recovery has the lock released.  Removing an entry, or marking it
 *   released or not, is one compare-and-swap on that word, so another CPU
 *   may do it without claiming the table: a task that sleeps with a lock
 *   held (the bug reported here), or whose locks recovery released around
 *   a sleep, may wake on another CPU and release or retake them there, and
 *   sleeping locks migrate with their holder by design.  No claim of one
 *   CPU's table can then make another CPU skip an update, however long the
 *   claimer is held up (a vCPU descheduled by its host, say).
 *
 * Entries never move: a removed entry leaves a free slot (identity 0) that
 * the CPU reuses, so a compare-and-swap always lands on the entry it meant,
 * and an entry's sequence number, never reused, tells a swap that the slot
 * still holds the entry it read.  Slot order is then not the order of the
 * holds; the sequence numbers are.  Nothing here spins, so nothing here can
 * deadlock inside a lock path.
 *
 * While recovery has a driver's locks released around a blocking call,
 * their entries stay, marked released: lookups and counts pass over them,
 * so another task may take the lock meanwhile, and the relock unmarks them.
 *
 * Each entry records its holder's pid and context.  Lookups scan the other
 * CPUs' tables when the own one misses, with bpf_loop so the verifier sees
 * the scan once.
 */
#ifndef HELD_BPF_H
#define HELD_BPF_H

#include "frame.bpf.h"

/* The pack defines DG_HELD_MASKS: per resource, the states that count as held. */
static const __u32 dg_held_masks[DG_MAX_RESOURCES] = DG_HELD_MASKS;

struct dg_held {
	__u64 ident;		/* 0: free; else sequence << 1, | DG_HELD_RELEASED */
	__u64 key;
	__u64 value;		/* what the transition stored (`with`), e.g. irq flags */
	__u64 activation;	/* the interrupt run that took it (0: process context) */
	__u64 site;		/* call site of the transition into the current state */
	__u32 api;
	__u32 pid;
	__u8 res;
	__u8 state;
	__u8 context;
	__u8 driver;		/* 0xff: not a monitored driver's */
	__u8 pad[4];
};

/* Whether @h's state is one its resource counts as held. */
static __always_inline bool dg_held_state_holds(const struct dg_held *h)
{
	return dg_held_masks[h->res & (DG_MAX_RESOURCES - 1)] & (1u << (h->state & 31));
}

/* Let go by recovery around a blocking call (recover.bpf.h). */
#define DG_HELD_RELEASED	1ULL

struct dg_held_set {
	__u32 depth;		/* slots in use are below it; free ones may be too */
	__u32 busy;		/* claimed by this CPU's program adding or changing an entry */
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

/* Holds taken so far on all CPUs: the next entry's sequence number. */
__u64 dg_held_seq;

/*
 * Always 0, but the verifier cannot know: a count started from it is not
 * tracked value by value, which would make it walk every count of every
 * slot as a state of its own.
 */
__u32 dg_held_count_base;

/* What a rule sees of one tracked resource. */
struct dg_view {
	__u64 key;
	__u64 value;
	__u64 value2, value3;	/* objects only: a transition's second and third values */
	__u64 site;
	__u32 api;
	__u32 pid;
	/* narrow fields: views live on stacks that have no byte to spare */
	__u16 count;		/* held(): matching entries */
	__u16 cpu;		/* where it was taken (held) or last moved (objects) */
	__u8 state;		/* 0: the initial state, i.e. not tracked; or DG_STATE_UNKNOWN */
	__u8 context;
	__u8 found;
	__u8 pad;
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

/* @h's identity word, read once: other CPUs may change it at any time. */
static __always_inline __u64 dg_held_ident(const struct dg_held *h)
{
	return *(volatile const __u64 *)&h->ident;
}

/* Whether identity @id is a held entry that recovery has not released. */
static __always_inline bool dg_held_holding(__u64 id)
{
	return id && !(id & DG_HELD_RELEASED);
}

/* Swap @h's identity from @old to @new; false when another CPU changed it first. */
static __always_inline bool dg_held_swap(struct dg_held *h, __u64 old, __u64 new)
{
	return __sync_val_compare_and_swap(&h->ident, old, new) == old;
}

static __always_inline void dg_view_of(struct dg_view *v, const struct dg_held *h)
{
	v->key = h->key;
	v->value = h->value;
	v->value2 = 0;		/* a held entry stores one value */
	v->value3 = 0;
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

/*
 * Index of current, unreleased (@res, @key) in @cpu's @set, or -1; *@id gets
 * its identity.  Unclaimed read: a compare-and-swap on *@id fails if the
 * entry changed meanwhile.
 */
static __always_inline int dg_held_index(struct dg_held_set *set, __u32 res, __u64 key,
					 __u32 cpu, __u64 *id)
{
	for (int i = 0; i < DG_MAX_HELD; i++) {
		struct dg_held *h = &set->slot[i];
		__u64 ident;

		if (i >= set->depth)
			break;
		ident = dg_held_ident(h);
		if (!dg_held_holding(ident) || h->key != key || h->res != res ||
		    !dg_held_current(h, cpu))
			continue;
		*id = ident;
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
	__s32 found_cpu;
	struct dg_view view;
};

static long dg_held_scan_cpu(__u32 cpu, struct dg_held_scan *s)
{
	__u32 zero = 0;
	struct dg_held_set *set;
	__u64 id = 0;
	int i;

	if (cpu == s->skip_cpu)
		return 0;
	set = bpf_map_lookup_percpu_elem(&held, &zero, cpu);
	if (!set)
		return 0;
	i = dg_held_index(set, s->res, s->key, cpu, &id);
	if (i < 0 || i >= DG_MAX_HELD)
		return 0;
	if (s->pid && set->slot[i].pid != s->pid)
		return 0;
	dg_view_of(&s->view, &set->slot[i]);
	if (dg_held_ident(&set->slot[i]) != id)
		return 0;	/* removed while read */
	s->view.cpu = cpu;
	s->found_cpu = cpu;
	return 1;
}

/*
 * Look up (@res, @key) on this CPU, then as @scope says; returns its CPU
 * or -1.  On a hit, @s->view is the entry's view.
 */
static __always_inline int dg_held_find(const struct dg_actor *f, __u32 res, __u64 key,
					enum dg_held_scope scope, struct dg_held_scan *s)
{
	__u32 zero = 0, cpu = bpf_get_smp_processor_id();
	struct dg_held_set *set;
	__u64 id = 0;
	int i;

	__builtin_memset(s, 0, sizeof(*s));
	s->key = key;
	s->res = res;
	s->found_cpu = -1;
	if (res >= DG_MAX_RESOURCES || !dg_held_live[res & (DG_MAX_RESOURCES - 1)])
		return -1;
	set = bpf_map_lookup_elem(&held, &zero);
	if (!set)
		return -1;
	i = dg_held_index(set, res, key, cpu, &id);
	if (i >= 0 && i < DG_MAX_HELD) {
		dg_view_of(&s->view, &set->slot[i]);
		s->view.cpu = cpu;
		return cpu;
	}
	if (scope == DG_HELD_OWN)
		return -1;
	s->skip_cpu = cpu;
	if (scope == DG_HELD_MINE && f->context == DG_CTX_PROCESS)
		s->pid = f->pid;
	bpf_loop(nr_cpus, dg_held_scan_cpu, s, 0);
	if (s->found_cpu >= 0)
		dg_count(DG_CNT_MIGRATED);
	return s->found_cpu;
}

/* Free @h if its identity is still @id; false when another CPU changed it first. */
static __always_inline bool dg_held_drop(struct dg_held *h, __u64 id)
{
	__u32 res = h->res & (DG_MAX_RESOURCES - 1);

	if (!id || !dg_held_swap(h, id, 0))
		return false;
	__sync_fetch_and_sub(&dg_held_live[res], 1);
	return true;
}

/* Free @h, whatever its identity now; false when another CPU freed it first. */
static __always_inline bool dg_held_free(struct dg_held *h)
{
	return dg_held_drop(h, dg_held_ident(h));
}

/* Lower the depth of a claimed @set (this CPU's) past the free slots on top. */
static __always_inline void dg_held_trim(struct dg_held_set *set)
{
	for (int j = DG_MAX_HELD - 1; j >= 0; j--) {
		if (j + 1 != set->depth)
			continue;
		if (dg_held_ident(&set->slot[j]))
			break;
		set->depth = j;
	}
}

/* Free the entries of a claimed @set (this CPU's) whose interrupt run is over. */
static __always_inline void dg_held_purge(struct dg_held_set *set, __u32 cpu)
{
	for (int i = 0; i < DG_MAX_HELD; i++) {
		if (i >= set->depth)
			break;
		if (dg_held_ident(&set->slot[i]) && !dg_held_current(&set->slot[i], cpu))
			dg_held_free(&set->slot[i]);
	}
}

/* A free slot of a claimed @set (this CPU's) for a new entry, or -1 when full. */
static __always_inline int dg_held_free_slot(struct dg_held_set *set)
{
	for (int i = 0; i < DG_MAX_HELD; i++) {
		if (i >= set->depth) {
			set->depth = i + 1;
			return i;
		}
		if (!dg_held_ident(&set->slot[i]))
			return i;
	}
	return -1;
}

/*
 * The slot of this CPU's entry taken last before the one @f walked last
 * (@f->each_below, ~0 to start), or DG_MAX_HELD when there is none: an
 * `each` that must go innermost first walks the set in this order, since
 * a freed slot is reused and slots need not be in the order of the holds.
 */
static __always_inline __u32 dg_held_next_inner(struct dg_frame *f)
{
	__u32 zero = 0, slot = DG_MAX_HELD;
	struct dg_held_set *set = bpf_map_lookup_elem(&held, &zero);
	__u64 best = 0;

	if (!set)
		return DG_MAX_HELD;
	for (int i = 0; i < DG_MAX_HELD; i++) {
		__u64 id;

		if (i >= set->depth)
			break;
		id = dg_held_ident(&set->slot[i]) & ~DG_HELD_RELEASED;
		if (id && id < f->each_below && id > best) {
			best = id;
			slot = i;
		}
	}
	f->each_below = best;
	return slot;
}

/*
 * Move (@res, @key) to @state on behalf of @f.  The entry lives on @cpu
 * (from dg_held_find), or is added on this CPU when new.  State 0 removes
 * it.  An entry on another CPU is removed there with no claim, and a new
 * state for it is kept on this CPU, where its holder now runs.
 */
static __always_inline void dg_held_set_state(const struct dg_actor *f, __u32 res, __u64 key,
					      __u32 state, __u64 value, int cpu)
{
	__u32 zero = 0, r = res & (DG_MAX_RESOURCES - 1), own = bpf_get_smp_processor_id();
	struct dg_held_set *set;
	struct dg_held *h;
	__u64 id = 0;
	int i = -1;

	if (cpu >= 0 && cpu != own) {
		set = bpf_map_lookup_percpu_elem(&held, &zero, cpu);
		if (!set)
			return;
		i = dg_held_index(set, res, key, cpu, &id);
		if (i < 0 || i >= DG_MAX_HELD || !dg_held_drop(&set->slot[i], id))
			return;
		if (!state)
			return;
		cpu = -1;
	}
	set = bpf_map_lookup_elem(&held, &zero);
	if (!set || !dg_set_claim(set))
		return;
	if (cpu >= 0)
		i = dg_held_index(set, res, key, own, &id);
	if (i >= 0 && i < DG_MAX_HELD && !state) {
		dg_held_free(&set->slot[i]);
		dg_held_trim(set);
	} else if (i >= 0 && i < DG_MAX_HELD) {
		h = &set->slot[i];
		h->value = value;
		h->activation = f->activation;
		h->state = state;
		h->site = f->site;
		h->api = f->api;
		h->pid = f->pid;
		h->context = f->context;
		if (f->driver >= 0)
			h->driver = f->driver;
	} else if (state) {
		dg_held_purge(set, own);
		dg_held_trim(set);
		i = dg_held_free_slot(set);
		if (i >= 0 && i < DG_MAX_HELD) {
			h = &set->slot[i];
			h->key = key;
			h->value = value;
			h->activation = f->activation;
			h->res = res;
			h->state = state;
			h->site = f->site;
			h->api = f->api;
			h->pid = f->pid;
			h->context = f->context;
			h->driver = f->driver >= 0 ? f->driver : 0xff;
			__sync_fetch_and_add(&dg_held_live[r], 1);
			/* last: readers take the entry for real once it has an identity */
			*(volatile __u64 *)&h->ident = (__sync_fetch_and_add(&dg_held_seq, 1) + 1) << 1;
		} else {
			dg_held_lossy[r] = 1;
			dg_count(DG_CNT_HELD_OVERFLOW);
		}
	}
	dg_set_release(set);
}

/*
 * What a rule sees of held resource (@res, @key) in @f's context: every
 * CPU's entries, or nothing known when this run of the context may have
 * missed lock events.  Returns the entry's CPU or -1.
 *
 * The held set's entry points are global functions, verified once per
 * program and not at each call site (see dg_report_as()).
 */
__noinline int dg_held_lookup_as(const struct dg_actor *f, __u32 res, __u64 key,
				 struct dg_view *v)
{
	struct dg_held_scan s;
	bool tainted;
	int cpu;

	if (!f || !v)
		return -1;
	/* this interrupt run may have missed lock events: its lock state is unknown */
	tainted = dg_run_tainted(f->context, f->activation);
	if (!tainted) {
		cpu = dg_held_find(f, res, key, DG_HELD_ANY, &s);
		if (cpu >= 0) {
			*v = s.view;
			return cpu;
		}
	}
	__builtin_memset(v, 0, sizeof(*v));
	v->key = key;
	if (tainted || dg_held_lossy[res & (DG_MAX_RESOURCES - 1)])
		v->state = DG_STATE_UNKNOWN;
	return -1;
}

/*
 * The state of held resource (@res, @key) where @scope says to look for
 * it, into *@state (0, the initial state, when it is not found); returns
 * its CPU or -1.  A global function, see dg_report_as().
 */
__noinline int dg_held_state_as(const struct dg_actor *f, __u32 res, __u64 key,
				enum dg_held_scope scope, __u32 *state)
{
	struct dg_held_scan s;
	int cpu;

	if (!f || !state)
		return -1;
	cpu = dg_held_find(f, res, key, scope, &s);
	*state = cpu >= 0 && s.view.state != DG_STATE_UNKNOWN ? s.view.state : 0;
	return cpu;
}

/* A change of held resource (@res, @key) found on @cpu (-1: not found). */
struct dg_move {
	__u64 key;
	__u64 value;
	__u32 res;
	__u32 state;
	__s32 cpu;
	__u32 pad;
};

/* dg_held_set_state() as a global function, see dg_report_as(). */
__noinline int dg_held_move_as(const struct dg_actor *f, const struct dg_move *m)
{
	if (f && m)
		dg_held_set_state(f, m->res, m->key, m->state, m->value, m->cpu);
	return 0;
}

struct dg_held_count {
	__u64 activation;	/* the current run of the context */
	__u64 last_ident;	/* identity of @last: the most recent hold counted */
	__u32 res_mask;		/* resources to count */
	__u32 pid;
	__u32 context;
	__s32 only_cpu;		/* -1: every CPU (a task may have migrated) */
	__u32 count;
	__u32 pad;
	struct dg_view last;
};

/* Whether @h is a held resource of @c's kinds, held by @c's context. */
static __always_inline bool dg_held_counts(const struct dg_held *h, struct dg_held_count *c)
{
	__u32 res = h->res & (DG_MAX_RESOURCES - 1);

	if (!(c->res_mask & (1u << res)) || !dg_held_state_holds(h))
		return false;
	if (h->context != c->context || h->activation != c->activation)
		return false;
	/* in process context, a lock another task holds is that task's business */
	return c->context != DG_CTX_PROCESS || h->pid == c->pid;
}

static __always_inline void dg_held_count_set(struct dg_held_set *set, struct dg_held_count *c)
{
	for (int i = 0; i < DG_MAX_HELD; i++) {
		struct dg_held *h = &set->slot[i];
		__u64 id;

		if (i >= set->depth)
			break;
		id = dg_held_ident(h);
		if (!dg_held_holding(id) || !dg_held_counts(h, c))
			continue;
		c->count++;
		if (id > c->last_ident) {
			dg_view_of(&c->last, h);
			c->last_ident = id;
		}
	}
}

static long dg_held_count_cpu(__u32 cpu, struct dg_held_count *c)
{
	__u32 zero = 0;
	struct dg_held_set *set;

	if (c->only_cpu >= 0 && cpu != c->only_cpu)
		return 0;
	set = bpf_map_lookup_percpu_elem(&held, &zero, cpu);
	if (set)
		dg_held_count_set(set, c);
	return 0;
}

/*
 * How many resources of @res_mask @f's context holds; @last gets the most
 * recently taken one.  In process context the holder may have migrated, so
 * the other CPUs are counted too.  A global function, see dg_report_as().
 */
__noinline __u32 dg_held_count_as(const struct dg_actor *f, __u32 res_mask,
				  struct dg_view *last)
{
	struct dg_held_count c = { .res_mask = res_mask, .only_cpu = -1 };
	__s64 live = 0;

	if (!f || !last)
		return 0;
	c.activation = f->activation;
	c.pid = f->pid;
	c.context = f->context;
	__builtin_memset(last, 0, sizeof(*last));
	/* a loop: unrolled, the sum's terms are all live at once and spill to the stack */
#pragma clang loop unroll(disable)
	for (int r = 0; r < DG_MAX_RESOURCES; r++)
		if (res_mask & (1u << r))
			live += dg_held_live[r];
	if (!live || dg_run_tainted(f->context, f->activation))
		return 0;
	c.count = dg_held_count_base;
	if (f->context != DG_CTX_PROCESS)
		c.only_cpu = bpf_get_smp_processor_id();
	bpf_loop(nr_cpus, dg_held_count_cpu, &c, 0);
	*last = c.last;
	last->count = c.count;
	return c.count;
}

/* How many resources of @res_mask @f's context holds (the generated code's call). */
static __always_inline __u32 dg_held_count(const struct dg_frame *f, __u32 res_mask,
					   struct dg_view *last)
{
	struct dg_actor a;

	dg_actor_of(&a, f);
	return dg_held_count_as(&a, res_mask, last);
}

#endif /* HELD_BPF_H */
