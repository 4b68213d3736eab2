// SPDX-License-Identifier: GPL-2.0
/*
 * `drvguard unload PACK | --all`: detach a pack by removing its pins.  Events
 * not yet read by a watcher are dropped with the pack.
 */
#include <errno.h>
#include <string.h>

#include "main.h"
#include "pack_pins.h"

static int unload_one(const char *pack)
{
	int err;

	if (!dg_pack_is_loaded(pack)) {
		elog("pack '%s' is not loaded", pack);
		return -DG_EXIT_NOT_LOADED;
	}
	err = dg_pins_remove(pack);
	if (err) {
		elog("cannot remove the pins of pack '%s': %s", pack, strerror(-err));
		return -DG_EXIT_ERROR;
	}
	if (!dg_opts.json)
		printf("unloaded pack %s\n", pack);
	return 0;
}

/* Unload @pack and go on with the others whatever happens; keep the last error. */
static int unload_next(const char *pack, void *ctx)
{
	int *err = ctx;

	*err = unload_one(pack) ?: *err;
	return 0;
}

static int unload_all(void)
{
	int err = 0;

	dg_for_each_pack(unload_next, &err);
	return err;
}

int cmd_unload(int argc, char **argv)
{
	int err = dg_require_root();

	if (err)
		return err;
	if (argc != 2) {
		elog("usage: drvguard unload PACK | --all");
		return -DG_EXIT_USAGE;
	}
	return strcmp(argv[1], "--all") ? unload_one(argv[1]) : unload_all();
}
