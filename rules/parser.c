// SPDX-License-Identifier: GPL-2.0
/*
 * The parser: one function per production of the grammar in RULES.md, each
 * with its EBNF as the comment.  On a syntax error it reports what it
 * expected and skips to the end of the declaration (the next `;` or closing
 * `}` at the same depth), so one file yields all its errors in one run.
 * Includes are parsed here too, relative to the including file, with cycles
 * and runaway depth refused.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "rulec.h"

/* Bounds on one expression, so that no pass recurses out of stack on a hostile file. */
#define RC_MAX_NESTING		64
#define RC_MAX_OPERANDS		256

struct parser {
	struct rc_program *prog;
	struct rc_diags *d;
	struct rc_file *file;
	struct rc_token *tok;
	int depth;		/* include depth */
	bool failed;		/* current declaration had a syntax error */
	int braces;		/* '{' of API or state sets open in the current item */
	int nesting;		/* operands being parsed, one inside the other */
	int operands;		/* operands of the current expression so far */
};

static bool at_punct(struct parser *p, const char *s)
{
	return p->tok->kind == TK_PUNCT && !strcmp(p->tok->text, s);
}

static bool at_word(struct parser *p, const char *s)
{
	return p->tok->kind == TK_IDENT && !strcmp(p->tok->text, s);
}

static void next(struct parser *p)
{
	if (p->tok->kind != TK_EOF)
		p->tok = p->tok->next;
}

static const char *describe(struct rc_token *t)
{
	switch (t->kind) {
	case TK_EOF:
		return "end of file";
	case TK_IDENT:
		return "an identifier";
	case TK_INT:
		return "a number";
	case TK_STRING:
		return "a string";
	default:
		return t->text;
	}
}

/* Report a syntax error once per declaration. */
static void syntax(struct parser *p, const char *expected, const char *hint)
{
	if (p->failed)
		return;
	p->failed = true;
	if (p->tok->after_error)
		return;	/* most likely the lexical error just reported */
	if (p->tok->kind == TK_PUNCT)
		rc_error(p->d, p->tok->loc, hint, "expected %s, found '%s'", expected, p->tok->text);
	else if (p->tok->kind == TK_IDENT)
		rc_error(p->d, p->tok->loc, hint, "expected %s, found '%s'", expected, p->tok->text);
	else
		rc_error(p->d, p->tok->loc, hint, "expected %s, found %s", expected, describe(p->tok));
}

static bool expect(struct parser *p, const char *punct)
{
	char what[16];

	if (at_punct(p, punct)) {
		next(p);
		return true;
	}
	snprintf(what, sizeof(what), "'%s'", punct);
	syntax(p, what, NULL);
	return false;
}

/* The '}' closing a declaration; at the end of the file, say which one is open. */
static void close_block(struct parser *p, const char *what, const char *name, struct rc_loc open)
{
	char hint[160];

	if (at_punct(p, "}")) {
		next(p);
		/* an error in the last item is behind us: do not skip the next declaration */
		p->failed = false;
		return;
	}
	snprintf(hint, sizeof(hint), "the %s '%s' opened on line %d is not closed", what, name,
		 open.line);
	syntax(p, "'}'", hint);
}

/* An identifier: its text (owned by the caller) and location. */
static char *ident(struct parser *p, const char *what, struct rc_loc *loc)
{
	char *s;

	if (p->tok->kind != TK_IDENT) {
		syntax(p, what, NULL);
		return NULL;
	}
	s = strdup(p->tok->text);
	if (loc)
		*loc = p->tok->loc;
	next(p);
	return s;
}

static char *string(struct parser *p, const char *what, struct rc_loc *loc)
{
	char *s;

	if (p->tok->kind != TK_STRING) {
		syntax(p, what, NULL);
		return NULL;
	}
	s = strdup(p->tok->text);
	if (loc)
		*loc = p->tok->loc;
	next(p);
	return s;
}

/*
 * Skip to just after the current item of a block (@item) or declaration: its
 * ';', or the '}' that ends a declaration's block.  A set's braces, open or
 * met on the way, are inside the item and end nothing.
 */
