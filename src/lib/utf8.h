/* SPDX-License-Identifier: Apache-2.0 */
/* utf8 - the one UTF-8 validator, for the writers that must emit valid UTF-8. */
#ifndef BPFME_UTF8_H
#define BPFME_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Length (2 to 4) of the valid multi-byte UTF-8 sequence at s, looking at
 * most n bytes, or 0 if it is not one (overlong forms, surrogates and
 * code points past U+10FFFF are invalid).  Stops at a NUL, which is never
 * a continuation byte.
 */
size_t utf8_seq_len(const unsigned char *s, size_t n);

/* The code point of the valid sequence of len bytes at s (len from utf8_seq_len). */
uint32_t utf8_decode(const unsigned char *s, size_t len);

/*
 * True for the code points that some readers take as a line break although
 * JSON and logfmt allow them raw: the C1 controls U+0080-U+009F (NEL,
 * U+0085, among them), LINE SEPARATOR U+2028 and PARAGRAPH SEPARATOR U+2029
 * (JavaScript before ES2019, Python's str.splitlines, some log shippers).
 * Writers escape them so that one record stays one line for every reader.
 */
bool utf8_breaks_lines(uint32_t cp);

#endif
