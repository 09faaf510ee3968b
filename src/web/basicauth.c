// SPDX-License-Identifier: Apache-2.0
/* basicauth - bcrypt checks with libcrypt, a bounded cache of good ones; see basicauth.h. */
#include "web/basicauth.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <crypt.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#define DIGEST_BYTES 32
/* The longest "user:password" looked at; longer is refused unchecked. */
#define MAX_CREDENTIALS 1024

struct cache_entry {
	unsigned char digest[DIGEST_BYTES];
	unsigned long used;	/* 0: empty */
};

struct basicauth {
	pthread_mutex_t cache_lock;	/* cache, clock, counts */
	struct cache_entry cache[BASICAUTH_CACHE_SIZE];
	unsigned long clock;
	unsigned long bcrypts, hits;
	unsigned char key[DIGEST_BYTES];	/* HMAC key of the cache's digests */
};

struct basicauth *basicauth_new(void)
{
	struct basicauth *ba = calloc(1, sizeof(*ba));

	if (!ba)
		return NULL;
	if (gnutls_rnd(GNUTLS_RND_KEY, ba->key, sizeof(ba->key))) {
		free(ba);
		return NULL;
	}
	pthread_mutex_init(&ba->cache_lock, NULL);
	return ba;
}

void basicauth_free(struct basicauth *ba)
{
	if (!ba)
		return;
	pthread_mutex_destroy(&ba->cache_lock);
	explicit_bzero(ba, sizeof(*ba));
	free(ba);
}

void basicauth_counts(struct basicauth *ba, unsigned long *bcrypts, unsigned long *cache_hits)
{
	pthread_mutex_lock(&ba->cache_lock);
	*bcrypts = ba->bcrypts;
	*cache_hits = ba->hits;
	pthread_mutex_unlock(&ba->cache_lock);
}

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Standard base64 with padding (as Go's StdEncoding, which the toolkit's
 * net/http uses) into out (room for outlen bytes and a NUL); the length,
 * or -1 when malformed or too long.
 */
static long b64_decode(const char *in, unsigned char *out, size_t outlen)
{
	size_t len = strlen(in), n = 0;

	if (len % 4 || len / 4 * 3 > outlen)
		return -1;
	for (size_t i = 0; i < len; i += 4) {
		int v[4], pad = 0;

		for (int j = 0; j < 4; j++) {
			if (in[i + j] == '=' && i + 4 == len && j >= 2 && (j == 3 || in[i + 3] == '=')) {
				v[j] = 0;
				pad++;
				continue;
			}
			if (pad || (v[j] = b64_value((unsigned char)in[i + j])) < 0)
				return -1;
		}
		out[n++] = (unsigned char)(v[0] << 2 | v[1] >> 4);
		if (pad < 2)
			out[n++] = (unsigned char)((v[1] & 0xf) << 4 | v[2] >> 2);
		if (pad < 1)
			out[n++] = (unsigned char)((v[2] & 0x3) << 6 | v[3]);
	}
	out[n] = '\0';
	return (long)n;
}

int basicauth_parse(const char *authorization, unsigned char *creds, size_t size,
		    const char **user, char **password)
{
	long len;
	char *colon;

	if (!authorization || size < 1 || strncasecmp(authorization, "Basic ", 6))
		return -EINVAL;
	len = b64_decode(authorization + 6, creds, size - 1);
	if (len < 0 || memchr(creds, '\0', (size_t)len))
		return -EINVAL;
	colon = strchr((char *)creds, ':');
	if (!colon)
		return -EINVAL;
	*colon = '\0';
	*user = (const char *)creds;
	*password = colon + 1;
	return 0;
}

/* Whether a and b hold the same n bytes, in time that depends on n alone. */
static bool same_bytes(const char *a, const char *b, size_t n)
{
	volatile unsigned char diff = 0;

	for (size_t i = 0; i < n; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);
	return diff == 0;
}

/*
 * bcrypt of password with the salt and cost of hash; whether it gives
 * hash's 31 characters of hash (compared in constant time; the salt's
 * last character may be written with bits the hash ignores, as Go's
 * bcrypt ignores them).  Each call has crypt_rn's state (32 KiB) of its
 * own, so checks on several threads run side by side.
 */
static bool bcrypt_matches(const char *password, const char *hash)
{
	struct crypt_data *data = calloc(1, sizeof(*data));
	const char *out;
	bool ok;

	if (!data)
		return false;
	out = crypt_rn(password, hash, data, sizeof(*data));
	ok = out && strlen(out) == 60 && strlen(hash) == 60 && same_bytes(out + 29, hash + 29, 31);
	explicit_bzero(data, sizeof(*data));
	free(data);
	return ok;
}

