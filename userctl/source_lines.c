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
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "source_lines.h"

/* Section name and offset in it of function @func of @ko. */
static int find_function(const char *ko, const char *func, char *section, size_t len,
			 unsigned long long *value)
{
	int fd = open(ko, O_RDONLY), err = -ENOENT;
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	Elf *elf;

	if (fd < 0)
		return -errno;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_getshdrstrndx(elf, &shstrndx)) {
		err = -EINVAL;
		goto cleanup;
	}
	while ((scn = elf_nextscn(elf, scn)) && err == -ENOENT) {
		Elf_Data *data = elf_getdata(scn, NULL);
		GElf_Shdr shdr;

		if (!gelf_getshdr(scn, &shdr) || shdr.sh_type != SHT_SYMTAB || !data)
			continue;
		for (size_t i = 0; i < shdr.sh_size / shdr.sh_entsize; i++) {
			GElf_Sym sym;
			GElf_Shdr target;
			const char *name;

			if (!gelf_getsym(data, i, &sym) || GELF_ST_TYPE(sym.st_info) != STT_FUNC)
				continue;
			name = elf_strptr(elf, shdr.sh_link, sym.st_name);
			if (!name || strcmp(name, func) ||
			    !gelf_getshdr(elf_getscn(elf, sym.st_shndx), &target))
				continue;
			snprintf(section, len, "%s", elf_strptr(elf, shstrndx, target.sh_name));
			*value = sym.st_value;
			err = 0;
			break;
		}
	}
cleanup:
	if (elf)
		elf_end(elf);
	close(fd);
	return err;
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

int dg_ko_symbolize(const char *ko, const char *module, unsigned long long off, char *buf,
		    size_t len)
{
	int fd = open(ko, O_RDONLY), err = -ENOENT;
	unsigned long long offsets[256];
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	Elf *elf;

	if (fd < 0)
		return -errno;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_getshdrstrndx(elf, &shstrndx)) {
		err = -EINVAL;
		goto cleanup;
	}
	core_text_layout(elf, shstrndx, offsets, 256);
	while ((scn = elf_nextscn(elf, scn)) && err == -ENOENT) {
		Elf_Data *data = elf_getdata(scn, NULL);
		GElf_Shdr shdr;

		if (!gelf_getshdr(scn, &shdr) || shdr.sh_type != SHT_SYMTAB || !data)
			continue;
		for (size_t i = 0; i < shdr.sh_size / shdr.sh_entsize; i++) {
			unsigned long long start;
			GElf_Sym sym;

			if (!gelf_getsym(data, i, &sym) || GELF_ST_TYPE(sym.st_info) != STT_FUNC ||
			    sym.st_shndx >= 256 || offsets[sym.st_shndx] == ~0ULL)
				continue;
			start = offsets[sym.st_shndx] + sym.st_value;
			if (off < start || off >= start + (sym.st_size ?: 1))
				continue;
			snprintf(buf, len, "%s+0x%llx [%s]", elf_strptr(elf, shdr.sh_link, sym.st_name),
				 off - start, module);
			err = 0;
			break;
		}
	}
cleanup:
	if (elf)
		elf_end(elf);
	close(fd);
	return err;
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
