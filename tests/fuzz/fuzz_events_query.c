// SPDX-License-Identifier: Apache-2.0
/*
 * fuzz_events_query - /events' query parameters through evq_parse, and the
 * query it yields through ev_render_json on a small ring.
 *
 * Input: up to three values separated by the byte 0x1e, for since, limit
 * and op in that order; a value that is the one byte 0x1f is absent (NULL).
 * Invariants: a bad query is -EINVAL with a reason that is valid UTF-8 on
 * one line (it becomes a 400 body); a good one keeps limit within the
 * capacity and renders a JSON array.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "events.h"
#include "events_json.h"
#include "fuzz.h"
#include "handlers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SEP 0x1e
#define ABSENT 0x1f
#define CAPACITY 16

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
		e.comm = strdup("fuzz");
		ev_push(&ring, &e);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1), *vals[3] = { NULL, NULL, NULL }, *p;
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
	for (int i = 0; i < 3 && p; i++) {
		char *sep = strchr(p, SEP);

		if (sep)
			*sep = '\0';
		vals[i] = p[0] == ABSENT && !p[1] ? NULL : p;
		p = sep ? sep + 1 : NULL;
	}
	ret = evq_parse(vals[0], vals[1], vals[2], CAPACITY, &q, &why);
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
		ev_render_json(&ring, &q, &out);
		FUZZ_ASSERT(!out.oom && out.len >= 3 && out.buf[0] == '[', "not an array: %s", out.buf);
	}
	buf_release(&why);
	buf_release(&out);
	free(copy);
	return 0;
}