/* The cache's key of (user, hash, password): an HMAC, so a password never sits in memory. */
static bool digest(struct basicauth *ba, const char *user, const char *hash, const char *password,
		   unsigned char out[DIGEST_BYTES])
{
	gnutls_hmac_hd_t h;
	bool ok;

	if (gnutls_hmac_init(&h, GNUTLS_MAC_SHA256, ba->key, sizeof(ba->key)))
		return false;
	ok = !gnutls_hmac(h, user, strlen(user) + 1) && !gnutls_hmac(h, hash, strlen(hash) + 1) &&
	     !gnutls_hmac(h, password, strlen(password));
	gnutls_hmac_deinit(h, out);
	return ok;
}

static bool cache_find(struct basicauth *ba, const unsigned char d[DIGEST_BYTES])
{
	bool found = false;

	pthread_mutex_lock(&ba->cache_lock);
	for (size_t i = 0; i < BASICAUTH_CACHE_SIZE; i++) {
		if (ba->cache[i].used && !memcmp(ba->cache[i].digest, d, DIGEST_BYTES)) {
			ba->cache[i].used = ++ba->clock;
			found = true;
			ba->hits++;
			break;
		}
	}
	pthread_mutex_unlock(&ba->cache_lock);
	return found;
}

/* Remember a good check, in place of the one used least recently. */
static void cache_add(struct basicauth *ba, const unsigned char d[DIGEST_BYTES])
{
	size_t oldest = 0;

	pthread_mutex_lock(&ba->cache_lock);
	for (size_t i = 1; i < BASICAUTH_CACHE_SIZE; i++)
		if (ba->cache[i].used < ba->cache[oldest].used)
			oldest = i;
	memcpy(ba->cache[oldest].digest, d, DIGEST_BYTES);
	ba->cache[oldest].used = ++ba->clock;
	pthread_mutex_unlock(&ba->cache_lock);
}

static void count_bcrypt(struct basicauth *ba)
{
	pthread_mutex_lock(&ba->cache_lock);
	ba->bcrypts++;
	pthread_mutex_unlock(&ba->cache_lock);
}

/*
 * Decode authorization into creds (room for MAX_CREDENTIALS + 1): the user
 * of users it names into *user (NULL: none of them), its password into
 * *password (pointing into creds).  false when it is no Basic credential.
 */
static bool parse(const struct webconfig_user *users, size_t nr_users, const char *authorization,
		  unsigned char *creds, const struct webconfig_user **user, char **password)
{
	const char *name;

	*user = NULL;
	if (!nr_users || basicauth_parse(authorization, creds, MAX_CREDENTIALS + 1, &name, password))
		return false;
	for (size_t i = 0; i < nr_users; i++)
		if (!strcmp(users[i].name, name))
			*user = &users[i];
	return true;
}

enum basicauth_answer basicauth_quick(struct basicauth *ba, const struct webconfig_user *users,
				      size_t nr_users, const char *authorization)
{
	unsigned char creds[MAX_CREDENTIALS + 1], d[DIGEST_BYTES];
	const struct webconfig_user *user;
	enum basicauth_answer a = BASICAUTH_NO;
	char *password;

	if (!parse(users, nr_users, authorization, creds, &user, &password))
		goto out;
	a = BASICAUTH_BCRYPT;	/* an unknown user costs a bcrypt too */
	if (user && digest(ba, user->name, user->hash, password, d) && cache_find(ba, d))
		a = BASICAUTH_YES;
out:
	explicit_bzero(creds, sizeof(creds));
	explicit_bzero(d, sizeof(d));
	return a;
}

bool basicauth_check(struct basicauth *ba, const struct webconfig_user *users, size_t nr_users,
		     const char *authorization)
{
	unsigned char creds[MAX_CREDENTIALS + 1], d[DIGEST_BYTES];
	const struct webconfig_user *user;
	char dummy[61], *password;
	bool ok = false;

	if (!parse(users, nr_users, authorization, creds, &user, &password))
		goto out;
	if (!user) {
		/*
		 * The same bcrypt an existing user costs: the first user's
		 * prefix and cost, a salt of our own, a hash that matches
		 * nothing.
		 */
		snprintf(dummy, sizeof(dummy), "%.7s%s", users[0].hash,
			 "dummysaltdummysaltdumuAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
		count_bcrypt(ba);
		bcrypt_matches(password, dummy);
		goto out;
	}
	if (!digest(ba, user->name, user->hash, password, d))
		goto out;
	if (cache_find(ba, d)) {
		ok = true;
		goto out;
	}
	count_bcrypt(ba);
	ok = bcrypt_matches(password, user->hash);
	if (ok)
		cache_add(ba, d);
out:
	explicit_bzero(creds, sizeof(creds));
	return ok;
}
