/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Attaching one template BPF program to many kernel functions with fentry
 * or fexit.
 */
#ifndef USERCTL_FENTRY_CLONE_H
#define USERCTL_FENTRY_CLONE_H

#include <bpf/btf.h>
#include <bpf/libbpf.h>

/*
 * Load a clone of the loaded template @tmpl that traces @symbol and attach
 * it the way the template attaches (fentry or fexit).  Returns the link fd,
 * which holds the clone, or -errno: -ENOENT when the kernel's BTF has no
 * function @symbol.
 */
int dg_fentry_clone_attach(const struct bpf_program *tmpl, const struct btf *vmlinux_btf,
			   const char *symbol);

#endif /* USERCTL_FENTRY_CLONE_H */
