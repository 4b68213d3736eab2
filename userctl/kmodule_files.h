/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Modules that are not loaded yet: a driver can be named before it loads
 * (the monitors are armed and attach when it does), as long as it is a
 * module the system knows, or a .ko file given by path.
 */
#ifndef USERCTL_KMODULE_FILES_H
#define USERCTL_KMODULE_FILES_H

#include <stddef.h>
#include <stdio.h>

/* The module name a .ko file declares (.modinfo "name="); 0 or -errno. */
int dg_ko_module_name(const char *path, char *name, size_t len);

/*
 * Whether @name is a module of @modules_dep (an open modules.dep): its
 * file is NAME.ko[.xz|.zst|.gz], with '-' and '_' alike.
 */
int dg_module_in_dep(FILE *modules_dep, const char *name);

/* The path of module @name's file in the running kernel's module tree; 0 or -ENOENT. */
int dg_module_path(const char *name, char *path, size_t len);

#endif /* USERCTL_KMODULE_FILES_H */
