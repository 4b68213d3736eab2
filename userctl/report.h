/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Turning a violation event into what a developer reads: a plain-text block
 * or one JSON object per line.  The pack's metadata says what the rule is
 * called, how its message reads and what type each field has; addresses are
 * symbolized through the caller's callback.
 */
#ifndef USERCTL_REPORT_H
#define USERCTL_REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>
#include "../bpf/drvguard.h"
#include "../bpf/recovery_abi.h"
#include "pack_meta.h"

struct dg_report_ctx {
	const char *pack;
	const struct dg_pack_meta *meta;
	const char *driver;		/* the monitored module's name */
	const char *source;		/* `file:line` of the site, or NULL */
	/* writes `func+0xoff [module]` for @addr into @buf */
	void (*symbolize)(void *arg, unsigned long long addr, char *buf, size_t len);
	void *arg;
};

const char *dg_context_name(__u32 context);
/* The catalog API or entry class an event's api field names. */
const char *dg_event_api_name(__u32 api);
/* Name of the rule @id of @meta, or "rule#ID". */
const char *dg_report_rule_name(const struct dg_pack_meta *meta, __u32 id, char *buf, size_t len);

/* @tmpl with each {N} replaced by field N of @e, formatted by its type. */
void dg_report_render(const struct dg_report_ctx *c, const struct dg_meta_rule *rule,
		      const struct dg_event *e, const char *tmpl, char *buf, size_t len);

/* The report's words for a recovery outcome; NULL for DG_RECOVERY_NONE. */
const char *dg_recovery_outcome_name(__u32 outcome);
void dg_report_print(FILE *out, const struct dg_event *e, const struct dg_report_ctx *c,
		     bool json);

#endif /* USERCTL_REPORT_H */
