// SPDX-License-Identifier: GPL-2.0
/*
 * The lexer: identifiers, decimal and hex integers, double-quoted strings
 * with C escapes, punctuators, and `#` or `//` comments to the end of the
 * line.  A bad character is reported and skipped so that the parser still
 * sees the rest of the file.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rulec.h"

/* Longest first, so that "->" is not read as "-" ">". */
static const char *const punctuators[] = {
	"->", "=>", "==", "!=", "<=", ">=", "&&", "||", "...",
	"{", "}", "(", ")", "[", "]", ",", ";", ":", ".", "@", "*", "!", "~", "&", "|",
	"<", ">", "=", "+", "-",
};

struct lexer {
	struct rc_file *f;
	struct rc_diags *d;
	const char *p;
	int line, col;
	bool broken;		/* the next token follows a reported lexical error */
	struct rc_token head, *tail;
};

static struct rc_loc here(struct lexer *lx, int len)
{
	return (struct rc_loc){ .file = lx->f, .line = lx->line, .col = lx->col, .len = len };
}

static void advance(struct lexer *lx, int n)
{
	for (int i = 0; i < n && *lx->p; i++, lx->p++) {
		if (*lx->p == '\n') {
			lx->line++;
			lx->col = 1;
		} else {
			lx->col++;
		}
	}
}

static struct rc_token *push(struct lexer *lx, enum rc_tok_kind kind, struct rc_loc loc,
			     char *text)
{
	struct rc_token *t = calloc(1, sizeof(*t));

	if (!t) {
		free(text);
		return NULL;
	}
	t->kind = kind;
	t->loc = loc;
	t->text = text;
	t->after_error = lx->broken;
	lx->broken = false;
	lx->tail->next = t;
	lx->tail = t;
	return t;
}

static void lex_number(struct lexer *lx)
{
	struct rc_loc loc = here(lx, 1);
	const char *start = lx->p;
	char *end, *stop;
	unsigned long long v;
	struct rc_token *t;

	errno = 0;
	v = strtoull(start, &stop, 0);
	end = stop;
	while (isalnum((unsigned char)*end) || *end == '_')
		end++;	/* swallow a bad suffix so that it is reported once */
	loc.len = end - start;
	if (end != stop)
		rc_error(lx->d, loc, NULL, "malformed number '%.*s'", loc.len, start);
	else if (errno == ERANGE)
		rc_error(lx->d, loc, NULL, "number '%.*s' does not fit in 64 bits", loc.len, start);
	advance(lx, end - start);
	t = push(lx, TK_INT, loc, strndup(start, loc.len));
	if (t)
		t->value = v;
}

static void lex_string(struct lexer *lx)
{
	struct rc_loc loc = here(lx, 1);
	size_t cap = 64, n = 0;
	char *buf = malloc(cap);
	bool closed;

	if (!buf)
		return;
	advance(lx, 1);
	while (*lx->p && *lx->p != '"' && *lx->p != '\n') {
		char c = *lx->p;

		if (c == '\\' && lx->p[1] && lx->p[1] != '\n') {
			switch (lx->p[1]) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case '\\': c = '\\'; break;
			case '"': c = '"'; break;
			default:
				rc_error(lx->d, here(lx, 2), NULL, "unknown escape '\\%c'", lx->p[1]);
				c = lx->p[1];
			}
			advance(lx, 1);
		}
		if (n + 2 > cap) {
			char *bigger = realloc(buf, cap *= 2);

			if (!bigger) {
				free(buf);
				return;
			}
			buf = bigger;
		}
		buf[n++] = c;
		advance(lx, 1);
	}
	buf[n] = '\0';
	closed = *lx->p == '"';
	if (!closed)
		rc_error(lx->d, loc, "close the string with '\"' on the same line",
			 "unterminated string");
	else
		advance(lx, 1);
	loc.len = n + 2;
	push(lx, TK_STRING, loc, buf);
	/* what the string swallowed, such as its ';', is missing from what follows */
	lx->broken = !closed;
}

static bool lex_punct(struct lexer *lx)
{
	for (size_t i = 0; i < sizeof(punctuators) / sizeof(punctuators[0]); i++) {
		size_t len = strlen(punctuators[i]);

		if (!strncmp(lx->p, punctuators[i], len)) {
			push(lx, TK_PUNCT, here(lx, len), strdup(punctuators[i]));
			advance(lx, len);
			return true;
		}
	}
	return false;
}

struct rc_token *rc_tokenize_at(const char *text, struct rc_loc at, struct rc_diags *d)
{
	struct lexer lx = { .f = at.file, .d = d, .p = text, .line = at.line, .col = at.col };

	lx.tail = &lx.head;
	while (*lx.p) {
		const char *start = lx.p;

		if (isspace((unsigned char)*lx.p)) {
			advance(&lx, 1);
		} else if (*lx.p == '#' || (lx.p[0] == '/' && lx.p[1] == '/')) {
			while (*lx.p && *lx.p != '\n')
				advance(&lx, 1);
		} else if (isalpha((unsigned char)*lx.p) || *lx.p == '_') {
			struct rc_loc loc = here(&lx, 1);

			while (isalnum((unsigned char)*lx.p) || *lx.p == '_')
				advance(&lx, 1);
			loc.len = lx.p - start;
			push(&lx, TK_IDENT, loc, strndup(start, loc.len));
		} else if (isdigit((unsigned char)*lx.p)) {
			lex_number(&lx);
		} else if (*lx.p == '"') {
			lex_string(&lx);
		} else if (!lex_punct(&lx)) {
			if (isprint((unsigned char)*lx.p))
				rc_error(d, here(&lx, 1), NULL, "unexpected character '%c'", *lx.p);
			else
				rc_error(d, here(&lx, 1), NULL, "unexpected byte 0x%02x",
					 (unsigned char)*lx.p);
			advance(&lx, 1);
			lx.broken = true;
		}
	}
	push(&lx, TK_EOF, here(&lx, 1), NULL);
	return lx.head.next;
}

struct rc_token *rc_tokenize(struct rc_file *f, struct rc_diags *d)
{
	return rc_tokenize_at(f->text, (struct rc_loc){ .file = f, .line = 1, .col = 1 }, d);
}

void rc_tokens_free(struct rc_token *t)
{
	while (t) {
		struct rc_token *next = t->next;

		free(t->text);
		free(t);
		t = next;
	}
}
