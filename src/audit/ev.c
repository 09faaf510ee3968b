// SPDX-License-Identifier: Apache-2.0
/* ev - ring of recent BPF LOAD/UNLOAD events and their counters; see ev.h. */
#include "audit/ev.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "lib/utf8.h"

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

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

void ev_proc_release(struct ev_proc *p)
{
	free(p->comm);
	free(p->exe);
	free(p->cmdline);
	free(p->cgroup);
	memset(p, 0, sizeof(*p));
}

int ev_proc_copy(struct ev_proc *dst, const struct ev_proc *src)
{
	if (dst == src)
		return 0;
	ev_proc_release(dst);
	*dst = *src;	/* the numbers and the fixed-size ids */
	dst->comm = dup_or_null(src->comm);
	dst->exe = dup_or_null(src->exe);
	dst->cmdline = dup_or_null(src->cmdline);
	dst->cgroup = dup_or_null(src->cgroup);
	if ((src->comm && !dst->comm) || (src->exe && !dst->exe) ||
	    (src->cmdline && !dst->cmdline) || (src->cgroup && !dst->cgroup)) {
		ev_proc_release(dst);
		return -ENOMEM;
	}
	return 0;
}

void ev_event_release(struct ev_event *e)
{
	struct ev_proc *p = &e->proc;

	free(p->comm);
	free(p->exe);
	free(p->cmdline);
	free(p->cgroup);
	p->comm = p->exe = p->cmdline = p->cgroup = NULL;
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
	r->notify_fd = -1;
	{
		pthread_rwlockattr_t attr;

		/*
		 * Writer-preferring: a reader that asks while ev_push() waits
		 * is let in only after the push, so a reader's unlock/relock
		 * between chunks really lets the writer in.
		 */
		pthread_rwlockattr_init(&attr);
		pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
		pthread_rwlock_init(&r->lock, &attr);
		pthread_rwlockattr_destroy(&attr);
	}
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
	pthread_rwlock_destroy(&r->lock);
	memset(r, 0, sizeof(*r));
}

void ev_comm_label(const char *comm, char out[EV_COMM_LEN])
{
	const unsigned char *s = (const unsigned char *)comm;
	size_t n = 0;

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
		size_t in = *s >= 0x80 ? utf8_seq_len(s, 4) : 0;	/* it stops at the NUL */
		bool keep = in && !utf8_breaks_lines(utf8_decode(s, in));
		size_t put = keep ? in : 3;			/* or U+FFFD */

		if (n + put >= EV_COMM_LEN)
			break;	/* what is written, with its NUL, fits */
		memcpy(out + n, keep ? (const char *)s : "\xef\xbf\xbd", put);
		s += in ? in : 1;
		n += put;
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

	ev_comm_label(e->proc.comm, label);	/* outside the lock */
	h = comm_hash(label);
	pthread_rwlock_wrlock(&r->lock);
	seq = r->next_seq++;
	slot = &r->slots[(seq - 1) % r->capacity];
	ev_event_release(slot);	/* the oldest event leaves the ring */
	*slot = *e;
	slot->seq = seq;
	if (e->op < EV_NR_OPS)
		comm_row(r, label, h)->n[e->op]++;
	pthread_rwlock_unlock(&r->lock);
	e->proc.comm = e->proc.exe = e->proc.cmdline = e->proc.cgroup = NULL;	/* moved */
	e->seq = seq;
	if (r->notify_fd >= 0 && __atomic_load_n(&r->listeners, __ATOMIC_ACQUIRE)) {
		uint64_t one = 1;

		/* an eventfd opened EFD_NONBLOCK: never waits; a full counter is a wake-up anyway */
		if (write(r->notify_fd, &one, sizeof(one)) < 0)
			(void)0;
	}
	return seq;
}

void ev_set_notify(struct ev_ring *r, int fd)
{
	r->notify_fd = fd;
}

void ev_listeners_add(struct ev_ring *r, int delta)
{
	__atomic_add_fetch(&r->listeners, (unsigned int)delta, __ATOMIC_RELEASE);
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

	pthread_rwlock_rdlock(&r->lock);
	named = n = r->nr_comms;
	memcpy(out, r->comms, n * sizeof(*out));
	if (counted(&r->comm_none))
		out[n++] = r->comm_none;
	if (counted(&r->comm_other))
		out[n++] = r->comm_other;
	pthread_rwlock_unlock(&r->lock);
	qsort(out, named, sizeof(*out), comm_cmp);	/* names are unique: a total order */
	return n;
}

