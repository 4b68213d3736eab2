/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where a loaded pack lives in bpffs.  Monitors outlive the command that
 * loaded them because their maps and links are pinned under
 * DG_PIN_ROOT/PACK/; every other command finds them there.
 */
#ifndef USERCTL_PACK_PINS_H
#define USERCTL_PACK_PINS_H

#include <stddef.h>

/* DG_PIN_ROOT/@pack[/@name] into @buf; 0 or -ENAMETOOLONG. */
int dg_pin_path(char *buf, size_t len, const char *pack, const char *name);

/* Mount bpffs on /sys/fs/bpf if nothing is mounted there; 0 or -errno. */
int dg_bpffs_ensure(void);

/* Whether @pack is loaded, i.e. its pin directory exists. */
int dg_pack_is_loaded(const char *pack);

/* Open the pinned object @name of loaded @pack; fd or -errno. */
int dg_pin_open(const char *pack, const char *name);

/*
 * Call @fn for each loaded pack, in directory order, until it returns non-zero;
 * returns that value, or 0.  No pin root means no pack.
 */
int dg_for_each_pack(int (*fn)(const char *pack, void *ctx), void *ctx);

struct dg_pack_meta;
/* Read the metadata of loaded @pack from its pinned `meta` map; 0 or -errno. */
int dg_pin_read_meta(const char *pack, struct dg_pack_meta *m);

/* Remove the pin directory of @pack and everything in it; 0 or -errno. */
int dg_pins_remove(const char *pack);

#endif /* USERCTL_PACK_PINS_H */
