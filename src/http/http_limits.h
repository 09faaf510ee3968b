/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http_limits - what a request may be, checked on what the client sent
 * before libmicrohttpd parses and percent-decodes it: the request target's
 * length and query parameter count, a path with no NUL, the header fields'
 * bytes and lines.  The limits fit libmicrohttpd's per-connection pool
 * (http.c says how).  Pure functions of their arguments, thread-safe;
 * fuzzed (tests/fuzz/fuzz_http_limits.c).
 */
#ifndef BPFME_HTTP_LIMITS_H
#define BPFME_HTTP_LIMITS_H

#include <stdbool.h>
#include <stddef.h>

#define HTTP_LIMITS_TARGET_BYTES 8192	/* the request target: path and query */
#define HTTP_LIMITS_PARAMS 64		/* query parameters */
#define HTTP_LIMITS_HEADER_BYTES 8192	/* header fields, counted as "Name: value\r\n" */
#define HTTP_LIMITS_HEADERS 64		/* header lines */

/*
 * Whether the raw request target (NUL-terminated, as the request line
 * holds it) is longer than HTTP_LIMITS_TARGET_BYTES or has more than
 * HTTP_LIMITS_PARAMS query parameters ('&'-separated after the first '?').
 */
bool http_limits_target_too_long(const char *target);

/*
 * Whether the path of the raw request target (what comes before any '?')
 * holds "%00": decoded, the path would end at that NUL, and "/events%00x"
 * would be routed as "/events".  Such a request is refused (400).
 */
bool http_limits_path_has_nul(const char *target);

/* The header fields counted so far. */
struct http_limits_headers {
	size_t bytes;	/* each field as "Name: value\r\n" */
	size_t lines;
};

/* Count one header field (value NULL: an empty one) into h. */
void http_limits_add_header(struct http_limits_headers *h, const char *name, const char *value);

/* Whether the fields counted in h are past HTTP_LIMITS_HEADER_BYTES or HTTP_LIMITS_HEADERS. */
bool http_limits_headers_too_large(const struct http_limits_headers *h);

#endif
