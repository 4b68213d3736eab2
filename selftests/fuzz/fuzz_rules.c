// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the rule compiler's front end: any byte string is a
 * rule file, and lexing, parsing, checking, lowering and emitting it must
 * neither crash nor leak, whatever diagnostics it earns.  The seed corpus
 * is selftests/fuzz/corpus/; `make check` runs this for about a minute
 * under ASan and UBSan.
 */
#include <stdio.h>
#include <stdlib.h>

#include "rulec.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	/* includes resolve next to this path, where nothing exists */
	static const char path[] = "/nonexistent/fuzz.rules";
	struct rc_program prog = { 0 };
	struct rc_lowered *low = calloc(1, sizeof(*low));
	FILE *sink = fopen("/dev/null", "w");
	struct rc_diags d = { .out = sink };

	if (!low || !sink)
		abort();
	rc_parse_text(&prog, path, (const char *)data, size, &d);
	if (!d.errors)
		rc_check(&prog, &d);
	if (!d.errors)
		rc_lower(&prog, low, &d);
	if (!d.errors) {
		rc_emit_c(&prog, low, sink);
		rc_emit_meta(&prog, low, sink);
	}
	rc_program_free(&prog);
	free(low);
	fclose(sink);
	return 0;
}
