/* SPDX-License-Identifier: GPL-2.0 */
/* Minimal JSON output helpers: strings are the only values that need care. */
#ifndef USERCTL_JSON_H
#define USERCTL_JSON_H

#include <stdio.h>

/* Print @s as a quoted JSON string, escaping quotes, backslashes and controls. */
void json_str(FILE *out, const char *s);

/* Print `"key":` followed by the quoted string @val. */
void json_kv_str(FILE *out, const char *key, const char *val);

#endif /* USERCTL_JSON_H */
