/* SPDX-License-Identifier: Apache-2.0 */
/*
 * parse - the one decimal parser, for numbers from /proc, fdinfo, audit
 * records, query strings, flags and the environment.  Strict: digits only
 * (no sign, no blanks, no base prefix; leading zeros are fine), overflow
 * checked against a caller's maximum.  Pure; safe from any thread.
 */
#ifndef BPFME_PARSE_H
#define BPFME_PARSE_H

#include <stdint.h>

/*
 * The decimal number whose digits start at *pp, read up to end or to the
 * first byte that is not a digit (end NULL: no bound but that byte; a NUL
 * is never a digit).  Returns 0 with *out set and *pp just past the last
 * digit; -EINVAL when *pp does not start with a digit (or *pp >= end);
 * -ERANGE when the number is above max.  On an error *pp and *out are
 * unchanged.  What follows the digits is the caller's to check.
 */
int parse_dec(const char **pp, const char *end, uint64_t max, uint64_t *out);

/*
 * The whole NUL-terminated s as a decimal number from 0 to max.  Returns
 * 0 with *out set; -EINVAL when s is empty or holds anything but digits;
 * -ERANGE when s is all digits but its number is above max.  *out is
 * unchanged on an error.
 */
int parse_dec_str(const char *s, uint64_t max, uint64_t *out);

#endif
