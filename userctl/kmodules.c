// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/modules gives each module's core base address and size, which is
 * what the monitors compare return addresses against.  The size covers the
 * core layout (text, rodata, data) plus the init layout, which the kernel
 * zeroes once init has run; a return address can only fall in text anyway.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "kmodules.h"

_Static_assert(sizeof(struct dg_driver) == DG_DRIVER_SIZE, "dg_driver layout changed");

int dg_module_parse_line(const char *line, const char *name, struct dg_driver *out)
{
	char mod[DG_DRIVER_NAME_LEN], deps[1024], state[16];
	unsigned long long size, base;
	unsigned int refs;

	/* name size refcount deps state address [taints] */
	if (sscanf(line, "%55s %llu %u %1023s %15s %llx", mod, &size, &refs, deps, state,
		   &base) != 6)
		return -EINVAL;
	if (strcmp(mod, name))
		return -ENOENT;
	if (strcmp(state, "Live"))
		return -EBUSY;
	if (!base)
		return -EPERM;
	memset(out, 0, sizeof(*out));
	out->start = base;
	out->end = base + size;
	memcpy(out->name, mod, sizeof(mod));
	return 0;
}

int dg_module_find(FILE *modules, const char *name, struct dg_driver *out)
{
	char line[2048];
	int err;

	while (fgets(line, sizeof(line), modules)) {
		err = dg_module_parse_line(line, name, out);
		if (err != -ENOENT)
			return err;
	}
	return -ENOENT;
}
