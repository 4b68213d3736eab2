// SPDX-License-Identifier: GPL-2.0
/*
 * Misbehaving test driver for the core pack's irqrestore_wrong_flags rule:
 * spin_unlock_irqrestore() with flags saved inside the critical section
 * (interrupts off) instead of the ones spin_lock_irqsave() returned.
 *
 * Real: the wrong flags leave interrupts disabled after the unlock.  The
 * driver checks that and prints it (the test's oracle), then does what the
 * unlock should have done, local_irq_restore() with the right flags.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/irqflags.h>
#include <linux/spinlock.h>

#include "dg_core.h"

static DEFINE_SPINLOCK(dg_lock);

static noinline void dg_irqrestore_wrong_flags_fire(void)
{
	unsigned long flags, inner;
	bool left_off;

	spin_lock_irqsave(&dg_lock, flags);
	local_save_flags(inner);
	spin_unlock_irqrestore(&dg_lock, inner);
	left_off = irqs_disabled();
	local_irq_restore(flags);
	pr_info("interrupts %s after spin_unlock_irqrestore() with the wrong flags\n",
		left_off ? "still disabled" : "enabled");
}

static void dg_fire(void)
{
	dg_irqrestore_wrong_flags_fire();
}

MODULE_DESCRIPTION("drvguard test driver: restores irq flags it did not save");
