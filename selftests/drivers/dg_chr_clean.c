// SPDX-License-Identifier: GPL-2.0
/*
 * Clean test driver for the char pack: a misc device whose file methods
 * take every lock they need and release it before they return, and sleep
 * only with no spinlock held.
 *
 *  - open counts openers under a spinlock;
 *  - read holds a mutex across copy_to_user() (which may fault and sleep:
 *    allowed under a mutex) and updates statistics under spin_lock_irqsave;
 *  - write takes the mutex with mutex_lock_interruptible() across
 *    copy_from_user(), and counts under spin_lock_bh;
 *  - ioctl reads statistics under a read lock, resets them under a write
 *    lock with irqs saved, tries the mutex with mutex_trylock(), and sleeps
 *    in msleep() after dropping a spinlock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>

#define DG_HAS_SETUP
#include "dg_core.h"
#include "dg_chr.h"

#define DG_BUF_SIZE	4096
#define DG_IOC_STATS	_IOR('d', 1, unsigned long)
#define DG_IOC_RESET	_IO('d', 2)
#define DG_IOC_TRY	_IO('d', 3)
#define DG_IOC_NAP	_IO('d', 4)

static DEFINE_MUTEX(dg_buf_mutex);
static char dg_buf[DG_BUF_SIZE];
static size_t dg_buf_len;
static DEFINE_SPINLOCK(dg_stats_lock);
static DEFINE_RWLOCK(dg_stats_rwlock);
static unsigned long dg_opens, dg_reads, dg_writes, dg_naps;

static int dg_chr_clean_open(struct inode *inode, struct file *file)
{
	spin_lock(&dg_stats_lock);
	dg_opens++;
	spin_unlock(&dg_stats_lock);
	return 0;
}

static ssize_t dg_chr_clean_read(struct file *file, char __user *buf, size_t count,
				 loff_t *ppos)
{
	unsigned long flags;
	ssize_t n = 0;

	mutex_lock(&dg_buf_mutex);
	if (*ppos < dg_buf_len) {
		n = min_t(size_t, count, dg_buf_len - *ppos);
		if (copy_to_user(buf, dg_buf + *ppos, n))
			n = -EFAULT;
		else
			*ppos += n;
	}
	mutex_unlock(&dg_buf_mutex);
	spin_lock_irqsave(&dg_stats_lock, flags);
	dg_reads++;
	spin_unlock_irqrestore(&dg_stats_lock, flags);
	return n;
}

static ssize_t dg_chr_clean_write(struct file *file, const char __user *buf, size_t count,
				  loff_t *ppos)
{
	size_t n = min_t(size_t, count, DG_BUF_SIZE);

	if (mutex_lock_interruptible(&dg_buf_mutex))
		return -ERESTARTSYS;
	if (copy_from_user(dg_buf, buf, n)) {
		mutex_unlock(&dg_buf_mutex);
		return -EFAULT;
	}
	dg_buf_len = n;
	mutex_unlock(&dg_buf_mutex);
	spin_lock_bh(&dg_stats_lock);
	dg_writes++;
	spin_unlock_bh(&dg_stats_lock);
	return n;
}

static long dg_chr_clean_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	unsigned long flags, v;

	switch (cmd) {
	case DG_IOC_STATS:
		read_lock(&dg_stats_rwlock);
		v = dg_reads + dg_writes;
		read_unlock(&dg_stats_rwlock);
		return put_user(v, (unsigned long __user *)arg);
	case DG_IOC_RESET:
		write_lock_irqsave(&dg_stats_rwlock, flags);
		dg_reads = 0;
		dg_writes = 0;
		write_unlock_irqrestore(&dg_stats_rwlock, flags);
		return 0;
	case DG_IOC_TRY:
		if (!mutex_trylock(&dg_buf_mutex))
			return -EBUSY;
		dg_buf_len = 0;
		mutex_unlock(&dg_buf_mutex);
		return 0;
	case DG_IOC_NAP:
		spin_lock(&dg_stats_lock);
		dg_naps++;
		spin_unlock(&dg_stats_lock);
		msleep(1);
		return 0;
	}
	return -ENOTTY;
}

static const struct file_operations dg_chr_fops = {
	.owner = THIS_MODULE,
	.open = dg_chr_clean_open,
	.read = dg_chr_clean_read,
	.write = dg_chr_clean_write,
	.unlocked_ioctl = dg_chr_clean_ioctl,
	.llseek = default_llseek,
};

static void dg_fire(void)
{
}

static int dg_setup(void)
{
	return dg_chr_create(&dg_chr_fops);
}

static void dg_teardown(void)
{
	dg_chr_destroy();
	pr_info("%lu opens, %lu naps\n", dg_opens, dg_naps);
}

MODULE_DESCRIPTION("drvguard test driver: a misc device that releases every lock it takes");
