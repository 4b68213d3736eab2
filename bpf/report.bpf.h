/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Violation reports: one ring buffer record per violation, carrying the
 * rule's message fields, plus a per-rule hit counter for `drvguard status`.
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

static __always_inline void dg_report(struct dg_frame *f, __u32 rule, const __u64 *fields,
				      __u32 nr_fields)
{
	struct dg_event *e;
	__u64 *hits = bpf_map_lookup_elem(&rule_hits, &rule);

	if (hits)
		*hits += 1;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		dg_count(DG_CNT_DROPS);
		return;
	}
	e->ts_ns = bpf_ktime_get_ns();
	e->site = f->site;
	for (int i = 0; i < DG_MAX_FIELDS; i++)
		e->field[i] = i < nr_fields ? fields[i] : 0;
	e->rule = rule;
	e->driver = f->driver;
	e->api = f->api;
	e->context = f->context;
	e->pid = f->pid;
	e->cpu = bpf_get_smp_processor_id();
	e->nr_fields = nr_fields;
	e->flags = 0;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
	dg_count(DG_CNT_EVENTS);
}

#endif /* REPORT_BPF_H */
