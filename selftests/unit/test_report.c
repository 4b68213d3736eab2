// SPDX-License-Identifier: GPL-2.0
/* Unit tests for violation reports and the probe catalog they name. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "report.h"
#include "../../probes/catalog.h"

static int api_id(const char *name)
{
	for (size_t i = 0; i < dg_nr_apis; i++)
		if (!strcmp(dg_apis[i].name, name))
			return i;
	return -1;
}

static char *render(const struct dg_event *e, const struct dg_report_names *n, bool json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	dg_report_print(out, e, n, json);
	fclose(out);
	return buf;
}

static void test_catalog(void)
{
	int dup = 0;

	for (size_t i = 0; i < dg_nr_apis; i++)
		for (size_t j = i + 1; j < dg_nr_apis; j++)
			dup |= !strcmp(dg_apis[i].name, dg_apis[j].name) ||
			       !strcmp(dg_apis[i].symbol, dg_apis[j].symbol);
	tap_ok(!dup, "catalog names and symbols are unique");
	tap_ok(dg_api_by_id(dg_nr_apis) == NULL, "out-of-range catalog id is NULL");
	tap_ok(api_id("spin_lock") >= 0 && dg_apis[api_id("spin_lock")].role == DG_ROLE_SPIN_ACQUIRE,
	       "spin_lock acquires");
	tap_ok(api_id("msleep") >= 0 && dg_apis[api_id("msleep")].role == DG_ROLE_MAY_SLEEP,
	       "msleep may sleep");
}

int main(void)
{
	struct dg_event e = {
		.ts_ns = 12345678901ULL,
		.site = 0xffffffffc0a0102fULL,
		.held_lock = 0xffffffffc0a03000ULL,
		.held_site = 0xffffffffc0a01019ULL,
		.rule = DG_RULE_SLEEP_WITH_SPINLOCK,
		.api = api_id("msleep"),
		.held_api = api_id("spin_lock"),
		.held_count = 1,
		.context = DG_CTX_SOFTIRQ,
		.pid = 42,
		.cpu = 1,
		.comm = "a\"b\\c\n",
	};
	struct dg_report_names n = {
		.driver = "dg_sleep_atomic",
		.site = "dg_sleep_atomic_fire+0x2a [dg_sleep_atomic]",
		.held_site = "dg_sleep_atomic_fire+0x14 [dg_sleep_atomic]",
	};
	char *json, *text;

	tap_begin();
	test_catalog();
	tap_ok(dg_call_site(0x1005) == 0x1000, "call site is the return address minus a call rel32");

	json = render(&e, &n, true);
	tap_contains(json, "\"rule\":\"sleep_with_spinlock\"", "JSON names the rule");
	tap_contains(json, "\"driver\":\"dg_sleep_atomic\"", "JSON names the driver");
	tap_contains(json, "\"api\":\"msleep\"", "JSON names the API");
	tap_contains(json, "\"site\":\"dg_sleep_atomic_fire+0x2a [dg_sleep_atomic]\"", "JSON site");
	tap_contains(json, "\"site_addr\":\"0xffffffffc0a0102a\"", "JSON site address is the call");
	tap_contains(json, "\"taken_at\":\"dg_sleep_atomic_fire+0x14 [dg_sleep_atomic]\"",
		     "JSON says where the lock was taken");
	tap_contains(json, "\"lock\":{\"addr\":\"0xffffffffc0a03000\",\"api\":\"spin_lock\"",
		     "JSON names the lock and its API");
	tap_contains(json, "\"context\":\"softirq\"", "JSON context");
	tap_contains(json, "\"comm\":\"a\\\"b\\\\c\\u000a\"", "JSON escapes the task name");
	tap_ok(json && json[strlen(json) - 1] == '\n' && !strchr(json, '\n')[1],
	       "JSON is exactly one line");

	text = render(&e, &n, false);
	tap_contains(text, "error: sleep_with_spinlock in dg_sleep_atomic", "text headline");
	tap_contains(text, "msleep() called at dg_sleep_atomic_fire+0x2a [dg_sleep_atomic]",
		     "text call site");
	tap_contains(text, "taken by spin_lock() at dg_sleep_atomic_fire+0x14", "text lock history");
	free(json);
	free(text);
	return tap_end();
}
