// SPDX-License-Identifier: GPL-2.0
/*
 * The checker: resolves every name against the probe catalog and the
 * pack's own declarations, gives every expression a type, and refuses what
 * the BPF side cannot hold.  It reports every problem it finds and leaves
 * the tree annotated for lowering: resolved APIs per event, state masks,
 * binding positions, and the parsed {fields} of each message.
 */
#include <stdlib.h>
#include <string.h>

#include "rulec.h"

struct scope {
	struct rc_program *prog;
	struct rc_diags *d;
	struct rc_event *ev;
	struct rc_each *each;
	enum rc_type param_types[DG_MAX_PARAMS];
	enum rc_type ret_type;
};

/* With their article, as the diagnostics use them: "got an int". */
static const char *const type_names[] = {
	[TY_ERROR] = "an error", [TY_INT] = "an int", [TY_FLAGS] = "flags",
	[TY_PTR] = "a pointer", [TY_BOOL] = "a bool", [TY_STATE] = "a state",
	[TY_CONTEXT] = "a context", [TY_API] = "an api", [TY_SITE] = "a site",
	[TY_ENTRY] = "an entry",
};

static const char *const context_names[] = { "process", "softirq", "hardirq", "nmi" };

static enum rc_type from_catalog(enum dg_value_type t)
{
	switch (t) {
	case DG_T_INT:
		return TY_INT;
	case DG_T_PTR:
		return TY_PTR;
	case DG_T_FLAGS:
		return TY_FLAGS;
	default:
		return TY_ERROR;
	}
}

static struct rc_resource *find_resource(struct rc_program *prog, const char *name)
{
	for (struct rc_resource *r = prog->resources; r; r = r->next)
		if (r->name && !strcmp(r->name, name))
			return r;
	return NULL;
}

static struct rc_group *find_group(struct rc_program *prog, const char *name)
{
	for (struct rc_group *g = prog->groups; g; g = g->next)
		if (g->name && !strcmp(g->name, name))
			return g;
	return NULL;
}

static int find_state(const struct rc_resource *r, const char *name)
{
	for (int i = 0; i < r->nr_states; i++)
		if (!strcmp(r->states[i], name))
			return i;
	return -1;
}

static void unknown_state(struct rc_diags *d, struct rc_loc loc, const struct rc_resource *r,
			  const char *name)
{
	const char *near = rc_closest(name, (const char *const *)r->states, r->nr_states);
	char hint[160];

	snprintf(hint, sizeof(hint), near ? "did you mean '%s'?" : "'%s' declares its states with 'states'",
		 near ? near : r->name);
	rc_error(d, loc, hint, "unknown state '%s' of resource '%s'", name, r->name);
}

static void unknown_api(struct rc_diags *d, struct rc_loc loc, const char *name)
{
	const char *names[DG_MAX_APIS];
	const char *near;
	char hint[160];

	for (size_t i = 0; i < dg_nr_apis; i++)
		names[i] = dg_apis[i].name;
	near = rc_closest(name, names, dg_nr_apis);
	if (near)
		snprintf(hint, sizeof(hint), "did you mean '%s'?", near);
	else
		snprintf(hint, sizeof(hint), "the probe catalog (probes/catalog.c) lists the APIs");
	rc_error(d, loc, hint, "unknown API '%s'", name);
}

/* Add catalog API @id to @ev once. */
static void add_api(struct rc_event *ev, int id)
{
	for (int i = 0; i < ev->nr_apis; i++)
		if (ev->apis[i] == id)
			return;
	if (ev->nr_apis < DG_MAX_APIS)
		ev->apis[ev->nr_apis++] = id;
}

/* Resolve one API name (an API, a group or @blocking) into @ev->apis. */
static void resolve_api_name(struct scope *s, struct rc_event *ev, int i, int depth)
{
	const char *name = ev->names[i];
	struct rc_group *g;
	int id;

	if (!strcmp(name, "blocking") && ev->group_ref[i]) {
		for (size_t a = 0; a < dg_nr_apis; a++)
			if (dg_apis[a].may_sleep)
				add_api(ev, a);
		return;
	}
	id = ev->group_ref[i] ? -1 : dg_api_find(name);
	if (id >= 0) {
		add_api(ev, id);
		return;
	}
	g = find_group(s->prog, name);
	if (g && depth < 8) {
		for (int k = 0; k < g->ev.nr_names; k++) {
			int before = g->ev.nr_apis;

			g->ev.nr_apis = 0;
			resolve_api_name(s, &g->ev, k, depth + 1);
			for (int a = 0; a < g->ev.nr_apis; a++)
				add_api(ev, g->ev.apis[a]);
			g->ev.nr_apis = before;
		}
		return;
	}
	if (ev->group_ref[i])
		rc_error(s->d, ev->name_locs[i], "declare it with 'group NAME = {...};' or use @blocking",
			 "unknown API group '@%s'", name);
	else
		unknown_api(s->d, ev->name_locs[i], name);
}

/*
 * Point at the first binding too many, or at the API when some are missing,
 * and show the catalog's parameters.
 */
