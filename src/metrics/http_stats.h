/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http_stats - the HTTP request counters behind
 * bpf_exporter_http_requests_total{handler, code} and
 * bpf_exporter_http_requests_in_flight: the server counts, the collector
 * reads.  Every count is an __atomic on fixed memory: any thread may count
 * or read at any time without a lock, and nothing grows.
 */
#ifndef BPFME_HTTP_STATS_H
#define BPFME_HTTP_STATS_H

#include <stdint.h>

/* The handler label: the route a request's path names. */
enum http_stats_handler {
	HTTP_STATS_OTHER,		/* no route: the 404s (a refusal before the handler counts under its path's route) */
	HTTP_STATS_METRICS,		/* the telemetry path */
	HTTP_STATS_LANDING,		/* "/" */
	HTTP_STATS_EVENTS,		/* "/events" */
	HTTP_STATS_DOC,			/* "/doc" */
	HTTP_STATS_NR_HANDLERS
};

/* Status codes counted: 100 to 599; others are not. */
#define HTTP_STATS_MIN_CODE 100
#define HTTP_STATS_MAX_CODE 599

struct http_stats {
	uint64_t requests[HTTP_STATS_NR_HANDLERS][HTTP_STATS_MAX_CODE - HTTP_STATS_MIN_CODE + 1];
	int64_t in_flight;
};

/* "metrics", "landing", "events", "doc" or "other". */
const char *http_stats_handler_name(enum http_stats_handler h);

/* A request's handler starts: one more in flight. */
void http_stats_begin(struct http_stats *st);
/* It has answered code (0: nothing was queued, not counted): one less in flight. */
void http_stats_end(struct http_stats *st, enum http_stats_handler h, unsigned int code);

/* Requests answered code by handler h so far; 0 for a code not counted. */
uint64_t http_stats_requests(const struct http_stats *st, enum http_stats_handler h, unsigned int code);
/* Handlers running now. */
int64_t http_stats_in_flight(const struct http_stats *st);

#endif