static void sync(struct parser *p, bool item)
{
	int depth = p->braces;
	bool block = false;	/* a '{' opened while skipping, at depth 0 */

	p->braces = 0;
	while (p->tok->kind != TK_EOF) {
		if (at_punct(p, "{")) {
			block |= !depth++;
		} else if (at_punct(p, "}")) {
			if (depth-- <= 0)
				return;	/* the enclosing block's end: let its owner consume it */
			if (!depth && block && !item) {
				next(p);
				return;
			}
		} else if (at_punct(p, ";") && depth == 0) {
			next(p);
			return;
		}
		next(p);
	}
}

/* ident_list = IDENT { "," IDENT } ; */
static int ident_list(struct parser *p, char **names, struct rc_loc *locs, int max,
		      const char *what)
{
	int n = 0, dropped = 0;

	do {
		char *s = ident(p, what, &locs[n < max ? n : max - 1]);

		if (!s)
			return n;
		if (n < max) {
			names[n++] = s;
		} else {
			/* once per list, at the first name too many */
			if (!dropped++)
				rc_error(p->d, locs[max - 1], NULL, "more than %d names in one list",
					 max);
			free(s);
		}
	} while (at_punct(p, ",") && (next(p), true));
	return n;
}

/* ---- expressions ---- */

static struct rc_expr *expr(struct parser *p);

static struct rc_expr *new_expr(enum rc_expr_kind kind, struct rc_loc loc)
{
	struct rc_expr *e = calloc(1, sizeof(*e));

	if (e) {
		e->kind = kind;
		e->loc = loc;
	}
	return e;
}

static void expr_free(struct rc_expr *e)
{
	if (!e)
		return;
	expr_free(e->lhs);
	expr_free(e->rhs);
	for (int i = 0; i < e->nr_args; i++)
		expr_free(e->args[i]);
	free(e->name);
	free(e);
}

/* Span a location from @a to the end of @b, on one line. */
static struct rc_loc span(struct rc_loc a, struct rc_loc b)
{
	if (a.file == b.file && a.line == b.line && b.col + b.len > a.col)
		a.len = b.col + b.len - a.col;
	return a;
}

/* primary = INT | IDENT [ "(" [ expr { "," expr } ] ")" | "[" expr "]" ] | "(" expr ")" ; */
static struct rc_expr *primary(struct parser *p)
{
	struct rc_expr *e;

	if (p->tok->kind == TK_INT) {
		e = new_expr(EX_INT, p->tok->loc);
		if (e)
			e->value = p->tok->value;
		next(p);
		return e;
	}
	if (at_punct(p, "(")) {
		next(p);
		e = expr(p);
		if (!expect(p, ")")) {
			expr_free(e);
			return NULL;
		}
		return e;
	}
	if (p->tok->kind != TK_IDENT) {
		syntax(p, "an expression", NULL);
		return NULL;
	}
	e = new_expr(EX_NAME, p->tok->loc);
	if (!e)
		return NULL;
	e->name = strdup(p->tok->text);
	next(p);
	if (at_punct(p, "(")) {
		e->kind = EX_CALL;
		next(p);
		while (!at_punct(p, ")") && !p->failed) {
			struct rc_expr *arg = expr(p);

			if (e->nr_args < 4)
				e->args[e->nr_args++] = arg;
			else
				expr_free(arg);
			if (!at_punct(p, ","))
				break;
			next(p);
		}
		e->loc = span(e->loc, p->tok->loc);
		if (!expect(p, ")")) {
			expr_free(e);
			return NULL;
		}
	} else if (at_punct(p, "[")) {
		struct rc_expr *index = new_expr(EX_INDEX, e->loc);

		if (!index) {
			expr_free(e);
			return NULL;
		}
		index->lhs = e;
		next(p);
		index->rhs = expr(p);
		index->loc = span(index->loc, p->tok->loc);
		if (!expect(p, "]")) {
			expr_free(index);
			return NULL;
		}
		e = index;
	}
	return e;
}

/* Count one more operand, refusing the expression when it grows past the bounds. */
static bool operand(struct parser *p)
{
	bool deep = p->nesting >= RC_MAX_NESTING;

	if (!deep && p->operands < RC_MAX_OPERANDS) {
		p->operands++;
		return true;
	}
	if (!p->failed && deep)
		rc_error(p->d, p->tok->loc, "split it into simpler rules",
			 "expression too complex: nested more than %d levels deep", RC_MAX_NESTING);
	else if (!p->failed)
		rc_error(p->d, p->tok->loc, "split it into simpler rules",
			 "expression too complex: more than %d operands", RC_MAX_OPERANDS);
	p->failed = true;
	return false;
}

