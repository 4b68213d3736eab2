/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Finding a loaded kernel module's address range, which scopes the monitors
 * to that driver.
 */
#ifndef USERCTL_KMODULES_H
#define USERCTL_KMODULES_H

#include <stdio.h>
#include <linux/types.h>
#include "../bpf/drvguard.h"

/*
 * Parse one /proc/modules line; fills @out when it names @name.
 * 0 when it does, -ENOENT when it names another module, -EINVAL when malformed,
 * -EPERM when the kernel hid the address (kptr_restrict), -EBUSY when the
 * module is still loading or already unloading.
 */
int dg_module_parse_line(const char *line, const char *name, struct dg_driver *out);

/* Find @name in @modules (an open /proc/modules); 0 or -errno as above. */
int dg_module_find(FILE *modules, const char *name, struct dg_driver *out);

#endif /* USERCTL_KMODULES_H */
