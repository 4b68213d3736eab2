/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the parts of the recovery module share.  The BPF monitors decide
 * that a rule was broken and call the module's kfuncs (main.c registers
 * them); each action lives in its own file.
 */
#ifndef DRVGUARD_RECOVERY_H
#define DRVGUARD_RECOVERY_H

#include <linux/types.h>

#include "recovery_abi.h"	/* from bpf/, on the include path (Makefile) */

/* Preemption off around a monitor program (preempt.c); how deep on this CPU. */
void dg_monitor_enter(void);
void dg_monitor_exit(void);
unsigned int dg_monitor_preempt_count(void);

/* Records still open; none once every released lock is retaken. */
int dg_recover_outstanding(void);

/* The argument slots of the call a monitor watches (call_args.c). */
u64 *dg_call_args(u64 ctx, unsigned long fn, unsigned int nr_args);
int dg_call_arg_replace(u64 *args, unsigned int i, u64 expected, u64 value, unsigned int bits);

/* skip_free's stand-in cache (skip_free.c). */
int dg_skip_free_init(void);
void dg_skip_free_exit(void);

/* kfuncs */
int dg_recover_begin(u64 site);
int dg_recover_add(u64 lock, u32 kind, u64 flags);
int dg_recover_commit(void);
int dg_recover_relock(u64 site);
void dg_log_violation(const char *rule, u32 rule__sz, const char *driver, u32 driver__sz,
		      u64 site);
int dg_recover_skip_free(u64 ctx, u64 ip, u64 ptr);
int dg_recover_gfp_atomic(u64 ctx, u64 ip, u64 flags);

#endif /* DRVGUARD_RECOVERY_H */
