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

int dg_packs_dir(char *buf, size_t len)
{
	const char *env = getenv("DRVGUARD_PACKS");
	char dir[PATH_MAX];

	if (env) {
		snprintf(buf, len, "%s", env);
		return 0;
	}
	if (exe_dir(dir, sizeof(dir)))
		return -ENOENT;
	snprintf(buf, len, "%s/packs", dir);		/* build tree: .output/packs */
	if (exists(buf, "core.o"))
		return 0;
	snprintf(buf, len, "%s/../lib/drvguard/packs", dir);	/* PREFIX/sbin -> PREFIX/lib */
	return exists(buf, "core.o") ? 0 : -ENOENT;
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
	const char *env = getenv("DRVGUARD_RECOVERY_MODULE");
	char dir[PATH_MAX];

	if (env) {
		snprintf(buf, len, "%s", env);
		return 0;
	}
	if (exe_dir(dir, sizeof(dir)))
		return -ENOENT;
	snprintf(buf, len, "%s/recovery/drvguard_recover.ko", dir);	/* build tree */
	if (access(buf, R_OK) == 0)
		return 0;
	snprintf(buf, len, "%s/../lib/drvguard/drvguard_recover.ko", dir);
	return access(buf, R_OK) == 0 ? 0 : -ENOENT;
}
