// SPDX-License-Identifier: Apache-2.0
/*
 * check_events - the event ring: seq, wrap-around, since/limit/op, JSON,
 * counts by comm (order, the EV_COMM_NAMES cap, label values), concurrency,
 * the filters and order=desc, what a follower missed, the notify eventfd.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/eventfd.h>

#include "audit/ev.h"
#include "audit/ev_json.h"
#include "suites.h"

static struct ev_ring ring;

static void setup(void)
{
	ck_assert_int_eq(ev_ring_init(&ring, 4), 0);
}

static void teardown(void)
{
	ev_ring_release(&ring);
}

static uint64_t push(uint32_t prog_id, enum ev_op op, const char *comm)
{
	struct ev_event e;

	memset(&e, 0, sizeof(e));
	e.prog_id = prog_id;
	e.op = op;
	e.time_ms = 1795582365863LL;
	e.audit_serial = prog_id * 10;
	e.proc.comm = comm ? strdup(comm) : NULL;
	return ev_push(&ring, &e);
}

/* The prog_ids of the rendered array, in order, as "1,2,3". */
static void ids_of(const struct ev_query *q, char *out, size_t len)
{
	struct buf b = BUF_INIT;
	const char *p;
	size_t n = 0;

	ev_json_render(&ring, q, &b);
	out[0] = '\0';
	for (p = b.buf; (p = strstr(p, "\"prog_id\":")); ) {
		p += 10;
		n += (size_t)snprintf(out + n, len - n, "%s%ld", n ? "," : "", strtol(p, NULL, 10));
	}
	buf_release(&b);
}

START_TEST(test_seq_and_wrap)
{
	struct ev_query q = { 0 };
	char ids[64];

	ck_assert_uint_eq(push(1, EV_LOAD, NULL), 1);
	ck_assert_uint_eq(push(2, EV_LOAD, NULL), 2);
	ids_of(&q, ids, sizeof(ids));
	ck_assert_str_eq(ids, "1,2");
	for (uint32_t i = 3; i <= 7; i++)
		ck_assert_uint_eq(push(i, EV_UNLOAD, "x"), i);
	/* capacity 4: the oldest three are gone, order stays oldest first */
	ids_of(&q, ids, sizeof(ids));
	ck_assert_str_eq(ids, "4,5,6,7");
}
END_TEST

START_TEST(test_since_limit_op)
{
	struct ev_query q = { 0 };
	char ids[64];

	push(1, EV_LOAD, NULL);
	push(2, EV_UNLOAD, NULL);
	push(3, EV_LOAD, NULL);
	push(4, EV_UNLOAD, NULL);

	q.since = 2;
	ids_of(&q, ids, sizeof(ids));
	ck_assert_str_eq(ids, "3,4");
	q.since = 4;
	ids_of(&q, ids, sizeof(ids));
	ck_assert_str_eq(ids, "");
	q.since = 0;
	q.limit = 3;
	ids_of(&q, ids, sizeof(ids));
	ck_assert_str_eq(ids, "2,3,4");
	q.limit = 1;
	q.has_op = true;
	q.op = EV_LOAD;
	ids_of(&q, ids, sizeof(ids));
	ck_assert_str_eq(ids, "3");
	q.limit = 0;
	q.op = EV_UNLOAD;
	ids_of(&q, ids, sizeof(ids));
	ck_assert_str_eq(ids, "2,4");
	q.since = 1;
	q.limit = 10;
	q.has_op = false;
	ids_of(&q, ids, sizeof(ids));
	ck_assert_str_eq(ids, "2,3,4");
}
END_TEST

