/* SPDX-License-Identifier: Apache-2.0 */
/*
 * html - text into HTML: the one escaper for whatever the landing page
 * shows that comes from the kernel, a flag or a client.
 */
#ifndef BPFME_HTML_H
#define BPFME_HTML_H

#include <stddef.h>

#include "lib/buf.h"

/*
 * Append s[0..n) to b as HTML text or a quoted attribute value: & < > " '
 * as entities; each byte of invalid UTF-8, NUL and control character but
 * tab, LF and CR as U+FFFD.  The output is valid UTF-8 with no raw & < > "
 * or ' but those of its entities.  Pure.
 */
void html_escapen(struct buf *b, const char *s, size_t n);
/* html_escapen() of a NUL-terminated s; NULL appends nothing. */
void html_escape(struct buf *b, const char *s);

#endif
