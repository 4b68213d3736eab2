/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where drvguard finds its shipped packs and the runtime headers a pack is
 * compiled against: next to the binary in the build tree (.output/), or
 * under the install prefix (PREFIX/lib/drvguard/packs,
 * PREFIX/share/drvguard/include), and the recovery module
 * (.output/recovery/, PREFIX/lib/drvguard/).  DRVGUARD_PACKS,
 * DRVGUARD_INCLUDE and DRVGUARD_RECOVERY_MODULE override them.
 */
#ifndef USERCTL_PATHS_H
#define USERCTL_PATHS_H

#include <stddef.h>

/* The directory holding the compiled shipped packs; 0 or -ENOENT. */
int dg_packs_dir(char *buf, size_t len);
/* ':'-separated include directories for compiling a pack; 0 or -ENOENT. */
int dg_include_dirs(char *buf, size_t len);

/* The recovery module's .ko file; 0 or -ENOENT. */
int dg_recovery_module_path(char *buf, size_t len);

#endif /* USERCTL_PATHS_H */