START_TEST(test_event_json_nulls_and_bytes)
{
	struct ev_event e;
	struct buf b = BUF_INIT;

	memset(&e, 0, sizeof(e));
	e.seq = 9;
	e.time_ms = 1795582365863LL;
	e.audit_serial = 15;
	e.prog_id = 110;
	e.op = EV_UNLOAD;
	ev_json_event(&e, &b);
	ck_assert_str_eq(b.buf,
		"{\"seq\":9,\"time\":\"2026-11-25T04:52:45.863Z\",\"audit_serial\":15,"
		"\"prog_id\":110,\"op\":\"UNLOAD\",\"syscall\":null,\"syscall_name\":null,"
		"\"syscall_op\":null,\"pid\":null,\"ppid\":null,\"uid\":null,\"auid\":null,"
		"\"gid\":null,\"euid\":null,\"comm\":null,\"exe\":null,\"cmdline\":null,"
		"\"cgroup\":null,\"container_id\":null,\"pod_uid\":null,"
		"\"prog_name\":null,\"prog_type\":null,\"prog_tag\":null,\"released_by_exporter\":false}");

	buf_reset(&b);
	e.has = EV_HAS_SYSCALL | EV_HAS_SYSCALL_OP | EV_HAS_PROG | EV_HAS_PROCESS;
	e.syscall = 321;
	strcpy(e.syscall_name, "bpf");
	strcpy(e.syscall_op, "BPF_PROG_LOAD");
	e.proc.pid = 7038;
	e.proc.ppid = 1;
	e.proc.auid = 4294967295u;
	e.proc.comm = (char *)"a\"b\\c\x01\xff";
	strcpy(e.prog_name, "p");
	strcpy(e.prog_type, "xdp");
	strcpy(e.prog_tag, "0011223344556677");
	ev_json_event(&e, &b);
	ck_assert_ptr_nonnull(strstr(b.buf, "\"syscall\":321,\"syscall_name\":\"bpf\","
					    "\"syscall_op\":\"BPF_PROG_LOAD\",\"pid\":7038,\"ppid\":1,"
					    "\"uid\":0,\"auid\":4294967295,"));
	ck_assert_ptr_nonnull(strstr(b.buf, "\"comm\":\"a\\\"b\\\\c\\u0001\\ufffd\""));
	ck_assert_ptr_nonnull(strstr(b.buf, "\"prog_type\":\"xdp\""));
	/* the cgroup, and "" for a container or pod it does not name */
	ck_assert_ptr_nonnull(strstr(b.buf, "\"cgroup\":null,\"container_id\":null,\"pod_uid\":null,"));
	buf_reset(&b);
	e.has |= EV_HAS_CGROUP;
	e.proc.cgroup = (char *)"/system.slice/a\"b.service";
	ev_json_event(&e, &b);
	ck_assert_ptr_nonnull(strstr(b.buf, "\"cgroup\":\"/system.slice/a\\\"b.service\","
					    "\"container_id\":\"\",\"pod_uid\":\"\","));
	buf_release(&b);
}
END_TEST

START_TEST(test_format_time)
{
	char t[32];

	ev_json_time(0, t);
	ck_assert_str_eq(t, "1970-01-01T00:00:00.000Z");
	ev_json_time(1795582365007LL, t);
	ck_assert_str_eq(t, "2026-11-25T04:52:45.007Z");
}
END_TEST

/* The row of label comm among n rows, or NULL. */
static const struct ev_comm_count *row_of(const struct ev_comm_count *rows, size_t n,
					  const char *comm)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(rows[i].comm, comm))
			return &rows[i];
	return NULL;
}

static void assert_row(const struct ev_comm_count *row, const char *comm, uint64_t loads,
		       uint64_t unloads)
{
	ck_assert_msg(row != NULL, "no row for comm \"%s\"", comm);
	ck_assert_str_eq(row->comm, comm);
	ck_assert_uint_eq(row->n[EV_LOAD], loads);
	ck_assert_uint_eq(row->n[EV_UNLOAD], unloads);
}

START_TEST(test_by_comm)
{
	struct ev_comm_count rows[EV_COMM_ROWS];

	/* no event yet: no row, not even (none) */
	ck_assert_uint_eq(ev_comm_counts(&ring, rows), 0);

	push(1, EV_LOAD, "bpftool");
	push(2, EV_LOAD, "a loader");
	push(3, EV_LOAD, "bpftool");
	push(1, EV_UNLOAD, NULL);	/* a lone UNLOAD at exit */
	push(2, EV_UNLOAD, "a loader");
	push(4, EV_LOAD, "Zed");
	push(5, EV_LOAD, "");		/* prctl(PR_SET_NAME, "") */
	/* counted by push, whatever the ring (capacity 4) still holds */
	ck_assert_uint_eq(ev_comm_counts(&ring, rows), 5);
	/* sorted by comm in byte order, (none) after the names */
	assert_row(&rows[0], "", 1, 0);
	assert_row(&rows[1], "Zed", 1, 0);
	assert_row(&rows[2], "a loader", 1, 1);
	assert_row(&rows[3], "bpftool", 2, 0);
	assert_row(&rows[4], EV_COMM_NONE, 0, 1);
	/* only push counts: ev_count_op is the arrival counter */
	ev_count_op(&ring, EV_LOAD);
	ck_assert_uint_eq(ev_comm_counts(&ring, rows), 5);
	ck_assert_uint_eq(rows[3].n[EV_LOAD], 2);
}
END_TEST

