/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http - the libmicrohttpd server: routing ("/", the telemetry path,
 * "/events") and limits.  Handlers ask the scrape callback for a fresh
 * exposition and hand the buffer to MHD without copying it.
 *
 * Threads: one MHD polling thread serves every connection (epoll); idle,
 * slow or garbage-sending clients never block it.
 */
#ifndef BPFME_HTTP_H
#define BPFME_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "openmetrics.h"

/*
 * Writes one exposition into out; returns 0 or -errno with a one-line reason
 * in err.  Called from the HTTP thread.
 */
typedef int (*http_scrape_fn)(void *ctx, struct buf *out, enum om_format fmt,
			      char *err, size_t errlen);

/*
 * Renders /events: the raw since/limit/op query values (NULL when absent).
 * Returns 0, or -EINVAL with a one-line reason in err (answered 400).
 */
typedef int (*http_events_fn)(void *ctx, const char *since, const char *limit,
			      const char *op, struct buf *out, char *err, size_t errlen);

struct http_config {
	int listen_fd;			/* from listen_open(); the server takes it */
	const char *telemetry_path;	/* e.g. "/metrics" */
	unsigned int max_connections;	/* per-IP limit is half of this */
	unsigned int timeout_s;		/* idle connections are closed after this */
	http_scrape_fn scrape;
	void *scrape_ctx;
	http_events_fn events;		/* NULL: /events answers 404 (--no-audit) */
	void *events_ctx;
};

struct http_server;

/* Start serving; returns 0 or -errno (the listen fd is closed either way). */
int http_start(struct http_server **out, const struct http_config *cfg);
/* Stop accepting, close every connection, free everything.  NULL is fine. */
void http_stop(struct http_server *srv);

#endif
