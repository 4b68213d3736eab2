// SPDX-License-Identifier: GPL-2.0
/*
 * unlock_around: a driver about to sleep with spinlocks or rwlocks held gets
 * them released before the blocking call and retaken, in the original
 * order, after it returns.  That is the kernel's own unlock, sleep, relock
 * idiom: the driver's own unlock later stays balanced, and the preempt
 * count, bottom-half count and irq state it then restores are what they
 * would have been.
 *
 * The monitor that saw the violation names the locks (its held set: taken
 * by this driver, in this task, not yet released) with begin/add/commit.
 * Commit refuses unless releasing exactly those locks leaves the task
 * preemptible with irqs on: the task must be in process context, and the
 * preempt count and irq state must be what those locks alone explain (a
 * driver that also disabled preemption or irqs itself, or a kernel caller
 * holding its own lock, cannot be made to sleep legally).  Relock runs from
 * the blocking call's fexit programs (two of them, so that the kernel's
 * recursion guard skipping one does not leave the locks released).
 *
 * Records live in a fixed table claimed by compare-and-swap on the owning
 * task, so nothing here allocates or waits on a lock of its own.
 */
#include <linux/atomic.h>
#include <linux/hardirq.h>
#include <linux/irqflags.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/spinlock.h>

#include "recovery.h"

#define DG_RECORDS	64

struct dg_released_lock {
	void *lock;
	u32 kind;
	unsigned long flags;	/* the driver's saved irq flags (irqsave kinds) */
	u64 order;		/* when the driver took it, relative to its other locks */
};

struct dg_record {
	struct task_struct *task;	/* owner; NULL: free */
	u64 site;			/* the driver's blocking call the locks are released around */
	bool committed;			/* the locks are released */
	bool overflow;			/* more locks than fit: refuse */
	int nr;
	struct dg_released_lock lock[DG_RECOVERY_MAX_LOCKS];
};

static struct dg_record records[DG_RECORDS];
/* Records claimed; lets the common case (nothing released) return at once. */
static atomic_t claimed = ATOMIC_INIT(0);

static struct dg_record *record_of(struct task_struct *task)
{
	for (int i = 0; i < DG_RECORDS; i++)
		if (READ_ONCE(records[i].task) == task)
			return &records[i];
	return NULL;
}

static void record_free(struct dg_record *rec)
{
	WRITE_ONCE(rec->task, NULL);
	atomic_dec(&claimed);
}

/*
 * Open a record for the current task's blocking call at @site; 0, or the
 * outcome that ends recovery.
 */
int dg_recover_begin(u64 site)
{
	if (!in_task())
		return DG_RECOVERY_NOT_IN_TASK;
	if (record_of(current))
		return DG_RECOVERY_DONE_ELSEWHERE;
	for (int i = 0; i < DG_RECORDS; i++) {
		struct dg_record *rec = &records[i];

		if (cmpxchg(&rec->task, NULL, current) == NULL) {
			atomic_inc(&claimed);
			rec->site = site;
			rec->committed = false;
			rec->overflow = false;
			rec->nr = 0;
			return 0;
		}
	}
	return DG_RECOVERY_NO_ROOM;
}

/* One lock of the driver's, outermost first. */
/* Add a lock, kept in the order the driver took them (@order: earlier is smaller). */
int dg_recover_add(u64 lock, u32 kind, u64 flags, u64 order)
{
	struct dg_record *rec = record_of(current);
	int i;

	if (!rec || rec->committed)
		return -ENOENT;
	if (!lock || kind == DG_LOCK_NONE || kind >= DG_LOCK_MUTEX ||
	    rec->nr == DG_RECOVERY_MAX_LOCKS) {
		rec->overflow = true;
		return -EINVAL;
	}
	for (i = rec->nr; i > 0 && rec->lock[i - 1].order > order; i--)
		rec->lock[i] = rec->lock[i - 1];
	rec->lock[i] = (struct dg_released_lock){
		.lock = (void *)(unsigned long)lock, .kind = kind, .flags = flags, .order = order,
	};
	rec->nr++;
	return 0;
}

/*
 * Whether the task's atomic state is exactly what its recorded locks
 * explain, so that releasing them makes sleeping legal.
 */
static bool only_these_locks(const struct dg_record *rec)
{
	unsigned int expect = 0;
	bool irqs_off = false;

	for (int i = 0; i < rec->nr; i++) {
		u32 kind = rec->lock[i].kind;

		expect += dg_lock_kind_is_bh(kind) ? SOFTIRQ_LOCK_OFFSET : PREEMPT_LOCK_OFFSET;
		if (dg_lock_kind_is_irq(kind) && !irqs_off) {
			/* the outermost irq-disabling lock must have found irqs on */
			if (dg_lock_kind_is_irqsave(kind) &&
			    arch_irqs_disabled_flags(rec->lock[i].flags))
				return false;
			irqs_off = true;
		}
	}
	expect += dg_monitor_preempt_count() * PREEMPT_OFFSET;	/* the calling monitor's own */
	return preempt_count() == expect && irqs_disabled() == irqs_off;
}

/* Release the recorded locks, innermost first; the outcome for the report. */
int dg_recover_commit(void)
{
	struct dg_record *rec = record_of(current);
	int outcome;

	if (!rec || rec->committed)
		return DG_RECOVERY_DONE_ELSEWHERE;
	if (rec->overflow)
		outcome = DG_RECOVERY_NO_ROOM;
	else if (!rec->nr)
		outcome = DG_RECOVERY_NOTHING_TO_RELEASE;
	else if (!in_task())
		outcome = DG_RECOVERY_NOT_IN_TASK;
	else if (!only_these_locks(rec))
		outcome = DG_RECOVERY_ATOMIC_OTHERWISE;
	else
		outcome = DG_RECOVERY_DONE;
	if (outcome != DG_RECOVERY_DONE) {
		record_free(rec);
		return outcome;
	}
	rec->committed = true;
	for (int i = rec->nr - 1; i >= 0; i--)
		dg_lock_release(rec->lock[i].lock, rec->lock[i].kind, rec->lock[i].flags);
	return DG_RECOVERY_DONE;
}

/*
 * The driver's call at @site returned: retake what was released around it
 * for the current task.  Returns how many locks were retaken.  A call
 * inside the blocking one (msleep's schedule) has another site and leaves
 * them released.
 */
int dg_recover_relock(u64 site)
{
	struct dg_record *rec;
	int nr;

	if (!atomic_read(&claimed) || !in_task())
		return 0;
	rec = record_of(current);
	if (!rec || !rec->committed || rec->site != site)
		return 0;
	nr = rec->nr;
	for (int i = 0; i < nr; i++)
		dg_lock_retake(rec->lock[i].lock, rec->lock[i].kind);
	record_free(rec);
	return nr;
}

int dg_recover_outstanding(void)
{
	return atomic_read(&claimed);
}
