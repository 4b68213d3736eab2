// SPDX-License-Identifier: GPL-2.0
/*
 * A sorted table of the module text symbols in /proc/kallsyms.  An address
 * belongs to the closest symbol at or below it in the same module; the
 * module's last symbol is bounded by a generous maximum function size so an
 * address past the module's text is not blamed on its last function.
 *
 * kallsyms also lists, under their module's name, init functions that ftrace
 * remembers after the module freed its init memory; another module may live
 * there now.  With /proc/modules at hand, a module symbol counts only inside
 * its module's current range.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "kmodules.h"
#include "ksyms.h"

#define DG_KSYM_MAX_FUNC_SIZE	(64 * 1024)

struct dg_ksym {
	unsigned long long addr;
	char *name;
	char *module;
};

struct dg_ksyms {
	struct dg_ksym *syms;
	size_t nr, cap;
};

static int ksym_cmp(const void *a, const void *b)
{
	const struct dg_ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int ksyms_add(struct dg_ksyms *ks, unsigned long long addr, const char *name,
		     const char *module)
{
	struct dg_ksym *sym;

	if (ks->nr == ks->cap) {
		size_t cap = ks->cap ? ks->cap * 2 : 1024;
		struct dg_ksym *syms = realloc(ks->syms, cap * sizeof(*syms));

		if (!syms)
			return -ENOMEM;
		ks->syms = syms;
		ks->cap = cap;
	}
	sym = &ks->syms[ks->nr];
	sym->addr = addr;
	sym->name = strdup(name);
	sym->module = strdup(module);
	if (!sym->name || !sym->module) {
		free(sym->name);
		free(sym->module);
		return -ENOMEM;
	}
	ks->nr++;
	return 0;
}

/* Whether @addr lies in the range /proc/modules (@modules) gives @module; yes without it. */
static bool in_module(FILE *modules, const char *module, unsigned long long addr)
{
	struct dg_driver d;

	if (!modules)
		return true;
	rewind(modules);
	if (dg_module_find(modules, module, &d))
		return true;	/* loading or unloading: no range to hold it to */
	return addr >= d.start && addr < d.end;
}

struct dg_ksyms *dg_ksyms_load(FILE *kallsyms, FILE *modules)
{
	char line[512], name[256], module[64], type;
	unsigned long long addr;
	struct dg_ksyms *ks;
	int err;

	ks = calloc(1, sizeof(*ks));
	if (!ks)
		return NULL;
	while (fgets(line, sizeof(line), kallsyms)) {
		/* addr type name [module]; only module symbols have the 4th field */
		if (sscanf(line, "%llx %c %255s [%63[^]]]", &addr, &type, name, module) != 4)
			continue;
		if ((type != 't' && type != 'T') || !in_module(modules, module, addr))
			continue;
		err = ksyms_add(ks, addr, name, module);
		if (err) {
			dg_ksyms_free(ks);
			errno = -err;
			return NULL;
		}
	}
	qsort(ks->syms, ks->nr, sizeof(*ks->syms), ksym_cmp);
	return ks;
}

void dg_ksyms_free(struct dg_ksyms *ks)
{
	if (!ks)
		return;
	for (size_t i = 0; i < ks->nr; i++) {
		free(ks->syms[i].name);
		free(ks->syms[i].module);
	}
	free(ks->syms);
	free(ks);
}

int dg_ksyms_format(const struct dg_ksyms *ks, unsigned long long addr, char *buf, size_t len)
{
	const struct dg_ksym *sym, *next;
	size_t lo = 0, hi = ks->nr;

	/* first symbol above @addr */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ks->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || !addr)
		return -ENOENT;
	sym = &ks->syms[lo - 1];
	next = lo < ks->nr ? &ks->syms[lo] : NULL;
	if (next && strcmp(next->module, sym->module))
		next = NULL;
	if (!next && addr - sym->addr >= DG_KSYM_MAX_FUNC_SIZE)
		return -ENOENT;
	snprintf(buf, len, "%s+0x%llx [%s]", sym->name, addr - sym->addr, sym->module);
	return 0;
}

void dg_ksyms_kernel_addrs(FILE *kallsyms, const char *const *names, size_t n,
			   unsigned long long *addrs)
{
	char line[512], name[256], type;
	unsigned long long addr;

	memset(addrs, 0, n * sizeof(*addrs));
	while (fgets(line, sizeof(line), kallsyms)) {
		/* module symbols carry a 4th field, [module] */
		if (sscanf(line, "%llx %c %255s", &addr, &type, name) != 3 || strchr(line, '['))
			continue;
		if (type != 't' && type != 'T')
			continue;
		for (size_t i = 0; i < n; i++)
			if (!addrs[i] && !strcmp(name, names[i]))
				addrs[i] = addr;
	}
}
