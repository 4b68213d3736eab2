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
#include "recovery_abi.h"

extern int dg_recover_begin(void) __ksym;
extern int dg_recover_add(__u64 lock, __u32 kind, __u64 flags) __ksym;
extern int dg_recover_commit(void) __ksym;
extern void dg_recover_relock(void) __ksym;

/* Key 0: recovery enabled for this pack; set by `drvguard recover`. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} recovery SEC(".maps");

/* The pack defines DG_API_LOCK_KINDS: per catalog API, the enum dg_lock_kind it takes. */
static const __u8 dg_api_lock_kinds[DG_NR_CATALOG_APIS] = DG_API_LOCK_KINDS;

static __always_inline bool dg_recovery_enabled(void)
{
	__u32 zero = 0, *on = bpf_map_lookup_elem(&recovery, &zero);

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
static __always_inline __u32 dg_recover_unimplemented(void)
{
	return dg_recovery_counted(dg_recovery_enabled() ? DG_RECOVERY_UNIMPLEMENTED :
				   DG_RECOVERY_OFF);
}

/*
 * unlock_around: release the spinlocks and rwlocks the current task holds
 * as this driver before the blocking call proceeds; the blocking call's
 * fexit program (dg_relock_*) retakes them.
 */
static __always_inline __u32 dg_unlock_around(struct dg_frame *fp)
{
	__u32 zero = 0, cpu = bpf_get_smp_processor_id();
	struct dg_held_set *set;
	int outcome;

	if (!dg_recovery_enabled())
		return DG_RECOVERY_OFF;
	if (fp->context != DG_CTX_PROCESS)
		return dg_recovery_counted(DG_RECOVERY_NOT_IN_TASK);
	if (dg_tainted(fp))
		return dg_recovery_counted(DG_RECOVERY_UNCERTAIN);
	set = bpf_map_lookup_elem(&held, &zero);
	if (!set)
		return dg_recovery_counted(DG_RECOVERY_UNCERTAIN);
	outcome = dg_recover_begin();
	if (outcome)
		return dg_recovery_counted(outcome);
	for (int i = 0; i < DG_MAX_HELD; i++) {
		const struct dg_held *h = &set->slot[i];
		__u32 kind;

		if (i >= set->depth)
			break;
		if (h->driver != fp->driver || h->pid != fp->pid || h->context != DG_CTX_PROCESS ||
		    !dg_held_current(h, cpu) || h->api >= DG_NR_CATALOG_APIS)
			continue;
		if (!(dg_held_masks[h->res & (DG_MAX_RESOURCES - 1)] & (1u << h->state)))
			continue;
		kind = dg_api_lock_kinds[h->api];
		if (kind != DG_LOCK_NONE)
			dg_recover_add(h->key, kind, h->value);
	}
	return dg_recovery_counted(dg_recover_commit());
}

#endif /* RECOVER_BPF_H */
