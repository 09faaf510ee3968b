// SPDX-License-Identifier: Apache-2.0
/*
 * check_json - unit tests for JSON string escaping: quotes, backslashes,
 * every control byte, valid UTF-8 kept as is, and each byte of invalid UTF-8
 * (stray continuation bytes, overlong forms, surrogates, code points above
 * U+10FFFF, truncated sequences) turned into \ufffd, C1 controls and
 * U+2028/U+2029 turned into \u0085, \u2028 ....  Outputs are compared with
 * exact expected strings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/json.h"
#include "suites.h"

#define FFFD "\\ufffd"

static struct buf b;

static void setup(void)
{
	buf_init(&b, 0);
}

static void teardown(void)
{
	buf_release(&b);
}

/*
 * Escape exactly n bytes of in and compare with want.  The input is copied
 * to a heap block of exactly n bytes, so reading past it is caught by
 * valgrind or ASan.
 */
static void expect_n(const char *in, size_t n, const char *want)
{
	char *copy = malloc(n ? n : 1);

	ck_assert_ptr_nonnull(copy);
	memcpy(copy, in, n);
	buf_reset(&b);
	json_add_stringn(&b, copy, n);
	free(copy);
	ck_assert(!b.oom);
	ck_assert_uint_eq(b.len, strlen(b.buf));
	ck_assert_str_eq(b.buf, want);
}

static void expect(const char *in, const char *want)
{
	expect_n(in, strlen(in), want);
}

START_TEST(test_empty)
{
	expect("", "\"\"");
	expect_n("ignored", 0, "\"\"");
	buf_reset(&b);
	json_add_string(&b, "");
	ck_assert_str_eq(b.buf, "\"\"");
}
END_TEST

START_TEST(test_plain)
{
	expect("hello world", "\"hello world\"");
	expect("a/b:c{d}[e]'f'", "\"a/b:c{d}[e]'f'\"");
}
END_TEST

/* Every printable ASCII byte but " and \ passes through unchanged. */
START_TEST(test_printable_ascii)
{
	char in[128], want[130];
	size_t n = 0;

	for (int c = 0x20; c < 0x7f; c++)
		if (c != '"' && c != '\\')
			in[n++] = (char)c;
	want[0] = '"';
	memcpy(want + 1, in, n);
	want[n + 1] = '"';
	want[n + 2] = '\0';
	expect_n(in, n, want);
}
END_TEST

START_TEST(test_quotes_backslashes)
{
	expect("\"", "\"\\\"\"");
	expect("\\", "\"\\\\\"");
	expect("a\"b\\c", "\"a\\\"b\\\\c\"");
	expect("\\\"\\\"", "\"\\\\\\\"\\\\\\\"\"");
	expect("C:\\path\\\"x\"", "\"C:\\\\path\\\\\\\"x\\\"\"");
}
END_TEST

/* Every byte 0x00-0x1f, one at a time. */
START_TEST(test_control_bytes)
{
	static const char hex[] = "0123456789abcdef";

	for (int c = 0; c < 0x20; c++) {
		char in = (char)c, want[16];

		switch (c) {
		case '\b': strcpy(want, "\"\\b\""); break;
		case '\t': strcpy(want, "\"\\t\""); break;
		case '\n': strcpy(want, "\"\\n\""); break;
		case '\f': strcpy(want, "\"\\f\""); break;
		case '\r': strcpy(want, "\"\\r\""); break;
		default:
			strcpy(want, "\"\\u00xx\"");
			want[5] = hex[c >> 4];
			want[6] = hex[c & 15];
		}
		expect_n(&in, 1, want);
	}
}
END_TEST

START_TEST(test_control_bytes_in_text)
{
	expect("line1\nline2\r\n\tend", "\"line1\\nline2\\r\\n\\tend\"");
	expect("\x1b[31mred\x1b[0m", "\"\\u001b[31mred\\u001b[0m\"");
	expect("a\x01\x1f" "b", "\"a\\u0001\\u001fb\"");
}
END_TEST

START_TEST(test_del)
{
	expect("\x7f", "\"\\u007f\"");
	expect("a\x7f" "b", "\"a\\u007fb\"");
}
END_TEST

START_TEST(test_embedded_nul)
{
	expect_n("a\0b", 3, "\"a\\u0000b\"");
	expect_n("\0", 1, "\"\\u0000\"");
	expect_n("\0\0", 2, "\"\\u0000\\u0000\"");
	/* json_add_string stops at the first NUL */
	buf_reset(&b);
	json_add_string(&b, "a\0b");
	ck_assert_str_eq(b.buf, "\"a\"");
}
END_TEST

