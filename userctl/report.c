// SPDX-License-Identifier: GPL-2.0
/*
 * Violation reports.  The text form leads with what broke and where, then the
 * history that explains it (where the held lock was taken); the JSON form
 * carries the same fields, one object per line, for scripts.
 */
#include <stdio.h>

#include "../probes/catalog.h"
#include "json.h"
#include "report.h"

_Static_assert(sizeof(struct dg_event) == DG_EVENT_SIZE, "dg_event layout changed");

struct dg_rule_info {
	const char *name;
	const char *severity;
};

static const struct dg_rule_info dg_rules[] = {
	[DG_RULE_SLEEP_WITH_SPINLOCK] = { "sleep_with_spinlock", "error" },
};

const char *dg_rule_name(__u32 rule)
{
	if (rule < sizeof(dg_rules) / sizeof(dg_rules[0]) && dg_rules[rule].name)
		return dg_rules[rule].name;
	return "unknown";
}

const char *dg_rule_severity(__u32 rule)
{
	if (rule < sizeof(dg_rules) / sizeof(dg_rules[0]) && dg_rules[rule].severity)
		return dg_rules[rule].severity;
	return "error";
}

const char *dg_context_name(__u32 context)
{
	static const char *const names[] = {
		[DG_CTX_PROCESS] = "process",
		[DG_CTX_SOFTIRQ] = "softirq",
		[DG_CTX_HARDIRQ] = "hardirq",
		[DG_CTX_NMI] = "nmi",
	};

	return context < sizeof(names) / sizeof(names[0]) ? names[context] : "unknown";
}

static const char *api_name(__u32 id)
{
	const struct dg_api *api = dg_api_by_id(id);

	return api ? api->name : "unknown";
}

static void print_text(FILE *out, const struct dg_event *e, const struct dg_report_names *n)
{
	fprintf(out, "[%5llu.%06llu] %s: %s in %s (%s, pid %u %.*s, cpu %u)\n",
		e->ts_ns / 1000000000ULL, e->ts_ns % 1000000000ULL / 1000, dg_rule_severity(e->rule),
		dg_rule_name(e->rule), n->driver, dg_context_name(e->context), e->pid,
		DG_COMM_LEN, e->comm, e->cpu);
	fprintf(out, "  %s() called at %s with %u spinlock(s) held\n", api_name(e->api), n->site,
		e->held_count);
	fprintf(out, "  lock 0x%llx taken by %s() at %s\n", (unsigned long long)e->held_lock,
		api_name(e->held_api), n->held_site);
}

static void print_json(FILE *out, const struct dg_event *e, const struct dg_report_names *n)
{
	char comm[DG_COMM_LEN + 1];

	snprintf(comm, sizeof(comm), "%.*s", DG_COMM_LEN, e->comm);
	fprintf(out, "{\"ts_ns\":%llu,", (unsigned long long)e->ts_ns);
	json_kv_str(out, "rule", dg_rule_name(e->rule));
	fputc(',', out);
	json_kv_str(out, "severity", dg_rule_severity(e->rule));
	fputc(',', out);
	json_kv_str(out, "driver", n->driver);
	fputc(',', out);
	json_kv_str(out, "api", api_name(e->api));
	fputc(',', out);
	json_kv_str(out, "site", n->site);
	fprintf(out, ",\"site_addr\":\"0x%llx\",", dg_call_site(e->site));
	json_kv_str(out, "context", dg_context_name(e->context));
	fprintf(out, ",\"pid\":%u,\"cpu\":%u,", e->pid, e->cpu);
	json_kv_str(out, "comm", comm);
	fprintf(out, ",\"held_locks\":%u,\"lock\":{\"addr\":\"0x%llx\",", e->held_count,
		(unsigned long long)e->held_lock);
	json_kv_str(out, "api", api_name(e->held_api));
	fputc(',', out);
	json_kv_str(out, "taken_at", n->held_site);
	fprintf(out, ",\"taken_at_addr\":\"0x%llx\"}}\n", dg_call_site(e->held_site));
}

void dg_report_print(FILE *out, const struct dg_event *e, const struct dg_report_names *names,
		     bool json)
{
	if (json)
		print_json(out, e, names);
	else
		print_text(out, e, names);
	fflush(out);
}
