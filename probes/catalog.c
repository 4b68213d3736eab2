// SPDX-License-Identifier: GPL-2.0
/*
 * Probe catalog for Debian 12's 6.1 kernel (x86_64, CONFIG_PREEMPT_DYNAMIC).
 * spin_lock() and friends are static inlines over the out-of-line
 * _raw_spin_* functions there (CONFIG_INLINE_SPIN_* unset,
 * CONFIG_UNINLINE_SPIN_UNLOCK set), so the _raw_ symbols see every call a
 * module makes.  A kernel that implements an API under another symbol gets
 * its own entry; the loader refuses a pack whose symbol the kernel lacks.
 */
#include "catalog.h"

const struct dg_api dg_apis[] = {
	{ "spin_lock",			"_raw_spin_lock",		DG_ROLE_SPIN_ACQUIRE },
	{ "spin_lock_bh",		"_raw_spin_lock_bh",		DG_ROLE_SPIN_ACQUIRE },
	{ "spin_lock_irq",		"_raw_spin_lock_irq",		DG_ROLE_SPIN_ACQUIRE },
	{ "spin_lock_irqsave",		"_raw_spin_lock_irqsave",	DG_ROLE_SPIN_ACQUIRE },
	{ "spin_unlock",		"_raw_spin_unlock",		DG_ROLE_SPIN_RELEASE },
	{ "spin_unlock_bh",		"_raw_spin_unlock_bh",		DG_ROLE_SPIN_RELEASE },
	{ "spin_unlock_irq",		"_raw_spin_unlock_irq",		DG_ROLE_SPIN_RELEASE },
	{ "spin_unlock_irqrestore",	"_raw_spin_unlock_irqrestore",	DG_ROLE_SPIN_RELEASE },
	{ "msleep",			"msleep",			DG_ROLE_MAY_SLEEP },
	{ "msleep_interruptible",	"msleep_interruptible",		DG_ROLE_MAY_SLEEP },
	{ "usleep_range",		"usleep_range_state",		DG_ROLE_MAY_SLEEP },
	{ "schedule",			"schedule",			DG_ROLE_MAY_SLEEP },
	{ "schedule_timeout",		"schedule_timeout",		DG_ROLE_MAY_SLEEP },
	{ "mutex_lock",			"mutex_lock",			DG_ROLE_MAY_SLEEP },
	{ "mutex_lock_interruptible",	"mutex_lock_interruptible",	DG_ROLE_MAY_SLEEP },
	{ "down",			"down",				DG_ROLE_MAY_SLEEP },
	{ "down_interruptible",		"down_interruptible",		DG_ROLE_MAY_SLEEP },
	{ "wait_for_completion",	"wait_for_completion",		DG_ROLE_MAY_SLEEP },
	{ "wait_for_completion_timeout", "wait_for_completion_timeout",	DG_ROLE_MAY_SLEEP },
};

const size_t dg_nr_apis = sizeof(dg_apis) / sizeof(dg_apis[0]);

const struct dg_api *dg_api_by_id(unsigned int id)
{
	return id < dg_nr_apis ? &dg_apis[id] : NULL;
}
