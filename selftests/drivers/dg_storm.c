// SPDX-License-Identifier: GPL-2.0
/*
 * Test driver for violation storms: writing N to its debugfs file makes N
 * GFP_KERNEL allocations under a spinlock, each one a sleeping_alloc_in_atomic
 * violation at the same call site, as fast as the CPU goes.  The allocations
 * are small and nearly always served without reclaim, so the kernel itself
 * stays quiet (it would only complain with CONFIG_DEBUG_ATOMIC_SLEEP) and
 * the test can look at how drvguard copes: aggregation, accounting, drops.
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

static DEFINE_SPINLOCK(dg_storm_lock);
static struct dentry *dg_storm_dir;

/* noinline: reports must name this function as the site. */
static noinline void dg_storm_fire(unsigned long n)
{
	for (unsigned long i = 0; i < n; i++) {
		void *p;

		spin_lock(&dg_storm_lock);
		p = kmalloc(32, GFP_KERNEL);
		spin_unlock(&dg_storm_lock);
		kfree(p);
		if (!(i % 1024))
			cond_resched();
	}
}

static ssize_t dg_storm_write(struct file *file, const char __user *buf, size_t count,
			      loff_t *ppos)
{
	unsigned long n;
	int err = kstrtoul_from_user(buf, count, 10, &n);

	if (err)
		return err;
	dg_storm_fire(n);
	return count;
}

static const struct file_operations dg_storm_fops = {
	.owner = THIS_MODULE,
	.write = dg_storm_write,
	.llseek = noop_llseek,
};

static int __init dg_storm_init(void)
{
	dg_storm_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	if (IS_ERR(dg_storm_dir))
		return PTR_ERR(dg_storm_dir);
	debugfs_create_file("trigger", 0200, dg_storm_dir, NULL, &dg_storm_fops);
	return 0;
}

static void __exit dg_storm_exit(void)
{
	debugfs_remove_recursive(dg_storm_dir);
}

module_init(dg_storm_init);
module_exit(dg_storm_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("drvguard test driver: a storm of identical violations");
