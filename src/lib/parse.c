// SPDX-License-Identifier: Apache-2.0
/* parse - the decimal parser; see parse.h. */
#include "lib/parse.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int parse_dec(const char **pp, const char *end, uint64_t max, uint64_t *out)
{
	const char *p = *pp;
	uint64_t v = 0;

	if ((end && p >= end) || !is_digit(*p))
		return -EINVAL;
	for (; (!end || p < end) && is_digit(*p); p++) {
		unsigned int d = (unsigned int)(*p - '0');

		if (d > max || v > (max - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*pp = p;
	*out = v;
	return 0;
}

int parse_dec_str(const char *s, uint64_t max, uint64_t *out)
{
	const char *p = s;
	uint64_t v;
	int err = parse_dec(&p, NULL, max, &v);

	if (err == -ERANGE) {
		/* a bad byte after the digits makes it no number at all */
		while (is_digit(*p))
			p++;
		return *p ? -EINVAL : -ERANGE;
	}
	if (err || *p)
		return -EINVAL;
	*out = v;
	return 0;
}