/* The first EV_COMM_NAMES names get rows; later ones share (other). */
START_TEST(test_by_comm_cap)
{
	struct ev_comm_count rows[EV_COMM_ROWS];
	char comm[16];
	size_t n;

	/* arriving in descending order, they come out sorted */
	for (int i = EV_COMM_NAMES - 1; i >= 0; i--) {
		snprintf(comm, sizeof(comm), "p%03d", i);
		push((uint32_t)i, EV_LOAD, comm);
	}
	n = ev_comm_counts(&ring, rows);
	ck_assert_uint_eq(n, EV_COMM_NAMES);
	ck_assert_ptr_null(row_of(rows, n, EV_COMM_OTHER));
	for (size_t i = 0; i < n; i++) {
		snprintf(comm, sizeof(comm), "p%03zu", i);
		assert_row(&rows[i], comm, 1, 0);
	}

	push(1000, EV_LOAD, "latecomer");
	push(1001, EV_UNLOAD, "latecomer");
	push(1002, EV_UNLOAD, "another");
	push(1003, EV_UNLOAD, "p007");		/* has a row */
	push(1004, EV_UNLOAD, NULL);		/* (none) is not capped */
	n = ev_comm_counts(&ring, rows);
	ck_assert_uint_eq(n, EV_COMM_NAMES + 2);
	assert_row(&rows[7], "p007", 1, 1);
	assert_row(&rows[EV_COMM_NAMES], EV_COMM_NONE, 0, 1);
	assert_row(&rows[EV_COMM_NAMES + 1], EV_COMM_OTHER, 1, 2);
	ck_assert_ptr_null(row_of(rows, n, "latecomer"));
}
END_TEST

/* A process may call itself (none) or (other): it shares that row, never a second one. */
START_TEST(test_by_comm_reserved_names)
{
	struct ev_comm_count rows[EV_COMM_ROWS];

	push(1, EV_LOAD, EV_COMM_OTHER);
	push(2, EV_LOAD, EV_COMM_NONE);
	push(3, EV_UNLOAD, NULL);
	push(4, EV_LOAD, "(nonesuch");
	ck_assert_uint_eq(ev_comm_counts(&ring, rows), 3);
	assert_row(&rows[0], "(nonesuch", 1, 0);
	assert_row(&rows[1], EV_COMM_NONE, 1, 1);
	assert_row(&rows[2], EV_COMM_OTHER, 1, 0);
}
END_TEST

/* comm holds any byte but NUL (the kernel hex-encodes it, libauparse decodes it). */
START_TEST(test_comm_label)
{
	static const struct {
		const char *comm, *label;
	} cases[] = {
		{ "bpftool", "bpftool" },
		{ "my loader", "my loader" },
		{ "a\"b\\c", "a\"b\\c" },			/* the writer escapes these */
		{ "caf\xc3\xa9 \xe2\x82\xac\xf0\x9f\x90\x9d", "caf\xc3\xa9 \xe2\x82\xac\xf0\x9f\x90\x9d" },
		{ "a\xff" "b", "a\xef\xbf\xbd" "b" },			/* a stray byte */
		{ "\xfe", "\xef\xbf\xbd" },
		{ "\xc3", "\xef\xbf\xbd" },				/* cut short */
		{ "\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd" },		/* overlong */
		{ "\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },	/* a surrogate */
		{ "a\rb\nc\td\x01\x7f", "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c\xef\xbf\xbd"
		  "d\xef\xbf\xbd\xef\xbf\xbd" },			/* control characters */
		{ "a\xc2\x85" "b\xc2\x9f" "c\xc2\xa0", "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c\xc2\xa0" },	/* C1 */
		{ "a\xe2\x80\xa8" "b\xe2\x80\xa9" "c\xe2\x80\xaa", "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c\xe2\x80\xaa" },
		{ "", "" },
	};
	char label[EV_COMM_LEN], comm[128];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ev_comm_label(cases[i].comm, label);
		ck_assert_msg(!strcmp(label, cases[i].label), "case %zu: got \"%s\"", i, label);
	}
	ev_comm_label(NULL, label);
	ck_assert_str_eq(label, EV_COMM_NONE);
	/* 15 stray bytes, the most the kernel's comm holds: 45 bytes, not cut */
	memset(comm, 0xff, 15);
	comm[15] = '\0';
	ev_comm_label(comm, label);
	ck_assert_uint_eq(strlen(label), 45);
	/* longer than any kernel comm: cut at a character boundary */
	for (int i = 0; i < 40; i++)
		memcpy(comm + 3 * i, "\xe2\x82\xac", 3);
	comm[120] = '\0';
	ev_comm_label(comm, label);
	ck_assert_uint_eq(strlen(label), 63);
	ck_assert_int_eq(memcmp(label, comm, 63), 0);
	comm[0] = 'x';	/* now 64 bytes would fit only mid-character */
	memmove(comm + 1, comm + 3, strlen(comm + 3) + 1);
	ev_comm_label(comm, label);
	ck_assert_uint_eq(strlen(label), 61);
}
END_TEST

