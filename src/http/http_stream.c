// SPDX-License-Identifier: Apache-2.0
/*
 * http_stream - answers of unknown length made piece by piece
 * (/events?follow=1), suspended while they have nothing to send; the write
 * deadline held by what the client's kernel acknowledges.  See http.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/sockios.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/ioctl.h>

#include <microhttpd.h>

#include "http/http_server.h"
#include "http/deadline.h"

struct http_stream {
	struct http_server *srv;
	struct MHD_Connection *conn;
	struct deadline_conn *dl;
	int fd;
	http_stream_read_fn read;
	void (*release)(void *cls);
	void *cls;
	uint64_t acked;		/* bytes the peer had acknowledged at the last look */
};

/*
 * Whether the peer took some of what was sent since the last look (its
 * kernel acknowledged more bytes); *idle: nothing is left in the socket
 * to send or to be acknowledged.
 */
static bool peer_took_some(struct http_stream *s, bool *idle)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	int outq = 0;
	bool took;

	memset(&ti, 0, sizeof(ti));
	*idle = ioctl(s->fd, SIOCOUTQ, &outq) == 0 && outq == 0;
	if (getsockopt(s->fd, IPPROTO_TCP, TCP_INFO, &ti, &len) || len < offsetof(struct tcp_info, tcpi_bytes_acked) + sizeof(ti.tcpi_bytes_acked))
		return false;	/* cannot tell: only an idle socket re-arms the deadline */
	took = ti.tcpi_bytes_acked > s->acked;
	s->acked = ti.tcpi_bytes_acked;
	return took;
}

/* libmicrohttpd has room for more of the stream. */
static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct http_stream *s = cls;
	struct http_server *srv = s->srv;
	bool idle;
	long n;

	(void)pos;
	if (peer_took_some(s, &idle) || idle)
		deadline_set(srv->deadlines, s->dl, DEADLINE_WRITE,
			     deadline_now_ms() + srv->cfg.write_timeout_ms);
	n = s->read(s->cls, s, buf, max);
	if (n > 0)
		return n;
	if (n == HTTP_STREAM_WAIT) {
		if (idle)	/* the client has everything: nothing pinned while it waits */
			deadline_set(srv->deadlines, s->dl, DEADLINE_NONE, 0);
		return 0;	/* suspended: not called again until resumed */
	}
	return n == HTTP_STREAM_END ? MHD_CONTENT_READER_END_OF_STREAM :
	       MHD_CONTENT_READER_END_WITH_ERROR;
}

static void stream_free(void *cls)
{
	struct http_stream *s = cls;

	s->release(s->cls);
	free(s);
}

/* The buffer libmicrohttpd asks a stream to fill at most (it may ask less). */
#define STREAM_BLOCK 16384

int http_stream_reply(struct http_request *rq, const char *type, const char *const *headers,
		      http_stream_read_fn read, void (*release)(void *cls), void *cls)
{
	struct request *r = request_of(rq);
	struct http_stream *s = calloc(1, sizeof(*s));
	struct MHD_Response *resp;

	if (!s) {
		release(cls);
		return -ENOMEM;
	}
	*s = (struct http_stream){ .srv = r->srv, .conn = rq->conn, .dl = r->dl, .fd = r->fd,
				   .read = read, .release = release, .cls = cls };
	resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, STREAM_BLOCK, stream_read, s,
						 stream_free);
	if (!resp) {
		stream_free(s);
		return -ENOMEM;
	}
	if (!http_reply_add_headers(resp, rq, type, headers)) {
		MHD_destroy_response(resp);	/* frees s */
		return http_reply_internal_error(rq);
	}
	rq->status = MHD_HTTP_OK;
	return http_reply_queue(rq, MHD_HTTP_OK, resp);
}

void http_stream_suspend(struct http_stream *s)
{
	__atomic_add_fetch(&s->srv->suspended, 1, __ATOMIC_RELAXED);
	MHD_suspend_connection(s->conn);
}

void http_stream_resume(struct http_stream *s)
{
	struct http_server *srv = s->srv;	/* s may be gone once resumed */

	MHD_resume_connection(s->conn);
	__atomic_sub_fetch(&srv->suspended, 1, __ATOMIC_RELEASE);
}

int http_stream_fd(const struct http_stream *s)
{
	return s->fd;
}
