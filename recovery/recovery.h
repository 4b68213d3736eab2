/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the parts of the recovery module share.  The BPF monitors decide
 * that a rule was broken and call the module's kfuncs (main.c registers
 * them); each action lives in its own file.
 */
#ifndef DRVGUARD_RECOVERY_H
#define DRVGUARD_RECOVERY_H

#include <linux/types.h>

struct module;

#include "recovery_abi.h"	/* from bpf/, on the include path (Makefile) */

/* Preemption off around a monitor program (preempt.c); how deep on this CPU. */
void dg_monitor_enter(void);
void dg_monitor_exit(void);
unsigned int dg_monitor_preempt_count(void);

/* Records still open; none once every released lock is retaken. */
int dg_recover_outstanding(void);

/* The argument slots of the call a monitor watches (call_args.c). */
u64 *dg_call_args(u64 ctx, unsigned long fn, unsigned int nr_args);
u64 *dg_call_frame(u64 ctx, unsigned long fn, unsigned int *nr_args);
int dg_call_arg_replace(u64 *args, unsigned int i, u64 expected, u64 value, unsigned int bits);

/* Locks by the way the driver took them (lock_kinds.c). */
bool dg_lock_kind_is_bh(u32 kind);
bool dg_lock_kind_is_irq(u32 kind);
bool dg_lock_kind_is_irqsave(u32 kind);
void dg_lock_release(void *lock, u32 kind, unsigned long flags);
void dg_lock_retake(void *lock, u32 kind);

/* skip_free's stand-in cache (skip_free.c). */
int dg_skip_free_init(void);
void dg_skip_free_exit(void);

/* reclaim_at_unload's module notifier and queue (reclaim.c). */
int dg_reclaim_init(void);
void dg_reclaim_exit(void);
void dg_module_exited(struct module *mod);
/* fail_call's kprobes: all disarmed at unload (fail_call.c). */
void dg_fail_call_exit(void);

/* kfuncs */
int dg_recover_begin(u64 site);
int dg_recover_add(u64 lock, u32 kind, u64 flags, u64 order);
int dg_recover_commit(void);
int dg_recover_relock(u64 site);
int dg_recover_release_at_return(u64 lock, u32 kind, u64 flags, u32 context);
void dg_log_violation(const char *rule, u32 rule__sz, const char *driver, u32 driver__sz,
		      u64 site);
int dg_recover_skip_free(u64 ctx, u64 ip, u64 ptr);
int dg_recover_gfp_atomic(u64 ctx, u64 ip, u64 flags);
int dg_recover_reclaim(const char *api, u32 api__sz, const u64 *obj, u32 obj__sz, u32 args);
int dg_recover_fail_call(u64 ctx, u64 ip, u64 value);

#endif /* DRVGUARD_RECOVERY_H */
