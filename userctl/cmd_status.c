// SPDX-License-Identifier: GPL-2.0
/*
 * `drvguard status`: each loaded pack with its drivers, attached probes,
 * monitor counters and violations per rule, summed over CPUs.  Every
 * violation fired is accounted for: violations = delivered (events that
 * reached the ring buffer) + aggregated (folded into a later event of the
 * same site) + drops (ring buffer full).
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/types.h>

#include "../bpf/drvguard.h"
#include "json.h"
#include "main.h"
#include "pack_meta.h"
#include "pack_pins.h"
#include "recovery_switch.h"

static const char *const counter_names[DG_NR_COUNTERS] = {
	[DG_CNT_DRIVER_CALLS] = "driver_calls",
	[DG_CNT_EVENTS] = "delivered",
	[DG_CNT_DROPS] = "drops",
	[DG_CNT_HELD_OVERFLOW] = "untracked_held",
	[DG_CNT_MIGRATED] = "migrated",
	[DG_CNT_CONTENDED] = "contended",
	[DG_CNT_OBJECT_OVERFLOW] = "untracked_objects",
	[DG_CNT_RECOVERED] = "recovered",
	[DG_CNT_NOT_RECOVERED] = "not_recovered",
	[DG_CNT_AGGREGATED] = "aggregated",
};

/* Recursion misses of the program behind the pinned link @link_path. */
static __u64 link_misses(const char *link_path)
{
	struct bpf_link_info link = { 0 };
	struct bpf_prog_info prog = { 0 };
	__u32 len = sizeof(link);
	int link_fd = bpf_obj_get(link_path), prog_fd = -1;
	__u64 misses = 0;

	if (link_fd < 0)
		return 0;
	if (!bpf_obj_get_info_by_fd(link_fd, &link, &len))
		prog_fd = bpf_prog_get_fd_by_id(link.prog_id);
	len = sizeof(prog);
	if (prog_fd >= 0 && !bpf_obj_get_info_by_fd(prog_fd, &prog, &len))
		misses = prog.recursion_misses;
	if (prog_fd >= 0)
		close(prog_fd);
	close(link_fd);
	return misses;
}

/*
 * @pack's attached probes, and the runs of their programs the kernel
 * skipped because the same program was already running on that CPU (an
 * interrupt hit it, or a preemption in the trampoline around it).  The
 * monitor never sees those calls: a nonzero count means events may be
 * missing.
 */
static int count_links(const char *pack, __u64 *skipped)
{
	char path[256], link_path[512];
	struct dirent *ent;
	int n = 0;
	DIR *d;

	*skipped = 0;
	dg_pin_path(path, sizeof(path), pack, "links");
	d = opendir(path);
	if (!d)
		return 0;
	while ((ent = readdir(d))) {
		if (ent->d_name[0] == '.')
			continue;
		n++;
		snprintf(link_path, sizeof(link_path), "%s/%s", path, ent->d_name);
		*skipped += link_misses(link_path);
	}
	closedir(d);
	return n;
}

/* Sum per-CPU counter @id of @pack into @sum. */
static int read_counter(int fd, __u32 id, __u64 *sum)
{
	int nr_cpus = libbpf_num_possible_cpus();
	__u64 *vals = calloc(nr_cpus, sizeof(*vals));

	*sum = 0;
	if (!vals || bpf_map_lookup_elem(fd, &id, vals)) {
		free(vals);
		return -EIO;
	}
	for (int i = 0; i < nr_cpus; i++)
		*sum += vals[i];
	free(vals);
	return 0;
}

static void print_drivers(int drivers_fd)
{
	for (__u32 i = 0; drivers_fd >= 0 && i < DG_MAX_DRIVERS; i++) {
		struct dg_driver d;

		if (bpf_map_lookup_elem(drivers_fd, &i, &d) || !d.name[0])
			break;
		if (dg_opts.json) {
			printf("%s{", i ? "," : "");
			json_kv_str(stdout, "name", d.name);
			printf(",\"loaded\":%s", d.start ? "true" : "false");
			printf(",\"calls_missed\":%s}",
			       d.flags & DG_DRIVER_MISSED ? "true" : "false");
		} else {
			printf(" %s%s%s", d.name, d.start ? "" : " (not loaded)",
			       d.flags & DG_DRIVER_MISSED ? " (calls may have been missed)" : "");
		}
	}
}

