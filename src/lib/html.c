// SPDX-License-Identifier: Apache-2.0
/* html - text into HTML; see html.h. */
#include "lib/html.h"

#include <string.h>

#include "lib/utf8.h"

#define REPLACEMENT "\xef\xbf\xbd"	/* U+FFFD */

void html_escapen(struct buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0;	/* p[i - run .. i) is plain, not yet added */

	while (i < n) {
		unsigned char c = p[i];
		const char *rep = NULL;
		size_t len = 1;

		switch (c) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default:
			if (c >= 0x80) {
				len = utf8_seq_len(p + i, n - i);
				if (!len) {
					rep = REPLACEMENT;
					len = 1;
				}
			} else if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f) {
				rep = REPLACEMENT;
			}
		}
		if (!rep) {
			i += len;
			run += len;
			continue;
		}
		buf_add(b, p + i - run, run);
		buf_addstr(b, rep);
		run = 0;
		i += len;
	}
	buf_add(b, p + i - run, run);
}

void html_escape(struct buf *b, const char *s)
{
	if (s)
		html_escapen(b, s, strlen(s));
}
