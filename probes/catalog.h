/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The probe catalog: every kernel API a rule can name, by logical name, with
 * its parameters, whether it may block, and the real symbols that implement
 * it on the kernels we know, each with the positions of the parameters in
 * that symbol's own argument list.  It also lists the driver entry points a
 * rule can watch, the named constants rules may use (GFP flags) and the
 * recovery actions a `recover` clause may name.
 *
 * The rule compiler checks rules against this table; the loader maps each
 * symbol's address to its API id and parameter positions for the monitors.
 * A catalog id is an index into dg_apis and comes back in violation events.
 */
#ifndef PROBES_CATALOG_H
#define PROBES_CATALOG_H

#include <stddef.h>

#define DG_MAX_APIS		160	/* catalog entries */
#define DG_MAX_PARAMS		6	/* x86-64 register arguments */
#define DG_MAX_SYMBOLS		4	/* alternative symbols of one API */

/* What a parameter or return value holds; the rule checker types expressions by it. */
enum dg_value_type {
	DG_T_VOID = 0,
	DG_T_INT,	/* integer: sizes, counts, error codes */
	DG_T_PTR,	/* kernel address: a resource key */
	DG_T_FLAGS,	/* bit flags: GFP masks, irq flags */
};

/* One kernel symbol implementing an API, and where each logical parameter sits in it. */
struct dg_api_symbol {
	const char *name;
	/* pos[i]: argument index of logical parameter i; -1 when the symbol lacks it */
	signed char pos[DG_MAX_PARAMS];
};

struct dg_api {
	const char *name;		/* logical name, as rules and reports spell it */
	const char *params[DG_MAX_PARAMS];	/* parameter names, NULL-terminated */
	enum dg_value_type types[DG_MAX_PARAMS];
	enum dg_value_type ret;
	int may_sleep;			/* member of the built-in group @blocking */
	struct dg_api_symbol symbols[DG_MAX_SYMBOLS];	/* tried in order; name NULL ends */
	/*
	 * From 1: the parameter holding the real caller's return address, for
	 * kernel helpers that allocate on behalf of their caller (_RET_IP_).
	 */
	int caller_param;
	/*
	 * What the call may return instead of sleeping, for the fail_call
	 * action: a failure the API documents, as if the sleep had been
	 * interrupted or had timed out.  fails_with, or, when fail_param is set
	 * (from 1), that parameter's value: a sleep cut short that returns the
	 * time left.  APIs without a failure return (msleep(), mutex_lock())
	 * have neither, and fail_call refuses them.
	 */
	int can_fail;
	long long fails_with;
	int fail_param;
};

extern const struct dg_api dg_apis[];
extern const size_t dg_nr_apis;

/* The catalog entry for @id, or NULL when @id is out of range. */
const struct dg_api *dg_api_by_id(unsigned int id);
/*
 * A fingerprint of the catalog's API ids: a pack compares APIs by id, so it
 * only runs with the catalog it was compiled against.
 */
unsigned long long dg_catalog_fingerprint(void);
/* Catalog id of the API named @name, or -1. */
int dg_api_find(const char *name);
/* Number of logical parameters of @api. */
int dg_api_nr_params(const struct dg_api *api);
/* Number of parameters entry class @id hands over. */
int dg_entry_nr_params(int id);

/*
 * Driver entry points: code of the driver the kernel calls into.  Each class
 * is observed at the kernel's own dispatch point (bpf/entry.bpf.h), so no
 * probe goes into the driver's text.
 */
enum dg_entry_class {
	DG_ENTRY_MODULE_INIT = 0,
	DG_ENTRY_MODULE_EXIT,
	DG_ENTRY_IRQ_HANDLER,
	DG_ENTRY_TIMER,
	DG_ENTRY_HRTIMER,
	DG_ENTRY_WORK,
	DG_ENTRY_TASKLET,
	DG_ENTRY_NDO_START_XMIT,
	DG_ENTRY_NDO_OPEN,
	DG_ENTRY_NDO_STOP,
	DG_ENTRY_FOP_OPEN,
	DG_ENTRY_FOP_READ,
	DG_ENTRY_FOP_WRITE,
	DG_ENTRY_FOP_IOCTL,
	DG_ENTRY_FOP_RELEASE,
	DG_NR_ENTRY_CLASSES,
};

struct dg_entry {
	const char *name;		/* as rules spell it */
	int atomic;			/* always runs in atomic context */
	int has_enter, has_leave;	/* which edges can be observed */
	enum dg_value_type ret;		/* the entry point's return value at leave */
	const char *params[DG_MAX_PARAMS];	/* what the dispatch point hands over */
	enum dg_value_type types[DG_MAX_PARAMS];
};

extern const struct dg_entry dg_entries[DG_NR_ENTRY_CLASSES];
/* Entry class named @name, or -1. */
int dg_entry_find(const char *name);

/* A named integer constant rules may use, e.g. a GFP flag. */
struct dg_constant {
	const char *name;
	unsigned long long value;
};

extern const struct dg_constant dg_constants[];
extern const size_t dg_nr_constants;
const struct dg_constant *dg_constant_find(const char *name);

/* The enum dg_lock_kind (bpf/recovery_abi.h) API @id takes its lock with, or DG_LOCK_NONE. */
int dg_api_lock_kind(unsigned int id);
/* Recovery actions a rule's `recover` clause may name (recovery/ implements them). */
extern const char *const dg_recover_actions[];
int dg_recover_find(const char *name);

#endif /* PROBES_CATALOG_H */
