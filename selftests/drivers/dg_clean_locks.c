// SPDX-License-Identifier: GPL-2.0
/*
 * Clean test driver for the core pack's lock rules: locking that is correct
 * but not the plain lock-unlock pair in one function.  Writing N to the
 * trigger runs case N, 0 runs them all:
 *
 *  1  a spinlock (plain and irqsave) and a mutex taken in one function and
 *     released in another
 *  2  trylocks that succeed: spin_trylock(), spin_trylock_bh(),
 *     read_trylock(), write_trylock(), mutex_trylock()
 *  3  trylocks that fail: a kthread on one CPU holds a spinlock, then a
 *     mutex across msleep(), while a kthread on another CPU tries them
 *  4  two irqsave locks nested, released in reverse order, each with its
 *     own flags
 *  5  rwlock readers on both CPUs at once
 *  6  a mutex held across msleep()
 *  7  the _bh, _irq and _irqsave variants of spinlocks and rwlocks
 *  8  hand over hand with interrupts off: spin_lock_irqsave() of one lock,
 *     spin_unlock() of it, spin_lock() of the next, whose
 *     spin_unlock_irqrestore() restores the flags the first one saved
 *
 * Anything unexpected (a trylock that should fail succeeds, a partner
 * thread that never shows up) is printed as "unexpected", for the test to
 * catch.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>

#include "dg_core.h"

#define DG_NR_CASES	8
#define DG_PARTNER_WAIT	(5 * HZ)

static DEFINE_SPINLOCK(dg_split_lock);
static DEFINE_MUTEX(dg_split_mutex);
static DEFINE_SPINLOCK(dg_try_lock);
static DEFINE_RWLOCK(dg_try_rwlock);
static DEFINE_MUTEX(dg_try_mutex);
static DEFINE_SPINLOCK(dg_contended_lock);
static DEFINE_MUTEX(dg_contended_mutex);
static DEFINE_SPINLOCK(dg_outer_lock);
static DEFINE_SPINLOCK(dg_inner_lock);
static DEFINE_RWLOCK(dg_shared_rwlock);
static DEFINE_MUTEX(dg_sleepy_mutex);
static DEFINE_SPINLOCK(dg_variant_lock);
static DEFINE_RWLOCK(dg_variant_rwlock);
static DEFINE_SPINLOCK(dg_hand_lock_a);
static DEFINE_SPINLOCK(dg_hand_lock_b);
static unsigned long dg_counter;

/* Two kthreads on two CPUs meeting at numbered stages. */
struct dg_pair {
	atomic_t stage;
	unsigned long deadline;
};

/* Wait, spinning, for the partner to reach @stage; false if it never does. */
static bool dg_await(struct dg_pair *p, int stage)
{
	while (atomic_read(&p->stage) < stage) {
		if (time_after(jiffies, p->deadline)) {
			pr_err("unexpected: partner thread never reached stage %d\n", stage);
			return false;
		}
		cpu_relax();
	}
	return true;
}

/* Run @a and @b at once, on the first two online CPUs. */
static void dg_on_two_cpus(int (*a)(void *), int (*b)(void *), struct dg_pair *p)
{
	unsigned int c0 = cpumask_first(cpu_online_mask);
	unsigned int c1 = cpumask_next(c0, cpu_online_mask);
	struct dg_bound ba = { .fn = a, .arg = p }, bb = { .fn = b, .arg = p };

	if (c1 >= nr_cpu_ids)
		return;
	atomic_set(&p->stage, 0);
	p->deadline = jiffies + DG_PARTNER_WAIT;
	if (dg_start_on_cpu(&ba, c0))
		return;
	if (!dg_start_on_cpu(&bb, c1))
		dg_join(&bb);
	dg_join(&ba);
}

/* 1: taken here, released there */
static noinline void dg_split_take(void)
{
	spin_lock(&dg_split_lock);
}

static noinline void dg_split_release(void)
{
	spin_unlock(&dg_split_lock);
}

static noinline unsigned long dg_split_take_irqsave(void)
{
	unsigned long flags;

	spin_lock_irqsave(&dg_split_lock, flags);
	return flags;
}

static noinline void dg_split_release_irqrestore(unsigned long flags)
{
	spin_unlock_irqrestore(&dg_split_lock, flags);
}

static noinline void dg_split_mutex_take(void)
{
	mutex_lock(&dg_split_mutex);
}

static noinline void dg_split_mutex_release(void)
{
	mutex_unlock(&dg_split_mutex);
}

static noinline void dg_clean_split(void)
{
	dg_split_take();
	dg_counter++;
	dg_split_release();
	dg_split_release_irqrestore(dg_split_take_irqsave());
	dg_split_mutex_take();
	dg_counter++;
	dg_split_mutex_release();
}

/* 2: trylocks that succeed */
static noinline void dg_clean_trylock_ok(void)
{
	if (spin_trylock(&dg_try_lock)) {
		dg_counter++;
		spin_unlock(&dg_try_lock);
	}
	if (spin_trylock_bh(&dg_try_lock)) {
		dg_counter++;
		spin_unlock_bh(&dg_try_lock);
	}
	if (read_trylock(&dg_try_rwlock)) {
		dg_counter++;
		read_unlock(&dg_try_rwlock);
	}
	if (write_trylock(&dg_try_rwlock)) {
		dg_counter++;
		write_unlock(&dg_try_rwlock);
	}
	if (mutex_trylock(&dg_try_mutex)) {
		dg_counter++;
		mutex_unlock(&dg_try_mutex);
	}
}

