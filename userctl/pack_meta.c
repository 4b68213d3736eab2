// SPDX-License-Identifier: GPL-2.0
/*
 * Parser of a pack's metadata text: one record per line, the record's kind
 * first.  Unknown kinds are skipped so that older commands read newer packs;
 * a known record that does not parse makes the whole pack invalid.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "pack_meta.h"

static const char *const field_types[] = {
	[DG_FIELD_INT] = "int", [DG_FIELD_FLAGS] = "flags", [DG_FIELD_PTR] = "ptr",
	[DG_FIELD_BOOL] = "bool", [DG_FIELD_STATE] = "state", [DG_FIELD_CONTEXT] = "context",
	[DG_FIELD_API] = "api", [DG_FIELD_SITE] = "site",
};

static struct dg_meta_rule *rule_by_id(struct dg_pack_meta *m, int id)
{
	for (int i = 0; i < m->nr_rules; i++)
		if (m->rules[i].id == id)
			return &m->rules[i];
	return NULL;
}

static int parse_field(struct dg_pack_meta *m, const char *rest)
{
	char type[32];
	int id, index, res = 0;
	struct dg_meta_rule *r;

	if (sscanf(rest, "%d %d %31s", &id, &index, type) != 3)
		return -EINVAL;
	r = rule_by_id(m, id);
	if (!r || index != r->nr_fields || index >= 8)
		return -EINVAL;
	if (!strncmp(type, "state:", 6)) {
		res = atoi(type + 6);
		type[5] = '\0';
	}
	for (size_t t = 0; t < sizeof(field_types) / sizeof(field_types[0]); t++) {
		if (!strcmp(field_types[t], type)) {
			r->fields[index] = t;
			r->field_res[index] = res;
			r->nr_fields++;
			return 0;
		}
	}
	return -EINVAL;
}

static int parse_resource(struct dg_pack_meta *m, const char *rest)
{
	char name[64], store[16], states[512];
	struct dg_meta_resource *r;
	char *save = NULL;
	int id;

	if (m->nr_resources >= DG_META_MAX_RESOURCES ||
	    sscanf(rest, "%d %63s %15s %511s", &id, name, store, states) != 4 ||
	    id != m->nr_resources)
		return -EINVAL;
	r = &m->resources[m->nr_resources++];
	r->name = strdup(name);
	r->held = !strcmp(store, "held");
	for (char *s = strtok_r(states, ",", &save); s && r->nr_states < DG_META_MAX_STATES;
	     s = strtok_r(NULL, ",", &save))
		r->states[r->nr_states++] = strdup(s);
	return 0;
}

static int parse_rule(struct dg_pack_meta *m, const char *rest)
{
	char name[128], severity[16], recover[64];
	struct dg_meta_rule *r;
	int id, fatal;

	if (m->nr_rules >= DG_META_MAX_RULES ||
	    sscanf(rest, "%d %127s %15s %63s %d", &id, name, severity, recover, &fatal) != 5)
		return -EINVAL;
	r = &m->rules[m->nr_rules++];
	r->id = id;
	r->name = strdup(name);
	r->severity = strdup(severity);
	r->recover = strcmp(recover, "-") ? strdup(recover) : NULL;
	r->fatal = fatal;
	return 0;
}

/* "message ID text" and "note ID text" */
static int parse_text(struct dg_pack_meta *m, const char *rest, bool note)
{
	char *end;
	long id = strtol(rest, &end, 10);
	struct dg_meta_rule *r = rule_by_id(m, id);

	if (!r || *end != ' ')
		return -EINVAL;
	if (!note) {
		free(r->message);
		r->message = strdup(end + 1);
	} else if (r->nr_notes < DG_META_MAX_NOTES) {
		r->notes[r->nr_notes++] = strdup(end + 1);
	}
	return 0;
}

static int parse_program(struct dg_pack_meta *m, const char *rest)
{
	char name[128], kind[16], target[128];
	struct dg_meta_program *p;

	int symbol = 0;

	if (m->nr_programs >= DG_META_MAX_PROGRAMS ||
	    sscanf(rest, "%127s %15s %127s %d", name, kind, target, &symbol) < 3 ||
	    symbol < 0 || symbol >= 8)
		return -EINVAL;
	p = &m->programs[m->nr_programs++];
	p->symbol = symbol;
	p->name = strdup(name);
	p->kind = strdup(kind);
	p->target = strdup(target);
	return 0;
}

static int parse_line(struct dg_pack_meta *m, char *line)
{
	char *rest = strchr(line, ' ');

	if (!rest)
		return line[0] ? 0 : 0;
	*rest++ = '\0';
	if (!strcmp(line, "pack"))
		return (m->name = strdup(rest)) ? 0 : -ENOMEM;
	if (!strcmp(line, "catalog"))
		return sscanf(rest, "%llx", &m->catalog) == 1 ? 0 : -EINVAL;
	if (!strcmp(line, "description"))
		return (m->description = strdup(rest)) ? 0 : -ENOMEM;
	if (!strcmp(line, "resource"))
		return parse_resource(m, rest);
	if (!strcmp(line, "rule"))
		return parse_rule(m, rest);
	if (!strcmp(line, "field"))
		return parse_field(m, rest);
	if (!strcmp(line, "message"))
		return parse_text(m, rest, false);
	if (!strcmp(line, "note"))
		return parse_text(m, rest, true);
	if (!strcmp(line, "program"))
		return parse_program(m, rest);
	return 0;
}

int dg_meta_parse(const char *text, struct dg_pack_meta *m, int *err_line)
{
	char *copy = strdup(text), *save = NULL;
	int line = 0, err = 0;

	memset(m, 0, sizeof(*m));
	if (!copy)
		return -ENOMEM;
	if (strncmp(copy, "drvguard-pack 1\n", 16)) {
		err = -EINVAL;
		line = 1;
	}
	for (char *l = strtok_r(copy, "\n", &save); l && !err; l = strtok_r(NULL, "\n", &save)) {
		line++;
		err = parse_line(m, l);
	}
	if (!err && (!m->name || !m->description))
		err = -EINVAL;
	if (err_line)
		*err_line = line;
	free(copy);
	if (err)
		dg_meta_free(m);
	return err;
}

void dg_meta_free(struct dg_pack_meta *m)
{
	for (int i = 0; i < m->nr_resources; i++) {
		free(m->resources[i].name);
		for (int s = 0; s < m->resources[i].nr_states; s++)
			free(m->resources[i].states[s]);
	}
	for (int i = 0; i < m->nr_rules; i++) {
		struct dg_meta_rule *r = &m->rules[i];

		free(r->name);
		free(r->severity);
		free(r->recover);
		free(r->message);
		for (int n = 0; n < r->nr_notes; n++)
			free(r->notes[n]);
	}
	for (int i = 0; i < m->nr_programs; i++) {
		free(m->programs[i].name);
		free(m->programs[i].kind);
		free(m->programs[i].target);
	}
	free(m->name);
	free(m->description);
	memset(m, 0, sizeof(*m));
}

const struct dg_meta_rule *dg_meta_rule(const struct dg_pack_meta *m, unsigned int id)
{
	for (int i = 0; i < m->nr_rules; i++)
		if ((unsigned int)m->rules[i].id == id)
			return &m->rules[i];
	return NULL;
}

const struct dg_meta_rule *dg_meta_rule_named(const struct dg_pack_meta *m, const char *name)
{
	for (int i = 0; i < m->nr_rules; i++)
		if (!strcmp(m->rules[i].name, name))
			return &m->rules[i];
	return NULL;
}
