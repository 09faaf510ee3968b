/* SPDX-License-Identifier: Apache-2.0 */
/*
 * buf - the one growable byte buffer of the project (after git's strbuf).
 *
 * Invariants:
 *  - b->buf is never NULL: an empty buffer points at a static "" until the
 *    first append, so it can always be printed or compared.
 *  - b->buf[b->len] == '\0' always; len excludes that NUL.
 *  - Appends never fail loudly: when memory runs out the buffer keeps what it
 *    had, sets the sticky b->oom flag and ignores further appends.  Check oom
 *    once, before the content is used (e.g. before an HTTP response is sent).
 *  - Not thread-safe; a buffer belongs to one thread at a time.
 */
#ifndef BPFME_BUF_H
#define BPFME_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf {
	char *buf;
	size_t len;
	size_t alloc;	/* bytes allocated; 0 while buf points at the static "" */
	bool oom;
};

#define BUF_INIT { .buf = (char *)buf_empty, .len = 0, .alloc = 0, .oom = false }
extern const char buf_empty[];

void buf_init(struct buf *b, size_t hint);
/* Frees the memory and leaves b as after buf_init(b, 0). */
void buf_release(struct buf *b);
/* Empties b but keeps its memory (and clears oom). */
void buf_reset(struct buf *b);
/*
 * Hands the bytes to the caller, who frees them with free(); *len (if not
 * NULL) receives the length.  b is left empty.  Returns NULL when b->oom.
 */
char *buf_detach(struct buf *b, size_t *len);
/* Makes room for at least extra more bytes; returns false (and sets oom) on failure. */
bool buf_grow(struct buf *b, size_t extra);

void buf_add(struct buf *b, const void *data, size_t len);
void buf_addstr(struct buf *b, const char *s);
void buf_addch(struct buf *b, char c);
/* Appends the decimal form of v (no printf on the hot path). */
void buf_addu64(struct buf *b, uint64_t v);
void buf_addf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void buf_vaddf(struct buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/*
 * Append everything fd reads until end of file (EINTR retried).  0, or
 * -errno: -ENOMEM, -EFBIG once b holds more than max bytes, a read error.
 * The fd stays open.
 */
int buf_read_fd(struct buf *b, int fd, size_t max);

#endif
