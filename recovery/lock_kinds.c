// SPDX-License-Identifier: GPL-2.0
/*
 * Releasing and retaking a driver's lock the way the driver took it
 * (enum dg_lock_kind), shared by the actions that let go of a driver's
 * locks: unlock_around releases and retakes them around a blocking call,
 * release_at_return releases what an entry point left held.
 *
 * The kernel's lock functions are used as inlines (spinlock_api_smp.h):
 * calling the out-of-line _raw_* ones would show the monitors a kernel
 * unlock of the driver's lock, and they would stop counting it as held.
 */
#include <linux/spinlock.h>

#include "recovery.h"

bool dg_lock_kind_is_bh(u32 kind)
{
	return kind == DG_LOCK_SPIN_BH || kind == DG_LOCK_READ_BH || kind == DG_LOCK_WRITE_BH;
}

bool dg_lock_kind_is_irq(u32 kind)
{
	return kind == DG_LOCK_SPIN_IRQ || kind == DG_LOCK_SPIN_IRQSAVE ||
	       kind == DG_LOCK_READ_IRQ || kind == DG_LOCK_READ_IRQSAVE ||
	       kind == DG_LOCK_WRITE_IRQ || kind == DG_LOCK_WRITE_IRQSAVE;
}

bool dg_lock_kind_is_irqsave(u32 kind)
{
	return kind == DG_LOCK_SPIN_IRQSAVE || kind == DG_LOCK_READ_IRQSAVE ||
	       kind == DG_LOCK_WRITE_IRQSAVE;
}

/* Release a spinning @lock of @kind; @flags: the driver's saved irq flags (irqsave kinds). */
void dg_lock_release(void *lock, u32 kind, unsigned long flags)
{
	raw_spinlock_t *spin = &((spinlock_t *)lock)->rlock;
	rwlock_t *rw = lock;

	switch (kind) {
	case DG_LOCK_SPIN:		__raw_spin_unlock(spin); break;
	case DG_LOCK_SPIN_BH:		__raw_spin_unlock_bh(spin); break;
	case DG_LOCK_SPIN_IRQ:		__raw_spin_unlock_irq(spin); break;
	case DG_LOCK_SPIN_IRQSAVE:	__raw_spin_unlock_irqrestore(spin, flags); break;
	case DG_LOCK_READ:		__raw_read_unlock(rw); break;
	case DG_LOCK_READ_BH:		__raw_read_unlock_bh(rw); break;
	case DG_LOCK_READ_IRQ:		__raw_read_unlock_irq(rw); break;
	case DG_LOCK_READ_IRQSAVE:	__raw_read_unlock_irqrestore(rw, flags); break;
	case DG_LOCK_WRITE:		__raw_write_unlock(rw); break;
	case DG_LOCK_WRITE_BH:		__raw_write_unlock_bh(rw); break;
	case DG_LOCK_WRITE_IRQ:		__raw_write_unlock_irq(rw); break;
	case DG_LOCK_WRITE_IRQSAVE:	__raw_write_unlock_irqrestore(rw, flags); break;
	}
}

/* Retake as the driver took it; its own saved flags stay in its variable. */
void dg_lock_retake(void *lock, u32 kind)
{
	raw_spinlock_t *spin = &((spinlock_t *)lock)->rlock;
	rwlock_t *rw = lock;

	switch (kind) {
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
