// SPDX-License-Identifier: Apache-2.0
/* bcrypt - the form of a bcrypt hash; see bcrypt.h. */
#include "web/bcrypt.h"

#include <errno.h>
#include <string.h>

static bool bcrypt_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '/';
}

int bcrypt_cost(const char *s)
{
	int cost;

	/* "$2y$" cost "$" then 22 characters of salt and 31 of hash */
	if (strlen(s) != 60 || s[0] != '$' || s[1] != '2' || !strchr("ayb", s[2]) ||
	    s[3] != '$' || s[4] < '0' || s[4] > '9' || s[5] < '0' || s[5] > '9' || s[6] != '$')
		return -EINVAL;
	cost = (s[4] - '0') * 10 + (s[5] - '0');
	if (cost < 4 || cost > 31)
		return -EINVAL;
	for (size_t i = 7; i < 60; i++)
		if (!bcrypt_char(s[i]))
			return -EINVAL;
	return cost;
}

bool bcrypt_hash_ok(const char *s)
{
	return bcrypt_cost(s) >= 0;
}
