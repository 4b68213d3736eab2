// SPDX-License-Identifier: GPL-2.0
/*
 * The packs this drvguard ships, and `drvguard packs` which lists them with
 * whether each one is loaded.
 */
#include <string.h>

#include "json.h"
#include "main.h"
#include "pack_pins.h"

const struct dg_pack_info dg_packs[] = {
	{ "core", "spinlock discipline for every driver: no blocking call with a spinlock held" },
};

const int dg_nr_packs = sizeof(dg_packs) / sizeof(dg_packs[0]);

const struct dg_pack_info *dg_pack_find(const char *name)
{
	for (int i = 0; i < dg_nr_packs; i++)
		if (!strcmp(dg_packs[i].name, name))
			return &dg_packs[i];
	return NULL;
}

int cmd_packs(int argc, char **argv)
{
	if (argc > 1) {
		elog("usage: drvguard packs");
		return -DG_EXIT_USAGE;
	}
	if (dg_opts.json)
		printf("[");
	for (int i = 0; i < dg_nr_packs; i++) {
		int loaded = dg_pack_is_loaded(dg_packs[i].name);

		if (!dg_opts.json) {
			printf("%-10s %-8s %s\n", dg_packs[i].name, loaded ? "loaded" : "-",
			       dg_packs[i].description);
			continue;
		}
		printf("%s{", i ? "," : "");
		json_kv_str(stdout, "name", dg_packs[i].name);
		printf(",");
		json_kv_str(stdout, "description", dg_packs[i].description);
		printf(",\"loaded\":%s}", loaded ? "true" : "false");
	}
	if (dg_opts.json)
		printf("]\n");
	return 0;
}
