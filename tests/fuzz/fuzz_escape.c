// SPDX-License-Identifier: Apache-2.0
/*
 * fuzz_escape - the four string escapers, held to their contracts on any
 * bytes: om_escape_label_value (OpenMetrics label values), json_add_stringn,
 * log_add_logfmt_value and html_escapen (the landing page: valid UTF-8 with
 * no raw & < > " ' but its entities, decoding back to the input with U+FFFD
 * for invalid bytes and control characters but tab, LF and CR).  Each output must be valid UTF-8 without a NUL
 * or a raw newline, and must decode back to the input: exactly for logfmt
 * (\xNN keeps a byte), with U+FFFD for each byte of invalid UTF-8 for JSON
 * and OpenMetrics.  JSON and logfmt must also hold no control character,
 * C1 control or U+2028/U+2029 raw.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "fuzz.h"
#include "lib/html.h"
#include "lib/json.h"
#include "lib/log.h"
#include "metrics/om.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Valid UTF-8, no NUL; strict: nor raw control, C1 or U+2028/9 (JSON, logfmt). */
static void check_text(const char *who, const struct buf *b, bool strict)
{
	const unsigned char *s = (const unsigned char *)b->buf;

	FUZZ_ASSERT(!b->oom, "%s: out of memory", who);
	FUZZ_ASSERT(b->len == strlen(b->buf), "%s: a NUL in the output", who);
	for (size_t i = 0; i < b->len;) {
		size_t len = fuzz_utf8_len(s + i, b->len - i);

		FUZZ_ASSERT(len, "%s: invalid UTF-8 at output byte %zu", who, i);
		FUZZ_ASSERT(s[i] != '\n', "%s: a raw newline at output byte %zu", who, i);
		if (strict) {
			FUZZ_ASSERT(s[i] >= 0x20 && s[i] != 0x7f,
				    "%s: raw control 0x%02x at %zu", who, s[i], i);
			FUZZ_ASSERT(!(len == 2 && s[i] == 0xc2 && s[i + 1] < 0xa0),
				    "%s: raw C1 control at %zu", who, i);
			FUZZ_ASSERT(!(len == 3 && s[i] == 0xe2 && s[i + 1] == 0x80 &&
				      (s[i + 2] == 0xa8 || s[i + 2] == 0xa9)),
				    "%s: raw U+2028/U+2029 at %zu", who, i);
		}
		i += len;
	}
}

/* in[0..n) with each byte of invalid UTF-8 replaced by U+FFFD. */
static void replace_invalid(struct buf *out, const unsigned char *in, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t len = fuzz_utf8_len(in + i, n - i);

		if (len) {
			buf_add(out, in + i, len);
			i += len;
		} else {
			buf_addstr(out, "\xef\xbf\xbd");
			i++;
		}
	}
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void add_utf8(struct buf *out, uint32_t cp)
{
	if (cp < 0x80) {
		buf_addch(out, (char)cp);
	} else if (cp < 0x800) {
		buf_addch(out, (char)(0xc0 | cp >> 6));
		buf_addch(out, (char)(0x80 | (cp & 0x3f)));
	} else {
		buf_addch(out, (char)(0xe0 | cp >> 12));
		buf_addch(out, (char)(0x80 | ((cp >> 6) & 0x3f)));
		buf_addch(out, (char)(0x80 | (cp & 0x3f)));
	}
}

/*
 * Undo the escapes of s[0..n) into out: the backslash escapes in allowed
 * (of \ " n t r b f x u), \xNN as one byte, \uXXXX as UTF-8 (the writers
 * never emit surrogate pairs).  Anything else is a broken invariant.
 */
static void unescape(const char *who, struct buf *out, const char *s, size_t n,
		     const char *allowed)
{
	for (size_t i = 0; i < n; i++) {
		int h[4];

		if (s[i] != '\\') {
			FUZZ_ASSERT(s[i] != '"', "%s: a raw quote inside the value at %zu", who, i);
			buf_addch(out, s[i]);
			continue;
		}
		FUZZ_ASSERT(i + 1 < n, "%s: a lone backslash at the end", who);
		FUZZ_ASSERT(strchr(allowed, s[i + 1]), "%s: unknown escape \\%c", who, s[i + 1]);
		switch (s[++i]) {
		case 'n': buf_addch(out, '\n'); break;
		case 't': buf_addch(out, '\t'); break;
		case 'r': buf_addch(out, '\r'); break;
		case 'b': buf_addch(out, '\b'); break;
		case 'f': buf_addch(out, '\f'); break;
		case 'x':
			FUZZ_ASSERT(i + 2 < n && (h[0] = hexval((unsigned char)s[i + 1])) >= 0 &&
				    (h[1] = hexval((unsigned char)s[i + 2])) >= 0,
				    "%s: bad \\x escape", who);
			buf_addch(out, (char)(h[0] << 4 | h[1]));
			i += 2;
			break;
		case 'u':
			FUZZ_ASSERT(i + 4 < n, "%s: short \\u escape", who);
			for (int k = 0; k < 4; k++)
				FUZZ_ASSERT((h[k] = hexval((unsigned char)s[i + 1 + k])) >= 0,
					    "%s: bad \\u escape", who);
			add_utf8(out, (uint32_t)(h[0] << 12 | h[1] << 8 | h[2] << 4 | h[3]));
			i += 4;
			break;
		default:
			buf_addch(out, s[i]);	/* \" or \\ */
		}
	}
}

