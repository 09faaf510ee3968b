/* SPDX-License-Identifier: Apache-2.0 */
/*
 * json - the little JSON writing the exporter needs (log lines, /events).
 * Strings are always valid JSON whatever bytes they hold: quotes, backslashes
 * and every control byte are escaped, each byte of invalid UTF-8 becomes
 * \ufffd, and the C1 controls and U+2028/U+2029, which some readers take
 * as line breaks (utf8_breaks_lines), become \u0085, \u2028 and so on.
 * So the output is valid UTF-8 and never spans lines.
 */
#ifndef BPFME_JSON_H
#define BPFME_JSON_H

#include <stddef.h>

#include "lib/buf.h"

/* Append s (NUL-terminated) as a quoted JSON string. */
void json_add_string(struct buf *b, const char *s);
/* Append the first len bytes of s as a quoted JSON string (NULs escaped). */
void json_add_stringn(struct buf *b, const char *s, size_t len);
/*
 * Append s, a value a client sent, as a quoted JSON string for a one-line
 * reason: at most max bytes of it, cut where no character is split, with
 * "..." after the quotes when cut.
 */
void json_add_echo(struct buf *b, const char *s, size_t max);

#endif
