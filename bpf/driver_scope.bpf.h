/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Attribution of a kernel API call to a monitored driver.  Every monitor
 * hooks kernel-wide symbols, so the first thing each program does is decide
 * whether the caller is one of the modules the pack was loaded for; calls
 * from anywhere else return at once, before any state is touched.
 *
 * The caller is the return address the driver's call instruction pushed.
 * An fentry program does not get it as an argument, but it sits at a known
 * place in the BPF trampoline's frame (arch/x86/net/bpf_jit_comp.c):
 *
 *	rbp + 16	return address into the caller      <- what we want
 *	rbp + 8		return address into the traced function (func + 5)
 *	rbp + 0		saved rbp
 *	rbp - 8		return value, only when the trampoline also calls the
 *			original function (an fexit is attached by anyone)
 *	...		argument registers; ctx points at the first
 *
 * The program checks which of the two layouts it is in by finding func + 5,
 * the address right after the patched call, where the layout says it is.
 */
#ifndef DRIVER_SCOPE_BPF_H
#define DRIVER_SCOPE_BPF_H

#include "maps.bpf.h"

#define DG_PATCH_SIZE	5	/* the ftrace call at a function's entry (no IBT) */

/* Return address of the traced call, i.e. the caller's call site + 5; 0 if unknown. */
static __always_inline __u64 dg_caller(void *ctx)
{
	__u64 nr_regs = bpf_get_func_arg_cnt(ctx);
	__u64 into_func = bpf_get_func_ip(ctx) + DG_PATCH_SIZE;
	__u64 slot[4];

	/* x86-64 passes at most 6 arguments in registers; the bound is for the verifier. */
	if (nr_regs > 6)
		return 0;
	if (bpf_probe_read_kernel(slot, sizeof(slot), (__u64 *)ctx + nr_regs))
		return 0;
	if (slot[1] == into_func)
		return slot[2];
	if (slot[2] == into_func)
		return slot[3];
	return 0;
}

/*
 * Index of the monitored driver whose code holds @addr, or -1.  A global
 * function: every program asks, some of them twice, and the verifier then
 * walks the driver table once per program, not once per call (see
 * dg_report_as() in report.bpf.h).
 */
__noinline int dg_driver_of(__u64 addr)
{
	for (int i = 0; i < DG_MAX_DRIVERS; i++) {
		__u32 key = i;	/* a copy: the verifier must see i stay in a register */
		struct dg_driver *d = bpf_map_lookup_elem(&drivers, &key);

		if (!d || !d->name[0])
			return -1;
		if (addr >= d->start && addr < d->end)
			return i;
		if (addr >= d->init_start && addr < d->init_end)
			return i;
	}
	return -1;
}

#endif /* DRIVER_SCOPE_BPF_H */
