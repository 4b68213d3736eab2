// SPDX-License-Identifier: GPL-2.0
/* Unit tests for symbolization and kernel function lookup from a kallsyms listing. */
#include <errno.h>
#include <stdio.h>

#include "tap.h"
#include "ksyms.h"

static const char kallsyms[] =
	"ffffffff81000000 T _stext\n"
	"ffffffff81234560 T msleep\n"
	"ffffffffc0a01000 t dg_sleep_atomic_fire\t[dg_sleep_atomic]\n"
	"ffffffffc0a01080 t dg_trigger_write\t[dg_sleep_atomic]\n"
	"ffffffffc0a03000 d dg_state_lock\t[dg_sleep_atomic]\n"
	"ffffffffc0b00000 t other_fn\t[other]\n"
	"ffffffffc0a01040 T dg_exported\t[dg_sleep_atomic]\n"
	"ffffffffc0a01100 t schedule\t[dg_sleep_atomic]\n"
	"ffffffff81345670 D jiffies\n"
	"garbage line\n";

int main(void)
{
	FILE *f = fmemopen((void *)kallsyms, sizeof(kallsyms) - 1, "r");
	struct dg_ksyms *ks;
	char buf[128];

	tap_begin();
	ks = dg_ksyms_load(f, NULL);
	tap_ok(ks != NULL, "load a kallsyms listing");
	if (!ks)
		return tap_end();

	tap_ok(!dg_ksyms_format(ks, 0xffffffffc0a0102aULL, buf, sizeof(buf)), "address inside a module function");
	tap_streq(buf, "dg_sleep_atomic_fire+0x2a [dg_sleep_atomic]", "function+offset [module]");

	dg_ksyms_format(ks, 0xffffffffc0a01040ULL, buf, sizeof(buf));
	tap_streq(buf, "dg_exported+0x0 [dg_sleep_atomic]", "unsorted input, exact symbol start");

	dg_ksyms_format(ks, 0xffffffffc0a01090ULL, buf, sizeof(buf));
	tap_streq(buf, "dg_trigger_write+0x10 [dg_sleep_atomic]", "data symbols are not text");

	tap_ok(dg_ksyms_format(ks, 0xffffffff81234570ULL, buf, sizeof(buf)) == -ENOENT,
	       "kernel (non-module) addresses are not module symbols");
	tap_ok(dg_ksyms_format(ks, 0xffffffffc0c00000ULL, buf, sizeof(buf)) == -ENOENT,
	       "address far past the last module symbol is unknown");
	tap_ok(dg_ksyms_format(ks, 0x10, buf, sizeof(buf)) == -ENOENT,
	       "address below every symbol is unknown");

	dg_ksyms_free(ks);

	{
		/* ftrace keeps a freed init function in kallsyms; other's text is there now */
		static const char stale[] =
			"ffffffffc0b00000 t other_fn\t[other]\n"
			"ffffffffc0b00000 T dg_init\t[dg_sleep_atomic]\n"
			"ffffffffc0a01000 t dg_sleep_atomic_fire\t[dg_sleep_atomic]\n";
		static const char modules[] =
			"dg_sleep_atomic 16384 0 - Live 0xffffffffc0a01000 (OE)\n"
			"other 16384 0 - Live 0xffffffffc0b00000 (OE)\n";
		FILE *k = fmemopen((void *)stale, sizeof(stale) - 1, "r");
		FILE *m = fmemopen((void *)modules, sizeof(modules) - 1, "r");

		ks = dg_ksyms_load(k, m);
		tap_ok(ks && !dg_ksyms_format(ks, 0xffffffffc0b00026ULL, buf, sizeof(buf)),
		       "symbolize with module ranges");
		tap_streq(buf, "other_fn+0x26 [other]",
			  "a stale symbol outside its module's range is not used");
		dg_ksyms_free(ks);
		fclose(k);
		fclose(m);
	}

	{
		const char *const names[] = { "msleep", "schedule", "jiffies", "absent" };
		unsigned long long addrs[4];

		rewind(f);
		dg_ksyms_kernel_addrs(f, names, 4, addrs);
		tap_ok(addrs[0] == 0xffffffff81234560ULL, "kernel function address is found");
		tap_ok(addrs[1] == 0, "a module function of the same name is not the kernel's");
		tap_ok(addrs[2] == 0, "data symbols are not functions");
		tap_ok(addrs[3] == 0, "an absent name stays 0");
	}
	fclose(f);
	return tap_end();
}
