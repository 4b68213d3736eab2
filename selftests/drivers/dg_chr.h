/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the char pack's test drivers share: a misc character device,
 * /dev/MODULE, over the driver's own file_operations, registered in
 * dg_setup() and removed in dg_teardown() (dg_core.h), and the repair a
 * driver needs after the scheduler has reset a preempt count its bug left
 * raised.
 */
#ifndef DG_CHR_H
#define DG_CHR_H

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/preempt.h>

static struct miscdevice dg_chr_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = KBUILD_MODNAME,
	.mode = 0666,
};

static int dg_chr_create(const struct file_operations *fops)
{
	dg_chr_dev.fops = fops;
	return misc_register(&dg_chr_dev);
}

static void dg_chr_destroy(void)
{
	misc_deregister(&dg_chr_dev);
}

/*
 * The scheduler answers "scheduling while atomic" by resetting the preempt
 * count, which would make a later spin_unlock() of the lock the bug held
 * underflow it.  Put back what the scheduler dropped below @want, so that
 * the guest survives the bug and the test can look at the reports.
 */
static inline void __maybe_unused dg_chr_restore_preempt_count(int want)
{
	int now = preempt_count();

	if (now < want)
		preempt_count_add(want - now);
}

#endif /* DG_CHR_H */
