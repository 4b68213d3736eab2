// SPDX-License-Identifier: GPL-2.0
/*
 * The emitter: each handler becomes one BPF program in C over the runtime
 * in bpf/runtime.bpf.h, and the pack's metadata (rules, messages, field
 * types, programs) becomes a text the loader and the report printer read.
 *
 * A rule's condition is evaluated lazily: the lookups it needs (held
 * counts, entries of a resource) come first, the lookups only its message
 * needs come after the condition held.  Comparisons with a state read
 * "unknown" (a key a full table could not track) as false either way.
 */
#include <stdlib.h>
#include <string.h>

#include "rulec.h"
#include "recovery_abi.h"

#define MAX_VIEWS	16

/* One lookup a rule needs: held(R...) / last(R), or R[key]. */
struct view {
	const struct rc_expr *e;
	bool is_held_count;
	uint32_t res_mask;	/* held count: resources counted */
	int res;		/* R[key]: the resource */
	bool res_is_held;
	char key[160];		/* R[key]: the key's C expression */
	bool emitted;
};

struct gen {
	FILE *out;
	struct view views[MAX_VIEWS];
	int nr_views;
	const char *indent;
	/* binding slot -> logical parameter of the handler's API (by-name bindings move) */
	int param[DG_MAX_PARAMS];
	int api;	/* the handler's catalog API (call and return events) */
	const struct rc_lowered *low;
};

/* Map the bindings of @ev onto the parameters of catalog API @api (or entry class). */
static void map_params(struct gen *g, const struct rc_event *ev, enum rc_event_kind kind, int api)
{
	g->api = api;
	for (int i = 0; i < DG_MAX_PARAMS; i++) {
		g->param[i] = i;
		if (!ev->by_name || i >= ev->nr_params || (kind != EV_CALL && kind != EV_RETURN))
			continue;
		for (int k = 0; k < dg_api_nr_params(&dg_apis[api]); k++)
			if (!strcmp(dg_apis[api].params[k], ev->params[i]))
				g->param[i] = k;
	}
}

static const char *const event_kind_names[] = {
	[EV_CALL] = "call", [EV_RETURN] = "return", [EV_ENTER] = "enter", [EV_LEAVE] = "leave",
};

/*
 * How each entry class is hooked: section, the program's parameters, the
 * callback's address, the return value and the parameters rules may bind
 * (probes/catalog.c names them), for the enter and the leave edge.
 */
struct entry_hook {
	const char *sec, *params, *target, *ret;
	const char *args[DG_MAX_PARAMS];
};

static const struct entry_hook entry_hooks[DG_NR_ENTRY_CLASSES][2] = {
	[DG_ENTRY_MODULE_INIT] = {
		{ "fentry/do_init_module", "struct module *mod", NULL, NULL },
		{ "fexit/do_init_module", "struct module *mod, int ret", NULL, "ret" } },
	/*
	 * after the exit routine, before free_module(): the recovery module's
	 * hook, called from its MODULE_STATE_GOING notifier, where a leak can
	 * still be given back (recovery/reclaim.c)
	 */
	[DG_ENTRY_MODULE_EXIT] = {
		{ NULL },
		{ "fentry/dg_module_exited", "struct module *mod", NULL, NULL } },
	[DG_ENTRY_IRQ_HANDLER] = {
		{ "tp_btf/irq_handler_entry", "int irq, struct irqaction *action",
		  "action->handler", NULL, { "irq", "action->dev_id" } },
		{ "tp_btf/irq_handler_exit", "int irq, struct irqaction *action, int ret",
		  "action->handler", "ret", { "irq", "action->dev_id" } } },
	[DG_ENTRY_TIMER] = {
		{ "tp_btf/timer_expire_entry", "struct timer_list *timer, unsigned long now",
		  "timer->function", NULL, { "timer" } },
		{ "tp_btf/timer_expire_exit", "struct timer_list *timer", "timer->function", NULL,
		  { "timer" } } },
	[DG_ENTRY_HRTIMER] = {
		{ "tp_btf/hrtimer_expire_entry", "struct hrtimer *timer, ktime_t *now",
		  "timer->function", NULL, { "timer" } },
		{ "tp_btf/hrtimer_expire_exit", "struct hrtimer *timer", "timer->function", NULL,
		  { "timer" } } },
	[DG_ENTRY_WORK] = {
		{ "tp_btf/workqueue_execute_start", "struct work_struct *work", "work->func", NULL,
		  { "work" } },
		/*
		 * tp_btf (a tracing program, which may call the recovery kfuncs) with
		 * the function read past the verifier: 6.1 refuses a tp_btf program
		 * access to a function pointer argument
		 */
		{ "tp_btf/workqueue_execute_end", "struct work_struct *work", "dg_tp_arg(ctx, 1)",
		  NULL, { "work" } } },
	[DG_ENTRY_TASKLET] = {
		{ "tp_btf/tasklet_entry", "struct tasklet_struct *t, void *fn", "fn", NULL, { "t" } },
		{ "tp_btf/tasklet_exit", "struct tasklet_struct *t, void *fn", "fn", NULL, { "t" } } },
	[DG_ENTRY_NDO_START_XMIT] = {
		{ "tp_btf/net_dev_start_xmit", "const struct sk_buff *skb, const struct net_device *dev",
		  "BPF_CORE_READ(dev, netdev_ops, ndo_start_xmit)", NULL, { "skb", "dev" } },
		{ "tp_btf/net_dev_xmit",
		  "struct sk_buff *skb, int rc, struct net_device *dev, unsigned int len",
		  "BPF_CORE_READ(dev, netdev_ops, ndo_start_xmit)", "rc", { "skb", "dev" } } },
	[DG_ENTRY_NDO_OPEN] = {
		{ "fentry/__dev_open", "struct net_device *dev, void *extack",
		  "BPF_CORE_READ(dev, netdev_ops, ndo_open)", NULL, { "dev" } },
		{ "fexit/__dev_open", "struct net_device *dev, void *extack, int ret",
		  "BPF_CORE_READ(dev, netdev_ops, ndo_open)", "ret", { "dev" } } },
	/* __dev_close_many() stops a list of devices: the first is the one closing */
	[DG_ENTRY_NDO_STOP] = {
		{ "fentry/__dev_close_many", "struct list_head *head",
		  "dg_first_closing_op(head)", NULL, { "dg_first_closing(head)" } },
		{ "fexit/__dev_close_many", "struct list_head *head",
		  "dg_first_closing_op(head)", NULL, { "dg_first_closing(head)" } } },
	[DG_ENTRY_FOP_OPEN] = {
		{ NULL },
		{ "fexit/chrdev_open", "struct inode *inode, struct file *file, int ret",
		  "BPF_CORE_READ(file, f_op, open)", "ret", { "file" } } },
	[DG_ENTRY_FOP_READ] = {
		{ "fentry/vfs_read", "struct file *file, char *buf, size_t count, loff_t *pos",
		  "dg_fop_read(file)", NULL, { "file" } },
		{ "fexit/vfs_read", "struct file *file, char *buf, size_t count, loff_t *pos, long ret",
		  "dg_fop_read(file)", "ret", { "file" } } },
	[DG_ENTRY_FOP_WRITE] = {
		{ "fentry/vfs_write", "struct file *file, char *buf, size_t count, loff_t *pos",
		  "dg_fop_write(file)", NULL, { "file" } },
		{ "fexit/vfs_write", "struct file *file, char *buf, size_t count, loff_t *pos, long ret",
		  "dg_fop_write(file)", "ret", { "file" } } },
	[DG_ENTRY_FOP_IOCTL] = {
		{ "fentry/vfs_ioctl", "struct file *file, unsigned int cmd, unsigned long arg",
		  "BPF_CORE_READ(file, f_op, unlocked_ioctl)", NULL, { "file", "cmd" } },
		{ "fexit/vfs_ioctl", "struct file *file, unsigned int cmd, unsigned long arg, long ret",
		  "BPF_CORE_READ(file, f_op, unlocked_ioctl)", "ret", { "file", "cmd" } } },
	/* enter only: the file is freed when __fput() returns */
	[DG_ENTRY_FOP_RELEASE] = {
		{ "fentry/__fput", "struct file *file", "BPF_CORE_READ(file, f_op, release)", NULL,
		  { "file" } },
		{ NULL } },
};