static void wrong_arg_count(struct scope *s, struct rc_event *ev, const struct dg_api *api, int n)
{
	struct rc_loc at = ev->nr_params > n ? ev->param_locs[n] : ev->name_locs[0];
	char sig[160], hint[240];
	int len;

	len = snprintf(sig, sizeof(sig), "%s(", api->name);
	for (int i = 0; i < n && len < (int)sizeof(sig); i++)
		len += snprintf(sig + len, sizeof(sig) - len, "%s%s", i ? ", " : "", api->params[i]);
	if (len < (int)sizeof(sig))
		snprintf(sig + len, sizeof(sig) - len, ")");
	if (ev->nr_params > n && ev->param_locs[ev->nr_params - 1].line == at.line)
		at.len = ev->param_locs[ev->nr_params - 1].col +
			 ev->param_locs[ev->nr_params - 1].len - at.col;
	if (n == 0)
		snprintf(hint, sizeof(hint), "write %s() or leave out the parentheses", api->name);
	else if (ev->nr_params > n)
		snprintf(hint, sizeof(hint), "the catalog declares %s", sig);
	else
		snprintf(hint, sizeof(hint), "the catalog declares %s; bind the parameters you need "
			 "and end with '...'", sig);
	rc_error(s->d, at, hint, "wrong number of arguments: '%s' takes %d, the event binds %d",
		 api->name, n, ev->nr_params);
}

/* Position of parameter @name in @api, or -1. */
static int param_index(const struct dg_api *api, const char *name)
{
	for (int i = 0; i < dg_api_nr_params(api); i++)
		if (!strcmp(api->params[i], name))
			return i;
	return -1;
}

static void check_bindings(struct scope *s, struct rc_event *ev)
{
	for (int a = 0; a < ev->nr_apis; a++) {
		const struct dg_api *api = &dg_apis[ev->apis[a]];
		int n = dg_api_nr_params(api);

		if (!ev->by_name && ev->has_args &&
		    (ev->nr_params > n || (!ev->ellipsis && ev->nr_params != n))) {
			wrong_arg_count(s, ev, api, n);
			return;
		}
		for (int i = 0; i < ev->nr_params; i++) {
			int pos = ev->by_name ? param_index(api, ev->params[i]) : i;
			enum rc_type t;

			if (pos < 0) {
				rc_error(s->d, ev->param_locs[i], "bind it by position, or split the event",
					 "wrong number of arguments: '%s' has no parameter '%s'",
					 api->name, ev->params[i]);
				return;
			}
			if (pos >= n)
				continue;
			t = from_catalog(api->types[pos]);
			if (a == 0) {
				s->param_types[i] = t;
			} else if (s->param_types[i] != t) {
				rc_error(s->d, ev->param_locs[i], "split the event into one rule per API",
					 "type mismatch: '%s' is %s for '%s' but %s for '%s'",
					 ev->params[i], type_names[s->param_types[i]],
					 dg_apis[ev->apis[0]].name, type_names[t], api->name);
				return;
			}
		}
		if (ev->ret && ev->kind == EV_RETURN) {
			enum rc_type t = from_catalog(api->ret);

			if (t == TY_ERROR) {
				rc_error(s->d, ev->ret_loc, NULL, "'%s' returns nothing to bind to '%s'",
					 api->name, ev->ret);
				return;
			}
			if (a > 0 && s->ret_type != t) {
				rc_error(s->d, ev->ret_loc, "split the event into one rule per API",
					 "type mismatch: '%s' is %s for '%s' but %s for '%s'", ev->ret,
					 type_names[s->ret_type], dg_apis[ev->apis[0]].name,
					 type_names[t], api->name);
				s->ret_type = TY_ERROR;
				return;
			}
			s->ret_type = t;
		}
	}
}

/* Entry class @id in @ev (named at @loc): its parameters and return value. */
static void check_entry_class(struct scope *s, struct rc_event *ev, int id, struct rc_loc loc,
			      enum rc_type *ret)
{
	const struct dg_entry *e = &dg_entries[id];
	int n = dg_entry_nr_params(id);

	add_api(ev, id);
	if (ev->has_args && (ev->nr_params > n || (!ev->ellipsis && ev->nr_params != n))) {
		rc_error(s->d, loc, "see RULES.md for what each entry point hands over",
			 "wrong number of arguments: '%s' hands over %d, the event binds %d",
			 e->name, n, ev->nr_params);
		return;
	}
	for (int k = 0; k < ev->nr_params && k < n; k++)
		s->param_types[k] = from_catalog(e->types[k]);
	if (ev->kind == EV_ENTER && !e->has_enter)
		rc_error(s->d, loc, "use 'leave' instead", "the entry of '%s' cannot be observed",
			 e->name);
	if (ev->ret && ev->kind == EV_ENTER) {
		if (ev->nr_apis == 1)	/* once for the event, not per entry point */
			rc_error(s->d, ev->ret_loc, "use 'leave' to see the return value",
				 "an enter event has no return value to bind to '%s'", ev->ret);
	} else if (ev->ret && e->ret == DG_T_VOID) {
		rc_error(s->d, ev->ret_loc, NULL, "'%s' returns nothing to bind to '%s'", e->name,
			 ev->ret);
	} else if (ev->ret) {
		enum rc_type t = from_catalog(e->ret);

		if (*ret != TY_ERROR && *ret != t)
			rc_error(s->d, ev->ret_loc, "split the event", "type mismatch: '%s' returns "
				 "%s, another entry point %s", e->name, type_names[t],
				 type_names[*ret]);
		*ret = t;
	}
}

