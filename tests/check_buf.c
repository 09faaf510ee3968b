// SPDX-License-Identifier: Apache-2.0
/*
 * check_buf - unit tests for the growable buffer: the invariants of buf.h
 * (never NULL, always NUL-terminated, len excludes the NUL), growth across
 * the first allocation, detach/reset/release, and the sticky oom flag.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "suites.h"

static struct buf b;

static void setup(void)
{
	buf_init(&b, 0);
}

static void teardown(void)
{
	buf_release(&b);
}

/* The invariants every buffer must hold after every operation. */
static void check_invariants(const struct buf *x)
{
	ck_assert_ptr_nonnull(x->buf);
	ck_assert_int_eq(x->buf[x->len], '\0');
	if (x->alloc)
		ck_assert_uint_lt(x->len, x->alloc);
	else
		ck_assert_uint_eq(x->len, 0);
}

START_TEST(test_init_empty)
{
	struct buf s = BUF_INIT;

	check_invariants(&s);
	ck_assert_ptr_eq(s.buf, buf_empty);
	ck_assert_str_eq(s.buf, "");
	ck_assert_uint_eq(s.alloc, 0);
	ck_assert(!s.oom);
	buf_release(&s);	/* releasing a never-used buffer is fine */
	check_invariants(&s);

	check_invariants(&b);
	ck_assert_ptr_eq(b.buf, buf_empty);
	ck_assert_uint_eq(b.alloc, 0);
	ck_assert(!b.oom);
}
END_TEST

START_TEST(test_init_hint)
{
	struct buf s;

	buf_init(&s, 1000);
	check_invariants(&s);
	ck_assert_uint_ge(s.alloc, 1001);
	ck_assert_uint_eq(s.len, 0);
	ck_assert_str_eq(s.buf, "");
	ck_assert(!s.oom);
	buf_release(&s);
	ck_assert_uint_eq(s.alloc, 0);
	ck_assert_ptr_eq(s.buf, buf_empty);
	check_invariants(&s);
}
END_TEST

START_TEST(test_add)
{
	buf_add(&b, "abc", 3);
	check_invariants(&b);
	buf_addstr(&b, "def");
	check_invariants(&b);
	buf_addch(&b, 'g');
	check_invariants(&b);
	buf_addstr(&b, "");
	buf_add(&b, "zzz", 0);
	check_invariants(&b);
	ck_assert_uint_eq(b.len, 7);
	ck_assert_str_eq(b.buf, "abcdefg");
}
END_TEST

START_TEST(test_add_binary)
{
	static const char bin[] = { 'a', '\0', 'b', '\0' };

	buf_add(&b, bin, sizeof(bin));
	buf_addch(&b, '\0');
	check_invariants(&b);
	ck_assert_uint_eq(b.len, 5);
	ck_assert_mem_eq(b.buf, "a\0b\0\0", 6);
}
END_TEST

START_TEST(test_addf)
{
	buf_addf(&b, "%s=%d", "x", 42);
	check_invariants(&b);
	ck_assert_str_eq(b.buf, "x=42");
	buf_addf(&b, "%s", "");
	check_invariants(&b);
	ck_assert_uint_eq(b.len, 4);
	buf_addf(&b, " %05.1f|%-3s|%c", 2.5, "a", 'z');
	check_invariants(&b);
	ck_assert_str_eq(b.buf, "x=42 002.5|a  |z");
}
END_TEST

/* One addf longer than the first allocation (64 bytes) into an empty buffer. */
START_TEST(test_addf_first_alloc_too_small)
{
	char big[301];

	memset(big, 'q', 300);
	big[300] = '\0';
	buf_addf(&b, "<%s>", big);
	check_invariants(&b);
	ck_assert_uint_eq(b.len, 302);
	ck_assert_int_eq(b.buf[0], '<');
	ck_assert_int_eq(b.buf[301], '>');
	ck_assert_uint_eq(strspn(b.buf + 1, "q"), 300);
}
END_TEST

/*
 * Many small appends: the buffer grows across the first allocation and
 * several doublings, at every possible fill level; the result must equal
 * the same text built another way.
 */
START_TEST(test_addf_growth)
{
	char expect[20000], *p = expect;
	size_t prev_alloc = 0;
	int grew = 0;

	for (int i = 0; i < 2000; i++) {
		buf_addf(&b, "%d,", i);
		p += sprintf(p, "%d,", i);
		check_invariants(&b);
		ck_assert_uint_eq(b.len, (size_t)(p - expect));
		if (b.alloc != prev_alloc)
			grew++;
		prev_alloc = b.alloc;
	}
	ck_assert_int_gt(grew, 3);
	ck_assert_str_eq(b.buf, expect);
	ck_assert_uint_eq(strlen(b.buf), b.len);
}
END_TEST

