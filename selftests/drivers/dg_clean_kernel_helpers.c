// SPDX-License-Identifier: GPL-2.0
/*
 * Clean test driver for the core pack: kernel helpers that take, release,
 * allocate or free on the driver's behalf, so that the monitored calls the
 * driver makes itself are only half of each pair.  Writing N to the trigger
 * runs case N, 0 runs them all:
 *
 *  1  complete() and wait_for_completion()
 *  2  atomic_dec_and_lock(): the kernel takes the lock, the driver releases it
 *  3  kvmalloc() and kvfree()
 *  4  kzalloc() and kfree_sensitive()
 *  5  kasprintf(): the kernel allocates, the driver frees with kfree()
 *  6  hrtimer_start(), a callback that takes a spinlock in hard interrupt
 *     context, and hrtimer_cancel()
 *  7  skb_queue_tail(), skb_dequeue() and kfree_skb()
 *  8  a net_device of the driver's own: alloc_etherdev(), register_netdev(),
 *     unregister_netdev(), free_netdev()
 *  9  kvfree_rcu() with one argument: freed after a grace period by the
 *     kernel
 */
#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/etherdevice.h>
#include <linux/hrtimer.h>
#include <linux/mm.h>
#include <linux/netdevice.h>
#include <linux/rcupdate.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#define DG_HAS_SETUP
#include "dg_core.h"

#define DG_NR_CASES	9

static DECLARE_COMPLETION(dg_done);
static DEFINE_SPINLOCK(dg_list_lock);
static DEFINE_SPINLOCK(dg_hrtimer_lock);	/* only ever taken in the hrtimer callback */
static atomic_t dg_refs = ATOMIC_INIT(0);
static struct hrtimer dg_hrtimer;
static struct sk_buff_head dg_queue;
static bool dg_hrtimer_ran;
static unsigned long dg_counter;
/* no operations of its own: the device is never opened */
static const struct net_device_ops dg_netdev_ops;

/* 1 */
static noinline void dg_clean_completion(void)
{
	reinit_completion(&dg_done);
	complete(&dg_done);
	wait_for_completion(&dg_done);
	dg_counter++;
}

/* 2: the last reference goes with the lock held, as a list removal would */
static noinline void dg_clean_dec_and_lock(void)
{
	atomic_set(&dg_refs, 1);
	if (atomic_dec_and_lock(&dg_refs, &dg_list_lock)) {
		dg_counter++;
		spin_unlock(&dg_list_lock);
	}
	dg_counter++;
}

/* 3 */
static noinline void dg_clean_kvmalloc(void)
{
	void *small = kvmalloc(64, GFP_KERNEL);
	void *large = kvmalloc(8 * PAGE_SIZE, GFP_KERNEL);

	kvfree(small);
	kvfree(large);
	dg_counter++;
}

/* 4 */
static noinline void dg_clean_kfree_sensitive(void)
{
	void *secret = kzalloc(32, GFP_KERNEL);

	kfree_sensitive(secret);
	dg_counter++;
}

/* 5 */
static noinline void dg_clean_kasprintf(void)
{
	char *name = kasprintf(GFP_KERNEL, "%s-%lu", KBUILD_MODNAME, dg_counter);

	kfree(name);
	dg_counter++;
}

static enum hrtimer_restart dg_hrtimer_fn(struct hrtimer *t)
{
	spin_lock(&dg_hrtimer_lock);
	dg_counter++;
	spin_unlock(&dg_hrtimer_lock);
	smp_store_release(&dg_hrtimer_ran, true);
	return HRTIMER_NORESTART;
}

/* 6 */
static noinline void dg_clean_hrtimer(void)
{
	dg_hrtimer_ran = false;
	hrtimer_start(&dg_hrtimer, ms_to_ktime(1), HRTIMER_MODE_REL);
	dg_wait_for_flag(&dg_hrtimer_ran);
	hrtimer_cancel(&dg_hrtimer);
	dg_counter++;
}

/* 7 */
static noinline void dg_clean_skb_queue(void)
{
	struct sk_buff *skb = alloc_skb(128, GFP_KERNEL);

	if (skb)
		skb_queue_tail(&dg_queue, skb);
	kfree_skb(skb_dequeue(&dg_queue));
	dg_counter++;
}

/* 8 */
static noinline void dg_clean_netdev(void)
{
	struct net_device *dev = alloc_etherdev(0);

	if (!dev)
		return;
	strscpy(dev->name, "dgclean%d", sizeof(dev->name));
	eth_hw_addr_random(dev);
	dev->netdev_ops = &dg_netdev_ops;
	if (!register_netdev(dev))
		unregister_netdev(dev);
	free_netdev(dev);
	dg_counter++;
}

/* 9 */
static noinline void dg_clean_kvfree_rcu(void)
{
	void *p = kmalloc(48, GFP_KERNEL);

	if (p)
		kvfree_rcu(p);
	dg_counter++;
}

/* Each case by a direct call, as a driver calls its own functions. */
static void dg_run_case(unsigned int i)
{
	switch (i) {
	case 1:
		dg_clean_completion();
		break;
	case 2:
		dg_clean_dec_and_lock();
		break;
	case 3:
		dg_clean_kvmalloc();
		break;
	case 4:
		dg_clean_kfree_sensitive();
		break;
	case 5:
		dg_clean_kasprintf();
		break;
	case 6:
		dg_clean_hrtimer();
		break;
	case 7:
		dg_clean_skb_queue();
		break;
	case 8:
		dg_clean_netdev();
		break;
	case 9:
		dg_clean_kvfree_rcu();
		break;
	}
}

static void dg_fire(void)
{
	for (unsigned int i = 1; i <= DG_NR_CASES; i++)
		if (!dg_trigger_arg || dg_trigger_arg == i)
			dg_run_case(i);
}

static int dg_setup(void)
{
	hrtimer_init(&dg_hrtimer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	dg_hrtimer.function = dg_hrtimer_fn;
	skb_queue_head_init(&dg_queue);
	return 0;
}

static void dg_teardown(void)
{
	hrtimer_cancel(&dg_hrtimer);
	skb_queue_purge(&dg_queue);
}

MODULE_DESCRIPTION("drvguard clean test driver: kernel helpers that do half of a pair");
