// SPDX-License-Identifier: Apache-2.0
/*
 * check_slots - the in-flight limit: the bound and the share of one
 * address are reached and refused with their own errors, slots come back,
 * IPv4 and its IPv6-mapped form are one address, 0 means no limit, and
 * threads taking and putting at once keep the count (make check-tsan).
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "http/slots.h"
#include "suites.h"

static struct sockaddr_in v4(const char *a)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };

	ck_assert_int_eq(inet_pton(AF_INET, a, &sin.sin_addr), 1);
	return sin;
}

static struct sockaddr_in6 v6(const char *a)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };

	ck_assert_int_eq(inet_pton(AF_INET6, a, &sin6.sin6_addr), 1);
	return sin6;
}

#define SA(x) ((const struct sockaddr *)&(x))

START_TEST(test_share)
{
	ck_assert_uint_eq(slots_share(0), 0);
	ck_assert_uint_eq(slots_share(1), 1);
	ck_assert_uint_eq(slots_share(3), 1);
	ck_assert_uint_eq(slots_share(4), 1);
	ck_assert_uint_eq(slots_share(40), 10);
	ck_assert_uint_eq(slots_share(41), 10);
}
END_TEST

/* 8 slots, 2 per address: the share, then the bound, each refused with its error. */
START_TEST(test_bound_and_share)
{
	struct slots s;
	struct sockaddr_in a = v4("10.0.0.1"), b = v4("10.0.0.2"), c = v4("10.0.0.3"),
			   d = v4("10.0.0.4"), e = v4("10.0.0.5");

	ck_assert_int_eq(slots_init(&s, 8), 0);
	ck_assert_int_eq(slots_take(&s, SA(a)), 0);
	ck_assert_int_eq(slots_take(&s, SA(a)), 0);
	ck_assert_int_eq(slots_take(&s, SA(a)), -EUSERS);	/* a holds its quarter */
	ck_assert_int_eq(slots_take(&s, SA(b)), 0);
	ck_assert_int_eq(slots_take(&s, SA(b)), 0);
	ck_assert_int_eq(slots_take(&s, SA(c)), 0);
	ck_assert_int_eq(slots_take(&s, SA(c)), 0);
	ck_assert_int_eq(slots_take(&s, SA(d)), 0);
	ck_assert_int_eq(slots_take(&s, SA(d)), 0);
	ck_assert_uint_eq(slots_used(&s), 8);
	ck_assert_int_eq(slots_take(&s, SA(e)), -EBUSY);	/* all taken */
	ck_assert_int_eq(slots_take(&s, SA(a)), -EBUSY);

	/* one back: e gets it; a slot of a's back: a may take one again */
	slots_put(&s, SA(b));
	ck_assert_int_eq(slots_take(&s, SA(e)), 0);
	ck_assert_int_eq(slots_take(&s, SA(e)), -EBUSY);
	slots_put(&s, SA(a));
	ck_assert_int_eq(slots_take(&s, SA(e)), 0);
	ck_assert_int_eq(slots_take(&s, SA(e)), -EBUSY);
	slots_put(&s, SA(c));
	ck_assert_int_eq(slots_take(&s, SA(e)), -EUSERS);	/* e holds 2 */
	ck_assert_int_eq(slots_take(&s, SA(a)), 0);
	ck_assert_uint_eq(slots_used(&s), 8);
	slots_release(&s);
}
END_TEST

/* ::ffff:10.0.0.1 is 10.0.0.1; other IPv6 addresses are their own; non-IP is one address. */
START_TEST(test_addresses)
{
	struct slots s;
	struct sockaddr_in a = v4("10.0.0.1");
	struct sockaddr_in6 mapped = v6("::ffff:10.0.0.1"), other = v6("2001:db8::1");
	struct sockaddr unix_sa = { .sa_family = AF_UNIX };

	ck_assert_int_eq(slots_init(&s, 4), 0);	/* one each */
	ck_assert_int_eq(slots_take(&s, SA(a)), 0);
	ck_assert_int_eq(slots_take(&s, SA(mapped)), -EUSERS);
	ck_assert_int_eq(slots_take(&s, SA(other)), 0);
	ck_assert_int_eq(slots_take(&s, NULL), 0);
	ck_assert_int_eq(slots_take(&s, &unix_sa), -EUSERS);	/* NULL and AF_UNIX: one address */
	slots_put(&s, SA(mapped));	/* given back under its other spelling */
	ck_assert_int_eq(slots_take(&s, SA(a)), 0);
	ck_assert_uint_eq(slots_used(&s), 3);
	slots_release(&s);
}
END_TEST

START_TEST(test_no_limit)
{
	struct slots s;
	struct sockaddr_in a = v4("10.0.0.1");

	ck_assert_int_eq(slots_init(&s, 0), 0);
	for (int i = 0; i < 10000; i++)
		ck_assert_int_eq(slots_take(&s, SA(a)), 0);
	ck_assert_uint_eq(slots_used(&s), 0);
	slots_put(&s, SA(a));
	slots_release(&s);
}
END_TEST

/* Every address remembered is forgotten when its last slot is back (the table stays bounded). */
START_TEST(test_addresses_forgotten)
{
	struct slots s;

	ck_assert_int_eq(slots_init(&s, 16), 0);
	for (int round = 0; round < 100; round++) {
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x0a000000u + (uint32_t)round) };

		for (int i = 0; i < 4; i++)
			ck_assert_int_eq(slots_take(&s, SA(a)), 0);
		ck_assert_int_eq(slots_take(&s, SA(a)), -EUSERS);
		for (int i = 0; i < 4; i++)
			slots_put(&s, SA(a));
		ck_assert_uint_eq(s.nr_addrs, 0);
	}
	slots_release(&s);
}
END_TEST

#define THREADS 4
#define ROUNDS 20000

static struct slots shared;

static void *churn(void *arg)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x0a000001u + (uint32_t)(uintptr_t)arg) };
	long refused = 0;

	for (int i = 0; i < ROUNDS; i++) {
		if (slots_take(&shared, SA(a)) == 0)
			slots_put(&shared, SA(a));
		else
			refused++;
	}
	return (void *)refused;
}

START_TEST(test_threads)
{
	pthread_t t[THREADS];

	ck_assert_int_eq(slots_init(&shared, 8), 0);
	for (uintptr_t i = 0; i < THREADS; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, churn, (void *)i), 0);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	ck_assert_uint_eq(slots_used(&shared), 0);
	ck_assert_uint_eq(shared.nr_addrs, 0);
	slots_release(&shared);
}
END_TEST

Suite *slots_suite(void)
{
	Suite *s = suite_create("slots");
	TCase *tc = tcase_create("slots");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_share);
	tcase_add_test(tc, test_bound_and_share);
	tcase_add_test(tc, test_addresses);
	tcase_add_test(tc, test_no_limit);
	tcase_add_test(tc, test_addresses_forgotten);
	tcase_add_test(tc, test_threads);
	suite_add_tcase(s, tc);
	return s;
}
