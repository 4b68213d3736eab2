/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The rule compiler's single internal header, one section per pass:
 * source files and diagnostics, tokens, the syntax tree, the checker's
 * resolved program, and the emitter.  The passes run in that order
 * (lexer -> parser -> checker -> lowering -> emitter); each one collects its
 * diagnostics and the driver stops before lowering when any was an error.
 * RULES.md is the language reference; the EBNF there is repeated on the
 * parser function for each production.
 */
#ifndef RULES_RULEC_H
#define RULES_RULEC_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../probes/catalog.h"

/* BPF-side limits a pack must fit in (bpf/drvguard.h has the same numbers). */
#define RC_MAX_RULES		64
#define RC_MAX_RESOURCES	16
#define RC_MAX_STATES		15
#define RC_MAX_FIELDS		8	/* message and note fields of one rule */
#define RC_MAX_RULE_NAME	63	/* DG_RULE_NAME_LEN - 1 (bpf/report.bpf.h) */
#define RC_MAX_PROGRAMS		120	/* handlers: (event, API or entry class) pairs */
#define RC_MAX_ATTACH		300	/* BPF programs, one per handler and symbol */
#define RC_MAX_INCLUDE_DEPTH	16
#define RC_MAX_VALUES		3	/* values one transition stores (DG_MAX_VALUES) */
/* bpf/drvguard.h: DG_META_CHUNK * DG_META_CHUNKS */
#define DG_META_SIZE_MAX	(4096 * 16)

/* --- source.c: source files and diagnostics -------------------------- */

struct rc_file {
	char *path;
	char *text;		/* NUL-terminated contents */
	size_t len;
	struct rc_file *included_from;
	int include_line;
	struct rc_file *next;
};

struct rc_loc {
	struct rc_file *file;
	int line, col;		/* 1-based */
	int len;		/* characters under the caret, at least 1 */
};

struct rc_diags {
	FILE *out;		/* where diagnostics are printed as they come */
	int errors, warnings;
};

