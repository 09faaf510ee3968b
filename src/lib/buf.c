// SPDX-License-Identifier: Apache-2.0
/* buf - growable NUL-terminated byte buffer with a sticky out-of-memory flag. */
#include "lib/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>

const char buf_empty[1];

void buf_init(struct buf *b, size_t hint)
{
	b->buf = (char *)buf_empty;
	b->len = 0;
	b->alloc = 0;
	b->oom = false;
	if (hint)
		buf_grow(b, hint);
}

void buf_release(struct buf *b)
{
	if (b->alloc)
		free(b->buf);
	buf_init(b, 0);
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	b->oom = false;
	if (b->alloc)
		b->buf[0] = '\0';
}

char *buf_detach(struct buf *b, size_t *len)
{
	char *p;

	if (b->oom) {
		buf_release(b);
		return NULL;
	}
	if (!b->alloc && !buf_grow(b, 0)) {
		buf_release(b);
		return NULL;
	}
	p = b->buf;
	if (len)
		*len = b->len;
	buf_init(b, 0);
	return p;
}

bool buf_grow(struct buf *b, size_t extra)
{
	size_t need, alloc;
	char *p;

	if (b->oom)
		return false;
	if (extra > SIZE_MAX - b->len - 1)
		goto oom;
	need = b->len + extra + 1;
	if (need <= b->alloc)
		return true;
	alloc = b->alloc ? b->alloc : 64;
	while (alloc < need)
		alloc = alloc > SIZE_MAX / 2 ? need : alloc * 2;
	p = realloc(b->alloc ? b->buf : NULL, alloc);
	if (!p)
		goto oom;
	if (!b->alloc)
		p[0] = '\0';
	b->buf = p;
	b->alloc = alloc;
	return true;
oom:
	b->oom = true;
	return false;
}

void buf_add(struct buf *b, const void *data, size_t len)
{
	if (!buf_grow(b, len))
		return;
	memcpy(b->buf + b->len, data, len);
	b->len += len;
	b->buf[b->len] = '\0';
}

void buf_addstr(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void buf_addch(struct buf *b, char c)
{
	buf_add(b, &c, 1);
}

void buf_addu64(struct buf *b, uint64_t v)
{
	char tmp[20];
	size_t i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	buf_add(b, tmp + i, sizeof(tmp) - i);
}

void buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	if (b->oom)
		return;
	if (!b->alloc && !buf_grow(b, 64))
		return;
	va_copy(cp, ap);
	n = vsnprintf(b->buf + b->len, b->alloc - b->len, fmt, cp);
	va_end(cp);
	if (n < 0) {
		b->buf[b->len] = '\0';
		b->oom = true;
		return;
	}
	if ((size_t)n >= b->alloc - b->len) {
		if (!buf_grow(b, (size_t)n)) {
			b->buf[b->len] = '\0';
			return;
		}
		vsnprintf(b->buf + b->len, b->alloc - b->len, fmt, ap);
	}
	b->len += (size_t)n;
}

void buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(b, fmt, ap);
	va_end(ap);
}

int buf_read_fd(struct buf *b, int fd, size_t max)
{
	for (;;) {
		ssize_t n;

		if (!buf_grow(b, 16384))
			return -ENOMEM;
		n = read(fd, b->buf + b->len, b->alloc - b->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		b->len += (size_t)n;
		b->buf[b->len] = '\0';
		if (b->len > max)
			return -EFBIG;
	}
}
