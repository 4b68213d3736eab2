// SPDX-License-Identifier: GPL-2.0
/*
 * Violation reports.  The text form leads with what broke and where, then
 * the rule's message and notes (the history that explains it: where the
 * held lock was taken, where the pointer was first freed); the JSON form
 * carries the same, one object per line, for scripts.
 */
#include <stdio.h>
#include <string.h>

#include "../probes/catalog.h"
#include "json.h"
#include "report.h"

_Static_assert(sizeof(struct dg_event) == DG_EVENT_SIZE, "dg_event layout changed");

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

const char *dg_event_api_name(__u32 api)
{
	const struct dg_api *a = dg_api_by_id(api);

	if (api >= DG_ENTRY_API_BASE && api - DG_ENTRY_API_BASE < DG_NR_ENTRY_CLASSES)
		return dg_entries[api - DG_ENTRY_API_BASE].name;
	return a ? a->name : "unknown";
}

const char *dg_report_rule_name(const struct dg_pack_meta *meta, __u32 id, char *buf, size_t len)
{
	const struct dg_meta_rule *r = meta ? dg_meta_rule(meta, id) : NULL;

	if (r)
		return r->name;
	snprintf(buf, len, "rule#%u", id);
	return buf;
}

static void format_field(const struct dg_report_ctx *c, const struct dg_meta_rule *rule, int i,
			 __u64 v, char *buf, size_t len)
{
	const struct dg_meta_resource *res;

	switch (rule->fields[i]) {
	case DG_FIELD_INT:
		snprintf(buf, len, "%lld", (long long)v);
		break;
	case DG_FIELD_BOOL:
		snprintf(buf, len, "%s", v ? "true" : "false");
		break;
	case DG_FIELD_STATE:
		res = rule->field_res[i] < c->meta->nr_resources ?
		      &c->meta->resources[rule->field_res[i]] : NULL;
		if (res && v < (__u64)res->nr_states)
			snprintf(buf, len, "%s", res->states[v]);
		else
			snprintf(buf, len, "unknown");
		break;
	case DG_FIELD_CONTEXT:
		snprintf(buf, len, "%s", dg_context_name(v));
		break;
	case DG_FIELD_API:
		snprintf(buf, len, "%s", dg_event_api_name(v));
		break;
	case DG_FIELD_SITE:
		if (v && c->symbolize)
			c->symbolize(c->arg, v, buf, len);
		else
			snprintf(buf, len, "0x%llx", (unsigned long long)v);
		break;
	default:	/* flags, pointers */
		snprintf(buf, len, "0x%llx", (unsigned long long)v);
	}
}

void dg_report_render(const struct dg_report_ctx *c, const struct dg_meta_rule *rule,
		      const struct dg_event *e, const char *tmpl, char *buf, size_t len)
{
	size_t n = 0;

	for (const char *p = tmpl; *p && n + 1 < len; p++) {
		char field[256];
		int i, used;

		if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
			buf[n++] = *p++;
			continue;
		}
		if (*p != '{' || sscanf(p, "{%d}%n", &i, &used) != 1 || i < 0 ||
		    i >= rule->nr_fields || i >= DG_MAX_FIELDS) {
			buf[n++] = *p;
			continue;
		}
		format_field(c, rule, i, e->field[i], field, sizeof(field));
		n += snprintf(buf + n, len - n, "%s", field);
		if (n >= len)
			n = len - 1;
		p += used - 1;
	}
	buf[n] = '\0';
}

/* What became of the rule's recovery action, as the report says it; NULL: no action. */
const char *dg_recovery_outcome_name(__u32 outcome)
{
	static const char *const names[DG_NR_RECOVERY_OUTCOMES] = {
		[DG_RECOVERY_OFF] = "off",
		[DG_RECOVERY_DONE] = "recovered",
		[DG_RECOVERY_DONE_ELSEWHERE] = "recovered by another rule",
		[DG_RECOVERY_NOT_IN_TASK] = "not recoverable: not in process context",
		[DG_RECOVERY_ATOMIC_OTHERWISE] =
			"not recoverable: atomic for reasons other than the driver's locks",
		[DG_RECOVERY_NOTHING_TO_RELEASE] =
			"not recoverable: no lock of the driver's to release",
		[DG_RECOVERY_NO_ROOM] = "not recoverable: too many recoveries at once",
		[DG_RECOVERY_UNCERTAIN] =
			"not recoverable: the monitor may have missed lock events here",
		[DG_RECOVERY_UNIMPLEMENTED] = "not recoverable: action not implemented yet",
		[DG_RECOVERY_CALL_CHANGED] =
			"not recoverable: the call's arguments are not what the monitor saw",
		[DG_RECOVERY_CANNOT_CHANGE] = "not recoverable: this call cannot be changed safely",
		[DG_RECOVERY_NO_STAND_IN] = "not recoverable: no stand-in object to free instead",
		[DG_RECOVERY_MUST_NOT_FAIL] =
			"not recoverable: the allocation must not fail (__GFP_NOFAIL)",
		[DG_RECOVERY_NOT_ATTRIBUTED] =
			"not recoverable: not this driver's lock, taken in this context",
		[DG_RECOVERY_UNKNOWN_LOCK] =
			"not recoverable: not a lock the module knows how to release",
		[DG_RECOVERY_NOT_HELD] = "not recoverable: the lock is not held as the monitor saw it",
		[DG_RECOVERY_ILLEGAL_HERE] = "not recoverable: releasing the lock here is not legal",
		[DG_RECOVERY_NOT_AT_UNLOAD] =
			"not recoverable: not while the recovery module watches the unload",
		[DG_RECOVERY_CANNOT_RELEASE] =
			"not recoverable: no release call the module can make safely",
		[DG_RECOVERY_NOT_LIVE] =
			"not recoverable: the kernel does not hold the object as the monitor does",
		[DG_RECOVERY_DEVICE_UNKNOWN] =
			"not recoverable: the device it belongs to is not known to be alive",
		[DG_RECOVERY_CANNOT_FAIL] = "not recoverable: the call has no failure return",
		[DG_RECOVERY_NOT_ARMED] = "not recoverable: fail_call is not armed for this call",
		[DG_RECOVERY_MISSED_RELEASE] =
			"not recoverable: the monitor may have missed the driver's own release",
	};

	if (outcome == DG_RECOVERY_NONE)
		return NULL;
	return outcome < DG_NR_RECOVERY_OUTCOMES && names[outcome] ? names[outcome] : "unknown";
}