/*
 * One program per catalog symbol of an API: the kernel verifies a tracing
 * program for one target function, and the loader attaches each copy to
 * the symbol of its number that the running kernel has.
 */
static int nr_symbols(const struct rc_handler *h)
{
	int n = 0;

	if (h->kind != EV_CALL && h->kind != EV_RETURN)
		return 1;
	while (n < DG_MAX_SYMBOLS && dg_apis[h->target].symbols[n].name)
		n++;
	return n ? n : 1;
}

static void program_name(char *buf, size_t size, const struct rc_handler *h, int sym)
{
	if (h->kind == EV_CALL || h->kind == EV_RETURN)
		snprintf(buf, size, "dg_%s_%s", h->kind == EV_CALL ? "call" : "ret",
			 dg_apis[h->target].name);
	else
		snprintf(buf, size, "dg_%s_%s", event_kind_names[h->kind], dg_entries[h->target].name);
	if (sym > 0)
		snprintf(buf + strlen(buf), size - strlen(buf), "__s%d", sym);
}

/* ---- expressions ---- */

static void expr_c(struct gen *g, const struct rc_expr *e, FILE *o);

static struct view *view_of(struct gen *g, const struct rc_expr *e)
{
	char key[160] = "";
	FILE *k;

	if (e->kind == EX_INDEX) {
		k = fmemopen(key, sizeof(key) - 1, "w");
		if (k) {
			expr_c(g, e->rhs, k);
			fclose(k);
		}
	}
	for (int i = 0; i < g->nr_views; i++) {
		struct view *v = &g->views[i];

		if (e->kind == EX_INDEX && !v->is_held_count && v->res == e->res->id &&
		    !strcmp(v->key, key))
			return v;
		if (e->kind == EX_CALL && v->is_held_count && v->e->kind == EX_CALL) {
			uint32_t mask = 0;

			for (int a = 0; a < e->nr_args; a++)
				mask |= 1u << e->args[a]->res->id;
			if (mask == v->res_mask)
				return v;
		}
	}
	if (g->nr_views >= MAX_VIEWS)
		return NULL;
	g->views[g->nr_views] = (struct view){ .e = e };
	if (e->kind == EX_CALL) {
		g->views[g->nr_views].is_held_count = true;
		for (int a = 0; a < e->nr_args; a++)
			g->views[g->nr_views].res_mask |= 1u << e->args[a]->res->id;
	} else {
		g->views[g->nr_views].res = e->res->id;
		g->views[g->nr_views].res_is_held = e->res->is_held;
		strcpy(g->views[g->nr_views].key, key);
	}
	return &g->views[g->nr_views++];
}

static int view_index(struct gen *g, const struct view *v)
{
	return v - g->views;
}

/* The C of an entry-valued expression: a view variable or the `each` entry. */
static void entry_c(struct gen *g, const struct rc_expr *e, FILE *o)
{
	struct view *v;

	if (e->kind == EX_NAME && e->sym == SYM_EACH) {
		fprintf(o, "ent");
		return;
	}
	v = view_of(g, e);
	fprintf(o, "v%d", v ? view_index(g, v) : 0);
}

static bool is_state_field(const struct rc_expr *e)
{
	return e->kind == EX_FIELD && e->sym == SYM_FIELD_STATE;
}

