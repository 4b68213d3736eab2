/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared declarations of the drvguard command: global options, logging, exit
 * codes, the per-command entry points and where a loaded pack is pinned.
 * Commands return 0 or a negative DG_EXIT_* code; only main() turns that into
 * the process exit status.
 */
#ifndef USERCTL_MAIN_H
#define USERCTL_MAIN_H

#include <stdbool.h>
#include <stdio.h>

#define DG_VERSION	"0.1.0"
#define DG_PIN_ROOT	"/sys/fs/bpf/drvguard"

/* Exit codes scripts can tell apart; documented in `drvguard help`. */
enum dg_exit {
	DG_EXIT_OK = 0,
	DG_EXIT_ERROR = 1,		/* anything not listed below */
	DG_EXIT_USAGE = 2,		/* bad command line */
	DG_EXIT_NOT_ROOT = 3,		/* needs root */
	DG_EXIT_UNKNOWN = 4,		/* unknown pack or driver */
	DG_EXIT_ALREADY_LOADED = 5,	/* pack already loaded */
	DG_EXIT_KERNEL = 6,		/* kernel lacks a feature or symbol */
	DG_EXIT_NOT_LOADED = 7,		/* no such pack is loaded */
};

struct dg_options {
	bool json;	/* -j: one JSON object (JSON lines for watch) */
	bool debug;	/* -d: libbpf debug output */
};

extern struct dg_options dg_opts;

void elog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void dlog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Fail with DG_EXIT_NOT_ROOT unless running as root. */
int dg_require_root(void);

int cmd_compile(int argc, char **argv);
int cmd_check(int argc, char **argv);
/* Compile the rule file @in into the pack object @out. */
int dg_compile_pack(const char *in, const char *out);
int cmd_load(int argc, char **argv);
int cmd_unload(int argc, char **argv);
int cmd_watch(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_packs(int argc, char **argv);
int cmd_recover(int argc, char **argv);

#endif /* USERCTL_MAIN_H */
