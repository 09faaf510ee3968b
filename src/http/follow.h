/* SPDX-License-Identifier: Apache-2.0 */
/*
 * follow - /events?follow=1: the followers, each a streaming answer
 * (http_stream_reply) that sends the ring's new events as they come, and
 * the thread (bpfme-follow) that wakes them.
 *
 * A follower copies events out of the ring with ev_copy_missed(), a chunk
 * of at most FOLLOW_CHUNK at a time and only when what it rendered before
 * has been handed over: what it keeps is bounded by that chunk.  When it
 * has nothing to send it suspends; ev_push() adds to the hub's eventfd
 * (never waiting), and the thread resumes each follower with something new,
 * or due for a heartbeat, or when the hub stops.  So the audit thread never
 * waits on a follower, a follower never slows another, and one that falls
 * behind the ring (a slow reader) is told how many events it missed.
 *
 * Framing: NDJSON, one event object a line; or Server-Sent Events, each
 * event with its seq as id.  A missed line is {"missed":N} (SSE: event
 * "missed").  A heartbeat (an empty line; an SSE comment) goes every
 * FOLLOW_HEARTBEAT_MS, or half the write timeout if that is shorter, so
 * proxies keep the connection open and a client that stopped reading is
 * found out by the write deadline.
 *
 * Bound: at most max followers at once, of which one client address may
 * hold a quarter (at least one; slots.h's share), so that one address
 * never takes them all; one more is refused (-EBUSY, -EUSERS), and
 * followers hold no scrape slot.
 *
 * Locks: the hub lock (the list, the count, each follower's suspended
 * flag) and the shares' own; neither is held across a libmicrohttpd call
 * (a follower suspends its stream first and then marks itself suspended;
 * the thread takes the due ones off under the lock and resumes them after).
 * Thread-safety: every function may be called from any thread; the framing
 * functions are pure.
 */
#ifndef BPFME_FOLLOW_H
#define BPFME_FOLLOW_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/buf.h"
#include "audit/ev.h"
#include "http/http.h"

#define FOLLOW_DEFAULT_MAX 16		/* --web.max-followers */
#define FOLLOW_CHUNK 16			/* events copied and rendered at a time */
#define FOLLOW_HEARTBEAT_MS 15000

struct follow_hub;

/*
 * Start the hub of ring's followers and its thread: at most max at once,
 * heartbeats within write_timeout_ms / 2.  Sets ring's notify fd: start it
 * before the audit thread.  0 or -errno.
 */
int follow_start(struct follow_hub **out, struct ev_ring *ring, unsigned int max,
		 unsigned int write_timeout_ms);
/*
 * End every stream (each after what it has been handed), refuse new ones,
 * stop the thread, and wait up to a second for the streams to have sent
 * their end.  Call before http_stop(), which waits for the suspended ones
 * and cuts the rest.  NULL is fine.
 */
void follow_stop(struct follow_hub *h);
/* Free the hub, after http_stop() (the server releases the streams).  NULL is fine. */
void follow_free(struct follow_hub *h);
/* Followers now, and the most there may be. */
unsigned int follow_count(struct follow_hub *h);
unsigned int follow_max(struct follow_hub *h);
/* The most followers one client address may hold: a quarter of the most, at least 1. */
unsigned int follow_share(struct follow_hub *h);

/*
 * Answer rq with a stream of the events matching q after ev_start(q)'s
 * cursor, then each new one: Server-Sent Events if sse, else NDJSON.
 * report_missed: events gone from the ring before the first copy count as
 * missed (a client that asked for a since or a Last-Event-ID); otherwise
 * the stream starts at the oldest still there.  Returns 0; -EBUSY when max
 * followers are there, -EUSERS when rq's client address holds its share
 * (follow_share), -ESHUTDOWN when the hub stops (answer 503: nothing
 * was queued); or what http_stream_reply() returns.
 */
int follow_reply(struct follow_hub *h, struct http_request *rq, const struct ev_query *q,
		 bool sse, bool report_missed);

/* ---- framing (pure) ---- */
/* One event: its JSON and a newline; SSE: "id: SEQ\ndata: JSON\n\n". */
void follow_frame_event(struct buf *out, bool sse, const struct ev_event *e);
/* n events missed: {"missed":N} and a newline; SSE: "event: missed\ndata: {...}\n\n". */
void follow_frame_missed(struct buf *out, bool sse, uint64_t n);
/* A heartbeat: "\n"; SSE: ": keep-alive\n\n". */
void follow_frame_heartbeat(struct buf *out, bool sse);

#endif
