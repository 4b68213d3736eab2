// SPDX-License-Identifier: GPL-2.0
/*
 * `drvguard load PACK --driver MODULE...`: load a compiled pack, scope it to
 * the given modules, attach every program the pack's metadata lists, and
 * pin maps and links under DG_PIN_ROOT/NAME so they outlive this process.
 * A module that is not loaded yet is armed: the monitors pick up its
 * address range when it loads, and again each time it is reloaded.
 *
 * Attach strategy: fentry/fexit for kernel API events.  A pack has one
 * program per catalog symbol of each API it watches; each is loaded against
 * its symbol when the running kernel has it and left out otherwise, and an
 * API none of whose symbols exist is an error.  The `symbols` map tells the
 * programs which API a traced address implements and where its arguments
 * sit.  Entry point programs attach where their section says (tracepoints,
 * do_init_module, the recovery module's dg_module_exited, free_module).
 * The runtime's own module lifecycle programs attach first: a trampoline
 * runs the newest program first, so they run after the pack's programs on
 * the same function.  Any failure rolls back: nothing stays attached or
 * pinned.
 */
#include <errno.h>
#include <limits.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "../probes/catalog.h"
#include "json.h"
#include "kmodule_files.h"
#include "kmodules.h"
#include "ksyms.h"
#include "main.h"
#include "pack_object.h"
#include "event_ring.h"
#include "pack_pins.h"
#include "recovery_module.h"

#define DG_MAX_LINKS	256

/* Maps every command reading a loaded pack needs, pinned by these names. */
static const char *const pinned_maps[] = {
	"events", "drivers", "counters", "held", "objects", "meta", "rule_hits", "aggregate",
	"recovery",
};

struct dg_link {
	int fd;
	char name[96];
};

struct dg_load {
	const char *spec;
	struct dg_driver drivers[DG_MAX_DRIVERS];
	char files[DG_MAX_DRIVERS][DG_DRIVER_FILE_LEN];	/* the drivers' .ko files, or "" */
	int nr_drivers;
	struct dg_pack_object pack;
	struct btf *vmlinux_btf;
	/* per program of the metadata: its catalog API, and its symbol's address (0: absent) */
	int api[DG_META_MAX_PROGRAMS];
	unsigned long long addr[DG_META_MAX_PROGRAMS];
	struct dg_link links[DG_MAX_LINKS];
	int nr_links;
};

/*
 * A driver that is not loaded yet is armed: the monitors take its address
 * range when it loads (bpf/entry.bpf.h).  It must be a module the running
 * kernel's modules.dep knows, or a .ko file named by path.
 */
static int arm_driver(const char *arg, struct dg_driver *out)
{
	char path[512];
	struct utsname uts;
	FILE *dep;
	int known;

	memset(out, 0, sizeof(*out));
	if (strstr(arg, ".ko")) {
		if (dg_ko_module_name(arg, out->name, sizeof(out->name))) {
			elog("'%s' is not a kernel module file with a name in its .modinfo", arg);
			return -DG_EXIT_UNKNOWN;
		}
		goto armed;
	}
	snprintf(out->name, sizeof(out->name), "%s", arg);
	for (char *c = out->name; *c; c++)
		*c = *c == '-' ? '_' : *c;	/* the kernel's name for it */
	uname(&uts);
	snprintf(path, sizeof(path), "/lib/modules/%s/modules.dep", uts.release);
	dep = fopen(path, "r");
	known = dep && dg_module_in_dep(dep, arg);
	if (dep)
		fclose(dep);
	if (!known) {
		elog("driver '%s' is neither loaded nor a module of this kernel (%s); name a .ko "
		     "file to arm an out-of-tree module", arg, path);
		return -DG_EXIT_UNKNOWN;
	}
armed:
	if (!dg_opts.json)
		fprintf(stderr, "drvguard: driver %s is not loaded: armed, monitoring starts when "
			"it loads\n", out->name);
	return 0;
}

