// SPDX-License-Identifier: GPL-2.0
/*
 * Naming a driver that is not loaded: by a .ko file, whose .modinfo section
 * gives the name the kernel will know it by, or by name, checked against
 * the modules.dep of the running kernel so that a typo is an error rather
 * than a monitor armed for a module that never comes.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "kmodule_files.h"
#include "ko_elf.h"

/* Find "name=" among the NUL-separated strings of a .modinfo section. */
static int modinfo_name(Elf_Data *data, char *name, size_t len)
{
	const char *p = data->d_buf, *end = p + data->d_size;

	while (p < end) {
		size_t n = strnlen(p, end - p);

		if (n > 5 && !strncmp(p, "name=", 5) && n - 5 < len) {
			memcpy(name, p + 5, n - 5);
			name[n - 5] = '\0';
			return 0;
		}
		p += n + 1;
	}
	return -ENOENT;
}

int dg_ko_module_name(const char *path, char *name, size_t len)
{
	struct dg_ko_elf ko;
	Elf_Scn *scn = NULL;
	int err = dg_ko_elf_open(&ko, path);

	if (err)
		return err;
	err = -ENOENT;
	while ((scn = elf_nextscn(ko.elf, scn))) {
		const char *section;
		Elf_Data *data;
		GElf_Shdr shdr;

		if (!gelf_getshdr(scn, &shdr))
			continue;
		section = dg_ko_elf_section_name(&ko, &shdr);
		if (!section || strcmp(section, ".modinfo"))
			continue;
		data = elf_getdata(scn, NULL);
		err = data ? modinfo_name(data, name, len) : -EINVAL;
		break;
	}
	dg_ko_elf_close(&ko);
	return err;
}

/* Whether file name @base (up to its first '.') is module @name. */
static int same_module(const char *base, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n && name[i]; i++) {
		char a = base[i] == '-' ? '_' : base[i], b = name[i] == '-' ? '_' : name[i];

		if (a != b)
			return 0;
	}
	return i == n && !name[i];
}

/* Find @name in @modules_dep; its file's path (relative) into @rel when @rel. */
static int find_in_dep(FILE *modules_dep, const char *name, char *rel, size_t len)
{
	char line[4096];

	while (fgets(line, sizeof(line), modules_dep)) {
		char *colon = strchr(line, ':'), *base, *dot;

		if (!colon)
			continue;
		*colon = '\0';
		base = strrchr(line, '/');
		base = base ? base + 1 : line;
		dot = strstr(base, ".ko");
		if (dot && same_module(base, dot - base, name)) {
			if (rel)
				snprintf(rel, len, "%s", line);
			return 1;
		}
	}
	return 0;
}

int dg_module_in_dep(FILE *modules_dep, const char *name)
{
	return find_in_dep(modules_dep, name, NULL, 0);
}

int dg_module_path(const char *name, char *path, size_t len)
{
	char dep[512], rel[4096];
	struct utsname uts;
	FILE *f;
	int found;

	uname(&uts);
	snprintf(dep, sizeof(dep), "/lib/modules/%s/modules.dep", uts.release);
	f = fopen(dep, "r");
	if (!f)
		return -ENOENT;
	found = find_in_dep(f, name, rel, sizeof(rel));
	fclose(f);
	if (!found)
		return -ENOENT;
	snprintf(path, len, "/lib/modules/%s/%s", uts.release, rel);
	return 0;
}
