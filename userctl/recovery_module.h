/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The recovery module (recovery/drvguard_recover.ko): packs whose rules
 * recover by acting in the kernel call its kfuncs, so it must be in the
 * kernel before such a pack loads.
 */
#ifndef USERCTL_RECOVERY_MODULE_H
#define USERCTL_RECOVERY_MODULE_H

#include <stdbool.h>

#define DG_RECOVERY_MODULE	"drvguard_recover"

bool dg_recovery_module_loaded(void);
/* Load the module unless it is loaded; 0, or -errno after saying why. */
int dg_recovery_module_ensure(void);

#endif /* USERCTL_RECOVERY_MODULE_H */
