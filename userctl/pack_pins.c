// SPDX-License-Identifier: GPL-2.0
/*
 * The bpffs pin directory of a loaded pack.  Unpinning the links of a pack
 * detaches its programs once no other process holds them, so removing the
 * directory is the whole of unloading.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include <bpf/bpf.h>

#include "../bpf/drvguard.h"
#include "main.h"
#include "pack_meta.h"
#include "pack_pins.h"

int dg_pin_path(char *buf, size_t len, const char *pack, const char *name)
{
	int n;

	if (name)
		n = snprintf(buf, len, "%s/%s/%s", DG_PIN_ROOT, pack, name);
	else
		n = snprintf(buf, len, "%s/%s", DG_PIN_ROOT, pack);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int dg_bpffs_ensure(void)
{
	struct statfs st;

	if (statfs("/sys/fs/bpf", &st) == 0 && st.f_type == BPF_FS_MAGIC)
		return 0;
	if (mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700"))
		return -errno;
	return 0;
}

int dg_pack_is_loaded(const char *pack)
{
	char path[256];
	struct stat st;

	if (dg_pin_path(path, sizeof(path), pack, NULL))
		return 0;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int dg_pin_open(const char *pack, const char *name)
{
	char path[256];
	int fd, err;

	err = dg_pin_path(path, sizeof(path), pack, name);
	if (err)
		return err;
	fd = bpf_obj_get(path);
	return fd < 0 ? -errno : fd;
}

int dg_for_each_pack(int (*fn)(const char *pack, void *ctx), void *ctx)
{
	DIR *d = opendir(DG_PIN_ROOT);
	struct dirent *ent;
	int ret = 0;

	if (!d)
		return 0;
	while (!ret && (ent = readdir(d)))
		if (ent->d_name[0] != '.' && ent->d_type == DT_DIR)
			ret = fn(ent->d_name, ctx);
	closedir(d);
	return ret;
}

/* Remove @dir and what it holds: pins and the subdirectories they sit in. */
static int remove_tree(const char *dir)
{
	struct dirent *ent;
	char path[512];
	DIR *d;
	int err = 0;

	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((ent = readdir(d))) {
		if (!strcmp(ent->d_name, ".") || !strcmp(ent->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, ent->d_name);
		if (ent->d_type == DT_DIR)
			err = remove_tree(path);
		else if (unlink(path))
			err = -errno;
		if (err)
			break;
	}
	closedir(d);
	if (!err && rmdir(dir))
		err = -errno;
	return err;
}

int dg_pins_remove(const char *pack)
{
	char path[256];
	int err;

	err = dg_pin_path(path, sizeof(path), pack, NULL);
	return err ? err : remove_tree(path);
}

int dg_pin_read_meta(const char *pack, struct dg_pack_meta *m)
{
	char *text = calloc(DG_META_CHUNKS, DG_META_CHUNK);
	int fd = dg_pin_open(pack, "meta"), err = 0;

	if (fd < 0 || !text) {
		err = fd < 0 ? fd : -ENOMEM;
		goto cleanup;
	}
	for (__u32 i = 0; i < DG_META_CHUNKS && !err; i++)
		if (bpf_map_lookup_elem(fd, &i, text + i * DG_META_CHUNK))
			err = -errno;
	text[DG_META_CHUNKS * DG_META_CHUNK - 1] = '\0';
	if (!err)
		err = dg_meta_parse(text, m, NULL);
cleanup:
	if (fd >= 0)
		close(fd);
	free(text);
	return err;
}
