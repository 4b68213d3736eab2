// SPDX-License-Identifier: GPL-2.0
/*
 * Source lines for report sites.  A module's functions sit in sections of
 * its relocatable .ko, so the site's function is looked up in the file's
 * symbol table (which section, at which offset) and addr2line, given that
 * section, maps function offset + call offset to file:line through the
 * module's DWARF.  Modules without debug info (distribution kernels strip
 * theirs) simply get no line.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ko_elf.h"
#include "source_lines.h"

struct function_lookup {
	const struct dg_ko_elf *ko;
	const char *func;
	char *section;		/* out: the section it is in */
	size_t len;
	unsigned long long value;	/* out: its offset there */
};

static int match_function(const GElf_Sym *sym, const char *name, void *ctx)
{
	struct function_lookup *l = ctx;
	GElf_Shdr target;

	if (strcmp(name, l->func) || !gelf_getshdr(elf_getscn(l->ko->elf, sym->st_shndx), &target))
		return 0;
	snprintf(l->section, l->len, "%s", dg_ko_elf_section_name(l->ko, &target));
	l->value = sym->st_value;
	return 1;
}

/* Section name and offset in it of function @func of @path. */
static int find_function(const char *path, const char *func, char *section, size_t len,
			 unsigned long long *value)
{
	struct dg_ko_elf ko;
	struct function_lookup l = { &ko, func, section, len, 0 };
	int err = dg_ko_elf_open(&ko, path);

	if (err)
		return err;
	err = dg_ko_elf_each_function(&ko, match_function, &l);
	dg_ko_elf_close(&ko);
	if (err < 0)
		return err;
	*value = l.value;
	return 0;
}

/* file:line of @func+@off in @ko, by addr2line. */
static int source_line(const char *ko, const char *func, unsigned long long off, char *buf,
		       size_t len)
{
	unsigned long long value = 0;
	char section[128], cmd[1024], line[512], *p;
	FILE *out;
	int err = find_function(ko, func, section, sizeof(section), &value);

	if (err)
		return err;
	if (strpbrk(ko, "'\\\n") || strpbrk(section, "'\\\n"))
		return -EINVAL;
	snprintf(cmd, sizeof(cmd), "addr2line -e '%s' -j '%s' 0x%llx 2>/dev/null", ko, section,
		 value + off);
	out = popen(cmd, "r");
	if (!out)
		return -errno;
	err = fgets(line, sizeof(line), out) ? 0 : -ENOENT;
	pclose(out);
	if (err)
		return err;
	line[strcspn(line, "\n")] = '\0';
	p = strstr(line, " (discriminator");
	if (p)
		*p = '\0';
	if (strstr(line, "??") || (strlen(line) >= 2 && !strcmp(line + strlen(line) - 2, ":0")))
		return -ENOENT;
	/* the file name is enough to find it in the driver's tree */
	p = strrchr(line, '/');
	snprintf(buf, len, "%s", p ? p + 1 : line);
	return 0;
}

/*
 * Lines found, per .ko, function and offset: a storm of events at a few
 * sites would otherwise run addr2line for each of them.  Failures are
 * remembered too.  Round-robin replacement; a .ko rebuilt under the same
 * path while a watcher runs keeps its old lines until they are replaced.
 */
#define LINE_CACHE_SIZE	64

static struct line_cache_entry {
	char ko[256], func[128];
	unsigned long long off;
	int err;
	char line[128];
} line_cache[LINE_CACHE_SIZE];
static unsigned int line_cache_next;

static struct line_cache_entry *line_cache_find(const char *ko, const char *func,
						unsigned long long off)
{
	for (int i = 0; i < LINE_CACHE_SIZE; i++) {
		struct line_cache_entry *c = &line_cache[i];

		if (c->ko[0] && c->off == off && !strcmp(c->ko, ko) && !strcmp(c->func, func))
			return c;
	}
	return NULL;
}

int dg_source_line(const char *ko, const char *func, unsigned long long off, char *buf,
		   size_t len)
{
	struct line_cache_entry *c = line_cache_find(ko, func, off);

	if (!c) {
		c = &line_cache[line_cache_next++ % LINE_CACHE_SIZE];
		snprintf(c->ko, sizeof(c->ko), "%s", ko);
		snprintf(c->func, sizeof(c->func), "%s", func);
		c->off = off;
		c->err = source_line(ko, func, off, c->line, sizeof(c->line));
	}
	if (!c->err)
		snprintf(buf, len, "%s", c->line);
	return c->err;
}

/*
 * Where each executable core section of a module lands relative to the
 * module's base, the way the kernel lays them out: in section order,
 * aligned, init sections left out (kernel/module/main.c, layout_sections).
 */
static void core_text_layout(Elf *elf, size_t shstrndx, unsigned long long *offsets,
			     size_t nr)
{
	unsigned long long at = 0;
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(elf, scn))) {
		size_t idx = elf_ndxscn(scn);
		const char *name;
		GElf_Shdr shdr;

		if (idx >= nr || !gelf_getshdr(scn, &shdr))
			continue;
		offsets[idx] = ~0ULL;
		name = elf_strptr(elf, shstrndx, shdr.sh_name);
		if ((shdr.sh_flags & (SHF_ALLOC | SHF_EXECINSTR)) != (SHF_ALLOC | SHF_EXECINSTR) ||
		    !name || !strncmp(name, ".init", 5))
			continue;
		if (shdr.sh_addralign > 1)
			at = (at + shdr.sh_addralign - 1) & ~(shdr.sh_addralign - 1);
		offsets[idx] = at;
		at += shdr.sh_size;
	}
}

struct site_lookup {
	const unsigned long long *offsets;	/* per section: its offset in the module's text */
	unsigned long long off;
	const char *module;
	char *buf;
	size_t len;
};

static int match_site(const GElf_Sym *sym, const char *name, void *ctx)
{
	struct site_lookup *l = ctx;
	unsigned long long start;

	if (sym->st_shndx >= 256 || l->offsets[sym->st_shndx] == ~0ULL)
		return 0;
	start = l->offsets[sym->st_shndx] + sym->st_value;
	if (l->off < start || l->off >= start + (sym->st_size ?: 1))
		return 0;
	snprintf(l->buf, l->len, "%s+0x%llx [%s]", name, l->off - start, l->module);
	return 1;
}

int dg_ko_symbolize(const char *path, const char *module, unsigned long long off, char *buf,
		    size_t len)
{
	unsigned long long offsets[256];
	struct site_lookup l = { offsets, off, module, buf, len };
	struct dg_ko_elf ko;
	int err = dg_ko_elf_open(&ko, path);

	if (err)
		return err;
	core_text_layout(ko.elf, ko.shstrndx, offsets, 256);
	err = dg_ko_elf_each_function(&ko, match_site, &l);
	dg_ko_elf_close(&ko);
	return err < 0 ? err : 0;
}

int dg_site_split(const char *site, char *func, size_t len, unsigned long long *off)
{
	const char *plus = strchr(site, '+');

	if (!plus || (size_t)(plus - site) >= len || sscanf(plus + 1, "%llx", off) != 1)
		return -EINVAL;
	memcpy(func, site, plus - site);
	func[plus - site] = '\0';
	return 0;
}
