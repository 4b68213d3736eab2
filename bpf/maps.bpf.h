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

static __always_inline void dg_count(__u32 counter)
{
	__u64 *val = bpf_map_lookup_elem(&counters, &counter);

	if (val)
		*val += 1;
}

#endif /* MAPS_BPF_H */
