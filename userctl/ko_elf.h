/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A module's .ko file opened as ELF, for what drvguard reads from it: the
 * .modinfo name of a driver not loaded yet, and the function symbols that
 * turn a site into a source line or a name once the module is gone.
 */
#ifndef USERCTL_KO_ELF_H
#define USERCTL_KO_ELF_H

#include <gelf.h>
#include <libelf.h>

struct dg_ko_elf {
	int fd;
	Elf *elf;
	size_t shstrndx;	/* section header string table */
};

/* Open @path; 0 or -errno (-EINVAL: not ELF). */
int dg_ko_elf_open(struct dg_ko_elf *ko, const char *path);
void dg_ko_elf_close(struct dg_ko_elf *ko);

/* The name of section @shdr. */
const char *dg_ko_elf_section_name(const struct dg_ko_elf *ko, const GElf_Shdr *shdr);

/*
 * Call @fn for each function symbol of @ko's symbol tables, with its name,
 * until @fn returns non-zero; returns that value, or -ENOENT.
 */
int dg_ko_elf_each_function(const struct dg_ko_elf *ko,
			    int (*fn)(const GElf_Sym *sym, const char *name, void *ctx),
			    void *ctx);

#endif /* USERCTL_KO_ELF_H */
