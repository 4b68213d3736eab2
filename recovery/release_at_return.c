// SPDX-License-Identifier: GPL-2.0
/*
 * release_at_return: a driver entry point (irq handler, timer, work item,
 * file operation...) returned with one of its locks still held.  The
 * monitor's program on the entry point's return runs in the context that
 * took the lock, before the kernel's own checks (the timer's "preempt
 * leak", the workqueue's "leaked lock or atomic"), and hands the module
 * each such lock, innermost first; the module unlocks it the way it was
 * taken, as the driver's missing unlock would have.
 *
 * The monitor vouches that the lock is the driver's, taken in this run of
 * this context (and by this task), with every lock event of the run seen.
 * The module refuses what would not be the driver's own unlock:
 *  - a context other than the one the monitor saw take the lock, or NMI;
 *  - a lock not held as the monitor saw it (a mutex another task owns);
 *  - a release the preempt count or irq state does not allow: the preempt
 *    or bottom-half count holds no room for the lock (the kernel already
 *    reset it, as after a module init), a bottom-half lock in a hard irq
 *    handler or with irqs off, an irq lock in a hard irq handler that
 *    would turn irqs on, or irqs already on where the lock turned them off.
 * A mutex is unlocked with mutex_unlock(), by its owner, in process
 * context; the monitors do see that call, and pass over it because the
 * monitor has marked the entry released first.
 */
#include <linux/hardirq.h>
#include <linux/irqflags.h>
#include <linux/mutex.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/spinlock.h>

#include "drvguard.h"
#include "recovery.h"

#define DG_MUTEX_FLAGS	0x07UL	/* kernel/locking/mutex.h: low bits of the owner word */

/* Whether the CPU runs in @context (enum dg_context), as the monitor saw it. */
static bool in_context(u32 context)
{
	switch (context) {
	case DG_CTX_PROCESS:	return in_task();
	case DG_CTX_SOFTIRQ:	return in_serving_softirq() && !in_hardirq() && !in_nmi();
	case DG_CTX_HARDIRQ:	return in_hardirq() && !in_nmi();
	}
	return false;
}

/* Whether @lock, of spinning @kind, is held the way @kind takes it. */
static bool spinning_held(void *lock, u32 kind)
{
	rwlock_t *rw = lock;
	int cnts;

	if (kind <= DG_LOCK_SPIN_IRQSAVE)
		return raw_spin_is_locked(&((spinlock_t *)lock)->rlock);
	cnts = atomic_read(&rw->raw_lock.cnts);
	if (kind <= DG_LOCK_READ_IRQSAVE)
		return cnts >= _QR_BIAS;
	return (cnts & _QW_WMASK) == _QW_LOCKED;
}

/*
 * Whether unlocking a spinning lock of @kind, with the driver's saved
 * @flags, is legal here: the counts and the irq state it undoes are there.
 */
static bool release_legal(u32 kind, unsigned long flags)
{
	unsigned int own = dg_monitor_preempt_count();

	if ((preempt_count() & PREEMPT_MASK) < (own + 1) * PREEMPT_OFFSET)
		return false;
	if (dg_lock_kind_is_bh(kind)) {
		unsigned int served = in_serving_softirq() ? SOFTIRQ_OFFSET : 0;

		if (in_hardirq() || irqs_disabled() ||
		    softirq_count() - served < SOFTIRQ_DISABLE_OFFSET)
			return false;
	}
	if (dg_lock_kind_is_irq(kind)) {
		if (!irqs_disabled())
			return false;
		/* a hard irq handler runs with irqs off, and must return so */
		if (in_hardirq() &&
		    (!dg_lock_kind_is_irqsave(kind) || !arch_irqs_disabled_flags(flags)))
			return false;
	}
	return true;
}

static int release_mutex(struct mutex *m)
{
	if (!in_task())
		return DG_RECOVERY_NOT_IN_TASK;
	if ((atomic_long_read(&m->owner) & ~DG_MUTEX_FLAGS) != (unsigned long)current)
		return DG_RECOVERY_NOT_HELD;
	mutex_unlock(m);
	return DG_RECOVERY_DONE;
}

/*
 * Release @lock, which the driver took as @kind (@flags: its saved irq
 * flags) in @context and still holds as its entry point returns; the
 * outcome for the report.
 */
int dg_recover_release_at_return(u64 lock, u32 kind, u64 flags, u32 context)
{
	void *l = (void *)(unsigned long)lock;

	if (!lock || kind == DG_LOCK_NONE || kind >= DG_NR_LOCK_KINDS)
		return DG_RECOVERY_UNKNOWN_LOCK;
	if (!in_context(context))
		return DG_RECOVERY_NOT_ATTRIBUTED;
	if (kind == DG_LOCK_MUTEX)
		return release_mutex(l);
	if (!spinning_held(l, kind))
		return DG_RECOVERY_NOT_HELD;
	if (!release_legal(kind, flags))
		return DG_RECOVERY_ILLEGAL_HERE;
	dg_lock_release(l, kind, flags);
	return DG_RECOVERY_DONE;
}
