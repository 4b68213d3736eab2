// SPDX-License-Identifier: GPL-2.0
/*
 * `drvguard unload [PACK | --all]`: detach a pack by removing its pins; with
 * no argument, the only loaded pack.  Events not yet read by a watcher are
 * dropped with the pack, and the functions only it wanted failed
 * (fail_call) are disarmed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fail_calls.h"
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
	/* the pack's functions no longer need failing (others' may) */
	return dg_fail_calls_sync(NULL, NULL, false) ? -DG_EXIT_ERROR : 0;
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

struct dg_only {
	char name[256];
	int count;
};

static int note_pack(const char *pack, void *ctx)
{
	struct dg_only *o = ctx;

	snprintf(o->name, sizeof(o->name), "%s", pack);
	o->count++;
	return 0;
}

/* No PACK given: fine when exactly one is loaded. */
static int unload_only(void)
{
	struct dg_only o = { .count = 0 };

	dg_for_each_pack(note_pack, &o);
	if (o.count == 1)
		return unload_one(o.name);
	if (!o.count) {
		elog("no pack is loaded");
		return -DG_EXIT_NOT_LOADED;
	}
	elog("%d packs are loaded; name one, or use --all", o.count);
	return -DG_EXIT_USAGE;
}

int cmd_unload(int argc, char **argv)
{
	int err = dg_require_root();

	if (err)
		return err;
	if (argc > 2 || (argc == 2 && argv[1][0] == '-' && strcmp(argv[1], "--all"))) {
		elog("usage: drvguard unload [PACK | --all]");
		return -DG_EXIT_USAGE;
	}
	if (argc == 1)
		return unload_only();
	return strcmp(argv[1], "--all") ? unload_one(argv[1]) : unload_all();
}