/* Where the driver's .ko lives, for source lines in reports: the path given, or the tree's. */
static void driver_file(const char *arg, const char *name, char *file)
{
	char path[PATH_MAX];

	file[0] = '\0';
	if (strstr(arg, ".ko") && realpath(arg, path))
		snprintf(file, DG_DRIVER_FILE_LEN, "%s", path);
	else if (!dg_module_path(name, path, sizeof(path)))
		snprintf(file, DG_DRIVER_FILE_LEN, "%s", path);
}

static int resolve_driver(const char *arg, struct dg_driver *out)
{
	FILE *modules = fopen("/proc/modules", "r");
	char name[DG_DRIVER_NAME_LEN];
	int err;

	if (!modules) {
		elog("cannot read /proc/modules: %s", strerror(errno));
		return -DG_EXIT_ERROR;
	}
	snprintf(name, sizeof(name), "%s", arg);
	if (strstr(arg, ".ko"))
		dg_ko_module_name(arg, name, sizeof(name));
	err = dg_module_find(modules, name, out);
	fclose(modules);
	switch (err) {
	case 0:
		return 0;
	case -ENOENT:
		return arm_driver(arg, out);
	case -EBUSY:
		elog("driver '%s' is still loading or is unloading", name);
		return -DG_EXIT_ERROR;
	case -EPERM:
		elog("the kernel hides module addresses (kptr_restrict); run as root");
		return -DG_EXIT_NOT_ROOT;
	default:
		elog("cannot parse /proc/modules entry of '%s'", name);
		return -DG_EXIT_ERROR;
	}
}

static bool is_api_program(const struct dg_meta_program *p)
{
	return !strcmp(p->kind, "call") || !strcmp(p->kind, "return");
}

static const char *program_symbol(const struct dg_load *ld, int i)
{
	return dg_apis[ld->api[i]].symbols[ld->pack.meta.programs[i].symbol].name;
}

/* Whether some program of API @api found its symbol. */
static bool api_present(const struct dg_load *ld, int api)
{
	for (int i = 0; i < ld->pack.meta.nr_programs; i++)
		if (ld->api[i] == api && ld->addr[i])
			return true;
	return false;
}

/*
 * Find, for every API program, whether the running kernel has its symbol
 * (a function in its BTF with an address in kallsyms).  An API none of
 * whose symbols exist is reported by name: the kernel inlines it, or is a
 * version the catalog does not know yet.
 */
static int resolve_symbols(struct dg_load *ld)
{
	const struct dg_pack_meta *m = &ld->pack.meta;
	const char *names[DG_META_MAX_PROGRAMS];
	FILE *kallsyms;
	int missing = 0;

	for (int i = 0; i < m->nr_programs; i++) {
		names[i] = "";
		ld->api[i] = -1;
		if (!is_api_program(&m->programs[i]))
			continue;
		ld->api[i] = dg_api_find(m->programs[i].target);
		if (ld->api[i] < 0 || m->programs[i].symbol >= DG_MAX_SYMBOLS ||
		    !program_symbol(ld, i)) {
			elog("pack '%s' needs API '%s' in a form this drvguard's catalog lacks; "
			     "recompile the pack", m->name, m->programs[i].target);
			return -DG_EXIT_ERROR;
		}
		names[i] = program_symbol(ld, i);
	}
	kallsyms = fopen("/proc/kallsyms", "r");
	if (!kallsyms) {
		elog("cannot read /proc/kallsyms: %s", strerror(errno));
		return -DG_EXIT_ERROR;
	}
	dg_ksyms_kernel_addrs(kallsyms, names, m->nr_programs, ld->addr);
	fclose(kallsyms);
	for (int i = 0; i < m->nr_programs; i++)
		if (ld->api[i] >= 0 &&
		    btf__find_by_name_kind(ld->vmlinux_btf, names[i], BTF_KIND_FUNC) < 0)
			ld->addr[i] = 0;
	for (int i = 0; i < m->nr_programs; i++) {
		bool reported = false;

		if (ld->api[i] < 0 || api_present(ld, ld->api[i]))
			continue;
		for (int j = 0; j < i; j++)
			reported |= ld->api[j] == ld->api[i];
		if (reported)
			continue;
		elog("API %s: the running kernel has none of its symbols (%s%s); it is inlined "
		     "or renamed there", dg_apis[ld->api[i]].name, dg_apis[ld->api[i]].symbols[0].name,
		     dg_apis[ld->api[i]].symbols[1].name ? ", ..." : "");
		missing++;
	}
	return missing ? -DG_EXIT_KERNEL : 0;
}