/* Resolve the entry classes (or groups of them) of an enter/leave event into ev->apis. */
static void check_entry_event(struct scope *s, struct rc_event *ev)
{
	enum rc_type ret = TY_ERROR;

	ev->nr_apis = 0;
	if (ev->by_name)
		rc_error(s->d, ev->param_locs[0], "bind an entry point's parameters by position",
			 "entry points have no named parameters");
	for (int i = 0; i < ev->nr_names; i++) {
		int id = dg_entry_find(ev->names[i]);
		struct rc_group *g = id < 0 ? find_group(s->prog, ev->names[i]) : NULL;

		if (g && g->entries) {
			for (int k = 0; k < g->ev.nr_names; k++)
				check_entry_class(s, ev, dg_entry_find(g->ev.names[k]), ev->name_locs[i],
						  &ret);
		} else if (id >= 0) {
			check_entry_class(s, ev, id, ev->name_locs[i], &ret);
		} else {
			const char *names[DG_NR_ENTRY_CLASSES];
			const char *near;
			char hint[160];

			for (int k = 0; k < DG_NR_ENTRY_CLASSES; k++)
				names[k] = dg_entries[k].name;
			near = rc_closest(ev->names[i], names, DG_NR_ENTRY_CLASSES);
			snprintf(hint, sizeof(hint), near ? "did you mean '%s'?" :
				 "RULES.md lists the entry point classes", near);
			rc_error(s->d, ev->name_locs[i], hint, "unknown entry point '%s'",
				 ev->names[i]);
		}
	}
	s->ret_type = ret;
}

/* Resolve @ev's names and bindings; fills @s's binding types. */
static void check_event(struct scope *s, struct rc_event *ev)
{
	memset(s->param_types, 0, sizeof(s->param_types));
	s->ret_type = TY_ERROR;
	s->ev = ev;
	if (ev->kind == EV_ENTER || ev->kind == EV_LEAVE) {
		check_entry_event(s, ev);
		return;
	}
	ev->nr_apis = 0;
	for (int i = 0; i < ev->nr_names; i++)
		resolve_api_name(s, ev, i, 0);
	/* the name stays bound, with no type, so that its uses add no errors */
	if (ev->ret && ev->kind == EV_CALL)
		rc_error(s->d, ev->ret_loc, "use 'return' to see the return value",
			 "a call event has no return value to bind to '%s'", ev->ret);
	check_bindings(s, ev);
}

/* ---- expressions ---- */

static enum rc_type check_expr(struct scope *s, struct rc_expr *e);
static enum rc_type no_bare_name(struct scope *s, struct rc_expr *e, enum rc_type t);

static bool numeric(enum rc_type t)
{
	return t == TY_INT || t == TY_FLAGS || t == TY_PTR;
}

static enum rc_type mismatch(struct scope *s, struct rc_expr *e, const char *hint,
			     const char *fmt, const char *a, const char *b)
{
	rc_error(s->d, e->loc, hint, fmt, a, b);
	return e->type = TY_ERROR;
}

static void unknown_resource(struct scope *s, struct rc_loc loc, const char *name)
{
	const char *names[64], *near;
	char hint[160];
	int n = 0;

	for (struct rc_resource *r = s->prog->resources; r && n < 64; r = r->next)
		names[n++] = r->name;
	near = rc_closest(name, names, n);
	if (near)
		snprintf(hint, sizeof(hint), "did you mean '%s'?", near);
	else
		snprintf(hint, sizeof(hint), "declare it with 'resource %s { states ...; }', or "
			 "include the file that does", name);
	rc_error(s->d, loc, hint, "unknown resource '%s'", name);
}

/* A resource named by a builtin's argument. */
static struct rc_resource *resource_arg(struct scope *s, struct rc_expr *arg, bool need_held)
{
	struct rc_resource *r;

	if (!arg || arg->kind != EX_NAME) {
		rc_error(s->d, arg ? arg->loc : s->ev->loc, NULL, "expected a resource name");
		return NULL;
	}
	r = find_resource(s->prog, arg->name);
	if (!r) {
		unknown_resource(s, arg->loc, arg->name);
		return NULL;
	}
	if (need_held && !r->is_held) {
		rc_error(s->d, arg->loc, "declare the states that count as held with 'held'",
			 "resource '%s' has no held states", r->name);
		return NULL;
	}
	return r;
}

static enum rc_type check_call(struct scope *s, struct rc_expr *e)
{
	bool held = !strcmp(e->name, "held"), last = !strcmp(e->name, "last");

	if (!held && !last) {
		rc_error(s->d, e->loc, "the built-in functions are held() and last()",
			 "unknown function '%s'", e->name);
		return e->type = TY_ERROR;
	}
	if (e->nr_args < 1) {
		rc_error(s->d, e->loc, NULL, "wrong number of arguments: %s() takes one or more "
			 "resources", e->name);
		return e->type = TY_ERROR;
	}
	for (int i = 0; i < e->nr_args; i++) {
		struct rc_resource *r = resource_arg(s, e->args[i], true);

		if (!r)
			return e->type = TY_ERROR;
		e->args[i]->res = r;
		e->args[i]->type = TY_INT;
	}
	e->sym = held ? SYM_HELD : SYM_LAST;
	e->res = e->args[0]->res;
	return e->type = held ? TY_INT : TY_ENTRY;
}

