// SPDX-License-Identifier: GPL-2.0
/*
 * Misbehaving test driver for recovery: its trigger sleeps holding three
 * locks of three kinds, a spinlock taken with bottom halves off, a read
 * lock and a write lock taken with irqs saved and off.  unlock_around must
 * release them innermost first, restoring the irq flags and bottom halves,
 * and retake them outermost first after the sleep.
 */
#include <linux/delay.h>
#include <linux/spinlock.h>

#include "dg_survive_sleep.h"
#include "dg_trigger.h"

static DEFINE_SPINLOCK(dg_queue_lock);
static DEFINE_RWLOCK(dg_table_lock);
static DEFINE_RWLOCK(dg_stats_lock);
static unsigned long dg_fired;

static noinline void dg_sleep_nested_locks_fire(void)
{
	unsigned long flags;
	int count;

	spin_lock_bh(&dg_queue_lock);
	read_lock(&dg_table_lock);
	write_lock_irqsave(&dg_stats_lock, flags);
	dg_fired++;
	count = preempt_count();
	msleep(1);
	dg_restore_preempt_count(count);
	if (!irqs_disabled())
		local_irq_disable();	/* the scheduler turned them on */
	write_unlock_irqrestore(&dg_stats_lock, flags);
	read_unlock(&dg_table_lock);
	spin_unlock_bh(&dg_queue_lock);
}

static void dg_fire(void)
{
	dg_sleep_nested_locks_fire();
}

MODULE_DESCRIPTION("drvguard test driver: sleeps holding a bh spinlock, a read and an irqsave write lock");
