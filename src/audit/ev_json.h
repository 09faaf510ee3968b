/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ev_json - BPF events as JSON: one event as an object (for /events and
 * the event log line's time), the answer of /events as an array, and the
 * RFC 3339 time the events carry.  Reads the ring through ev_start() and
 * ev_copy(), so it renders without holding the ring's lock.
 */
#ifndef BPFME_EVENTS_JSON_H
#define BPFME_EVENTS_JSON_H

#include <stdint.h>

#include "lib/buf.h"
#include "audit/ev.h"

/* The most events in one answer of /events; a client pages on with since. */
#define EV_JSON_MAX_EVENTS 10000

/* One event as a JSON object, absent fields null. */
void ev_json_event(const struct ev_event *e, struct buf *out);
/*
 * The events matching q as a JSON array, oldest first (newest first with
 * q->desc): at most EV_JSON_MAX_EVENTS, and at most q->limit (the newest
 * that many; with q->desc and no limit, the newest EV_JSON_MAX_EVENTS).
 * Thread-safe.
 */
void ev_json_render(struct ev_ring *r, const struct ev_query *q, struct buf *out);
/* "2026-11-25T04:12:07.123Z" for unix ms; out holds 32 bytes. */
void ev_json_time(int64_t ms, char *out);

#endif
