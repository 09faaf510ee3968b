// SPDX-License-Identifier: Apache-2.0
/* ev_json - BPF events as JSON; see ev_json.h. */
#include "audit/ev_json.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/json.h"

void ev_json_time(int64_t ms, char *out)
{
	time_t sec = (time_t)(ms / 1000);
	int milli = (int)(ms % 1000);
	struct tm tm;

	if (milli < 0) {
		milli += 1000;
		sec--;
	}
	/* an absurd stamp (a year past 9999) would not fit the format */
	if (!gmtime_r(&sec, &tm) || tm.tm_year + 1900 > 9999 || tm.tm_year + 1900 < 0 ||
	    !strftime(out, 24, "%Y-%m-%dT%H:%M:%S", &tm)) {
		strcpy(out, "1970-01-01T00:00:00.000Z");
		return;
	}
	snprintf(out + 19, 32 - 19, ".%03dZ", milli);
}

static void add_key(struct buf *b, const char *key)
{
	buf_addstr(b, ",\"");
	buf_addstr(b, key);
	buf_addstr(b, "\":");
}

static void add_str(struct buf *b, const char *key, const char *v)
{
	add_key(b, key);
	if (v)
		json_add_string(b, v);
	else
		buf_addstr(b, "null");
}

static void add_num(struct buf *b, const char *key, bool present, int64_t v)
{
	add_key(b, key);
	if (present)
		buf_addf(b, "%lld", (long long)v);
	else
		buf_addstr(b, "null");
}

void ev_json_event(const struct ev_event *e, struct buf *b)
{
	bool sc = e->has & EV_HAS_SYSCALL, proc = e->has & EV_HAS_PROCESS;
	bool prog = e->has & EV_HAS_PROG, cg = (e->has & EV_HAS_CGROUP) && e->proc.cgroup;
	char when[32];

	ev_json_time(e->time_ms, when);
	buf_addstr(b, "{\"seq\":");
	buf_addu64(b, e->seq);
	add_str(b, "time", when);
	add_key(b, "audit_serial");
	buf_addu64(b, e->audit_serial);
	add_key(b, "prog_id");
	buf_addu64(b, e->prog_id);
	add_str(b, "op", ev_op_name(e->op));
	add_num(b, "syscall", sc, e->syscall);
	add_str(b, "syscall_name", sc && e->syscall_name[0] ? e->syscall_name : NULL);
	add_str(b, "syscall_op", e->has & EV_HAS_SYSCALL_OP ? e->syscall_op : NULL);
	add_num(b, "pid", proc, e->proc.pid);
	add_num(b, "ppid", proc, e->proc.ppid);
	add_num(b, "uid", proc, e->proc.uid);
	add_num(b, "auid", proc, e->proc.auid);
	add_num(b, "gid", proc, e->proc.gid);
	add_num(b, "euid", proc, e->proc.euid);
	add_str(b, "comm", e->proc.comm);
	add_str(b, "exe", e->proc.exe);
	add_str(b, "cmdline", e->proc.cmdline);
	add_str(b, "cgroup", cg ? e->proc.cgroup : NULL);
	add_str(b, "container_id", cg ? e->proc.container_id : NULL);
	add_str(b, "pod_uid", cg ? e->proc.pod_uid : NULL);
	add_str(b, "prog_name", prog ? e->prog_name : NULL);
	add_str(b, "prog_type", prog ? e->prog_type : NULL);
	add_str(b, "prog_tag", prog ? e->prog_tag : NULL);
	add_key(b, "released_by_exporter");
	buf_addstr(b, e->released_by_exporter ? "true" : "false");
	buf_addch(b, '}');
}

#define COPY_CHUNK 64	/* events copied per lock hold */

/* Add the events of b (each ended by '\n' at ends[i]) to out, newest (last) first. */
static void add_reversed(struct buf *out, const struct buf *b, const size_t *ends, size_t n)
{
	for (size_t i = n; i-- > 0;) {
		size_t start = i ? ends[i - 1] : 0;

		buf_addstr(out, i + 1 < n ? ",\n" : "\n");
		buf_add(out, b->buf + start, ends[i] - start);
	}
}

void ev_json_render(struct ev_ring *r, const struct ev_query *q, struct buf *out)
{
	struct ev_event chunk[COPY_CHUNK];
	struct ev_query from = *q;
	size_t max = q->limit && q->limit < EV_JSON_MAX_EVENTS ? q->limit : EV_JSON_MAX_EVENTS;
	size_t total = 0, n;
	struct buf rev = BUF_INIT;	/* desc: the events, oldest first, then reversed */
	size_t *ends = NULL;
	uint64_t cursor;

	if (q->limit)
		from.limit = max;	/* the newest max when a limit asks for more */
	else if (q->desc)
		from.limit = max;	/* newest first: the newest max, not the oldest */
	cursor = ev_start(r, &from);
	if (q->desc && !(ends = malloc(max * sizeof(*ends))))
		out->oom = true;
	buf_addch(out, '[');
	while (!out->oom && total < max &&
	       (n = ev_copy(r, q, &cursor, chunk, max - total < COPY_CHUNK ? max - total : COPY_CHUNK))) {
		for (size_t i = 0; i < n; i++) {
			if (ends) {
				ev_json_event(&chunk[i], &rev);
				ends[total + i] = rev.len;
			} else {
				buf_addstr(out, total + i ? ",\n" : "\n");
				ev_json_event(&chunk[i], out);
			}
			ev_event_release(&chunk[i]);
		}
		total += n;
	}
	if (ends) {
		if (rev.oom)
			out->oom = true;
		else
			add_reversed(out, &rev, ends, total);
		free(ends);
		buf_release(&rev);
	}
	buf_addstr(out, total ? "\n]\n" : "]\n");
}
