/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The monitors' side of recovery.  A rule's `recover` clause names an
 * action; when recovery is enabled for the pack (`drvguard recover
 * enable`), the generated code calls the action here right after deciding
 * the violation and before the offending call proceeds, and the outcome
 * goes into the report.  The acting is done by the recovery module
 * (recovery/), through its kfuncs: a pack that uses an action needs the
 * module loaded, and `drvguard load` loads it.
 *
 * The monitor only ever hands the module what it can attribute: the held
 * entries the current task took as this driver, in process context, in a
 * run whose lock events were all seen.
 */
#ifndef RECOVER_BPF_H
#define RECOVER_BPF_H

#include "held.bpf.h"
#include "report.bpf.h"
#include "recovery_abi.h"

extern int dg_recover_begin(__u64 site) __ksym;
extern int dg_recover_add(__u64 lock, __u32 kind, __u64 flags) __ksym;
extern int dg_recover_commit(void) __ksym;
extern int dg_recover_relock(__u64 site) __ksym;
extern int dg_recover_skip_free(__u64 ctx, __u64 ip, __u64 ptr) __ksym;
extern int dg_recover_gfp_atomic(__u64 ctx, __u64 ip, __u64 flags) __ksym;

/* Per rule id: recovery enabled for that rule; set by `drvguard recover`. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, DG_MAX_RULES + 1);
	__type(key, __u32);
	__type(value, __u32);
} recovery SEC(".maps");

/* The pack defines DG_API_LOCK_KINDS: per catalog API, the enum dg_lock_kind it takes. */
static const __u8 dg_api_lock_kinds[DG_NR_CATALOG_APIS] = DG_API_LOCK_KINDS;

static __always_inline bool dg_recovery_enabled(__u32 rule)
{
	__u32 *on = bpf_map_lookup_elem(&recovery, &rule);

	return on && *on;
}

static __always_inline __u32 dg_recovery_counted(__u32 outcome)
{
	if (outcome == DG_RECOVERY_DONE || outcome == DG_RECOVERY_DONE_ELSEWHERE)
		dg_count(DG_CNT_RECOVERED);
	else if (outcome != DG_RECOVERY_OFF)
		dg_count(DG_CNT_NOT_RECOVERED);
	return outcome;
}

/* An action this version cannot carry out yet. */
static __always_inline __u32 dg_recover_unimplemented(__u32 rule)
{
	return dg_recovery_counted(dg_recovery_enabled(rule) ? DG_RECOVERY_UNIMPLEMENTED :
				   DG_RECOVERY_OFF);
}

/* An action refused before asking the module, for @outcome. */
static __always_inline __u32 dg_recover_refused(__u32 rule, __u32 outcome)
{
	return dg_recovery_counted(dg_recovery_enabled(rule) ? outcome : DG_RECOVERY_OFF);
}

/* Whether held entry @h is a lock unlock_around may release for @fp's task. */
static __always_inline __u32 dg_releasable(const struct dg_held *h, struct dg_frame *fp,
					   __u32 cpu)
{
	if (h->driver != fp->driver || h->pid != fp->pid || h->context != DG_CTX_PROCESS ||
	    h->released || !dg_held_current(h, cpu) || h->api >= DG_NR_CATALOG_APIS)
		return DG_LOCK_NONE;
	if (!(dg_held_masks[h->res & (DG_MAX_RESOURCES - 1)] & (1u << (h->state & 31))))
		return DG_LOCK_NONE;
	return dg_api_lock_kinds[h->api];
}

/* Entries marked released, over all CPUs: relock scans for them only when some are. */
__s64 dg_released_live;

struct dg_unrelease {
	__u32 pid;
	__u32 left;	/* entries still to unmark */
};

/* Unmark @u->pid's released entries on @cpu; the task may have woken elsewhere. */
static long dg_unrelease_cpu(__u32 cpu, struct dg_unrelease *u)
{
	__u32 zero = 0;
	struct dg_held_set *set = bpf_map_lookup_percpu_elem(&held, &zero, cpu);

	if (!set || !dg_set_claim(set))
		return 0;
	for (int i = 0; i < DG_MAX_HELD; i++) {
		if (i >= set->depth)
			break;
		if (set->slot[i].released && set->slot[i].pid == u->pid) {
			set->slot[i].released = 0;
			__sync_fetch_and_sub(&dg_released_live, 1);
			u->left--;
		}
	}
	dg_set_release(set);
	return u->left ? 0 : 1;
}

struct dg_release_list {
	__u64 key[DG_RECOVERY_MAX_LOCKS];
	__u64 flags[DG_RECOVERY_MAX_LOCKS];
	__u8 kind[DG_RECOVERY_MAX_LOCKS];
	__u32 n;
};

/*
 * Mark the entries unlock_around may release for @fp's task on this CPU
 * released, outermost first, and list them in @l.  They are marked while
 * the locks are still held, so that no other task taking one of them after
 * the release finds a stale holder.  The set is claimed only for this
 * loop, never across the module's calls: a program preempted there would
 * make every other program on the CPU skip its updates.
 */