/* Distinct comms that give one label value count in one row: no duplicate series. */
START_TEST(test_by_comm_same_label)
{
	struct ev_comm_count rows[EV_COMM_ROWS];

	push(1, EV_LOAD, "x\xff");
	push(2, EV_LOAD, "x\xfe");
	push(3, EV_LOAD, "x\r");
	ck_assert_uint_eq(ev_comm_counts(&ring, rows), 1);
	assert_row(&rows[0], "x\xef\xbf\xbd", 3, 0);
}
END_TEST

static void *writer(void *arg)
{
	(void)arg;
	for (uint32_t i = 1; i <= 20000; i++) {
		struct ev_event e;

		memset(&e, 0, sizeof(e));
		e.prog_id = i;
		e.op = i % 2 ? EV_LOAD : EV_UNLOAD;
		e.proc.comm = strdup("writer");
		ev_push(&ring, &e);
		ev_count_op(&ring, e.op);
	}
	return NULL;
}

/* Readers render while the writer wraps the ring many times (run under TSan too). */
START_TEST(test_concurrency)
{
	struct ev_comm_count rows[EV_COMM_ROWS];
	pthread_t w;
	uint64_t last_first = 0, last_total = 0;
	size_t n;

	ev_ring_release(&ring);
	ck_assert_int_eq(ev_ring_init(&ring, 64), 0);
	ck_assert_int_eq(pthread_create(&w, NULL, writer, NULL), 0);
	for (int i = 0; i < 2000; i++) {
		struct ev_query q = { .limit = 16 };
		struct buf b = BUF_INIT;
		const char *p;
		uint64_t prev = 0, seq;

		ev_json_render(&ring, &q, &b);
		ck_assert(!b.oom);
		ck_assert_int_eq(b.buf[0], '[');
		{
			/* a limit that nothing matches walks the whole ring while it moves */
			struct ev_query none = { .limit = 4, .has_op = true, .op = EV_NR_OPS };
			struct buf nb = BUF_INIT;

			ev_json_render(&ring, &none, &nb);
			ck_assert_str_eq(nb.buf, "[]\n");
			buf_release(&nb);
		}
		/* seqs strictly increase within one rendering, and never go back across them */
		for (p = b.buf; (p = strstr(p, "{\"seq\":")); prev = seq) {
			seq = strtoull(p + 7, NULL, 10);
			ck_assert_uint_gt(seq, prev);
			p += 7;
			if (!prev) {
				ck_assert_uint_ge(seq, last_first);
				last_first = seq;
			}
		}
		buf_release(&b);
		/* the counts by comm only grow, and never run ahead of the ring */
		n = ev_comm_counts(&ring, rows);
		ck_assert_uint_le(n, 1);
		if (n) {
			uint64_t total = rows[0].n[EV_LOAD] + rows[0].n[EV_UNLOAD];

			ck_assert_str_eq(rows[0].comm, "writer");
			ck_assert_uint_ge(total, last_total);
			ck_assert_uint_le(total, 20000);
			last_total = total;
		}
	}
	pthread_join(w, NULL);
	ck_assert_uint_eq(ev_ops(&ring, EV_LOAD), 10000);
	ck_assert_uint_eq(ev_ops(&ring, EV_UNLOAD), 10000);
	ck_assert_uint_eq(ring.next_seq, 20001);
	ck_assert_uint_eq(ev_comm_counts(&ring, rows), 1);
	assert_row(&rows[0], "writer", 10000, 10000);
}
END_TEST

