// SPDX-License-Identifier: Apache-2.0
/*
 * fuzz_http_limits - the checks a request meets before libmicrohttpd
 * parses it: the raw request target through http_limits_target_too_long
 * and http_limits_path_has_nul, header fields through
 * http_limits_add_header and http_limits_headers_too_large.
 *
 * Input: the bytes cut at the first NUL are the request target; the rest,
 * split at NULs, are header names and values in turn.  Invariants, each
 * against a count written here: too long exactly when the target is over
 * HTTP_LIMITS_TARGET_BYTES or has more than HTTP_LIMITS_PARAMS parameters
 * after its first '?'; a NUL in the path exactly when "%00" is in what
 * comes before the first '?'; the header count is the sum of
 * "Name: value\r\n" and of lines, too large exactly past either limit.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "http/http_limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *path;
	const char *q;
	size_t len, params = 0, bytes = 0, lines = 0;
	struct http_limits_headers h = { 0, 0 };

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	len = strlen(buf);
	q = strchr(buf, '?');
	if (q) {
		params = 1;
		for (const char *p = q + 1; *p; p++)
			params += *p == '&';
	}
	FUZZ_ASSERT(http_limits_target_too_long(buf) ==
		    (len > HTTP_LIMITS_TARGET_BYTES || params > HTTP_LIMITS_PARAMS),
		    "%zu bytes, %zu parameters", len, params);
	path = strndup(buf, q ? (size_t)(q - buf) : len);
	if (path) {
		FUZZ_ASSERT(http_limits_path_has_nul(buf) == (strstr(path, "%00") != NULL), "%%00");
		free(path);
	}

	for (size_t off = len + 1; off < size; ) {
		const char *name = buf + off, *value = NULL;

		off += strlen(name) + 1;
		if (off < size) {
			value = buf + off;
			off += strlen(value) + 1;
		}
		http_limits_add_header(&h, name, value);
		bytes += strlen(name) + 2 + (value ? strlen(value) : 0) + 2;
		lines++;
	}
	FUZZ_ASSERT(h.bytes == bytes && h.lines == lines, "counted %zu/%zu, want %zu/%zu",
		    h.bytes, h.lines, bytes, lines);
	FUZZ_ASSERT(http_limits_headers_too_large(&h) ==
		    (bytes > HTTP_LIMITS_HEADER_BYTES || lines > HTTP_LIMITS_HEADERS), "too large");
	free(buf);
	return 0;
}
