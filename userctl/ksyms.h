/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Symbolization of module addresses as `func+0xoff [module]`, from
 * /proc/kallsyms, for the call sites in violation reports; and the addresses
 * of kernel functions, which the monitors see as the traced function's ip.
 */
#ifndef USERCTL_KSYMS_H
#define USERCTL_KSYMS_H

#include <stddef.h>
#include <stdio.h>

struct dg_ksyms;

/*
 * Module text symbols read from @kallsyms (an open /proc/kallsyms), each
 * kept only inside its module's range in @modules (an open /proc/modules;
 * NULL keeps them all); NULL + errno on failure.
 */
struct dg_ksyms *dg_ksyms_load(FILE *kallsyms, FILE *modules);
void dg_ksyms_free(struct dg_ksyms *ks);

/*
 * Write `func+0xoff [module]` for @addr into @buf; -ENOENT when no module
 * text symbol covers @addr.
 */
int dg_ksyms_format(const struct dg_ksyms *ks, unsigned long long addr, char *buf, size_t len);

/*
 * Addresses of the kernel (non-module) functions @names, read from @kallsyms;
 * @addrs[i] stays 0 for a name the kernel does not have.
 */
void dg_ksyms_kernel_addrs(FILE *kallsyms, const char *const *names, size_t n,
			   unsigned long long *addrs);

#endif /* USERCTL_KSYMS_H */
