/* SPDX-License-Identifier: Apache-2.0 */
/* utf8 - the one UTF-8 validator, for the writers that must emit valid UTF-8. */
#ifndef BPFME_UTF8_H
#define BPFME_UTF8_H

#include <stddef.h>

/*
 * Length (2 to 4) of the valid multi-byte UTF-8 sequence at s, looking at
 * most n bytes, or 0 if it is not one (overlong forms, surrogates and
 * code points past U+10FFFF are invalid).  Stops at a NUL, which is never
 * a continuation byte.
 */
size_t utf8_seq_len(const unsigned char *s, size_t n);

#endif
