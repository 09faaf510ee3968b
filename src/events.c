// SPDX-License-Identifier: Apache-2.0
/* events - ring of recent BPF LOAD/UNLOAD events and their counters; see events.h. */
#include "events.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "json.h"
#include "utf8.h"

static const char *const op_names[EV_NR_OPS] = { [EV_LOAD] = "LOAD", [EV_UNLOAD] = "UNLOAD" };

const char *ev_op_name(enum ev_op op)
{
	return op < EV_NR_OPS ? op_names[op] : "UNKNOWN";
}

int ev_parse_op(const char *s, enum ev_op *op)
{
	for (int i = 0; i < EV_NR_OPS; i++) {
		if (!strcasecmp(s, op_names[i])) {
			*op = (enum ev_op)i;
			return 0;
		}
	}
	return -EINVAL;
}

void ev_event_release(struct ev_event *e)
{
	free(e->comm);
	free(e->exe);
	free(e->cmdline);
	e->comm = e->exe = e->cmdline = NULL;
}

int ev_ring_init(struct ev_ring *r, size_t capacity)
{
	memset(r, 0, sizeof(*r));
	r->slots = calloc(capacity, sizeof(*r->slots));
	r->comms = calloc(EV_COMM_NAMES, sizeof(*r->comms));
	r->comm_index = calloc(EV_COMM_INDEX, sizeof(*r->comm_index));
	if (!r->slots || !r->comms || !r->comm_index) {
		free(r->slots);
		free(r->comms);
		free(r->comm_index);
		memset(r, 0, sizeof(*r));
		return -ENOMEM;
	}
	strcpy(r->comm_none.comm, EV_COMM_NONE);
	strcpy(r->comm_other.comm, EV_COMM_OTHER);
	r->capacity = capacity;
	r->next_seq = 1;
	pthread_mutex_init(&r->lock, NULL);
	return 0;
}

void ev_ring_release(struct ev_ring *r)
{
	if (!r->slots)
		return;
	for (size_t i = 0; i < r->capacity; i++)
		ev_event_release(&r->slots[i]);
	free(r->slots);
	free(r->comms);
	free(r->comm_index);
	pthread_mutex_destroy(&r->lock);
	memset(r, 0, sizeof(*r));
}

/* C1 controls (NEL among them) and U+2028/U+2029: some parsers break lines there. */
static bool line_breaking(const unsigned char *s, size_t len)
{
	return (len == 2 && s[0] == 0xc2 && s[1] < 0xa0) ||
	       (len == 3 && s[0] == 0xe2 && s[1] == 0x80 && (s[2] == 0xa8 || s[2] == 0xa9));
}

void ev_comm_label(const char *comm, char out[EV_COMM_LEN])
{
	const unsigned char *s = (const unsigned char *)comm;
	size_t n = 0, len;

	if (!comm) {
		memcpy(out, EV_COMM_NONE, sizeof(EV_COMM_NONE));
		return;
	}
	while (*s) {
		if (*s >= 0x20 && *s < 0x7f) {	/* printable ASCII, the usual */
			if (n + 1 == EV_COMM_LEN)
				break;
			out[n++] = (char)*s++;
			continue;
		}
		len = *s >= 0x80 ? utf8_seq_len(s, 4) : 0;	/* it stops at the NUL */
		if (n + (len ? len : 3) >= EV_COMM_LEN)
			break;
		if (len && !line_breaking(s, len)) {
			memcpy(out + n, s, len);
			s += len;
		} else {
			memcpy(out + n, "\xef\xbf\xbd", 3);	/* U+FFFD */
			s += len ? len : 1;
			len = 3;
		}
		n += len;
	}
	out[n] = '\0';
}

/* The index always has a free slot, which ends every probe. */
_Static_assert(EV_COMM_INDEX > EV_COMM_NAMES && !(EV_COMM_INDEX & (EV_COMM_INDEX - 1)),
	       "EV_COMM_INDEX: a power of two above EV_COMM_NAMES");
_Static_assert(EV_COMM_NAMES < 65536, "rows are numbered in uint16_t");

/* FNV-1a */
static uint32_t comm_hash(const char *label)
{
	uint32_t h = 2166136261u;

	for (const unsigned char *p = (const unsigned char *)label; *p; p++)
		h = (h ^ *p) * 16777619u;
	return h;
}

/*
 * The row counting label (hash h); caller holds the lock.  Open addressing
 * in an index twice the size of the rows, so probes are short; a new name
 * takes the next row.
 */
static struct ev_comm_count *comm_row(struct ev_ring *r, const char *label, uint32_t h)
{
	struct ev_comm_count *row;
	size_t i = h & (EV_COMM_INDEX - 1);

	if (label[0] == '(') {
		if (!strcmp(label, EV_COMM_NONE))
			return &r->comm_none;
		if (!strcmp(label, EV_COMM_OTHER))
			return &r->comm_other;
	}
	for (; r->comm_index[i]; i = (i + 1) & (EV_COMM_INDEX - 1)) {
		row = &r->comms[r->comm_index[i] - 1];
		if (!strcmp(row->comm, label))
			return row;
	}
	if (r->nr_comms == EV_COMM_NAMES)
		return &r->comm_other;
	row = &r->comms[r->nr_comms++];
	strcpy(row->comm, label);
	r->comm_index[i] = (uint16_t)r->nr_comms;
	return row;
}