static const struct { const char *name; int sym; enum rc_type type; } builtins[] = {
	{ "context", SYM_CTX_NOW, TY_CONTEXT }, { "atomic", SYM_ATOMIC, TY_BOOL },
	{ "by_driver", SYM_BY_DRIVER, TY_BOOL }, { "rtnl_held", SYM_RTNL_HELD, TY_BOOL },
	{ "api", SYM_API_NOW, TY_API },	{ "site", SYM_SITE_NOW, TY_SITE },
	{ "pid", SYM_PID, TY_INT },	{ "cpu", SYM_CPU, TY_INT },
};

static enum rc_type check_name(struct scope *s, struct rc_expr *e)
{
	const struct dg_constant *c;

	for (int i = 0; s->ev && i < s->ev->nr_params; i++) {
		if (!strcmp(s->ev->params[i], e->name)) {
			e->sym = SYM_PARAM;
			e->index = i;
			return e->type = s->param_types[i];
		}
	}
	if (s->ev && s->ev->ret && !strcmp(s->ev->ret, e->name)) {
		e->sym = SYM_RET;
		return e->type = s->ret_type;
	}
	if (s->each && s->each->var && !strcmp(s->each->var, e->name)) {
		e->sym = SYM_EACH;
		e->res = s->each->res;
		return e->type = s->each->res ? TY_ENTRY : TY_ERROR;
	}
	for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++) {
		if (!strcmp(builtins[i].name, e->name)) {
			e->sym = builtins[i].sym;
			return e->type = builtins[i].type;
		}
	}
	for (int i = 0; i < 4; i++) {
		if (!strcmp(context_names[i], e->name)) {
			e->sym = SYM_CONTEXT;
			e->index = i;
			return e->type = TY_CONTEXT;
		}
	}
	c = dg_constant_find(e->name);
	if (c) {
		e->sym = SYM_CONST;
		e->index = c - dg_constants;
		return e->type = TY_INT;
	}
	/* a bare state name; its resource comes from the other side of a comparison */
	e->sym = SYM_STATE;
	return e->type = TY_STATE;
}

static enum rc_type check_field(struct scope *s, struct rc_expr *e)
{
	static const struct { const char *name; int sym; enum rc_type type; } fields[] = {
		{ "key", SYM_FIELD_KEY, TY_PTR },	{ "state", SYM_FIELD_STATE, TY_STATE },
		{ "site", SYM_FIELD_SITE, TY_SITE },	{ "api", SYM_FIELD_API, TY_API },
		{ "pid", SYM_FIELD_PID, TY_INT },	{ "context", SYM_FIELD_CONTEXT, TY_CONTEXT },
		{ "cpu", SYM_FIELD_CPU, TY_INT },	{ "value", SYM_FIELD_VALUE, TY_INT },
		{ "value2", SYM_FIELD_VALUE2, TY_INT },	{ "value3", SYM_FIELD_VALUE3, TY_INT },
	};
	enum rc_type t = no_bare_name(s, e->lhs, check_expr(s, e->lhs));

	if (t == TY_ERROR)
		return e->type = TY_ERROR;
	if (t != TY_ENTRY)
		return mismatch(s, e, NULL, "type mismatch: %s has no field '%s'", type_names[t],
				e->name);
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (!strcmp(fields[i].name, e->name)) {
			bool more = fields[i].sym == SYM_FIELD_VALUE2 || fields[i].sym == SYM_FIELD_VALUE3;

			if (more && e->lhs->res && e->lhs->res->is_held) {
				rc_error(s->d, e->loc, "a held entry stores one value: read it as .value",
					 "unknown field '%s': '%s' is a held resource", e->name,
					 e->lhs->res->name);
				return e->type = TY_ERROR;
			}
			e->sym = fields[i].sym;
			e->res = e->lhs->res;
			e->type = fields[i].type;
			/* a state field has its resource: type it, not a bare name */
			return e->type;
		}
	}
	rc_error(s->d, e->loc, "entries have key, state, site, api, pid, context, cpu, value, "
		 "value2 and value3",
		 "unknown field '%s'", e->name);
	return e->type = TY_ERROR;
}

/* Give a bare state name @e the resource @r. */
static enum rc_type resolve_state(struct scope *s, struct rc_expr *e, struct rc_resource *r)
{
	int st;

	if (e->kind != EX_NAME || e->sym != SYM_STATE)
		return e->type;
	st = find_state(r, e->name);
	if (st < 0) {
		unknown_state(s->d, e->loc, r, e->name);
		return e->type = TY_ERROR;
	}
	e->res = r;
	e->index = st;
	return e->type;
}

static bool bare_state(const struct rc_expr *e)
{
	return e->kind == EX_NAME && e->sym == SYM_STATE && !e->res;
}

