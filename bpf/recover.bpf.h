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
extern int dg_recover_add(__u64 lock, __u32 kind, __u64 flags, __u64 order) __ksym;
extern int dg_recover_commit(void) __ksym;
extern int dg_recover_relock(__u64 site) __ksym;
extern int dg_recover_release_at_return(__u64 lock, __u32 kind, __u64 flags,
					__u32 context) __ksym;
extern int dg_recover_skip_free(__u64 ctx, __u64 ip, __u64 ptr) __ksym;
extern int dg_recover_gfp_atomic(__u64 ctx, __u64 ip, __u64 flags) __ksym;
extern int dg_recover_reclaim(const char *api, __u32 api__sz, const __u64 *obj,
			      __u32 obj__sz, __u32 args) __ksym;
extern int dg_recover_fail_call(__u64 ctx, __u64 ip, __u64 value) __ksym;

/* Per rule id: recovery enabled for that rule; set by `drvguard recover`. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, DG_MAX_RULES + 1);
	__type(key, __u32);
	__type(value, __u32);
} recovery SEC(".maps");

/*
 * The pack defines DG_API_LOCK_KINDS: per catalog API, the enum dg_lock_kind
 * it takes, for unlock_around (spinning locks only); DG_API_RELEASE_KINDS
 * also has the mutexes, for release_at_return.  Powers of two long, so that
 * a masked index needs no bounds check the compiler might move away from
 * the load.
 */
#define DG_API_LOCK_KINDS_SIZE	256
_Static_assert(DG_NR_CATALOG_APIS <= DG_API_LOCK_KINDS_SIZE, "catalog outgrew dg_api_lock_kinds");
static const __u8 dg_api_lock_kinds[DG_API_LOCK_KINDS_SIZE] = DG_API_LOCK_KINDS;
static const __u8 dg_api_release_kinds[DG_API_LOCK_KINDS_SIZE] = DG_API_RELEASE_KINDS;

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

/* Whether held entry @h, identity @id, is a lock unlock_around may release for @fp's task. */
static __always_inline __u32 dg_releasable(const struct dg_held *h, __u64 id,
					   const struct dg_actor *fp, __u32 cpu)
{
	__u32 api;

	if (!dg_held_holding(id) || h->driver != fp->driver || h->pid != fp->pid ||
	    h->context != DG_CTX_PROCESS || !dg_held_current(h, cpu) ||
	    h->api >= DG_NR_CATALOG_APIS)
		return DG_LOCK_NONE;
	if (!dg_held_state_holds(h))
		return DG_LOCK_NONE;
	api = h->api;
	barrier_var(api);	/* mask here, where the verifier sees it */
	return dg_api_lock_kinds[api & (DG_API_LOCK_KINDS_SIZE - 1)];
}

/* Entries marked released, over all CPUs: relock scans for them only when some are. */
__s64 dg_released_live;

struct dg_unrelease {
	__u32 pid;
	__u32 left;	/* entries still to unmark */
};

/* Unmark @u->pid's released entries in @set. */
static __always_inline void dg_unrelease_set(struct dg_held_set *set, struct dg_unrelease *u)
{
	for (int i = 0; i < DG_MAX_HELD; i++) {
		struct dg_held *h = &set->slot[i];
		__u64 id;

		if (i >= set->depth)
			break;
		id = dg_held_ident(h);
		if (!(id & DG_HELD_RELEASED) || h->pid != u->pid)
			continue;
		if (dg_held_swap(h, id, id & ~DG_HELD_RELEASED)) {
			__sync_fetch_and_sub(&dg_released_live, 1);
			u->left--;
		}
	}
}

/*
 * Unmark @u->pid's released entries on @cpu; the task may have woken
 * elsewhere.  One compare-and-swap each, so no claim: another CPU's
 * program holding that CPU's set cannot make this skip them.
 */
static long dg_unrelease_cpu(__u32 cpu, struct dg_unrelease *u)
{
	__u32 zero = 0;
	struct dg_held_set *set = bpf_map_lookup_percpu_elem(&held, &zero, cpu);

	if (!set)
		return 0;
	dg_unrelease_set(set, u);
	return u->left ? 0 : 1;
}

