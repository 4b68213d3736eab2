// SPDX-License-Identifier: GPL-2.0
/*
 * Misbehaving test driver for the core pack's spinlock_held_at_return rule
 * where recovery must refuse: the module's init returns with a spinlock
 * held.  do_one_initcall() notices the raised preempt count, warns
 * "initcall ... returned with preemption imbalance" and resets the count
 * before the monitors see the init return, so unlocking then would drop a
 * preempt count the lock no longer holds.  The lock stays taken, which
 * harms no one: nothing else ever takes it.
 */
#include <linux/module.h>
#include <linux/spinlock.h>

static DEFINE_SPINLOCK(dg_lock);

static int __init dg_spinlock_held_at_init_init(void)
{
	spin_lock(&dg_lock);
	return 0;
}

static void __exit dg_spinlock_held_at_init_exit(void)
{
}

module_init(dg_spinlock_held_at_init_init);
module_exit(dg_spinlock_held_at_init_exit);
MODULE_DESCRIPTION("drvguard test driver: a module init returns with a spinlock held");
MODULE_LICENSE("GPL");