static void expr_c(struct gen *g, const struct rc_expr *e, FILE *o)
{
	static const char *const fields[] = {
		[SYM_FIELD_KEY] = "key", [SYM_FIELD_STATE] = "state", [SYM_FIELD_SITE] = "site",
		[SYM_FIELD_API] = "api", [SYM_FIELD_PID] = "pid", [SYM_FIELD_CONTEXT] = "context",
		[SYM_FIELD_CPU] = "cpu", [SYM_FIELD_VALUE] = "value",
		[SYM_FIELD_VALUE2] = "value2", [SYM_FIELD_VALUE3] = "value3",
	};
	struct view *v;

	switch (e->kind) {
	case EX_INT:
		fprintf(o, "%lluULL", (unsigned long long)e->value);
		return;
	case EX_NAME:
		switch (e->sym) {
		case SYM_PARAM:	fprintf(o, "fp->arg[%d]", g->param[e->index & 7]); return;
		case SYM_RET:	fprintf(o, "fp->ret"); return;
		case SYM_CONST:	fprintf(o, "%lluULL", dg_constants[e->index].value); return;
		case SYM_STATE:
		case SYM_CONTEXT: fprintf(o, "%d", e->index); return;
		case SYM_CTX_NOW: fprintf(o, "fp->context"); return;
		case SYM_ATOMIC: fprintf(o, "fp->atomic"); return;
		case SYM_BY_DRIVER: fprintf(o, "(fp->driver >= 0)"); return;
		case SYM_RTNL_HELD: fprintf(o, "dg_rtnl_held()"); return;
		case SYM_API_NOW: fprintf(o, "fp->api"); return;
		case SYM_SITE_NOW: fprintf(o, "fp->site"); return;
		case SYM_PID:	fprintf(o, "fp->pid"); return;
		case SYM_API_NAME: fprintf(o, "%d", e->index); return;
		case SYM_CPU:	fprintf(o, "bpf_get_smp_processor_id()"); return;
		default:	fprintf(o, "0"); return;
		}
	case EX_CALL:
		v = view_of(g, e);
		fprintf(o, e->sym == SYM_HELD ? "h%d" : "v%d", v ? view_index(g, v) : 0);
		return;
	case EX_INDEX:
		entry_c(g, e, o);
		return;
	case EX_FIELD:
		entry_c(g, e->lhs, o);
		fprintf(o, ".%s", fields[e->sym]);
		return;
	case EX_UNARY:
		fprintf(o, e->sym == SYM_DEREF ? "dg_read_u64(" : "(%s", e->name);
		expr_c(g, e->lhs, o);
		fprintf(o, ")");
		return;
	case EX_BINARY:
		if (is_state_field(e->lhs) || is_state_field(e->rhs)) {
			/* an unknown state is neither equal nor unequal to anything */
			const struct rc_expr *st = is_state_field(e->lhs) ? e->lhs : e->rhs;

			fprintf(o, "(");
			expr_c(g, st, o);
			fprintf(o, " != DG_STATE_UNKNOWN && ");
		} else {
			fprintf(o, "(");
		}
		expr_c(g, e->lhs, o);
		fprintf(o, " %s ", e->name);
		expr_c(g, e->rhs, o);
		fprintf(o, ")");
		return;
	}
}

/*
 * A condition as the operand of `if`: operators already bring their own
 * parentheses, and doubling them makes clang warn about `if ((a == b))`.
 */
static void cond_c(struct gen *g, const struct rc_expr *e, FILE *o)
{
	bool wrapped = e->kind == EX_BINARY || e->kind == EX_UNARY;

	fprintf(o, "if %s", wrapped ? "" : "(");
	expr_c(g, e, o);
	fprintf(o, "%s", wrapped ? "" : ")");
}

/* Register the lookups @e needs, innermost first. */
static void collect(struct gen *g, const struct rc_expr *e)
{
	if (!e)
		return;
	if (e->kind == EX_INDEX)
		collect(g, e->rhs);
	collect(g, e->lhs);
	if (e->kind != EX_INDEX)
		collect(g, e->rhs);
	for (int i = 0; i < e->nr_args; i++)
		if (e->kind != EX_CALL)
			collect(g, e->args[i]);
	if (e->kind == EX_CALL || e->kind == EX_INDEX)
		view_of(g, e);
}

/* Emit the lookups registered but not yet emitted. */
static void emit_views(struct gen *g)
{
	for (int i = 0; i < g->nr_views; i++) {
		struct view *v = &g->views[i];

		if (v->emitted)
			continue;
		v->emitted = true;
		if (v->is_held_count)
			fprintf(g->out, "%sstruct dg_view v%d;\n%s__u32 h%d = dg_held_count(fp, 0x%xu, &v%d);\n",
				g->indent, i, g->indent, i, v->res_mask, i);
		else
			fprintf(g->out, "%sstruct dg_view v%d;\n%sdg_lookup(fp, %d, %d, %s, &v%d);\n",
				g->indent, i, g->indent, v->res, v->res_is_held, v->key, i);
	}
}

/* ---- rules and transitions ---- */

/*
 * The fields that tell one violation of a rule at a site from another, for
 * aggregation: what and where (APIs, sites, states, contexts), not the
 * values (pointers, counts, flags) that differ from one instance to the next.
 */
static uint32_t identity_mask(const struct rc_rule *r)
{
	uint32_t mask = 0;

	for (int i = 0; i < r->nr_fields; i++) {
		enum rc_type t = r->fields[i]->type;

		if (t == TY_API || t == TY_SITE || t == TY_STATE || t == TY_CONTEXT ||
		    t == TY_BOOL)
			mask |= 1u << i;
	}
	return mask;
}

/* Whether @r releases locks around its (call) event: its API programs get a relock twin. */
static bool is_unlock_around(const struct rc_rule *r)
{
	return r->recover && !strcmp(r->recover, "unlock_around") && r->ev.kind == EV_CALL;
}

/*
 * Whether @r releases the locks an entry point returns with: an `each` over
 * a held resource on a leave event, whose callback has the entry's slot.
 */
static bool is_release_at_return(const struct rc_rule *r)
{
	return r->recover && !strcmp(r->recover, "release_at_return") && r->ev.kind == EV_LEAVE &&
	       r->each && r->each->res->is_held;
}

