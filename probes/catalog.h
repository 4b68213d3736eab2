/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The probe catalog: every kernel API the monitors hook, by logical name,
 * with the real symbol that implements it on the running kernel and the
 * monitor role it plays.  A catalog id is an index into this table; the
 * loader gives the monitors a map from each symbol's address to its id, and
 * the id comes back in violation events.
 */
#ifndef PROBES_CATALOG_H
#define PROBES_CATALOG_H

#include <stddef.h>

#define DG_MAX_APIS	64	/* catalog size a pack can attach at most */

enum dg_probe_role {
	DG_ROLE_SPIN_ACQUIRE,	/* takes the spinlock passed as the first argument */
	DG_ROLE_SPIN_RELEASE,	/* releases the spinlock passed as the first argument */
	DG_ROLE_MAY_SLEEP,	/* may block the calling task */
};

struct dg_api {
	const char *name;	/* logical API name, as rules and reports spell it */
	const char *symbol;	/* kernel symbol that implements it */
	enum dg_probe_role role;
};

extern const struct dg_api dg_apis[];
extern const size_t dg_nr_apis;

/* The catalog entry for @id, or NULL when @id is out of range. */
const struct dg_api *dg_api_by_id(unsigned int id);

#endif /* PROBES_CATALOG_H */
