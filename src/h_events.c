// SPDX-License-Identifier: Apache-2.0
/* h_events - recent BPF events at "/events" and its query; see handlers.h. */
#include "handlers.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "events_json.h"
#include "json.h"

/* Bytes of a bad value echoed in a reason; a longer one is cut and marked "...". */
#define ECHO_MAX 64

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno || *end ? -EINVAL : 0;
}

/* A decimal count of any length, saturated at UINT64_MAX; 0 or -EINVAL. */
static int parse_count(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		unsigned int d;

		if (*s < '0' || *s > '9')
			return -EINVAL;
		d = (unsigned int)(*s - '0');
		v = v > (UINT64_MAX - d) / 10 ? UINT64_MAX : v * 10 + d;
	}
	*out = v;
	return 0;
}

/*
 * "bad NAME=VALUE: expected WHAT" with VALUE as a JSON string: whatever bytes
 * the client sent, the reason is valid UTF-8 on one line.
 */
static int bad(struct buf *why, const char *name, const char *value, const char *what)
{
	buf_addf(why, "bad %s=", name);
	json_add_echo(why, value, ECHO_MAX);
	buf_addf(why, ": expected %s", what);
	return -EINVAL;
}

int evq_parse(const char *since, const char *limit, const char *op, size_t capacity,
	      struct ev_query *q, struct buf *why)
{
	uint64_t v;

	memset(q, 0, sizeof(*q));
	if (since && parse_u64(since, &q->since))
		return bad(why, "since", since, "a sequence number (0 or more)");
	if (limit) {
		if (parse_count(limit, &v) || v == 0)
			return bad(why, "limit", limit, "a number of events (1 or more)");
		q->limit = v > capacity ? capacity : (size_t)v;
	}
	if (op) {
		if (ev_parse_op(op, &q->op))
			return bad(why, "op", op, "LOAD or UNLOAD");
		q->has_op = true;
	}
	return 0;
}

int h_events(struct http_request *rq)
{
	struct ev_ring *ring = rq->cfg->events;
	struct buf body = BUF_INIT;
	struct ev_query q;

	if (!ring)
		return http_reply_text(rq, 404, NULL, "BPF events are off: the exporter runs with "
				       "--no-collector.audit (or --no-audit)");
	if (evq_parse(http_query(rq, "since"), http_query(rq, "limit"), http_query(rq, "op"),
		      ring->capacity, &q, &body)) {
		int ret = http_reply_text(rq, 400, NULL, "%s", body.buf);

		buf_release(&body);
		return ret;
	}
	ev_render_json(ring, &q, &body);
	if (body.oom) {
		buf_release(&body);
		return http_reply_text(rq, 500, NULL, "out of memory rendering the events");
	}
	if (body.len > H_EVENTS_SMALL_BYTES) {	/* held until read: bounded like a scrape */
		int ret = http_take_slot(rq);

		if (ret) {
			buf_release(&body);
			return http_reply_busy(rq, ret);
		}
	}
	return http_reply(rq, 200, "application/json", &body, NULL);
}
