// SPDX-License-Identifier: GPL-2.0
/*
 * Misbehaving test driver for the char pack's fop_sleeps_with_spinlock
 * rule: once armed by the trigger, the device's write method sleeps in
 * msleep() while it holds a spinlock.
 *
 * Real: with preempt=full the kernel itself reports "BUG: scheduling while
 * atomic" (the test's oracle).  The driver puts back the preempt count the
 * scheduler resets, so that its spin_unlock() balances and the guest lives.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/spinlock.h>

#define DG_HAS_SETUP
#include "dg_core.h"
#include "dg_chr.h"

static DEFINE_SPINLOCK(dg_lock);
static atomic_t dg_armed = ATOMIC_INIT(0);
static size_t dg_written;

static ssize_t dg_chr_fop_sleeps_with_spinlock_write(struct file *file, const char __user *buf,
						     size_t count, loff_t *ppos)
{
	int held;

	spin_lock(&dg_lock);
	dg_written += count;
	if (atomic_cmpxchg(&dg_armed, 1, 0) == 1) {
		held = preempt_count();
		msleep(1);
		dg_chr_restore_preempt_count(held);
	}
	spin_unlock(&dg_lock);
	return count;
}

static const struct file_operations dg_chr_fops = {
	.owner = THIS_MODULE,
	.write = dg_chr_fop_sleeps_with_spinlock_write,
	.llseek = noop_llseek,
};

static void dg_fire(void)
{
	atomic_set(&dg_armed, 1);
}

static int dg_setup(void)
{
	return dg_chr_create(&dg_chr_fops);
}

static void dg_teardown(void)
{
	dg_chr_destroy();
}

MODULE_DESCRIPTION("drvguard test driver: a write method that sleeps under a spinlock");