/* postfix = primary { "." IDENT } ; */
static struct rc_expr *postfix(struct parser *p)
{
	struct rc_expr *e = primary(p);

	while (e && at_punct(p, ".")) {
		struct rc_expr *f = operand(p) ? new_expr(EX_FIELD, e->loc) : NULL;

		next(p);
		if (!f) {
			expr_free(e);
			return NULL;
		}
		f->lhs = e;
		f->loc = span(e->loc, p->tok->loc);
		f->name = ident(p, "a field name", NULL);
		if (!f->name) {
			expr_free(f);
			return NULL;
		}
		e = f;
	}
	return e;
}

static struct rc_expr *binary(struct rc_expr *lhs, struct rc_token *op, struct rc_expr *rhs)
{
	struct rc_expr *e;

	if (!lhs || !rhs) {
		expr_free(lhs);
		expr_free(rhs);
		return NULL;
	}
	e = new_expr(EX_BINARY, op->loc);
	if (!e) {
		expr_free(lhs);
		expr_free(rhs);
		return NULL;
	}
	e->name = strdup(op->text);
	e->lhs = lhs;
	e->rhs = rhs;
	return e;
}

/* unary = ( "!" | "~" | "*" ) unary | postfix ; */
static struct rc_expr *unary(struct parser *p)
{
	struct rc_expr *e;

	/* every operand and every nested expression comes through here */
	if (!operand(p))
		return NULL;
	p->nesting++;
	if (at_punct(p, "~") || at_punct(p, "!") || at_punct(p, "*")) {
		e = new_expr(EX_UNARY, p->tok->loc);
		if (e) {
			e->name = strdup(p->tok->text);
			next(p);
			e->lhs = unary(p);
			if (!e->lhs) {
				expr_free(e);
				e = NULL;
			}
		}
	} else {
		e = postfix(p);
	}
	p->nesting--;
	return e;
}

/* One left-associative level: next_level { op next_level }, for the operators in @ops. */
static struct rc_expr *left_assoc(struct parser *p, const char *const *ops,
				  struct rc_expr *(*next_level)(struct parser *))
{
	struct rc_expr *e = next_level(p);

	while (e) {
		struct rc_token *op = p->tok;
		const char *const *o;

		for (o = ops; *o && !at_punct(p, *o); o++)
			;
		if (!*o)
			break;
		next(p);
		e = binary(e, op, next_level(p));
	}
	return e;
}

/* add_expr = unary { ( "+" | "-" ) unary } ; */
static struct rc_expr *add_expr(struct parser *p)
{
	static const char *const ops[] = { "+", "-", NULL };

	return left_assoc(p, ops, unary);
}

/* bit_expr = add_expr { ( "&" | "|" ) add_expr } ; */
static struct rc_expr *bit_expr(struct parser *p)
{
	static const char *const ops[] = { "&", "|", NULL };

	return left_assoc(p, ops, add_expr);
}

/* cmp_expr = bit_expr [ ( "==" | "!=" | "<" | "<=" | ">" | ">=" ) bit_expr ] ; */
static struct rc_expr *cmp_expr(struct parser *p)
{
	static const char *const ops[] = { "==", "!=", "<", "<=", ">", ">=" };
	struct rc_expr *e = bit_expr(p);

	for (int i = 0; e && i < 6; i++) {
		if (at_punct(p, ops[i])) {
			struct rc_token *op = p->tok;

			next(p);
			return binary(e, op, bit_expr(p));
		}
	}
	return e;
}

/* and_expr = cmp_expr { "&&" cmp_expr } ;   ("!" binds tighter, see unary) */
static struct rc_expr *and_expr(struct parser *p)
{
	static const char *const ops[] = { "&&", NULL };

	return left_assoc(p, ops, cmp_expr);
}

/* expr = and_expr { "||" and_expr } ; */
static struct rc_expr *expr(struct parser *p)
{
	static const char *const ops[] = { "||", NULL };

	if (!p->nesting)
		p->operands = 0;	/* a new expression, not a nested one */
	return left_assoc(p, ops, and_expr);
}

/* ---- events ---- */

