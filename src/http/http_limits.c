// SPDX-License-Identifier: Apache-2.0
/* http_limits - a request's target and header fields against the limits; see http_limits.h. */
#include "http/http_limits.h"

#include <string.h>

bool http_limits_target_too_long(const char *target)
{
	const char *query = strchr(target, '?');
	size_t params = 1;

	if (strlen(target) > HTTP_LIMITS_TARGET_BYTES)
		return true;
	if (!query)
		return false;
	for (const char *p = query; (p = strchr(p + 1, '&')); )
		if (++params > HTTP_LIMITS_PARAMS)
			return true;
	return false;
}

bool http_limits_path_has_nul(const char *target)
{
	size_t path = strcspn(target, "?");

	for (const char *p = target; (p = memchr(p, '%', path - (size_t)(p - target))); p++)
		if (p + 2 < target + path && p[1] == '0' && p[2] == '0')
			return true;
	return false;
}

void http_limits_add_header(struct http_limits_headers *h, const char *name, const char *value)
{
	h->bytes += strlen(name) + 4 + (value ? strlen(value) : 0);
	h->lines++;
}

bool http_limits_headers_too_large(const struct http_limits_headers *h)
{
	return h->bytes > HTTP_LIMITS_HEADER_BYTES || h->lines > HTTP_LIMITS_HEADERS;
}