static bool is_param(const struct rc_expr *e)
{
	return e && e->kind == EX_NAME && e->sym == SYM_PARAM;
}

/* Whether @r gives back, at unload, the objects its `each` walks. */
static bool is_reclaim(const struct rc_rule *r)
{
	return r->recover && !strcmp(r->recover, "reclaim_at_unload") && r->each &&
	       !r->each->res->is_held && r->ev.kind == EV_LEAVE && r->ev.nr_apis == 1 &&
	       r->ev.apis[0] == DG_ENTRY_MODULE_EXIT;
}

/* The argument of catalog API @api that binding @e of @ev is, or -1 if @e is no bare one. */
static int arg_of(const struct rc_event *ev, int api, const struct rc_expr *e)
{
	if (!is_param(e) || e->index < 0 || e->index >= ev->nr_params)
		return -1;
	if (!ev->by_name)
		return e->index;
	for (int k = 0; k < dg_api_nr_params(&dg_apis[api]); k++)
		if (!strcmp(dg_apis[api].params[k], ev->params[e->index]))
			return k;
	return -1;
}

static int param_named(int api, const char *name)
{
	for (int k = 0; name && k < dg_api_nr_params(&dg_apis[api]); k++)
		if (!strcmp(dg_apis[api].params[k], name))
			return k;
	return -1;
}

/* How a leaked object in one state is given back: a call, and where its key and values go. */
struct release {
	int api;
	int key;			/* argument */
	int value[RC_MAX_VALUES];	/* arguments; -1: the call does not take it */
};

/*
 * The parameter whose value @e of @t stores: a bare parameter, or one read
 * through (`*handle`: dma_alloc_coherent() writes the handle there, and
 * dma_free_coherent() takes it as its own `handle`); NULL for anything else.
 */
static const char *stored_param(const struct rc_transition *t, const struct rc_expr *e)
{
	int a;

	if (e && e->kind == EX_UNARY && e->sym == SYM_DEREF)
		e = e->lhs;
	a = t->ev.nr_apis ? arg_of(&t->ev, t->ev.apis[0], e) : -1;
	return a >= 0 ? dg_apis[t->ev.apis[0]].params[a] : NULL;
}

/* The names of the parameters the first transition into @state with values stores. */
static int stored_params(const struct rc_resource *res, int state,
			 const char *stored[RC_MAX_VALUES])
{
	int named = 0;

	for (int i = 0; i < RC_MAX_VALUES; i++)
		stored[i] = NULL;
	for (const struct rc_transition *t = res->transitions; t; t = t->next) {
		if (t->to_state != state || !t->nr_with)
			continue;
		for (int i = 0; i < t->nr_with; i++)
			if ((stored[i] = stored_param(t, t->with[i])))
				named++;
		break;
	}
	return named;
}

/*
 * The release call of state @state of object resource @res, from the
 * resource's own transitions: among the unconditional `on call`
 * transitions that name @state among their FROM states (not `*`), lead out
 * of @keep (the states the rule counts as leaked) and take the key as a
 * bare parameter, the first whose API takes the most of the parameters
 * entries in @state store, by name (`with cache`: kmem_cache_free(cache,
 * ptr) over kfree(ptr); `with size, dev, dir`: dma_unmap_page(dev, addr,
 * size, dir)).  Each stored value goes to the parameter of its name.
 * False: none.
 */
static bool release_of(const struct rc_resource *res, int state, uint32_t keep,
		       struct release *rel)
{
	const char *stored[RC_MAX_VALUES];
	int named = stored_params(res, state, stored), best = -1;

	for (const struct rc_transition *t = res->transitions; t && best < named; t = t->next) {
		int api = t->ev.nr_apis ? t->ev.apis[0] : -1, key, taken = 0;
		struct release cand;

		if (t->ev.kind != EV_CALL || api < 0 || t->when || !strcmp(t->from[0], "*") ||
		    !(t->from_mask & (1u << state)) || (keep & (1u << t->to_state)))
			continue;
		key = arg_of(&t->ev, api, t->key);
		if (key < 0)
			continue;
		cand = (struct release){ .api = api, .key = key };
		for (int i = 0; i < RC_MAX_VALUES; i++)
			if ((cand.value[i] = param_named(api, stored[i])) >= 0)
				taken++;
		if (taken > best) {
			*rel = cand;
			best = taken;
		}
	}
	return best >= 0;
}

static int release_arg(int arg)
{
	return arg < 0 ? DG_RELEASE_NO_ARG : arg;
}

/*
 * reclaim_at_unload: per state of the `each` entry, the module is asked to
 * queue that state's release call (recover.bpf.h); a state with none is
 * refused here.
 */
static void reclaim_c(const struct rc_rule *r, FILE *out)
{
	const struct rc_each *e = r->each;
	struct release rel;

	fprintf(out, "(");
	for (int s = 1; s < e->res->nr_states; s++) {
		if (!(e->state_mask & (1u << s)) || !release_of(e->res, s, e->state_mask, &rel))
			continue;
		fprintf(out, "ent.state == %d ? dg_reclaim_at_unload(fp, %d, dg_release_%d_%d, &ent, "
			"DG_RELEASE_ARGS(%d, %d, %d, %d)) : ", s, r->id, r->id, s, rel.key,
			release_arg(rel.value[0]), release_arg(rel.value[1]),
			release_arg(rel.value[2]));
	}
	fprintf(out, "dg_recover_refused(%d, DG_RECOVERY_CANNOT_RELEASE))", r->id);
}

/* The names of reclaim_at_unload's release calls, for the module. */
static void emit_release_names(const struct rc_program *prog, FILE *out)
{
	struct release rel;

	for (struct rc_rule *r = prog->rules; r; r = r->next) {
		if (!is_reclaim(r))
			continue;
		for (int s = 1; s < r->each->res->nr_states; s++)
			if ((r->each->state_mask & (1u << s)) &&
			    release_of(r->each->res, s, r->each->state_mask, &rel))
				fprintf(out, "static char dg_release_%d_%d[DG_RELEASE_NAME_LEN] = "
					"\"%s\";\n", r->id, s, dg_apis[rel.api].name);
	}
}

