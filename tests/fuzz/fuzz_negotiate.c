// SPDX-License-Identifier: Apache-2.0
/*
 * fuzz_negotiate - a client's Accept and Accept-Encoding headers through
 * negotiate_format, negotiate_wants_sse and negotiate_accepts_gzip.
 *
 * Input: the bytes cut at the first NUL, as one header value (each
 * function gets it; libmicrohttpd hands a header on as a C string).
 * Invariants: a format is one of the two; an empty or blank header and a
 * header that names no media range (no '/') is OpenMetrics or 0.0.4 text
 * as negotiate.h says (blank: OpenMetrics; nothing acceptable: text); a
 * header that names neither gzip nor '*' never allows gzip; wants_sse is
 * exactly "names text/event-stream"; each answer is the same when asked
 * twice (no state).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "http/negotiate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Whether s holds word (lowercase), ASCII case ignored (written here, not strcasestr). */
static bool has(const char *s, const char *word)
{
	size_t n = strlen(word);

	for (; *s; s++) {
		size_t i = 0;

		while (i < n && s[i] && lower(s[i]) == word[i])
			i++;
		if (i == n)
			return true;
	}
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	enum om_format f;
	bool blank = true, gz;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	for (const char *p = text; *p; p++)
		blank &= *p == ' ' || *p == '\t';

	f = negotiate_format(text);
	FUZZ_ASSERT(f == OM_FMT_OPENMETRICS || f == OM_FMT_TEXT, "format %d", (int)f);
	FUZZ_ASSERT(negotiate_format(text) == f, "format changed when asked again");
	/* no header, or nothing that names OpenMetrics: the text every client reads */
	if (blank || !strchr(text, '/'))
		FUZZ_ASSERT(f == OM_FMT_TEXT, "no media range at all, and not 0.0.4 text");
	if (!has(text, "application/"))
		FUZZ_ASSERT(f == OM_FMT_TEXT || has(text, "*/*"),
			    "OpenMetrics for a header that names neither it nor */*");

	FUZZ_ASSERT(negotiate_wants_sse(text) == has(text, "text/event-stream"), "wants_sse");

	gz = negotiate_accepts_gzip(text);
	FUZZ_ASSERT(negotiate_accepts_gzip(text) == gz, "gzip changed when asked again");
	if (!has(text, "gzip") && !strchr(text, '*'))
		FUZZ_ASSERT(!gz, "gzip allowed by a header that names neither gzip nor *");
	free(text);
	return 0;
}
