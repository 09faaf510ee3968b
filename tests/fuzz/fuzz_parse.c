// SPDX-License-Identifier: Apache-2.0
/*
 * fuzz_parse - the decimal parser (lib/parse) that query strings, flags,
 * the environment, audit records and /proc text go through, held against
 * a reference written here with 128-bit arithmetic.
 *
 * Input: 8 bytes of the maximum (little-endian), then the text; the text
 * is parsed whole (parse_dec_str) and as a prefix bounded by its end and
 * by a NUL (parse_dec).  Invariants: 0 exactly when the reference finds
 * digits whose number is at most max, with that number; -ERANGE exactly
 * when it is above max; -EINVAL otherwise; a prefix parse stops just past
 * the digits and moves nothing on an error.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/parse.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The digits at s[0..n): how many, and their number saturated above 2^64. */
static size_t ref_digits(const char *s, size_t n, unsigned __int128 *v)
{
	size_t i;

	*v = 0;
	for (i = 0; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
		*v = *v * 10 + (unsigned)(s[i] - '0');
		if (*v > (unsigned __int128)UINT64_MAX + 1)
			*v = (unsigned __int128)UINT64_MAX + 1;
	}
	return i;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned __int128 ref;
	uint64_t max = 0, v = 7;
	const char *p;
	size_t n, len;
	char *s;
	int ret;

	if (size < sizeof(max))
		return 0;
	memcpy(&max, data, sizeof(max));
	len = size - sizeof(max);
	s = malloc(len + 1);
	if (!s)
		abort();
	memcpy(s, data + sizeof(max), len);
	s[len] = '\0';

	/* the whole string (up to its first NUL) */
	n = ref_digits(s, strlen(s), &ref);
	ret = parse_dec_str(s, max, &v);
	if (n == 0 || s[n])
		FUZZ_ASSERT(ret == -EINVAL && v == 7, "\"%s\": %d", s, ret);
	else if (ref > max)
		FUZZ_ASSERT(ret == -ERANGE && v == 7, "\"%s\" above %llu: %d", s, (unsigned long long)max, ret);
	else
		FUZZ_ASSERT(ret == 0 && v == ref, "\"%s\": %d, %llu", s, ret, (unsigned long long)v);

	/* a prefix, bounded by the input's end (the bytes after a NUL too) */
	v = 7;
	p = s;
	n = ref_digits(s, len, &ref);
	ret = parse_dec(&p, s + len, max, &v);
	if (n == 0)
		FUZZ_ASSERT(ret == -EINVAL && p == s && v == 7, "prefix: %d", ret);
	else if (ref > max)
		FUZZ_ASSERT(ret == -ERANGE && p == s && v == 7, "prefix above max: %d", ret);
	else
		FUZZ_ASSERT(ret == 0 && p == s + n && v == ref, "prefix: %d after %zu of %zu digits", ret,
			    (size_t)(p - s), n);
	free(s);
	return 0;
}
