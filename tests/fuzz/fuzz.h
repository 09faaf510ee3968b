/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz - what the libFuzzer targets share: an assertion that names the
 * broken invariant and aborts (libFuzzer then saves the input as a crash),
 * and an independent UTF-8 check to hold the writers' output against.
 */
#ifndef BPFME_FUZZ_H
#define BPFME_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define FUZZ_ASSERT(cond, ...) do {						\
	if (!(cond)) {								\
		fprintf(stderr, "%s:%d: invariant broken: %s: ", __FILE__,	\
			__LINE__, #cond);					\
		fprintf(stderr, __VA_ARGS__);					\
		fputc('\n', stderr);						\
		abort();							\
	}									\
} while (0)

/*
 * Length of the well-formed UTF-8 sequence at s[0..n) (1 to 4, as in
 * Unicode's table 3-7), or 0.  Written from the table, not from
 * src/utf8.c, so that the two check each other.
 */
static inline size_t fuzz_utf8_len(const unsigned char *s, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (len > n || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

#endif
