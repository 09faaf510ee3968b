/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bcrypt - the form of a bcrypt hash as a web config gives it: "$2y$",
 * "$2b$" or "$2a$", a two-digit cost from 4 to 31, "$", then 53 characters
 * of bcrypt's base64 (salt and hash).  Pure; computing one is basicauth.c's.
 */
#ifndef BPFME_BCRYPT_H
#define BPFME_BCRYPT_H

#include <stdbool.h>

/*
 * The highest cost a web config may use.  Each step doubles a check's time:
 * cost 10 takes about 50 ms, 14 about 0.8 s, 16 about 3 s of one core.  A
 * check that misses the cache waits behind at most a queue of others on the
 * auth pool (webguard.h), so above 14 a new client's first request could
 * wait longer than Prometheus' default scrape timeout (10 s), and a flood of
 * wrong passwords would hold each pool thread for seconds per request.
 */
#define BCRYPT_MAX_COST 14

/* The cost of well-formed hash s (4 to 31: its form, not BCRYPT_MAX_COST), or -EINVAL if s is not one. */
int bcrypt_cost(const char *s);
/* Whether s is a well-formed bcrypt hash. */
bool bcrypt_hash_ok(const char *s);

#endif
