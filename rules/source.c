// SPDX-License-Identifier: GPL-2.0
/*
 * Source files and diagnostics.  A diagnostic names file:line:col, repeats
 * the source line with a caret under the offending text, and may add a hint;
 * an error inside an included file also says where it was included from.
 * Diagnostics are printed as they are found and counted, never fatal: the
 * driver decides after each pass whether to go on.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "rulec.h"

#define RC_MAX_FILE_SIZE	(1 << 20)

struct rc_file *rc_file_from_text(const char *path, const char *text, size_t len)
{
	struct rc_file *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->path = strdup(path);
	f->text = malloc(len + 1);
	if (!f->path || !f->text) {
		rc_file_free(f);
		errno = ENOMEM;
		return NULL;
	}
	memcpy(f->text, text, len);
	f->text[len] = '\0';
	f->len = len;
	return f;
}

struct rc_file *rc_file_read(const char *path)
{
	FILE *in = fopen(path, "r");
	struct rc_file *f = NULL;
	char *buf;
	size_t len;

	if (!in)
		return NULL;
	buf = malloc(RC_MAX_FILE_SIZE + 1);
	if (!buf) {
		fclose(in);
		errno = ENOMEM;
		return NULL;
	}
	errno = 0;
	len = fread(buf, 1, RC_MAX_FILE_SIZE + 1, in);
	if (ferror(in))
		errno = errno ? errno : EIO;	/* EISDIR for a directory */
	else if (len > RC_MAX_FILE_SIZE)
		errno = EFBIG;
	else
		f = rc_file_from_text(path, buf, len);
	free(buf);
	fclose(in);
	return f;
}

void rc_file_free(struct rc_file *f)
{
	if (!f)
		return;
	free(f->path);
	free(f->text);
	free(f);
}

/* Print line @line of @f, then a caret line under columns [col, col + len). */
static void show_line(FILE *out, const struct rc_file *f, int line, int col, int len)
{
	const char *p = f->text, *end;
	int n;

	for (n = 1; n < line && p; n++) {
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	if (!p)
		return;
	end = strchr(p, '\n');
	n = end ? end - p : (int)strlen(p);
	fprintf(out, " %5d | %.*s\n       | ", line, n, p);
	for (int i = 1; i < col && i <= n; i++)
		fputc(p[i - 1] == '\t' ? '\t' : ' ', out);
	fputc('^', out);
	for (int i = 1; i < len && col + i <= n; i++)
		fputc('~', out);
	fputc('\n', out);
}

static void report(struct rc_diags *d, const char *kind, struct rc_loc loc, const char *hint,
		   const char *fmt, va_list ap)
{
	FILE *out = d->out ? d->out : stderr;

	if (loc.file) {
		for (struct rc_file *f = loc.file->included_from, *c = loc.file; f;
		     c = f, f = f->included_from)
			fprintf(out, "In file included from %s:%d:\n", f->path, c->include_line);
		fprintf(out, "%s:%d:%d: ", loc.file->path, loc.line, loc.col);
	}
	fprintf(out, "%s: ", kind);
	vfprintf(out, fmt, ap);
	fputc('\n', out);
	if (loc.file)
		show_line(out, loc.file, loc.line, loc.col, loc.len);
	if (hint)
		fprintf(out, "       = hint: %s\n", hint);
}

void rc_error(struct rc_diags *d, struct rc_loc loc, const char *hint, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(d, "error", loc, hint, fmt, ap);
	va_end(ap);
	d->errors++;
}

void rc_warning(struct rc_diags *d, struct rc_loc loc, const char *hint, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(d, "warning", loc, hint, fmt, ap);
	va_end(ap);
	d->warnings++;
}

void rc_error_plain(struct rc_diags *d, const char *fmt, ...)
{
	struct rc_loc none = { 0 };
	va_list ap;

	va_start(ap, fmt);
	report(d, "error", none, NULL, fmt, ap);
	va_end(ap);
	d->errors++;
}

static int edit_distance(const char *a, const char *b)
{
	int la = strlen(a), lb = strlen(b), prev[64], cur[64];

	if (la >= 63 || lb >= 63)
		return 99;
	for (int j = 0; j <= lb; j++)
		prev[j] = j;
	for (int i = 1; i <= la; i++) {
		cur[0] = i;
		for (int j = 1; j <= lb; j++) {
			int sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			int del = prev[j] + 1, ins = cur[j - 1] + 1;

			cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
		memcpy(prev, cur, sizeof(int) * (lb + 1));
	}
	return prev[lb];
}

const char *rc_closest(const char *word, const char *const *names, int n)
{
	const char *best = NULL;
	int best_d = 3;	/* farther than this is no suggestion */

	for (int i = 0; i < n; i++) {
		int dist;

		if (!names[i])
			continue;
		dist = edit_distance(word, names[i]);
		if (dist < best_d && dist < (int)strlen(word)) {
			best = names[i];
			best_d = dist;
		}
	}
	return best;
}