/* A state of some resource, or the nearest name in scope, for an unknown name. */
static const char *name_hint(struct scope *s, const char *name, char *buf, size_t size)
{
	const char *names[64], *near;
	int n = 0;

	for (struct rc_resource *r = s->prog->resources; r; r = r->next) {
		if (r->name && find_state(r, name) >= 0) {
			snprintf(buf, size, "'%s' is a state of '%s': compare it with an entry's "
				 "state, e.g. %s[key].state == %s", name, r->name, r->name, name);
			return buf;
		}
	}
	for (int i = 0; s->ev && i < s->ev->nr_params; i++)
		names[n++] = s->ev->params[i];
	names[n++] = s->ev ? s->ev->ret : NULL;
	names[n++] = s->each ? s->each->var : NULL;
	for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
		names[n++] = builtins[i].name;
	for (int i = 0; i < 4; i++)
		names[n++] = context_names[i];
	for (size_t i = 0; i < dg_nr_constants && n < 64; i++)
		names[n++] = dg_constants[i].name;
	near = rc_closest(name, names, n);
	if (!near)
		return NULL;
	snprintf(buf, size, "did you mean '%s'?", near);
	return buf;
}

/*
 * A name that is nothing else is taken for a state, which only a comparison
 * with an entry's state can resolve; anywhere else it is unknown.
 */
static enum rc_type no_bare_name(struct scope *s, struct rc_expr *e, enum rc_type t)
{
	char hint[200];

	if (!e || !bare_state(e))
		return t;
	rc_error(s->d, e->loc, name_hint(s, e->name, hint, sizeof(hint)), "unknown name '%s'",
		 e->name);
	return e->type = TY_ERROR;
}

/* A bare name compared with an api: the catalog API of that name. */
static enum rc_type api_constant(struct scope *s, struct rc_expr *e)
{
	int id = dg_api_find(e->name);

	if (id < 0) {
		unknown_api(s->d, e->loc, e->name);
		return e->type = TY_ERROR;
	}
	e->sym = SYM_API_NAME;
	e->index = id;
	return e->type = TY_API;
}

static enum rc_type check_compare(struct scope *s, struct rc_expr *e, enum rc_type l,
				  enum rc_type r)
{
	bool eq = !strcmp(e->name, "==") || !strcmp(e->name, "!=");

	if (l == TY_STATE && !bare_state(e->lhs) && bare_state(e->rhs))
		r = resolve_state(s, e->rhs, e->lhs->res);
	else if (r == TY_STATE && !bare_state(e->rhs) && bare_state(e->lhs))
		l = resolve_state(s, e->lhs, e->rhs->res);
	else if (l == TY_API && bare_state(e->rhs))
		r = api_constant(s, e->rhs);
	else if (r == TY_API && bare_state(e->lhs))
		l = api_constant(s, e->lhs);
	if (l == TY_ERROR || r == TY_ERROR)
		return e->type = TY_ERROR;
	l = no_bare_name(s, e->lhs, l);
	r = no_bare_name(s, e->rhs, r);
	if (l == TY_ERROR || r == TY_ERROR)
		return e->type = TY_ERROR;
	if (numeric(l) && numeric(r))
		return e->type = TY_BOOL;
	if (l == r && l == TY_STATE && e->lhs->res != e->rhs->res)
		return mismatch(s, e, NULL, "type mismatch: states of '%s' and '%s' compared",
				e->lhs->res->name, e->rhs->res->name);
	if (l == r && eq && l != TY_ENTRY && l != TY_BOOL)
		return e->type = TY_BOOL;
	return mismatch(s, e, NULL, "type mismatch: cannot compare %s with %s",
			type_names[l], type_names[r]);
}

static enum rc_type check_binary(struct scope *s, struct rc_expr *e)
{
	enum rc_type l = check_expr(s, e->lhs), r = check_expr(s, e->rhs);
	bool logic = !strcmp(e->name, "&&") || !strcmp(e->name, "||");
	bool arith = !strcmp(e->name, "+") || !strcmp(e->name, "-");

	if (logic || arith || !strcmp(e->name, "&") || !strcmp(e->name, "|")) {
		l = no_bare_name(s, e->lhs, l);
		r = no_bare_name(s, e->rhs, r);
	}
	if (logic) {
		if (l == TY_ERROR || r == TY_ERROR)
			return e->type = TY_ERROR;
		if (l != TY_BOOL || r != TY_BOOL)
			return mismatch(s, e, "compare with == or != to get a bool",
					"type mismatch: '%s' needs bool operands, got %s",
					e->name, type_names[l != TY_BOOL ? l : r]);
		return e->type = TY_BOOL;
	}
	if (!strcmp(e->name, "&") || !strcmp(e->name, "|")) {
		if (l == TY_ERROR || r == TY_ERROR)
			return e->type = TY_ERROR;
		if (!numeric(l) || !numeric(r))
			return mismatch(s, e, NULL, "type mismatch: '%s' needs integer operands, got %s",
					e->name, type_names[numeric(l) ? r : l]);
		return e->type = TY_FLAGS;
	}
	if (arith) {
		if (l == TY_ERROR || r == TY_ERROR)
			return e->type = TY_ERROR;
		if (!numeric(l) || !numeric(r))
			return mismatch(s, e, NULL, "type mismatch: '%s' needs integer operands, got %s",
					e->name, type_names[numeric(l) ? r : l]);
		/* pointer arithmetic stays a pointer: a key, printed in hex */
		return e->type = l == TY_PTR || r == TY_PTR ? TY_PTR : TY_INT;
	}
	return check_compare(s, e, l, r);
}

