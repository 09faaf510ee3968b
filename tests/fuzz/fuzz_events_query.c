// SPDX-License-Identifier: Apache-2.0
/*
 * fuzz_events_query - /events' query parameters through h_events_parse, and the
 * query it yields through ev_json_render on a small ring, and through a
 * follower's copy (ev_copy_missed) and framing (NDJSON and SSE).
 *
 * Input: up to ten values separated by the byte 0x1e, for since, limit, op,
 * pid, comm, prog_id, container_id, order, follow and Last-Event-ID in that
 * order; a value that is the one byte 0x1f is absent (NULL), and so is each
 * one past the input's end.  Invariants: a bad query is -EINVAL with a
 * reason that is valid UTF-8 on one line (it becomes a 400 body); a good
 * one keeps limit within the capacity, its comm and container_id within
 * their bounds, never follows newest first, renders a JSON array, and each
 * framed event is one line (NDJSON) or one event ending at its only blank
 * line (SSE).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "audit/ev.h"
#include "audit/ev_json.h"
#include "http/follow.h"
#include "fuzz.h"
#include "http/handlers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SEP 0x1e
#define ABSENT 0x1f
#define CAPACITY 16
#define NR_VALUES 10

static struct ev_ring ring;

static void ring_init(void)
{
	if (ev_ring_init(&ring, CAPACITY))
		abort();
	for (uint32_t i = 1; i <= 20; i++) {
		struct ev_event e;

		memset(&e, 0, sizeof(e));
		e.prog_id = i;
		e.op = i % 3 ? EV_LOAD : EV_UNLOAD;
		e.proc.comm = strdup(i % 2 ? "fuzz" : "a\nb");
		e.has = i % 4 ? EV_HAS_PROCESS : 0;
		e.proc.pid = i % 5;
		if (i % 3)
			strcpy(e.proc.container_id, i % 2 ? "0123456789abcdef" : "abc");
		ev_push(&ring, &e);
	}
}

/* A follower's copies of q from its start, framed both ways. */
static void check_follow(const struct ev_query *q)
{
	struct ev_event chunk[FOLLOW_CHUNK];
	uint64_t cursor = ev_start(&ring, q), missed;
	struct buf b = BUF_INIT;
	size_t n;

	while ((n = ev_copy_missed(&ring, q, &cursor, chunk, FOLLOW_CHUNK, &missed))) {
		for (size_t i = 0; i < n; i++) {
			FUZZ_ASSERT(ev_query_matches(q, &chunk[i]) && chunk[i].seq > q->since,
				    "copied an event that does not match");
			buf_reset(&b);
			follow_frame_event(&b, false, &chunk[i]);
			FUZZ_ASSERT(strchr(b.buf, '\n') == b.buf + b.len - 1, "NDJSON: not one line");
			buf_reset(&b);
			follow_frame_event(&b, true, &chunk[i]);
			FUZZ_ASSERT(strstr(b.buf, "\n\n") == b.buf + b.len - 2 && !strchr(b.buf, '\r'),
				    "SSE: not one event");
			ev_event_release(&chunk[i]);
		}
	}
	buf_release(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1), *vals[NR_VALUES] = { NULL }, *p;
	struct buf why = BUF_INIT, out = BUF_INIT;
	struct ev_query q;
	int ret;

	if (!ring.slots)
		ring_init();
	if (!copy)
		abort();
	memcpy(copy, data, size);
	copy[size] = '\0';
	p = copy;
	for (int i = 0; i < NR_VALUES && p; i++) {
		char *sep = strchr(p, SEP);

		if (sep)
			*sep = '\0';
		vals[i] = p[0] == ABSENT && !p[1] ? NULL : p;
		p = sep ? sep + 1 : NULL;
	}
	const struct h_events_params params = {
		.since = vals[0], .limit = vals[1], .op = vals[2], .pid = vals[3], .comm = vals[4],
		.prog_id = vals[5], .container_id = vals[6], .order = vals[7], .follow = vals[8],
		.last_event_id = vals[9],
	};
	bool follow = false;

	ret = h_events_parse(&params, CAPACITY, &q, &follow, &why);
	FUZZ_ASSERT(ret == 0 || ret == -EINVAL, "returned %d", ret);
	if (ret) {
		FUZZ_ASSERT(why.len > 0, "no reason for a bad query");
		FUZZ_ASSERT(!memchr(why.buf, '\n', why.len) && !memchr(why.buf, '\r', why.len),
			    "the reason is not one line: %s", why.buf);
		for (size_t i = 0; i < why.len;) {
			size_t n = fuzz_utf8_len((const unsigned char *)why.buf + i, why.len - i);

			FUZZ_ASSERT(n > 0, "the reason is not UTF-8 at byte %zu", i);
			i += n;
		}
	} else {
		FUZZ_ASSERT(q.limit <= CAPACITY, "limit %zu above the capacity", q.limit);
		FUZZ_ASSERT(vals[2] || !q.has_op, "an op from nowhere");
		FUZZ_ASSERT(!q.has_comm || (strlen(q.comm) >= 1 && strlen(q.comm) <= EV_QUERY_COMM_MAX),
			    "comm of %zu bytes", strlen(q.comm));
		FUZZ_ASSERT(!q.has_container_id || strlen(q.container_id) <= 64, "container_id too long");
		FUZZ_ASSERT(!(follow && q.desc), "follows newest first");
		ev_json_render(&ring, &q, &out);
		FUZZ_ASSERT(!out.oom && out.len >= 3 && out.buf[0] == '[', "not an array: %s", out.buf);
		check_follow(&q);
	}
	buf_release(&why);
	buf_release(&out);
	free(copy);
	return 0;
}