/* Violations fired, over every rule of @m: delivered + aggregated + dropped. */
static __u64 fired(int hits_fd, const struct dg_pack_meta *m)
{
	__u64 total = 0;

	for (int i = 0; hits_fd >= 0 && i < m->nr_rules; i++) {
		__u64 sum;

		if (!read_counter(hits_fd, m->rules[i].id, &sum))
			total += sum;
	}
	return total;
}

static void print_counters(int counters_fd, __u64 violations, __u64 skipped)
{
	if (dg_opts.json)
		printf("\"violations\":%llu,\"skipped_by_kernel\":%llu",
		       (unsigned long long)violations, (unsigned long long)skipped);
	else
		printf(" violations=%llu skipped_by_kernel=%llu", (unsigned long long)violations,
		       (unsigned long long)skipped);
	for (__u32 id = 0; counters_fd >= 0 && id < DG_NR_COUNTERS; id++) {
		__u64 sum;

		if (read_counter(counters_fd, id, &sum))
			continue;
		if (dg_opts.json)
			printf(",\"%s\":%llu", counter_names[id], (unsigned long long)sum);
		else
			printf(" %s=%llu", counter_names[id], (unsigned long long)sum);
	}
}

/* Each rule's violations, and for a rule with an action, its recovery switch. */
static void print_rules(int hits_fd, const struct dg_pack_meta *m,
			const struct dg_recovery_switch *recovery)
{
	for (int i = 0; i < m->nr_rules; i++) {
		const struct dg_meta_rule *r = &m->rules[i];
		const char *on = dg_recovery_rule_on(recovery, r) ? "on" : "off";
		__u64 sum = 0;

		if (hits_fd >= 0)
			read_counter(hits_fd, r->id, &sum);
		if (dg_opts.json) {
			printf("%s{", i ? "," : "");
			json_kv_str(stdout, "rule", r->name);
			printf(",");
			json_kv_str(stdout, "severity", r->severity);
			printf(",\"violations\":%llu", (unsigned long long)sum);
			if (r->recover)
				printf(",\"recover\":\"%s\",\"recovery\":\"%s\"", r->recover, on);
			printf("}");
		} else if (r->recover) {
			printf("    %-32s %-8s %-8llu recover %s %s\n", r->name, r->severity,
			       (unsigned long long)sum, r->recover, on);
		} else {
			printf("    %-32s %-8s %llu\n", r->name, r->severity,
			       (unsigned long long)sum);
		}
	}
}

static int print_pack(const char *pack, void *ctx)
{
	bool *first = ctx;
	int drivers_fd = dg_pin_open(pack, "drivers");
	int counters_fd = dg_pin_open(pack, "counters");
	int hits_fd = dg_pin_open(pack, "rule_hits");
	__u64 skipped;
	int links = count_links(pack, &skipped);
	struct dg_pack_meta meta = { 0 };
	struct dg_recovery_switch recovery;
	const char *recovery_state;

	dg_pin_read_meta(pack, &meta);
	dg_recovery_switch_open(&recovery, pack, &meta);
	recovery_state = dg_recovery_pack_state(&recovery);
	if (dg_opts.json) {
		printf("%s{", *first ? "" : ",");
		json_kv_str(stdout, "pack", pack);
		printf(",\"attach\":\"fentry\",\"probes\":%d,\"recovery\":\"%s\",\"drivers\":[",
		       links, recovery_state);
	} else {
		printf("pack %s: %d fentry/fexit/tracepoint probes attached, recovery %s\n"
		       "  drivers:", pack, links, recovery_state);
	}
	print_drivers(drivers_fd);
	printf(dg_opts.json ? "],\"counters\":{" : "\n  counters:");
	print_counters(counters_fd, fired(hits_fd, &meta), skipped);
	printf(dg_opts.json ? "},\"rules\":[" : "\n  rules:\n");
	print_rules(hits_fd, &meta, &recovery);
	printf(dg_opts.json ? "]}" : "");
	dg_recovery_switch_close(&recovery);
	dg_meta_free(&meta);
	if (drivers_fd >= 0)
		close(drivers_fd);
	if (counters_fd >= 0)
		close(counters_fd);
	if (hits_fd >= 0)
		close(hits_fd);
	*first = false;
	return 0;
}

int cmd_status(int argc, char **argv)
{
	bool first = true;
	int err = dg_require_root();

	if (err)
		return err;
	if (dg_opts.json)
		printf("{\"packs\":[");
	dg_for_each_pack(print_pack, &first);
	if (dg_opts.json)
		printf("]}\n");
	else if (first)
		printf("no pack is loaded\n");
	return 0;
}