/* First and last seq of a rendering, and how many events it holds. */
static size_t span(const struct ev_query *q, uint64_t *first, uint64_t *last)
{
	struct buf b = BUF_INIT;
	size_t n = 0;

	*first = *last = 0;
	ev_json_render(&ring, q, &b);
	ck_assert(!b.oom);
	for (const char *p = b.buf; (p = strstr(p, "{\"seq\":")); p++, n++) {
		*last = strtoull(p + 7, NULL, 10);
		if (!n)
			*first = *last;
	}
	buf_release(&b);
	return n;
}

/* One answer holds at most EV_JSON_MAX_EVENTS; since pages forward, limit keeps the newest. */
START_TEST(test_render_cap_and_paging)
{
	struct ev_query q = { 0 };
	uint64_t first, last;

	ev_ring_release(&ring);
	ck_assert_int_eq(ev_ring_init(&ring, 30000), 0);
	for (uint32_t i = 1; i <= 25000; i++)
		push(i, i % 2 ? EV_LOAD : EV_UNLOAD, "x");
	ck_assert_uint_eq(span(&q, &first, &last), EV_JSON_MAX_EVENTS);
	ck_assert_uint_eq(first, 1);
	ck_assert_uint_eq(last, EV_JSON_MAX_EVENTS);
	q.since = last;
	ck_assert_uint_eq(span(&q, &first, &last), EV_JSON_MAX_EVENTS);
	ck_assert_uint_eq(first, EV_JSON_MAX_EVENTS + 1);
	q.since = last;
	ck_assert_uint_eq(span(&q, &first, &last), 5000);
	ck_assert_uint_eq(last, 25000);
	q.since = last;
	ck_assert_uint_eq(span(&q, &first, &last), 0);
	/* a limit above the cap: the newest EV_JSON_MAX_EVENTS */
	q.since = 0;
	q.limit = 30000;
	ck_assert_uint_eq(span(&q, &first, &last), EV_JSON_MAX_EVENTS);
	ck_assert_uint_eq(first, 25000 - EV_JSON_MAX_EVENTS + 1);
	ck_assert_uint_eq(last, 25000);
	/* a filter that matches every other event, and a long stretch without a match */
	q.limit = 3;
	q.has_op = true;
	q.op = EV_UNLOAD;
	ck_assert_uint_eq(span(&q, &first, &last), 3);
	ck_assert_uint_eq(first, 24996);
	ck_assert_uint_eq(last, 25000);
	q.limit = 0;
	q.since = 24990;
	ck_assert_uint_eq(span(&q, &first, &last), 5);
	ck_assert_uint_eq(first, 24992);
}
END_TEST

/* ev_copy: at most max, owned copies, the cursor moves on, the lock is free after. */
START_TEST(test_copy_out)
{
	struct ev_query q = { .has_op = true, .op = EV_LOAD };
	struct ev_event out[3];
	uint64_t cursor = 0;
	size_t n;

	for (uint32_t i = 1; i <= 4; i++)
		push(i, i % 2 ? EV_LOAD : EV_UNLOAD, "c");
	ck_assert_uint_eq(ev_last_seq(&ring), 4);
	n = ev_copy(&ring, &q, &cursor, out, 1);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(out[0].seq, 1);
	ck_assert_uint_eq(cursor, 1);
	ck_assert_str_eq(out[0].proc.comm, "c");
	ck_assert_ptr_ne(out[0].proc.comm, ring.slots[0].proc.comm);	/* a copy of its own */
	ev_event_release(&out[0]);
	ck_assert_int_eq(pthread_rwlock_trywrlock(&ring.lock), 0);
	pthread_rwlock_unlock(&ring.lock);
	n = ev_copy(&ring, &q, &cursor, out, 3);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(out[0].seq, 3);
	ev_event_release(&out[0]);
	ck_assert_uint_eq(ev_copy(&ring, &q, &cursor, out, 3), 0);
	ck_assert_uint_eq(cursor, 4);
	/* events that left the ring meanwhile are skipped, not waited for */
	for (uint32_t i = 5; i <= 12; i++)
		push(i, EV_LOAD, NULL);
	cursor = 1;
	n = ev_copy(&ring, &q, &cursor, out, 3);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(out[0].seq, 9);	/* capacity 4: 9..12 are left */
	for (size_t i = 0; i < n; i++)
		ev_event_release(&out[i]);
}
END_TEST

