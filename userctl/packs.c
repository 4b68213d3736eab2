// SPDX-License-Identifier: GPL-2.0
/*
 * `drvguard packs`: the shipped (or installed) compiled packs, each with
 * the description its rules declare and whether it is loaded.
 */
#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "main.h"
#include "pack_meta.h"
#include "pack_object.h"
#include "pack_pins.h"
#include "paths.h"

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static void print_pack(const char *dir, const char *file, bool *first)
{
	char path[PATH_MAX], *text;
	struct dg_pack_meta m;
	int loaded;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	text = dg_pack_read_meta(path);
	if (!text || dg_meta_parse(text, &m, NULL)) {
		free(text);
		dlog("%s is not a pack", path);
		return;
	}
	free(text);
	loaded = dg_pack_is_loaded(m.name);
	if (dg_opts.json) {
		printf("%s{", *first ? "" : ",");
		json_kv_str(stdout, "name", m.name);
		printf(",");
		json_kv_str(stdout, "description", m.description);
		printf(",\"rules\":%d,\"loaded\":%s,", m.nr_rules, loaded ? "true" : "false");
		json_kv_str(stdout, "path", path);
		printf("}");
	} else {
		printf("%-10s %-8s %s\n", m.name, loaded ? "loaded" : "-", m.description);
	}
	*first = false;
	dg_meta_free(&m);
}

int cmd_packs(int argc, char **argv)
{
	char dir[PATH_MAX];
	struct dirent **ents = NULL;
	bool first = true;
	int n;

	if (argc > 1) {
		elog("usage: drvguard packs");
		return -DG_EXIT_USAGE;
	}
	if (dg_packs_dir(dir, sizeof(dir))) {
		elog("no shipped packs found (set DRVGUARD_PACKS to their directory)");
		return -DG_EXIT_ERROR;
	}
	n = scandir(dir, &ents, NULL, by_name);
	if (dg_opts.json)
		printf("[");
	for (int i = 0; i < n; i++) {
		size_t len = strlen(ents[i]->d_name);

		if (len > 2 && !strcmp(ents[i]->d_name + len - 2, ".o"))
			print_pack(dir, ents[i]->d_name, &first);
		free(ents[i]);
	}
	free(ents);
	if (dg_opts.json)
		printf("]\n");
	return 0;
}