struct dg_release_list {
	__u64 key[DG_RECOVERY_MAX_LOCKS];
	__u64 flags[DG_RECOVERY_MAX_LOCKS];
	__u64 order[DG_RECOVERY_MAX_LOCKS];	/* the holds' identities: the module retakes in their order */
	__u8 kind[DG_RECOVERY_MAX_LOCKS];
	__u32 n;
};

/*
 * The list one unlock_around hands the module, one per CPU: on the stack it
 * would not fit, with the program's own frame, in the 512 bytes all frames
 * of a program share.  Programs run with preemption off and only process
 * context gets as far as the list, so no other unlock_around can use this
 * CPU's list meanwhile: an interrupt's programs are refused before it.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dg_release_list);
} release_list SEC(".maps");

/*
 * Mark the entries unlock_around may release for @fp's task on this CPU
 * released, and list them in @l.  They are marked while
 * the locks are still held, so that no other task taking one of them after
 * the release finds a stale holder.  The set is claimed only for this
 * loop, never across the module's calls: a program preempted there would
 * make every other program on the CPU skip its updates.
 */
static __always_inline bool dg_mark_released(const struct dg_actor *fp, struct dg_release_list *l)
{
	__u32 zero = 0, cpu = bpf_get_smp_processor_id();
	struct dg_held_set *set = bpf_map_lookup_elem(&held, &zero);

	if (!set || !dg_set_claim(set))
		return false;
	for (int i = 0; i < DG_MAX_HELD; i++) {
		struct dg_held *h = &set->slot[i];
		__u32 kind, n = l->n;
		__u64 id;

		if (i >= set->depth)
			break;
		id = dg_held_ident(h);
		kind = dg_releasable(h, id, fp, cpu);
		if (kind == DG_LOCK_NONE)
			continue;
		if (n >= DG_RECOVERY_MAX_LOCKS) {
			l->n = DG_RECOVERY_MAX_LOCKS + 1;	/* too many: refused below */
			break;
		}
		if (!dg_held_swap(h, id, id | DG_HELD_RELEASED))
			continue;
		l->key[n] = h->key;
		l->flags[n] = h->value;
		l->order[n] = id;
		l->kind[n] = kind;
		l->n = n + 1;
		__sync_fetch_and_add(&dg_released_live, 1);
	}
	dg_set_release(set);
	return true;
}

/*
 * unlock_around: release the spinlocks and rwlocks the current task holds
 * as this driver before the blocking call at fp->site proceeds; the call's
 * relock programs retake them.  A refusal unmarks the entries.  A global
 * function: see dg_report_as().
 */
__noinline __u32 dg_unlock_around_as(const struct dg_actor *fp, __u32 rule)
{
	struct dg_unrelease u = { .left = DG_MAX_HELD };
	struct dg_release_list *l;
	__u32 zero = 0;
	int outcome;

	if (!fp)
		return DG_RECOVERY_NONE;
	u.pid = fp->pid;
	if (!dg_recovery_enabled(rule))
		return DG_RECOVERY_OFF;
	if (fp->context != DG_CTX_PROCESS)
		return dg_recovery_counted(DG_RECOVERY_NOT_IN_TASK);
	l = bpf_map_lookup_elem(&release_list, &zero);
	if (!l)
		return dg_recovery_counted(DG_RECOVERY_UNCERTAIN);
	l->n = 0;
	if (dg_run_tainted(fp->context, fp->activation) || !dg_mark_released(fp, l))
		return dg_recovery_counted(DG_RECOVERY_UNCERTAIN);
	outcome = dg_recover_begin(fp->site);
	if (!outcome) {
		for (int i = 0; i < DG_RECOVERY_MAX_LOCKS + 1; i++) {
			if (i >= l->n)
				break;
			/* an overlong list adds one lock too many: the module refuses it */
			if (i < DG_RECOVERY_MAX_LOCKS)
				dg_recover_add(l->key[i], l->kind[i], l->flags[i], l->order[i]);
			else
				dg_recover_add(0, DG_LOCK_NONE, 0, 0);
		}
		outcome = dg_recover_commit();
	}
	/* "elsewhere": another pack's rule released them; they are released all the same */
	if (outcome != DG_RECOVERY_DONE && outcome != DG_RECOVERY_DONE_ELSEWHERE && l->n) {
		/* this CPU's set, inline: a call would be a third stack frame */
		struct dg_held_set *set = bpf_map_lookup_elem(&held, &zero);

		if (set)
			dg_unrelease_set(set, &u);
	}
	return dg_recovery_counted(outcome);
}

