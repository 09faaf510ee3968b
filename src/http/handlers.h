/* SPDX-License-Identifier: Apache-2.0 */
/*
 * handlers - one per endpoint, each in its own file (h_NAME.c), each an
 * http_handler_fn: the landing page "/", the metrics at the telemetry path,
 * the recent BPF events at "/events" with the parser of its query, and the
 * manual at "/doc".
 */
#ifndef BPFME_HANDLERS_H
#define BPFME_HANDLERS_H

#include <stddef.h>

#include "lib/buf.h"
#include "audit/ev.h"
#include "http/http.h"

/* "/": a small HTML page linking the telemetry path (and /events, /doc). */
int h_landing(struct http_request *rq);
/*
 * "/doc": the manual page as HTML (mandoc's, made at build time), the same
 * bytes for every request; its Content-Security-Policy allows its own
 * style and nothing else.  500 when its one allocation failed.
 */
int h_doc(struct http_request *rq);
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
 * op, pid, comm, prog_id, container_id, order) as JSON; 400 with a
 * one-line reason for a bad query; 404 without events (no audit).  A
 * query that can match at most H_EVENTS_INLINE_EVENTS events is rendered
 * at once; a larger one on the server's worker thread (http_offload: 503
 * beyond HTTP_WORK_QUEUE at once, a quarter per address), never on the
 * polling thread.  An answer larger than H_EVENTS_SMALL_BYTES takes a slot
 * like a scrape (503 when none is free); smaller ones never wait.  follow=1 streams instead
 * (follow.h): NDJSON, or Server-Sent Events for "Accept: text/event-stream"
 * (resuming after Last-Event-ID); 503 beyond cfg->followers' bound.
 */
#define H_EVENTS_SMALL_BYTES (64 * 1024)
#define H_EVENTS_INLINE_EVENTS 64	/* ≈ 30 KiB of JSON, ≈ 0.1 ms to render */
int h_events(struct http_request *rq);

/* The /events query's raw values, each NULL when absent. */
struct h_events_params {
	const char *since;		/* a seq, 0 or more: only events after it */
	const char *limit;		/* 1 or more: the newest that many; above capacity: all */
	const char *op;			/* LOAD or UNLOAD, any case */
	const char *pid;		/* a process id, 0 to 2^31-1 */
	const char *comm;		/* a command name, 1 to EV_QUERY_COMM_MAX bytes, exact */
	const char *prog_id;		/* a program id, 0 to 2^32-1 */
	const char *container_id;	/* 1 to 64 hex digits, lower case: a prefix */
	const char *order;		/* asc or desc */
	const char *follow;		/* 1, true, 0 or false */
	const char *last_event_id;	/* the Last-Event-ID header: as since, the later wins */
};

/*
 * The /events query from its raw values.  Pure.  Returns 0, *q and *follow,
 * or -EINVAL with a one-line reason (valid UTF-8; the bad value echoed as a
 * JSON string, cut at 64 bytes) appended to why.  order=desc with follow is
 * refused: a stream runs oldest to newest.
 */
int h_events_parse(const struct h_events_params *p, size_t capacity, struct ev_query *q, bool *follow,
	      struct buf *why);

#endif
