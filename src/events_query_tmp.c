// SPDX-License-Identifier: Apache-2.0
/* TEMPORARY: /events query parsing until it moves to the /events handler. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events_json.h"

int ev_parse_query(struct ev_ring *r, const char *since, const char *limit, const char *op,
		   struct ev_query *q, char *err, size_t errlen);
int ev_http_events(void *ring, const char *since, const char *limit, const char *op,
		   struct buf *out, char *err, size_t errlen);

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno || *end ? -EINVAL : 0;
}

int ev_parse_query(struct ev_ring *r, const char *since, const char *limit, const char *op,
		   struct ev_query *q, char *err, size_t errlen)
{
	uint64_t v;

	memset(q, 0, sizeof(*q));
	if (since) {
		if (parse_u64(since, &q->since)) {
			snprintf(err, errlen, "bad since=\"%.64s\": expected a sequence number (0 or more)", since);
			return -EINVAL;
		}
	}
	if (limit) {
		if (parse_u64(limit, &v) || v == 0) {
			snprintf(err, errlen, "bad limit=\"%.64s\": expected a number of events (1 or more)", limit);
			return -EINVAL;
		}
		q->limit = v > r->capacity ? r->capacity : (size_t)v;
	}
	if (op) {
		if (ev_parse_op(op, &q->op)) {
			snprintf(err, errlen, "bad op=\"%.64s\": expected LOAD or UNLOAD", op);
			return -EINVAL;
		}
		q->has_op = true;
	}
	return 0;
}

int ev_http_events(void *ring, const char *since, const char *limit, const char *op,
		   struct buf *out, char *err, size_t errlen)
{
	struct ev_query q;
	int ret = ev_parse_query(ring, since, limit, op, &q, err, errlen);

	if (!ret)
		ev_render_json(ring, &q, out);
	return ret;
}
