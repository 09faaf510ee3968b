// SPDX-License-Identifier: Apache-2.0
/*
 * check_h_events - the /events handler's query parser, h_events_parse(): the
 * values it accepts (since, limit, op, the filters, order, follow,
 * Last-Event-ID), clamping to the ring's capacity, and the one-line reasons
 * it gives for the rest.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/handlers.h"
#include "suites.h"
#include "lib/utf8.h"

static struct ev_query q;
static struct buf why = BUF_INIT;
static bool follow;

static void teardown(void)
{
	buf_release(&why);
}

/* h_events_parse with a capacity of 4; the reason (if any) in why. */
static int parse(const char *since, const char *limit, const char *op)
{
	const struct h_events_params p = { .since = since, .limit = limit, .op = op };

	buf_reset(&why);
	return h_events_parse(&p, 4, &q, &follow, &why);
}

/* h_events_parse of p with a capacity of 4. */
static int parse_p(const struct h_events_params *p)
{
	buf_reset(&why);
	return h_events_parse(p, 4, &q, &follow, &why);
}

START_TEST(test_parse_query)
{
	ck_assert_int_eq(parse(NULL, NULL, NULL), 0);
	ck_assert(!q.has_op && q.since == 0 && q.limit == 0);
	ck_assert_uint_eq(why.len, 0);
	ck_assert_int_eq(parse("17", "2", "unload"), 0);
	ck_assert_uint_eq(q.since, 17);
	ck_assert_uint_eq(q.limit, 2);
	ck_assert(q.has_op && q.op == EV_UNLOAD);
	ck_assert_int_eq(parse(NULL, "1000", NULL), 0);
	ck_assert_uint_eq(q.limit, 4);	/* clamped to the capacity */

	ck_assert_int_eq(parse("-1", NULL, NULL), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why.buf, "since"));
	ck_assert_int_eq(parse("1x", NULL, NULL), -EINVAL);
	ck_assert_int_eq(parse("", NULL, NULL), -EINVAL);
	ck_assert_int_eq(parse("99999999999999999999999", NULL, NULL), -EINVAL);
	ck_assert_int_eq(parse(NULL, "0", NULL), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why.buf, "limit"));
	ck_assert_int_eq(parse(NULL, "ten", NULL), -EINVAL);
	ck_assert_int_eq(parse(NULL, NULL, "RELOAD"), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why.buf, "LOAD or UNLOAD"));
}
END_TEST

/* limit: any decimal number from 1, of any size; past the capacity is all. */
START_TEST(test_limit_any_size)
{
	static const char *const bad_limits[] = { "0", "000", "", "+1", "-1", " 1", "1 ", "1e3", "0x10", "ten",
						  "99999999999999999999999x" };
	char digits[1001];

	ck_assert_int_eq(parse(NULL, "99999999999999999999", NULL), 0);
	ck_assert_uint_eq(q.limit, 4);
	ck_assert_int_eq(parse(NULL, "18446744073709551616", NULL), 0);	/* 2^64 */
	ck_assert_uint_eq(q.limit, 4);
	memset(digits, '9', sizeof(digits) - 1);
	digits[sizeof(digits) - 1] = '\0';
	ck_assert_int_eq(parse(NULL, digits, NULL), 0);
	ck_assert_uint_eq(q.limit, 4);
	ck_assert_int_eq(parse(NULL, "0003", NULL), 0);
	ck_assert_uint_eq(q.limit, 3);
	ck_assert_int_eq(parse(NULL, "4", NULL), 0);
	ck_assert_uint_eq(q.limit, 4);
	ck_assert_int_eq(parse(NULL, "1", NULL), 0);
	ck_assert_uint_eq(q.limit, 1);
	for (size_t i = 0; i < sizeof(bad_limits) / sizeof(bad_limits[0]); i++) {
		ck_assert_msg(parse(NULL, bad_limits[i], NULL) == -EINVAL, "limit=\"%s\" accepted",
			      bad_limits[i]);
		ck_assert_ptr_nonnull(strstr(why.buf, "bad limit="));
	}
	memset(digits, '0', sizeof(digits) - 1);
	ck_assert_int_eq(parse(NULL, digits, NULL), -EINVAL);	/* a long zero is still 0 */
}
END_TEST

