/* SPDX-License-Identifier: Apache-2.0 */
/*
 * basicauth - HTTP basic auth against the bcrypt hashes of a web config's
 * basic_auth_users.  A check costs one bcrypt (crypt_rn; ≈50 ms at cost
 * 10), so checks that succeeded are remembered: the cache holds at most
 * BASICAUTH_CACHE_SIZE keyed digests (HMAC-SHA-256 of user, hash and
 * password under a key drawn at start; never a password), oldest out.  A
 * failed check is never cached.  A user that does not exist costs a bcrypt
 * as well (against a made-up hash of the first user's cost) and hashes are
 * compared in constant time, so an answer's timing tells nothing of which
 * users exist.  Checks run side by side on as many threads as call
 * basicauth_check; the exporter calls it on the auth pool alone (webguard.h:
 * a bounded number of threads), so a flood of wrong passwords takes at most
 * that many cores.  basicauth_quick is the cheap part, for any thread: it
 * says whether a bcrypt is needed at all.
 *
 * Thread-safe: any thread may call either at any time.
 */
#ifndef BPFME_BASICAUTH_H
#define BPFME_BASICAUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "web/webconfig.h"

#define BASICAUTH_CACHE_SIZE 64

struct basicauth;

/* A checker with an empty cache; NULL when out of memory or randomness. */
struct basicauth *basicauth_new(void);
void basicauth_free(struct basicauth *ba);

/*
 * Whether authorization (the Authorization header's value, or NULL) is
 * "Basic " and the base64 of "user:password" for one of users (whose
 * hashes bcrypt_hash_ok() accepted) with that user's password.
 */
bool basicauth_check(struct basicauth *ba, const struct webconfig_user *users, size_t nr_users,
		     const char *authorization);

enum basicauth_answer {
	BASICAUTH_NO,		/* no Basic credential, or a malformed one: refuse, no bcrypt needed */
	BASICAUTH_YES,		/* a good check the cache remembers */
	BASICAUTH_BCRYPT,	/* only a bcrypt can tell (basicauth_check) */
};

/*
 * Whether authorization can be answered without a bcrypt: base64, a
 * lookup and an HMAC (microseconds).  Counts a cache hit as
 * basicauth_check does.
 */
enum basicauth_answer basicauth_quick(struct basicauth *ba, const struct webconfig_user *users,
				      size_t nr_users, const char *authorization);

/*
 * The user and password of an Authorization header's value (NULL: none):
 * "Basic " in any case, then the standard base64 with padding (as Go's
 * StdEncoding) of "user:password", decoded into creds (size bytes: at most
 * size - 1 decoded, then a NUL) and split at its first ':'.  *user and
 * *password point into creds, NUL-terminated.  0, or -EINVAL: not Basic,
 * not such base64, longer than size - 1 bytes, a NUL inside, or no ':'.
 * Pure (fuzzed: tests/fuzz/fuzz_basicauth.c); the caller wipes creds.
 */
int basicauth_parse(const char *authorization, unsigned char *creds, size_t size,
		    const char **user, char **password);

/* How many checks ran bcrypt, and how many the cache answered (for tests). */
void basicauth_counts(struct basicauth *ba, unsigned long *bcrypts, unsigned long *cache_hits);

#endif
