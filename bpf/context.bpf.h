/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The execution context of the current CPU (process, softirq, hardirq, NMI),
 * read from the kernel's own preempt count.  The kprobe machinery raises the
 * preemption bits, but the irq bits still describe the interrupted code.
 */
#ifndef CONTEXT_BPF_H
#define CONTEXT_BPF_H

#include "drvguard.h"

/* include/linux/preempt.h; the layout has been stable since 2.6.x */
#define DG_SOFTIRQ_OFFSET	0x00000100U
#define DG_HARDIRQ_MASK		0x000f0000U
#define DG_NMI_MASK		0x00f00000U
/* x86 folds an inverted need-resched bit into the count */
#define DG_PREEMPT_NEED_RESCHED	0x80000000U

/* x86 keeps the preempt count in a per-CPU variable, not in thread_info. */
extern int __preempt_count __ksym;

static __always_inline __u32 dg_context(void)
{
	__u32 count = *(int *)bpf_this_cpu_ptr(&__preempt_count);

	if (count & DG_NMI_MASK)
		return DG_CTX_NMI;
	if (count & DG_HARDIRQ_MASK)
		return DG_CTX_HARDIRQ;
	if (count & DG_SOFTIRQ_OFFSET)
		return DG_CTX_SOFTIRQ;
	return DG_CTX_PROCESS;
}

/*
 * Whether the current code may not sleep: preemption, softirqs or an irq
 * level is held.  @own is how much of the preempt count the monitor
 * programs running on this CPU hold themselves (they run with preemption
 * off, bpf/frame.bpf.h), which the driver's code does not.
 */
static __always_inline bool dg_atomic(__u32 own)
{
	__u32 count = *(int *)bpf_this_cpu_ptr(&__preempt_count);

	return ((count & ~DG_PREEMPT_NEED_RESCHED) - own) != 0;
}

/* rtnl_mutex is static in net/core/rtnetlink.c: its address comes from kallsyms. */
extern const void rtnl_mutex __ksym __weak;

/* Whether the current task holds the rtnl mutex (mutex owner, low flag bits masked). */
static __always_inline bool dg_rtnl_held(void)
{
	unsigned long owner = 0;

	if (!&rtnl_mutex)
		return false;
	bpf_probe_read_kernel(&owner, sizeof(owner), &rtnl_mutex);
	return (owner & ~0x07UL) == (unsigned long)bpf_get_current_task();
}

#endif /* CONTEXT_BPF_H */
