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

int dg_source_line(const char *ko, const char *func, unsigned long long off, char *buf,
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

int dg_ko_symbolize(const char *ko, const char *module, unsigned long long off, char *buf,
		    size_t len)
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
	/* a module's core text starts with its .text section */
	while ((scn = elf_nextscn(elf, scn)) && err == -ENOENT) {
		Elf_Data *data = elf_getdata(scn, NULL);
		GElf_Shdr shdr;

		if (!gelf_getshdr(scn, &shdr) || shdr.sh_type != SHT_SYMTAB || !data)
			continue;
		for (size_t i = 0; i < shdr.sh_size / shdr.sh_entsize; i++) {
			GElf_Shdr target;
			GElf_Sym sym;
			const char *sec;

			if (!gelf_getsym(data, i, &sym) || GELF_ST_TYPE(sym.st_info) != STT_FUNC ||
			    off < sym.st_value || off >= sym.st_value + sym.st_size ||
			    !gelf_getshdr(elf_getscn(elf, sym.st_shndx), &target))
				continue;
			sec = elf_strptr(elf, shstrndx, target.sh_name);
			if (!sec || strcmp(sec, ".text"))
				continue;
			snprintf(buf, len, "%s+0x%llx [%s]", elf_strptr(elf, shdr.sh_link, sym.st_name),
				 off - sym.st_value, module);
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