/* The C that carries out @r's recovery action (recover.bpf.h) and yields its outcome. */
static void recovery_c(const struct rc_rule *r, FILE *out)
{
	if (!r->recover)
		fprintf(out, "DG_RECOVERY_NONE");
	else if (is_unlock_around(r))
		fprintf(out, "dg_unlock_around(fp, %d)", r->id);
	else if (is_release_at_return(r))
		fprintf(out, "dg_release_at_return(fp, %d, slot, &ent)", r->id);
	else if (is_reclaim(r))
		reclaim_c(r, out);
	else if (!strcmp(r->recover, "reclaim_at_unload"))
		/* only what a driver owns at unload can be reclaimed */
		fprintf(out, "dg_recover_refused(%d, DG_RECOVERY_NOT_AT_UNLOAD)", r->id);
	else
		fprintf(out, "dg_recover_unimplemented(%d)", r->id);
}

/*
 * The parameter in @e a call-changing action works on: for skip_free the
 * first one a resource is looked up by (the object the rule judged), for
 * gfp_atomic the first flags one; NULL when there is none.
 */
static const struct rc_expr *acted_param(const struct rc_expr *e, bool flags)
{
	const struct rc_expr *p;

	if (!e)
		return NULL;
	if (!flags && e->kind == EX_INDEX && is_param(e->rhs))
		return e->rhs;
	if (flags && is_param(e) && e->type == TY_FLAGS)
		return e;
	p = acted_param(e->lhs, flags) ?: acted_param(e->rhs, flags);
	for (int i = 0; !p && i < e->nr_args; i++)
		p = acted_param(e->args[i], flags);
	return p;
}

/*
 * The actions that change the driver's call before it proceeds
 * (recover.bpf.h): emit the call to @r's, on the parameter its condition
 * judged; false when @r has none.
 */
static bool emit_call_change(struct gen *g, const struct rc_rule *r)
{
	const struct rc_expr *p;
	bool flags;

	if (!r->recover || r->ev.kind != EV_CALL || r->each)
		return false;
	if (!strcmp(r->recover, "skip_free"))
		flags = false;
	else if (!strcmp(r->recover, "gfp_atomic"))
		flags = true;
	else
		return false;
	p = acted_param(r->when, flags);
	if (!p)
		return false;
	if (dg_apis[g->api].caller_param) {
		/* a kernel helper's call on the driver's behalf: not the driver's to change */
		fprintf(g->out, "dg_recover_refused(%d, DG_RECOVERY_CANNOT_CHANGE)", r->id);
		return true;
	}
	fprintf(g->out, "%s(ctx, fp, %d, ", flags ? "dg_gfp_atomic" : "dg_skip_free", r->id);
	expr_c(g, p, g->out);
	fprintf(g->out, ")");
	return true;
}

/*
 * fail_call (recover.bpf.h): the driver's call returns the failure the
 * catalog says its API allows, or, for an API with none, the refusal; false
 * when @r is not a fail_call rule on a call event.
 */
static bool emit_fail_call(struct gen *g, const struct rc_rule *r)
{
	const struct dg_api *api;

	if (!r->recover || strcmp(r->recover, "fail_call") || r->ev.kind != EV_CALL || r->each)
		return false;
	api = &dg_apis[g->api];
	if (!api->can_fail)
		fprintf(g->out, "dg_recover_refused(%d, DG_RECOVERY_CANNOT_FAIL)", r->id);
	else if (api->fail_param)
		fprintf(g->out, "dg_fail_call(ctx, fp, %d, (__s64)fp->arg[%d])", r->id,
			api->fail_param - 1);
	else
		fprintf(g->out, "dg_fail_call(ctx, fp, %d, %lldLL)", r->id, api->fails_with);
	return true;
}

static void emit_report(struct gen *g, const struct rc_rule *r)
{
	for (int i = 0; i < r->nr_fields; i++)
		collect(g, r->fields[i]);
	emit_views(g);
	fprintf(g->out, "%sstruct dg_violation viol = {\n", g->indent);
	fprintf(g->out, "%s\t.rule = %d, .nr_fields = %d, .id_mask = 0x%xu,\n", g->indent, r->id,
		r->nr_fields, identity_mask(r));
	fprintf(g->out, "%s\t.field = {", g->indent);
	for (int i = 0; i < r->nr_fields; i++) {
		fprintf(g->out, "%s(__u64)", i ? ", " : " ");
		expr_c(g, r->fields[i], g->out);
	}
	fprintf(g->out, " },\n%s};\n\n%sviol.recovery = ", g->indent, g->indent);
	if (!emit_call_change(g, r) && !emit_fail_call(g, r))
		recovery_c(r, g->out);
	fprintf(g->out, ";\n");
	if (r->fatal)
		fprintf(g->out, "%sdg_report(fp, &viol, &dg_rule_%d);\n", g->indent, r->id);
	else
		fprintf(g->out, "%sdg_report(fp, &viol, NULL);\n", g->indent);
}

/* The body of one rule, for the frame `fp` (and the entry `ent` of an `each`). */
static void emit_rule_body(struct gen *g, const struct rc_rule *r)
{
	g->nr_views = 0;
	collect(g, r->when);
	emit_views(g);
	if (r->when) {
		fprintf(g->out, "%s", g->indent);
		cond_c(g, r->when, g->out);
		fprintf(g->out, " {\n");
	} else {
		fprintf(g->out, "%s{\n", g->indent);
	}
	g->indent = "\t\t\t";
	emit_report(g, r);
	g->indent = "\t\t";
	fprintf(g->out, "%s}\n", g->indent);
}