uint64_t ev_push(struct ev_ring *r, struct ev_event *e)
{
	struct ev_event *slot;
	char label[EV_COMM_LEN];
	uint64_t seq;
	uint32_t h;

	ev_comm_label(e->comm, label);	/* outside the lock */
	h = comm_hash(label);
	pthread_mutex_lock(&r->lock);
	seq = r->next_seq++;
	slot = &r->slots[(seq - 1) % r->capacity];
	ev_event_release(slot);	/* the oldest event leaves the ring */
	*slot = *e;
	slot->seq = seq;
	if (e->op < EV_NR_OPS)
		comm_row(r, label, h)->n[e->op]++;
	pthread_mutex_unlock(&r->lock);
	e->comm = e->exe = e->cmdline = NULL;	/* moved */
	e->seq = seq;
	return seq;
}

void ev_count_op(struct ev_ring *r, enum ev_op op)
{
	__atomic_add_fetch(&r->ops[op], 1, __ATOMIC_RELAXED);
}

void ev_count_parse_error(struct ev_ring *r)
{
	__atomic_add_fetch(&r->parse_errors, 1, __ATOMIC_RELAXED);
}

uint64_t ev_ops(struct ev_ring *r, enum ev_op op)
{
	return __atomic_load_n(&r->ops[op], __ATOMIC_RELAXED);
}

uint64_t ev_parse_errors(struct ev_ring *r)
{
	return __atomic_load_n(&r->parse_errors, __ATOMIC_RELAXED);
}

static bool counted(const struct ev_comm_count *row)
{
	for (int op = 0; op < EV_NR_OPS; op++)
		if (row->n[op])
			return true;
	return false;
}

static int comm_cmp(const void *a, const void *b)
{
	return strcmp(((const struct ev_comm_count *)a)->comm, ((const struct ev_comm_count *)b)->comm);
}

size_t ev_comm_counts(struct ev_ring *r, struct ev_comm_count *out)
{
	size_t n, named;

	pthread_mutex_lock(&r->lock);
	named = n = r->nr_comms;
	memcpy(out, r->comms, n * sizeof(*out));
	if (counted(&r->comm_none))
		out[n++] = r->comm_none;
	if (counted(&r->comm_other))
		out[n++] = r->comm_other;
	pthread_mutex_unlock(&r->lock);
	qsort(out, named, sizeof(*out), comm_cmp);	/* names are unique: a total order */
	return n;
}

void ev_format_time(int64_t ms, char *out)
{
	time_t sec = (time_t)(ms / 1000);
	int milli = (int)(ms % 1000);
	struct tm tm;

	if (milli < 0) {
		milli += 1000;
		sec--;
	}
	if (!gmtime_r(&sec, &tm) || !strftime(out, 24, "%Y-%m-%dT%H:%M:%S", &tm)) {
		strcpy(out, "1970-01-01T00:00:00.000Z");
		return;
	}
	snprintf(out + 19, 32 - 19, ".%03dZ", milli);
}

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

void ev_event_json(const struct ev_event *e, struct buf *b)
{
	bool sc = e->has & EV_HAS_SYSCALL, prog = e->has & EV_HAS_PROG;
	char when[32];

	ev_format_time(e->time_ms, when);
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
	add_num(b, "pid", sc, e->pid);
	add_num(b, "ppid", sc, e->ppid);
	add_num(b, "uid", sc, e->uid);
	add_num(b, "auid", sc, e->auid);
	add_num(b, "gid", sc, e->gid);
	add_num(b, "euid", sc, e->euid);
	add_str(b, "comm", e->comm);
	add_str(b, "exe", e->exe);
	add_str(b, "cmdline", e->cmdline);
	add_str(b, "prog_name", prog ? e->prog_name : NULL);
	add_str(b, "prog_type", prog ? e->prog_type : NULL);
	add_str(b, "prog_tag", prog ? e->prog_tag : NULL);
	buf_addch(b, '}');
}

static bool matches(const struct ev_event *e, const struct ev_query *q)
{
	return e->seq > q->since && (!q->has_op || e->op == q->op);
}

void ev_render_json(struct ev_ring *r, const struct ev_query *q, struct buf *out)
{
	uint64_t first, last, seq, start;
	size_t n = 0;
	bool comma = false;

	pthread_mutex_lock(&r->lock);
	last = r->next_seq - 1;
	first = last >= r->capacity ? last - r->capacity + 1 : 1;
	start = first;
	if (q->limit) {
		/* walk back from the newest to find where the newest `limit` matches begin */
		for (seq = last; seq >= first && seq > 0; seq--) {
			if (!matches(&r->slots[(seq - 1) % r->capacity], q))
				continue;
			start = seq;
			if (++n == q->limit)
				break;
		}
		if (!n)
			start = last + 1;
	}
	buf_addch(out, '[');
	for (seq = start; seq <= last; seq++) {
		const struct ev_event *e = &r->slots[(seq - 1) % r->capacity];

		if (!matches(e, q))
			continue;
		if (comma)
			buf_addch(out, ',');
		buf_addch(out, '\n');
		ev_event_json(e, out);
		comma = true;
	}
	pthread_mutex_unlock(&r->lock);
	buf_addstr(out, comma ? "\n]\n" : "]\n");
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