static enum rc_type check_expr(struct scope *s, struct rc_expr *e)
{
	enum rc_type t;

	if (!e)
		return TY_ERROR;
	switch (e->kind) {
	case EX_INT:
		return e->type = TY_INT;
	case EX_NAME:
		return check_name(s, e);
	case EX_CALL:
		return check_call(s, e);
	case EX_FIELD:
		return check_field(s, e);
	case EX_INDEX: {
		struct rc_resource *r = resource_arg(s, e->lhs, false);

		t = no_bare_name(s, e->rhs, check_expr(s, e->rhs));
		if (!r || t == TY_ERROR)
			return e->type = TY_ERROR;
		if (!numeric(t))
			return mismatch(s, e->rhs, NULL, "type mismatch: a %s key must be an integer "
					"or pointer, got %s", r->name, type_names[t]);
		e->res = r;
		return e->type = TY_ENTRY;
	}
	case EX_UNARY:
		t = no_bare_name(s, e->lhs, check_expr(s, e->lhs));
		if (t == TY_ERROR)
			return e->type = TY_ERROR;
		if (!strcmp(e->name, "!")) {
			if (t != TY_BOOL)
				return mismatch(s, e, NULL, "type mismatch: '%s' needs a bool, got %s",
						"!", type_names[t]);
			return e->type = TY_BOOL;
		}
		if (!strcmp(e->name, "*")) {
			if (t != TY_PTR)
				return mismatch(s, e, "read through a pointer parameter, e.g. "
						"'*handle'", "type mismatch: '%s' needs a pointer, "
						"got %s", "*", type_names[t]);
			e->sym = SYM_DEREF;
			return e->type = TY_INT;
		}
		if (!numeric(t))
			return mismatch(s, e, NULL, "type mismatch: '%s' needs an integer, got %s",
					"~", type_names[t]);
		return e->type = TY_FLAGS;
	case EX_BINARY:
		return check_binary(s, e);
	}
	return TY_ERROR;
}

/* Check a condition: it must be a bool. */
static void check_condition(struct scope *s, struct rc_expr *e)
{
	enum rc_type t = no_bare_name(s, e, check_expr(s, e));

	if (t != TY_ERROR && t != TY_BOOL)
		rc_error(s->d, e->loc, "compare it, e.g. 'x != 0'",
			 "type mismatch: a condition must be a bool, not %s", type_names[t]);
}

/* ---- declarations ---- */

/* A second declaration of @name: say where the first one is, maybe in another file. */
static void duplicate(struct rc_diags *d, struct rc_loc loc, struct rc_loc first, const char *what,
		      const char *name, const char *hint)
{
	rc_error(d, loc, hint, "duplicate %s '%s', first declared at %s:%d", what, name,
		 first.file ? first.file->path : "?", first.line);
}

static void check_resource(struct scope *s, struct rc_resource *r, int id)
{
	r->id = id;
	if (r->nr_states < 1)
		rc_error(s->d, r->loc, "e.g. 'states unlocked, locked;' (the first is initial)",
			 "resource '%s' declares no states", r->name);
	for (int i = 0; i < r->nr_states; i++)
		for (int j = 0; j < i; j++)
			if (!strcmp(r->states[i], r->states[j]))
				rc_error(s->d, r->state_locs[i], NULL, "duplicate state '%s'",
					 r->states[i]);
	if (r->nr_states >= RC_MAX_STATES)
		rc_error(s->d, r->loc, NULL, "rule set too large for BPF limits: resource '%s' "
			 "has more than %d states", r->name, RC_MAX_STATES - 1);
	for (int i = 0; i < r->nr_held; i++) {
		int st = find_state(r, r->held[i]);

		if (st < 0)
			unknown_state(s->d, r->held_locs[i], r, r->held[i]);
		else if (st == 0)
			rc_error(s->d, r->held_locs[i], "the first state is the state of every "
				 "untracked key", "the initial state '%s' cannot be held", r->held[i]);
		else
			r->held_mask |= 1u << st;
	}
	r->is_held = r->nr_held > 0;
}

