/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the parts of the recovery module share.  The BPF monitors decide
 * that a rule was broken and call the module's kfuncs (main.c registers
 * them); each action lives in its own file.
 */
#ifndef DRVGUARD_RECOVERY_H
#define DRVGUARD_RECOVERY_H

#include <linux/types.h>

#include "recovery_abi.h"	/* from bpf/, on the include path (Makefile) */

/* Records still open; none once every released lock is retaken. */
int dg_recover_outstanding(void);

/* kfuncs */
int dg_recover_begin(void);
int dg_recover_add(u64 lock, u32 kind, u64 flags);
int dg_recover_commit(void);
void dg_recover_relock(void);

#endif /* DRVGUARD_RECOVERY_H */
