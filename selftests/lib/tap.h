/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small TAP producer for the host-side unit tests: `ok N - name` /
 * `not ok N - name`, the plan printed at the end, exit 1 on any failure.
 */
#ifndef SELFTESTS_TAP_H
#define SELFTESTS_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_count, tap_failures;

static inline void tap_begin(void)
{
	printf("TAP version 13\n");
}

static inline __attribute__((format(printf, 2, 3))) int tap_ok(int pass, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", pass ? "" : "not ", ++tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	tap_failures += !pass;
	return pass;
}

/* A string equality check that shows both sides when it fails. */
#define tap_streq(got, want, ...)						\
	do {									\
		const char *g_ = (got), *w_ = (want);				\
		if (!tap_ok(g_ && !strcmp(g_, w_), __VA_ARGS__))		\
			printf("#   got:  '%s'\n#   want: '%s'\n", g_ ? g_ : "(null)", w_); \
	} while (0)

#define tap_contains(hay, needle, ...)						\
	do {									\
		const char *h_ = (hay), *n_ = (needle);				\
		if (!tap_ok(h_ && strstr(h_, n_), __VA_ARGS__))			\
			printf("#   '%s'\n#   does not contain '%s'\n", h_ ? h_ : "(null)", n_); \
	} while (0)

static inline int tap_end(void)
{
	printf("1..%d\n", tap_count);
	return tap_failures ? 1 : 0;
}

#endif /* SELFTESTS_TAP_H */
