// SPDX-License-Identifier: GPL-2.0
/*
 * drvguard: the operator's command.  `drvguard COMMAND [ARGS]`, dispatched
 * through a table in which any unique prefix of a command name is accepted.
 * The global options -j/--json, -d/--debug, -V/--version and -h/--help may
 * stand anywhere on the command line.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "json.h"
#include "main.h"

struct dg_options dg_opts;

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *synopsis;
	const char *help;
};

static int cmd_help(int argc, char **argv);

static const struct cmd cmds[] = {
	{ "compile", cmd_compile, "compile FILE.rules [-o PACK.o]",
	  "Compile a rule file into a pack object (default output: FILE.o).\n"
	  "Diagnostics are printed as file:line:col with the source line.  Needs clang;\n"
	  "DRVGUARD_INCLUDE overrides where the runtime headers are, DRVGUARD_KEEP_C\n"
	  "names a file to keep the generated C in." },
	{ "check", cmd_check, "check FILE.rules",
	  "Check a rule file and print its diagnostics; compiles nothing." },
	{ "load", cmd_load, "load PACK --driver MODULE [--driver MODULE ...]",
	  "Load PACK's monitors scoped to the given modules and pin them under\n"
	  DG_PIN_ROOT "/NAME, so that they outlive the command.  PACK is a shipped\n"
	  "pack's name, a .rules file (compiled first) or a compiled pack; NAME is\n"
	  "the name its 'pack' line declares.  A module not loaded yet (a module of\n"
	  "this kernel, or a .ko path) is armed: monitoring starts when it loads." },
	{ "unload", cmd_unload, "unload [PACK | --all]",
	  "Detach and unpin a loaded pack; with no argument, the only one loaded." },
	{ "watch", cmd_watch, "watch [--driver M] [--rule R] [--count N] [--timeout SEC]",
	  "Print violations as they happen, including those raised while no watcher ran.\n"
	  "With -j, one JSON object per line." },
	{ "status", cmd_status, "status",
	  "Loaded packs, their drivers, attach mode and counters (violations, drops)." },
	{ "packs", cmd_packs, "packs", "List the shipped packs and whether each is loaded." },
	{ "recover", cmd_recover, "recover enable|disable|status [--rule RULE] [PACK]",
	  "Switch recovery on or off for PACK, or for every loaded pack: for every\n"
	  "rule with a 'recover' action, or with --rule for that rule only.  With\n"
	  "recovery on, a violated rule's 'recover' action runs before the offending call\n"
	  "proceeds (unlock_around: the driver's spinlocks and rwlocks are released\n"
	  "around the blocking call and retaken after it), and the event and the\n"
	  "recovered/not_recovered counters say what was done.  'load' inserts the\n"
	  "module drvguard_recover.ko, which carries the actions out." },
	{ "help", cmd_help, "help [COMMAND]", "Show help for drvguard or one command." },
};

#define NR_CMDS (int)(sizeof(cmds) / sizeof(cmds[0]))

void elog(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (dg_opts.json) {
		char msg[1024];

		vsnprintf(msg, sizeof(msg), fmt, ap);
		printf("{\"error\":");
		json_str(stdout, msg);
		printf("}\n");
	} else {
		fprintf(stderr, "drvguard: ");
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
	va_end(ap);
}

void dlog(const char *fmt, ...)
{
	va_list ap;

	if (!dg_opts.debug)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "drvguard: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

int dg_require_root(void)
{
	if (geteuid() == 0)
		return 0;
	elog("this command needs root (CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN)");
	return -DG_EXIT_NOT_ROOT;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* Without -d our own messages say what failed, in one line. */
	return dg_opts.debug ? vfprintf(stderr, fmt, ap) : 0;
}

static void usage(FILE *out)
{
	fprintf(out, "Usage: drvguard [-j] [-d] [-V] [-h] COMMAND [ARGS]\n\nCommands:\n");
	for (int i = 0; i < NR_CMDS; i++)
		fprintf(out, "  drvguard %s\n", cmds[i].synopsis);
	fprintf(out, "\nGlobal options:\n"
		     "  -j, --json     JSON output (JSON lines for watch; errors as {\"error\": ...})\n"
		     "  -d, --debug    libbpf and verifier debug output\n"
		     "  -V, --version  print the version\n"
		     "  -h, --help     this help; 'drvguard help COMMAND' for one command\n"
		     "\nExit status: 0 ok, 1 error, 2 usage, 3 not root, 4 unknown pack or driver,\n"
		     "5 pack already loaded, 6 kernel lacks a feature or symbol, 7 pack not loaded.\n");
}

/* The command named @name or by a unique prefix of it; NULL if none or ambiguous. */
static const struct cmd *find_cmd(const char *name)
{
	const struct cmd *found = NULL;
	size_t len = strlen(name);

	for (int i = 0; i < NR_CMDS; i++) {
		if (!strcmp(cmds[i].name, name))
			return &cmds[i];
		if (!strncmp(cmds[i].name, name, len)) {
			if (found)
				return NULL;
			found = &cmds[i];
		}
	}
	return found;
}

static int cmd_help(int argc, char **argv)
{
	const struct cmd *cmd;

	if (argc < 2) {
		usage(stdout);
		return 0;
	}
	cmd = find_cmd(argv[1]);
	if (!cmd) {
		elog("unknown command '%s'", argv[1]);
		return -DG_EXIT_USAGE;
	}
	printf("Usage: drvguard %s\n\n%s\n", cmd->synopsis, cmd->help);
	return 0;
}

/* Take the global options out of argv, wherever they stand; returns the new argc. */
static int take_global_options(int argc, char **argv, bool *version, bool *help)
{
	int out = 1;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-j") || !strcmp(a, "--json"))
			dg_opts.json = true;
		else if (!strcmp(a, "-d") || !strcmp(a, "--debug"))
			dg_opts.debug = true;
		else if (!strcmp(a, "-V") || !strcmp(a, "--version"))
			*version = true;
		else if (!strcmp(a, "-h") || !strcmp(a, "--help"))
			*help = true;
		else
			argv[out++] = argv[i];
	}
	argv[out] = NULL;
	return out;
}

int main(int argc, char **argv)
{
	bool version = false, help = false;
	const struct cmd *cmd;
	int err;

	/* Global options first, so every command sees the same settings. */
	argc = take_global_options(argc, argv, &version, &help);
	libbpf_set_print(libbpf_print);
	if (version) {
		printf(dg_opts.json ? "{\"version\":\"%s\"}\n" : "drvguard %s\n", DG_VERSION);
		return 0;
	}
	if (argc < 2) {
		usage(help ? stdout : stderr);
		return help ? 0 : DG_EXIT_USAGE;
	}

	/* Dispatch; `drvguard CMD -h` is `drvguard help CMD`. */
	cmd = find_cmd(argv[1]);
	if (!cmd) {
		elog("unknown or ambiguous command '%s'; see 'drvguard help'", argv[1]);
		return DG_EXIT_USAGE;
	}
	if (help) {
		char *help_argv[] = { "help", argv[1], NULL };

		return -cmd_help(2, help_argv);
	}
	err = cmd->fn(argc - 1, argv + 1);
	return err < 0 ? -err : err;
}
