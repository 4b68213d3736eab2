// SPDX-License-Identifier: GPL-2.0
/*
 * Reading and setting the per-rule recovery switch of a loaded pack.  The
 * switch lives in the kernel (the pinned `recovery` map, indexed by rule id)
 * so that it outlives the command and takes effect at the next violation.
 */
#include <errno.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "pack_meta.h"
#include "pack_pins.h"
#include "recovery_switch.h"

int dg_recovery_switch_open(struct dg_recovery_switch *s, const char *pack,
			    const struct dg_pack_meta *meta)
{
	s->meta = meta;
	s->fd = dg_pin_open(pack, "recovery");
	return s->fd < 0 ? s->fd : 0;
}

void dg_recovery_switch_close(struct dg_recovery_switch *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

bool dg_recovery_rule_on(const struct dg_recovery_switch *s, const struct dg_meta_rule *r)
{
	__u32 key = r->id, on = 0;

	if (!r->recover || s->fd < 0 || bpf_map_lookup_elem(s->fd, &key, &on))
		return false;
	return on;
}

int dg_recovery_rule_set(const struct dg_recovery_switch *s, const struct dg_meta_rule *r,
			 bool on)
{
	__u32 key = r->id, value = on;

	if (!r->recover)
		return -EINVAL;
	return bpf_map_update_elem(s->fd, &key, &value, BPF_ANY) ? -errno : 0;
}

const char *dg_recovery_pack_state(const struct dg_recovery_switch *s)
{
	int actions = 0, on = 0;

	for (int i = 0; i < s->meta->nr_rules; i++) {
		const struct dg_meta_rule *r = &s->meta->rules[i];

		actions += !!r->recover;
		on += dg_recovery_rule_on(s, r);
	}
	if (!on)
		return "off";
	return on == actions ? "on" : "partial";
}
