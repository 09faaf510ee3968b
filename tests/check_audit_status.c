// SPDX-License-Identifier: Apache-2.0
/*
 * check_audit_status - the kernel's answers to AUDIT_GET/AUDIT_SET, as
 * netlink messages built here: only the answer to the latest request is
 * taken (a late answer to an earlier one is skipped), an ack before the
 * answer is skipped, a refusal carries its error, a short status is
 * zero-filled, a truncated message ends the walk.
 */
#include <errno.h>
#include <string.h>

#include <linux/netlink.h>

#include "audit/audit_status.h"
#include "suites.h"

struct msgs {
	char buf[4096] __attribute__((aligned(NLMSG_ALIGNTO)));
	size_t len;
};

static void add(struct msgs *m, uint16_t type, uint32_t seq, const void *data, size_t len)
{
	struct nlmsghdr *nh = (struct nlmsghdr *)(m->buf + m->len);

	nh->nlmsg_len = (uint32_t)NLMSG_LENGTH(len);
	nh->nlmsg_type = type;
	nh->nlmsg_flags = 0;
	nh->nlmsg_seq = seq;
	nh->nlmsg_pid = 0;
	memcpy(NLMSG_DATA(nh), data, len);
	m->len += NLMSG_SPACE(len);
}

static void add_status(struct msgs *m, uint32_t seq, uint32_t enabled, uint32_t lost)
{
	struct audit_status s;

	memset(&s, 0, sizeof(s));
	s.enabled = enabled;
	s.lost = lost;
	s.backlog = 7;
	add(m, AUDIT_GET, seq, &s, sizeof(s));
}

static void add_error(struct msgs *m, uint32_t seq, int error)
{
	struct nlmsgerr e;

	memset(&e, 0, sizeof(e));
	e.error = error;
	add(m, NLMSG_ERROR, seq, &e, sizeof(e));
}

START_TEST(test_latest_only)
{
	struct msgs m = { .len = 0 };
	struct audit_status ks;
	int err = 99;

	/* a late answer to request 4, then the answer to 5 */
	add_status(&m, 4, 0, 111);
	add_status(&m, 5, 1, 222);
	ck_assert_int_eq(audit_status_parse(m.buf, m.len, 5, AUDIT_GET, &err, &ks), 1);
	ck_assert_int_eq(err, 0);
	ck_assert_uint_eq(ks.enabled, 1);
	ck_assert_uint_eq(ks.lost, 222);
	ck_assert_uint_eq(ks.backlog, 7);
	/* only the late one: nothing taken */
	m.len = 0;
	add_status(&m, 4, 0, 111);
	err = 99;
	ck_assert_int_eq(audit_status_parse(m.buf, m.len, 5, AUDIT_GET, &err, &ks), 0);
	ck_assert_int_eq(err, 99);
}
END_TEST

START_TEST(test_ack_and_refusal)
{
	struct msgs m = { .len = 0 };
	struct audit_status ks;
	int err = 99;

	/* an ack before the answer is not the answer */
	add_error(&m, 9, 0);
	ck_assert_int_eq(audit_status_parse(m.buf, m.len, 9, AUDIT_GET, &err, &ks), 0);
	add_status(&m, 9, 2, 0);
	ck_assert_int_eq(audit_status_parse(m.buf, m.len, 9, AUDIT_GET, &err, &ks), 1);
	ck_assert_uint_eq(ks.enabled, 2);
	/* for AUDIT_SET the ack is the answer */
	m.len = 0;
	add_error(&m, 10, 0);
	err = 99;
	ck_assert_int_eq(audit_status_parse(m.buf, m.len, 10, NLMSG_ERROR, &err, &ks), 1);
	ck_assert_int_eq(err, 0);
	/* a refusal */
	m.len = 0;
	add_error(&m, 11, -EPERM);
	ck_assert_int_eq(audit_status_parse(m.buf, m.len, 11, AUDIT_GET, &err, &ks), 1);
	ck_assert_int_eq(err, -EPERM);
	/* another request's refusal is not ours */
	err = 0;
	ck_assert_int_eq(audit_status_parse(m.buf, m.len, 12, AUDIT_GET, &err, &ks), 0);
	ck_assert_int_eq(err, 0);
}
END_TEST

START_TEST(test_short_and_truncated)
{
	struct msgs m = { .len = 0 };
	struct audit_status ks;
	uint32_t two[2] = { 0xffffffff, 1 };	/* mask, enabled: an old kernel's short status */
	int err = 99;

	add(&m, AUDIT_GET, 3, two, sizeof(two));
	memset(&ks, 0xaa, sizeof(ks));
	ck_assert_int_eq(audit_status_parse(m.buf, m.len, 3, AUDIT_GET, &err, &ks), 1);
	ck_assert_uint_eq(ks.enabled, 1);
	ck_assert_uint_eq(ks.lost, 0);	/* zero-filled, not left as it was */
	ck_assert_uint_eq(ks.backlog, 0);
	/* a message claiming more than the buffer holds ends the walk */
	m.len = 0;
	add_status(&m, 3, 1, 5);
	((struct nlmsghdr *)m.buf)->nlmsg_len = 4000;
	ck_assert_int_eq(audit_status_parse(m.buf, m.len, 3, AUDIT_GET, &err, &ks), 0);
	ck_assert_int_eq(audit_status_parse(m.buf, 8, 3, AUDIT_GET, &err, &ks), 0);
	ck_assert_int_eq(audit_status_parse(m.buf, 0, 3, AUDIT_GET, &err, &ks), 0);
	/* an NLMSG_ERROR too short to hold its error */
	m.len = 0;
	add(&m, NLMSG_ERROR, 3, two, 2);
	ck_assert_int_eq(audit_status_parse(m.buf, m.len, 3, AUDIT_GET, &err, &ks), 0);
}
END_TEST

Suite *audit_status_suite(void)
{
	Suite *s = suite_create("audit_status");
	TCase *tc = tcase_create("replies");

	tcase_add_test(tc, test_latest_only);
	tcase_add_test(tc, test_ack_and_refusal);
	tcase_add_test(tc, test_short_and_truncated);
	suite_add_tcase(s, tc);
	return s;
}