/* api_set = api_name | "{" api_name { "," api_name } "}" ;  api_name = [ "@" ] IDENT ; */
static bool api_set(struct parser *p, struct rc_event *ev)
{
	bool braced = at_punct(p, "{");

	if (braced) {
		next(p);
		p->braces++;
	}
	do {
		bool group = at_punct(p, "@");
		int n = ev->nr_names;

		if (group)
			next(p);
		if (n >= 32) {
			rc_error(p->d, p->tok->loc, NULL, "more than 32 APIs in one event");
			p->failed = true;	/* skip the rest of the item */
			return false;
		}
		ev->names[n] = ident(p, "an API name", &ev->name_locs[n]);
		if (!ev->names[n])
			return false;
		ev->group_ref[n] = group;
		ev->nr_names++;
	} while (braced && at_punct(p, ",") && (next(p), true));
	if (!braced)
		return true;
	if (!expect(p, "}"))
		return false;
	p->braces--;
	return true;
}

/*
 * params = param { "," param } [ "," "..." ] | "..." ;
 * param  = IDENT | "." IDENT ;     (".flags": the parameter named flags, wherever it is)
 */
static bool params(struct parser *p, struct rc_event *ev)
{
	ev->has_args = true;
	while (!at_punct(p, ")")) {
		bool named = at_punct(p, ".");

		if (at_punct(p, "...")) {
			ev->ellipsis = true;
			next(p);
			break;
		}
		if (ev->nr_params >= DG_MAX_PARAMS) {
			rc_error(p->d, p->tok->loc, NULL,
				 "wrong number of arguments: an API has at most %d", DG_MAX_PARAMS);
			p->failed = true;	/* skip the rest of the item */
			return false;
		}
		if (named)
			next(p);
		if (ev->nr_params && named != ev->by_name) {
			rc_error(p->d, p->tok->loc, "bind all parameters by position or all by name",
				 "positional and named parameters mixed, at '%s%s'", named ? "." : "",
				 p->tok->kind == TK_IDENT ? p->tok->text : "name");
			p->failed = true;	/* skip the rest of the item */
			return false;
		}
		ev->by_name = named;
		ev->params[ev->nr_params] = ident(p, "a parameter name",
						  &ev->param_locs[ev->nr_params]);
		if (!ev->params[ev->nr_params])
			return false;
		ev->nr_params++;
		if (!at_punct(p, ","))
			break;
		next(p);
	}
	return expect(p, ")");
}

/*
 * event = ( "call" | "return" ) api_set [ "(" [ params ] ")" ] [ "=>" IDENT ]
 *       | ( "enter" | "leave" ) api_set [ "(" [ params ] ")" ] [ "=>" IDENT ] ;
 *   (for enter and leave, api_set names entry classes)
 */
static bool event(struct parser *p, struct rc_event *ev)
{
	ev->loc = p->tok->loc;
	if (at_word(p, "call") || at_word(p, "return")) {
		ev->kind = at_word(p, "call") ? EV_CALL : EV_RETURN;
		next(p);
		if (!api_set(p, ev))
			return false;
		if (at_punct(p, "(")) {
			next(p);
			if (!params(p, ev))
				return false;
		}
	} else if (at_word(p, "enter") || at_word(p, "leave")) {
		ev->kind = at_word(p, "enter") ? EV_ENTER : EV_LEAVE;
		next(p);
		if (!api_set(p, ev))
			return false;
		if (at_punct(p, "(")) {
			next(p);
			if (!params(p, ev))
				return false;
		}
	} else {
		syntax(p, "an event: call, return, enter or leave", NULL);
		return false;
	}
	if (at_punct(p, "=>")) {
		next(p);
		ev->ret = ident(p, "a name for the return value", &ev->ret_loc);
		if (!ev->ret)
			return false;
	}
	return true;
}

static void event_free(struct rc_event *ev)
{
	for (int i = 0; i < ev->nr_names; i++)
		free(ev->names[i]);
	for (int i = 0; i < ev->nr_params; i++)
		free(ev->params[i]);
	free(ev->ret);
}

/* ---- declarations ---- */

