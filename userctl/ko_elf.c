// SPDX-License-Identifier: GPL-2.0
/*
 * Opening a .ko with libelf and walking its function symbols, in one place
 * for the readers of module files (kmodule_files.c, source_lines.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "ko_elf.h"

int dg_ko_elf_open(struct dg_ko_elf *ko, const char *path)
{
	ko->elf = NULL;
	ko->fd = open(path, O_RDONLY);
	if (ko->fd < 0)
		return -errno;
	elf_version(EV_CURRENT);
	ko->elf = elf_begin(ko->fd, ELF_C_READ, NULL);
	if (!ko->elf || elf_getshdrstrndx(ko->elf, &ko->shstrndx)) {
		dg_ko_elf_close(ko);
		return -EINVAL;
	}
	return 0;
}

void dg_ko_elf_close(struct dg_ko_elf *ko)
{
	if (ko->elf)
		elf_end(ko->elf);
	if (ko->fd >= 0)
		close(ko->fd);
	ko->elf = NULL;
	ko->fd = -1;
}

const char *dg_ko_elf_section_name(const struct dg_ko_elf *ko, const GElf_Shdr *shdr)
{
	return elf_strptr(ko->elf, ko->shstrndx, shdr->sh_name);
}

int dg_ko_elf_each_function(const struct dg_ko_elf *ko,
			    int (*fn)(const GElf_Sym *sym, const char *name, void *ctx),
			    void *ctx)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(ko->elf, scn))) {
		Elf_Data *data = elf_getdata(scn, NULL);
		GElf_Shdr shdr;

		if (!gelf_getshdr(scn, &shdr) || shdr.sh_type != SHT_SYMTAB || !data ||
		    !shdr.sh_entsize)
			continue;
		for (size_t i = 0; i < shdr.sh_size / shdr.sh_entsize; i++) {
			const char *name;
			GElf_Sym sym;
			int ret;

			if (!gelf_getsym(data, i, &sym) || GELF_ST_TYPE(sym.st_info) != STT_FUNC)
				continue;
			name = elf_strptr(ko->elf, shdr.sh_link, sym.st_name);
			if (!name)
				continue;
			ret = fn(&sym, name, ctx);
			if (ret)
				return ret;
		}
	}
	return -ENOENT;
}
