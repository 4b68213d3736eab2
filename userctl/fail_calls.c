// SPDX-License-Identifier: GPL-2.0
/*
 * The functions the recovery module's fail_call kprobes are armed on: for
 * each loaded pack with a fail_call rule switched on, the symbols of the
 * APIs the pack watches calls of that the catalog says may fail.  The pack
 * metadata does not say which programs serve which rule, so a pack whose
 * other rules watch more fail-able APIs arms those too: a cost, never a
 * wrong failure, since only a rule's own program asks for one.  Called
 * after `recover disable` and `unload`, and before `recover enable` turns
 * switches on, so that no enabled rule finds its function unarmed.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "../probes/catalog.h"
#include "main.h"
#include "fail_calls.h"
#include "pack_meta.h"
#include "pack_pins.h"
#include "recovery_module.h"
#include "recovery_switch.h"

#define FAIL_CALLS_PARAM "/sys/module/" DG_RECOVERY_MODULE "/parameters/fail_calls"

struct fail_set {
	const char *pack, *rule;	/* counted as on when enabling */
	bool enabling;
	bool sym[DG_MAX_APIS][DG_MAX_SYMBOLS];
};

static bool wants_failures(const struct fail_set *f, const char *pack,
			   const struct dg_recovery_switch *s, const struct dg_meta_rule *r)
{
	if (!r->recover || strcmp(r->recover, "fail_call"))
		return false;
	if (f->enabling && (!f->pack || !strcmp(f->pack, pack)) &&
	    (!f->rule || !strcmp(f->rule, r->name)))
		return true;
	return dg_recovery_rule_on(s, r);
}

static int add_pack(const char *pack, void *arg)
{
	struct fail_set *f = arg;
	struct dg_pack_meta meta = { 0 };
	struct dg_recovery_switch s;
	bool wanted = false;

	if (dg_pin_read_meta(pack, &meta))
		return 0;
	if (!dg_recovery_switch_open(&s, pack, &meta)) {
		for (int i = 0; i < meta.nr_rules && !wanted; i++)
			wanted = wants_failures(f, pack, &s, &meta.rules[i]);
		dg_recovery_switch_close(&s);
	}
	for (int i = 0; wanted && i < meta.nr_programs; i++) {
		const struct dg_meta_program *p = &meta.programs[i];
		int api = dg_api_find(p->target);

		if (strcmp(p->kind, "call") || api < 0 || !dg_apis[api].can_fail ||
		    p->symbol < 0 || p->symbol >= DG_MAX_SYMBOLS)
			continue;
		f->sym[api][p->symbol] = true;
	}
	dg_meta_free(&meta);
	return 0;
}

int dg_fail_calls_sync(const char *pack, const char *rule, bool enabling)
{
	struct fail_set f = { .pack = pack, .rule = rule, .enabling = enabling };
	FILE *out;
	int err = 0;

	if (!dg_recovery_module_loaded())
		return 0;
	dg_for_each_pack(add_pack, &f);
	out = fopen(FAIL_CALLS_PARAM, "w");
	if (!out) {
		err = -errno;
		elog("cannot open %s: %s", FAIL_CALLS_PARAM, strerror(errno));
		return err;
	}
	for (size_t api = 0, n = 0; api < dg_nr_apis; api++)
		for (int sym = 0; sym < DG_MAX_SYMBOLS; sym++)
			if (f.sym[api][sym])
				fprintf(out, "%s%s", n++ ? "," : "", dg_apis[api].symbols[sym].name);
	/* an empty list disarms every function */
	fputc('\n', out);
	if (fclose(out)) {
		err = -errno;
		elog("cannot arm fail_call (%s): %s", FAIL_CALLS_PARAM, strerror(errno));
	}
	return err;
}
