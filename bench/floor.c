// SPDX-License-Identifier: GPL-2.0
/*
 * The floor of the per-event cost: the cheapest monitor that hooks exactly
 * what a loaded pack hooks, the same way.  For every link pinned under
 * LINKS_DIR (a loaded pack's /sys/fs/bpf/drvguard/PACK/links), this loads
 * an empty program ("return 0") of the same kind on the same target and
 * pins its link under OUT_DIR:
 *   fentry/fexit links  - a tracing program with the same attach type, BTF
 *                         object and BTF id, attached through a trampoline;
 *   raw tracepoints     - a raw tracepoint program on the same tracepoint
 *                         (tp_btf and raw_tp both run through bpf_trace_run).
 * Removing OUT_DIR detaches the floor.  The pack can be unloaded first: the
 * floor's links hold their targets themselves.
 *
 * Usage: floor LINKS_DIR OUT_DIR
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

static const struct bpf_insn empty_prog[] = {
	{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
	{ .code = BPF_JMP | BPF_EXIT },
};

static int load_empty(enum bpf_prog_type type, const struct bpf_prog_load_opts *opts)
{
	return bpf_prog_load(type, "dg_floor", "GPL", empty_prog,
			     sizeof(empty_prog) / sizeof(empty_prog[0]), opts);
}

/* An empty fentry/fexit program on the traced function @info names; its link fd. */
static int clone_tracing(const struct bpf_link_info *info)
{
	LIBBPF_OPTS(bpf_prog_load_opts, opts,
		.expected_attach_type = info->tracing.attach_type,
		.attach_btf_id = info->tracing.target_btf_id);
	int btf_fd, prog_fd, link_fd;

	btf_fd = bpf_btf_get_fd_by_id(info->tracing.target_obj_id);
	if (btf_fd < 0)
		return -errno;
	opts.attach_btf_obj_fd = btf_fd;
	prog_fd = load_empty(BPF_PROG_TYPE_TRACING, &opts);
	close(btf_fd);
	if (prog_fd < 0)
		return -errno;
	link_fd = bpf_link_create(prog_fd, 0, info->tracing.attach_type, NULL);
	close(prog_fd);
	return link_fd < 0 ? -errno : link_fd;
}

/* An empty raw tracepoint program on tracepoint @name; its link fd. */
static int clone_raw_tp(const char *name)
{
	int prog_fd, link_fd;

	prog_fd = load_empty(BPF_PROG_TYPE_RAW_TRACEPOINT, NULL);
	if (prog_fd < 0)
		return -errno;
	link_fd = bpf_raw_tracepoint_open(name, prog_fd);
	close(prog_fd);
	return link_fd < 0 ? -errno : link_fd;
}

/* Clone the pinned link @path and pin the clone as @out; 0 or -errno. */
static int clone_link(const char *path, const char *out)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	char tp_name[128] = "";
	int fd, clone, err = 0;

	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	info.raw_tracepoint.tp_name = (__u64)(unsigned long)tp_name;
	info.raw_tracepoint.tp_name_len = sizeof(tp_name);
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		err = -errno;
		goto cleanup;
	}
	if (info.type == BPF_LINK_TYPE_TRACING)
		clone = clone_tracing(&info);
	else if (info.type == BPF_LINK_TYPE_RAW_TRACEPOINT)
		clone = clone_raw_tp(tp_name);
	else
		clone = -EOPNOTSUPP;
	if (clone < 0) {
		err = clone;
		goto cleanup;
	}
	if (bpf_obj_pin(clone, out))
		err = -errno;
	close(clone);
cleanup:
	close(fd);
	return err;
}

int main(int argc, char **argv)
{
	char path[512], out[512];
	struct dirent *de;
	int n = 0, err = 0;
	DIR *dir;

	if (argc != 3) {
		fprintf(stderr, "usage: floor LINKS_DIR OUT_DIR\n");
		return 2;
	}
	/* Walk the pack's links; clone each onto an empty program. */
	dir = opendir(argv[1]);
	if (!dir || (mkdir(argv[2], 0700) && errno != EEXIST)) {
		fprintf(stderr, "floor: %s: %s\n", dir ? argv[2] : argv[1], strerror(errno));
		return 1;
	}
	while ((de = readdir(dir)) && !err) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", argv[1], de->d_name);
		snprintf(out, sizeof(out), "%s/%s", argv[2], de->d_name);
		err = clone_link(path, out);
		if (err)
			fprintf(stderr, "floor: %s: %s\n", path, strerror(-err));
		else
			n++;
	}
	closedir(dir);
	/* The caller reads how many hooks the floor holds. */
	printf("%d\n", n);
	return err ? 1 : 0;
}
