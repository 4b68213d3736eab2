// SPDX-License-Identifier: GPL-2.0
/*
 * `drvguard load PACK --driver MODULE...`: load a pack's monitors, scope them
 * to the given modules, attach them to every API of the probe catalog and
 * pin everything under DG_PIN_ROOT/PACK so it outlives this process.
 *
 * Attach strategy: one kprobe per catalog symbol, on the generic program for
 * the symbol's role, with the catalog id as the attach cookie.  Scoping to
 * the driver happens inside the program by return address.  Any failure rolls
 * back: nothing stays attached or pinned.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "../probes/catalog.h"
#include "lockset.skel.h"
#include "kmodules.h"
#include "main.h"
#include "pack_pins.h"

struct dg_load {
	const char *pack;
	struct dg_driver drivers[DG_MAX_DRIVERS];
	int nr_drivers;
	struct lockset_bpf *skel;
	struct bpf_link *links[64];
};

static struct bpf_program *program_for(struct lockset_bpf *skel, enum dg_probe_role role)
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

static int attach_catalog(struct dg_load *ld)
{
	LIBBPF_OPTS(bpf_kprobe_opts, opts);

	if (dg_nr_apis > sizeof(ld->links) / sizeof(ld->links[0])) {
		elog("probe catalog has %zu APIs, more than a pack can attach", dg_nr_apis);
		return -DG_EXIT_ERROR;
	}
	for (size_t id = 0; id < dg_nr_apis; id++) {
		const struct dg_api *api = &dg_apis[id];

		opts.bpf_cookie = id;
		ld->links[id] = bpf_program__attach_kprobe_opts(
			program_for(ld->skel, api->role), api->symbol, &opts);
		if (!ld->links[id]) {
			int err = -errno;

			elog("cannot attach to %s (API %s): %s", api->symbol, api->name,
			     strerror(-err));
			return err == -ENOENT || err == -EINVAL ? -DG_EXIT_KERNEL : -DG_EXIT_ERROR;
		}
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
		err = bpf_link__pin(ld->links[id], path);
		if (err)
			goto fail;
	}
	return 0;
fail:
	elog("cannot pin %s: %s", path, strerror(-err));
	return -DG_EXIT_ERROR;
}

static int make_pin_dirs(const char *pack)
{
	char path[256];

	if (mkdir(DG_PIN_ROOT, 0700) && errno != EEXIST)
		goto fail;
	dg_pin_path(path, sizeof(path), pack, NULL);
	if (mkdir(path, 0700))
		goto fail;
	dg_pin_path(path, sizeof(path), pack, "links");
	if (mkdir(path, 0700))
		goto fail;
	return 0;
fail:
	elog("cannot create pin directory under %s: %s", DG_PIN_ROOT, strerror(errno));
	return -DG_EXIT_ERROR;
}

static int load_and_scope(struct dg_load *ld)
{
	int err, fd;

	ld->skel = lockset_bpf__open();
	if (!ld->skel) {
		elog("cannot open the %s pack's BPF object: %s", ld->pack, strerror(errno));
		return -DG_EXIT_ERROR;
	}
	ld->skel->rodata->nr_cpus = libbpf_num_possible_cpus();
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
	return 0;
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
	bool pinned = false;
	int err;

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
		pinned = true;
		err = pin_all(&ld);
	}
	if (err && pinned)
		dg_pins_remove(ld.pack);
	if (!err && !dg_opts.json)
		for (int i = 0; i < ld.nr_drivers; i++)
			printf("loaded pack %s on %s (%zu probes)\n", ld.pack,
			       ld.drivers[i].name, dg_nr_apis);
	if (!err && dg_opts.json) {
		printf("{\"pack\":\"%s\",\"drivers\":%d,\"probes\":%zu}\n", ld.pack,
		       ld.nr_drivers, dg_nr_apis);
	}

	for (size_t id = 0; id < dg_nr_apis; id++) {
		/* A pinned kprobe link must not be disabled by our own teardown. */
		if (!err && ld.links[id])
			bpf_link__disconnect(ld.links[id]);
		bpf_link__destroy(ld.links[id]);
	}
	lockset_bpf__destroy(ld.skel);
	return err;
}
