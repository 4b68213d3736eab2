/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the core pack's test drivers share.  The debugfs trigger works as in
 * dg_trigger.h: writing to /sys/kernel/debug/MODULE/trigger runs the driver's
 * dg_fire() once, in process context.  A driver that needs its own setup and
 * teardown (a cache, a device, a helper thread) defines DG_HAS_SETUP and
 * provides dg_setup() and dg_teardown(), which run around the trigger's
 * lifetime.  dg_run_on_cpu() runs a piece of the driver in a kthread bound to
 * one CPU, for bugs whose staging or whose monitor state depends on the CPU.
 */
#ifndef DG_CORE_H
#define DG_CORE_H

#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched/task.h>

static void dg_fire(void);

#ifdef DG_HAS_SETUP
static int dg_setup(void);
static void dg_teardown(void);
#else
static int dg_setup(void) { return 0; }
static void dg_teardown(void) { }
#endif

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

static int __init dg_core_init(void)
{
	int err = dg_setup();

	if (err)
		return err;
	dg_debugfs_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	if (IS_ERR(dg_debugfs_dir)) {
		dg_teardown();
		return PTR_ERR(dg_debugfs_dir);
	}
	debugfs_create_file("trigger", 0200, dg_debugfs_dir, NULL, &dg_trigger_fops);
	return 0;
}

/* The unload-time rules report at this function: keep the name stable. */
static void __exit dg_core_exit(void)
{
	debugfs_remove_recursive(dg_debugfs_dir);
	dg_teardown();
}

module_init(dg_core_init);
module_exit(dg_core_exit);
MODULE_LICENSE("GPL");

struct dg_bound {
	int (*fn)(void *arg);
	void *arg;
	int ret;
	bool finished;
};

static int __maybe_unused dg_bound_thread(void *data)
{
	struct dg_bound *b = data;

	b->ret = b->fn(b->arg);
	smp_store_release(&b->finished, true);
	return 0;
}

/*
 * Run @fn(@arg) in a kthread bound to @cpu and wait for it to finish.  A
 * bound task wakes up where it slept, so state it leaves on its CPU (its
 * own and the monitor's) is still there when it comes back.
 *
 * The wait polls instead of using a completion: complete() ends in a tail
 * jump to spin_unlock_irqrestore(), which the monitors attribute to
 * complete()'s caller, and would make every test driver look as if it
 * released a lock it never took.
 */
static int __maybe_unused dg_run_on_cpu(unsigned int cpu, int (*fn)(void *), void *arg)
{
	struct dg_bound b = { .fn = fn, .arg = arg };
	struct task_struct *t;

	t = kthread_create_on_cpu(dg_bound_thread, &b, cpu, "dg_bound/%u");
	if (IS_ERR(t))
		return PTR_ERR(t);
	/* kthread_stop() below needs the task even after the thread has exited */
	get_task_struct(t);
	wake_up_process(t);
	while (!smp_load_acquire(&b.finished))
		msleep(1);
	kthread_stop(t);
	put_task_struct(t);
	return b.ret;
}

/* Wait until *@flag is set by another context; see dg_run_on_cpu() for why not a completion. */
static void __maybe_unused dg_wait_for_flag(bool *flag)
{
	while (!smp_load_acquire(flag))
		msleep(1);
}

#endif /* DG_CORE_H */
