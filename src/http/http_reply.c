// SPDX-License-Identifier: Apache-2.0
/* http_reply - queueing answers: whole buffers, shared bytes, one line of text, busy; see http.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>

#include <microhttpd.h>

#include "http/http_server.h"
#include "http/deadline.h"
#include "http/slots.h"
#include "lib/log.h"
#include "web/webguard.h"

static bool add_header_list(struct MHD_Response *resp, const char *const *headers)
{
	for (; headers && headers[0]; headers += 2)
		if (MHD_add_response_header(resp, headers[0], headers[1]) != MHD_YES)
			return false;
	return true;
}

/*
 * Content-Type, the extra headers and the web config's; false if
 * libmicrohttpd refused one.
 */
bool http_reply_add_headers(struct MHD_Response *resp, const struct http_request *rq, const char *type,
			const char *const *headers)
{
	return MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type) == MHD_YES &&
	       add_header_list(resp, headers) &&
	       (!rq->web || add_header_list(resp, webguard_headers(rq->web)));
}

/* Queue resp; once queued, it must be read whole by the write deadline. */
int http_reply_queue(struct http_request *rq, unsigned int status, struct MHD_Response *resp)
{
	struct request *r = request_of(rq);
	enum MHD_Result ret = MHD_queue_response(rq->conn, status, resp);

	MHD_destroy_response(resp);
	if (ret != MHD_YES)
		return -EIO;
	deadline_set(r->srv->deadlines, r->dl, DEADLINE_WRITE,
		     deadline_now_ms() + r->srv->cfg.write_timeout_ms);
	return 0;
}

/* When an answer cannot be built whole: 500, or nothing (then the connection closes). */
int http_reply_internal_error(struct http_request *rq)
{
	static const char body[] = "internal error: cannot build the response\n";
	static struct log_ratelimit rl = LOG_RATELIMIT_INIT(60);
	struct MHD_Response *resp;

	if (log_ratelimit_ok(&rl))
		log_warnx("cannot build the response to %s %s: a header was refused (out of memory?)",
			  rq->method, rq->url);
	resp = MHD_create_response_from_buffer(sizeof(body) - 1, (void *)body, MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return -ENOMEM;
	if (!http_reply_add_headers(resp, rq, "text/plain; charset=utf-8", NULL)) {
		MHD_destroy_response(resp);
		return -ENOMEM;
	}
	rq->status = MHD_HTTP_INTERNAL_SERVER_ERROR;
	return http_reply_queue(rq, MHD_HTTP_INTERNAL_SERVER_ERROR, resp);
}

int http_reply(struct http_request *rq, unsigned int status, const char *type,
	       struct buf *body, const char *const *headers)
{
	struct MHD_Response *resp;
	size_t len;
	char *data = buf_detach(body, &len);

	if (!data)
		return -ENOMEM;
	resp = MHD_create_response_from_buffer_with_free_callback(len, data, free);
	if (!resp) {
		free(data);
		return -ENOMEM;
	}
	if (!http_reply_add_headers(resp, rq, type, headers)) {
		MHD_destroy_response(resp);	/* frees data */
		return http_reply_internal_error(rq);
	}
	rq->status = status;
	return http_reply_queue(rq, status, resp);
}

int http_reply_shared(struct http_request *rq, unsigned int status, const char *type,
		      const void *data, size_t len, void (*release)(void *cls), void *cls,
		      const char *const *headers)
{
	struct MHD_Response *resp =
		MHD_create_response_from_buffer_with_free_callback_cls(len, (void *)data, release, cls);

	if (!resp) {
		release(cls);
		return -ENOMEM;
	}
	if (!http_reply_add_headers(resp, rq, type, headers)) {
		MHD_destroy_response(resp);	/* releases data */
		return http_reply_internal_error(rq);
	}
	rq->status = status;
	return http_reply_queue(rq, status, resp);
}

int http_reply_text(struct http_request *rq, unsigned int status,
		    const char *const *headers, const char *fmt, ...)
{
	struct buf body = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(&body, fmt, ap);
	va_end(ap);
	buf_addch(&body, '\n');
	return http_reply(rq, status, "text/plain; charset=utf-8", &body, headers);
}

int http_reply_busy(struct http_request *rq, int err)
{
	static const char *const retry[] = { "Retry-After", "1", NULL };
	const struct request *r = request_of(rq);
	unsigned int max = r->srv->cfg.max_requests;

	if (err == -EUSERS)
		return http_reply_text(rq, MHD_HTTP_SERVICE_UNAVAILABLE, retry,
				       "too many requests in flight from your address: at most %u of "
				       "the %u of --web.max-requests", slots_share(max), max);
	return http_reply_text(rq, MHD_HTTP_SERVICE_UNAVAILABLE, retry,
			       "too many requests in flight: at most %u at once (--web.max-requests)",
			       max);
}