/* An `each` rule iterates with bpf_loop: its body is a callback. */
static void emit_each_callback(struct gen *g, const struct rc_rule *r)
{
	const struct rc_each *e = r->each;

	fprintf(g->out, "static long dg_each_%d(__u32 i, struct dg_frame *fp)\n{\n", r->id);
	fprintf(g->out, "\tstruct dg_view ent;\n");
	/* released innermost first: nested irqsave locks give their flags back in order */
	if (is_release_at_return(r))
		fprintf(g->out, "\t__u32 slot = dg_held_next_inner(fp);\n\n");
	else
		fprintf(g->out, "\t__u32 slot = i;\n\n");
	fprintf(g->out, "\tif (!dg_each_%s(slot, %d, 0x%xu, fp, &ent))\n\t\treturn 0;\n\t{\n",
		e->res->is_held ? "held" : "object", e->res->id, e->state_mask);
	g->indent = "\t\t";
	emit_rule_body(g, r);
	fprintf(g->out, "\t}\n\treturn 0;\n}\n\n");
}

static void emit_rule(struct gen *g, const struct rc_rule *r)
{
	fprintf(g->out, "\t\t/* rule %s (%s:%d) */\n", r->name, r->loc.file->path, r->loc.line);
	if (r->each) {
		if (is_release_at_return(r))
			fprintf(g->out, "\t\tfp->each_below = ~0ULL;\n");
		fprintf(g->out, "\t\tbpf_loop(%s, dg_each_%d, fp, 0);\n",
			r->each->res->is_held ? "DG_MAX_HELD" : "DG_OBJECTS", r->id);
		return;
	}
	fprintf(g->out, "\t\t{\n");
	g->indent = "\t\t";
	emit_rule_body(g, r);
	fprintf(g->out, "\t\t}\n");
}

/* The C of @e into @buf; "0" when there is no @e. */
static void expr_to(struct gen *g, const struct rc_expr *e, char *buf, size_t size)
{
	FILE *o;

	snprintf(buf, size, "0");
	if (e && (o = fmemopen(buf, size - 1, "w"))) {
		expr_c(g, e, o);
		fclose(o);
	}
}

static void emit_transition(struct gen *g, const struct rc_handler *h,
			    const struct rc_transition *t)
{
	char key[200], value[RC_MAX_VALUES][200];

	map_params(g, &t->ev, h->kind, h->target);
	fprintf(g->out, "\t/* %s: -> %s (%s:%d) */\n\t{\n", t->res->name, t->to,
		t->key_loc.file->path, t->key_loc.line);
	g->nr_views = 0;
	g->indent = "\t\t";
	collect(g, t->when);
	collect(g, t->key);
	for (int i = 0; i < t->nr_with; i++)
		collect(g, t->with[i]);
	emit_views(g);
	expr_to(g, t->key, key, sizeof(key));
	for (int i = 0; i < RC_MAX_VALUES; i++)
		expr_to(g, i < t->nr_with ? t->with[i] : NULL, value[i], sizeof(value[i]));
	if (t->when) {
		fprintf(g->out, "\t\t");
		cond_c(g, t->when, g->out);
		fprintf(g->out, "\n\t");
	}
	fprintf(g->out, "\t\tdg_transition(fp, %d, %d, %s, 0x%xu, %d, %s, %s, %s);\n\t}\n",
		t->res->id, t->res->is_held, key, t->from_mask, t->to_state, value[0], value[1],
		value[2]);
}

/* Whether some transition of @h starts tracking a key (leaves the initial state). */
static bool handler_creates(const struct rc_handler *h)
{
	for (int i = 0; i < h->nr_transitions; i++)
		if (h->transitions[i]->from_mask & 1)
			return true;
	return false;
}

/* A driver's call is counted once: by the call handler, or the return one when alone. */
static bool counts_call(const struct gen *g, const struct rc_handler *h)
{
	if (h->kind == EV_CALL)
		return true;
	for (int i = 0; i < g->low->nr_handlers; i++)
		if (g->low->handlers[i].kind == EV_CALL && g->low->handlers[i].target == h->target)
			return false;
	return true;
}

static void emit_frame_setup(struct gen *g, const struct rc_handler *h, int sym)
{
	const struct entry_hook *hook;
	char name[96];

	program_name(name, sizeof(name), h, sym);
	if (h->kind == EV_CALL || h->kind == EV_RETURN) {
		uint32_t held = 0, object = 0;

		/* the body; the program itself (emit_api_program) counts itself in around it */
		fprintf(g->out, "static __always_inline int %s_body(void *ctx)\n{\n", name);
		fprintf(g->out, "\tstruct dg_frame frame, *fp = &frame;\n\n");

		/* the resources calls from outside the drivers may move (tracked keys only) */
		for (int i = 0; i < h->nr_transitions; i++) {
			const struct rc_resource *r = h->transitions[i]->res;

			if (!(h->transitions[i]->from_mask & 1))
				*(r->is_held ? &held : &object) |= 1u << r->id;
		}
		if (!h->nr_rules && (held || object) && !handler_creates(h))
			/* only moves tracked keys: nothing to do while nothing is tracked */
			fprintf(g->out, "\tif (!dg_any_live(0x%xu, 0x%xu))\n\t\treturn 0;\n", held,
				object);
		fprintf(g->out, "\tif (!dg_frame_api(ctx, fp, %d, %s, 0x%xu, 0x%xu, %d, %s))\n"
			"\t\treturn 0;\n", h->nr_params, h->kind == EV_RETURN ? "true" : "false",
			held, object, dg_apis[h->target].caller_param,
			counts_call(g, h) ? "true" : "false");
		return;
	}
	hook = &entry_hooks[h->target][h->kind == EV_LEAVE];
	fprintf(g->out, "SEC(\"%s\")\nint BPF_PROG(%s, %s)\n{\n", hook->sec, name, hook->params);
	fprintf(g->out, "\tstruct dg_frame frame, *fp = &frame;\n\n");
	if (!hook->target)
		fprintf(g->out, "\tif (!dg_frame_module(fp, mod, %d))\n\t\treturn 0;\n", h->target);
	else
		fprintf(g->out, "\tif (!dg_frame_entry(fp, (__u64)%s, %d))\n\t\treturn 0;\n",
			hook->target, h->target);
	if (hook->ret)
		fprintf(g->out, "\tfp->ret = dg_scalar((__u64)(long)%s);\n", hook->ret);
	for (int i = 0; i < DG_MAX_PARAMS && hook->args[i]; i++)
		fprintf(g->out, "\tfp->arg[%d] = dg_scalar((__u64)%s);\n", i, hook->args[i]);
}