static void check_transition(struct scope *s, struct rc_resource *r, struct rc_transition *t)
{
	t->res = r;
	check_event(s, &t->ev);
	if (t->when)
		check_condition(s, t->when);
	for (int i = 0; i < t->nr_with; i++) {
		enum rc_type v = no_bare_name(s, t->with[i], check_expr(s, t->with[i]));

		if (v != TY_ERROR && !numeric(v))
			rc_error(s->d, t->with[i]->loc, "store a parameter, the return value or a number",
				 "type mismatch: 'with' stores an integer, not %s", type_names[v]);
	}
	if (t->nr_with > 1 && r->is_held)
		rc_error(s->d, t->with[1]->loc, "a held entry lives in a small per-CPU set: keep "
			 "the others in an object resource",
			 "too many values: a held resource stores one value, '%s' stores %d",
			 r->name, t->nr_with);
	if (t->key) {
		enum rc_type k = no_bare_name(s, t->key, check_expr(s, t->key));

		if (k != TY_ERROR && !numeric(k))
			rc_error(s->d, t->key->loc, "key a resource by a pointer or a number",
				 "type mismatch: a key must be an integer or pointer, not %s",
				 type_names[k]);
	}
	for (int i = 0; i < t->nr_from; i++) {
		int st;

		if (!strcmp(t->from[i], "*")) {
			t->from_mask = ~0u;
			continue;
		}
		st = find_state(r, t->from[i]);
		if (st < 0)
			unknown_state(s->d, t->from_locs[i], r, t->from[i]);
		else
			t->from_mask |= 1u << st;
	}
	t->to_state = t->to ? find_state(r, t->to) : -1;
	if (t->to && t->to_state < 0)
		unknown_state(s->d, t->to_loc, r, t->to);
}

/* Every state but the initial one must be the target of some transition. */
static void check_reachable(struct scope *s, struct rc_resource *r)
{
	/* a misspelt target, already reported, may be the missing way in */
	for (struct rc_transition *t = r->transitions; t; t = t->next)
		if (t->to && t->to_state < 0)
			return;
	for (int st = 1; st < r->nr_states; st++) {
		bool reached = false;

		if (find_state(r, r->states[st]) != st)
			continue;	/* a duplicate, reported as such */

		for (struct rc_transition *t = r->transitions; t; t = t->next)
			if (t->to_state == st)
				reached = true;
		if (!reached)
			rc_error(s->d, r->state_locs[st], "add a transition 'on EVENT: key FROM -> "
				 "STATE;' or remove the state",
				 "unreachable state '%s': no transition of '%s' leads to it",
				 r->states[st], r->name);
	}
}

/* Split "{expr}" fields out of @msg; "{{" and "}}" are literal braces. */
static void check_message(struct scope *s, struct rc_rule *r, const char *msg, struct rc_loc loc)
{
	for (const char *p = msg; *p; p++) {
		const char *end;
		char *text;
		struct rc_expr *e;
		struct rc_loc at;

		if (p[0] == '{' && p[1] == '{') {
			p++;
			continue;
		}
		if (*p != '{')
			continue;
		end = strchr(p, '}');
		if (!end) {
			at = loc;
			at.col = loc.col + 1 + (p - msg);
			at.len = 1;
			rc_error(s->d, at, "write '{{' for a literal brace",
				 "unterminated field in message");
			return;
		}
		text = strndup(p + 1, end - p - 1);
		/* point at the field inside the string (exact unless escapes precede it) */
		at = loc;
		at.col = loc.col + 1 + (p - msg);
		at.len = end - p + 1;
		e = text ? rc_parse_field(text, at, s->d) : NULL;
		free(text);
		p = end;
		if (!e)
			continue;
		if (no_bare_name(s, e, check_expr(s, e)) == TY_ENTRY)
			rc_error(s->d, at, "print one of its fields, e.g. .key or .site",
				 "type mismatch: an entry is not a printable value");
		if (r->nr_fields >= RC_MAX_FIELDS) {
			rc_error(s->d, at, "the message and the notes together print at most 8 fields",
				 "rule set too large for BPF limits: rule '%s' prints more than %d "
				 "fields", r->name, RC_MAX_FIELDS);
			rc_expr_free(e);
			return;
		}
		r->fields[r->nr_fields++] = e;
	}
}

/* fail_call fails calls whose API has a failure return: warn when none of @r's has one. */
static void check_fail_call(struct scope *s, const struct rc_rule *r)
{
	bool can_fail = false;

	for (int i = 0; r->ev.kind == EV_CALL && i < r->ev.nr_apis; i++)
		can_fail |= dg_apis[r->ev.apis[i]].can_fail;
	if (!can_fail)
		rc_warning(s->d, r->recover_loc, "it applies to 'on call' events of APIs such as "
			   "mutex_lock_interruptible", "fail_call can never apply here: none of "
			   "the calls this rule watches has a failure return");
}