static int set_targets(struct dg_load *ld)
{
	const struct dg_pack_meta *m = &ld->pack.meta;

	for (int i = 0; i < m->nr_programs; i++) {
		struct bpf_program *prog;

		prog = bpf_object__find_program_by_name(ld->pack.obj, m->programs[i].name);
		if (!prog) {
			elog("pack '%s' lists program %s but does not contain it", m->name,
			     m->programs[i].name);
			return -DG_EXIT_ERROR;
		}
		if (ld->api[i] < 0)
			continue;
		if (!ld->addr[i]) {
			/* this kernel implements the API under another of its symbols */
			bpf_program__set_autoload(prog, false);
			continue;
		}
		if (bpf_program__set_attach_target(prog, 0, program_symbol(ld, i))) {
			elog("cannot target %s: %s", program_symbol(ld, i), strerror(errno));
			return -DG_EXIT_ERROR;
		}
	}
	return 0;
}

/* Tell the programs, per traced address, its API and argument positions. */
static int fill_symbols(struct dg_load *ld)
{
	int fd = bpf_object__find_map_fd_by_name(ld->pack.obj, "symbols");

	for (int i = 0; i < ld->pack.meta.nr_programs; i++) {
		const struct dg_api *api = ld->api[i] >= 0 ? &dg_apis[ld->api[i]] : NULL;
		const struct dg_api_symbol *sym;
		struct dg_symbol val = { 0 };

		if (!api || !ld->addr[i])
			continue;
		sym = &api->symbols[ld->pack.meta.programs[i].symbol];
		val.api = ld->api[i];
		for (int a = 0; a < DG_MAX_ARGS; a++)
			val.pos[a] = a < dg_api_nr_params(api) ? sym->pos[a] : -1;
		if (bpf_map_update_elem(fd, &ld->addr[i], &val, BPF_ANY)) {
			elog("cannot fill the symbol table: %s", strerror(errno));
			return -DG_EXIT_ERROR;
		}
	}
	return 0;
}

/* The metadata goes into the `meta` map, where `watch` and `status` read it. */
static int fill_meta(struct dg_load *ld)
{
	int fd = bpf_object__find_map_fd_by_name(ld->pack.obj, "meta");
	size_t len = strlen(ld->pack.meta_text) + 1;

	for (__u32 i = 0; i * DG_META_CHUNK < len; i++) {
		char chunk[DG_META_CHUNK] = { 0 };
		size_t n = len - i * DG_META_CHUNK;

		if (i >= DG_META_CHUNKS) {
			elog("the pack's metadata is larger than %d bytes", DG_META_CHUNK * DG_META_CHUNKS);
			return -DG_EXIT_ERROR;
		}
		memcpy(chunk, ld->pack.meta_text + i * DG_META_CHUNK,
		       n < DG_META_CHUNK ? n : DG_META_CHUNK);
		if (bpf_map_update_elem(fd, &i, chunk, BPF_ANY)) {
			elog("cannot store the pack's metadata: %s", strerror(errno));
			return -DG_EXIT_ERROR;
		}
	}
	return 0;
}

