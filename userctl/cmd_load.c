// SPDX-License-Identifier: GPL-2.0
/*
 * `drvguard load PACK --driver MODULE...`: load a pack's monitors, scope them
 * to the given modules, attach them to every API of the probe catalog and
 * pin everything under DG_PIN_ROOT/PACK so it outlives this process.
 *
 * Attach strategy: fentry.  The monitor has one template program per
 * catalog role; each template is loaded against the role's first symbol and
 * then cloned and attached once per catalog symbol (fentry_clone.c).  The
 * `apis` map tells the programs which catalog API a traced address is.
 * Scoping to the driver happens inside the programs by return address.  Any
 * failure rolls back: nothing stays attached or pinned.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "../probes/catalog.h"
#include "lockset.skel.h"
#include "fentry_clone.h"
#include "json.h"
#include "kmodules.h"
#include "ksyms.h"
#include "main.h"
#include "pack_pins.h"

struct dg_load {
	const char *pack;
	struct dg_driver drivers[DG_MAX_DRIVERS];
	int nr_drivers;
	struct lockset_bpf *skel;
	struct btf *vmlinux_btf;
	int link_fds[DG_MAX_APIS];	/* one per catalog API; -1 when not attached */
};

/* The template program that implements catalog role @role. */
static struct bpf_program *template_for(struct lockset_bpf *skel, enum dg_probe_role role)
{
	switch (role) {
	case DG_ROLE_SPIN_ACQUIRE:
		return skel->progs.dg_spin_acquire;
	case DG_ROLE_SPIN_RELEASE:
		return skel->progs.dg_spin_release;
	case DG_ROLE_MAY_SLEEP:
		return skel->progs.dg_may_sleep;
	}
	return NULL;
}

