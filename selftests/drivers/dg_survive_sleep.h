/* SPDX-License-Identifier: GPL-2.0 */
/*
 * For test drivers that sleep in atomic context on purpose.  The scheduler
 * answers "scheduling while atomic" by resetting the preempt count, which
 * would make the driver's later unlocks underflow it and take the test
 * guest down some time later.  dg_restore_preempt_count() puts back what
 * the scheduler dropped, so that the guest survives the bug and the test
 * can look at the reports.  With recovery on, nothing was dropped and it
 * does nothing.
 */
#ifndef DG_SURVIVE_SLEEP_H
#define DG_SURVIVE_SLEEP_H

#include <linux/preempt.h>

static inline void dg_restore_preempt_count(int before)
{
	int now = preempt_count();

	if (now < before)
		preempt_count_add(before - now);
}

#endif /* DG_SURVIVE_SLEEP_H */
