// SPDX-License-Identifier: GPL-2.0
/*
 * An fentry program is verified and loaded for one target function, so a
 * template that must trace N functions becomes N programs.  libbpf keeps the
 * template's final, relocated instructions after load (map references,
 * ksyms), and those can be loaded again for another target: that is the
 * clone.  The clone shares the template's maps, so every clone of a pack
 * updates the same state.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "fentry_clone.h"
#include "main.h"

#define DG_VERIFIER_LOG_SIZE	(1 << 20)

static int clone_load(const struct bpf_program *tmpl, int btf_id)
{
	LIBBPF_OPTS(bpf_prog_load_opts, opts,
		.expected_attach_type = bpf_program__expected_attach_type(tmpl),
		.attach_btf_id = btf_id,
	);
	char *log = NULL;
	int fd;

	if (dg_opts.debug) {
		log = calloc(1, DG_VERIFIER_LOG_SIZE);
		opts.log_buf = log;
		opts.log_size = log ? DG_VERIFIER_LOG_SIZE : 0;
		opts.log_level = log ? 1 : 0;
	}
	/* The license must match the template's LICENSE section. */
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, bpf_program__name(tmpl), "Dual BSD/GPL",
			   bpf_program__insns(tmpl), bpf_program__insn_cnt(tmpl), &opts);
	if (fd < 0)
		fd = -errno;
	if (fd < 0 && log && log[0])
		fprintf(stderr, "%s\n", log);
	free(log);
	return fd;
}

int dg_fentry_clone_attach(const struct bpf_program *tmpl, const struct btf *vmlinux_btf,
			   const char *symbol)
{
	int btf_id, prog_fd, link_fd;

	btf_id = btf__find_by_name_kind(vmlinux_btf, symbol, BTF_KIND_FUNC);
	if (btf_id < 0)
		return -ENOENT;
	prog_fd = clone_load(tmpl, btf_id);
	if (prog_fd < 0)
		return prog_fd;
	link_fd = bpf_link_create(prog_fd, 0, bpf_program__expected_attach_type(tmpl), NULL);
	if (link_fd < 0)
		link_fd = -errno;
	close(prog_fd);	/* the link holds the program */
	return link_fd;
}
