/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Turning `func+0xoff` in a module into `file:line`, when the module's .ko
 * file is known and carries debug info.
 */
#ifndef USERCTL_SOURCE_LINES_H
#define USERCTL_SOURCE_LINES_H

#include <stddef.h>

/* `file:line` of @func + @off in module file @ko into @buf; 0 or -errno. */
int dg_source_line(const char *ko, const char *func, unsigned long long off, char *buf,
		   size_t len);

/*
 * `func+0xoff [@module]` for offset @off into the text of module file @ko,
 * for a site whose module is gone from kallsyms; 0 or -errno.
 */
int dg_ko_symbolize(const char *ko, const char *module, unsigned long long off, char *buf,
		    size_t len);

/* Split `func+0xoff [module]` into @func and @off; 0 or -EINVAL. */
int dg_site_split(const char *site, char *func, size_t len, unsigned long long *off);

#endif /* USERCTL_SOURCE_LINES_H */
