// SPDX-License-Identifier: GPL-2.0
/*
 * Misbehaving test driver for the core pack's leaked_memory rule: memory
 * allocated by the trigger is never freed, not even when the module
 * unloads.
 *
 * Real: 64 bytes stay allocated after the module is gone.  That is all the
 * harm there is, so nothing is cleaned up afterwards.  Writing 2 to the
 * trigger leaks seven pages of vmalloc() memory instead, 3 a kmalloc() of
 * DG_ODD_SIZE bytes: sizes the kernel's own accounts (/proc/vmallocinfo,
 * the kmem trace) tell apart from other allocations, since the monitors'
 * trampolines hide who called the allocator.
 *
 * Writing 4 runs an interrupt storm: a hard-irq hrtimer on this CPU that
 * allocates and frees in its handler, every 100 microseconds, while the
 * driver takes and releases a spinlock in a loop.  Its interrupts cut into
 * the monitor programs of those lock calls, so the kernel may skip
 * programs in the handler's runs: the monitor can no longer be sure it saw
 * all the driver's releases (reclaim_at_unload then refuses).  All of it
 * is correct code.
 */
#include <linux/hrtimer.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/vmalloc.h>

#include "dg_core.h"

static void *dg_buffer;

static noinline void dg_leaked_memory_fire(void)
{
	/*
	 * An earlier buffer is simply overwritten: one more leak.  WRITE_ONCE():
	 * a pointer nobody reads would let the compiler drop the store and make
	 * kmalloc() a tail call, which the report would place in the caller.
	 */
	WRITE_ONCE(dg_buffer, kmalloc(64, GFP_KERNEL));
}

#define DG_ODD_SIZE	1234

static void *dg_area;

static noinline void dg_leaked_memory_vmalloc(void)
{
	WRITE_ONCE(dg_area, vmalloc(7 * PAGE_SIZE));
}

static noinline void dg_leaked_memory_odd(void)
{
	WRITE_ONCE(dg_buffer, kmalloc(DG_ODD_SIZE, GFP_KERNEL));
}

#define DG_STORM_LOCKS		5000
#define DG_STORM_PERIOD_NS	100000

static struct hrtimer dg_storm_timer;
static DEFINE_SPINLOCK(dg_storm_lock);

static noinline enum hrtimer_restart dg_storm_tick(struct hrtimer *timer)
{
	kfree(kmalloc(16, GFP_ATOMIC));
	hrtimer_forward_now(timer, ns_to_ktime(DG_STORM_PERIOD_NS));
	return HRTIMER_RESTART;
}

static noinline void dg_leaked_memory_storm(void)
{
	hrtimer_init(&dg_storm_timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_PINNED_HARD);
	dg_storm_timer.function = dg_storm_tick;
	preempt_disable();	/* the timer is pinned to this CPU: stay on it */
	hrtimer_start(&dg_storm_timer, ns_to_ktime(DG_STORM_PERIOD_NS),
		      HRTIMER_MODE_REL_PINNED_HARD);
	for (int i = 0; i < DG_STORM_LOCKS; i++) {
		spin_lock(&dg_storm_lock);
		spin_unlock(&dg_storm_lock);
	}
	preempt_enable();
	hrtimer_cancel(&dg_storm_timer);
}

static void dg_fire(void)
{
	if (dg_trigger_arg == 4)
		dg_leaked_memory_storm();
	else if (dg_trigger_arg == 2)
		dg_leaked_memory_vmalloc();
	else if (dg_trigger_arg == 3)
		dg_leaked_memory_odd();
	else
		dg_leaked_memory_fire();
}

MODULE_DESCRIPTION("drvguard test driver: leaks an allocation at unload");