static int resolve_driver(const char *name, struct dg_driver *out)
{
	FILE *modules = fopen("/proc/modules", "r");
	int err;

	if (!modules) {
		elog("cannot read /proc/modules: %s", strerror(errno));
		return -DG_EXIT_ERROR;
	}
	err = dg_module_find(modules, name, out);
	fclose(modules);
	switch (err) {
	case 0:
		return 0;
	case -ENOENT:
		elog("driver '%s' is not a loaded module (see /proc/modules)", name);
		return -DG_EXIT_UNKNOWN;
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

/* Tell the programs which catalog API each traced function address is. */
static int fill_api_map(struct dg_load *ld)
{
	unsigned long long addrs[DG_MAX_APIS];
	const char *names[DG_MAX_APIS];
	FILE *kallsyms;
	int fd = bpf_map__fd(ld->skel->maps.apis);

	for (size_t id = 0; id < dg_nr_apis; id++)
		names[id] = dg_apis[id].symbol;
	kallsyms = fopen("/proc/kallsyms", "r");
	if (!kallsyms) {
		elog("cannot read /proc/kallsyms: %s", strerror(errno));
		return -DG_EXIT_ERROR;
	}
	dg_ksyms_kernel_addrs(kallsyms, names, dg_nr_apis, addrs);
	fclose(kallsyms);
	for (__u32 id = 0; id < dg_nr_apis; id++) {
		if (!addrs[id]) {
			elog("kernel has no symbol %s (API %s)", names[id], dg_apis[id].name);
			return -DG_EXIT_KERNEL;
		}
		if (bpf_map_update_elem(fd, &addrs[id], &id, BPF_ANY)) {
			elog("cannot fill the API table: %s", strerror(errno));
			return -DG_EXIT_ERROR;
		}
	}
	return 0;
}

static int attach_catalog(struct dg_load *ld)
{
	for (size_t id = 0; id < dg_nr_apis; id++) {
		const struct dg_api *api = &dg_apis[id];
		int fd;

		fd = dg_fentry_clone_attach(template_for(ld->skel, api->role), ld->vmlinux_btf,
					    api->symbol);
		if (fd < 0) {
			elog("cannot attach to %s (API %s): %s", api->symbol, api->name,
			     fd == -ENOENT ? "not a function in the kernel's BTF" : strerror(-fd));
			return fd == -ENOENT || fd == -EINVAL ? -DG_EXIT_KERNEL : -DG_EXIT_ERROR;
		}
		ld->link_fds[id] = fd;
		dlog("attached %s -> %s", api->name, api->symbol);
	}
	return 0;
}

static int pin_all(struct dg_load *ld)
{
	struct bpf_map *maps[] = { ld->skel->maps.events, ld->skel->maps.drivers,
				   ld->skel->maps.counters, ld->skel->maps.held };
	char path[256];
	int err;

	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		dg_pin_path(path, sizeof(path), ld->pack, bpf_map__name(maps[i]));
		err = bpf_map__pin(maps[i], path);
		if (err)
			goto fail;
	}
	for (size_t id = 0; id < dg_nr_apis; id++) {
		char name[96];

		snprintf(name, sizeof(name), "links/%s", dg_apis[id].name);
		dg_pin_path(path, sizeof(path), ld->pack, name);
		if (bpf_obj_pin(ld->link_fds[id], path)) {
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
	if (dg_opts.json) {
		printf("{");
		json_kv_str(stdout, "pack", ld->pack);
		printf(",\"attach\":\"fentry\",\"probes\":%zu,\"drivers\":[", dg_nr_apis);
		for (int i = 0; i < ld->nr_drivers; i++) {
			printf("%s", i ? "," : "");
			json_str(stdout, ld->drivers[i].name);
		}
		printf("]}\n");
		return;
	}
	printf("loaded pack %s on", ld->pack);
	for (int i = 0; i < ld->nr_drivers; i++)
		printf(" %s", ld->drivers[i].name);
	printf(" (%zu fentry probes)\n", dg_nr_apis);
}

/* Point each template at the first catalog symbol of its role. */
static int set_template_targets(struct dg_load *ld)
{
	enum dg_probe_role roles[] = { DG_ROLE_SPIN_ACQUIRE, DG_ROLE_SPIN_RELEASE,
				       DG_ROLE_MAY_SLEEP };

	for (size_t r = 0; r < sizeof(roles) / sizeof(roles[0]); r++) {
		struct bpf_program *tmpl = template_for(ld->skel, roles[r]);
		const char *target = NULL;

		for (size_t id = 0; id < dg_nr_apis && !target; id++)
			if (dg_apis[id].role == roles[r])
				target = dg_apis[id].symbol;
		if (!target) {
			bpf_program__set_autoload(tmpl, false);
			continue;
		}
		if (bpf_program__set_attach_target(tmpl, 0, target)) {
			elog("cannot target %s: %s", target, strerror(errno));
			return -DG_EXIT_ERROR;
		}
	}
	return 0;
}

static int load_and_scope(struct dg_load *ld)
{
	int err, fd;

	ld->vmlinux_btf = btf__load_vmlinux_btf();
	if (!ld->vmlinux_btf) {
		elog("the kernel has no BTF (/sys/kernel/btf/vmlinux): %s", strerror(errno));
		return -DG_EXIT_KERNEL;
	}
	ld->skel = lockset_bpf__open();
	if (!ld->skel) {
		elog("cannot open the %s pack's BPF object: %s", ld->pack, strerror(errno));
		return -DG_EXIT_ERROR;
	}
	ld->skel->rodata->nr_cpus = libbpf_num_possible_cpus();
	err = set_template_targets(ld);
	if (err)
		return err;
	err = lockset_bpf__load(ld->skel);
	if (err) {
		elog("the kernel rejected the %s pack: %s (rerun with -d for the verifier log)",
		     ld->pack, strerror(-err));
		return -DG_EXIT_KERNEL;
	}
	fd = bpf_map__fd(ld->skel->maps.drivers);
	for (__u32 i = 0; i < (__u32)ld->nr_drivers; i++) {
		if (bpf_map_update_elem(fd, &i, &ld->drivers[i], BPF_ANY)) {
			elog("cannot fill the driver table: %s", strerror(errno));
			return -DG_EXIT_ERROR;
		}
	}
	return fill_api_map(ld);
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
	ld->pack = argv[optind];
	if (!dg_pack_find(ld->pack)) {
		elog("unknown pack '%s' (see 'drvguard packs')", ld->pack);
		return -DG_EXIT_UNKNOWN;
	}
	for (int i = 0; i < ld->nr_drivers; i++) {
		err = resolve_driver(names[i], &ld->drivers[i]);
		if (err)
			return err;
	}
	return 0;
}

int cmd_load(int argc, char **argv)
{
	struct dg_load ld = { 0 };
	int err;

	if (dg_nr_apis > DG_MAX_APIS) {
		elog("the probe catalog has %zu APIs, more than the %d a pack can attach",
		     dg_nr_apis, DG_MAX_APIS);
		return -DG_EXIT_ERROR;
	}
	for (size_t id = 0; id < DG_MAX_APIS; id++)
		ld.link_fds[id] = -1;
	/* Validate the command line and find the drivers' address ranges. */
	err = dg_require_root();
	if (!err)
		err = parse_args(&ld, argc, argv);
	if (err)
		return err;

	/* One instance per pack: a second load would double every report. */
	err = dg_bpffs_ensure();
	if (err) {
		elog("cannot mount bpffs on /sys/fs/bpf: %s", strerror(-err));
		return -DG_EXIT_KERNEL;
	}
	if (dg_pack_is_loaded(ld.pack)) {
		elog("pack '%s' is already loaded; 'drvguard unload %s' first", ld.pack, ld.pack);
		return -DG_EXIT_ALREADY_LOADED;
	}

	/* Load, scope, attach, pin; undo all of it on any failure. */
	err = load_and_scope(&ld);
	if (!err)
		err = attach_catalog(&ld);
	if (!err)
		err = make_pin_dirs(ld.pack);
	if (!err) {
		err = pin_all(&ld);
		if (err)
			dg_pins_remove(ld.pack);
	}
	if (!err)
		print_loaded(&ld);

	/* Pinned links stay attached; unpinned ones detach as their fd closes. */
	for (size_t id = 0; id < dg_nr_apis; id++)
		if (ld.link_fds[id] >= 0)
			close(ld.link_fds[id]);
	lockset_bpf__destroy(ld.skel);
	btf__free(ld.vmlinux_btf);
	return err;
}
