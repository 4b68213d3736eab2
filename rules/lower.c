// SPDX-License-Identifier: GPL-2.0
/*
 * Lowering: from rules and resources, declared by meaning, to handlers,
 * declared by attach point.  Every (event kind, API or entry class) that any
 * rule or transition names becomes one handler, i.e. one BPF program, which
 * first evaluates the rules on that event, in declaration order, against the
 * state before the event, and then applies the transitions.
 */
#include <string.h>

#include "rulec.h"

static struct rc_handler *handler_for(struct rc_lowered *out, enum rc_event_kind kind,
				      int target, struct rc_diags *d, struct rc_loc loc)
{
	for (int i = 0; i < out->nr_handlers; i++)
		if (out->handlers[i].kind == kind && out->handlers[i].target == target)
			return &out->handlers[i];
	if (out->nr_handlers >= RC_MAX_PROGRAMS) {
		if (out->nr_handlers++ == RC_MAX_PROGRAMS)
			rc_error(d, loc, "split the pack, or watch fewer APIs per rule",
				 "rule set too large for BPF limits: more than %d programs",
				 RC_MAX_PROGRAMS);
		return NULL;
	}
	memset(&out->handlers[out->nr_handlers], 0, sizeof(out->handlers[0]));
	out->handlers[out->nr_handlers].kind = kind;
	out->handlers[out->nr_handlers].target = target;
	return &out->handlers[out->nr_handlers++];
}

/* Call @fn for every handler @ev expands to: one per API, or per entry class. */
static void for_each_target(struct rc_lowered *out, const struct rc_event *ev,
			    struct rc_diags *d, void (*fn)(struct rc_handler *, void *), void *arg)
{
	for (int i = 0; i < ev->nr_apis; i++) {
		struct rc_handler *h = handler_for(out, ev->kind, ev->apis[i], d, ev->loc);

		if (h)
			fn(h, arg);
	}
}

/* The handler must read the parameters @ev binds, for @h's API. */
static void bind_count(struct rc_handler *h, const struct rc_event *ev)
{
	int n = ev->nr_params;

	/* by name, the bindings may sit anywhere among the API's parameters */
	if (ev->by_name && (h->kind == EV_CALL || h->kind == EV_RETURN))
		n = dg_api_nr_params(&dg_apis[h->target]);
	if (n > h->nr_params)
		h->nr_params = n;
}

static void add_rule(struct rc_handler *h, void *arg)
{
	struct rc_rule *r = arg;

	if (h->nr_rules < RC_MAX_RULES)
		h->rules[h->nr_rules++] = r;
	bind_count(h, &r->ev);
}

static void add_transition(struct rc_handler *h, void *arg)
{
	struct rc_transition *t = arg;

	if (h->nr_transitions < 64)
		h->transitions[h->nr_transitions++] = t;
	bind_count(h, &t->ev);
}

static int count_programs(const struct rc_lowered *out)
{
	int n = 0;

	for (int i = 0; i < out->nr_handlers; i++) {
		const struct rc_handler *h = &out->handlers[i];
		int syms = 0;

		while ((h->kind == EV_CALL || h->kind == EV_RETURN) && syms < DG_MAX_SYMBOLS &&
		       dg_apis[h->target].symbols[syms].name)
			syms++;
		n += syms ? syms : 1;
	}
	return n;
}

int rc_lower(const struct rc_program *prog, struct rc_lowered *out, struct rc_diags *d)
{
	int errors = d->errors;

	out->nr_handlers = 0;
	for (struct rc_rule *r = prog->rules; r; r = r->next)
		if (r->name && r->has_event)
			for_each_target(out, &r->ev, d, add_rule, r);
	for (struct rc_resource *res = prog->resources; res; res = res->next)
		for (struct rc_transition *t = res->transitions; t; t = t->next)
			for_each_target(out, &t->ev, d, add_transition, t);
	if (out->nr_handlers > RC_MAX_PROGRAMS)
		out->nr_handlers = RC_MAX_PROGRAMS;
	if (d->errors == errors && count_programs(out) > RC_MAX_ATTACH)
		rc_error(d, prog->rules ? prog->rules->loc : prog->pack_loc,
			 "split the pack, or watch fewer APIs per rule",
			 "rule set too large for BPF limits: %d programs (one per API symbol), at "
			 "most %d", count_programs(out), RC_MAX_ATTACH);
	return d->errors > errors ? -1 : 0;
}
