// SPDX-License-Identifier: Apache-2.0
/*
 * check_array - unit tests for array_grow: the doubling from 64, contents
 * kept across a realloc, nothing done when there is room, and a need whose
 * size in bytes does not fit in a size_t refused with -EOVERFLOW, the array
 * left as it was.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "lib/array.h"
#include "suites.h"

START_TEST(test_grow_doubles)
{
	uint32_t *a = NULL;
	size_t alloc = 0;

	ck_assert_int_eq(array_grow((void **)&a, &alloc, 1, sizeof(*a)), 0);
	ck_assert_ptr_nonnull(a);
	ck_assert_uint_eq(alloc, 64);
	for (uint32_t i = 0; i < 64; i++)
		a[i] = i * 7;
	ck_assert_int_eq(array_grow((void **)&a, &alloc, 64, sizeof(*a)), 0);
	ck_assert_uint_eq(alloc, 64);		/* room already: untouched */
	ck_assert_int_eq(array_grow((void **)&a, &alloc, 65, sizeof(*a)), 0);
	ck_assert_uint_eq(alloc, 128);
	ck_assert_int_eq(array_grow((void **)&a, &alloc, 1000, sizeof(*a)), 0);
	ck_assert_uint_eq(alloc, 1024);
	for (uint32_t i = 0; i < 64; i++)
		ck_assert_uint_eq(a[i], i * 7);
	free(a);
}
END_TEST

/*
 * need * size wraps to 0 (2^60 elements of 16 bytes): the old snap_grow
 * doubled up to 2^60, asked realloc for 0 bytes and lost the array.
 */
START_TEST(test_grow_overflow_untouched)
{
	uint64_t *a = NULL;
	size_t alloc = 0;
	void *before;

	ck_assert_int_eq(array_grow((void **)&a, &alloc, 10, 16), 0);
	a[0] = 42;
	before = a;
	ck_assert_int_eq(array_grow((void **)&a, &alloc, SIZE_MAX / 16 + 1, 16), -EOVERFLOW);
	ck_assert_ptr_eq(a, before);
	ck_assert_uint_eq(alloc, 64);
	ck_assert_uint_eq(a[0], 42);
	ck_assert_int_eq(array_grow((void **)&a, &alloc, SIZE_MAX, 2), -EOVERFLOW);
	ck_assert_int_eq(array_grow((void **)&a, &alloc, 65, 0), -EINVAL);
	ck_assert_ptr_eq(a, before);
	ck_assert_uint_eq(alloc, 64);
	free(a);
}
END_TEST

Suite *array_suite(void)
{
	Suite *s = suite_create("array");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_grow_doubles);
	tcase_add_test(tc, test_grow_overflow_untouched);
	suite_add_tcase(s, tc);
	return s;
}
