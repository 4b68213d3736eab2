// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for violation reports rendered from a pack's metadata, the
 * metadata parser itself, and the probe catalog the reports name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "pack_meta.h"
#include "report.h"
#include "../../probes/catalog.h"

static const char meta_text[] =
	"drvguard-pack 1\n"
	"pack core\n"
	"description Rules for every driver\n"
	"resource 0 spinlock held unlocked,locked\n"
	"rule 1 sleep_with_spinlock error unlock_around 1\n"
	"field 1 0 api\n"
	"field 1 1 int\n"
	"field 1 2 ptr\n"
	"field 1 3 api\n"
	"field 1 4 site\n"
	"field 1 5 state:0\n"
	"message 1 {0}() called with {1} lock(s) held {{literal}}\n"
	"note 1 lock {2} taken by {3}() at {4}, now {5}\n"
	"program dg_call_msleep call msleep\n"
	"some_future_record is skipped\n";

static void fake_symbolize(void *arg, unsigned long long addr, char *buf, size_t len)
{
	snprintf(buf, len, "fn+0x%llx [mod]", addr & 0xfff);
}

static char *render(const struct dg_event *e, const struct dg_report_ctx *c, bool json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	dg_report_print(out, e, c, json);
	fclose(out);
	return buf;
}

/* fail_call's values: a failure the API documents, only for APIs that may sleep. */
static void test_fail_values(void)
{
	const struct dg_api *a;
	int bad = 0;

	for (size_t i = 0; i < dg_nr_apis; i++) {
		a = &dg_apis[i];
		bad |= a->can_fail && (!a->may_sleep || a->ret != DG_T_INT ||
				       a->fail_param > dg_api_nr_params(a));
	}
	tap_ok(!bad, "only blocking APIs returning an int may fail, from one of their parameters");
	a = &dg_apis[dg_api_find("mutex_lock_interruptible")];
	tap_ok(a->can_fail && a->fails_with == -4, "mutex_lock_interruptible fails with -EINTR");
	a = &dg_apis[dg_api_find("wait_for_completion_killable")];
	tap_ok(a->can_fail && a->fails_with == -512,
	       "wait_for_completion_killable fails with -ERESTARTSYS");
	a = &dg_apis[dg_api_find("msleep_interruptible")];
	tap_ok(a->can_fail && a->fail_param == 1, "msleep_interruptible returns its msecs");
	tap_ok(!dg_apis[dg_api_find("msleep")].can_fail &&
	       !dg_apis[dg_api_find("mutex_lock")].can_fail, "msleep and mutex_lock cannot fail");
	tap_ok(!strcmp(dg_recovery_outcome_name(DG_RECOVERY_CANNOT_FAIL),
		       "not recoverable: the call has no failure return"),
	       "the refusal for an API that cannot fail is named");
}

static void test_catalog(void)
{
	int dup = 0, bad_pos = 0;

	for (size_t i = 0; i < dg_nr_apis; i++) {
		for (size_t j = i + 1; j < dg_nr_apis; j++)
			dup |= !strcmp(dg_apis[i].name, dg_apis[j].name);
		for (int s = 0; s < DG_MAX_SYMBOLS && dg_apis[i].symbols[s].name; s++)
			for (int p = 0; p < dg_api_nr_params(&dg_apis[i]); p++)
				bad_pos |= dg_apis[i].symbols[s].pos[p] >= DG_MAX_PARAMS;
	}
	tap_ok(!dup, "catalog names are unique");
	tap_ok(!bad_pos, "every parameter position is a register argument");
	tap_ok(dg_api_by_id(dg_nr_apis) == NULL, "out-of-range catalog id is NULL");
	tap_ok(dg_api_find("msleep") >= 0 && dg_apis[dg_api_find("msleep")].may_sleep,
	       "msleep may sleep");
	tap_ok(dg_api_find("spin_lock") >= 0 && !dg_apis[dg_api_find("spin_lock")].may_sleep,
	       "spin_lock does not sleep");
	tap_ok(dg_apis[dg_api_find("kmalloc")].symbols[1].pos[0] == 2,
	       "kmalloc_trace has the size as its third argument");
	test_fail_values();
}

