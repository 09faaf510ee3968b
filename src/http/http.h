/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http - the libmicrohttpd server: one daemon, a route table (path ->
 * handler and the methods it allows) and a per-request context handed to
 * every handler.  The checks every request passes before its handler runs
 * (limits; the web config's client certificate and basic auth) live here;
 * the endpoints live in h_*.c and answer with http_reply() or
 * http_reply_text(); the table of routes is the caller's (src/routes.c).
 *
 * With a web config (webguard.h) the daemon speaks TLS, each connection's
 * TLS session is set up with the credentials current when it is accepted,
 * every request passes its check (client certificate, basic auth) before
 * routing, and every answer carries the config's extra headers.
 *
 * Threads: one MHD polling thread per listening socket serves its connections (epoll) and runs
 * every handler; a handler must answer at once.  One with slow work (a
 * scrape) hands it to another thread and suspends the request
 * (http_suspend; or http_offload, onto the server's own worker thread);
 * that thread resumes it (http_resume) and the handler is called again to
 * answer.  Password checks that need a bcrypt go to the web config's auth
 * pool the same way (webguard.h), before routing.  So idle, slow or garbage-sending clients and
 * scrapes never block the thread, and cheap endpoints never wait.
 *
 * Limits: connections (a quarter per client address); expensive requests
 * in flight (http_take_slot: --web.max-requests, a quarter per address);
 * a request must arrive whole within read_timeout_ms and its answer be read
 * whole within write_timeout_ms (absolute deadlines, see deadline.h); the
 * kernel's send and receive buffers of every connection are capped
 * (HTTP_SOCKET_BUFFER).
 *
 * Several listening sockets (--web.listen-address given more than once, or
 * the sockets systemd passes): one MHD daemon each, all started alike and
 * sharing one struct http_server, so every address is served by the same
 * routes, handlers, limits and per-request context.  The connection limits
 * are per daemon, that is per listening socket (HACKING says why).
 */
#ifndef BPFME_HTTP_H
#define BPFME_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include <sys/socket.h>

#include "lib/buf.h"
#include "metrics/http_stats.h"
#include "metrics/om.h"

struct audit_reader;
struct ev_ring;
struct follow_hub;
struct scraper;
struct MHD_Connection;
struct webguard;
struct webguard_config;

/*
 * The send and the receive buffer of every accepted socket, as asked of the
 * kernel (which doubles it for its bookkeeping): what a client that does not
 * read can pin in the kernel per connection.
 */
#define HTTP_SOCKET_BUFFER (64 * 1024)

struct http_request;

/*
 * Answers one request, normally with http_reply() or http_reply_text().
 * Returns 0, or -errno when no answer could be queued: the connection is
 * then closed.
 */
typedef int (*http_handler_fn)(struct http_request *rq);

/* The methods a route allows (a bit set). */
enum { HTTP_GET = 1 << 0, HTTP_HEAD = 1 << 1 };

struct http_route {
	const char *path;		/* matched whole, without the query; NULL ends a table */
	unsigned int methods;		/* HTTP_GET | HTTP_HEAD; others answer 405 */
	http_handler_fn handler;
	enum http_stats_handler stats;	/* its handler label in the request counts (0: "other") */
};

/* The endpoints at fixed paths; the telemetry path is none of them. */
#define HTTP_PATH_LANDING "/"
#define HTTP_PATH_EVENTS "/events"
#define HTTP_PATH_DOC "/doc"
/* Whether path is one of those, so that no telemetry path may be it. */
bool http_path_fixed(const char *path);

/* Most listening sockets one server serves. */
#define HTTP_MAX_LISTEN 16

struct http_config {
	/* from listen_open() or listen_systemd(): 1 to HTTP_MAX_LISTEN; the server takes them */
	const int *listen_fds;
	size_t nr_listen_fds;
	const char *telemetry_path;	/* e.g. "/metrics" */
	unsigned int max_connections;	/* one client address may hold a quarter */
	unsigned int max_requests;	/* slots (http_take_slot); 0: no limit */
	unsigned int read_timeout_ms;	/* a request must arrive whole within this */
	unsigned int write_timeout_ms;	/* an answer must be read whole within this */
	struct scraper *scraper;	/* runs the telemetry path's scrapes; must outlive the server */
	struct ev_ring *events;		/* NULL: /events answers 404 (no audit) */
	struct http_stats *stats;	/* NULL: requests are not counted */
	/* the routes (routes_init() makes the exporter's); must outlive the server */
	const struct http_route *routes;
	struct webguard *web;		/* --web.config.file: TLS, auth, headers; NULL: none */
	/* /events?follow=1 (follow.h): NULL answers 503, following is off; must outlive the server */
	struct follow_hub *followers;
	/* what the landing page shows; each may be NULL / 0 */
	const char *version;
	int64_t start_time_ms;		/* unix ms */
	const char *listen_text;	/* the listen addresses, e.g. "127.0.0.1:9435, [::1]:9435" */
	struct audit_reader *audit;	/* the audit state; NULL: audit is off */
};

/*
 * One request, from its request line to its answer.  The server makes it
 * and passes it to the route's handler; every pointer in it is valid until
 * the handler returns.
 */
struct http_request {
	const struct http_config *cfg;
	struct MHD_Connection *conn;
	const char *method;		/* as sent, e.g. "GET" */
	const char *url;		/* the path, percent-decoded, without the query */
	const struct sockaddr *client;	/* the peer's address; NULL if unknown */
	unsigned int status;		/* of the answer queued; 0 until one is */
	struct webguard_config *web;		/* the web config it is served under; NULL: none */
	/*
	 * The handler's own, kept across a suspension; priv_free(priv) is
	 * called when the request ends (answered, dropped or shut down).
	 */
	void *priv;
	void (*priv_free)(void *priv);
};

/*
 * The percent-decoded value of query parameter key (the first if repeated);
 * NULL if absent or given without "=".
 */
const char *http_query(const struct http_request *rq, const char *key);
/*
 * Every value of query parameter key, in order, into values (at most max;
 * a key given without "=" gives ""); returns how many there are, which
 * may be more than max.
 */
size_t http_query_all(const struct http_request *rq, const char *key, const char **values,
		      size_t max);
/* The value of request header name (any case), NULL if absent. */
const char *http_header(const struct http_request *rq, const char *name);

/*
 * Queue the answer: status, Content-Type type, the bytes of body (taken:
 * body is left empty) and the extra headers (name, value, ..., NULL; or
 * NULL).  A response missing one of them is never sent: when libmicrohttpd
 * refuses a header, a 500 text/plain goes instead.  Returns 0, or -errno if
 * nothing could be queued (then the connection is closed).  body->oom
 * counts as -ENOMEM.
 */
int http_reply(struct http_request *rq, unsigned int status, const char *type,
	       struct buf *body, const char *const *headers);
/* Queue a one-line text/plain answer: the formatted text and a newline. */
int http_reply_text(struct http_request *rq, unsigned int status,
		    const char *const *headers, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/*
 * Queue an answer whose bytes are shared rather than taken: data (len
 * bytes) must stay valid until release(cls) is called, exactly once, when
 * libmicrohttpd is done with it, or at once if nothing could be queued.
 * Otherwise as http_reply().
 */
int http_reply_shared(struct http_request *rq, unsigned int status, const char *type,
		      const void *data, size_t len, void (*release)(void *cls), void *cls,
		      const char *const *headers);

/*
 * Take one of the max_requests slots for this request, for an expensive
 * answer (a scrape, a large one); it is given back by itself once the
 * answer has been sent or the connection dropped.  0 (also when the
 * request holds one already, or there is no limit); -EBUSY when every slot
 * is taken; -EUSERS when the client's address holds its quarter.  The
 * caller answers http_reply_busy() then: a refusal never waits.
 */
int http_take_slot(struct http_request *rq);
/* Answer a refused slot (err from http_take_slot()): 503, one line of text/plain, Retry-After. */
int http_reply_busy(struct http_request *rq, int err);

/*
 * Answer later: the handler returns http_suspend(rq) having queued no
 * answer.  The request waits, without a deadline and without taking the
 * HTTP thread, until http_resume(rq) is called (once, from any thread);
 * then the same handler is called again with the same rq, priv kept, and
 * answers.  Returns 0.
 */
int http_suspend(struct http_request *rq);
void http_resume(struct http_request *rq);

/*
 * Work too slow for the polling thread (rendering a large /events answer):
 * run work(rq) on the server's worker thread (bpfme-render), then call the
 * handler again with the same rq, priv kept, to answer.  The handler
 * returns 0 after a 0 from here, having queued nothing.  At most
 * HTTP_WORK_QUEUE such requests wait or run at once, a quarter of them per
 * client address: beyond, -EBUSY or -EUSERS at once (nothing was
 * suspended; the handler answers 503).  -ENOMEM likewise.
 */
#define HTTP_WORK_QUEUE 8
int http_offload(struct http_request *rq, void (*work)(struct http_request *rq));

/*
 * A streaming answer (/events?follow=1): of unknown length (chunked), its
 * bytes made by read(cls, s, buf, max) each time libmicrohttpd has room:
 * it returns how many bytes it put in buf (1 to max), HTTP_STREAM_WAIT
 * having called http_stream_suspend(s) because it has nothing now,
 * HTTP_STREAM_END to end the answer, or HTTP_STREAM_ERROR to drop the
 * connection.  release(cls) is called once when libmicrohttpd is done with
 * the answer (or at once if it could not be queued); s is valid until then.
 *
 * The write deadline holds for a stream this way: bytes handed to the
 * client must be read (acknowledged by its kernel) within write_timeout_ms,
 * re-armed each time the client has taken some, cleared while nothing is
 * waiting for it.  So a follower that stops reading is dropped, and what it
 * pins is at most the socket's buffer, libmicrohttpd's, and what read()
 * keeps.  A stream holds no slot.  Returns 0 or -errno (as http_reply()).
 */
#define HTTP_STREAM_WAIT 0
#define HTTP_STREAM_END (-1)
#define HTTP_STREAM_ERROR (-2)
struct http_stream;
typedef long (*http_stream_read_fn)(void *cls, struct http_stream *s, char *buf, size_t max);
int http_stream_reply(struct http_request *rq, const char *type, const char *const *headers,
		      http_stream_read_fn read, void (*release)(void *cls), void *cls);
/*
 * From read() only: suspend the stream until http_stream_resume(), which
 * must then be called exactly once, from any thread; read() is called again
 * after it.  http_stop() waits for every suspended stream to be resumed.
 */
void http_stream_suspend(struct http_stream *s);
void http_stream_resume(struct http_stream *s);
/*
 * The stream's socket, to poll for the client's hang-up while it is
 * suspended (libmicrohttpd does not look at it then, nor close it).
 */
int http_stream_fd(const struct http_stream *s);

struct http_server;

/*
 * Start serving every listening socket of cfg; returns 0 or -errno (-EINVAL:
 * no socket, more than HTTP_MAX_LISTEN, or no routes).  The listen fds are the
 * server's either way: closed on failure, and by http_stop().
 */
int http_start(struct http_server **out, const struct http_config *cfg);
/*
 * Answer every new request 503, wait for the suspended ones to be resumed
 * (stop what resumes them first: scraper_stop(), follow_stop()), close
 * every connection, free everything.  NULL is fine.
 */
void http_stop(struct http_server *srv);

#endif