/* 3: the holder, on one CPU */
static int dg_contended_holder(void *data)
{
	struct dg_pair *p = data;

	spin_lock(&dg_contended_lock);
	atomic_set(&p->stage, 1);
	dg_await(p, 2);
	spin_unlock(&dg_contended_lock);

	mutex_lock(&dg_contended_mutex);
	atomic_set(&p->stage, 3);
	while (atomic_read(&p->stage) < 4 && !time_after(jiffies, p->deadline))
		msleep(1);
	mutex_unlock(&dg_contended_mutex);
	return 0;
}

/* 3: the one that tries, on another CPU */
static int dg_contended_trier(void *data)
{
	struct dg_pair *p = data;

	if (dg_await(p, 1) && spin_trylock(&dg_contended_lock)) {
		pr_err("unexpected: spin_trylock() of a lock another CPU holds succeeded\n");
		spin_unlock(&dg_contended_lock);
	}
	atomic_set(&p->stage, 2);
	if (dg_await(p, 3) && mutex_trylock(&dg_contended_mutex)) {
		pr_err("unexpected: mutex_trylock() of a mutex another task holds succeeded\n");
		mutex_unlock(&dg_contended_mutex);
	}
	atomic_set(&p->stage, 4);
	return 0;
}

static noinline void dg_clean_trylock_contended(void)
{
	struct dg_pair p;

	dg_on_two_cpus(dg_contended_holder, dg_contended_trier, &p);
}

/* 4: nested irqsave, released in reverse order */
static noinline void dg_clean_nested_irqsave(void)
{
	unsigned long outer, inner;

	spin_lock_irqsave(&dg_outer_lock, outer);
	spin_lock_irqsave(&dg_inner_lock, inner);
	dg_counter++;
	spin_unlock_irqrestore(&dg_inner_lock, inner);
	spin_unlock_irqrestore(&dg_outer_lock, outer);
}

/* 5: one reader per CPU, both inside at once */
static int dg_shared_reader(void *data)
{
	struct dg_pair *p = data;

	read_lock(&dg_shared_rwlock);
	atomic_inc(&p->stage);
	dg_await(p, 2);
	read_unlock(&dg_shared_rwlock);
	return 0;
}

static noinline void dg_clean_rwlock_readers(void)
{
	struct dg_pair p;

	dg_on_two_cpus(dg_shared_reader, dg_shared_reader, &p);
}

/* 6: a mutex may be held across a sleep */
static noinline void dg_clean_mutex_msleep(void)
{
	mutex_lock(&dg_sleepy_mutex);
	msleep(1);
	mutex_unlock(&dg_sleepy_mutex);
}

/* 7: the other acquire and release variants */
static noinline void dg_clean_variants(void)
{
	unsigned long flags;

	spin_lock_bh(&dg_variant_lock);
	spin_unlock_bh(&dg_variant_lock);
	spin_lock_irq(&dg_variant_lock);
	spin_unlock_irq(&dg_variant_lock);
	read_lock_bh(&dg_variant_rwlock);
	read_unlock_bh(&dg_variant_rwlock);
	read_lock_irqsave(&dg_variant_rwlock, flags);
	read_unlock_irqrestore(&dg_variant_rwlock, flags);
	write_lock_irq(&dg_variant_rwlock);
	write_unlock_irq(&dg_variant_rwlock);
	write_lock_irqsave(&dg_variant_rwlock, flags);
	write_unlock_irqrestore(&dg_variant_rwlock, flags);
	dg_counter++;
}

/* 8: interrupts stay off from the first lock to the last unlock */
static noinline void dg_clean_hand_over_hand(void)
{
	unsigned long flags;

	spin_lock_irqsave(&dg_hand_lock_a, flags);
	dg_counter++;
	spin_unlock(&dg_hand_lock_a);
	spin_lock(&dg_hand_lock_b);
	dg_counter++;
	spin_unlock_irqrestore(&dg_hand_lock_b, flags);
}

/* Each case by a direct call, as a driver calls its own functions. */
static void dg_run_case(unsigned int i)
{
	switch (i) {
	case 1:
		dg_clean_split();
		break;
	case 2:
		dg_clean_trylock_ok();
		break;
	case 3:
		dg_clean_trylock_contended();
		break;
	case 4:
		dg_clean_nested_irqsave();
		break;
	case 5:
		dg_clean_rwlock_readers();
		break;
	case 6:
		dg_clean_mutex_msleep();
		break;
	case 7:
		dg_clean_variants();
		break;
	case 8:
		dg_clean_hand_over_hand();
		break;
	}
}

static void dg_fire(void)
{
	for (unsigned int i = 1; i <= DG_NR_CASES; i++)
		if (!dg_trigger_arg || dg_trigger_arg == i)
			dg_run_case(i);
}

MODULE_DESCRIPTION("drvguard clean test driver: correct but unusual locking");
