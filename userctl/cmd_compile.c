// SPDX-License-Identifier: GPL-2.0
/*
 * `drvguard check FILE.rules` and `drvguard compile FILE.rules [-o PACK.o]`:
 * the rule compiler (rules/) behind the command line.  Diagnostics go to
 * stderr in the compiler's file:line:col form; the exit status is 1 when
 * the rules have errors.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../rules/rulec.h"
#include "json.h"
#include "main.h"
#include "paths.h"

int cmd_check(int argc, char **argv)
{
	if (argc != 2 || argv[1][0] == '-') {
		elog("usage: drvguard check FILE.rules");
		return -DG_EXIT_USAGE;
	}
	if (rc_check_file(argv[1], stderr))
		return -DG_EXIT_ERROR;
	if (!dg_opts.json) {
		printf("%s: ok\n", argv[1]);
	} else {
		printf("{\"file\":");
		json_str(stdout, argv[1]);
		printf(",\"ok\":true}\n");
	}
	return 0;
}

/* FILE.rules -> FILE.o */
static void default_output(const char *in, char *out, size_t len)
{
	size_t n = strlen(in);

	if (n > 6 && !strcmp(in + n - 6, ".rules"))
		n -= 6;
	snprintf(out, len, "%.*s.o", (int)n, in);
}

int dg_compile_pack(const char *in, const char *out)
{
	struct rc_compile_opts opts = { .clang = "clang", .verbose = dg_opts.debug,
					.keep_c = getenv("DRVGUARD_KEEP_C") };
	char include[2 * PATH_MAX];
	int err;

	if (dg_include_dirs(include, sizeof(include))) {
		elog("cannot find the runtime headers (runtime.bpf.h, vmlinux.h); set DRVGUARD_INCLUDE");
		return -DG_EXIT_ERROR;
	}
	opts.include_dirs = include;
	err = rc_compile_file(in, out, &opts, stderr);
	if (err == -ENOENT)
		elog("cannot run clang: install it to compile packs");
	else if (err && err != -EINVAL)
		elog("cannot compile %s: %s", in, strerror(-err));
	return err ? -DG_EXIT_ERROR : 0;
}

int cmd_compile(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ 0 },
	};
	char out[PATH_MAX] = "";
	int opt, err;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "o:", longopts, NULL)) != -1) {
		if (opt != 'o')
			return -DG_EXIT_USAGE;
		snprintf(out, sizeof(out), "%s", optarg);
	}
	if (optind != argc - 1) {
		elog("usage: drvguard compile FILE.rules [-o PACK.o]");
		return -DG_EXIT_USAGE;
	}
	if (!out[0])
		default_output(argv[optind], out, sizeof(out));
	err = dg_compile_pack(argv[optind], out);
	if (err)
		return err;
	if (!dg_opts.json) {
		printf("%s -> %s\n", argv[optind], out);
	} else {
		printf("{\"file\":");
		json_str(stdout, argv[optind]);
		printf(",\"pack\":");
		json_str(stdout, out);
		printf("}\n");
	}
	return 0;
}
