// SPDX-License-Identifier: Apache-2.0
/*
 * check_follow - the framing of /events?follow=1: an event as one NDJSON
 * line or one Server-Sent Event with its seq as id, the missed line, the
 * heartbeat; a multi-line value never breaks a frame.  The streams
 * themselves are tested against the real binary (check_live.c).
 */
#include <stdlib.h>
#include <string.h>

#include "events_json.h"
#include "follow.h"
#include "suites.h"

static void sample(struct ev_event *e)
{
	memset(e, 0, sizeof(*e));
	e->seq = 42;
	e->prog_id = 7;
	e->op = EV_LOAD;
	e->time_ms = 1795582365863LL;
	e->comm = strdup("a\nb\r\n");	/* line breaks must not end the frame */
	e->cmdline = strdup("x\xe2\x80\xa8y");	/* U+2028: a break for some readers */
}

START_TEST(test_ndjson)
{
	struct ev_event e;
	struct buf b = BUF_INIT, json = BUF_INIT;

	sample(&e);
	ev_event_json(&e, &json);
	follow_frame_event(&b, false, &e);
	ck_assert_uint_eq(b.len, json.len + 1);
	ck_assert(!memcmp(b.buf, json.buf, json.len));
	ck_assert_int_eq(b.buf[b.len - 1], '\n');
	ck_assert_ptr_eq(strchr(b.buf, '\n'), b.buf + b.len - 1);	/* one line */
	ck_assert_ptr_null(strchr(b.buf, '\r'));
	ck_assert_ptr_null(strstr(b.buf, "\xe2\x80\xa8"));

	buf_reset(&b);
	follow_frame_missed(&b, false, 12345);
	ck_assert_str_eq(b.buf, "{\"missed\":12345}\n");
	buf_reset(&b);
	follow_frame_heartbeat(&b, false);
	ck_assert_str_eq(b.buf, "\n");
	ev_event_release(&e);
	buf_release(&b);
	buf_release(&json);
}
END_TEST

START_TEST(test_sse)
{
	struct ev_event e;
	struct buf b = BUF_INIT, json = BUF_INIT, want = BUF_INIT;

	sample(&e);
	ev_event_json(&e, &json);
	buf_addf(&want, "id: 42\ndata: %s\n\n", json.buf);
	follow_frame_event(&b, true, &e);
	ck_assert_str_eq(b.buf, want.buf);
	/* one event: the only blank line is its end, and no CR (a line end in SSE) */
	ck_assert_ptr_eq(strstr(b.buf, "\n\n"), b.buf + b.len - 2);
	ck_assert_ptr_null(strchr(b.buf, '\r'));

	buf_reset(&b);
	follow_frame_missed(&b, true, 3);
	ck_assert_str_eq(b.buf, "event: missed\ndata: {\"missed\":3}\n\n");
	buf_reset(&b);
	follow_frame_heartbeat(&b, true);
	ck_assert_str_eq(b.buf, ": keep-alive\n\n");	/* a comment: no event fires */
	ev_event_release(&e);
	buf_release(&b);
	buf_release(&json);
	buf_release(&want);
}
END_TEST

Suite *follow_suite(void)
{
	Suite *s = suite_create("follow");
	TCase *tc = tcase_create("framing");

	tcase_add_test(tc, test_ndjson);
	tcase_add_test(tc, test_sse);
	suite_add_tcase(s, tc);
	return s;
}