static __always_inline bool dg_mark_released(struct dg_frame *fp, struct dg_release_list *l)
{
	__u32 zero = 0, cpu = bpf_get_smp_processor_id();
	struct dg_held_set *set = bpf_map_lookup_elem(&held, &zero);

	if (!set || !dg_set_claim(set))
		return false;
	for (int i = 0; i < DG_MAX_HELD; i++) {
		__u32 kind, n = l->n;

		if (i >= set->depth)
			break;
		kind = dg_releasable(&set->slot[i], fp, cpu);
		if (kind == DG_LOCK_NONE)
			continue;
		if (n >= DG_RECOVERY_MAX_LOCKS) {
			l->n = DG_RECOVERY_MAX_LOCKS + 1;	/* too many: refused below */
			break;
		}
		l->key[n] = set->slot[i].key;
		l->flags[n] = set->slot[i].value;
		l->kind[n] = kind;
		l->n = n + 1;
		set->slot[i].released = 1;
		__sync_fetch_and_add(&dg_released_live, 1);
	}
	dg_set_release(set);
	return true;
}

/*
 * unlock_around: release the spinlocks and rwlocks the current task holds
 * as this driver before the blocking call at fp->site proceeds; the call's
 * relock programs retake them.  A refusal unmarks the entries.
 */
static __always_inline __u32 dg_unlock_around(struct dg_frame *fp, __u32 rule)
{
	struct dg_unrelease u = { .pid = fp->pid, .left = DG_MAX_HELD };
	struct dg_release_list l = {};
	int outcome;

	if (!dg_recovery_enabled(rule))
		return DG_RECOVERY_OFF;
	if (fp->context != DG_CTX_PROCESS)
		return dg_recovery_counted(DG_RECOVERY_NOT_IN_TASK);
	if (dg_tainted(fp) || !dg_mark_released(fp, &l))
		return dg_recovery_counted(DG_RECOVERY_UNCERTAIN);
	outcome = dg_recover_begin(fp->site);
	if (!outcome) {
		for (int i = 0; i < DG_RECOVERY_MAX_LOCKS + 1; i++) {
			if (i >= l.n)
				break;
			/* an overlong list adds one lock too many: the module refuses it */
			if (i < DG_RECOVERY_MAX_LOCKS)
				dg_recover_add(l.key[i], l.kind[i], l.flags[i]);
			else
				dg_recover_add(0, DG_LOCK_NONE, 0);
		}
		outcome = dg_recover_commit();
	}
	/* "elsewhere": another pack's rule released them; they are released all the same */
	if (outcome != DG_RECOVERY_DONE && outcome != DG_RECOVERY_DONE_ELSEWHERE && l.n)
		dg_unrelease_cpu(bpf_get_smp_processor_id(), &u);
	return dg_recovery_counted(outcome);
}

/*
 * The relock programs' body: when the blocking call at fp->site that
 * unlock_around released locks around returns, retake them.  A call by the
 * kernel inside it (msleep's schedule) is not the driver's and does not.
 */
static __always_inline void dg_relock(struct dg_frame *fp)
{
	struct dg_unrelease u = { .pid = fp->pid, .left = DG_MAX_HELD };

	if (fp->driver < 0 || fp->context != DG_CTX_PROCESS)
		return;
	dg_recover_relock(fp->site);
	/* this pack's entries, also when another pack's relock retakes the locks */
	if (dg_released_live > 0)
		bpf_loop(nr_cpus, dg_unrelease_cpu, &u, 0);
}

/*
 * skip_free and gfp_atomic change an argument of the driver's call the
 * program watches: the module rewrites it in the trampoline's saved
 * argument slots, which the program's context points at (recovery/
 * call_args.c), after checking that the slot still holds what the rule
 * judged.  The context goes to it as a number, the function's address
 * says which call it is.  Only a call the frame attributes to the driver
 * itself gets here (the rules run for fp->driver >= 0); a run of an
 * interrupt context in which programs may have been skipped is refused:
 * its memory state may be stale.
 */
static __always_inline __u32 dg_change_call(void *ctx, struct dg_frame *fp, __u32 rule,
					    __u64 value, bool gfp)
{
	__u64 ip = bpf_get_func_ip(ctx), c = dg_scalar((__u64)ctx);

	if (!dg_recovery_enabled(rule))
		return DG_RECOVERY_OFF;
	if (fp->driver < 0 || dg_tainted(fp))
		return dg_recovery_counted(DG_RECOVERY_UNCERTAIN);
	if (gfp)
		return dg_recovery_counted(dg_recover_gfp_atomic(c, ip, value));
	return dg_recovery_counted(dg_recover_skip_free(c, ip, value));
}

/* skip_free: the driver's free of @ptr does not reach the allocator. */
static __always_inline __u32 dg_skip_free(void *ctx, struct dg_frame *fp, __u32 rule,
					  __u64 ptr)
{
	return dg_change_call(ctx, fp, rule, ptr, false);
}

/* gfp_atomic: the driver's allocation with @flags is made with GFP_ATOMIC. */
static __always_inline __u32 dg_gfp_atomic(void *ctx, struct dg_frame *fp, __u32 rule,
					   __u64 flags)
{
	return dg_change_call(ctx, fp, rule, flags, true);
}

#endif /* RECOVER_BPF_H */
