/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A loaded pack's recovery switch: one value per rule in the pack's pinned
 * `recovery` map, read by the rule's monitor at each violation.  Only rules
 * with a `recover` action have a switch that means anything; `recover`
 * sets them and `status` reports them.
 */
#ifndef USERCTL_RECOVERY_SWITCH_H
#define USERCTL_RECOVERY_SWITCH_H

#include <stdbool.h>

struct dg_pack_meta;
struct dg_meta_rule;

struct dg_recovery_switch {
	int fd;				/* the pinned `recovery` map */
	const struct dg_pack_meta *meta;
};

/* Open @pack's switch, described by @meta; 0 or -errno. */
int dg_recovery_switch_open(struct dg_recovery_switch *s, const char *pack,
			    const struct dg_pack_meta *meta);
void dg_recovery_switch_close(struct dg_recovery_switch *s);

bool dg_recovery_rule_on(const struct dg_recovery_switch *s, const struct dg_meta_rule *r);
/* Switch rule @r's recovery; 0 or -errno.  A rule without an action is refused. */
int dg_recovery_rule_set(const struct dg_recovery_switch *s, const struct dg_meta_rule *r,
			 bool on);

/* "on" (every rule with an action), "off" (none) or "partial". */
const char *dg_recovery_pack_state(const struct dg_recovery_switch *s);

#endif /* USERCTL_RECOVERY_SWITCH_H */