static void test_meta(struct dg_pack_meta *m)
{
	struct dg_pack_meta bad;
	int line = 0;

	tap_ok(dg_meta_parse(meta_text, m, NULL) == 0, "metadata parses");
	tap_ok(m->nr_rules == 1 && m->rules[0].nr_fields == 6 && m->rules[0].nr_notes == 1,
	       "one rule with six fields and a note");
	tap_ok(m->rules[0].fatal && m->rules[0].recover && !strcmp(m->rules[0].recover,
								       "unlock_around"),
	       "fatal flag and recovery action");
	tap_ok(m->nr_programs == 1 && !strcmp(m->programs[0].target, "msleep"), "program target");
	tap_ok(dg_meta_parse("drvguard-pack 2\npack x\n", &bad, &line) != 0 && line == 1,
	       "another format version is refused");
	tap_ok(dg_meta_parse("drvguard-pack 1\npack x\ndescription d\nfield 9 0 int\n", &bad,
			     &line) != 0 && line == 4, "a field of an unknown rule names its line");
}

int main(void)
{
	struct dg_event e = {
		.ts_ns = 12345678901ULL,
		.site = 0xffffffffc0a0102aULL,
		.field = { 0, 1, 0xffffffffc0a03000ULL, 0, 0xffffffffc0a01014ULL, 1 },
		.rule = 1,
		.context = DG_CTX_SOFTIRQ,
		.pid = 42,
		.cpu = 1,
		.nr_fields = 6,
		.comm = "a\"b\\c\n",
	};
	struct dg_pack_meta m;
	struct dg_report_ctx c = {
		.pack = "core", .meta = &m, .driver = "dg_sleep_atomic", .symbolize = fake_symbolize,
	};
	char *json, *text;

	tap_begin();
	test_catalog();
	test_meta(&m);
	e.api = dg_api_find("msleep");
	e.field[0] = dg_api_find("msleep");
	e.field[3] = dg_api_find("spin_lock");

	json = render(&e, &c, true);
	tap_contains(json, "\"rule\":\"sleep_with_spinlock\"", "JSON names the rule");
	tap_contains(json, "\"pack\":\"core\"", "JSON names the pack");
	tap_contains(json, "\"driver\":\"dg_sleep_atomic\"", "JSON names the driver");
	tap_contains(json, "\"api\":\"msleep\"", "JSON names the API");
	tap_contains(json, "\"site\":\"fn+0x2a [mod]\"", "JSON site is symbolized");
	tap_contains(json, "\"site_addr\":\"0xffffffffc0a0102a\"", "JSON site address");
	tap_contains(json, "\"message\":\"msleep() called with 1 lock(s) held {literal}\"",
		     "JSON message has its fields and literal braces");
	tap_contains(json, "lock 0xffffffffc0a03000 taken by spin_lock() at fn+0x14 [mod], now locked",
		     "JSON note: pointer, API, symbolized site, state name");
	tap_contains(json, "\"context\":\"softirq\"", "JSON context");
	tap_contains(json, "\"comm\":\"a\\\"b\\\\c\\u000a\"", "JSON escapes the task name");
	tap_ok(json && json[strlen(json) - 1] == '\n' && !strchr(json, '\n')[1],
	       "JSON is exactly one line");

	text = render(&e, &c, false);
	tap_contains(text, "error: sleep_with_spinlock in dg_sleep_atomic at fn+0x2a [mod]",
		     "text headline names rule, driver and site");
	tap_contains(text, "\n  msleep() called with 1 lock(s) held", "text message");
	tap_contains(text, "\n  lock 0xffffffffc0a03000 taken by spin_lock()", "text note");
	e.rule = 7;
	free(text);
	text = render(&e, &c, false);
	tap_contains(text, "error: rule#7 in dg_sleep_atomic", "an unknown rule id is shown, not dropped");
	free(json);
	free(text);
	dg_meta_free(&m);
	return tap_end();
}
