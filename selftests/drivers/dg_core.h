/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the core pack's test drivers share.  The debugfs trigger works as in
 * dg_trigger.h: writing to /sys/kernel/debug/MODULE/trigger runs the driver's
 * dg_fire() once, in process context; a number written there is left in
 * dg_trigger_arg for drivers that do one of several things.  A driver that needs its own setup and
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
#include <linux/kstrtox.h>
#include <linux/kthread.h>
#include <linux/module.h>

static void dg_fire(void);

#ifdef DG_HAS_SETUP
static int dg_setup(void);
static void dg_teardown(void);
#else
static int dg_setup(void) { return 0; }
static void dg_teardown(void) { }
#endif

static struct dentry *dg_debugfs_dir;
/* What was written to the trigger, as a number (0 if it is not one): drivers may pick a case by it. */
static unsigned int __maybe_unused dg_trigger_arg;

static ssize_t dg_trigger_write(struct file *file, const char __user *buf, size_t count,
				loff_t *ppos)
{
	if (kstrtouint_from_user(buf, count, 0, &dg_trigger_arg))
		dg_trigger_arg = 0;
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
	struct task_struct *task;
};

static int __maybe_unused dg_bound_thread(void *data)
{
	struct dg_bound *b = data;

	b->ret = b->fn(b->arg);
	smp_store_release(&b->finished, true);
	/* live on until kthread_stop(), so that dg_join() needs no reference of its own */
	set_current_state(TASK_INTERRUPTIBLE);
	while (!kthread_should_stop()) {
		schedule();
		set_current_state(TASK_INTERRUPTIBLE);
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

/*
 * Start @b->fn(@b->arg) in a kthread bound to @cpu; dg_join() waits for it.
 * A bound task wakes up where it slept, so state it leaves on its CPU (its
 * own and the monitor's) is still there when it comes back.
 */
static int __maybe_unused dg_start_on_cpu(struct dg_bound *b, unsigned int cpu)
{
	b->finished = false;
	b->task = kthread_create_on_cpu(dg_bound_thread, b, cpu, "dg_bound/%u");
	if (IS_ERR(b->task))
		return PTR_ERR(b->task);
	wake_up_process(b->task);
	return 0;
}

/*
 * Wait for a thread dg_start_on_cpu() started; its function's return value.
 *
 * Two kernel helpers are avoided on purpose, because their last call is a
 * tail jump that a monitor judging the caller by the return address alone
 * puts on the driver: complete(), whose spin_unlock_irqrestore() looks like
 * the release of a lock the driver never took, and the final
 * put_task_struct(), whose kmem_cache_free() looks like a free of memory it
 * never allocated.  The test drivers make no call their tests do not
 * expect: the wait polls, and kthread_stop() drops the last reference.
 */
static int __maybe_unused dg_join(struct dg_bound *b)
{
	while (!smp_load_acquire(&b->finished))
		msleep(1);
	kthread_stop(b->task);
	return b->ret;
}

/* Run @fn(@arg) in a kthread bound to @cpu and wait for it to finish. */
static int __maybe_unused dg_run_on_cpu(unsigned int cpu, int (*fn)(void *), void *arg)
{
	struct dg_bound b = { .fn = fn, .arg = arg };
	int err = dg_start_on_cpu(&b, cpu);

	return err ? err : dg_join(&b);
}

/* Wait until *@flag is set by another context; see dg_join() for why not a completion. */
static void __maybe_unused dg_wait_for_flag(bool *flag)
{
	while (!smp_load_acquire(flag))
		msleep(1);
}

#endif /* DG_CORE_H */
