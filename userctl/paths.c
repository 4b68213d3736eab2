// SPDX-License-Identifier: GPL-2.0
/*
 * Locating shipped packs and runtime headers relative to the running
 * binary, so that the build tree and an installed copy both work without
 * configuration.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "paths.h"

static int exe_dir(char *buf, size_t len)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n < 0)
		return -errno;
	exe[n] = '\0';
	snprintf(buf, len, "%s", dirname(exe));
	return 0;
}

static int exists(const char *dir, const char *file)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return access(path, R_OK) == 0;
}

/*
 * The path of @env if set; else @build_rel or @installed_rel (relative to
 * the binary's directory), the first that holds @probe (itself when NULL).
 */
static int locate(char *buf, size_t len, const char *env, const char *build_rel,
		  const char *installed_rel, const char *probe)
{
	const char *rels[] = { build_rel, installed_rel };
	char dir[PATH_MAX];

	if (getenv(env)) {
		snprintf(buf, len, "%s", getenv(env));
		return 0;
	}
	if (exe_dir(dir, sizeof(dir)))
		return -ENOENT;
	for (int i = 0; i < 2; i++) {
		snprintf(buf, len, "%s/%s", dir, rels[i]);
		if (probe ? exists(buf, probe) : access(buf, R_OK) == 0)
			return 0;
	}
	return -ENOENT;
}

int dg_packs_dir(char *buf, size_t len)
{
	/* build tree: .output/packs; installed: PREFIX/sbin -> PREFIX/lib */
	return locate(buf, len, "DRVGUARD_PACKS", "packs", "../lib/drvguard/packs", "core.o");
}

int dg_include_dirs(char *buf, size_t len)
{
	const char *env = getenv("DRVGUARD_INCLUDE");
	char dir[PATH_MAX], src[PATH_MAX];

	if (env) {
		snprintf(buf, len, "%s", env);
		return 0;
	}
	if (exe_dir(dir, sizeof(dir)))
		return -ENOENT;
	snprintf(src, sizeof(src), "%s/../bpf", dir);	/* build tree: .output/../bpf */
	if (exists(src, "runtime.bpf.h") && exists(dir, "vmlinux.h")) {
		snprintf(buf, len, "%s:%s", src, dir);
		return 0;
	}
	snprintf(buf, len, "%s/../share/drvguard/include", dir);
	return exists(buf, "runtime.bpf.h") && exists(buf, "vmlinux.h") ? 0 : -ENOENT;
}

int dg_recovery_module_path(char *buf, size_t len)
{
	return locate(buf, len, "DRVGUARD_RECOVERY_MODULE", "recovery/drvguard_recover.ko",
		      "../lib/drvguard/drvguard_recover.ko", NULL);
}