static int load_and_scope(struct dg_load *ld)
{
	size_t size;
	__u32 *nr_cpus;
	int err, fd;

	ld->vmlinux_btf = btf__load_vmlinux_btf();
	if (!ld->vmlinux_btf) {
		elog("the kernel has no BTF (/sys/kernel/btf/vmlinux): %s", strerror(errno));
		return -DG_EXIT_KERNEL;
	}
	err = resolve_symbols(ld);
	if (!err)
		err = set_targets(ld);
	if (err)
		return err;
	nr_cpus = dg_rodata_var(ld->pack.obj, "nr_cpus", &size);
	if (!nr_cpus || size != sizeof(*nr_cpus)) {
		elog("pack '%s' was built against another runtime (no nr_cpus)", ld->pack.meta.name);
		return -DG_EXIT_ERROR;
	}
	*nr_cpus = libbpf_num_possible_cpus();
	/* every pack calls the module's kfuncs (preemption, recovery actions) */
	err = dg_recovery_module_ensure();
	if (err) {
		elog("pack '%s' needs the module %s", ld->pack.meta.name, DG_RECOVERY_MODULE);
		return -DG_EXIT_KERNEL;
	}
	err = bpf_object__load(ld->pack.obj);
	if (err) {
		elog("the kernel rejected pack '%s': %s (rerun with -d for the verifier log)",
		     ld->pack.meta.name, strerror(-err));
		return -DG_EXIT_KERNEL;
	}
	fd = bpf_object__find_map_fd_by_name(ld->pack.obj, "drivers");
	for (__u32 i = 0; i < (__u32)ld->nr_drivers; i++) {
		if (bpf_map_update_elem(fd, &i, &ld->drivers[i], BPF_ANY)) {
			elog("cannot fill the driver table: %s", strerror(errno));
			return -DG_EXIT_ERROR;
		}
	}
	err = fill_symbols(ld);
	return err ? err : fill_meta(ld);
}

static int add_link(struct dg_load *ld, int fd, const char *name)
{
	struct dg_link *l;

	if (ld->nr_links >= DG_MAX_LINKS) {
		close(fd);
		elog("more than %d attachments in one pack", DG_MAX_LINKS);
		return -DG_EXIT_ERROR;
	}
	l = &ld->links[ld->nr_links++];
	l->fd = fd;
	snprintf(l->name, sizeof(l->name), "%s", name);
	return 0;
}

/*
 * An API program, on the symbol it was loaded against.  A symbol the
 * kernel will not trace (in BTF and kallsyms, but not an ftrace site) is
 * left out and named: the API's other symbols still carry it, and
 * attach_all() refuses the pack if none does.
 */
static int attach_api(struct dg_load *ld, int i, struct bpf_program *prog)
{
	int fd = bpf_link_create(bpf_program__fd(prog), 0,
				 bpf_program__expected_attach_type(prog), NULL);

	if (fd < 0) {
		fprintf(stderr, "drvguard: note: %s (API %s) cannot be traced on this kernel (%s); "
			"calls through it are not seen\n", program_symbol(ld, i),
			dg_apis[ld->api[i]].name, strerror(errno));
		ld->addr[i] = 0;
		return 0;
	}
	return add_link(ld, fd, bpf_program__name(prog));
}

/* An entry point or runtime program: where its section says. */
static int attach_fixed(struct dg_load *ld, struct bpf_program *prog)
{
	struct bpf_link *link = bpf_program__attach(prog);
	int fd;

	if (!link) {
		elog("cannot attach %s (%s): %s", bpf_program__name(prog),
		     bpf_program__section_name(prog), strerror(errno));
		return -DG_EXIT_KERNEL;
	}
	fd = dup(bpf_link__fd(link));
	bpf_link__destroy(link);	/* the duplicate keeps the attachment */
	if (fd < 0) {
		elog("cannot keep the attachment of %s: %s", bpf_program__name(prog),
		     strerror(errno));
		return -DG_EXIT_ERROR;
	}
	return add_link(ld, fd, bpf_program__name(prog));
}

