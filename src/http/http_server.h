/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http_server - the server's own state, shared by the files of the HTTP
 * framework alone (http.c, http_reply.c, http_stream.c, http_route.c):
 * the daemons, a connection's and a request's context, and the helpers
 * those files call of each other.  Handlers and everything else use http.h.
 */
#ifndef BPFME_HTTP_SERVER_H
#define BPFME_HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "http/http.h"
#include "http/slots.h"

struct MHD_Response;
struct deadline_conn;
struct deadlines;
struct auth_wait;
struct workq;

struct http_server {
	struct MHD_Daemon *daemons[HTTP_MAX_LISTEN];	/* one per listening socket */
	size_t nr_daemons;
	struct http_config cfg;
	struct slots slots;			/* cfg.max_requests */
	struct slots auth_slots;		/* WEBGUARD_AUTH_QUEUE password checks, a quarter per address */
	struct slots work_slots;		/* HTTP_WORK_QUEUE offloaded requests, a quarter per address */
	struct workq *work;			/* bpfme-render: http_offload */
	struct deadlines *deadlines;
	unsigned int suspended;			/* requests suspended now; __atomic */
};

/* What the server keeps about a connection (MHD's socket context). */
struct conn_ctx {
	struct deadline_conn *dl;	/* its deadline */
	void *web;			/* the web config's, for its TLS session; NULL without */
};

/*
 * What the server keeps about a request: made when its request line is in
 * (MHD's URI callback), freed when MHD is done with it.
 */
struct request {
	struct http_request rq;
	struct http_server *srv;
	struct deadline_conn *dl;	/* the connection's deadline; NULL if none */
	int fd;				/* the connection's socket */
	const struct http_route *route;	/* dispatched to; called again when resumed */
	struct auth_wait *auth;		/* its password check on the auth pool; NULL: none */
	bool has_slot;			/* holds one of srv->slots */
	bool counted;			/* in flight in cfg.stats, until request_free() */
	bool headers_in;	/* the handler has seen the headers */
	bool target_too_long;	/* past MAX_TARGET_BYTES or MAX_PARAMS */
	bool headers_too_large;	/* past MAX_HEADER_BYTES */
	bool path_has_nul;	/* "%00" in the raw path: answered 400 */
};

static inline struct request *request_of(struct http_request *rq)
{
	return (struct request *)((char *)rq - offsetof(struct request, rq));
}

/*
 * Content-Type, the extra headers (name, value, ..., NULL) and the web
 * config's onto resp; false if libmicrohttpd refused one.
 */
bool http_reply_add_headers(struct MHD_Response *resp, const struct http_request *rq,
			    const char *type, const char *const *headers);
/*
 * Queue resp (always destroyed) as rq's answer; once queued it must be read
 * whole by the write deadline.  0 or -EIO.
 */
int http_reply_queue(struct http_request *rq, unsigned int status, struct MHD_Response *resp);
/* When an answer cannot be built whole: 500, or -ENOMEM (then the connection closes). */
int http_reply_internal_error(struct http_request *rq);

/* The route of url in table (ended by a NULL path); a 404 route when none. */
const struct http_route *http_route_find(const struct http_route *table, const char *url);
/* HTTP_GET or HTTP_HEAD for a method, 0 for any other. */
unsigned int http_route_method_bit(const char *method);
/* Answer 405 with the Allow header of methods. */
int http_route_refuse(struct http_request *rq, unsigned int methods);

#endif