/* state_set = "*" | IDENT | "{" ident_list "}" ; */
static bool state_set(struct parser *p, struct rc_transition *t)
{
	if (at_punct(p, "*")) {
		t->from[0] = strdup("*");
		t->from_locs[0] = p->tok->loc;
		t->nr_from = 1;
		next(p);
		return true;
	}
	if (!at_punct(p, "{")) {
		t->from[0] = ident(p, "a state, '*' or '{'", &t->from_locs[0]);
		t->nr_from = t->from[0] ? 1 : 0;
		return t->nr_from;
	}
	next(p);
	p->braces++;
	t->nr_from = ident_list(p, t->from, t->from_locs, RC_MAX_STATES, "a state name");
	if (!expect(p, "}"))
		return false;
	p->braces--;
	return true;
}

/*
 * with_list  = "with" expr { "," expr } ;
 *
 * More values than an entry stores are reported, and parsed all the same
 * so that the error is the only one.
 */
static void with_list(struct parser *p, struct rc_transition *t)
{
	do {
		struct rc_expr *e;
		struct rc_loc at;

		next(p);	/* "with" or "," */
		at = p->tok->loc;
		e = expr(p);
		if (!e)
			return;
		if (t->nr_with < RC_MAX_VALUES) {
			t->with[t->nr_with++] = e;
			continue;
		}
		rc_error(p->d, at, "store the others in another resource, keyed alike",
			 "too many values: a transition stores at most %d", RC_MAX_VALUES);
		expr_free(e);
	} while (at_punct(p, ","));
}

/*
 * transition = "on" event [ "when" expr ] ":" key state_set "->" IDENT
 *              [ with_list ] ";" ;
 * key        = IDENT | "(" expr ")" ;
 */
static void transition(struct parser *p, struct rc_resource *r)
{
	struct rc_transition *t = calloc(1, sizeof(*t)), **tail;

	if (!t)
		return;
	for (tail = &r->transitions; *tail; tail = &(*tail)->next)
		;
	*tail = t;
	next(p);	/* "on" */
	if (!event(p, &t->ev))
		return;
	if (at_word(p, "when")) {
		next(p);
		t->when = expr(p);
		if (!t->when)
			return;
	}
	if (!expect(p, ":"))
		return;
	t->key_loc = p->tok->loc;
	if (at_punct(p, "(")) {
		t->key = primary(p);	/* "(" expr ")" */
	} else if (p->tok->kind == TK_IDENT) {
		t->key = new_expr(EX_NAME, p->tok->loc);
		if (t->key)
			t->key->name = strdup(p->tok->text);
		next(p);
	} else {
		syntax(p, "the key: a bound name or a parenthesized expression", NULL);
	}
	if (!t->key || !state_set(p, t) || !expect(p, "->"))
		return;
	t->to = ident(p, "the new state", &t->to_loc);
	if (!t->to)
		return;
	if (at_word(p, "with"))
		with_list(p, t);
	expect(p, ";");
}

/*
 * resource_decl = "resource" IDENT "{" { res_item } "}" ;
 * res_item = "states" ident_list ";" | "held" ident_list ";" | transition ;
 */
static void resource_decl(struct parser *p)
{
	struct rc_resource *r = calloc(1, sizeof(*r)), **tail;

	if (!r)
		return;
	for (tail = &p->prog->resources; *tail; tail = &(*tail)->next)
		;
	*tail = r;
	next(p);
	r->name = ident(p, "a resource name", &r->loc);
	if (!r->name || !expect(p, "{"))
		return;
	while (!at_punct(p, "}") && p->tok->kind != TK_EOF) {
		p->failed = false;
		if (at_word(p, "states") || at_word(p, "held")) {
			bool held = at_word(p, "held");

			next(p);
			if (held)
				r->nr_held += ident_list(p, r->held + r->nr_held,
							 r->held_locs + r->nr_held,
							 RC_MAX_STATES - r->nr_held, "a state name");
			else
				r->nr_states += ident_list(p, r->states + r->nr_states,
							   r->state_locs + r->nr_states,
							   RC_MAX_STATES - r->nr_states, "a state name");
			if (!p->failed)
				expect(p, ";");
		} else if (at_word(p, "on")) {
			transition(p, r);
		} else {
			syntax(p, "'states', 'held', 'on' or '}'", NULL);
		}
		if (p->failed)
			sync(p, true);
	}
	close_block(p, "resource", r->name, r->loc);
}

