/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The bench driver's body, built twice: as dg_bench, the driver drvguard
 * monitors, and as dg_bench_bystander, an identical driver nobody monitors,
 * whose cost shows what monitoring one driver taxes the rest of the kernel.
 *
 * Writing "OP N" to /sys/kernel/debug/MODULE/run runs N iterations of one
 * operation in a tight loop, timed with ktime in the kernel so that no
 * syscall or scheduling noise outside the loop counts; reading the file
 * gives "OP N NS" for the last run.  The operations:
 *   spin          spin_lock() + spin_unlock()
 *   kmalloc       kmalloc(64, GFP_KERNEL) + kfree()
 *   mutex         mutex_lock() + mutex_unlock()
 *   unowned_free  kfree() of memory the kernel allocated for the driver
 *                 (kobject_get_path(), a ring of them filled at load), then
 *                 a new such allocation in its place: to a monitor armed
 *                 before the driver loaded, each kfree() is a
 *                 free_not_allocated violation.  drvguard folds identical
 *                 violations (same rule and call site) into one event per
 *                 second, so the kfree() goes through DG_BENCH_SITES call
 *                 sites in turn, more than the monitors' aggregation table
 *                 holds: this feeds the event pipeline with violations that
 *                 are not folded.  The memory is valid: the kernel is quiet.
 */
#ifndef DG_BENCH_H
#define DG_BENCH_H

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>

/* Pointers the unowned_free ring keeps: a freed address comes back this many ops later. */
#define DG_BENCH_RING	16384

/* Distinct kfree() call sites of unowned_free; more than DG_AGG_SLOTS (1024). */
#define DG_BENCH_SITES	2048

static DEFINE_SPINLOCK(dg_bench_lock);
static DEFINE_MUTEX(dg_bench_mutex);
/* Serialises runs: one loop at a time, and the last result read back. */
static DEFINE_MUTEX(dg_bench_run_mutex);
static char *dg_bench_ring[DG_BENCH_RING];
static unsigned int dg_bench_ring_pos;
static struct dentry *dg_bench_dir;
static char dg_bench_last[96] = "none 0 0\n";

/* noinline: each loop is the call site the monitors see. */
static noinline void dg_bench_spin(unsigned long n)
{
	for (unsigned long i = 0; i < n; i++) {
		spin_lock(&dg_bench_lock);
		spin_unlock(&dg_bench_lock);
	}
}

static noinline int dg_bench_kmalloc(unsigned long n)
{
	for (unsigned long i = 0; i < n; i++) {
		void *p = kmalloc(64, GFP_KERNEL);

		if (!p)
			return -ENOMEM;
		kfree(p);
	}
	return 0;
}

static noinline void dg_bench_mutex_op(unsigned long n)
{
	for (unsigned long i = 0; i < n; i++) {
		mutex_lock(&dg_bench_mutex);
		mutex_unlock(&dg_bench_mutex);
	}
}

/*
 * One kfree() call site per case.  The store after each call differs from
 * case to case, so the compiler cannot merge the calls into one.
 */
static u8 dg_bench_site_hits[DG_BENCH_SITES];
#define DG_SITE(i)	case (i): kfree(p); dg_bench_site_hits[(i)]++; break;
#define DG_SITE4(i)	DG_SITE(i) DG_SITE((i) + 1) DG_SITE((i) + 2) DG_SITE((i) + 3)
#define DG_SITE16(i)	DG_SITE4(i) DG_SITE4((i) + 4) DG_SITE4((i) + 8) DG_SITE4((i) + 12)
#define DG_SITE64(i)	DG_SITE16(i) DG_SITE16((i) + 16) DG_SITE16((i) + 32) DG_SITE16((i) + 48)
#define DG_SITE256(i)	DG_SITE64(i) DG_SITE64((i) + 64) DG_SITE64((i) + 128) DG_SITE64((i) + 192)
#define DG_SITE1024(i)	DG_SITE256(i) DG_SITE256((i) + 256) DG_SITE256((i) + 512) \
			DG_SITE256((i) + 768)

