// SPDX-License-Identifier: GPL-2.0
/*
 * Misbehaving test driver for the char pack's fop_returns_with_mutex rule:
 * once armed by the trigger, a method of the device takes its error path,
 * which forgets to release the mutex, and returns to user space with the
 * mutex held.  Writing 1 to the trigger arms the ioctl method, 2 the write
 * method.
 *
 * Real: without lockdep the kernel does not notice, but the mutex stays
 * taken while its owner runs user code: the DG_IOC_TRY ioctl of any other
 * task fails with EBUSY meanwhile (the test's oracle).  The owner's next
 * call into the driver releases it first.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/uaccess.h>

#define DG_HAS_SETUP
#include "dg_core.h"
#include "dg_chr.h"

#define DG_IOC_NEXT	_IOR('d', 1, int)
#define DG_IOC_TRY	_IO('d', 2)

enum { DG_ARM_IOCTL = 1, DG_ARM_WRITE = 2 };

static DEFINE_MUTEX(dg_mutex);
static atomic_t dg_armed = ATOMIC_INIT(0);
static struct task_struct *dg_owner;	/* the task the bug left holding dg_mutex */
static int dg_value;

/* Release what the bug left held, if the caller is its owner. */
static void dg_chr_release_leaked(void)
{
	if (READ_ONCE(dg_owner) != current)
		return;
	WRITE_ONCE(dg_owner, NULL);
	mutex_unlock(&dg_mutex);
	pr_info("released the mutex the last call left held\n");
}

/* The bug, when @how is armed: return -EAGAIN with dg_mutex held. */
static bool dg_chr_leave_locked(int how)
{
	if (atomic_cmpxchg(&dg_armed, how, 0) != how)
		return false;
	WRITE_ONCE(dg_owner, current);
	return true;
}

static long dg_chr_fop_returns_with_mutex_ioctl(struct file *file, unsigned int cmd,
						unsigned long arg)
{
	int v;

	dg_chr_release_leaked();
	switch (cmd) {
	case DG_IOC_TRY:
		if (!mutex_trylock(&dg_mutex))
			return -EBUSY;
		mutex_unlock(&dg_mutex);
		return 0;
	case DG_IOC_NEXT:
		mutex_lock(&dg_mutex);
		v = dg_value++;
		if (dg_chr_leave_locked(DG_ARM_IOCTL))
			return -EAGAIN;
		mutex_unlock(&dg_mutex);
		return put_user(v, (int __user *)arg);
	}
	return -ENOTTY;
}

static ssize_t dg_chr_fop_returns_with_mutex_write(struct file *file, const char __user *buf,
						   size_t count, loff_t *ppos)
{
	dg_chr_release_leaked();
	mutex_lock(&dg_mutex);
	dg_value += count;
	if (dg_chr_leave_locked(DG_ARM_WRITE))
		return -EAGAIN;
	mutex_unlock(&dg_mutex);
	return count;
}

static const struct file_operations dg_chr_fops = {
	.owner = THIS_MODULE,
	.write = dg_chr_fop_returns_with_mutex_write,
	.unlocked_ioctl = dg_chr_fop_returns_with_mutex_ioctl,
	.llseek = noop_llseek,
};

static void dg_fire(void)
{
	atomic_set(&dg_armed, dg_trigger_arg == DG_ARM_WRITE ? DG_ARM_WRITE : DG_ARM_IOCTL);
}

static int dg_setup(void)
{
	return dg_chr_create(&dg_chr_fops);
}

static void dg_teardown(void)
{
	dg_chr_destroy();
}

MODULE_DESCRIPTION("drvguard test driver: file methods that return with a mutex held");