START_TEST(test_utf8_valid)
{
	static const char *const ok[] = {
		"\xc2\xa0",			/* U+00A0, the first after the C1 controls */
		"\xc3\xa9",			/* é */
		"\xdf\xbf",			/* U+07FF */
		"\xe0\xa0\x80",			/* U+0800, smallest 3-byte */
		"\xe2\x82\xac",			/* € */
		"\xed\x9f\xbf",			/* U+D7FF, just below the surrogates */
		"\xee\x80\x80",			/* U+E000, just above them */
		"\xef\xbf\xbd",			/* U+FFFD itself */
		"\xef\xbf\xbf",			/* U+FFFF */
		"\xf0\x90\x80\x80",		/* U+10000, smallest 4-byte */
		"\xf0\x9f\x98\x80",		/* 😀 */
		"\xf4\x8f\xbf\xbf",		/* U+10FFFF, the last code point */
		"gr\xc3\xbc\xc3\x9f" "e \xe6\x97\xa5\xe6\x9c\xac",	/* mixed text */
	};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		char want[64];

		snprintf(want, sizeof(want), "\"%s\"", ok[i]);
		expect(ok[i], want);
	}
}
END_TEST

START_TEST(test_utf8_lone_continuation)
{
	expect("\x80", "\"" FFFD "\"");
	expect("\xbf", "\"" FFFD "\"");
	expect("a\x80" "b", "\"a" FFFD "b\"");
	expect("\x80\x80", "\"" FFFD FFFD "\"");
	/* a valid sequence followed by one continuation byte too many */
	expect("\xc3\xa9\xa9", "\"\xc3\xa9" FFFD "\"");
}
END_TEST

START_TEST(test_utf8_overlong)
{
	expect("\xc0\xaf", "\"" FFFD FFFD "\"");		/* '/' in 2 bytes */
	expect("\xc1\xbf", "\"" FFFD FFFD "\"");
	expect("\xc0\x80", "\"" FFFD FFFD "\"");		/* "modified UTF-8" NUL */
	expect("\xe0\x80\xaf", "\"" FFFD FFFD FFFD "\"");	/* '/' in 3 bytes */
	expect("\xe0\x9f\xbf", "\"" FFFD FFFD FFFD "\"");	/* U+07FF in 3 bytes */
	expect("\xf0\x80\x80\xaf", "\"" FFFD FFFD FFFD FFFD "\"");
	expect("\xf0\x8f\xbf\xbf", "\"" FFFD FFFD FFFD FFFD "\"");	/* U+FFFF in 4 */
}
END_TEST

START_TEST(test_utf8_surrogates)
{
	expect("\xed\xa0\x80", "\"" FFFD FFFD FFFD "\"");	/* U+D800 */
	expect("\xed\xbf\xbf", "\"" FFFD FFFD FFFD "\"");	/* U+DFFF */
	/* a CESU-8 pair for U+1F600 */
	expect("\xed\xa0\xbd\xed\xb8\x80",
	       "\"" FFFD FFFD FFFD FFFD FFFD FFFD "\"");
}
END_TEST

START_TEST(test_utf8_out_of_range)
{
	expect("\xf4\x90\x80\x80", "\"" FFFD FFFD FFFD FFFD "\"");	/* U+110000 */
	expect("\xf5\x80\x80\x80", "\"" FFFD FFFD FFFD FFFD "\"");
	expect("\xf8\x88\x80\x80\x80", "\"" FFFD FFFD FFFD FFFD FFFD "\"");
	expect("\xfe", "\"" FFFD "\"");
	expect("\xff", "\"" FFFD "\"");
}
END_TEST

START_TEST(test_utf8_truncated)
{
	/* cut by the end of the input */
	expect("\xc3", "\"" FFFD "\"");
	expect("\xe2\x82", "\"" FFFD FFFD "\"");
	expect("\xf0\x9f\x98", "\"" FFFD FFFD FFFD "\"");
	expect("ok\xf0\x9f", "\"ok" FFFD FFFD "\"");
	/* cut by the length argument, not by a NUL */
	expect_n("\xc3\xa9", 1, "\"" FFFD "\"");
	expect_n("\xe2\x82\xac", 2, "\"" FFFD FFFD "\"");
	/* cut by the next character */
	expect("\xe2\x82" "A", "\"" FFFD FFFD "A\"");
	expect("\xc3\xc3\xa9", "\"" FFFD "\xc3\xa9\"");
	expect("\xe2\x82\n", "\"" FFFD FFFD "\\n\"");
	expect("\xf0\x9f\x98\"", "\"" FFFD FFFD FFFD "\\\"\"");
	/* a NUL inside a sequence */
	expect_n("\xc3\0", 2, "\"" FFFD "\\u0000\"");
}
END_TEST