/* each = "each" IDENT "in" IDENT [ "(" ident_list ")" ] ";" ; */
static void each_item(struct parser *p, struct rc_rule *r)
{
	struct rc_each *e = calloc(1, sizeof(*e));

	if (!e)
		return;
	if (r->each) {
		rc_error(p->d, p->tok->loc, NULL, "rule '%s' has more than one 'each'", r->name);
		free(r->each->var);
		free(r->each->res_name);
		for (int i = 0; i < r->each->nr_states; i++)
			free(r->each->states[i]);
		free(r->each);
	}
	r->each = e;
	next(p);
	e->var = ident(p, "a variable name", &e->loc);
	if (!e->var)
		return;
	if (!at_word(p, "in")) {
		syntax(p, "'in'", NULL);
		return;
	}
	next(p);
	e->res_name = ident(p, "a resource name", &e->res_loc);
	if (!e->res_name)
		return;
	if (at_punct(p, "(")) {
		next(p);
		e->nr_states = ident_list(p, e->states, e->state_locs, RC_MAX_STATES, "a state");
		if (!expect(p, ")"))
			return;
	}
	expect(p, ";");
}

static void rule_string(struct parser *p, char **dst, struct rc_loc *loc, const char *what)
{
	struct rc_loc at = p->tok->loc;

	next(p);
	if (*dst) {
		rc_error(p->d, at, NULL, "%s given twice", what);
		free(*dst);
	}
	*dst = string(p, "a string", loc);
	if (*dst)
		expect(p, ";");
}

static void rule_item(struct parser *p, struct rc_rule *r)
{
	struct rc_loc at = p->tok->loc;

	if (at_word(p, "on")) {
		next(p);
		if (r->has_event)
			rc_error(p->d, at, "write one rule per event", "rule '%s' has more than one event",
				 r->name);
		if (r->has_event)
			event_free(&r->ev), memset(&r->ev, 0, sizeof(r->ev));
		r->has_event = true;
		if (event(p, &r->ev))
			expect(p, ";");
	} else if (at_word(p, "each")) {
		each_item(p, r);
	} else if (at_word(p, "when")) {
		next(p);
		if (r->when) {
			rc_error(p->d, at, "join conditions with &&", "rule '%s' has two 'when' clauses",
				 r->name);
			expr_free(r->when);
		}
		r->when = expr(p);
		if (r->when)
			expect(p, ";");
	} else if (at_word(p, "severity")) {
		next(p);
		r->has_severity = true;
		if (at_word(p, "error") || at_word(p, "warning") || at_word(p, "info")) {
			r->severity = at_word(p, "error") ? SEV_ERROR :
				      at_word(p, "warning") ? SEV_WARNING : SEV_INFO;
			next(p);
			expect(p, ";");
		} else {
			syntax(p, "error, warning or info", NULL);
		}
	} else if (at_word(p, "message")) {
		rule_string(p, &r->message, &r->message_loc, "message");
	} else if (at_word(p, "note")) {
		if (r->nr_notes < 4) {
			next(p);
			r->notes[r->nr_notes] = string(p, "a string", &r->note_locs[r->nr_notes]);
			if (r->notes[r->nr_notes] && (r->nr_notes++, true))
				expect(p, ";");
		} else {
			rc_error(p->d, at, NULL, "rule '%s' has more than 4 notes", r->name);
			p->failed = true;	/* skip the note */
		}
	} else if (at_word(p, "recover")) {
		next(p);
		free(r->recover);
		r->recover = ident(p, "a recovery action", &r->recover_loc);
		if (r->recover)
			expect(p, ";");
	} else if (at_word(p, "fatal")) {
		next(p);
		r->fatal = true;
		expect(p, ";");
	} else {
		syntax(p, "a rule item: on, each, when, severity, message, note, recover or fatal",
		       NULL);
	}
}

/* rule_decl = "rule" IDENT "{" { rule_item } "}" ; */
static void rule_decl(struct parser *p)
{
	struct rc_rule *r = calloc(1, sizeof(*r)), **tail;

	if (!r)
		return;
	for (tail = &p->prog->rules; *tail; tail = &(*tail)->next)
		;
	*tail = r;
	next(p);
	r->name = ident(p, "a rule name", &r->loc);
	if (!r->name || !expect(p, "{"))
		return;
	while (!at_punct(p, "}") && p->tok->kind != TK_EOF) {
		p->failed = false;
		rule_item(p, r);
		if (p->failed)
			sync(p, true);
	}
	close_block(p, "rule", r->name, r->loc);
}

