// SPDX-License-Identifier: GPL-2.0
/*
 * `drvguard watch`: stream violations from every loaded pack's ring buffer
 * and print them symbolized.  Events raised while nobody watched wait in the
 * ring buffer, so a watcher started after the fact still sees them, and
 * watchers running at once each see every event (event_ring.h).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "event_ring.h"
#include "ksyms.h"
#include "main.h"
#include "pack_meta.h"
#include "pack_pins.h"
#include "report.h"
#include "source_lines.h"

#define DG_MAX_PACKS	16

struct dg_watch_pack {
	struct dg_watch *w;
	char name[64];
	int drivers_fd;
	int files_fd;		/* the drivers' .ko paths, or -1 */
	struct dg_pack_meta meta;
	struct dg_event_ring ring;
};

struct dg_watch {
	const char *driver;	/* --driver filter, or NULL */
	const char *rule;	/* --rule filter, or NULL */
	long count;		/* stop after this many events; 0: never */
	long timeout;		/* stop after this many seconds; 0: never */
	long printed;
	long skipped;		/* read but not shown: another driver or rule */
	int epoll_fd;		/* the packs' rings, readable */
	struct dg_ksyms *ksyms;
	struct dg_watch_pack packs[DG_MAX_PACKS];
	int nr_packs;
	/* the event being printed: a site of a driver gone since is found in its .ko */
	const struct dg_event *event;
	const char *event_driver;
	char event_file[DG_DRIVER_FILE_LEN];
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

static void reload_ksyms(struct dg_watch *w)
{
	FILE *f = fopen("/proc/kallsyms", "r"), *modules = fopen("/proc/modules", "r");

	if (f) {
		dg_ksyms_free(w->ksyms);
		w->ksyms = dg_ksyms_load(f, modules);
		fclose(f);
	}
	if (modules)
		fclose(modules);
}

/* Symbolize @addr; reread kallsyms once in case the module was (re)loaded. */
/* Whether @site (`func+0xoff [module]`) names module @name. */
static bool site_in(const char *site, const char *name)
{
	const char *open = strrchr(site, '[');

	return open && !strncmp(open + 1, name, strlen(name)) && open[1 + strlen(name)] == ']';
}

/*
 * A site of the event's driver, symbolized from its .ko when kallsyms no
 * longer has the driver there (it was unloaded: leak reports come then).
 */
static bool symbolize_gone(struct dg_watch *w, unsigned long long addr, char *buf, size_t len)
{
	const struct dg_event *e = w->event;

	if (!e || !e->base || !w->event_file[0] || addr < e->base || addr - e->base >= (1 << 24))
		return false;
	return !dg_ko_symbolize(w->event_file, w->event_driver, addr - e->base, buf, len);
}

static void symbolize(void *arg, unsigned long long addr, char *buf, size_t len)
{
	struct dg_watch *w = arg;

	if (w->ksyms && !dg_ksyms_format(w->ksyms, addr, buf, len) &&
	    (!w->event_driver || site_in(buf, w->event_driver)))
		return;
	if (symbolize_gone(w, addr, buf, len))
		return;
	reload_ksyms(w);
	if (w->ksyms && !dg_ksyms_format(w->ksyms, addr, buf, len))
		return;
	snprintf(buf, len, "0x%llx", addr);
}

/* `file:line` of @e's site when its driver's .ko is known and has debug info. */
static int source_of(struct dg_watch_pack *pack, const struct dg_event *e, char *buf, size_t len)
{
	char file[DG_DRIVER_FILE_LEN], site[256], func[128];
	unsigned long long off;

	if (pack->files_fd < 0 || bpf_map_lookup_elem(pack->files_fd, &e->driver, file) ||
	    !file[0])
		return -ENOENT;
	symbolize(pack->w, e->site, site, sizeof(site));
	if (dg_site_split(site, func, sizeof(func), &off))
		return -ENOENT;
	return dg_source_line(file, func, off, buf, len);
}

static int handle_event(void *ctx, void *data, size_t size)
{
	struct dg_watch_pack *pack = ctx;
	struct dg_watch *w = pack->w;
	const struct dg_event *e = data;
	const struct dg_meta_rule *rule;
	struct dg_driver driver = { 0 };
	char source[256];
	struct dg_report_ctx report = {
		.pack = pack->name, .meta = &pack->meta, .symbolize = symbolize, .arg = w,
	};

	if (size < sizeof(*e))
		return 0;
	if (bpf_map_lookup_elem(pack->drivers_fd, &e->driver, &driver) || !driver.name[0])
		snprintf(driver.name, sizeof(driver.name), "driver#%u", e->driver);
	rule = dg_meta_rule(&pack->meta, e->rule);
	if ((w->driver && strcmp(w->driver, driver.name)) ||
	    (w->rule && (!rule || strcmp(w->rule, rule->name)))) {
		w->skipped++;
		return 0;
	}
	report.driver = driver.name;
	w->event = e;
	w->event_driver = driver.name;
	w->event_file[0] = '\0';
	if (pack->files_fd >= 0)
		bpf_map_lookup_elem(pack->files_fd, &e->driver, w->event_file);
	if (!source_of(pack, e, source, sizeof(source)))
		report.source = source;
	dg_report_print(stdout, e, &report, dg_opts.json);
	w->event = NULL;
	w->event_driver = NULL;
	w->printed++;
	/* Stop consuming at --count, so that the events after it wait for the next watcher. */
	return w->count && w->printed >= w->count ? -ECANCELED : 0;
}

/* Join the watchers of loaded @pack. */
static int open_pack(const char *pack, void *ctx)
{
	struct dg_watch *w = ctx;
	struct dg_watch_pack *p = &w->packs[w->nr_packs];
	struct epoll_event ev = { .events = EPOLLIN };
	int err;

	if (w->nr_packs == DG_MAX_PACKS)
		return 0;
	snprintf(p->name, sizeof(p->name), "%.63s", pack);
	p->w = w;
	p->ring.map_fd = p->ring.watchers_fd = -1;
	p->drivers_fd = dg_pin_open(p->name, "drivers");
	p->files_fd = dg_pin_open(p->name, "driver_files");	/* optional */
	w->nr_packs++;
	if (p->drivers_fd < 0 || dg_pin_read_meta(p->name, &p->meta)) {
		elog("pack '%s' is incompletely pinned; 'drvguard unload %s'", p->name, p->name);
		return -DG_EXIT_ERROR;
	}
	err = dg_event_ring_open(&p->ring, p->name);
	if (!err && epoll_ctl(w->epoll_fd, EPOLL_CTL_ADD, p->ring.map_fd, &ev))
		err = -errno;
	if (err) {
		elog("cannot open the event stream of pack '%s': %s", p->name, strerror(-err));
		return -DG_EXIT_ERROR;
	}
	return 0;
}

/* Whether some loaded pack monitors driver @name. */
static bool driver_known(struct dg_watch *w, const char *name)
{
	for (int i = 0; i < w->nr_packs; i++) {
		for (__u32 k = 0; k < DG_MAX_DRIVERS; k++) {
			struct dg_driver d;

			if (bpf_map_lookup_elem(w->packs[i].drivers_fd, &k, &d) || !d.name[0])
				break;
			if (!strcmp(d.name, name))
				return true;
		}
	}
	return false;
}

static bool rule_known(struct dg_watch *w, const char *name)
{
	for (int i = 0; i < w->nr_packs; i++)
		if (dg_meta_rule_named(&w->packs[i].meta, name))
			return true;
	return false;
}

/* Join the watchers of every loaded pack; check the filters name something. */
static int open_packs(struct dg_watch *w)
{
	int err;

	w->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (w->epoll_fd < 0) {
		elog("epoll_create1: %s", strerror(errno));
		return -DG_EXIT_ERROR;
	}
	err = dg_for_each_pack(open_pack, w);
	if (err)
		return err;
	if (!w->nr_packs) {
		elog("no pack is loaded; 'drvguard load PACK --driver MODULE' first");
		return -DG_EXIT_NOT_LOADED;
	}
	if (w->driver && !driver_known(w, w->driver)) {
		elog("no loaded pack monitors driver '%s' (see 'drvguard status')", w->driver);
		return -DG_EXIT_UNKNOWN;
	}
	if (w->rule && !rule_known(w, w->rule)) {
		elog("no loaded pack has a rule '%s' (see 'drvguard status')", w->rule);
		return -DG_EXIT_UNKNOWN;
	}
	return 0;
}

static int parse_args(struct dg_watch *w, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "driver", required_argument, NULL, 'D' },
		{ "rule", required_argument, NULL, 'r' },
		{ "count", required_argument, NULL, 'c' },
		{ "timeout", required_argument, NULL, 't' },
		{ 0 },
	};
	char *end;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "D:r:c:t:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'D':
			w->driver = optarg;
			break;
		case 'r':
			w->rule = optarg;
			break;
		case 'c':
		case 't':
			errno = 0;
			long val = strtol(optarg, &end, 10);

			if (errno || *end || val < 0) {
				elog("--%s needs a non-negative number, not '%s'",
				     opt == 'c' ? "count" : "timeout", optarg);
				return -DG_EXIT_USAGE;
			}
			*(opt == 'c' ? &w->count : &w->timeout) = val;
			break;
		default:
			return -DG_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		elog("usage: drvguard watch [--driver M] [--rule R] [--count N] [--timeout SEC]");
		return -DG_EXIT_USAGE;
	}
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Read every pack's new events, until --count is reached. */
static void read_events(struct dg_watch *w)
{
	for (int i = 0; i < w->nr_packs; i++) {
		if (w->count && w->printed >= w->count)
			return;
		dg_event_ring_read(&w->packs[i].ring, handle_event, &w->packs[i]);
	}
}