static void print_text(FILE *out, const struct dg_event *e, const struct dg_report_ctx *c,
		       const struct dg_meta_rule *rule, const char *site)
{
	char line[1024], name[32];

	fprintf(out, "[%5llu.%06llu] %s: %s in %s at %s%s%s%s (%s, pid %u %.*s, cpu %u)\n",
		e->ts_ns / 1000000000ULL, e->ts_ns % 1000000000ULL / 1000,
		rule ? rule->severity : "error", dg_report_rule_name(c->meta, e->rule, name,
								      sizeof(name)),
		c->driver, site, c->source ? " (" : "", c->source ?: "", c->source ? ")" : "",
		dg_context_name(e->context), e->pid, DG_COMM_LEN, e->comm, e->cpu);
	if (!rule)
		return;
	dg_report_render(c, rule, e, rule->message, line, sizeof(line));
	if (e->count > 1)
		fprintf(out, "  %s (%u times since the last report of this site)\n", line, e->count);
	else
		fprintf(out, "  %s\n", line);
	for (int i = 0; i < rule->nr_notes; i++) {
		dg_report_render(c, rule, e, rule->notes[i], line, sizeof(line));
		fprintf(out, "  %s\n", line);
	}
	if (rule->recover && dg_recovery_outcome_name(e->recovery))
		fprintf(out, "  recovery %s: %s\n", rule->recover,
			dg_recovery_outcome_name(e->recovery));
}

static void print_json(FILE *out, const struct dg_event *e, const struct dg_report_ctx *c,
		       const struct dg_meta_rule *rule, const char *site)
{
	char comm[DG_COMM_LEN + 1], line[1024], name[32];

	snprintf(comm, sizeof(comm), "%.*s", DG_COMM_LEN, e->comm);
	fprintf(out, "{\"ts_ns\":%llu,", (unsigned long long)e->ts_ns);
	json_kv_str(out, "pack", c->pack);
	fputc(',', out);
	json_kv_str(out, "rule", dg_report_rule_name(c->meta, e->rule, name, sizeof(name)));
	fputc(',', out);
	json_kv_str(out, "severity", rule ? rule->severity : "error");
	fputc(',', out);
	json_kv_str(out, "driver", c->driver);
	fputc(',', out);
	json_kv_str(out, "api", dg_event_api_name(e->api));
	fputc(',', out);
	json_kv_str(out, "site", site);
	fprintf(out, ",\"site_addr\":\"0x%llx\",", (unsigned long long)e->site);
	if (c->source) {
		json_kv_str(out, "source", c->source);
		fputc(',', out);
	}
	json_kv_str(out, "context", dg_context_name(e->context));
	fprintf(out, ",\"pid\":%u,\"cpu\":%u,\"count\":%u,", e->pid, e->cpu, e->count ?: 1);
	json_kv_str(out, "comm", comm);
	if (rule) {
		dg_report_render(c, rule, e, rule->message, line, sizeof(line));
		fputc(',', out);
		json_kv_str(out, "message", line);
		fprintf(out, ",\"notes\":[");
		for (int i = 0; i < rule->nr_notes; i++) {
			dg_report_render(c, rule, e, rule->notes[i], line, sizeof(line));
			fprintf(out, "%s", i ? "," : "");
			json_str(out, line);
		}
		fprintf(out, "],\"fields\":[");
		for (int i = 0; i < rule->nr_fields && i < DG_MAX_FIELDS; i++) {
			format_field(c, rule, i, e->field[i], line, sizeof(line));
			fprintf(out, "%s", i ? "," : "");
			json_str(out, line);
		}
		fprintf(out, "]");
		if (rule->recover && dg_recovery_outcome_name(e->recovery)) {
			fprintf(out, ",\"recovery\":{");
			json_kv_str(out, "action", rule->recover);
			fputc(',', out);
			json_kv_str(out, "outcome", dg_recovery_outcome_name(e->recovery));
			fprintf(out, "}");
		}
	}
	fprintf(out, "}\n");
}

void dg_report_print(FILE *out, const struct dg_event *e, const struct dg_report_ctx *c,
		     bool json)
{
	const struct dg_meta_rule *rule = c->meta ? dg_meta_rule(c->meta, e->rule) : NULL;
	char site[256];

	if (e->site && c->symbolize)
		c->symbolize(c->arg, e->site, site, sizeof(site));
	else
		snprintf(site, sizeof(site), "0x%llx", (unsigned long long)e->site);
	if (json)
		print_json(out, e, c, rule, site);
	else
		print_text(out, e, c, rule, site);
	fflush(out);
}
