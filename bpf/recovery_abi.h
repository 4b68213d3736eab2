/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the BPF monitors, the recovery module and the drvguard command agree
 * on about recovery: the kinds of lock unlock_around can release, and the
 * outcomes a report carries.  Plain C, included by all three.
 */
#ifndef DRVGUARD_RECOVERY_ABI_H
#define DRVGUARD_RECOVERY_ABI_H

/* How a held lock was taken, which says how to release and retake it. */
enum dg_lock_kind {
	DG_LOCK_NONE = 0,	/* not a lock unlock_around may release */
	DG_LOCK_SPIN,
	DG_LOCK_SPIN_BH,
	DG_LOCK_SPIN_IRQ,
	DG_LOCK_SPIN_IRQSAVE,
	DG_LOCK_READ,
	DG_LOCK_READ_BH,
	DG_LOCK_READ_IRQ,
	DG_LOCK_READ_IRQSAVE,
	DG_LOCK_WRITE,
	DG_LOCK_WRITE_BH,
	DG_LOCK_WRITE_IRQ,
	DG_LOCK_WRITE_IRQSAVE,
	DG_NR_LOCK_KINDS,
};

/* The outcome of a rule's recovery, carried by its report (0: none asked). */
enum dg_recovery_outcome {
	DG_RECOVERY_NONE = 0,		/* the rule has no recover clause */
	DG_RECOVERY_OFF,		/* recovery is not enabled */
	DG_RECOVERY_DONE,		/* the action was carried out */
	DG_RECOVERY_DONE_ELSEWHERE,	/* another pack's rule already did it for this call */
	DG_RECOVERY_NOT_IN_TASK,	/* refused: not process context */
	DG_RECOVERY_ATOMIC_OTHERWISE,	/* refused: atomic for reasons other than the driver's locks */
	DG_RECOVERY_NOTHING_TO_RELEASE,	/* refused: no lock of the driver's to release */
	DG_RECOVERY_NO_ROOM,		/* refused: too many tasks or locks in recovery at once */
	DG_RECOVERY_UNCERTAIN,		/* refused: the monitor may have missed lock events here */
	DG_RECOVERY_UNIMPLEMENTED,	/* the action is not implemented yet */
	DG_RECOVERY_CALL_CHANGED,	/* refused: the call's arguments are not what the monitor saw */
	DG_RECOVERY_CANNOT_CHANGE,	/* refused: not a call the module knows how to change safely */
	DG_RECOVERY_NO_STAND_IN,	/* refused: no stand-in object to free instead */
	DG_RECOVERY_MUST_NOT_FAIL,	/* refused: __GFP_NOFAIL, an atomic allocation may fail */
	DG_NR_RECOVERY_OUTCOMES,
};

/* Most locks one unlock_around releases (the held set's size). */
#define DG_RECOVERY_MAX_LOCKS	8

#endif /* DRVGUARD_RECOVERY_ABI_H */