/* s is valid UTF-8 with no control characters: one line, printable. */
static void assert_one_clean_line(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);

	for (size_t i = 0; i < n; i++) {
		size_t len;

		ck_assert_msg(p[i] >= 0x20 && p[i] != 0x7f, "control byte 0x%02x at %zu in: %s", p[i], i, s);
		if (p[i] < 0x80)
			continue;
		len = utf8_seq_len(p + i, n - i);
		ck_assert_msg(len, "invalid UTF-8 at byte %zu in: %s", i, s);
		i += len - 1;
	}
}

/* The value is echoed as a JSON string: valid UTF-8, one line, quotes included. */
START_TEST(test_reason_escaped)
{
	ck_assert_int_eq(parse(NULL, NULL, "\xff"), -EINVAL);
	ck_assert_str_eq(why.buf, "bad op=\"\\ufffd\": expected LOAD or UNLOAD");
	ck_assert_int_eq(parse(NULL, NULL, "L\nO"), -EINVAL);
	ck_assert_str_eq(why.buf, "bad op=\"L\\nO\": expected LOAD or UNLOAD");
	ck_assert_int_eq(parse("1\r\n2", NULL, NULL), -EINVAL);
	ck_assert_str_eq(why.buf, "bad since=\"1\\r\\n2\": expected a sequence number (0 or more)");
	ck_assert_int_eq(parse(NULL, "\"x\"\\", NULL), -EINVAL);
	ck_assert_str_eq(why.buf, "bad limit=\"\\\"x\\\"\\\\\": expected a number of events (1 or more)");
	ck_assert_int_eq(parse(NULL, NULL, "\x01\x7f\xc3\xa9"), -EINVAL);
	ck_assert_str_eq(why.buf, "bad op=\"\\u0001\\u007f\xc3\xa9\": expected LOAD or UNLOAD");
	assert_one_clean_line(why.buf);
}
END_TEST

/* A long value is cut, at a character boundary, and says so. */
START_TEST(test_reason_truncated)
{
	char big[8001];
	struct buf v = BUF_INIT;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(parse(big, NULL, NULL), -EINVAL);
	ck_assert_msg(why.len < 160, "%zu bytes: %s", why.len, why.buf);
	ck_assert_ptr_nonnull(strstr(why.buf, "bad since=\"xxxxxxxx"));
	ck_assert_ptr_nonnull(strstr(why.buf, "xxx\"...: expected a sequence number"));
	assert_one_clean_line(why.buf);

	/* two-byte characters: no half of one is left at the cut */
	for (int i = 0; i < 100; i++)
		buf_addstr(&v, "\xc3\xa9");
	ck_assert_int_eq(parse(NULL, NULL, v.buf), -EINVAL);
	ck_assert_ptr_null(strstr(why.buf, "\\ufffd"));
	ck_assert_ptr_nonnull(strstr(why.buf, "\xc3\xa9\"...: expected LOAD or UNLOAD"));
	assert_one_clean_line(why.buf);
	/* control characters, each escaped to six bytes, are cut as well */
	memset(big, '\n', sizeof(big) - 1);
	ck_assert_int_eq(parse(NULL, NULL, big), -EINVAL);
	ck_assert_msg(why.len < 500, "%zu bytes: %s", why.len, why.buf);
	assert_one_clean_line(why.buf);
	buf_release(&v);
}
END_TEST

