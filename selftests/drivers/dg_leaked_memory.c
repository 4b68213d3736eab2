// SPDX-License-Identifier: GPL-2.0
/*
 * Misbehaving test driver for the core pack's leaked_memory rule: memory
 * allocated by the trigger is never freed, not even when the module
 * unloads.
 *
 * Real: 64 bytes stay allocated after the module is gone.  That is all the
 * harm there is, so nothing is cleaned up afterwards.
 */
#include <linux/slab.h>

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

static void dg_fire(void)
{
	dg_leaked_memory_fire();
}

MODULE_DESCRIPTION("drvguard test driver: leaks an allocation at unload");
