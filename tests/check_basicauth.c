// SPDX-License-Identifier: Apache-2.0
/*
 * check_basicauth - unit tests for basic auth: real bcrypt hashes made
 * with libcrypt ($2y$, $2b$, $2a$) and one known from the toolkit's docs,
 * right and wrong passwords, unknown users costing a bcrypt all the same,
 * malformed headers costing none, the cache's hits and its bound, and
 * checks from several threads at once.  Nothing needs root.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <crypt.h>

#include "web/basicauth.h"
#include "web/bcrypt.h"
#include "suites.h"
#include "testutil.h"

/* The toolkit's dummy hash is bcrypt("fakepassword") at cost 10. */
#define FAKE_HASH "$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi"

/* bcrypt of password at cost 4 with prefix ("$2y$", "$2b$", "$2a$"); malloc'd. */
static char *hash(const char *prefix, const char *password)
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data data;
	const char *out;

	memset(&data, 0, sizeof(data));
	ck_assert_msg(crypt_gensalt_rn(prefix, 4, NULL, 0, salt, sizeof(salt)), "crypt_gensalt %s", prefix);
	out = crypt_rn(password, salt, &data, sizeof(data));
	ck_assert_msg(out && strlen(out) == 60, "crypt_rn with %s", salt);
	ck_assert_msg(bcrypt_hash_ok(out), "libcrypt's hash %s is not well-formed for the parser", out);
	return strdup(out);
}

static unsigned long bcrypts(struct basicauth *ba)
{
	unsigned long b, h;

	basicauth_counts(ba, &b, &h);
	return b;
}

static unsigned long hits(struct basicauth *ba)
{
	unsigned long b, h;

	basicauth_counts(ba, &b, &h);
	return h;
}

START_TEST(test_right_and_wrong)
{
	struct webconfig_user users[3] = {
		{ "alice", hash("$2y$", "wonderland") },
		{ "bob", hash("$2b$", "builder") },
		{ "carol", hash("$2a$", "") },
	};
	struct basicauth *ba = basicauth_new();

	ck_assert(ba);
	ck_assert_str_eq(tu_basic_auth("alice", "x"), "Basic YWxpY2U6eA==");
	ck_assert_str_eq(tu_basic_auth("ab", "c"), "Basic YWI6Yw==");
	ck_assert(basicauth_check(ba, users, 3, tu_basic_auth("alice", "wonderland")));
	ck_assert(basicauth_check(ba, users, 3, tu_basic_auth("bob", "builder")));
	ck_assert(basicauth_check(ba, users, 3, tu_basic_auth("carol", "")));
	ck_assert_int_eq(bcrypts(ba), 3);
	ck_assert(!basicauth_check(ba, users, 3, tu_basic_auth("alice", "builder")));
	ck_assert(!basicauth_check(ba, users, 3, tu_basic_auth("bob", "wonderland")));
	ck_assert(!basicauth_check(ba, users, 3, tu_basic_auth("alice", "wonderlanD")));
	ck_assert(!basicauth_check(ba, users, 3, tu_basic_auth("alice", "wonderland ")));
	ck_assert(!basicauth_check(ba, users, 3, tu_basic_auth("Alice", "wonderland")));
	ck_assert_int_eq(bcrypts(ba), 8);
	/* "basic" in any case, as Go's net/http */
	{
		char lower[512];

		snprintf(lower, sizeof(lower), "bASIC%s", tu_basic_auth("alice", "wonderland") + 5);
		ck_assert(basicauth_check(ba, users, 3, lower));
	}
	/* a password may hold a colon: the user ends at the first one */
	free(users[1].hash);
	users[1].hash = hash("$2b$", "a:b:c");
	ck_assert(basicauth_check(ba, users, 3, tu_basic_auth("bob", "a:b:c")));
	ck_assert(!basicauth_check(ba, users, 3, tu_basic_auth("bob", "a:b")));
	for (int i = 0; i < 3; i++)
		free(users[i].hash);
	basicauth_free(ba);
}
END_TEST

START_TEST(test_known_hash)
{
	struct webconfig_user u = { "prometheus", (char *)FAKE_HASH };
	struct basicauth *ba = basicauth_new();

	ck_assert(basicauth_check(ba, &u, 1, tu_basic_auth("prometheus", "fakepassword")));
	ck_assert(!basicauth_check(ba, &u, 1, tu_basic_auth("prometheus", "fakepassworD")));
	basicauth_free(ba);
}
END_TEST

START_TEST(test_unknown_user_costs_a_bcrypt)
{
	struct webconfig_user u = { "alice", hash("$2y$", "x") };
	struct basicauth *ba = basicauth_new();

	ck_assert(!basicauth_check(ba, &u, 1, tu_basic_auth("mallory", "x")));
	ck_assert_int_eq(bcrypts(ba), 1);
	ck_assert(!basicauth_check(ba, &u, 1, tu_basic_auth("mallory", "x")));
	ck_assert_msg(bcrypts(ba) == 2, "a failed check was cached");
	ck_assert(!basicauth_check(ba, &u, 1, tu_basic_auth("alice", "y")));
	ck_assert_int_eq(bcrypts(ba), 3);
	free(u.hash);
	basicauth_free(ba);
}
END_TEST

