// SPDX-License-Identifier: GPL-2.0
/*
 * Monitor programs run with preemption off.  Fentry programs are
 * preemptible, and the kernel skips a program that is already running on
 * the CPU: a task preempted inside a monitor makes the next task on that
 * CPU go unmonitored for that call, so a lock or an unlock can be missed.
 * Each monitor program turns preemption off first and back on last, without
 * rescheduling there: a pending reschedule then happens right after the
 * trampoline has counted the program out (migrate_enable()).
 *
 * The recovery actions compare the preempt count with what the driver's
 * locks explain, so the module keeps per CPU how much of it is its own.
 */
#include <linux/percpu.h>
#include <linux/preempt.h>

#include "recovery.h"

static DEFINE_PER_CPU(unsigned int, monitor_depth);

void dg_monitor_enter(void)
{
	preempt_disable();
	__this_cpu_inc(monitor_depth);
}

void dg_monitor_exit(void)
{
	if (!__this_cpu_read(monitor_depth))
		return;		/* unbalanced: never drop a count that is not ours */
	__this_cpu_dec(monitor_depth);
	/* preempt_enable_no_resched(), which the headers keep from modules */
	barrier();
	preempt_count_dec();
}

unsigned int dg_monitor_preempt_count(void)
{
	return __this_cpu_read(monitor_depth);
}