/*
 * Wait up to @ms for new events.  The kernel's poll says whether a ring has
 * data past its consumer position, which is this watcher's cursor only when
 * no other watcher lags behind; otherwise wait a short while and look.
 */
static void wait_events(struct dg_watch *w, int ms)
{
	struct epoll_event ev;
	bool pollable = true;

	for (int i = 0; i < w->nr_packs; i++) {
		if (dg_event_ring_pending(&w->packs[i].ring))
			return;
		pollable &= dg_event_ring_pollable(&w->packs[i].ring);
	}
	if (pollable)
		epoll_wait(w->epoll_fd, &ev, 1, ms);
	else
		usleep(20 * 1000);
}

int cmd_watch(int argc, char **argv)
{
	struct dg_watch w = { .epoll_fd = -1 };
	double deadline;
	__u64 lost = 0;
	int err;

	/* Parse, then join every loaded pack's watchers. */
	err = parse_args(&w, argc, argv);
	if (!err)
		err = dg_require_root();
	if (err)
		return err;
	err = open_packs(&w);
	if (err)
		goto cleanup;
	reload_ksyms(&w);

	/* Read until the count is reached, the timeout passes or a signal arrives. */
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	deadline = w.timeout ? now_s() + w.timeout : 0;
	while (!stop && !(w.count && w.printed >= w.count)) {
		read_events(&w);
		if (w.count && w.printed >= w.count)
			break;
		if (deadline && now_s() >= deadline)
			break;
		wait_events(&w, 100);
	}

	/* a filtered watcher read what it did not show: say so, no silent loss */
	if (w.skipped && !dg_opts.json)
		fprintf(stderr, "drvguard: %ld event(s) of other drivers or rules were read and "
			"not shown (--driver/--rule)\n", w.skipped);
	for (int i = 0; i < w.nr_packs; i++)
		lost += w.packs[i].ring.lost;
	if (lost)
		fprintf(stderr, "drvguard: warning: %llu event(s) were overwritten before this "
			"watcher could read them\n", (unsigned long long)lost);
cleanup:
	for (int i = 0; i < w.nr_packs; i++) {
		dg_event_ring_close(&w.packs[i].ring);
		if (w.packs[i].drivers_fd >= 0)
			close(w.packs[i].drivers_fd);
		if (w.packs[i].files_fd >= 0)
			close(w.packs[i].files_fd);
		dg_meta_free(&w.packs[i].meta);
	}
	if (w.epoll_fd >= 0)
		close(w.epoll_fd);
	dg_ksyms_free(w.ksyms);
	return err;
}
