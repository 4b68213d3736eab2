// SPDX-License-Identifier: GPL-2.0
/*
 * `drvguard recover enable|disable|status [--rule R] [PACK]`: switch the
 * recovery of loaded packs' rules on or off: every rule with a `recover`
 * action, or only rule R; in PACK, or in every loaded pack.  The switch is
 * a per-rule value in the pack's pinned `recovery` map that the rule's
 * monitor reads per violation, so it takes effect at the next violation,
 * and a switch in the middle of a recovery does not strand it: locks
 * released around a blocking call are retaken whatever the switch says by
 * then.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fail_calls.h"
#include "json.h"
#include "main.h"
#include "pack_meta.h"
#include "pack_pins.h"
#include "recovery_module.h"
#include "recovery_switch.h"

#define RECOVER_USAGE "usage: drvguard recover enable|disable|status [--rule RULE] [PACK]"

enum recover_op { RECOVER_STATUS, RECOVER_ENABLE, RECOVER_DISABLE };

struct recover_ctx {
	enum recover_op op;
	const char *rule;	/* --rule, or NULL: every rule with an action */
	int rule_found;		/* packs in scope that have the rule */
	int rule_actions;	/* ... and where it has an action */
	bool first;
	int err;
};

/* Count, before changing anything, where --rule exists and can recover. */
static int find_rule(const char *pack, void *arg)
{
	struct recover_ctx *c = arg;
	struct dg_pack_meta meta = { 0 };
	const struct dg_meta_rule *r;

	if (dg_pin_read_meta(pack, &meta))
		return 0;
	r = dg_meta_rule_named(&meta, c->rule);
	c->rule_found += !!r;
	c->rule_actions += r && r->recover;
	dg_meta_free(&meta);
	return 0;
}

static void print_pack(struct recover_ctx *c, const char *pack, const struct dg_recovery_switch *s)
{
	const char *state = dg_recovery_pack_state(s);
	bool listed = false;

	if (dg_opts.json) {
		printf("%s{", c->first ? "" : ",");
		json_kv_str(stdout, "pack", pack);
		printf(",\"recovery\":\"%s\",\"rules\":{", state);
		for (int i = 0; i < s->meta->nr_rules; i++) {
			const struct dg_meta_rule *r = &s->meta->rules[i];

			if (!r->recover)
				continue;
			printf("%s", listed ? "," : "");
			json_kv_str(stdout, r->name, dg_recovery_rule_on(s, r) ? "on" : "off");
			listed = true;
		}
		printf("}}");
	} else if (strcmp(state, "partial")) {
		printf("pack %s: recovery %s\n", pack, state);
	} else {
		printf("pack %s: recovery on for", pack);
		for (int i = 0; i < s->meta->nr_rules; i++) {
			const struct dg_meta_rule *r = &s->meta->rules[i];

			if (dg_recovery_rule_on(s, r)) {
				printf("%s %s", listed ? "," : "", r->name);
				listed = true;
			}
		}
		printf("; off for its other rules\n");
	}
	c->first = false;
}

static int recover_one(const char *pack, void *arg)
{
	struct recover_ctx *c = arg;
	struct dg_pack_meta meta = { 0 };
	struct dg_recovery_switch s;
	int err;

	if (dg_pin_read_meta(pack, &meta) || dg_recovery_switch_open(&s, pack, &meta)) {
		elog("pack '%s' has no readable recovery switch (loaded by another drvguard?)",
		     pack);
		dg_meta_free(&meta);
		c->err = -DG_EXIT_ERROR;
		return 0;
	}
	for (int i = 0; c->op != RECOVER_STATUS && i < meta.nr_rules; i++) {
		const struct dg_meta_rule *r = &meta.rules[i];

		if (!r->recover || (c->rule && strcmp(r->name, c->rule)))
			continue;
		err = dg_recovery_rule_set(&s, r, c->op == RECOVER_ENABLE);
		if (err) {
			elog("cannot switch recovery of rule '%s' in pack '%s': %s", r->name,
			     pack, strerror(-err));
			c->err = -DG_EXIT_ERROR;
		}
	}
	print_pack(c, pack, &s);
	dg_recovery_switch_close(&s);
	dg_meta_free(&meta);
	return 0;
}

static int parse(struct recover_ctx *c, int argc, char **argv, const char **pack)
{
	if (argc < 2) {
		elog(RECOVER_USAGE);
		return -DG_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "enable"))
		c->op = RECOVER_ENABLE;
	else if (!strcmp(argv[1], "disable"))
		c->op = RECOVER_DISABLE;
	else if (!strcmp(argv[1], "status"))
		c->op = RECOVER_STATUS;
	else {
		elog("unknown recover operation '%s': enable, disable or status", argv[1]);
		return -DG_EXIT_USAGE;
	}
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--rule") && i + 1 < argc && !c->rule) {
			c->rule = argv[++i];
		} else if (argv[i][0] != '-' && !*pack) {
			*pack = argv[i];
		} else {
			elog(RECOVER_USAGE);
			return -DG_EXIT_USAGE;
		}
	}
	return 0;
}

/* Refuse a --rule no pack in scope has, or has without an action, before changing anything. */
static int check_rule(struct recover_ctx *c, const char *pack)
{
	if (!c->rule)
		return 0;
	if (pack)
		find_rule(pack, c);
	else
		dg_for_each_pack(find_rule, c);
	if (!c->rule_found) {
		elog("no loaded pack%s%s has a rule '%s' (see 'drvguard status')",
		     pack ? " named " : "", pack ? pack : "", c->rule);
		return -DG_EXIT_UNKNOWN;
	}
	if (!c->rule_actions) {
		elog("rule '%s' has no recover action: it is only reported", c->rule);
		return -DG_EXIT_ERROR;
	}
	return 0;
}

int cmd_recover(int argc, char **argv)
{
	struct recover_ctx c = { .first = true };
	const char *pack = NULL;
	int err = dg_require_root();

	if (!err)
		err = parse(&c, argc, argv, &pack);
	if (err)
		return err;
	if (pack && !dg_pack_is_loaded(pack)) {
		elog("pack '%s' is not loaded", pack);
		return -DG_EXIT_NOT_LOADED;
	}
	err = check_rule(&c, pack);
	if (err)
		return err;
	/* fail_call's functions are armed before the switches turn on, disarmed after */
	if (c.op == RECOVER_ENABLE && dg_fail_calls_sync(pack, c.rule, true))
		c.err = -DG_EXIT_ERROR;
	if (dg_opts.json)
		printf("{\"module\":%s,\"packs\":[", dg_recovery_module_loaded() ? "true" : "false");
	if (pack)
		recover_one(pack, &c);
	else
		dg_for_each_pack(recover_one, &c);
	if (c.op == RECOVER_DISABLE && dg_fail_calls_sync(NULL, NULL, false))
		c.err = -DG_EXIT_ERROR;
	if (dg_opts.json)
		printf("]}\n");
	else if (c.first)
		printf("no pack is loaded\n");
	return c.err;
}
