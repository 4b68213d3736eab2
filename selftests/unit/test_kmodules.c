// SPDX-License-Identifier: GPL-2.0
/* Unit tests for reading a module's address range from /proc/modules. */
#include <errno.h>
#include <stdio.h>

#include "tap.h"
#include "kmodules.h"

static const char modules[] =
	"e1000 163840 0 - Live 0xffffffffc0400000\n"
	"dg_sleep_atomic 16384 0 - Live 0xffffffffc0a01000 (OE)\n"
	"loading_mod 8192 1 e1000, Loading 0xffffffffc0900000\n"
	"hidden 8192 0 - Live 0x0000000000000000\n";

static int find(const char *name, struct dg_driver *d)
{
	FILE *f = fmemopen((void *)modules, sizeof(modules) - 1, "r");
	int err = dg_module_find(f, name, d);

	fclose(f);
	return err;
}

int main(void)
{
	struct dg_driver d;

	tap_begin();
	tap_ok(find("dg_sleep_atomic", &d) == 0, "find a live module");
	tap_ok(d.start == 0xffffffffc0a01000ULL && d.end == 0xffffffffc0a01000ULL + 16384,
	       "range is base .. base+size");
	tap_streq(d.name, "dg_sleep_atomic", "name is copied");
	tap_ok(find("e1000", &d) == 0 && d.start == 0xffffffffc0400000ULL, "first line is found");
	tap_ok(find("e100", &d) == -ENOENT, "a prefix of a name does not match");
	tap_ok(find("loading_mod", &d) == -EBUSY, "a module still loading is refused");
	tap_ok(find("hidden", &d) == -EPERM, "hidden addresses (kptr_restrict) are refused");
	tap_ok(dg_module_parse_line("truncated 123\n", "truncated", &d) == -EINVAL,
	       "a malformed line is an error");
	return tap_end();
}