/* group_decl = "group" IDENT "=" api_set ";" ; */
static void group_decl(struct parser *p)
{
	struct rc_group *g = calloc(1, sizeof(*g)), **tail;

	if (!g)
		return;
	for (tail = &p->prog->groups; *tail; tail = &(*tail)->next)
		;
	*tail = g;
	next(p);
	g->name = ident(p, "a group name", &g->loc);
	if (g->name && expect(p, "=") && api_set(p, &g->ev))
		expect(p, ";");
}

/* pack_decl = "pack" IDENT STRING [ "fatal" ] ";" ; */
static void pack_decl(struct parser *p)
{
	struct rc_loc at = p->tok->loc;
	struct rc_loc loc;
	char *name, *desc;
	bool fatal = false;

	next(p);
	name = ident(p, "the pack name", &loc);
	if (!name)
		return;
	desc = string(p, "the pack description, a string", NULL);
	if (!desc) {
		free(name);
		return;
	}
	if (at_word(p, "fatal")) {
		next(p);
		fatal = true;
	}
	if (p->depth > 0) {
		/* an included file's pack line names the included pack: it does not rename ours */
		free(name);
		free(desc);
	} else if (p->prog->pack_name) {
		rc_error(p->d, at, NULL, "pack declared twice (first as '%s')", p->prog->pack_name);
		free(name);
		free(desc);
	} else {
		p->prog->pack_name = name;
		p->prog->pack_loc = loc;
		p->prog->description = desc;
		p->prog->fatal = fatal;
	}
	expect(p, ";");
}

static int parse_file_at(struct rc_program *prog, struct rc_file *f, int depth,
			 struct rc_diags *d);

/* include_decl = "include" STRING ";" ; */
static void include_decl(struct parser *p)
{
	struct rc_loc loc;
	char *name, *dir, path[PATH_MAX], *copy;
	struct rc_file *f;

	next(p);
	name = string(p, "the file to include, a string", &loc);
	if (!name || !expect(p, ";")) {
		free(name);
		return;
	}
	copy = strdup(p->file->path);
	dir = copy ? dirname(copy) : ".";
	snprintf(path, sizeof(path), "%s/%s", name[0] == '/' ? "" : dir, name);
	if (name[0] == '/')
		snprintf(path, sizeof(path), "%s", name);
	free(copy);
	/* a cycle: this path is already being parsed further up the chain */
	for (struct rc_file *up = p->file; up; up = up->included_from) {
		char a[PATH_MAX], b[PATH_MAX];

		if (realpath(up->path, a) && realpath(path, b) && !strcmp(a, b)) {
			rc_error(p->d, loc, up == p->file ? "a file cannot include itself" :
				 "it includes this file, as the lines above show; remove one of "
				 "the includes", "include cycle: '%s' is being read already", name);
			free(name);
			return;
		}
	}
	if (p->depth + 1 >= RC_MAX_INCLUDE_DEPTH) {
		rc_error(p->d, loc, NULL, "includes nested deeper than %d", RC_MAX_INCLUDE_DEPTH);
		free(name);
		return;
	}
	f = rc_file_read(path);
	if (!f) {
		rc_error(p->d, loc, NULL, "cannot read included file '%s': %s", path,
			 strerror(errno));
		free(name);
		return;
	}
	f->included_from = p->file;
	f->include_line = loc.line;
	parse_file_at(p->prog, f, p->depth + 1, p->d);
	free(name);
}

/* file = { decl } ;  decl = pack_decl | include_decl | group_decl | resource_decl | rule_decl ; */
static void parse_decls(struct parser *p)
{
	while (p->tok->kind != TK_EOF) {
		p->failed = false;
		if (at_word(p, "pack"))
			pack_decl(p);
		else if (at_word(p, "include"))
			include_decl(p);
		else if (at_word(p, "group"))
			group_decl(p);
		else if (at_word(p, "resource"))
			resource_decl(p);
		else if (at_word(p, "rule"))
			rule_decl(p);
		else
			syntax(p, "a declaration: pack, include, group, resource or rule", NULL);
		if (p->failed)
			sync(p, false);
		if (p->failed && at_punct(p, "}"))
			next(p);	/* a stray '}' at top level */
	}
}