/* An API program: its body between dg_nest_enter() and dg_nest_exit() (bpf/frame.bpf.h). */
static void emit_api_program(struct gen *g, const struct rc_handler *h, int sym)
{
	char name[96];

	program_name(name, sizeof(name), h, sym);
	fprintf(g->out, "SEC(\"%s\")\nint %s(void *ctx)\n{\n\tdg_nest_enter();\n\t%s_body(ctx);\n"
		"\tdg_nest_exit();\n\treturn 0;\n}\n\n", h->kind == EV_CALL ? "fentry" : "fexit",
		name, name);
}

static void emit_handler(struct gen *g, const struct rc_handler *h)
{
	for (int i = 0; i < h->nr_rules; i++)
		if (h->rules[i]->each) {
			bool seen = false;

			/* one callback per rule, even when the rule has several handlers */
			for (int j = 0; j < i; j++)
				seen |= h->rules[j] == h->rules[i];
			if (!seen && !h->rules[i]->each->emitted) {
				map_params(g, &h->rules[i]->ev, h->kind, h->target);
				emit_each_callback(g, h->rules[i]);
			}
			h->rules[i]->each->emitted = true;
		}
	for (int sym = 0; sym < nr_symbols(h); sym++) {
		emit_frame_setup(g, h, sym);
		if (h->nr_rules) {
			fprintf(g->out, "\tif (fp->driver >= 0) {\n");
			for (int i = 0; i < h->nr_rules; i++) {
				map_params(g, &h->rules[i]->ev, h->kind, h->target);
				emit_rule(g, h->rules[i]);
			}
			fprintf(g->out, "\t}\n");
		}
		for (int i = 0; i < h->nr_transitions; i++)
			emit_transition(g, h, h->transitions[i]);
		fprintf(g->out, "\treturn 0;\n}\n\n");
		if (h->kind == EV_CALL || h->kind == EV_RETURN)
			emit_api_program(g, h, sym);
	}
}

/*
 * The APIs whose calls some unlock_around rule may release locks around:
 * each gets a relock program on its return (fexit), retaking the locks.
 */
static void relock_apis(const struct rc_program *prog, bool *relock)
{
	memset(relock, 0, dg_nr_apis * sizeof(*relock));
	for (struct rc_rule *r = prog->rules; r; r = r->next)
		if (is_unlock_around(r))
			for (int i = 0; i < r->ev.nr_apis; i++)
				relock[r->ev.apis[i]] = true;
}

static int api_nr_symbols(int api)
{
	int n = 0;

	while (n < DG_MAX_SYMBOLS && dg_apis[api].symbols[n].name)
		n++;
	return n;
}

/*
 * Two relock programs per symbol: the kernel skips a program already
 * running on the CPU (a task preempted inside it), and a skipped relock
 * would leave the driver's locks released; the second retakes nothing when
 * the first did.
 */
#define RELOCK_COPIES	2

static void relock_program_name(char *buf, size_t size, int api, int sym, int copy)
{
	snprintf(buf, size, "dg_relock%s_%s", copy ? "2" : "", dg_apis[api].name);
	if (sym > 0)
		snprintf(buf + strlen(buf), size - strlen(buf), "__s%d", sym);
}

static void emit_relock_programs(const bool *relock, FILE *out)
{
	char name[96];

	for (size_t api = 0; api < dg_nr_apis; api++)
		for (int sym = 0; relock[api] && sym < api_nr_symbols(api); sym++)
			for (int copy = 0; copy < RELOCK_COPIES; copy++) {
				relock_program_name(name, sizeof(name), api, sym, copy);
				fprintf(out, "SEC(\"fexit\")\nint %s(void *ctx)\n{\n"
					"\tstruct dg_frame frame, *fp = &frame;\n\n"
					"\tdg_nest_enter();\n"
					"\tif (dg_frame_api(ctx, fp, 0, true, 0, 0, %d, false))\n"
					"\t\tdg_relock(fp);\n\tdg_nest_exit();\n"
					"\treturn 0;\n}\n\n", name,
					dg_apis[api].caller_param);
			}
}

static const char *root_path(const struct rc_program *prog)
{
	for (struct rc_file *f = prog->files; f; f = f->next)
		if (!f->included_from)
			return f->path;
	return "?";
}