/* Each filter alone and together; order=desc with and without a limit. */
START_TEST(test_filters_and_desc)
{
	struct ev_event e;
	struct ev_query q = { 0 };
	char ids[64];

	for (uint32_t i = 1; i <= 4; i++) {
		memset(&e, 0, sizeof(e));
		e.prog_id = 10 + i;
		e.op = i % 2 ? EV_LOAD : EV_UNLOAD;
		e.proc.comm = strdup(i <= 2 ? "bpftool" : "cilium-agent");
		if (i != 4) {
			e.has = EV_HAS_PROCESS;
			e.proc.pid = 100 + i % 2;	/* 101, 100, 101 */
		}
		if (i >= 3)
			strcpy(e.proc.container_id, i == 3 ? "abcdef0123" : "abcd99");
		ev_push(&ring, &e);
	}
	q.has_pid = true;
	q.pid = 101;
	ids_of(&q, ids, sizeof(ids));
	ck_assert_str_eq(ids, "11,13");
	q.pid = 0;	/* event 4 has no process: pid 0 matches nothing */
	ids_of(&q, ids, sizeof(ids));
	ck_assert_str_eq(ids, "");
	q.has_pid = false;
	q.has_comm = true;
	strcpy(q.comm, "bpftool");
	ids_of(&q, ids, sizeof(ids));
	ck_assert_str_eq(ids, "11,12");
	strcpy(q.comm, "bpftoo");	/* whole names only */
	ids_of(&q, ids, sizeof(ids));
	ck_assert_str_eq(ids, "");
	q.has_comm = false;
	q.has_prog_id = true;
	q.prog_id = 13;
	ids_of(&q, ids, sizeof(ids));
	ck_assert_str_eq(ids, "13");
	q.has_prog_id = false;
	q.has_container_id = true;
	strcpy(q.container_id, "abcd");	/* a prefix, as docker ps shows it short */
	ids_of(&q, ids, sizeof(ids));
	ck_assert_str_eq(ids, "13,14");
	strcpy(q.container_id, "abcdef");
	ids_of(&q, ids, sizeof(ids));
	ck_assert_str_eq(ids, "13");
	q.has_op = true;
	q.op = EV_UNLOAD;
	strcpy(q.container_id, "abcd");
	ids_of(&q, ids, sizeof(ids));
	ck_assert_str_eq(ids, "14");

	memset(&q, 0, sizeof(q));
	q.desc = true;
	ids_of(&q, ids, sizeof(ids));
	ck_assert_str_eq(ids, "14,13,12,11");
	q.limit = 2;
	ids_of(&q, ids, sizeof(ids));
	ck_assert_str_eq(ids, "14,13");
	q.has_op = true;
	q.op = EV_LOAD;
	ids_of(&q, ids, sizeof(ids));
	ck_assert_str_eq(ids, "13,11");
	q.since = 1;	/* seq 1 is program 11 */
	ids_of(&q, ids, sizeof(ids));
	ck_assert_str_eq(ids, "13");
}
END_TEST

/* ev_copy_missed counts what left the ring before it was copied. */
START_TEST(test_copy_missed)
{
	struct ev_event out[8];
	struct ev_query q = { 0 };
	uint64_t cursor = 0, missed = 99;
	size_t n;

	for (uint32_t i = 1; i <= 3; i++)
		push(i, EV_LOAD, NULL);
	n = ev_copy_missed(&ring, &q, &cursor, out, 8, &missed);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(missed, 0);
	ck_assert_uint_eq(cursor, 3);
	for (size_t i = 0; i < n; i++)
		ev_event_release(&out[i]);
	for (uint32_t i = 4; i <= 10; i++)	/* capacity 4: 4, 5 and 6 go unread */
		push(i, EV_LOAD, NULL);
	q.has_op = true;
	q.op = EV_UNLOAD;	/* matching or not, the lost ones count */
	n = ev_copy_missed(&ring, &q, &cursor, out, 8, &missed);
	ck_assert_uint_eq(n, 0);
	ck_assert_uint_eq(missed, 3);
	ck_assert_uint_eq(cursor, 10);
	n = ev_copy_missed(&ring, &q, &cursor, out, 8, &missed);
	ck_assert_uint_eq(missed, 0);
}
END_TEST

