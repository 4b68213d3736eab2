// SPDX-License-Identifier: GPL-2.0
/*
 * JSON string escaping for the -j output.  Task names and symbols come from
 * the kernel and may hold any byte, so every string goes through here.
 */
#include "json.h"

void json_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

void json_kv_str(FILE *out, const char *key, const char *val)
{
	json_str(out, key);
	fputc(':', out);
	json_str(out, val);
}
