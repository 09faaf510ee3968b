/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http - the libmicrohttpd server: one daemon, a route table (path ->
 * handler and the methods it allows) and a per-request context handed to
 * every handler.  The checks every request passes before its handler runs
 * (limits; the web config's client certificate and basic auth) live here;
 * the endpoints live in src/h_*.c and answer with http_reply() or
 * http_reply_text().
 *
 * With a web config (webguard.h) the daemon speaks TLS, each connection's
 * TLS session is set up with the credentials current when it is accepted,
 * every request passes its check (client certificate, basic auth) before
 * routing, and every answer carries the config's extra headers.
 *
 * Threads: one MHD polling thread serves every connection (epoll) and runs
 * every handler; idle, slow or garbage-sending clients never block it.
 *
 * Several listening sockets (--web.listen-address given more than once, or
 * the sockets systemd passes): one MHD daemon each, all started alike and
 * sharing one struct http_server, so every address is served by the same
 * routes, handlers and per-request context.  The connection limits are per
 * daemon, that is per listening socket (HACKING says why).
 */
#ifndef BPFME_HTTP_H
#define BPFME_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include <sys/socket.h>

#include "buf.h"
#include "http_stats.h"
#include "openmetrics.h"

struct ev_ring;
struct MHD_Connection;
struct webguard;
struct wg_config;

/*
 * Writes one exposition into out, of the collectors named by collect (the
 * values of collect[] query parameters, nr_collect of them; none: every
 * collector that is on).  Returns 0 or -errno with a one-line reason in
 * err: -EINVAL when collect names a collector that does not exist or is off
 * (the client's mistake: 400), anything else a failed scrape (500).  Called
 * from the HTTP threads.
 */
typedef int (*http_scrape_fn)(void *ctx, struct buf *out, enum om_format fmt,
			      const char *const *collect, size_t nr_collect,
			      char *err, size_t errlen);

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
	enum hstats_handler stats;	/* its handler label in the request counts (0: "other") */
};

/* The endpoints at fixed paths; the telemetry path is none of them. */
#define HTTP_PATH_LANDING "/"
#define HTTP_PATH_EVENTS "/events"
/* Whether path is one of those, so that no telemetry path may be it. */
bool http_path_fixed(const char *path);

/* Most listening sockets one server serves. */
#define HTTP_MAX_LISTEN 16

struct http_config {
	/* from listen_open() or listen_systemd(): 1 to HTTP_MAX_LISTEN; the server takes them */
	const int *listen_fds;
	size_t nr_listen_fds;
	const char *telemetry_path;	/* e.g. "/metrics" */
	unsigned int max_connections;	/* per listening socket; per-IP limit is half of this */
	unsigned int timeout_s;		/* idle connections are closed after this */
	http_scrape_fn scrape;
	void *scrape_ctx;
	struct ev_ring *events;		/* NULL: /events answers 404 (no audit) */
	struct http_stats *stats;	/* NULL: requests are not counted */
	/*
	 * NULL: the exporter's own table (the telemetry path, "/", "/events").
	 * Tests set their own; it must outlive the server.
	 */
	const struct http_route *routes;
	struct webguard *web;		/* --web.config.file: TLS, auth, headers; NULL: none */
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
	struct wg_config *web;		/* the web config it is served under; NULL: none */
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

struct http_server;

/*
 * Start serving every listening socket of cfg; returns 0 or -errno (-EINVAL:
 * no socket, or more than HTTP_MAX_LISTEN).  The listen fds are the
 * server's either way: closed on failure, and by http_stop().
 */
int http_start(struct http_server **out, const struct http_config *cfg);
/* Stop accepting, close every connection, free everything.  NULL is fine. */
void http_stop(struct http_server *srv);

#endif
