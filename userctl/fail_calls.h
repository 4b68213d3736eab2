/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Arming the recovery module's fail_call probes.  Each armed function costs
 * an int3 on every call of it machine-wide, so the module arms exactly the
 * functions drvguard names in its fail_calls parameter: those some loaded
 * pack may want failed now, with a fail_call rule switched on.
 */
#ifndef USERCTL_FAIL_CALLS_H
#define USERCTL_FAIL_CALLS_H

#include <stdbool.h>

/*
 * Tell the module the functions to arm, as the loaded packs' switches say;
 * rule @rule (or, when NULL, every rule) of pack @pack (NULL: of every pack)
 * counts as on when @enabling, for arming before a switch turns on.  0, or
 * -errno after saying why.  Nothing to do when the module is not loaded.
 */
int dg_fail_calls_sync(const char *pack, const char *rule, bool enabling);

#endif /* USERCTL_FAIL_CALLS_H */