START_TEST(test_malformed_costs_nothing)
{
	static const char *const bad[] = {
		"", "Basic", "Basic ", "Bearer YWxpY2U6eA==", "Basic YWxpY2U6eA", "Basic YWxpY2U6eA=",
		"Basic YWxp Y2U6eA==", "Basic !!!!", "Basic YWxpY2U=", /* "alice": no colon */
		"Basic YWxpY2UAOng=",	/* "alice\0:x" */
		"Basic YWxpY2U6eA==YWxp", "BasicYWxpY2U6eA==", "Basic =WxpY2U6eA==",
	};
	struct webconfig_user u = { "alice", hash("$2y$", "x") };
	struct basicauth *ba = basicauth_new();
	char *huge = malloc(8192);

	ck_assert(basicauth_check(ba, &u, 1, "Basic YWxpY2U6eA=="));	/* alice:x */
	ck_assert_int_eq(bcrypts(ba), 1);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(!basicauth_check(ba, &u, 1, bad[i]), "accepted \"%s\"", bad[i]);
	ck_assert(!basicauth_check(ba, &u, 1, NULL));
	memcpy(huge, "Basic ", 6);
	memset(huge + 6, 'A', 8180);
	huge[8186] = '\0';
	ck_assert(!basicauth_check(ba, &u, 1, huge));
	ck_assert_msg(bcrypts(ba) == 1, "malformed headers ran %lu bcrypts", bcrypts(ba) - 1);
	/* no users: nobody gets in */
	ck_assert(!basicauth_check(ba, &u, 0, "Basic YWxpY2U6eA=="));
	free(huge);
	free(u.hash);
	basicauth_free(ba);
}
END_TEST

START_TEST(test_cache)
{
	enum { N = BASICAUTH_CACHE_SIZE + 8 };
	struct webconfig_user users[N];
	struct basicauth *ba = basicauth_new();
	char name[N][16];

	for (int i = 0; i < N; i++) {
		snprintf(name[i], sizeof(name[i]), "u%d", i);
		users[i].name = name[i];
		users[i].hash = hash("$2b$", name[i]);
	}
	ck_assert(basicauth_check(ba, users, N, tu_basic_auth("u0", "u0")));
	ck_assert(basicauth_check(ba, users, N, tu_basic_auth("u0", "u0")));
	ck_assert(basicauth_check(ba, users, N, tu_basic_auth("u0", "u0")));
	ck_assert_int_eq(bcrypts(ba), 1);
	ck_assert_int_eq(hits(ba), 2);
	/* a new hash for the user (a reload) is a new key: checked again */
	free(users[0].hash);
	users[0].hash = hash("$2b$", "u0");
	ck_assert(basicauth_check(ba, users, N, tu_basic_auth("u0", "u0")));
	ck_assert_int_eq(bcrypts(ba), 2);

	/* N users fill it past its bound: the least recently used go first */
	for (int i = 1; i < N; i++)
		ck_assert(basicauth_check(ba, users, N, tu_basic_auth(name[i], name[i])));
	ck_assert_int_eq(bcrypts(ba), N + 1);
	ck_assert(basicauth_check(ba, users, N, tu_basic_auth(name[N - 1], name[N - 1])));
	ck_assert_msg(bcrypts(ba) == N + 1, "the newest entry was not cached");
	ck_assert(basicauth_check(ba, users, N, tu_basic_auth("u1", "u1")));
	ck_assert_msg(bcrypts(ba) == N + 2, "u1 was still cached: the cache holds more than %d",
		      BASICAUTH_CACHE_SIZE);
	for (int i = 0; i < N; i++)
		free(users[i].hash);
	basicauth_free(ba);
}
END_TEST

struct thread_arg {
	struct basicauth *ba;
	struct webconfig_user *users;
	int good, bad;
};

static void *checker(void *p)
{
	struct thread_arg *a = p;

	for (int i = 0; i < 20; i++) {
		char hdr[512];

		snprintf(hdr, sizeof(hdr), "%s", tu_basic_auth(i % 2 ? "alice" : "bob", i % 4 < 2 ? "pw" : "no"));
		if (basicauth_check(a->ba, a->users, 2, hdr))
			a->good++;
		else
			a->bad++;
	}
	return NULL;
}