static int attach_all(struct dg_load *ld)
{
	const struct dg_pack_meta *m = &ld->pack.meta;
	int err = 0;

	/*
	 * The runtime's programs first: a trampoline runs the programs on one
	 * function newest first, so that a pack program on the runtime's
	 * functions sees the state before the runtime changes it.
	 */
	for (int pass = 0; pass < 2 && !err; pass++) {
		for (int i = 0; i < m->nr_programs && !err; i++) {
			const struct dg_meta_program *p = &m->programs[i];
			struct bpf_program *prog;

			if ((pass == 0) != !strcmp(p->kind, "runtime"))
				continue;
			prog = bpf_object__find_program_by_name(ld->pack.obj, p->name);
			if (ld->api[i] >= 0 && !ld->addr[i])
				continue;
			err = ld->api[i] >= 0 ? attach_api(ld, i, prog) : attach_fixed(ld, prog);
			dlog("attached %s (%s %s)", p->name, p->kind, p->target);
		}
	}
	for (int i = 0; i < m->nr_programs && !err; i++) {
		if (ld->api[i] < 0 || api_present(ld, ld->api[i]))
			continue;
		elog("API %s: none of its symbols can be traced on this kernel",
		     dg_apis[ld->api[i]].name);
		err = -DG_EXIT_KERNEL;
	}
	return err;
}

/* The drivers' .ko paths go into a map of their own, for `watch` to find source lines. */
static int pin_driver_files(struct dg_load *ld)
{
	char path[256];
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "driver_files", sizeof(__u32),
				DG_DRIVER_FILE_LEN, DG_MAX_DRIVERS, NULL);
	int err = 0;

	if (fd < 0)
		return -errno;
	for (__u32 i = 0; i < (__u32)ld->nr_drivers && !err; i++)
		if (bpf_map_update_elem(fd, &i, ld->files[i], BPF_ANY))
			err = -errno;
	dg_pin_path(path, sizeof(path), ld->pack.meta.name, "driver_files");
	if (!err && bpf_obj_pin(fd, path))
		err = -errno;
	close(fd);
	return err;
}

/* The watchers' cursors (event_ring.h): empty until a `watch` joins. */
static int pin_watchers(struct dg_load *ld)
{
	char path[256];
	int fd = bpf_map_create(BPF_MAP_TYPE_HASH, "watchers", sizeof(__u32), sizeof(__u64),
				DG_EVENT_WATCHERS_MAX, NULL);
	int err = 0;

	if (fd < 0)
		return -errno;
	dg_pin_path(path, sizeof(path), ld->pack.meta.name, "watchers");
	if (bpf_obj_pin(fd, path))
		err = -errno;
	close(fd);
	return err;
}

static int pin_all(struct dg_load *ld)
{
	const char *pack = ld->pack.meta.name;
	char path[256], name[128];
	int err;

	for (size_t i = 0; i < sizeof(pinned_maps) / sizeof(pinned_maps[0]); i++) {
		struct bpf_map *map = bpf_object__find_map_by_name(ld->pack.obj, pinned_maps[i]);

		dg_pin_path(path, sizeof(path), pack, pinned_maps[i]);
		err = map ? bpf_map__pin(map, path) : -ENOENT;
		if (err)
			goto fail;
	}
	err = pin_driver_files(ld);
	if (!err)
		err = pin_watchers(ld);
	if (err)
		goto fail;
	for (int i = 0; i < ld->nr_links; i++) {
		snprintf(name, sizeof(name), "links/%s", ld->links[i].name);
		dg_pin_path(path, sizeof(path), pack, name);
		if (bpf_obj_pin(ld->links[i].fd, path)) {
			err = -errno;
			goto fail;
		}
	}
	return 0;
fail:
	elog("cannot pin %s: %s", path, strerror(-err));
	return -DG_EXIT_ERROR;
}

/* Create the pack's pin directories; on failure nothing of them is left. */
static int make_pin_dirs(const char *pack)
{
	char dir[256], links[256];

	dg_pin_path(dir, sizeof(dir), pack, NULL);
	dg_pin_path(links, sizeof(links), pack, "links");
	if (mkdir(DG_PIN_ROOT, 0700) && errno != EEXIST)
		goto fail;
	if (mkdir(dir, 0700)) {
		if (errno != EEXIST)
			goto fail;
		elog("pack '%s' was loaded meanwhile by someone else", pack);
		return -DG_EXIT_ALREADY_LOADED;
	}
	if (!mkdir(links, 0700))
		return 0;
	rmdir(dir);
fail:
	elog("cannot create pin directory under %s: %s", DG_PIN_ROOT, strerror(errno));
	return -DG_EXIT_ERROR;
}