void rc_error(struct rc_diags *d, struct rc_loc loc, const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void rc_warning(struct rc_diags *d, struct rc_loc loc, const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* A diagnostic not tied to a source position, e.g. an unreadable file. */
void rc_error_plain(struct rc_diags *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Read @path into a new rc_file; NULL and errno set on failure. */
struct rc_file *rc_file_read(const char *path);
struct rc_file *rc_file_from_text(const char *path, const char *text, size_t len);
void rc_file_free(struct rc_file *f);
/* The closest of @n @names to @word, for "did you mean" hints, or NULL. */
const char *rc_closest(const char *word, const char *const *names, int n);

/* --- lexer.c: tokens ------------------------------------------------- */

enum rc_tok_kind {
	TK_EOF = 0,
	TK_IDENT,
	TK_INT,
	TK_STRING,
	TK_PUNCT,	/* punctuation and operators; text in tok->text */
};

struct rc_token {
	enum rc_tok_kind kind;
	char *text;		/* identifier, punctuator, or unescaped string */
	uint64_t value;		/* TK_INT */
	struct rc_loc loc;
	bool after_error;	/* follows bytes the lexer reported and skipped */
	struct rc_token *next;
};

/* Tokenize @f; lexical errors are reported and the offending bytes skipped. */
struct rc_token *rc_tokenize(struct rc_file *f, struct rc_diags *d);
/* Tokenize @text, which sits at @at in its file: a message field. */
struct rc_token *rc_tokenize_at(const char *text, struct rc_loc at, struct rc_diags *d);
void rc_tokens_free(struct rc_token *t);

/* --- parser.c: the syntax tree --------------------------------------- */

enum rc_expr_kind {
	EX_INT, EX_NAME, EX_CALL, EX_INDEX, EX_FIELD, EX_UNARY, EX_BINARY,
};

/* Types the checker gives expressions. */
enum rc_type {
	TY_ERROR = 0,	/* already diagnosed: silences follow-on errors */
	TY_INT,
	TY_FLAGS,
	TY_PTR,
	TY_BOOL,
	TY_STATE,	/* a state of expr->res */
	TY_CONTEXT,
	TY_API,
	TY_SITE,	/* a code address, printed symbolized */
	TY_ENTRY,	/* a resource entry: only its fields are values */
};

struct rc_resource;

struct rc_expr {
	enum rc_expr_kind kind;
	struct rc_loc loc;
	char *name;		/* EX_NAME, EX_CALL, EX_FIELD; operator for EX_UNARY/BINARY */
	uint64_t value;		/* EX_INT */
	struct rc_expr *lhs, *rhs;	/* operands; EX_INDEX: lhs names the resource, rhs the key */
	struct rc_expr *args[4];	/* EX_CALL */
	int nr_args;
	/* filled by the checker */
	enum rc_type type;
	struct rc_resource *res;	/* TY_STATE, TY_ENTRY */
	int sym;		/* resolved meaning, see enum rc_sym */
	int index;		/* binding, state, constant or context number */
};

enum rc_event_kind { EV_CALL, EV_RETURN, EV_ENTER, EV_LEAVE };

struct rc_event {
	enum rc_event_kind kind;
	struct rc_loc loc;
	char *names[32];	/* API or group names (EV_CALL/RETURN), entry class (ENTER/LEAVE) */
	struct rc_loc name_locs[32];
	int nr_names;
	bool group_ref[32];	/* written @name */
	char *params[DG_MAX_PARAMS];	/* bound parameter names */
	struct rc_loc param_locs[DG_MAX_PARAMS];
	int nr_params;
	bool ellipsis;		/* (a, ...): the rest are not bound */
	bool by_name;		/* (.a, .b): bound by parameter name, not position */
	char *ret;		/* => name, or NULL */
	struct rc_loc ret_loc;
	bool has_args;
	/* filled by the checker: the catalog APIs, or the entry classes */
	int apis[DG_MAX_APIS];
	int nr_apis;
};

struct rc_transition {
	struct rc_event ev;
	struct rc_expr *when;
	struct rc_expr *key;	/* a bound name, or an expression of them */
	struct rc_loc key_loc;
	char *from[RC_MAX_STATES + 1];	/* NULL-terminated; {"*"} for any */
	struct rc_loc from_locs[RC_MAX_STATES + 1];
	int nr_from;
	char *to;
	struct rc_loc to_loc;
	struct rc_expr *with[RC_MAX_VALUES];	/* values stored in the entry (`with a, b`) */
	int nr_with;
	/* checker */
	struct rc_resource *res;
	uint32_t from_mask;	/* states the transition applies in */
	int to_state;
	struct rc_transition *next;
};

struct rc_resource {
	char *name;
	struct rc_loc loc;
	char *states[RC_MAX_STATES + 1];
	struct rc_loc state_locs[RC_MAX_STATES + 1];
	int nr_states;
	char *held[RC_MAX_STATES + 1];
	struct rc_loc held_locs[RC_MAX_STATES + 1];
	int nr_held;
	struct rc_transition *transitions;
	/* checker */
	int id;
	uint32_t held_mask;
	bool is_held;		/* stored per execution context, not globally */
	struct rc_resource *next;
};

struct rc_group {
	char *name;
	struct rc_loc loc;
	struct rc_event ev;	/* only names[] is used */
	bool entries;		/* a group of entry classes, not of APIs */
	struct rc_group *next;
};

struct rc_each {
	char *var;
	struct rc_loc loc;
	char *res_name;
	struct rc_loc res_loc;
	char *states[RC_MAX_STATES + 1];
	struct rc_loc state_locs[RC_MAX_STATES + 1];
	int nr_states;
	/* checker */
	struct rc_resource *res;
	uint32_t state_mask;
	bool emitted;		/* emitter: its callback is written */
};

enum rc_severity { SEV_ERROR, SEV_WARNING, SEV_INFO };

struct rc_rule {
	char *name;
	struct rc_loc loc;
	struct rc_event ev;
	bool has_event;
	struct rc_each *each;
	struct rc_expr *when;
	enum rc_severity severity;
	bool has_severity;
	char *message;
	struct rc_loc message_loc;
	char *notes[4];
	struct rc_loc note_locs[4];
	int nr_notes;
	char *recover;
	struct rc_loc recover_loc;
	bool fatal;
	/* checker: the {fields} of message and notes, in order */
	struct rc_expr *fields[RC_MAX_FIELDS];
	int nr_fields;
	int id;			/* 1-based rule id in the pack */
	struct rc_rule *next;
};

struct rc_program {
	char *pack_name;
	struct rc_loc pack_loc;
	char *description;
	bool fatal;		/* `pack ... fatal;`: every rule is */
	struct rc_resource *resources;
	struct rc_group *groups;
	struct rc_rule *rules;
	struct rc_file *files;	/* all files read, for freeing */
	int nr_resources, nr_rules;
};

/*
 * Parse @path and, recursively, the files it includes, into @prog.
 * Include paths are relative to the including file.
 */
int rc_parse_file(struct rc_program *prog, const char *path, struct rc_diags *d);
int rc_parse_text(struct rc_program *prog, const char *path, const char *text, size_t len,
		  struct rc_diags *d);
void rc_program_free(struct rc_program *prog);
/* Parse one message field's expression, reporting errors at @loc. */
struct rc_expr *rc_parse_field(const char *text, struct rc_loc loc, struct rc_diags *d);
void rc_expr_free(struct rc_expr *e);

/* --- checker.c: name resolution and types ---------------------------- */

/* What an EX_NAME or EX_CALL resolved to. */
enum rc_sym {
	SYM_NONE = 0,
	SYM_PARAM,	/* event binding; index = parameter position */
	SYM_RET,	/* the => binding */
	SYM_EACH,	/* the rule's `each` variable */
	SYM_CONST,	/* catalog constant; index into dg_constants */
	SYM_STATE,	/* a state name; index = state number */
	SYM_CONTEXT,	/* process/softirq/hardirq/nmi; index = enum dg_context */
	SYM_CTX_NOW,	/* `context` */
	SYM_ATOMIC,	/* `atomic` */
	SYM_BY_DRIVER,	/* `by_driver`: a monitored driver made the call */
	SYM_RTNL_HELD,	/* `rtnl_held`: the current task holds the rtnl mutex */
	SYM_API_NOW,	/* `api` */
	SYM_SITE_NOW,	/* `site` */
	SYM_PID, SYM_CPU,
	SYM_API_NAME,	/* a catalog API named where an api is compared; index = catalog id */
	SYM_HELD,	/* held(R...) */
	SYM_LAST,	/* last(R) */
	SYM_FIELD_KEY, SYM_FIELD_STATE, SYM_FIELD_SITE, SYM_FIELD_API, SYM_FIELD_PID,
	SYM_FIELD_CONTEXT, SYM_FIELD_CPU, SYM_FIELD_VALUE, SYM_FIELD_VALUE2, SYM_FIELD_VALUE3,
	SYM_DEREF,	/* unary `*`: the word at a kernel address */
};

int rc_check(struct rc_program *prog, struct rc_diags *d);

/* --- lower.c and emit.c: BPF C and the pack's metadata --------------- */

/* One BPF program: everything that happens on one event of one API or entry class. */
struct rc_handler {
	enum rc_event_kind kind;
	int target;		/* catalog API id, or entry class */
	struct rc_rule *rules[RC_MAX_RULES];
	int nr_rules;
	struct rc_transition *transitions[64];
	int nr_transitions;
	int nr_params;		/* parameters any rule or transition binds */
};

struct rc_lowered {
	struct rc_handler handlers[RC_MAX_PROGRAMS];
	int nr_handlers;
};

int rc_lower(const struct rc_program *prog, struct rc_lowered *out, struct rc_diags *d);
/* Write the BPF C of the pack to @out. */
int rc_emit_c(const struct rc_program *prog, const struct rc_lowered *low, FILE *out);
/* Write the metadata the loader and the reports read (format: RULES.md). */
int rc_emit_meta(const struct rc_program *prog, const struct rc_lowered *low, FILE *out);

/* --- compile.c: the driver ------------------------------------------- */

struct rc_compile_opts {
	const char *include_dirs;	/* ':'-separated: the runtime headers and vmlinux.h */
	const char *clang;
	const char *keep_c;		/* write the generated C here too, or NULL */
	bool verbose;
};

/* Diagnose @path; 0 when it has no errors. */
int rc_check_file(const char *path, FILE *diag_out);
/* Compile @path to the pack object @out_path. */
int rc_compile_file(const char *path, const char *out_path, const struct rc_compile_opts *opts,
		    FILE *diag_out);

#endif /* RULES_RULEC_H */