bool ev_query_matches(const struct ev_query *q, const struct ev_event *e)
{
	if (q->has_op && e->op != q->op)
		return false;
	if (q->has_prog_id && e->prog_id != q->prog_id)
		return false;
	if (q->has_pid && (!(e->has & EV_HAS_PROCESS) || e->proc.pid != q->pid))
		return false;
	if (q->has_comm && (!e->proc.comm || strcmp(e->proc.comm, q->comm)))
		return false;
	if (q->has_container_id &&
	    strncmp(e->proc.container_id, q->container_id, strlen(q->container_id)))
		return false;
	return true;
}

static bool matches(const struct ev_event *e, const struct ev_query *q)
{
	return e->seq > q->since && ev_query_matches(q, e);
}

/* Slots looked at per lock hold while a reader searches or copies. */
#define SCAN_CHUNK 4096

/* The oldest seq still in the ring; caller holds the lock. */
static uint64_t first_seq(const struct ev_ring *r)
{
	uint64_t last = r->next_seq - 1;

	return last >= r->capacity ? last - r->capacity + 1 : 1;
}

uint64_t ev_last_seq(struct ev_ring *r)
{
	uint64_t last;

	pthread_rwlock_rdlock(&r->lock);
	last = r->next_seq - 1;
	pthread_rwlock_unlock(&r->lock);
	return last;
}

uint64_t ev_start(struct ev_ring *r, const struct ev_query *q)
{
	uint64_t seq, start, found = 0;

	if (!q->limit)
		return q->since;
	/* Walk back from the newest; events that leave meanwhile end the walk. */
	pthread_rwlock_rdlock(&r->lock);
	seq = start = r->next_seq - 1;
	while (seq > q->since && seq >= first_seq(r)) {
		for (size_t i = 0; i < SCAN_CHUNK && seq > q->since && seq >= first_seq(r); i++, seq--) {
			if (!matches(&r->slots[(seq - 1) % r->capacity], q))
				continue;
			start = seq - 1;
			if (++found == q->limit)
				goto out;
		}
		/* the writer, if waiting, goes first (writer-preferring) */
		pthread_rwlock_unlock(&r->lock);
		pthread_rwlock_rdlock(&r->lock);
	}
out:
	if (!found)
		start = r->next_seq - 1;	/* none: start at the end */
	pthread_rwlock_unlock(&r->lock);
	return start;
}

size_t ev_copy(struct ev_ring *r, const struct ev_query *q, uint64_t *cursor,
	       struct ev_event *out, size_t max)
{
	uint64_t missed;

	return ev_copy_missed(r, q, cursor, out, max, &missed);
}

size_t ev_copy_missed(struct ev_ring *r, const struct ev_query *q, uint64_t *cursor,
		      struct ev_event *out, size_t max, uint64_t *missed)
{
	uint64_t seq = *cursor + 1, last;
	size_t n = 0;

	*missed = 0;
	pthread_rwlock_rdlock(&r->lock);
	for (;;) {
		size_t scanned = 0;

		last = r->next_seq - 1;
		if (seq < first_seq(r)) {
			*missed += first_seq(r) - seq;
			seq = first_seq(r);	/* those left the ring meanwhile */
		}
		for (; seq <= last && n < max && scanned < SCAN_CHUNK; seq++, scanned++) {
			const struct ev_event *e = &r->slots[(seq - 1) % r->capacity];
			struct ev_event *o = &out[n];

			if (!matches(e, q))
				continue;
			*o = *e;
			memset(&o->proc, 0, sizeof(o->proc));
			if (ev_proc_copy(&o->proc, &e->proc))	/* out of memory: no process */
				o->has &= ~(unsigned int)(EV_HAS_PROCESS | EV_HAS_CGROUP);
			n++;
		}
		if (n || seq > last || n == max)
			break;
		/* a long stretch without a match: let a waiting writer in (it goes first) */
		pthread_rwlock_unlock(&r->lock);
		pthread_rwlock_rdlock(&r->lock);
	}
	pthread_rwlock_unlock(&r->lock);
	if (seq - 1 > *cursor)
		*cursor = seq - 1;
	return n;
}