static void print_loaded(const struct dg_load *ld)
{
	const char *pack = ld->pack.meta.name;

	if (dg_opts.json) {
		printf("{");
		json_kv_str(stdout, "pack", pack);
		printf(",\"attach\":\"fentry\",\"probes\":%d,\"rules\":%d,\"drivers\":[",
		       ld->nr_links, ld->pack.meta.nr_rules);
		for (int i = 0; i < ld->nr_drivers; i++) {
			printf("%s", i ? "," : "");
			json_str(stdout, ld->drivers[i].name);
		}
		printf("]}\n");
		return;
	}
	printf("loaded pack %s on", pack);
	for (int i = 0; i < ld->nr_drivers; i++)
		printf(" %s", ld->drivers[i].name);
	printf(" (%d rules, %d fentry/fexit/tracepoint probes)\n", ld->pack.meta.nr_rules,
	       ld->nr_links);
}

static int parse_args(struct dg_load *ld, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "driver", required_argument, NULL, 'D' },
		{ 0 },
	};
	const char *names[DG_MAX_DRIVERS];
	int opt, err;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "D:", longopts, NULL)) != -1) {
		if (opt != 'D')
			return -DG_EXIT_USAGE;
		if (ld->nr_drivers == DG_MAX_DRIVERS) {
			elog("at most %d drivers per pack", DG_MAX_DRIVERS);
			return -DG_EXIT_USAGE;
		}
		names[ld->nr_drivers++] = optarg;
	}
	if (optind != argc - 1 || !ld->nr_drivers) {
		elog("usage: drvguard load PACK --driver MODULE [--driver MODULE ...]");
		return -DG_EXIT_USAGE;
	}
	ld->spec = argv[optind];
	for (int i = 0; i < ld->nr_drivers; i++) {
		err = resolve_driver(names[i], &ld->drivers[i]);
		if (err)
			return err;
		driver_file(names[i], ld->drivers[i].name, ld->files[i]);
	}
	return 0;
}

int cmd_load(int argc, char **argv)
{
	struct dg_load *ld = calloc(1, sizeof(*ld));
	int err;

	if (!ld)
		return -DG_EXIT_ERROR;
	/* Validate the command line, find the drivers, open (or compile) the pack. */
	err = dg_require_root();
	if (!err)
		err = parse_args(ld, argc, argv);
	if (!err)
		err = dg_pack_object_open(ld->spec, &ld->pack);
	if (err)
		goto cleanup;

	/* One instance per pack: a second load would double every report. */
	err = dg_bpffs_ensure();
	if (err) {
		elog("cannot mount bpffs on /sys/fs/bpf: %s", strerror(-err));
		err = -DG_EXIT_KERNEL;
		goto cleanup;
	}
	if (dg_pack_is_loaded(ld->pack.meta.name)) {
		elog("pack '%s' is already loaded; 'drvguard unload %s' first", ld->pack.meta.name,
		     ld->pack.meta.name);
		err = -DG_EXIT_ALREADY_LOADED;
		goto cleanup;
	}

	/* Load, scope, attach, pin; undo all of it on any failure. */
	err = load_and_scope(ld);
	if (!err)
		err = attach_all(ld);
	if (!err)
		err = make_pin_dirs(ld->pack.meta.name);
	if (!err) {
		err = pin_all(ld);
		if (err)
			dg_pins_remove(ld->pack.meta.name);
	}
	if (!err)
		print_loaded(ld);

cleanup:
	/* Pinned links stay attached; unpinned ones detach as their fd closes. */
	for (int i = 0; i < ld->nr_links; i++)
		close(ld->links[i].fd);
	dg_pack_object_close(&ld->pack);
	btf__free(ld->vmlinux_btf);
	free(ld);
	return err;
}
