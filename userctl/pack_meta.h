/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A compiled pack's metadata, as rules/emit.c writes it: the pack's name and
 * description, its resources, its rules with their messages and the types of
 * their fields, and its programs with what each one attaches to.  The loader
 * reads it from the pack object, `watch` and `status` from the pinned `meta`
 * map; RULES.md ("Pack objects") documents the format.
 */
#ifndef USERCTL_PACK_META_H
#define USERCTL_PACK_META_H

#include <stdio.h>

#define DG_META_MAX_RULES	64
#define DG_META_MAX_PROGRAMS	320
#define DG_META_MAX_RESOURCES	16
#define DG_META_MAX_STATES	16
#define DG_META_MAX_NOTES	4

enum dg_field_type {
	DG_FIELD_INT, DG_FIELD_FLAGS, DG_FIELD_PTR, DG_FIELD_BOOL, DG_FIELD_STATE,
	DG_FIELD_CONTEXT, DG_FIELD_API, DG_FIELD_SITE,
};

struct dg_meta_rule {
	int id;
	char *name, *severity, *recover;	/* recover: NULL when none */
	int fatal;
	enum dg_field_type fields[8];
	int field_res[8];			/* DG_FIELD_STATE: the resource */
	int nr_fields;
	char *message;				/* fields written {N} */
	char *notes[DG_META_MAX_NOTES];
	int nr_notes;
};

struct dg_meta_program {
	char *name;
	char *kind;		/* call, return, enter, leave, runtime */
	char *target;		/* API, entry class, or kernel function */
	int symbol;		/* call/return: which of the API's catalog symbols */
};

struct dg_meta_resource {
	char *name;
	int held;
	char *states[DG_META_MAX_STATES];
	int nr_states;
};

struct dg_pack_meta {
	char *name, *description;
	unsigned long long catalog;	/* fingerprint of the catalog it was compiled with */
	struct dg_meta_resource resources[DG_META_MAX_RESOURCES];
	int nr_resources;
	struct dg_meta_rule rules[DG_META_MAX_RULES];
	int nr_rules;
	struct dg_meta_program programs[DG_META_MAX_PROGRAMS];
	int nr_programs;
};

/* Parse @text into @m; 0, or -EINVAL naming the bad line through @err_line. */
int dg_meta_parse(const char *text, struct dg_pack_meta *m, int *err_line);
void dg_meta_free(struct dg_pack_meta *m);
/* The rule with id @id, or NULL. */
const struct dg_meta_rule *dg_meta_rule(const struct dg_pack_meta *m, unsigned int id);
const struct dg_meta_rule *dg_meta_rule_named(const struct dg_pack_meta *m, const char *name);

#endif /* USERCTL_PACK_META_H */
