/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the BPF monitors, the recovery module and the drvguard command agree
 * on about recovery: the kinds of lock the module can release, and the
 * outcomes a report carries.  Plain C, included by all three.
 */
#ifndef DRVGUARD_RECOVERY_ABI_H
#define DRVGUARD_RECOVERY_ABI_H

/* How a held lock was taken, which says how to release and retake it. */
enum dg_lock_kind {
	DG_LOCK_NONE = 0,	/* not a lock the module may release */
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
	DG_LOCK_MUTEX,		/* release_at_return only: sleeping with it held is legal */
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
	DG_RECOVERY_NOT_ATTRIBUTED,	/* refused: not this driver's lock, in this context */
	DG_RECOVERY_UNKNOWN_LOCK,	/* refused: not a lock the module knows how to release */
	DG_RECOVERY_NOT_HELD,		/* refused: the lock is not held as the monitor saw it */
	DG_RECOVERY_ILLEGAL_HERE,	/* refused: releasing it here is not legal */
	DG_RECOVERY_NOT_AT_UNLOAD,	/* refused: not asked from the module's unload hook */
	DG_RECOVERY_CANNOT_RELEASE,	/* refused: no release call the module makes safely */
	DG_RECOVERY_NOT_LIVE,		/* refused: not what the kernel holds it to be */
	DG_RECOVERY_DEVICE_UNKNOWN,	/* refused: the device it belongs to may be gone */
	DG_RECOVERY_CANNOT_FAIL,	/* refused: the call has no failure return */
	DG_RECOVERY_NOT_ARMED,		/* refused: fail_call is not armed for this function */
	DG_RECOVERY_MISSED_RELEASE,	/* refused: the monitor may have missed the driver's release */
	DG_NR_RECOVERY_OUTCOMES,
};

/* Most locks one unlock_around releases (the held set's size). */
#define DG_RECOVERY_MAX_LOCKS	8

/*
 * reclaim_at_unload: the release call a rule's resource declares for a
 * leaked object is named to the module by its catalog name, in a buffer of
 * this size, with the object: its key and the values its entry stores
 * (DG_RELEASE_OBJ words, key first), and where each goes among the call's
 * arguments, 4 bits each (DG_RELEASE_ARGS(key, value, value2, value3);
 * DG_RELEASE_NO_ARG for one the call does not take).
 */
#define DG_RELEASE_NAME_LEN	32
#define DG_RELEASE_OBJ		4
#define DG_RELEASE_NO_ARG	0xf
#define DG_RELEASE_ARGS(key, v1, v2, v3)	((key) | ((v1) << 4) | ((v2) << 8) | ((v3) << 12))
#define DG_RELEASE_ARG(args, i)		(((args) >> (4 * (i))) & 0xf)

#endif /* DRVGUARD_RECOVERY_ABI_H */
