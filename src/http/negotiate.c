// SPDX-License-Identifier: Apache-2.0
/* negotiate - Accept and Accept-Encoding, gzip; see negotiate.h. */
#include "http/negotiate.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <zlib.h>

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

static size_t trim_len(const char *p, const char *end)
{
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	return (size_t)(end - p);
}

static bool token_eq(const char *p, size_t len, const char *word)
{
	return strlen(word) == len && !strncasecmp(p, word, len);
}

struct range {
	const char *value;	/* media range or coding, trimmed */
	size_t len;
	double q;
	const char *version;	/* the version= parameter, or NULL */
	size_t version_len;
};

/*
 * Split one element of a comma-separated header (p..end) into its value and
 * the q and version parameters.
 */
static void parse_element(const char *p, const char *end, struct range *r)
{
	const char *semi = memchr(p, ';', (size_t)(end - p));

	p = skip_ws(p, end);
	r->value = p;
	r->len = trim_len(p, semi ? semi : end);
	r->q = 1.0;
	r->version = NULL;
	r->version_len = 0;
	while (semi) {
		const char *param = skip_ws(semi + 1, end), *eq, *val;
		size_t vlen;

		semi = memchr(param, ';', (size_t)(end - param));
		eq = memchr(param, '=', (size_t)((semi ? semi : end) - param));
		if (!eq)
			continue;
		val = skip_ws(eq + 1, end);
		vlen = trim_len(val, semi ? semi : end);
		if (vlen >= 2 && val[0] == '"' && val[vlen - 1] == '"')
			val++, vlen -= 2;
		if (token_eq(param, trim_len(param, eq), "q")) {
			char tmp[16];

			if (vlen >= sizeof(tmp))
				vlen = sizeof(tmp) - 1;
			memcpy(tmp, val, vlen);
			tmp[vlen] = '\0';
			r->q = strtod(tmp, NULL);
			if (r->q < 0 || r->q != r->q)
				r->q = 0;
		} else if (token_eq(param, trim_len(param, eq), "version")) {
			r->version = val;
			r->version_len = vlen;
		}
	}
}

/* How a media range matched: none, * / *, type/ *, type/sub, type/sub;version=ours. */
enum { MATCH_NONE, MATCH_ANY, MATCH_TYPE, MATCH_EXACT, MATCH_VERSION };

/*
 * The q a header gives to type/sub (with our version): the q of the most
 * specific matching range, 0 when none matches; *how: how specific it was.
 */
static double media_q(const char *accept, const char *type, const char *sub,
		      const char *version, int *how)
{
	const char *p = accept, *end = accept + strlen(accept);
	int best = 0;
	double q = 0;

	while (p < end) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *elem_end = comma ? comma : end;
		struct range r;
		const char *slash;
		int spec = 0;

		parse_element(p, elem_end, &r);
		p = comma ? comma + 1 : end;
		slash = memchr(r.value, '/', r.len);
		if (!slash)
			continue;
		size_t tlen = (size_t)(slash - r.value), slen = r.len - tlen - 1;

		if (token_eq(r.value, tlen, "*") && token_eq(slash + 1, slen, "*"))
			spec = MATCH_ANY;
		else if (token_eq(r.value, tlen, type) && token_eq(slash + 1, slen, "*"))
			spec = MATCH_TYPE;
		else if (token_eq(r.value, tlen, type) && token_eq(slash + 1, slen, sub)) {
			if (r.version && !token_eq(r.version, r.version_len, version))
				continue;	/* a version we do not produce */
			spec = r.version ? MATCH_VERSION : MATCH_EXACT;
		}
		if (spec > best) {
			best = spec;
			q = r.q;
		}
	}
	*how = best;
	return q;
}

enum om_format negotiate_format(const char *accept)
{
	int om_how, text_how;
	double om, text;

	if (!accept || !*skip_ws(accept, accept + strlen(accept)))
		return OM_FMT_TEXT;
	om = media_q(accept, "application", "openmetrics-text", "1.0.0", &om_how);
	text = media_q(accept, "text", "plain", "0.0.4", &text_how);
	/* OpenMetrics when named (application/openmetrics-text or application/ *) */
	if (om > 0 && om_how >= MATCH_TYPE && om >= text)
		return OM_FMT_OPENMETRICS;
	if (text > 0)
		return OM_FMT_TEXT;
	return om > 0 ? OM_FMT_OPENMETRICS : OM_FMT_TEXT;
}

bool negotiate_accepts_gzip(const char *accept_encoding)
{
	const char *p, *end;
	double gzip = -1, star = -1;

	if (!accept_encoding)
		return false;
	p = accept_encoding;
	end = p + strlen(p);
	while (p < end) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		struct range r;

		parse_element(p, comma ? comma : end, &r);
		p = comma ? comma + 1 : end;
		if (token_eq(r.value, r.len, "gzip") || token_eq(r.value, r.len, "x-gzip"))
			gzip = r.q;
		else if (token_eq(r.value, r.len, "*"))
			star = r.q;
	}
	return gzip >= 0 ? gzip > 0 : star > 0;
}

/* At most chunk more bytes for a zlib count (uInt, 32 bits) of the size_t left, taken off left. */
static uInt take(size_t *left, size_t chunk)
{
	size_t n = *left < chunk ? *left : chunk;

	*left -= n;
	return (uInt)n;
}

bool negotiate_wants_sse(const char *accept)
{
	return accept && strcasestr(accept, "text/event-stream");
}

int negotiate_gzip_chunked(struct buf *dst, const char *src, size_t len, size_t chunk)
{
	size_t in_left = len, out_left;
	z_stream zs;
	int ret;

	if (!chunk || chunk > UINT_MAX)
		return -EINVAL;
	memset(&zs, 0, sizeof(zs));
	/* Level 1: an exposition compresses about tenfold even so, at a fraction of the cost. */
	if (deflateInit2(&zs, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	buf_reset(dst);
	/* deflateBound's uLong is 64 bits here: the bound of the whole input, fed in any pieces */
	if (!buf_grow(dst, deflateBound(&zs, len))) {
		deflateEnd(&zs);
		return -ENOMEM;
	}
	out_left = dst->alloc - 1;
	zs.next_in = (Bytef *)src;
	zs.next_out = (Bytef *)dst->buf;
	/* zlib counts in uInt: the input and the room are given to it a chunk at a time */
	do {
		if (!zs.avail_in)
			zs.avail_in = take(&in_left, chunk);
		if (!zs.avail_out)
			zs.avail_out = take(&out_left, chunk);
		ret = deflate(&zs, in_left ? Z_NO_FLUSH : Z_FINISH);
		/* Z_BUF_ERROR: no progress possible, which more input or room cures if there is any */
		if (ret == Z_BUF_ERROR && (zs.avail_in || !in_left) && (zs.avail_out || !out_left))
			break;
	} while (ret == Z_OK || ret == Z_BUF_ERROR);
	dst->len = (size_t)((char *)zs.next_out - dst->buf);
	dst->buf[dst->len] = '\0';
	deflateEnd(&zs);
	return ret == Z_STREAM_END ? 0 : -EIO;
}

int negotiate_gzip(struct buf *dst, const char *src, size_t len)
{
	return negotiate_gzip_chunked(dst, src, len, UINT_MAX);
}
