// SPDX-License-Identifier: Apache-2.0
/* check_parse - the one decimal parser: digits, bounds, what it refuses, where it stops. */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "lib/parse.h"
#include "suites.h"

/* parse_dec_str(s, max) with *out preset to 7; the return, and *out through v. */
static int str(const char *s, uint64_t max, uint64_t *v)
{
	*v = 7;
	return parse_dec_str(s, max, v);
}

START_TEST(test_str)
{
	uint64_t v;

	ck_assert_int_eq(str("0", UINT64_MAX, &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(str("42", UINT64_MAX, &v), 0);
	ck_assert_uint_eq(v, 42);
	ck_assert_int_eq(str("000123", UINT64_MAX, &v), 0);	/* leading zeros */
	ck_assert_uint_eq(v, 123);
	ck_assert_int_eq(str("18446744073709551615", UINT64_MAX, &v), 0);
	ck_assert_uint_eq(v, UINT64_MAX);
	ck_assert_int_eq(str("0000000000000000000000018446744073709551615", UINT64_MAX, &v), 0);
	ck_assert_uint_eq(v, UINT64_MAX);
	/* strict: nothing but digits, and at least one */
	static const char *const bad[] = {
		"", " 1", "1 ", "+1", "-1", "-0", "0x10", "1e3", "1.5", "１", "1\n", "\t1", "12a", "a12",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(str(bad[i], UINT64_MAX, &v) == -EINVAL, "\"%s\" taken", bad[i]);
		ck_assert_uint_eq(v, 7);	/* untouched */
	}
}
END_TEST

/* The bound: max itself is in, max + 1 is -ERANGE; a bad byte is -EINVAL before that. */
START_TEST(test_str_bounds)
{
	uint64_t v;

	ck_assert_int_eq(str("18446744073709551616", UINT64_MAX, &v), -ERANGE);
	ck_assert_int_eq(str("99999999999999999999999999", UINT64_MAX, &v), -ERANGE);
	ck_assert_uint_eq(v, 7);
	ck_assert_int_eq(str("99999999999999999999999999x", UINT64_MAX, &v), -EINVAL);
	ck_assert_int_eq(str("65535", 65535, &v), 0);
	ck_assert_uint_eq(v, 65535);
	ck_assert_int_eq(str("65536", 65535, &v), -ERANGE);
	ck_assert_int_eq(str("2147483647", INT_MAX, &v), 0);
	ck_assert_uint_eq(v, INT_MAX);
	ck_assert_int_eq(str("2147483648", INT_MAX, &v), -ERANGE);
	ck_assert_int_eq(str("4294967295", UINT32_MAX, &v), 0);
	ck_assert_int_eq(str("4294967296", UINT32_MAX, &v), -ERANGE);
	/* a max below 10: a single digit above it is out, not wrapped round */
	ck_assert_int_eq(str("0", 0, &v), 0);
	ck_assert_int_eq(str("1", 0, &v), -ERANGE);
	ck_assert_int_eq(str("5", 5, &v), 0);
	ck_assert_uint_eq(v, 5);
	ck_assert_int_eq(str("6", 5, &v), -ERANGE);
	ck_assert_int_eq(str("10", 9, &v), -ERANGE);
	ck_assert_int_eq(str("009", 9, &v), 0);
}
END_TEST

/* parse_dec: stops after the digits, honours end, moves nothing on an error. */
START_TEST(test_dec)
{
	const char text[] = "123 456:789\n", *p = text;
	uint64_t v = 7;

	ck_assert_int_eq(parse_dec(&p, NULL, UINT64_MAX, &v), 0);
	ck_assert_uint_eq(v, 123);
	ck_assert_ptr_eq(p, text + 3);
	ck_assert_int_eq(parse_dec(&p, NULL, UINT64_MAX, &v), -EINVAL);	/* at the blank */
	ck_assert_ptr_eq(p, text + 3);
	ck_assert_uint_eq(v, 123);
	p++;
	ck_assert_int_eq(parse_dec(&p, NULL, 455, &v), -ERANGE);
	ck_assert_ptr_eq(p, text + 4);
	ck_assert_int_eq(parse_dec(&p, NULL, 456, &v), 0);
	ck_assert_uint_eq(v, 456);
	ck_assert_int_eq(*p, ':');
	p++;
	/* end bounds the digits: "789" read as "78" */
	ck_assert_int_eq(parse_dec(&p, text + 10, UINT64_MAX, &v), 0);
	ck_assert_uint_eq(v, 78);
	ck_assert_ptr_eq(p, text + 10);
	ck_assert_int_eq(parse_dec(&p, text + 10, UINT64_MAX, &v), -EINVAL);	/* p == end */
	ck_assert_int_eq(parse_dec(&p, text + 9, UINT64_MAX, &v), -EINVAL);	/* p > end */
	ck_assert_int_eq(parse_dec(&p, NULL, UINT64_MAX, &v), 0);
	ck_assert_uint_eq(v, 9);
	ck_assert_int_eq(*p, '\n');
	/* a sign or a blank first is not a number */
	p = "-1";
	ck_assert_int_eq(parse_dec(&p, NULL, UINT64_MAX, &v), -EINVAL);
	p = "+1";
	ck_assert_int_eq(parse_dec(&p, NULL, UINT64_MAX, &v), -EINVAL);
	p = "";
	ck_assert_int_eq(parse_dec(&p, NULL, UINT64_MAX, &v), -EINVAL);
	/* overflow of 64 bits is -ERANGE, however many digits follow */
	p = "18446744073709551616";
	ck_assert_int_eq(parse_dec(&p, NULL, UINT64_MAX, &v), -ERANGE);
	p = "184467440737095516150";
	ck_assert_int_eq(parse_dec(&p, NULL, UINT64_MAX, &v), -ERANGE);
	/* not NUL-terminated: end is what stops it */
	char buf[4];

	memcpy(buf, "9999", 4);
	p = buf;
	ck_assert_int_eq(parse_dec(&p, buf + sizeof(buf), UINT64_MAX, &v), 0);
	ck_assert_uint_eq(v, 9999);
	ck_assert_ptr_eq(p, buf + sizeof(buf));
}
END_TEST

Suite *parse_suite(void)
{
	return SUITE_OF("parse", "parse", test_str, test_str_bounds, test_dec);
}
