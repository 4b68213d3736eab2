// SPDX-License-Identifier: GPL-2.0
/*
 * Opening a pack: resolve what the operator named to an object file,
 * compile a .rules file first, open it with libbpf and read the metadata
 * the compiler stored in the read-only variable dg_pack_meta.  A file that
 * is not a pack, or a pack from an incompatible compiler, is refused here
 * with a one-line error, before anything touches the kernel.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/btf.h>

#include "../probes/catalog.h"
#include "main.h"
#include "pack_object.h"
#include "paths.h"

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && !strcmp(s + n - m, suffix);
}

void *dg_rodata_var(struct bpf_object *obj, const char *name, size_t *size)
{
	struct bpf_map *rodata = bpf_object__find_map_by_name(obj, ".rodata");
	struct btf *btf = bpf_object__btf(obj);
	const struct btf_var_secinfo *vs;
	const struct btf_type *sec;
	size_t map_size;
	char *base;
	int id;

	if (!rodata || !btf)
		return NULL;
	base = (char *)bpf_map__initial_value(rodata, &map_size);
	id = btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC);
	if (!base || id < 0)
		return NULL;
	sec = btf__type_by_id(btf, id);
	vs = btf_var_secinfos(sec);
	for (int i = 0; i < btf_vlen(sec); i++, vs++) {
		const struct btf_type *var = btf__type_by_id(btf, vs->type);

		if (strcmp(btf__name_by_offset(btf, var->name_off), name))
			continue;
		if (vs->offset + vs->size > map_size)
			return NULL;
		*size = vs->size;
		return base + vs->offset;
	}
	return NULL;
}

/* The metadata text of an opened object: a copy, NUL-terminated; NULL if absent. */
static char *object_meta(struct bpf_object *obj)
{
	size_t size;
	const char *text = dg_rodata_var(obj, "dg_pack_meta", &size);

	if (!text || !size || text[size - 1] != '\0')
		return NULL;
	return strdup(text);
}

char *dg_pack_read_meta(const char *path)
{
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	char *meta;

	if (!obj)
		return NULL;
	meta = object_meta(obj);
	bpf_object__close(obj);
	return meta;
}

static int resolve(const char *spec, struct dg_pack_object *p)
{
	char dir[PATH_MAX];

	if (ends_with(spec, ".rules")) {
		snprintf(p->tmp_dir, sizeof(p->tmp_dir), "/tmp/drvguard-load-XXXXXX");
		if (!mkdtemp(p->tmp_dir)) {
			p->tmp_dir[0] = '\0';
			elog("cannot create a temporary directory: %s", strerror(errno));
			return -DG_EXIT_ERROR;
		}
		snprintf(p->path, sizeof(p->path), "%s/pack.o", p->tmp_dir);
		return dg_compile_pack(spec, p->path);
	}
	if (strchr(spec, '/') || ends_with(spec, ".o")) {
		if (access(spec, R_OK)) {
			elog("cannot read pack file '%s': %s", spec, strerror(errno));
			return -DG_EXIT_UNKNOWN;
		}
		snprintf(p->path, sizeof(p->path), "%s", spec);
		return 0;
	}
	if (dg_packs_dir(dir, sizeof(dir)) == 0) {
		snprintf(p->path, sizeof(p->path), "%s/%s.o", dir, spec);
		if (!access(p->path, R_OK))
			return 0;
	}
	elog("unknown pack '%s' (see 'drvguard packs')", spec);
	return -DG_EXIT_UNKNOWN;
}

int dg_pack_object_open(const char *spec, struct dg_pack_object *p)
{
	int err, line;

	memset(p, 0, sizeof(*p));
	err = resolve(spec, p);
	if (err)
		return err;
	p->obj = bpf_object__open_file(p->path, NULL);
	if (!p->obj) {
		char why[128];

		libbpf_strerror(errno, why, sizeof(why));
		elog("'%s' is not a BPF object: %s", spec, why);
		return -DG_EXIT_ERROR;
	}
	p->meta_text = object_meta(p->obj);
	if (!p->meta_text) {
		elog("'%s' is not a drvguard pack (no dg_pack_meta)", spec);
		return -DG_EXIT_ERROR;
	}
	if (dg_meta_parse(p->meta_text, &p->meta, &line)) {
		elog("pack '%s' has incompatible or corrupt metadata (line %d); recompile it with "
		     "this drvguard", spec, line);
		return -DG_EXIT_ERROR;
	}
	if (p->meta.catalog != dg_catalog_fingerprint()) {
		elog("pack '%s' was compiled against another probe catalog; recompile it with "
		     "this drvguard", spec);
		return -DG_EXIT_ERROR;
	}
	return 0;
}

void dg_pack_object_close(struct dg_pack_object *p)
{
	bpf_object__close(p->obj);
	dg_meta_free(&p->meta);
	free(p->meta_text);
	if (p->tmp_dir[0]) {
		unlink(p->path);
		rmdir(p->tmp_dir);
	}
	memset(p, 0, sizeof(*p));
}
