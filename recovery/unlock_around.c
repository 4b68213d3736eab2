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

static bool kind_is_bh(u32 kind)
{
	return kind == DG_LOCK_SPIN_BH || kind == DG_LOCK_READ_BH || kind == DG_LOCK_WRITE_BH;
}

static bool kind_is_irq(u32 kind)
{
	return kind == DG_LOCK_SPIN_IRQ || kind == DG_LOCK_SPIN_IRQSAVE ||
	       kind == DG_LOCK_READ_IRQ || kind == DG_LOCK_READ_IRQSAVE ||
	       kind == DG_LOCK_WRITE_IRQ || kind == DG_LOCK_WRITE_IRQSAVE;
}

static bool kind_is_irqsave(u32 kind)
{
	return kind == DG_LOCK_SPIN_IRQSAVE || kind == DG_LOCK_READ_IRQSAVE ||
	       kind == DG_LOCK_WRITE_IRQSAVE;
}

/*
 * The kernel's lock functions as inlines (spinlock_api_smp.h): calling the
 * out-of-line _raw_* ones would show the monitors a kernel unlock of the
 * driver's lock, and they would stop counting it as held.
 */
static void release(const struct dg_released_lock *l)
{
	raw_spinlock_t *spin = &((spinlock_t *)l->lock)->rlock;
	rwlock_t *rw = l->lock;

	switch (l->kind) {
	case DG_LOCK_SPIN:		__raw_spin_unlock(spin); break;
	case DG_LOCK_SPIN_BH:		__raw_spin_unlock_bh(spin); break;
	case DG_LOCK_SPIN_IRQ:		__raw_spin_unlock_irq(spin); break;
	case DG_LOCK_SPIN_IRQSAVE:	__raw_spin_unlock_irqrestore(spin, l->flags); break;
	case DG_LOCK_READ:		__raw_read_unlock(rw); break;
	case DG_LOCK_READ_BH:		__raw_read_unlock_bh(rw); break;
	case DG_LOCK_READ_IRQ:		__raw_read_unlock_irq(rw); break;
	case DG_LOCK_READ_IRQSAVE:	__raw_read_unlock_irqrestore(rw, l->flags); break;
	case DG_LOCK_WRITE:		__raw_write_unlock(rw); break;
	case DG_LOCK_WRITE_BH:		__raw_write_unlock_bh(rw); break;
	case DG_LOCK_WRITE_IRQ:		__raw_write_unlock_irq(rw); break;
	case DG_LOCK_WRITE_IRQSAVE:	__raw_write_unlock_irqrestore(rw, l->flags); break;
	}
}

/* Retake as the driver took it; its own saved flags stay in its variable. */
static void retake(const struct dg_released_lock *l)
{
	raw_spinlock_t *spin = &((spinlock_t *)l->lock)->rlock;
	rwlock_t *rw = l->lock;

	switch (l->kind) {
	case DG_LOCK_SPIN:		__raw_spin_lock(spin); break;
	case DG_LOCK_SPIN_BH:		__raw_spin_lock_bh(spin); break;
	case DG_LOCK_SPIN_IRQ:		__raw_spin_lock_irq(spin); break;
	case DG_LOCK_SPIN_IRQSAVE:	__raw_spin_lock_irqsave(spin); break;
	case DG_LOCK_READ:		__raw_read_lock(rw); break;
	case DG_LOCK_READ_BH:		__raw_read_lock_bh(rw); break;
	case DG_LOCK_READ_IRQ:		__raw_read_lock_irq(rw); break;
	case DG_LOCK_READ_IRQSAVE:	__raw_read_lock_irqsave(rw); break;
	case DG_LOCK_WRITE:		__raw_write_lock(rw); break;
	case DG_LOCK_WRITE_BH:		__raw_write_lock_bh(rw); break;
	case DG_LOCK_WRITE_IRQ:		__raw_write_lock_irq(rw); break;
	case DG_LOCK_WRITE_IRQSAVE:	__raw_write_lock_irqsave(rw); break;
	}
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
int dg_recover_add(u64 lock, u32 kind, u64 flags)
{
	struct dg_record *rec = record_of(current);

	if (!rec || rec->committed)
		return -ENOENT;
	if (!lock || kind == DG_LOCK_NONE || kind >= DG_NR_LOCK_KINDS ||
	    rec->nr == DG_RECOVERY_MAX_LOCKS) {
		rec->overflow = true;
		return -EINVAL;
	}
	rec->lock[rec->nr++] = (struct dg_released_lock){
		.lock = (void *)(unsigned long)lock, .kind = kind, .flags = flags,
	};
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

		expect += kind_is_bh(kind) ? SOFTIRQ_LOCK_OFFSET : PREEMPT_LOCK_OFFSET;
		if (kind_is_irq(kind) && !irqs_off) {
			/* the outermost irq-disabling lock must have found irqs on */
			if (kind_is_irqsave(kind) && arch_irqs_disabled_flags(rec->lock[i].flags))
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
		release(&rec->lock[i]);
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
		retake(&rec->lock[i]);
	record_free(rec);
	return nr;
}

int dg_recover_outstanding(void)
{
	return atomic_read(&claimed);
}