/*
 * C1 controls (U+0080-U+009F) and U+2028/U+2029 are valid UTF-8 that JSON
 * allows raw, but JavaScript and some log shippers break lines there:
 * escaped, as logfmt lines do.
 */
START_TEST(test_line_breaking)
{
	expect("\xc2\x80", "\"\\u0080\"");			/* the first C1 */
	expect("a\xc2\x85" "b", "\"a\\u0085b\"");		/* NEL */
	expect("\xc2\x9f", "\"\\u009f\"");			/* the last C1 */
	expect("a\xe2\x80\xa8" "b", "\"a\\u2028b\"");	/* LINE SEPARATOR */
	expect("\xe2\x80\xa9", "\"\\u2029\"");		/* PARAGRAPH SEPARATOR */
	expect("\xc2\x85\xc2\x85", "\"\\u0085\\u0085\"");
	/* their neighbours stay raw */
	expect("\xc2\xa0", "\"\xc2\xa0\"");
	expect("\xe2\x80\xa7\xe2\x80\xaa", "\"\xe2\x80\xa7\xe2\x80\xaa\"");
	/* a C1 cut short is invalid, not a C1 */
	expect_n("\xc2\x85", 1, "\"" FFFD "\"");
	expect_n("\xe2\x80\xa8", 2, "\"" FFFD FFFD "\"");
}
END_TEST

/* The string is appended: what the buffer held stays in front of it. */
START_TEST(test_appends)
{
	buf_addstr(&b, "{\"k\":");
	json_add_string(&b, "v\"");
	buf_addch(&b, ',');
	json_add_stringn(&b, "xy", 1);
	buf_addch(&b, '}');
	ck_assert_str_eq(b.buf, "{\"k\":\"v\\\"\",\"x\"}");
}
END_TEST

/* A long string with a special byte every few bytes: runs and escapes interleave. */
START_TEST(test_long_mixed)
{
	struct buf in = BUF_INIT, want = BUF_INIT;

	buf_addch(&want, '"');
	for (int i = 0; i < 5000; i++) {
		buf_addstr(&in, "abc\"\xc3\xa9\x01\x80");
		buf_addstr(&want, "abc\\\"\xc3\xa9\\u0001" FFFD);
	}
	buf_addch(&want, '"');
	expect_n(in.buf, in.len, want.buf);
	buf_release(&in);
	buf_release(&want);
}
END_TEST

/* A client's value echoed: whole when short, else cut on a character boundary with "...". */
START_TEST(test_echo)
{
	struct buf out = BUF_INIT;

	json_add_echo(&out, "L\nO", 8);
	ck_assert_str_eq(out.buf, "\"L\\nO\"");
	buf_reset(&out);
	json_add_echo(&out, "abcdefgh", 8);
	ck_assert_str_eq(out.buf, "\"abcdefgh\"");
	buf_reset(&out);
	json_add_echo(&out, "abcdefghi", 8);
	ck_assert_str_eq(out.buf, "\"abcdefgh\"...");
	buf_reset(&out);
	json_add_echo(&out, "abcdefg\xc3\xa9z", 8);	/* é would be split at 8 */
	ck_assert_str_eq(out.buf, "\"abcdefg\"...");
	buf_release(&out);
}
END_TEST

Suite *json_suite(void)
{
	Suite *s = suite_create("json");
	TCase *tc;

	tc = tcase_create("escape");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_plain);
	tcase_add_test(tc, test_printable_ascii);
	tcase_add_test(tc, test_quotes_backslashes);
	tcase_add_test(tc, test_control_bytes);
	tcase_add_test(tc, test_control_bytes_in_text);
	tcase_add_test(tc, test_del);
	tcase_add_test(tc, test_embedded_nul);
	tcase_add_test(tc, test_appends);
	tcase_add_test(tc, test_long_mixed);
	suite_add_tcase(s, tc);

	tc = tcase_create("utf8");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_utf8_valid);
	tcase_add_test(tc, test_utf8_lone_continuation);
	tcase_add_test(tc, test_utf8_overlong);
	tcase_add_test(tc, test_utf8_surrogates);
	tcase_add_test(tc, test_utf8_out_of_range);
	tcase_add_test(tc, test_utf8_truncated);
	tcase_add_test(tc, test_line_breaking);
	tcase_add_test(tc, test_echo);
	suite_add_tcase(s, tc);

	return s;
}
