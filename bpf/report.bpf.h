/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Violation reports: one ring buffer record per violation, carrying the
 * rule's message fields, plus a per-rule hit counter for `drvguard status`.
 *
 * Identical violations (same rule, driver, call site and identifying
 * fields) are aggregated: within DG_AGG_INTERVAL_NS of the last event of
 * the same kind only a counter moves, and the next event carries how many
 * it stands for.  A storm at one site thus costs a record per second, not
 * one per violation, and every violation is accounted for: fired =
 * delivered (EVENTS) + aggregated + dropped.  The aggregation table is
 * claimed by compare-and-swap like the object table; when it is full,
 * violations simply go out one by one.
 *
 * The ring buffer's reserve takes its own spinlock, also from programs on
 * lock paths.  That cannot deadlock: the lock is taken with irqs off, a
 * program never runs twice nested on one CPU (the trampoline's recursion
 * guard), and the kernel's lock calls made inside the reserve come from the
 * kernel, not a monitored driver, so the programs they trigger return before
 * reporting anything.
 */
#ifndef REPORT_BPF_H
#define REPORT_BPF_H

#include "frame.bpf.h"

#define DG_MAX_RULES	64

/* Violations per rule id (index 0 unused). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, DG_MAX_RULES + 1);
	__type(key, __u32);
	__type(value, __u64);
} rule_hits SEC(".maps");

struct dg_agg {
	__u64 key;		/* 0: free */
	__u64 last_ns;		/* when the last event for this key went out */
	__u64 folded;		/* violations since then */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, DG_AGG_SLOTS);
	__type(key, __u32);
	__type(value, struct dg_agg);
} aggregate SEC(".maps");

/*
 * One violation as a rule decided it: the rule, its message fields, which
 * of them tell violations apart, and the outcome of its recover action.
 */
struct dg_violation {
	__u64 field[DG_MAX_FIELDS];
	__u32 rule;
	__u32 nr_fields;
	__u32 id_mask;
	__u32 recovery;
};

/* What makes two violations identical: rule, driver, site and the fields in the id mask. */
static __always_inline __u64 dg_agg_key(const struct dg_actor *f, const struct dg_violation *v)
{
	__u64 k = f->site ^ ((__u64)v->rule << 48) ^ ((__u64)(f->driver & 0xff) << 40);

	for (int i = 0; i < DG_MAX_FIELDS; i++)
		if (v->id_mask & (1u << i))
			k = (k ^ v->field[i]) * 0x100000001b3ULL;
	return k | 1;	/* never 0 */
}

/*
 * Fold this violation into its aggregate if an event of the same kind went
 * out less than DG_AGG_INTERVAL_NS ago: returns true.  Otherwise it is to be
 * sent, standing for *@count violations.
 */
static __always_inline bool dg_agg_fold(__u64 key, __u64 now, __u32 *count)
{
	__u32 h = (__u32)((key * 0x9E3779B97F4A7C15ULL) >> 40) & (DG_AGG_SLOTS - 1);

	*count = 1;
	for (__u32 i = 0; i < 8; i++) {
		__u32 idx = (h + i) & (DG_AGG_SLOTS - 1);
		struct dg_agg *a = bpf_map_lookup_elem(&aggregate, &idx);

		if (!a)
			return false;
		if (a->key != key && (a->key || __sync_val_compare_and_swap(&a->key, 0, key)))
			continue;
		if (a->last_ns && now - a->last_ns < DG_AGG_INTERVAL_NS) {
			__sync_fetch_and_add(&a->folded, 1);
			dg_count(DG_CNT_AGGREGATED);
			return true;
		}
		a->last_ns = now;
		*count += (__u32)__sync_lock_test_and_set(&a->folded, 0);
		return false;
	}
	return false;	/* no room: send it as it is */
}

/*
 * A fatal rule's name, as the generated code declares it for the kernel log:
 * in .data, not .rodata, because 6.1's verifier takes kfunc memory
 * arguments as writable and refuses read-only maps there.
 */
#define DG_RULE_NAME_LEN	64

extern void dg_log_violation(const char *rule, __u32 rule__sz, const char *driver,
			     __u32 driver__sz, __u64 site) __ksym;

static char dg_unknown_driver[DG_DRIVER_NAME_LEN] = "?";

/*
 * A violation the kernel may not survive also goes to the kernel log, now,
 * before the offending call proceeds: the recovery module printk()s it
 * (recovery/kernel_log.c).  A serial console, dmesg or a crash dump then
 * names the rule, the driver and the site even when no watcher got the event.
 */
static __always_inline void dg_report_to_log(const struct dg_actor *f, const char *rule)
{
	__u32 key = f->driver;
	struct dg_driver *d = bpf_map_lookup_elem(&drivers, &key);

	if (d)
		dg_log_violation(rule, DG_RULE_NAME_LEN, d->name, DG_DRIVER_NAME_LEN, f->site);
	else
		dg_log_violation(rule, DG_RULE_NAME_LEN, dg_unknown_driver, DG_DRIVER_NAME_LEN,
				 f->site);
}

/*
 * Send violation @v, found by actor @f; @fatal, the rule's name, when the
 * rule is fatal.
 *
 * This is a BPF global function (not static, not inlined), for the
 * verifier's sake: it checks a global function once per program, on its
 * own, where an inlined helper is checked again at every call site and for
 * every verifier state that reaches it.  Inlined twice into each blocking
 * call's program, with the rest of the runtime, reporting made 6.1's
 * verifier spend about 2.5 s under emulation on each of them.  The price
 * is what a global function may take: scalars and pointers to memory of a
 * fixed size, which the verifier lets be NULL; and it returns a scalar.
 * Other heavy helpers of the runtime are global for the same reason, and
 * all of them take a struct dg_actor (frame.bpf.h), not the frame.
 */
__noinline int dg_report_as(const struct dg_actor *f, const struct dg_violation *v,
			    const char (*fatal)[DG_RULE_NAME_LEN])
{
	struct dg_event *e;
	__u32 rule, key, count;
	__u64 *hits, now;
	struct dg_driver *d;

	if (!f || !v)
		return 0;
	rule = v->rule;
	hits = bpf_map_lookup_elem(&rule_hits, &rule);
	now = bpf_ktime_get_ns();
	if (hits)
		__sync_fetch_and_add(hits, 1);
	if (dg_agg_fold(dg_agg_key(f, v), now, &count))
		return 0;
	if (fatal)
		dg_report_to_log(f, *fatal);
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		dg_count(DG_CNT_DROPS);
		return 0;
	}
	e->ts_ns = now;
	e->site = f->site;
	for (int i = 0; i < DG_MAX_FIELDS; i++)
		e->field[i] = i < v->nr_fields ? v->field[i] : 0;
	e->rule = rule;
	e->driver = f->driver;
	e->api = f->api;
	e->context = f->context;
	e->pid = f->pid;
	e->cpu = bpf_get_smp_processor_id();
	e->nr_fields = v->nr_fields;
	e->count = count;
	e->recovery = v->recovery;
	e->pad = 0;
	key = f->driver;
	d = bpf_map_lookup_elem(&drivers, &key);
	e->base = d ? d->start : 0;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
	dg_count(DG_CNT_EVENTS);
	return 0;
}

/* Report violation @v of @f's program (the generated code's call). */
static __always_inline void dg_report(const struct dg_frame *f, const struct dg_violation *v,
				      const char (*fatal)[DG_RULE_NAME_LEN])
{
	struct dg_actor a;

	dg_actor_of(&a, f);
	dg_report_as(&a, v, fatal);
}

#endif /* REPORT_BPF_H */