static int parse_file_at(struct rc_program *prog, struct rc_file *f, int depth,
			 struct rc_diags *d)
{
	struct parser p = { .prog = prog, .d = d, .file = f, .depth = depth };
	struct rc_token *tokens;
	int errors = d->errors;

	f->next = prog->files;
	prog->files = f;
	tokens = rc_tokenize(f, d);
	if (!tokens)
		return -ENOMEM;
	p.tok = tokens;
	parse_decls(&p);
	rc_tokens_free(tokens);
	return d->errors > errors ? -EINVAL : 0;
}

int rc_parse_text(struct rc_program *prog, const char *path, const char *text, size_t len,
		  struct rc_diags *d)
{
	struct rc_file *f = rc_file_from_text(path, text, len);

	if (!f)
		return -ENOMEM;
	return parse_file_at(prog, f, 0, d);
}

int rc_parse_file(struct rc_program *prog, const char *path, struct rc_diags *d)
{
	struct rc_file *f = rc_file_read(path);

	if (!f) {
		rc_error_plain(d, "cannot read '%s': %s", path, strerror(errno));
		return -errno;
	}
	return parse_file_at(prog, f, 0, d);
}

void rc_program_free(struct rc_program *prog)
{
	while (prog->resources) {
		struct rc_resource *r = prog->resources;

		prog->resources = r->next;
		while (r->transitions) {
			struct rc_transition *t = r->transitions;

			r->transitions = t->next;
			event_free(&t->ev);
			expr_free(t->when);
			for (int i = 0; i < t->nr_with; i++)
				expr_free(t->with[i]);
			expr_free(t->key);
			for (int i = 0; i < t->nr_from; i++)
				free(t->from[i]);
			free(t->to);
			free(t);
		}
		for (int i = 0; i < r->nr_states; i++)
			free(r->states[i]);
		for (int i = 0; i < r->nr_held; i++)
			free(r->held[i]);
		free(r->name);
		free(r);
	}
	while (prog->groups) {
		struct rc_group *g = prog->groups;

		prog->groups = g->next;
		event_free(&g->ev);
		free(g->name);
		free(g);
	}
	while (prog->rules) {
		struct rc_rule *r = prog->rules;

		prog->rules = r->next;
		event_free(&r->ev);
		if (r->each) {
			free(r->each->var);
			free(r->each->res_name);
			for (int i = 0; i < r->each->nr_states; i++)
				free(r->each->states[i]);
			free(r->each);
		}
		expr_free(r->when);
		for (int i = 0; i < r->nr_fields; i++)
			expr_free(r->fields[i]);
		free(r->message);
		for (int i = 0; i < r->nr_notes; i++)
			free(r->notes[i]);
		free(r->recover);
		free(r->name);
		free(r);
	}
	while (prog->files) {
		struct rc_file *f = prog->files;

		prog->files = f->next;
		rc_file_free(f);
	}
	free(prog->pack_name);
	free(prog->description);
	memset(prog, 0, sizeof(*prog));
}

/* The checker needs to free field expressions it parses out of messages. */
void rc_expr_free(struct rc_expr *e)
{
	expr_free(e);
}

/* Parse one expression from @text (a message field), reporting at @loc, its "{...}". */
struct rc_expr *rc_parse_field(const char *text, struct rc_loc loc, struct rc_diags *d)
{
	struct rc_loc start = { .file = loc.file, .line = loc.line, .col = loc.col + 1 };
	struct parser p = { .d = d, .file = loc.file };
	struct rc_token *tokens;
	struct rc_expr *e;

	/* lexical errors point into the field, where it is in its file */
	tokens = rc_tokenize_at(text, start, d);
	if (!tokens)
		return NULL;
	/* syntax errors underline the whole field */
	for (struct rc_token *t = tokens; t; t = t->next)
		t->loc = loc;
	p.tok = tokens;
	e = expr(&p);
	if (e && p.tok->kind != TK_EOF) {
		syntax(&p, "the end of the field '}'", NULL);
		expr_free(e);
		e = NULL;
	}
	/* names in the tree point into the tokens' copies, which are ours to free */
	rc_tokens_free(tokens);
	return e;
}