/* An addf that exactly fills, or overflows by one, the remaining room. */
START_TEST(test_addf_boundary)
{
	for (size_t fill = 0; fill < 140; fill++) {
		char pad[200];

		buf_reset(&b);
		memset(pad, 'p', fill);
		pad[fill] = '\0';
		buf_addstr(&b, pad);
		buf_addf(&b, "%s%u", "ab", 7u);
		check_invariants(&b);
		ck_assert_uint_eq(b.len, fill + 3);
		ck_assert_str_eq(b.buf + fill, "ab7");
	}
}
END_TEST

START_TEST(test_addu64)
{
	static const struct {
		uint64_t v;
		const char *s;
	} cases[] = {
		{ 0, "0" }, { 1, "1" }, { 9, "9" }, { 10, "10" },
		{ 1234567890, "1234567890" },
		{ UINT32_MAX, "4294967295" },
		{ 10000000000000000000ull, "10000000000000000000" },
		{ UINT64_MAX, "18446744073709551615" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_reset(&b);
		buf_addu64(&b, cases[i].v);
		check_invariants(&b);
		ck_assert_str_eq(b.buf, cases[i].s);
		ck_assert_uint_eq(b.len, strlen(cases[i].s));
	}
	buf_reset(&b);
	buf_addstr(&b, "v=");
	buf_addu64(&b, 0);
	buf_addch(&b, ' ');
	buf_addu64(&b, UINT64_MAX);
	check_invariants(&b);
	ck_assert_str_eq(b.buf, "v=0 18446744073709551615");
}
END_TEST

START_TEST(test_grow)
{
	char *before;

	buf_addstr(&b, "xy");
	ck_assert(buf_grow(&b, 5000));
	check_invariants(&b);
	ck_assert_uint_ge(b.alloc, b.len + 5000 + 1);
	ck_assert_str_eq(b.buf, "xy");
	before = b.buf;
	for (int i = 0; i < 5000; i++)
		buf_addch(&b, 'z');
	ck_assert_ptr_eq(b.buf, before);	/* the room was really reserved */
	ck_assert_uint_eq(b.len, 5002);
	ck_assert(buf_grow(&b, 0));
	check_invariants(&b);
}
END_TEST

START_TEST(test_large)
{
	char chunk[4096];

	for (size_t i = 0; i < sizeof(chunk); i++)
		chunk[i] = (char)('a' + i % 26);
	for (int i = 0; i < 256; i++)
		buf_add(&b, chunk, sizeof(chunk));
	check_invariants(&b);
	ck_assert(!b.oom);
	ck_assert_uint_eq(b.len, 256 * sizeof(chunk));
	for (size_t off = 0; off < b.len; off += 4096 * 17)
		ck_assert_mem_eq(b.buf + off, chunk, sizeof(chunk));
}
END_TEST

START_TEST(test_detach)
{
	size_t len = 0;
	char *p;

	buf_addstr(&b, "hello");
	p = buf_detach(&b, &len);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(len, 5);
	ck_assert_str_eq(p, "hello");
	/* b is left empty and usable */
	ck_assert_uint_eq(b.len, 0);
	ck_assert_uint_eq(b.alloc, 0);
	ck_assert_ptr_ne(b.buf, p);
	check_invariants(&b);
	buf_addstr(&b, "again");
	ck_assert_str_eq(b.buf, "again");
	ck_assert_str_eq(p, "hello");	/* the detached bytes are independent */
	free(p);

	p = buf_detach(&b, NULL);	/* len may be NULL */
	ck_assert_str_eq(p, "again");
	free(p);
}
END_TEST

/* Detaching an empty, never-allocated buffer gives a freeable "". */
START_TEST(test_detach_empty)
{
	size_t len = 99;
	char *p = buf_detach(&b, &len);

	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_ne(p, buf_empty);
	ck_assert_uint_eq(len, 0);
	ck_assert_str_eq(p, "");
	free(p);	/* must be heap memory: valgrind/ASan would complain */
	check_invariants(&b);
}
END_TEST

START_TEST(test_reset)
{
	char *mem;
	size_t alloc;

	buf_reset(&b);	/* on the static empty buffer */
	check_invariants(&b);
	ck_assert_ptr_eq(b.buf, buf_empty);

	buf_addstr(&b, "some text");
	mem = b.buf;
	alloc = b.alloc;
	buf_reset(&b);
	check_invariants(&b);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_str_eq(b.buf, "");
	ck_assert_ptr_eq(b.buf, mem);	/* memory kept */
	ck_assert_uint_eq(b.alloc, alloc);
	buf_addstr(&b, "new");
	ck_assert_str_eq(b.buf, "new");
}
END_TEST

START_TEST(test_release)
{
	buf_addstr(&b, "to be freed");
	buf_release(&b);
	check_invariants(&b);
	ck_assert_uint_eq(b.alloc, 0);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_ptr_eq(b.buf, buf_empty);
	buf_addstr(&b, "reused");
	ck_assert_str_eq(b.buf, "reused");
}
END_TEST

START_TEST(test_oom_sticky)
{
	char *p;

	buf_addstr(&b, "abc");
	ck_assert(!buf_grow(&b, SIZE_MAX));
	ck_assert(b.oom);
	/* what was there is kept, intact */
	check_invariants(&b);
	ck_assert_str_eq(b.buf, "abc");
	ck_assert_uint_eq(b.len, 3);

	/* further appends are ignored, and grow keeps failing */
	buf_addstr(&b, "def");
	buf_addch(&b, 'g');
	buf_add(&b, "hij", 3);
	buf_addu64(&b, 12345);
	buf_addf(&b, "%s", "klm");
	ck_assert(!buf_grow(&b, 1));
	ck_assert(b.oom);
	check_invariants(&b);
	ck_assert_str_eq(b.buf, "abc");
	ck_assert_uint_eq(b.len, 3);

	/* detach refuses, and leaves b empty (nothing leaks) */
	p = buf_detach(&b, NULL);
	ck_assert_ptr_null(p);
	check_invariants(&b);
	ck_assert_uint_eq(b.len, 0);
}
END_TEST

/* The size overflow is caught whatever the current length is. */
START_TEST(test_oom_overflow_near_len)
{
	buf_addstr(&b, "0123456789");
	ck_assert(!buf_grow(&b, SIZE_MAX - 10));
	ck_assert(b.oom);
	ck_assert_str_eq(b.buf, "0123456789");
}
END_TEST

START_TEST(test_oom_on_empty)
{
	ck_assert(!buf_grow(&b, SIZE_MAX));
	ck_assert(b.oom);
	check_invariants(&b);
	ck_assert_str_eq(b.buf, "");
	buf_addf(&b, "%d", 1);
	ck_assert_uint_eq(b.len, 0);
	check_invariants(&b);
}
END_TEST

START_TEST(test_oom_cleared_by_reset)
{
	buf_addstr(&b, "abc");
	buf_grow(&b, SIZE_MAX);
	ck_assert(b.oom);
	buf_reset(&b);
	ck_assert(!b.oom);
	check_invariants(&b);
	buf_addstr(&b, "ok");
	buf_addf(&b, "%d", 7);
	ck_assert_str_eq(b.buf, "ok7");
	ck_assert(!b.oom);
}
END_TEST

START_TEST(test_oom_cleared_by_release)
{
	buf_grow(&b, SIZE_MAX);
	ck_assert(b.oom);
	buf_release(&b);
	ck_assert(!b.oom);
	buf_addstr(&b, "ok");
	ck_assert_str_eq(b.buf, "ok");
}
END_TEST

Suite *buf_suite(void)
{
	Suite *s = suite_create("buf");
	TCase *tc;

	tc = tcase_create("basic");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_init_empty);
	tcase_add_test(tc, test_init_hint);
	tcase_add_test(tc, test_add);
	tcase_add_test(tc, test_add_binary);
	tcase_add_test(tc, test_addu64);
	tcase_add_test(tc, test_grow);
	tcase_add_test(tc, test_large);
	suite_add_tcase(s, tc);

	tc = tcase_create("addf");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_addf);
	tcase_add_test(tc, test_addf_first_alloc_too_small);
	tcase_add_test(tc, test_addf_growth);
	tcase_add_test(tc, test_addf_boundary);
	suite_add_tcase(s, tc);

	tc = tcase_create("lifecycle");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_detach);
	tcase_add_test(tc, test_detach_empty);
	tcase_add_test(tc, test_reset);
	tcase_add_test(tc, test_release);
	suite_add_tcase(s, tc);

	tc = tcase_create("oom");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_oom_sticky);
	tcase_add_test(tc, test_oom_overflow_near_len);
	tcase_add_test(tc, test_oom_on_empty);
	tcase_add_test(tc, test_oom_cleared_by_reset);
	tcase_add_test(tc, test_oom_cleared_by_release);
	suite_add_tcase(s, tc);

	return s;
}