static noinline void dg_bench_free_at_site(unsigned int site, void *p)
{
	switch (site % DG_BENCH_SITES) {
	DG_SITE1024(0)
	DG_SITE1024(1024)
	}
}

static noinline int dg_bench_unowned_free(unsigned long n)
{
	for (unsigned long i = 0; i < n; i++) {
		unsigned int pos = dg_bench_ring_pos++;
		char **slot = &dg_bench_ring[pos % DG_BENCH_RING];

		dg_bench_free_at_site(pos, *slot);
		*slot = kobject_get_path(&THIS_MODULE->mkobj.kobj, GFP_KERNEL);
		if (!*slot)
			return -ENOMEM;
	}
	return 0;
}

static int dg_bench_run(const char *op, unsigned long n, u64 *ns)
{
	u64 t0 = ktime_get_ns();
	int err = 0;

	if (!strcmp(op, "spin"))
		dg_bench_spin(n);
	else if (!strcmp(op, "kmalloc"))
		err = dg_bench_kmalloc(n);
	else if (!strcmp(op, "mutex"))
		dg_bench_mutex_op(n);
	else if (!strcmp(op, "unowned_free"))
		err = dg_bench_unowned_free(n);
	else
		return -EINVAL;
	*ns = ktime_get_ns() - t0;
	return err;
}

static ssize_t dg_bench_write(struct file *file, const char __user *ubuf, size_t count,
			      loff_t *ppos)
{
	char buf[64], op[16];
	unsigned long n;
	u64 ns;
	int err;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	if (sscanf(buf, "%15s %lu", op, &n) != 2)
		return -EINVAL;
	mutex_lock(&dg_bench_run_mutex);
	err = dg_bench_run(op, n, &ns);
	if (!err)
		snprintf(dg_bench_last, sizeof(dg_bench_last), "%s %lu %llu\n", op, n, ns);
	mutex_unlock(&dg_bench_run_mutex);
	return err ? err : count;
}

static ssize_t dg_bench_read(struct file *file, char __user *ubuf, size_t count, loff_t *ppos)
{
	char buf[sizeof(dg_bench_last)];

	mutex_lock(&dg_bench_run_mutex);
	memcpy(buf, dg_bench_last, sizeof(buf));
	mutex_unlock(&dg_bench_run_mutex);
	return simple_read_from_buffer(ubuf, count, ppos, buf, strlen(buf));
}

static const struct file_operations dg_bench_fops = {
	.owner = THIS_MODULE,
	.write = dg_bench_write,
	.read = dg_bench_read,
	.llseek = noop_llseek,
};

static void dg_bench_ring_free(void)
{
	for (int i = 0; i < DG_BENCH_RING; i++)
		kfree(dg_bench_ring[i]);
}

static int __init dg_bench_init(void)
{
	for (int i = 0; i < DG_BENCH_RING; i++) {
		dg_bench_ring[i] = kobject_get_path(&THIS_MODULE->mkobj.kobj, GFP_KERNEL);
		if (!dg_bench_ring[i])
			goto nomem;
	}
	dg_bench_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	if (IS_ERR(dg_bench_dir)) {
		dg_bench_ring_free();
		return PTR_ERR(dg_bench_dir);
	}
	debugfs_create_file("run", 0600, dg_bench_dir, NULL, &dg_bench_fops);
	return 0;
nomem:
	dg_bench_ring_free();
	return -ENOMEM;
}

static void __exit dg_bench_exit(void)
{
	debugfs_remove_recursive(dg_bench_dir);
	dg_bench_ring_free();
}

module_init(dg_bench_init);
module_exit(dg_bench_exit);
MODULE_LICENSE("GPL");

#endif /* DG_BENCH_H */
