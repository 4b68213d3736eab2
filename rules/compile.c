// SPDX-License-Identifier: GPL-2.0
/*
 * The compiler driver behind `drvguard check` and `drvguard compile`: runs
 * the passes in order, stops after the first pass that reported an error,
 * and for compile hands the generated C to clang, which builds a CO-RE
 * BPF object against the runtime headers and the vmlinux.h shipped with
 * drvguard.  The pack's metadata travels inside that object, as the
 * read-only variable dg_pack_meta, so one file is the whole pack.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rulec.h"

/* Parse, check and lower @path; 0 when there were no errors. */
static int front_end(const char *path, struct rc_program *prog, struct rc_lowered *low,
		     struct rc_diags *d)
{
	rc_parse_file(prog, path, d);
	if (d->errors)
		return -EINVAL;
	rc_check(prog, d);
	if (d->errors)
		return -EINVAL;
	rc_lower(prog, low, d);
	return d->errors ? -EINVAL : 0;
}

/* The count ends a list of diagnostics: a file that could not be read has just its line. */
static void summary(struct rc_diags *d, const struct rc_program *prog, FILE *out)
{
	if (prog->files && (d->errors || d->warnings))
		fprintf(out, "%d error%s, %d warning%s\n", d->errors, d->errors == 1 ? "" : "s",
			d->warnings, d->warnings == 1 ? "" : "s");
}

int rc_check_file(const char *path, FILE *diag_out)
{
	struct rc_diags d = { .out = diag_out };
	struct rc_program prog = { 0 };
	struct rc_lowered *low = calloc(1, sizeof(*low));
	int err;

	if (!low)
		return -ENOMEM;
	err = front_end(path, &prog, low, &d);
	summary(&d, &prog, diag_out);
	rc_program_free(&prog);
	free(low);
	return err;
}

/* Write @meta as the initializer of a C char array. */
static void c_string(FILE *out, const char *meta)
{
	fputc('"', out);
	for (const char *p = meta; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p == '\n')
			fprintf(out, "\\n\"\n\t\"");
		else if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			fprintf(out, "\\%03o", (unsigned char)*p);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}

static int write_source(const char *c_path, const struct rc_program *prog,
			const struct rc_lowered *low)
{
	FILE *out = fopen(c_path, "w");
	char *meta = NULL;
	size_t meta_len = 0;
	FILE *m;
	int err = 0;

	if (!out)
		return -errno;
	m = open_memstream(&meta, &meta_len);
	if (!m || rc_emit_meta(prog, low, m)) {
		err = -ENOMEM;
	} else {
		fclose(m);
		m = NULL;
		err = rc_emit_c(prog, low, out);
		fprintf(out, "/* The pack's metadata: see RULES.md, \"Pack objects\". */\n");
		fprintf(out, "const volatile char dg_pack_meta[] = ");
		c_string(out, meta);
		fprintf(out, ";\n");
	}
	if (m)
		fclose(m);
	if (meta_len >= DG_META_SIZE_MAX)
		err = -E2BIG;
	free(meta);
	if (fclose(out) && !err)
		err = -EIO;
	return err;
}

static int run_clang(const char *clang, const char *include_dirs, const char *c_path,
		     const char *o_path, bool verbose)
{
	char *argv[32] = {
		(char *)clang, "-g", "-O2", "-target", "bpf", "-mcpu=v3", "-D__TARGET_ARCH_x86",
		"-Wall", "-Wno-unused-variable", "-Wno-unused-function", "-c", (char *)c_path,
		"-o", (char *)o_path,
	};
	char *dirs = strdup(include_dirs), *dir, *save = NULL;
	int argc = 14, status;
	pid_t pid;

	if (!dirs)
		return -ENOMEM;
	/* include_dirs is a ':'-separated list, like a PATH */
	for (dir = strtok_r(dirs, ":", &save); dir && argc < 30; dir = strtok_r(NULL, ":", &save))
		argv[argc++] = dir[0] ? dir : ".";
	for (int i = 14; i < argc; i++)
		if (asprintf(&argv[i], "-I%s", argv[i]) < 0)
			argv[i] = NULL;
	argv[argc] = NULL;
	if (verbose)
		for (char **a = argv; *a; a++)
			fprintf(stderr, "%s%s", *a, a[1] ? " " : "\n");
	pid = fork();
	if (pid == 0) {
		execvp(clang, argv);
		fprintf(stderr, "drvguard: cannot run %s: %s\n", clang, strerror(errno));
		_exit(127);
	}
	for (int i = 14; i < argc; i++)
		free(argv[i]);
	free(dirs);
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return -errno;
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return WIFEXITED(status) && WEXITSTATUS(status) == 127 ? -ENOENT : -EINVAL;
	return 0;
}

int rc_compile_file(const char *path, const char *out_path, const struct rc_compile_opts *opts,
		    FILE *diag_out)
{
	struct rc_diags d = { .out = diag_out };
	struct rc_program prog = { 0 };
	struct rc_lowered *low = calloc(1, sizeof(*low));
	char dir[] = "/tmp/drvguard-compile-XXXXXX", c_path[PATH_MAX], o_path[PATH_MAX];
	int err;

	if (!low)
		return -ENOMEM;
	err = front_end(path, &prog, low, &d);
	summary(&d, &prog, diag_out);
	if (err)
		goto cleanup;
	if (!mkdtemp(dir)) {
		err = -errno;
		goto cleanup;
	}
	snprintf(c_path, sizeof(c_path), "%s/%s.bpf.c", dir, prog.pack_name);
	snprintf(o_path, sizeof(o_path), "%s.tmp", out_path);
	err = write_source(c_path, &prog, low);
	if (err == -E2BIG)
		rc_error_plain(&d, "rule set too large for BPF limits: the pack's metadata exceeds "
			       "%d bytes", DG_META_SIZE_MAX);
	/* a copy of the generated C for whoever debugs the compiler (DRVGUARD_KEEP_C) */
	if (!err && opts->keep_c)
		err = write_source(opts->keep_c, &prog, low);
	if (!err)
		err = run_clang(opts->clang, opts->include_dirs, c_path, o_path, opts->verbose);
	if (!err && rename(o_path, out_path))
		err = -errno;
	unlink(o_path);
	unlink(c_path);
	rmdir(dir);
cleanup:
	rc_program_free(&prog);
	free(low);
	return err;
}
