/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Attribution of a kernel API call to a monitored driver.  Every monitor
 * hooks kernel-wide symbols, so the first thing each program does is decide
 * whether the caller is one of the modules the pack was loaded for; calls
 * from anywhere else return at once, before any state is touched.
 *
 * The caller is identified by the return address on top of the stack at the
 * probed function's entry: a kprobe placed on a function's ftrace site sees
 * the stack exactly as the call instruction left it.
 */
#ifndef DRIVER_SCOPE_BPF_H
#define DRIVER_SCOPE_BPF_H

#include "drvguard.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, DG_MAX_DRIVERS);
	__type(key, __u32);
	__type(value, struct dg_driver);
} drivers SEC(".maps");

/* Return address of the probed call, i.e. the driver's call site + 5. */
static __always_inline __u64 dg_caller(struct pt_regs *regs)
{
	__u64 ret = 0;

	bpf_probe_read_kernel(&ret, sizeof(ret), (void *)PT_REGS_SP(regs));
	return ret;
}

/* Index of the monitored driver whose text holds @addr, or -1. */
static __always_inline int dg_driver_of(__u64 addr)
{
	for (int i = 0; i < DG_MAX_DRIVERS; i++) {
		__u32 key = i;	/* a copy: the verifier must see i stay in a register */
		struct dg_driver *d = bpf_map_lookup_elem(&drivers, &key);

		if (!d || !d->start)
			return -1;
		if (addr >= d->start && addr < d->end)
			return i;
	}
	return -1;
}

#endif /* DRIVER_SCOPE_BPF_H */
