// SPDX-License-Identifier: Apache-2.0
/* json - JSON string escaping with UTF-8 validation; see json.h. */
#include "lib/json.h"
#include "lib/utf8.h"

#include <stdint.h>
#include <string.h>

void json_add_stringn(struct buf *b, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	static const char hex[] = "0123456789abcdef";
	size_t i = 0, run;

	buf_grow(b, n + 2);
	buf_addch(b, '"');
	while (i < n) {
		unsigned char c = s[i];

		if (c >= 0x20 && c != '"' && c != '\\' && c < 0x7f) {
			run = i + 1;
			while (run < n && s[run] >= 0x20 && s[run] != '"' &&
			       s[run] != '\\' && s[run] < 0x7f)
				run++;
			buf_add(b, s + i, run - i);
			i = run;
			continue;
		}
		switch (c) {
		case '"': buf_addstr(b, "\\\""); break;
		case '\\': buf_addstr(b, "\\\\"); break;
		case '\n': buf_addstr(b, "\\n"); break;
		case '\r': buf_addstr(b, "\\r"); break;
		case '\t': buf_addstr(b, "\\t"); break;
		case '\b': buf_addstr(b, "\\b"); break;
		case '\f': buf_addstr(b, "\\f"); break;
		default:
			if (c < 0x20 || c == 0x7f) {
				char esc[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };

				buf_add(b, esc, sizeof(esc));
			} else {
				size_t len = utf8_seq_len(s + i, n - i);
				uint32_t cp = len ? utf8_decode(s + i, len) : 0;

				if (len && !utf8_breaks_lines(cp)) {
					buf_add(b, s + i, len);
				} else if (len) {
					buf_addf(b, "\\u%04x", (unsigned int)cp);
				} else {
					buf_addstr(b, "\\ufffd");
					len = 1;
				}
				i += len;
				continue;
			}
		}
		i++;
	}
	buf_addch(b, '"');
}

void json_add_string(struct buf *b, const char *s)
{
	json_add_stringn(b, s, strlen(s));
}

void json_add_echo(struct buf *b, const char *s, size_t max)
{
	size_t len = strlen(s);

	if (len <= max) {
		json_add_stringn(b, s, len);
		return;
	}
	len = max;
	while (len && ((unsigned char)s[len] & 0xc0) == 0x80)
		len--;	/* not in the middle of a character */
	json_add_stringn(b, s, len);
	buf_addstr(b, "...");
}