/* pid, prog_id, comm, container_id: their values, and each bound reached. */
START_TEST(test_filters)
{
	struct h_events_params p = { .pid = "42", .prog_id = "4294967295", .comm = "bpftool",
				.container_id = "0123456789ab" };
	char comm[EV_QUERY_COMM_MAX + 2], cid[66];

	ck_assert_int_eq(parse_p(&p), 0);
	ck_assert(q.has_pid && q.pid == 42);
	ck_assert(q.has_prog_id && q.prog_id == UINT32_MAX);
	ck_assert(q.has_comm && !strcmp(q.comm, "bpftool"));
	ck_assert(q.has_container_id && !strcmp(q.container_id, "0123456789ab"));
	ck_assert(!follow && !q.desc);

	p = (struct h_events_params){ .pid = "2147483647" };
	ck_assert_int_eq(parse_p(&p), 0);
	ck_assert_int_eq(q.pid, 2147483647);
	ck_assert(!q.has_prog_id && !q.has_comm && !q.has_container_id);
	p.pid = "2147483648";
	ck_assert_int_eq(parse_p(&p), -EINVAL);
	ck_assert_str_eq(why.buf, "bad pid=\"2147483648\": expected a process id (0 to 2147483647)");
	p.pid = "-1";
	ck_assert_int_eq(parse_p(&p), -EINVAL);
	p = (struct h_events_params){ .prog_id = "4294967296" };
	ck_assert_int_eq(parse_p(&p), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why.buf, "bad prog_id="));
	p.prog_id = "0x10";
	ck_assert_int_eq(parse_p(&p), -EINVAL);

	memset(comm, 'c', sizeof(comm) - 1);
	comm[sizeof(comm) - 1] = '\0';
	p = (struct h_events_params){ .comm = comm };
	ck_assert_int_eq(parse_p(&p), -EINVAL);	/* 64 bytes: one too many */
	ck_assert_ptr_nonnull(strstr(why.buf, "a command name of 1 to 63 bytes"));
	comm[sizeof(comm) - 2] = '\0';
	ck_assert_int_eq(parse_p(&p), 0);	/* 63 */
	ck_assert_uint_eq(strlen(q.comm), EV_QUERY_COMM_MAX);
	p.comm = "";
	ck_assert_int_eq(parse_p(&p), -EINVAL);

	memset(cid, 'f', sizeof(cid) - 1);
	cid[sizeof(cid) - 1] = '\0';
	p = (struct h_events_params){ .container_id = cid };
	ck_assert_int_eq(parse_p(&p), -EINVAL);	/* 65 digits */
	cid[64] = '\0';
	ck_assert_int_eq(parse_p(&p), 0);
	ck_assert_uint_eq(strlen(q.container_id), 64);
	p.container_id = "ABC";
	ck_assert_int_eq(parse_p(&p), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why.buf, "hex digits in lower case"));
	p.container_id = "";
	ck_assert_int_eq(parse_p(&p), -EINVAL);
	p.container_id = "12g";
	ck_assert_int_eq(parse_p(&p), -EINVAL);
}
END_TEST

/* order, follow, and Last-Event-ID (the later of it and since wins). */
START_TEST(test_order_follow_resume)
{
	struct h_events_params p = { .order = "desc" };

	ck_assert_int_eq(parse_p(&p), 0);
	ck_assert(q.desc && !follow);
	p.order = "asc";
	ck_assert_int_eq(parse_p(&p), 0);
	ck_assert(!q.desc);
	p.order = "DESC";
	ck_assert_int_eq(parse_p(&p), -EINVAL);
	ck_assert_str_eq(why.buf, "bad order=\"DESC\": expected asc or desc");

	p = (struct h_events_params){ .follow = "1" };
	ck_assert_int_eq(parse_p(&p), 0);
	ck_assert(follow);
	p.follow = "true";
	ck_assert_int_eq(parse_p(&p), 0);
	ck_assert(follow);
	p.follow = "0";
	ck_assert_int_eq(parse_p(&p), 0);
	ck_assert(!follow);
	p.follow = "false";
	ck_assert_int_eq(parse_p(&p), 0);
	ck_assert(!follow);
	p.follow = "yes";
	ck_assert_int_eq(parse_p(&p), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why.buf, "bad follow="));
	p.follow = "1";
	p.order = "desc";
	ck_assert_int_eq(parse_p(&p), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why.buf, "with follow=1"));

	p = (struct h_events_params){ .since = "5", .last_event_id = "9" };
	ck_assert_int_eq(parse_p(&p), 0);
	ck_assert_uint_eq(q.since, 9);
	p.since = "12";
	ck_assert_int_eq(parse_p(&p), 0);
	ck_assert_uint_eq(q.since, 12);
	p.last_event_id = "x";
	ck_assert_int_eq(parse_p(&p), -EINVAL);
	ck_assert_str_eq(why.buf, "bad Last-Event-ID=\"x\": expected a sequence number (0 or more)");
}
END_TEST

Suite *h_events_suite(void)
{
	Suite *s = suite_create("h_events");
	TCase *tc;

	tc = tcase_create("query");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_parse_query);
	tcase_add_test(tc, test_limit_any_size);
	tcase_add_test(tc, test_reason_escaped);
	tcase_add_test(tc, test_reason_truncated);
	tcase_add_test(tc, test_filters);
	tcase_add_test(tc, test_order_follow_resume);
	suite_add_tcase(s, tc);
	return s;
}
