// SPDX-License-Identifier: Apache-2.0
/*
 * check_h_events - the /events handler's query parser, evq_parse(): the
 * values it accepts, clamping to the ring's capacity, and the one-line
 * reasons it gives for the rest.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "suites.h"

static struct ev_query q;
static struct buf why = BUF_INIT;

static void teardown(void)
{
	buf_release(&why);
}

/* evq_parse with a capacity of 4; the reason (if any) in why. */
static int parse(const char *since, const char *limit, const char *op)
{
	buf_reset(&why);
	return evq_parse(since, limit, op, 4, &q, &why);
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

Suite *h_events_suite(void)
{
	Suite *s = suite_create("h_events");
	TCase *tc;

	tc = tcase_create("query");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_parse_query);
	suite_add_tcase(s, tc);
	return s;
}
