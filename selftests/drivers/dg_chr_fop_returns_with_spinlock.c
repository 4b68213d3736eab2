// SPDX-License-Identifier: GPL-2.0
/*
 * Misbehaving test driver for the char pack's fop_returns_with_spinlock
 * rule: once armed by the trigger, the device's read method takes its
 * error path, which forgets to release the spinlock, and returns to user
 * space with the lock held and preemption off.
 *
 * Real: the task runs user code with a raised preempt count, and the first
 * time it sleeps the scheduler reports "BUG: scheduling while atomic" (the
 * test's oracle) and resets the count.  The lock itself stays taken until
 * the same task calls the driver again: its next read or ioctl releases
 * the lock first, after putting back the preempt count the scheduler took
 * away, so that the unlock balances and the guest lives.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/sched.h>
#include <linux/spinlock.h>

#define DG_HAS_SETUP
#include "dg_core.h"
#include "dg_chr.h"

static DEFINE_SPINLOCK(dg_lock);
static atomic_t dg_armed = ATOMIC_INIT(0);
static struct task_struct *dg_holder;	/* the task the bug left holding dg_lock */
static unsigned long dg_reads;

/* Release what the bug left held, if the caller is who holds it. */
static void dg_chr_release_leaked(void)
{
	if (READ_ONCE(dg_holder) != current)
		return;
	dg_chr_restore_preempt_count(1);
	WRITE_ONCE(dg_holder, NULL);
	spin_unlock(&dg_lock);
	pr_info("released the lock the read left held\n");
}

static ssize_t dg_chr_fop_returns_with_spinlock_read(struct file *file, char __user *buf,
						     size_t count, loff_t *ppos)
{
	char snap[24];
	int len;

	dg_chr_release_leaked();
	spin_lock(&dg_lock);
	len = scnprintf(snap, sizeof(snap), "%lu\n", dg_reads++);
	if (atomic_cmpxchg(&dg_armed, 1, 0) == 1) {
		/* the bug: this error path forgets the unlock */
		WRITE_ONCE(dg_holder, current);
		return -EAGAIN;
	}
	spin_unlock(&dg_lock);
	return simple_read_from_buffer(buf, count, ppos, snap, len);
}

static long dg_chr_fop_returns_with_spinlock_ioctl(struct file *file, unsigned int cmd,
						   unsigned long arg)
{
	dg_chr_release_leaked();
	return -ENOTTY;
}

static const struct file_operations dg_chr_fops = {
	.owner = THIS_MODULE,
	.read = dg_chr_fop_returns_with_spinlock_read,
	.unlocked_ioctl = dg_chr_fop_returns_with_spinlock_ioctl,
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

MODULE_DESCRIPTION("drvguard test driver: a read method that returns with a spinlock held");
