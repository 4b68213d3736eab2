// SPDX-License-Identifier: GPL-2.0
/*
 * `drvguard recover enable|disable|status [PACK]`: switch a loaded pack's
 * recovery on or off (every loaded pack when PACK is omitted).  The switch
 * is one value in the pack's pinned `recovery` map that each monitor reads
 * per violation, so it takes effect at the next violation, and a switch in
 * the middle of a recovery does not strand it: locks released around a
 * blocking call are retaken whatever the switch says by then.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "json.h"
#include "main.h"
#include "pack_pins.h"
#include "recovery_module.h"

enum recover_op { RECOVER_STATUS, RECOVER_ENABLE, RECOVER_DISABLE };

struct recover_ctx {
	enum recover_op op;
	bool first;
	int err;
};

static int recover_one(const char *pack, void *arg)
{
	struct recover_ctx *c = arg;
	int fd = dg_pin_open(pack, "recovery");
	__u32 zero = 0, on = 0;

	if (fd < 0) {
		elog("pack '%s' has no recovery switch (loaded by an older drvguard?)", pack);
		c->err = -DG_EXIT_ERROR;
		return 0;
	}
	if (c->op != RECOVER_STATUS) {
		on = c->op == RECOVER_ENABLE;
		if (bpf_map_update_elem(fd, &zero, &on, BPF_ANY)) {
			elog("cannot switch recovery of pack '%s': %s", pack, strerror(errno));
			c->err = -DG_EXIT_ERROR;
		}
	}
	if (bpf_map_lookup_elem(fd, &zero, &on))
		on = 0;
	close(fd);
	if (dg_opts.json) {
		printf("%s{", c->first ? "" : ",");
		json_kv_str(stdout, "pack", pack);
		printf(",\"recovery\":\"%s\"}", on ? "on" : "off");
	} else {
		printf("pack %s: recovery %s\n", pack, on ? "on" : "off");
	}
	c->first = false;
	return 0;
}

int cmd_recover(int argc, char **argv)
{
	struct recover_ctx c = { .first = true };
	int err = dg_require_root();

	if (err)
		return err;
	if (argc < 2 || argc > 3) {
		elog("usage: drvguard recover enable|disable|status [PACK]");
		return -DG_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "enable"))
		c.op = RECOVER_ENABLE;
	else if (!strcmp(argv[1], "disable"))
		c.op = RECOVER_DISABLE;
	else if (!strcmp(argv[1], "status"))
		c.op = RECOVER_STATUS;
	else {
		elog("unknown recover operation '%s': enable, disable or status", argv[1]);
		return -DG_EXIT_USAGE;
	}
	if (argc == 3 && !dg_pack_is_loaded(argv[2])) {
		elog("pack '%s' is not loaded", argv[2]);
		return -DG_EXIT_NOT_LOADED;
	}
	if (dg_opts.json)
		printf("{\"module\":%s,\"packs\":[", dg_recovery_module_loaded() ? "true" : "false");
	if (argc == 3)
		recover_one(argv[2], &c);
	else
		dg_for_each_pack(recover_one, &c);
	if (dg_opts.json)
		printf("]}\n");
	else if (c.first)
		printf("no pack is loaded\n");
	return c.err;
}
