/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A compiled pack opened for loading: the libbpf object and the metadata
 * it carries.  `drvguard load` accepts a shipped pack's name, a .rules file
 * (compiled into a temporary object first) or a compiled pack object.
 */
#ifndef USERCTL_PACK_OBJECT_H
#define USERCTL_PACK_OBJECT_H

#include <limits.h>
#include <bpf/libbpf.h>

#include "pack_meta.h"

struct dg_pack_object {
	struct bpf_object *obj;
	struct dg_pack_meta meta;
	char *meta_text;
	char path[PATH_MAX];
	char tmp_dir[64];	/* holds the object compiled from a .rules file, or "" */
};

/* Find, compile if needed, and open the pack @spec; 0 or a negative DG_EXIT_* code. */
int dg_pack_object_open(const char *spec, struct dg_pack_object *p);
void dg_pack_object_close(struct dg_pack_object *p);

/* Address and size of the read-only variable @name in @obj's .rodata, before load. */
void *dg_rodata_var(struct bpf_object *obj, const char *name, size_t *size);

/* Read the metadata text of @path's pack without loading it; NULL on failure. */
char *dg_pack_read_meta(const char *path);

#endif /* USERCTL_PACK_OBJECT_H */