int rc_emit_c(const struct rc_program *prog, const struct rc_lowered *low, FILE *out)
{
	struct gen g = { .out = out, .low = low };
	int masks[RC_MAX_RESOURCES] = { 0 };
	bool *relock = calloc(dg_nr_apis, sizeof(*relock));

	if (!relock)
		return -1;
	relock_apis(prog, relock);
	/* a second emission (DRVGUARD_KEEP_C's copy) writes the `each` callbacks again */
	for (struct rc_rule *r = prog->rules; r; r = r->next)
		if (r->each)
			r->each->emitted = false;

	for (struct rc_resource *r = prog->resources; r; r = r->next)
		if (r->id < RC_MAX_RESOURCES)
			masks[r->id] = r->held_mask;
	fprintf(out, "// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)\n");
	fprintf(out, "/* Pack '%s', generated by drvguard compile from %s; do not edit. */\n",
		prog->pack_name, root_path(prog));
	fprintf(out, "#define DG_HELD_MASKS { ");
	for (int i = 0; i < RC_MAX_RESOURCES; i++)
		fprintf(out, "0x%x%s", masks[i], i + 1 < RC_MAX_RESOURCES ? ", " : " }\n");
	/* unlock_around leaves mutexes alone: sleeping with one held is legal */
	fprintf(out, "#define DG_NR_CATALOG_APIS %zu\n#define DG_API_LOCK_KINDS { ", dg_nr_apis);
	for (size_t api = 0; api < dg_nr_apis; api++)
		fprintf(out, "%d%s", dg_api_lock_kind(api) == DG_LOCK_MUTEX ? DG_LOCK_NONE :
			dg_api_lock_kind(api), api + 1 < dg_nr_apis ? ", " : " }\n");
	fprintf(out, "#define DG_API_RELEASE_KINDS { ");
	for (size_t api = 0; api < dg_nr_apis; api++)
		fprintf(out, "%d%s", dg_api_lock_kind(api), api + 1 < dg_nr_apis ? ", " : " }\n");
	fprintf(out, "#include \"runtime.bpf.h\"\n\n");
	for (struct rc_resource *r = prog->resources; r; r = r->next) {
		fprintf(out, "/* resource %d: %s (%s):", r->id, r->name, r->is_held ? "held" :
			"object");
		for (int i = 0; i < r->nr_states; i++)
			fprintf(out, " %d=%s", i, r->states[i]);
		fprintf(out, " */\n");
	}
	fprintf(out, "\n");
	/* the names of fatal rules, for the kernel log */
	for (struct rc_rule *r = prog->rules; r; r = r->next)
		if (r->name && r->fatal)
			fprintf(out, "static char dg_rule_%d[DG_RULE_NAME_LEN] = \"%s\";\n",
				r->id, r->name);
	emit_release_names(prog, out);
	fprintf(out, "\n");
	for (int i = 0; i < low->nr_handlers; i++)
		emit_handler(&g, &low->handlers[i]);
	emit_relock_programs(relock, out);
	free(relock);
	return ferror(out) ? -1 : 0;
}

/* ---- metadata ---- */

static const char *field_type(const struct rc_expr *e, char *buf, size_t size)
{
	static const char *const names[] = {
		[TY_INT] = "int", [TY_FLAGS] = "flags", [TY_PTR] = "ptr", [TY_BOOL] = "bool",
		[TY_CONTEXT] = "context", [TY_API] = "api", [TY_SITE] = "site",
	};

	if (e->type == TY_STATE) {
		snprintf(buf, size, "state:%d", e->res ? e->res->id : 0);
		return buf;
	}
	return e->type < sizeof(names) / sizeof(names[0]) && names[e->type] ? names[e->type] : "int";
}

/* @text with each {expr} replaced by {N}, N counting from *@field; one line. */
static void template(FILE *out, const char *text, int *field)
{
	for (const char *p = text; *p; p++) {
		const char *end;

		if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
			fputc(*p++, out);
			fputc(*p, out);
			continue;
		}
		if (*p == '{' && (end = strchr(p, '}'))) {
			fprintf(out, "{%d}", (*field)++);
			p = end;
			continue;
		}
		fputc(*p == '\n' || *p == '\t' ? ' ' : *p, out);
	}
	fputc('\n', out);
}

int rc_emit_meta(const struct rc_program *prog, const struct rc_lowered *low, FILE *out)
{
	static const char *const severities[] = { "error", "warning", "info" };
	char name[96], buf[32];
	bool *relock;

	fprintf(out, "drvguard-pack 1\ncatalog %016llx\npack %s\ndescription ",
		dg_catalog_fingerprint(), prog->pack_name);
	template(out, prog->description, &(int){ 0 });
	for (struct rc_resource *r = prog->resources; r; r = r->next) {
		fprintf(out, "resource %d %s %s ", r->id, r->name, r->is_held ? "held" : "object");
		for (int i = 0; i < r->nr_states; i++)
			fprintf(out, "%s%s", i ? "," : "", r->states[i]);
		fprintf(out, "\n");
	}
	for (struct rc_rule *r = prog->rules; r; r = r->next) {
		int field = 0;

		if (!r->name)
			continue;
		fprintf(out, "rule %d %s %s %s %d\n", r->id, r->name, severities[r->severity],
			r->recover ? r->recover : "-", r->fatal);
		for (int i = 0; i < r->nr_fields; i++)
			fprintf(out, "field %d %d %s\n", r->id, i,
				field_type(r->fields[i], buf, sizeof(buf)));
		fprintf(out, "message %d ", r->id);
		template(out, r->message, &field);
		for (int i = 0; i < r->nr_notes; i++) {
			fprintf(out, "note %d ", r->id);
			template(out, r->notes[i], &field);
		}
	}
	for (int i = 0; i < low->nr_handlers; i++) {
		const struct rc_handler *h = &low->handlers[i];

		for (int sym = 0; sym < nr_symbols(h); sym++) {
			program_name(name, sizeof(name), h, sym);
			fprintf(out, "program %s %s %s %d\n", name, event_kind_names[h->kind],
				h->kind == EV_CALL || h->kind == EV_RETURN ?
				dg_apis[h->target].name : dg_entries[h->target].name, sym);
		}
	}
	relock = calloc(dg_nr_apis, sizeof(*relock));
	if (!relock)
		return -1;
	relock_apis(prog, relock);
	/* a second emission (DRVGUARD_KEEP_C's copy) writes the `each` callbacks again */
	for (struct rc_rule *r = prog->rules; r; r = r->next)
		if (r->each)
			r->each->emitted = false;
	for (size_t api = 0; api < dg_nr_apis; api++)
		for (int sym = 0; relock[api] && sym < api_nr_symbols(api); sym++)
			for (int copy = 0; copy < RELOCK_COPIES; copy++) {
				relock_program_name(name, sizeof(name), api, sym, copy);
				fprintf(out, "program %s return %s %d\n", name, dg_apis[api].name,
					sym);
			}
	free(relock);
	fprintf(out, "program dg_rt_module_init runtime do_init_module\n");
	fprintf(out, "program dg_rt_module_init_done runtime do_init_module\n");
	fprintf(out, "program dg_rt_module_free runtime free_module\n");
	return ferror(out) ? -1 : 0;
}