START_TEST(test_threads)
{
	struct webconfig_user users[2] = { { "alice", hash("$2y$", "pw") }, { "bob", hash("$2y$", "pw") } };
	struct basicauth *ba = basicauth_new();
	struct thread_arg args[4];
	pthread_t t[4];

	for (int i = 0; i < 4; i++) {
		args[i] = (struct thread_arg){ .ba = ba, .users = users };
		ck_assert_int_eq(pthread_create(&t[i], NULL, checker, &args[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		ck_assert_int_eq(args[i].good, 10);
		ck_assert_int_eq(args[i].bad, 10);
	}
	free(users[0].hash);
	free(users[1].hash);
	basicauth_free(ba);
}
END_TEST

/*
 * basicauth_quick, the part a polling thread runs: no bcrypt ever; NO for
 * a missing or malformed header, BCRYPT for a password it cannot tell (an
 * unknown user too: it costs a bcrypt like a known one), YES once a good
 * check is cached.
 */
START_TEST(test_quick)
{
	struct webconfig_user users[1] = { { "alice", hash("$2y$", "pw") } };
	struct basicauth *ba = basicauth_new();

	ck_assert_int_eq(basicauth_quick(ba, users, 1, NULL), BASICAUTH_NO);
	ck_assert_int_eq(basicauth_quick(ba, users, 1, "Bearer x"), BASICAUTH_NO);
	ck_assert_int_eq(basicauth_quick(ba, users, 1, "Basic !!!!"), BASICAUTH_NO);
	ck_assert_int_eq(basicauth_quick(ba, users, 1, "Basic YWxpY2U="), BASICAUTH_NO);	/* "alice": no colon */
	ck_assert_int_eq(basicauth_quick(ba, users, 1, tu_basic_auth("alice", "pw")), BASICAUTH_BCRYPT);
	ck_assert_int_eq(basicauth_quick(ba, users, 1, tu_basic_auth("alice", "no")), BASICAUTH_BCRYPT);
	ck_assert_int_eq(basicauth_quick(ba, users, 1, tu_basic_auth("mallory", "pw")), BASICAUTH_BCRYPT);
	ck_assert_int_eq(bcrypts(ba), 0);
	ck_assert(basicauth_check(ba, users, 1, tu_basic_auth("alice", "pw")));
	ck_assert_int_eq(bcrypts(ba), 1);
	ck_assert_int_eq(basicauth_quick(ba, users, 1, tu_basic_auth("alice", "pw")), BASICAUTH_YES);
	ck_assert_int_eq(hits(ba), 1);
	ck_assert_int_eq(basicauth_quick(ba, users, 1, tu_basic_auth("alice", "no")), BASICAUTH_BCRYPT);
	ck_assert_int_eq(bcrypts(ba), 1);
	free(users[0].hash);
	basicauth_free(ba);
}
END_TEST

/* The header's parse alone: Basic, base64, the split at the first ':'. */
START_TEST(test_parse)
{
	unsigned char creds[64], small[5];
	const char *user;
	char *password;

	ck_assert_int_eq(basicauth_parse("Basic dXNlcjpwYXNz", creds, sizeof(creds), &user, &password), 0);
	ck_assert_str_eq(user, "user");
	ck_assert_str_eq(password, "pass");
	/* "a:b:c": the password holds the later colons */
	ck_assert_int_eq(basicauth_parse("bAsIc YTpiOmM=", creds, sizeof(creds), &user, &password), 0);
	ck_assert_str_eq(user, "a");
	ck_assert_str_eq(password, "b:c");
	ck_assert_int_eq(basicauth_parse("Basic Og==", creds, sizeof(creds), &user, &password), 0);
	ck_assert_str_eq(user, "");
	ck_assert_str_eq(password, "");
	ck_assert_int_eq(basicauth_parse(NULL, creds, sizeof(creds), &user, &password), -EINVAL);
	ck_assert_int_eq(basicauth_parse("Bearer dXNlcjpwYXNz", creds, sizeof(creds), &user, &password),
			 -EINVAL);
	ck_assert_int_eq(basicauth_parse("Basic YQ==", creds, sizeof(creds), &user, &password), -EINVAL);
	ck_assert_int_eq(basicauth_parse("Basic dXNlcjpwYXNz=", creds, sizeof(creds), &user, &password),
			 -EINVAL);	/* not a multiple of 4 */
	ck_assert_int_eq(basicauth_parse("Basic YQA6Yg==", creds, sizeof(creds), &user, &password),
			 -EINVAL);	/* "a\0:b": a NUL inside */
	/* "user:pass" is 9 bytes: not in 4 bytes of room */
	ck_assert_int_eq(basicauth_parse("Basic dXNlcjpwYXNz", small, sizeof(small), &user, &password),
			 -EINVAL);
}
END_TEST

Suite *basicauth_suite(void)
{
	Suite *s = suite_create("basicauth");
	TCase *tc = tcase_create("check");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_right_and_wrong);
	tcase_add_test(tc, test_parse);
	tcase_add_test(tc, test_known_hash);
	tcase_add_test(tc, test_unknown_user_costs_a_bcrypt);
	tcase_add_test(tc, test_malformed_costs_nothing);
	tcase_add_test(tc, test_cache);
	tcase_add_test(tc, test_threads);
	tcase_add_test(tc, test_quick);
	suite_add_tcase(s, tc);
	return s;
}
