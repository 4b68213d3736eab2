/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Turning a violation event into what a developer reads: a plain-text block
 * or one JSON object per line.  Symbolization happens before, so that this
 * file only formats.
 */
#ifndef USERCTL_REPORT_H
#define USERCTL_REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>
#include "../bpf/drvguard.h"

/* Names resolved for one event by the caller. */
struct dg_report_names {
	const char *driver;	/* monitored module */
	const char *site;	/* call site, `func+0xoff [module]` */
	const char *held_site;	/* where the held lock was taken */
};

/* Name and severity of @rule, e.g. "sleep_with_spinlock", "error". */
const char *dg_rule_name(__u32 rule);
const char *dg_rule_severity(__u32 rule);
const char *dg_context_name(__u32 context);

/* The address of the call instruction whose return address is @ret. */
static inline unsigned long long dg_call_site(unsigned long long ret)
{
	return ret ? ret - 5 : 0;	/* x86-64 `call rel32`, how modules reach exports */
}

void dg_report_print(FILE *out, const struct dg_event *e, const struct dg_report_names *names,
		     bool json);

#endif /* USERCTL_REPORT_H */
