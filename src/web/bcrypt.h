/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bcrypt - the form of a bcrypt hash as a web config gives it: "$2y$",
 * "$2b$" or "$2a$", a two-digit cost from 4 to 31, "$", then 53 characters
 * of bcrypt's base64 (salt and hash).  Pure; computing one is basicauth.c's.
 */
#ifndef BPFME_BCRYPT_H
#define BPFME_BCRYPT_H

#include <stdbool.h>

/* The cost of well-formed hash s, or -EINVAL if s is not one. */
int bcrypt_cost(const char *s);
/* Whether s is a well-formed bcrypt hash. */
bool bcrypt_hash_ok(const char *s);

#endif