/* Every push adds one to the notify eventfd. */
START_TEST(test_notify)
{
	int fd = eventfd(0, EFD_NONBLOCK);
	uint64_t v = 0;

	ck_assert_int_ge(fd, 0);
	ev_set_notify(&ring, fd);
	/* nobody waits: no write(2) on the writer's path at all */
	push(1, EV_LOAD, NULL);
	ck_assert_int_eq(read(fd, &v, sizeof(v)), -1);
	ev_listeners_add(&ring, 1);
	push(2, EV_LOAD, NULL);
	push(3, EV_LOAD, NULL);
	ck_assert_int_eq(read(fd, &v, sizeof(v)), sizeof(v));
	ck_assert_uint_eq(v, 2);
	ev_listeners_add(&ring, -1);
	push(4, EV_LOAD, NULL);
	ck_assert_int_eq(read(fd, &v, sizeof(v)), -1);
	ev_listeners_add(&ring, 1);
	ev_set_notify(&ring, -1);
	push(5, EV_LOAD, NULL);
	ck_assert_int_eq(read(fd, &v, sizeof(v)), -1);	/* EAGAIN: nothing added */
	close(fd);
}
END_TEST

static bool pushed;	/* __atomic */

static void *push_one(void *arg)
{
	(void)arg;
	push(1, EV_LOAD, "w");
	__atomic_store_n(&pushed, true, __ATOMIC_RELEASE);
	return NULL;
}

/*
 * Readers cannot starve the writer: while ev_push() waits for a reader's
 * chunk, no reader gets the lock again (the lock is writer-preferring),
 * so a reader's let-go between chunks really lets the writer in; the push
 * completes the moment the chunk ends.
 */
START_TEST(test_writer_goes_first)
{
	struct timespec t0, now;
	pthread_t w;
	bool blocked = false;

	__atomic_store_n(&pushed, false, __ATOMIC_RELAXED);
	ck_assert_int_eq(pthread_rwlock_rdlock(&ring.lock), 0);	/* a reader in its chunk */
	ck_assert_int_eq(pthread_create(&w, NULL, push_one, NULL), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		int err = pthread_rwlock_tryrdlock(&ring.lock);	/* another reader's next chunk */

		if (!err) {
			pthread_rwlock_unlock(&ring.lock);
			sched_yield();
		}
		blocked = err == EBUSY;
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (!blocked && now.tv_sec - t0.tv_sec < 5);
	ck_assert_msg(blocked, "a reader got the lock while the writer waited");
	ck_assert(!__atomic_load_n(&pushed, __ATOMIC_ACQUIRE));	/* it waits for the chunk */
	pthread_rwlock_unlock(&ring.lock);
	pthread_join(w, NULL);
	ck_assert(__atomic_load_n(&pushed, __ATOMIC_ACQUIRE));
	ck_assert_uint_eq(ev_last_seq(&ring), 1);
}
END_TEST

Suite *events_suite(void)
{
	Suite *s = suite_create("events");
	TCase *tc = tcase_create("ring");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_seq_and_wrap);
	tcase_add_test(tc, test_since_limit_op);
	tcase_add_test(tc, test_event_json_nulls_and_bytes);
	tcase_add_test(tc, test_format_time);
	tcase_add_test(tc, test_by_comm);
	tcase_add_test(tc, test_by_comm_cap);
	tcase_add_test(tc, test_by_comm_reserved_names);
	tcase_add_test(tc, test_comm_label);
	tcase_add_test(tc, test_by_comm_same_label);
	tcase_add_test(tc, test_concurrency);
	tcase_add_test(tc, test_render_cap_and_paging);
	tcase_add_test(tc, test_copy_out);
	tcase_add_test(tc, test_filters_and_desc);
	tcase_add_test(tc, test_copy_missed);
	tcase_add_test(tc, test_notify);
	tcase_add_test(tc, test_writer_goes_first);
	suite_add_tcase(s, tc);
	return s;
}
