// SPDX-License-Identifier: Apache-2.0
/* h_events - recent BPF events at "/events" and its query; see handlers.h. */
#include "http/handlers.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "audit/ev_json.h"
#include "http/follow.h"
#include "http/negotiate.h"
#include "lib/json.h"
#include "lib/parse.h"

/* Bytes of a bad value echoed in a reason; a longer one is cut and marked "...". */
#define ECHO_MAX 64

/* A decimal count of any length, saturated at UINT64_MAX; 0 or -EINVAL. */
static int parse_count(const char *s, uint64_t *out)
{
	int err = parse_dec_str(s, UINT64_MAX, out);

	if (err == -ERANGE)
		*out = UINT64_MAX;
	return err == -ERANGE ? 0 : err;
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

/* Whether s is only hex digits in lower case. */
static bool lower_hex(const char *s)
{
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return true;
}

int h_events_parse(const struct h_events_params *p, size_t capacity, struct ev_query *q, bool *follow,
	      struct buf *why)
{
	uint64_t v;

	memset(q, 0, sizeof(*q));
	*follow = false;
	if (p->since && parse_dec_str(p->since, UINT64_MAX, &q->since))
		return bad(why, "since", p->since, "a sequence number (0 or more)");
	if (p->last_event_id) {
		if (parse_dec_str(p->last_event_id, UINT64_MAX, &v))
			return bad(why, "Last-Event-ID", p->last_event_id, "a sequence number (0 or more)");
		if (v > q->since)
			q->since = v;
	}
	if (p->limit) {
		if (parse_count(p->limit, &v) || v == 0)
			return bad(why, "limit", p->limit, "a number of events (1 or more)");
		q->limit = v > capacity ? capacity : (size_t)v;
	}
	if (p->op) {
		if (ev_parse_op(p->op, &q->op))
			return bad(why, "op", p->op, "LOAD or UNLOAD");
		q->has_op = true;
	}
	if (p->pid) {
		if (parse_dec_str(p->pid, UINT64_MAX, &v) || v > INT32_MAX)
			return bad(why, "pid", p->pid, "a process id (0 to 2147483647)");
		q->pid = (int64_t)v;
		q->has_pid = true;
	}
	if (p->prog_id) {
		if (parse_dec_str(p->prog_id, UINT64_MAX, &v) || v > UINT32_MAX)
			return bad(why, "prog_id", p->prog_id, "a program id (0 to 4294967295)");
		q->prog_id = (uint32_t)v;
		q->has_prog_id = true;
	}
	if (p->comm) {
		size_t n = strlen(p->comm);

		if (!n || n > EV_QUERY_COMM_MAX)
			return bad(why, "comm", p->comm, "a command name of 1 to 63 bytes");
		memcpy(q->comm, p->comm, n + 1);
		q->has_comm = true;
	}
	if (p->container_id) {
		size_t n = strlen(p->container_id);

		if (!n || n > sizeof(q->container_id) - 1 || !lower_hex(p->container_id))
			return bad(why, "container_id", p->container_id,
				   "1 to 64 hex digits in lower case (a container id or its start)");
		memcpy(q->container_id, p->container_id, n + 1);
		q->has_container_id = true;
	}
	if (p->order) {
		if (!strcmp(p->order, "desc"))
			q->desc = true;
		else if (strcmp(p->order, "asc"))
			return bad(why, "order", p->order, "asc or desc");
	}
	if (p->follow) {
		if (!strcmp(p->follow, "1") || !strcmp(p->follow, "true"))
			*follow = true;
		else if (strcmp(p->follow, "0") && strcmp(p->follow, "false"))
			return bad(why, "follow", p->follow, "1, true, 0 or false");
	}
	if (*follow && q->desc)
		return bad(why, "order", p->order, "asc with follow=1 (a stream runs oldest to newest)");
	return 0;
}

static int reply_follow(struct http_request *rq, const struct ev_query *query, bool resume)
{
	static const char *const retry[] = { "Retry-After", "5", NULL };
	struct follow_hub *h = rq->cfg->followers;
	struct ev_query q = *query;
	int ret;

	if (!h)
		return http_reply_text(rq, 503, NULL, "following /events is off (--web.max-followers=0)");
	/*
	 * A cursor past the newest event is one of an earlier run of the
	 * exporter (a browser's Last-Event-ID after a restart): seqs start at
	 * 1 again, so follow from the oldest event kept rather than wait
	 * silently for the new run to catch up.
	 */
	if (q.since > ev_last_seq(rq->cfg->events)) {
		q.since = 0;
		resume = false;
	}
	ret = follow_reply(h, rq, &q, negotiate_wants_sse(http_header(rq, "Accept")), resume);
	if (ret == -EBUSY)
		return http_reply_text(rq, 503, retry, "too many followers of /events: at most %u at "
				       "once (--web.max-followers)", follow_max(h));
	if (ret == -EUSERS)
		return http_reply_text(rq, 503, retry, "too many followers of /events from your address: "
				       "at most %u at once (a quarter of --web.max-followers)",
				       follow_share(h));
	if (ret == -ESHUTDOWN)
		return http_reply_text(rq, 503, NULL, "shutting down");
	return ret;
}

/* A large /events answer rendered on the worker thread (http_offload). */
struct events_req {
	struct ev_query q;
	struct buf body;
};

static void events_req_free(void *priv)
{
	struct events_req *er = priv;

	buf_release(&er->body);
	free(er);
}

/* On the worker thread. */
static void render(struct http_request *rq)
{
	struct events_req *er = rq->priv;

	ev_json_render(rq->cfg->events, &er->q, &er->body);
}

/*
 * Whether q can match at most H_EVENTS_INLINE_EVENTS events (of those the
 * ring holds after since, at most limit): cheaper rendered at once than
 * handed to the worker.
 */
static bool few(struct ev_ring *ring, const struct ev_query *q)
{
	uint64_t last = ev_last_seq(ring);
	uint64_t n = last > q->since ? last - q->since : 0;

	if (n > ring->capacity)
		n = ring->capacity;
	if (q->limit && q->limit < n)
		n = q->limit;
	return n <= H_EVENTS_INLINE_EVENTS;
}

/* The rendered body: 500 out of memory, a slot when large, 200. */
static int answer(struct http_request *rq, struct buf *body)
{
	if (body->oom) {
		buf_release(body);
		return http_reply_text(rq, 500, NULL, "out of memory rendering the events");
	}
	if (body->len > H_EVENTS_SMALL_BYTES) {	/* held until read: bounded like a scrape */
		int ret = http_take_slot(rq);

		if (ret) {
			buf_release(body);
			return http_reply_busy(rq, ret);
		}
	}
	return http_reply(rq, 200, "application/json", body, NULL);
}

int h_events(struct http_request *rq)
{
	static const char *const retry[] = { "Retry-After", "1", NULL };
	struct ev_ring *ring = rq->cfg->events;
	struct events_req *er = rq->priv;
	struct buf body = BUF_INIT;
	struct ev_query q;
	bool follow;
	int ret;

	if (er)		/* resumed: rendered on the worker */
		return answer(rq, &er->body);

	const struct h_events_params p = {
		.since = http_query(rq, "since"),
		.limit = http_query(rq, "limit"),
		.op = http_query(rq, "op"),
		.pid = http_query(rq, "pid"),
		.comm = http_query(rq, "comm"),
		.prog_id = http_query(rq, "prog_id"),
		.container_id = http_query(rq, "container_id"),
		.order = http_query(rq, "order"),
		.follow = http_query(rq, "follow"),
		.last_event_id = http_header(rq, "Last-Event-ID"),
	};

	if (!ring)
		return http_reply_text(rq, 404, NULL, "BPF events are off: the exporter runs with "
				       "--no-collector.audit (or --no-audit)");
	if (h_events_parse(&p, ring->capacity, &q, &follow, &body)) {
		ret = http_reply_text(rq, 400, NULL, "%s", body.buf);
		buf_release(&body);
		return ret;
	}
	if (follow && strcmp(rq->method, "HEAD"))
		return reply_follow(rq, &q, p.since || p.last_event_id);
	if (few(ring, &q)) {
		ev_json_render(ring, &q, &body);
		return answer(rq, &body);
	}
	er = calloc(1, sizeof(*er));
	if (!er)
		return http_reply_text(rq, 500, NULL, "out of memory rendering the events");
	er->q = q;
	er->body = (struct buf)BUF_INIT;
	rq->priv = er;
	rq->priv_free = events_req_free;
	ret = http_offload(rq, render);
	if (ret == -ENOMEM)
		return http_reply_text(rq, 500, NULL, "out of memory rendering the events");
	if (ret)
		return http_reply_text(rq, 503, retry, "too many large /events answers being rendered%s: "
				       "at most %d at once, a quarter per address",
				       ret == -EUSERS ? " for your address" : "", HTTP_WORK_QUEUE);
	return 0;
}
