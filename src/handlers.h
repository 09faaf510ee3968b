/* SPDX-License-Identifier: Apache-2.0 */
/*
 * handlers - one per endpoint, each in its own file (h_NAME.c), each an
 * http_handler_fn: the landing page "/", the metrics at the telemetry path,
 * and the recent BPF events at "/events" with the parser of its query.
 */
#ifndef BPFME_HANDLERS_H
#define BPFME_HANDLERS_H

#include <stddef.h>

#include "buf.h"
#include "events.h"
#include "http.h"

/* "/": a small HTML page linking the telemetry path (and /events). */
int h_landing(struct http_request *rq);
/*
 * The telemetry path: a fresh exposition from cfg->scraper in the format
 * the Accept header asks for, of the collectors its collect[] parameters
 * name (none: every one that is on), gzip'd when Accept-Encoding allows;
 * 400 with a one-line reason for a collect[] naming a collector that does
 * not exist or is off; 500 with the scrape's one-line reason when it fails.
 * Each scrape takes a slot (503 at once when none is free) and is suspended
 * while the scrape thread works; scrapes at the same moment with the same
 * selection share a snapshot and an answer.
 */
int h_metrics(struct http_request *rq);
/*
 * "/events": the events in cfg->events matching the query (since, limit,
 * op) as JSON; 400 with a one-line reason for a bad query; 404 without
 * events (no audit).  An answer larger than H_EVENTS_SMALL_BYTES takes a
 * slot like a scrape (503 when none is free); smaller ones never wait.
 */
#define H_EVENTS_SMALL_BYTES (64 * 1024)
int h_events(struct http_request *rq);

/*
 * The /events query from its raw parameters (each NULL when absent): since
 * (a decimal seq, 0 or more), limit (a decimal count, 1 or more; more than
 * capacity means all), op (LOAD or UNLOAD, any case).  Pure.  Returns 0 and
 * *q, or -EINVAL with a one-line reason appended to why.
 */
int evq_parse(const char *since, const char *limit, const char *op, size_t capacity,
	      struct ev_query *q, struct buf *why);

#endif
