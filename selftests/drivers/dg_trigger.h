/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The debugfs trigger every test driver exposes: writing anything to
 * /sys/kernel/debug/MODULE/trigger runs the driver's fire() once, in process
 * context, so a test decides exactly when the driver misbehaves.
 */
#ifndef DG_TRIGGER_H
#define DG_TRIGGER_H

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/module.h>

static void dg_fire(void);

static struct dentry *dg_debugfs_dir;

static ssize_t dg_trigger_write(struct file *file, const char __user *buf, size_t count,
				loff_t *ppos)
{
	dg_fire();
	return count;
}

static const struct file_operations dg_trigger_fops = {
	.owner = THIS_MODULE,
	.write = dg_trigger_write,
	.llseek = noop_llseek,
};

static int __init dg_trigger_init(void)
{
	dg_debugfs_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	if (IS_ERR(dg_debugfs_dir))
		return PTR_ERR(dg_debugfs_dir);
	debugfs_create_file("trigger", 0200, dg_debugfs_dir, NULL, &dg_trigger_fops);
	return 0;
}

static void __exit dg_trigger_exit(void)
{
	debugfs_remove_recursive(dg_debugfs_dir);
}

module_init(dg_trigger_init);
module_exit(dg_trigger_exit);
MODULE_LICENSE("GPL");

#endif /* DG_TRIGGER_H */