/* unlock_around for the blocking call of @fp (the generated code's call). */
static __always_inline __u32 dg_unlock_around(const struct dg_frame *fp, __u32 rule)
{
	struct dg_actor a;

	dg_actor_of(&a, fp);
	return dg_unlock_around_as(&a, rule);
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
 * release_at_return: an entry point of the driver returns with the lock of
 * held entry @slot of this CPU's set (the `each` entry @ent) still held;
 * the module releases it.  The `each` loop runs innermost first for this
 * action, so that nested irqsave locks give back their flags in order.
 *
 * The entry must be this driver's, taken in this very run of this context
 * (and by this task in process context), in a run whose lock events were
 * all seen.  It is marked released while the module unlocks, so that the
 * monitors pass over it should they see the unlock (mutex_unlock()) or a
 * new holder; then it goes, or is unmarked on a refusal.
 */
static __always_inline __u32 dg_returnable(const struct dg_held *h, const struct dg_actor *fp,
					   __u32 cpu, __u32 *kind)
{
	__u32 api;

	if (h->driver != fp->driver || h->context != fp->context ||
	    h->activation != fp->activation || !dg_held_current(h, cpu) ||
	    (fp->context == DG_CTX_PROCESS && h->pid != fp->pid))
		return DG_RECOVERY_NOT_ATTRIBUTED;
	if (!dg_held_state_holds(h))
		return DG_RECOVERY_NOT_HELD;
	api = h->api;
	barrier_var(api);	/* mask here, where the verifier sees it */
	*kind = dg_api_release_kinds[api & (DG_API_LOCK_KINDS_SIZE - 1)];
	if (api >= DG_NR_CATALOG_APIS || *kind == DG_LOCK_NONE)
		return DG_RECOVERY_UNKNOWN_LOCK;
	return DG_RECOVERY_NONE;
}

/* Mark entry @slot (@key) released for @fp, *@id its identity then; 0, or the refusal. */
static __always_inline __u32 dg_mark_returning(const struct dg_actor *fp, __u32 slot, __u64 key,
					       __u32 *kind, __u64 *flags, __u64 *id)
{
	__u32 zero = 0, outcome = DG_RECOVERY_UNCERTAIN;
	struct dg_held_set *set = bpf_map_lookup_elem(&held, &zero);
	struct dg_held *h;
	__u64 ident;

	if (!set || slot >= DG_MAX_HELD)
		return DG_RECOVERY_UNCERTAIN;
	h = &set->slot[slot];
	ident = dg_held_ident(h);
	if (slot < set->depth && dg_held_holding(ident) && h->key == key) {
		outcome = dg_returnable(h, fp, bpf_get_smp_processor_id(), kind);
		if (outcome == DG_RECOVERY_NONE && dg_held_swap(h, ident, ident | DG_HELD_RELEASED)) {
			*flags = h->value;
			*id = ident | DG_HELD_RELEASED;
			__sync_fetch_and_add(&dg_released_live, 1);
		} else if (outcome == DG_RECOVERY_NONE) {
			outcome = DG_RECOVERY_UNCERTAIN;
		}
	}
	return outcome;
}

/* Drop entry @slot, marked released as @id for @fp's run, once its lock is released (@done), or unmark it. */
static __always_inline void dg_unmark_returning(__u32 slot, __u64 id, bool done)
{
	__u32 zero = 0;
	struct dg_held_set *set = bpf_map_lookup_elem(&held, &zero);
	struct dg_held *h;

	if (!set || slot >= DG_MAX_HELD)
		return;
	h = &set->slot[slot];
	if (done ? !dg_held_drop(h, id) : !dg_held_swap(h, id, id & ~DG_HELD_RELEASED))
		return;
	__sync_fetch_and_sub(&dg_released_live, 1);
	if (done && dg_set_claim(set)) {
		dg_held_trim(set);
		dg_set_release(set);
	}
}

/* release_at_return of entry @slot (@key) for @fp; a global function, see dg_report_as(). */
__noinline __u32 dg_release_at_return_as(const struct dg_actor *fp, __u32 rule, __u32 slot,
					 __u64 key)
{
	__u32 kind = DG_LOCK_NONE, outcome;
	__u64 flags = 0, id = 0;

	if (!fp)
		return DG_RECOVERY_NONE;
	if (!dg_recovery_enabled(rule))
		return DG_RECOVERY_OFF;
	if (fp->driver < 0 || dg_run_tainted(fp->context, fp->activation))
		return dg_recovery_counted(DG_RECOVERY_UNCERTAIN);
	outcome = dg_mark_returning(fp, slot, key, &kind, &flags, &id);
	if (outcome != DG_RECOVERY_NONE)
		return dg_recovery_counted(outcome);
	outcome = dg_recover_release_at_return(key, kind, flags, fp->context);
	dg_unmark_returning(slot, id, outcome == DG_RECOVERY_DONE);
	return dg_recovery_counted(outcome);
}

static __always_inline __u32 dg_release_at_return(const struct dg_frame *fp, __u32 rule,
						  __u32 slot, const struct dg_view *ent)
{
	struct dg_actor a;

	dg_actor_of(&a, fp);
	return dg_release_at_return_as(&a, rule, slot, ent->key);
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

/*
 * reclaim_at_unload, from a `leave module_exit` rule's `each` over an
 * object resource: the leaked object @ent (its key and stored values) is
 * given back by the release call its resource declares, named @api (a
 * DG_RELEASE_NAME_LEN buffer), the key and values going where @args says.
 * These programs run on the recovery module's dg_module_exited(), inside
 * its module notifier after the exit routine returned: the module only
 * checks and queues here, and makes the calls, which may sleep, when the
 * hook returns and before the module's memory is freed.  Only entries the
 * table attributes to the driver get here (dg_each_object).  Nothing is
 * released for a driver whose code ran where the kernel may have skipped
 * programs (DG_DRIVER_MISSED): a release the monitor did not see would be
 * made a second time.  A kfunc takes five arguments at most, so the object
 * goes as one buffer.
 */
static __always_inline __u32 dg_reclaim_at_unload(struct dg_frame *fp, __u32 rule, char *api,
						  const struct dg_view *ent, __u32 args)
{
	__u64 obj[DG_RELEASE_OBJ] = { ent->key, ent->value, ent->value2, ent->value3 };

	if (!dg_recovery_enabled(rule))
		return DG_RECOVERY_OFF;
	if (dg_driver_missed(fp->driver))
		return dg_recovery_counted(DG_RECOVERY_MISSED_RELEASE);
	return dg_recovery_counted(dg_recover_reclaim(api, DG_RELEASE_NAME_LEN, obj,
						      sizeof(obj), args));
}

/*
 * fail_call: the driver's blocking call returns @value, a failure its API
 * allows (the probe catalog's), without running.  The program cannot skip
 * the call; the module's kprobe on the function's body does, when this
 * task's request for this frame is there (recovery/fail_call.c).  The
 * module refuses a function drvguard has not armed.  The failure is what
 * the call returns in any context, so only the attribution is checked.
 */
static __always_inline __u32 dg_fail_call(void *ctx, struct dg_frame *fp, __u32 rule,
					  __s64 value)
{
	__u64 ip = bpf_get_func_ip(ctx), c = dg_scalar((__u64)ctx);

	if (!dg_recovery_enabled(rule))
		return DG_RECOVERY_OFF;
	if (fp->driver < 0)
		return dg_recovery_counted(DG_RECOVERY_UNCERTAIN);
	return dg_recovery_counted(dg_recover_fail_call(c, ip, (__u64)value));
}

#endif /* RECOVER_BPF_H */
