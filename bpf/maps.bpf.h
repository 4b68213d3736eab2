/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The maps every pack has, whatever its rules: the driver table, the traced
 * symbols, counters, the violation ring buffer and the pack's metadata.  The
 * loader fills drivers, symbols and meta, and pins all of them under
 * /sys/fs/bpf/drvguard/PACK so that `watch` and `status` find them.
 */
#ifndef MAPS_BPF_H
#define MAPS_BPF_H

#include "drvguard.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, DG_MAX_DRIVERS);
	__type(key, __u32);
	__type(value, struct dg_driver);
} drivers SEC(".maps");

/* Traced function address -> its catalog API and parameter positions. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 512);
	__type(key, __u64);
	__type(value, struct dg_symbol);
} symbols SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, DG_NR_COUNTERS);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

/* The pack's metadata text (rules, messages, field types), for the readers of events. */
struct dg_meta_chunk {
	char text[DG_META_CHUNK];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, DG_META_CHUNKS);
	__type(key, __u32);
	__type(value, struct dg_meta_chunk);
} meta SEC(".maps");

const volatile __u32 nr_cpus = 1;	/* possible CPUs, set by the loader */

/*
 * Tracked keys per resource, in the held sets (all CPUs) and in the object
 * table: while a resource tracks nothing, calls from outside the drivers
 * (the kernel's own unlocks and frees) return at once.
 */
__s64 dg_held_live[DG_MAX_RESOURCES];
__s64 dg_object_live[DG_MAX_RESOURCES];

static __always_inline void dg_count(__u32 counter)
{
	__u64 *val = bpf_map_lookup_elem(&counters, &counter);

	if (val)
		*val += 1;
}

/* Whether any resource of the two masks has a tracked key. */
static __always_inline bool dg_any_live(__u32 held_res, __u32 object_res)
{
	for (int r = 0; r < DG_MAX_RESOURCES; r++) {
		if ((held_res & (1u << r)) && dg_held_live[r])
			return true;
		if ((object_res & (1u << r)) && dg_object_live[r])
			return true;
	}
	return false;
}

#endif /* MAPS_BPF_H */