static void check_rule(struct scope *s, struct rc_rule *r, int id)
{
	r->id = id;
	for (struct rc_rule *o = s->prog->rules; o != r; o = o->next) {
		if (o->name && r->name && !strcmp(o->name, r->name)) {
			duplicate(s->d, r->loc, o->loc, "rule name", r->name,
				  "rule names are how reports and --rule name them");
			break;
		}
	}
	r->fatal |= s->prog->fatal;
	if (r->name && strlen(r->name) > RC_MAX_RULE_NAME)
		rc_error(s->d, r->loc, NULL, "rule name '%s' is longer than %d characters", r->name,
			 RC_MAX_RULE_NAME);
	if (!r->has_event) {
		rc_error(s->d, r->loc, "e.g. 'on call @blocking;'", "rule '%s' has no 'on' event",
			 r->name);
		return;
	}
	check_event(s, &r->ev);
	s->each = r->each;
	if (r->each) {
		r->each->res = find_resource(s->prog, r->each->res_name);
		if (!r->each->res)
			unknown_resource(s, r->each->res_loc, r->each->res_name);
		for (int i = 0; r->each->res && i < r->each->nr_states; i++) {
			int st = find_state(r->each->res, r->each->states[i]);

			if (st < 0)
				unknown_state(s->d, r->each->state_locs[i], r->each->res,
					      r->each->states[i]);
			else
				r->each->state_mask |= 1u << st;
		}
		if (r->each->res && !r->each->nr_states)
			r->each->state_mask = ~1u;	/* every tracked state */
	}
	if (r->when)
		check_condition(s, r->when);
	if (!r->message)
		rc_error(s->d, r->loc, NULL, "rule '%s' has no message", r->name);
	else
		check_message(s, r, r->message, r->message_loc);
	for (int i = 0; i < r->nr_notes; i++)
		check_message(s, r, r->notes[i], r->note_locs[i]);
	if (r->recover && dg_recover_find(r->recover) < 0) {
		const char *near = rc_closest(r->recover, (const char *const *)dg_recover_actions, 6);
		char hint[120];

		snprintf(hint, sizeof(hint), near ? "did you mean '%s'?" :
			 "see RULES.md for the recovery actions", near);
		rc_error(s->d, r->recover_loc, hint, "unknown recovery action '%s'", r->recover);
	}
	if (r->recover && !strcmp(r->recover, "fail_call"))
		check_fail_call(s, r);
	s->each = NULL;
}

static void check_groups(struct scope *s)
{
	for (struct rc_group *g = s->prog->groups; g; g = g->next) {
		if (!g->name)
			continue;
		for (struct rc_group *o = s->prog->groups; o != g; o = o->next) {
			if (o->name && !strcmp(o->name, g->name)) {
				duplicate(s->d, g->loc, o->loc, "group", g->name, NULL);
				break;
			}
		}
		if (dg_api_find(g->name) >= 0 || !strcmp(g->name, "blocking"))
			rc_error(s->d, g->loc, "pick another name", "group '%s' hides the API of "
				 "that name", g->name);
		g->ev.nr_apis = 0;
		/* a group of entry classes is resolved where an enter/leave event uses it */
		g->entries = g->ev.nr_names > 0;
		for (int i = 0; i < g->ev.nr_names; i++)
			g->entries &= dg_entry_find(g->ev.names[i]) >= 0 && !g->ev.group_ref[i];
		for (int i = 0; i < g->ev.nr_names && !g->entries; i++) {
			/* a group may only use groups declared before it: no cycles */
			struct rc_group *used = g->ev.group_ref[i] || dg_api_find(g->ev.names[i]) < 0 ?
						find_group(s->prog, g->ev.names[i]) : NULL;
			bool earlier = false;

			for (struct rc_group *o = s->prog->groups; used && o != g; o = o->next)
				earlier |= o == used;
			if (used && !earlier) {
				rc_error(s->d, g->ev.name_locs[i], "declare groups before their use",
					 "group '%s' uses '%s', declared later", g->name,
					 g->ev.names[i]);
				continue;
			}
			resolve_api_name(s, &g->ev, i, 0);
		}
	}
}

int rc_check(struct rc_program *prog, struct rc_diags *d)
{
	struct scope s = { .prog = prog, .d = d };
	struct rc_loc over_res = { 0 }, over_rule = { 0 };
	int errors = d->errors, id = 0;

	if (!prog->pack_name) {
		struct rc_loc top = { .line = 1, .col = 1, .len = 1 };

		/* files are listed last read first: the root is the one not included */
		for (struct rc_file *f = prog->files; f; f = f->next)
			if (!f->included_from)
				top.file = f;
		rc_error(d, top, "start the file with 'pack NAME \"description\";'",
			 "no pack declaration");
	}
	check_groups(&s);
	prog->nr_resources = 0;
	for (struct rc_resource *r = prog->resources; r; r = r->next) {
		if (!r->name)
			continue;
		for (struct rc_resource *o = prog->resources; o != r; o = o->next) {
			if (o->name && !strcmp(o->name, r->name)) {
				duplicate(d, r->loc, o->loc, "resource", r->name, NULL);
				break;
			}
		}
		if (prog->nr_resources == RC_MAX_RESOURCES)
			over_res = r->loc;
		check_resource(&s, r, prog->nr_resources++);
	}
	if (prog->nr_resources > RC_MAX_RESOURCES)
		rc_error(d, over_res, NULL, "rule set too large for BPF limits: %d "
			 "resources, at most %d", prog->nr_resources, RC_MAX_RESOURCES);
	for (struct rc_resource *r = prog->resources; r; r = r->next) {
		if (!r->name)
			continue;
		for (struct rc_transition *t = r->transitions; t; t = t->next)
			check_transition(&s, r, t);
		check_reachable(&s, r);
	}
	prog->nr_rules = 0;
	for (struct rc_rule *r = prog->rules; r; r = r->next) {
		if (!r->name)
			continue;
		check_rule(&s, r, ++id);
		if (id == RC_MAX_RULES + 1)
			over_rule = r->loc;
	}
	prog->nr_rules = id;
	if (id > RC_MAX_RULES)
		rc_error(d, over_rule, "split the pack", "rule set too large for BPF limits: "
			 "%d rules, at most %d", id, RC_MAX_RULES);
	return d->errors > errors ? -1 : 0;
}