/* html: the entities back into characters; anything else after & is a broken invariant. */
static void html_unescape(struct buf *out, const struct buf *in)
{
	static const char *const ents[][2] = {
		{ "&amp;", "&" }, { "&lt;", "<" }, { "&gt;", ">" }, { "&quot;", "\"" }, { "&#39;", "'" },
	};

	for (size_t i = 0; i < in->len;) {
		const char *s = in->buf + i;
		size_t k;

		FUZZ_ASSERT(!strchr("<>\"'", *s) || !*s, "html: raw %c at %zu", *s, i);
		FUZZ_ASSERT(*s, "html: a NUL at %zu", i);
		if (*s != '&') {
			buf_addch(out, *s);
			i++;
			continue;
		}
		for (k = 0; k < sizeof(ents) / sizeof(ents[0]); k++)
			if (!strncmp(s, ents[k][0], strlen(ents[k][0])))
				break;
		FUZZ_ASSERT(k < sizeof(ents) / sizeof(ents[0]), "html: a raw & at %zu", i);
		buf_addstr(out, ents[k][1]);
		i += strlen(ents[k][0]);
	}
}

/* What html_escapen's output decodes to: U+FFFD for invalid bytes and controls but \t \n \r. */
static void html_expected(struct buf *out, const unsigned char *in, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t len = fuzz_utf8_len(in + i, n - i);

		if (in[i] < 0x80 && in[i] && ((in[i] >= 0x20 && in[i] != 0x7f) || in[i] == '\t' ||
					       in[i] == '\n' || in[i] == '\r')) {
			buf_addch(out, (char)in[i++]);
		} else if (in[i] >= 0x80 && len) {
			buf_add(out, in + i, len);
			i += len;
		} else {
			buf_addstr(out, "\xef\xbf\xbd");
			i++;
		}
	}
}

static void expect_same(const char *who, const struct buf *got, const struct buf *want)
{
	FUZZ_ASSERT(got->len == want->len && !memcmp(got->buf, want->buf, got->len),
		    "%s: decodes to %zu bytes, not the %zu expected", who, got->len, want->len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* exactly size bytes, so ASan sees a read past them */
	char *exact = malloc(size ? size : 1), *cstr = malloc(size + 1);
	struct buf out = BUF_INIT, dec = BUF_INIT, want = BUF_INIT;
	size_t clen;

	if (!exact || !cstr)
		abort();
	memcpy(exact, data, size);
	memcpy(cstr, data, size);
	cstr[size] = '\0';
	clen = strlen(cstr);	/* the C-string escapers stop at the first NUL */

	/* JSON: "...", \ufffd for invalid bytes */
	json_add_stringn(&out, exact, size);
	check_text("json", &out, true);
	FUZZ_ASSERT(out.len >= 2 && out.buf[0] == '"' && out.buf[out.len - 1] == '"',
		    "json: not a quoted string");
	unescape("json", &dec, out.buf + 1, out.len - 2, "\\\"ntrbfu");
	replace_invalid(&want, data, size);
	expect_same("json", &dec, &want);

	/* logfmt: bare, or quoted with every byte kept */
	buf_reset(&out);
	buf_reset(&dec);
	log_add_logfmt_value(&out, cstr);
	check_text("logfmt", &out, true);
	if (out.len && out.buf[0] == '"') {
		FUZZ_ASSERT(out.len >= 2 && out.buf[out.len - 1] == '"', "logfmt: unclosed quote");
		unescape("logfmt", &dec, out.buf + 1, out.len - 2, "\\\"ntrxu");
	} else {
		FUZZ_ASSERT(clen && !strpbrk(out.buf, " \"=\\"), "logfmt: a bare value must be a token");
		buf_add(&dec, out.buf, out.len);
	}
	FUZZ_ASSERT(dec.len == clen && !memcmp(dec.buf, cstr, clen),
		    "logfmt: decodes to %zu bytes, not the input's %zu", dec.len, clen);

	/* OpenMetrics label value: \\ \" \n, U+FFFD for invalid bytes */
	buf_reset(&out);
	buf_reset(&dec);
	buf_reset(&want);
	om_escape_label_value(&out, cstr);
	check_text("openmetrics", &out, false);
	unescape("openmetrics", &dec, out.buf, out.len, "\\\"n");
	replace_invalid(&want, (const unsigned char *)cstr, clen);
	expect_same("openmetrics", &dec, &want);

	/* HTML: text or an attribute value */
	buf_reset(&out);
	buf_reset(&dec);
	buf_reset(&want);
	html_escapen(&out, exact, size);
	FUZZ_ASSERT(!out.oom && out.len == strlen(out.buf), "html: a NUL in the output");
	for (size_t i = 0; i < out.len;) {
		size_t len = fuzz_utf8_len((const unsigned char *)out.buf + i, out.len - i);

		FUZZ_ASSERT(len, "html: invalid UTF-8 at output byte %zu", i);
		i += len;
	}
	html_unescape(&dec, &out);
	html_expected(&want, data, size);
	expect_same("html", &dec, &want);

	buf_release(&out);
	buf_release(&dec);
	buf_release(&want);
	free(exact);
	free(cstr);
	return 0;
}
