// SPDX-License-Identifier: Apache-2.0
/*
 * check_live - a person's live view, with the real binary and kernel audit
 * on: /events?follow=1 as NDJSON and as Server-Sent Events (ids, resuming
 * after Last-Event-ID), a follower that cannot keep up told what it missed,
 * one that never reads dropped at the write deadline while scrapes go on,
 * the --web.max-followers bound (503 beyond; followers hold no scrape
 * slot), heartbeats keeping an idle follower, a follower ending at shutdown, order=desc and each filter, and the
 * landing page (its state, the kernel's strings escaped).  Programs are
 * loaded by this test; needs root.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <bpf/bpf.h>

#include "lib/buf.h"
#include "suites.h"
#include "testutil.h"

static struct tu_exporter exporter;

static void start(const char *const *args)
{
	int ret;

	ck_assert_msg(tu_audit_prepare(true) == 0, "cannot enable kernel audit");
	ret = tu_exporter_start(&exporter, args);
	if (ret) {
		char *log = tu_exporter_log(&exporter);

		ck_abort_msg("exporter did not start (%s): %.1000s", strerror(-ret), log);
	}
}

static void teardown(void)
{
	tu_exporter_stop(&exporter, 3000, NULL, NULL);
}

/* A program loaded and its id; the fd is the caller's to close. */
static int load(uint32_t *id)
{
	struct bpf_prog_info info;
	int fd = tu_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "live_test", "GPL", NULL, 0);

	ck_assert_int_ge(fd, 0);
	memset(&info, 0, sizeof(info));
	ck_assert_int_eq(tu_obj_info(fd, &info, sizeof(info)), 0);
	*id = info.id;
	return fd;
}

/* Newest seq at /events (0 when empty). */
static uint64_t last_seq(void)
{
	uint64_t seq;

	ck_assert_int_eq(tu_events_last_seq(exporter.port, &seq), 0);
	return seq;
}

/* ---- a streaming client: the head, then the chunked body as it comes ---- */

struct stream {
	int fd;
	int status;
	struct buf head;
	struct buf raw;		/* bytes after the head, still chunked */
	size_t pos;		/* of raw: de-chunked up to here */
	size_t chunk_left;	/* of the chunk under way; 0: a size line is next */
	struct buf body;	/* de-chunked */
	bool ended;		/* the last chunk came */
	bool closed;		/* the server closed or reset */
};

/* Move whole pieces of s->raw into s->body. */
static void dechunk(struct stream *s)
{
	for (;;) {
		if (s->chunk_left) {
			size_t n = s->raw.len - s->pos;

			if (n > s->chunk_left)
				n = s->chunk_left;
			if (!n)
				return;
			buf_add(&s->body, s->raw.buf + s->pos, n);
			s->pos += n;
			s->chunk_left -= n;
			if (s->chunk_left)
				return;
			s->chunk_left = 0;
			s->pos += 2;	/* CRLF after the data; may run past len until it arrives */
			continue;
		}
		if (s->pos > s->raw.len)
			return;
		char *eol = memmem(s->raw.buf + s->pos, s->raw.len - s->pos, "\r\n", 2);
		size_t size;

		if (!eol)
			return;
		size = strtoul(s->raw.buf + s->pos, NULL, 16);
		s->pos = (size_t)(eol + 2 - s->raw.buf);
		if (!size) {
			s->ended = true;
			return;
		}
		s->chunk_left = size;
	}
}

/* Read what is there within ms; false when nothing came (or the stream closed). */
static bool stream_poll(struct stream *s, int ms)
{
	struct pollfd p = { .fd = s->fd, .events = POLLIN };
	char b[65536];
	ssize_t n;

	if (s->closed || poll(&p, 1, ms) <= 0)
		return false;
	n = recv(s->fd, b, sizeof(b), MSG_DONTWAIT);
	if (n <= 0) {
		if (n == 0 || errno != EAGAIN)
			s->closed = true;
		return false;
	}
	buf_add(&s->raw, b, (size_t)n);
	dechunk(s);
	return true;
}

/*
 * GET path with extra headers ("Name: value\r\n"...) on a socket whose
 * receive buffer is rcvbuf (0: the default); the head read within 5 s.
 */
static void stream_open_from(struct stream *s, const char *src, const char *path, const char *headers,
			     int rcvbuf)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)exporter.port),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	char req[1024];
	double end = tu_now_ms() + 5000;

	memset(s, 0, sizeof(*s));
	s->head = s->raw = s->body = (struct buf)BUF_INIT;
	s->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(s->fd, 0);
	if (rcvbuf)
		setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (src) {	/* an address of 127.0.0.0/8 of its own: followers count per address */
		struct sockaddr_in from = { .sin_family = AF_INET };

		ck_assert_int_eq(inet_pton(AF_INET, src, &from.sin_addr), 1);
		ck_assert_int_eq(bind(s->fd, (struct sockaddr *)&from, sizeof(from)), 0);
	}
	ck_assert_int_eq(connect(s->fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s\r\n", path,
		 headers ? headers : "");
	ck_assert_int_eq(send(s->fd, req, strlen(req), 0), (ssize_t)strlen(req));
	for (;;) {
		struct pollfd p = { .fd = s->fd, .events = POLLIN };
		char c;

		ck_assert_msg(tu_now_ms() < end, "no head for %s: %s", path, s->head.buf);
		if (poll(&p, 1, 100) <= 0)
			continue;
		if (recv(s->fd, &c, 1, 0) != 1)
			break;
		buf_addch(&s->head, c);
		if (s->head.len >= 4 && !strcmp(s->head.buf + s->head.len - 4, "\r\n\r\n"))
			break;
	}
	ck_assert_msg(sscanf(s->head.buf, "HTTP/1.1 %d", &s->status) == 1, "head: %s", s->head.buf);
	if (!strcasestr(s->head.buf, "Transfer-Encoding: chunked"))	/* a one-shot answer */
		s->chunk_left = (size_t)-1 / 2;
}

/* As stream_open_from, from 127.0.0.1. */
static void stream_open(struct stream *s, const char *path, const char *headers, int rcvbuf)
{
	stream_open_from(s, NULL, path, headers, rcvbuf);
}

/* Read until the body holds needle, at most ms; whether it does. */
static bool stream_wait(struct stream *s, const char *needle, int ms)
{
	double end = tu_now_ms() + ms;

	while (!strstr(s->body.buf, needle)) {
		double left = end - tu_now_ms();

		if (left <= 0 || s->closed)
			return false;
		stream_poll(s, left < 100 ? (int)left + 1 : 100);
	}
	return true;
}

static void stream_close(struct stream *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	buf_release(&s->head);
	buf_release(&s->raw);
	buf_release(&s->body);
}

/* ---- tests ---- */

/* A LOAD made now reaches an NDJSON follower within 2 s, one object a line. */
START_TEST(test_follow_ndjson)
{
	static const char *const args[] = { "--events.capacity=100000", NULL };
	struct stream s;
	char path[64], needle[64];
	uint32_t id;
	double t0;
	int fd;

	start(args);
	snprintf(path, sizeof(path), "/events?follow=1&since=%llu", (unsigned long long)last_seq());
	stream_open(&s, path, NULL, 0);
	ck_assert_int_eq(s.status, 200);
	ck_assert_ptr_nonnull(strcasestr(s.head.buf, "Content-Type: application/x-ndjson"));
	ck_assert_ptr_nonnull(strcasestr(s.head.buf, "Transfer-Encoding: chunked"));
	t0 = tu_now_ms();
	fd = load(&id);
	snprintf(needle, sizeof(needle), "\"prog_id\":%u,\"op\":\"LOAD\"", id);
	ck_assert_msg(stream_wait(&s, needle, 2000), "no LOAD of %u within 2 s: %s", id, s.body.buf);
	ck_assert_msg(tu_now_ms() - t0 < 2000, "%.0f ms", tu_now_ms() - t0);
	close(fd);
	snprintf(needle, sizeof(needle), "\"prog_id\":%u,\"op\":\"UNLOAD\"", id);
	ck_assert_msg(stream_wait(&s, needle, 3000), "no UNLOAD of %u: %s", id, s.body.buf);
	/* NDJSON: every line a whole object */
	for (char *line = s.body.buf, *nl; (nl = strchr(line, '\n')); line = nl + 1) {
		if (nl == line)
			continue;	/* a heartbeat */
		ck_assert_msg(line[0] == '{' && nl[-1] == '}', "not one object a line: %.*s",
			      (int)(nl - line), line);
	}
	stream_close(&s);
}
END_TEST

/* SSE: each event with its seq as id; reconnecting with Last-Event-ID resumes after it. */
START_TEST(test_sse_resume)
{
	static const char *const args[] = { "--events.capacity=100000", NULL };
	struct stream s;
	char path[96], needle[96], hdr[96];
	uint32_t id1, id2;
	unsigned long long since = 0, seq1 = 0, seq2 = 0;
	const char *p;
	int fd1, fd2;

	start(args);
	since = last_seq();
	snprintf(path, sizeof(path), "/events?follow=1&op=LOAD&since=%llu", since);
	stream_open(&s, path, "Accept: text/event-stream\r\n", 0);
	ck_assert_int_eq(s.status, 200);
	ck_assert_ptr_nonnull(strcasestr(s.head.buf, "Content-Type: text/event-stream"));
	fd1 = load(&id1);
	fd2 = load(&id2);
	snprintf(needle, sizeof(needle), "\"prog_id\":%u,", id2);
	ck_assert_msg(stream_wait(&s, needle, 2000), "no LOAD of %u: %s", id2, s.body.buf);
	/* "id: SEQ\ndata: {"seq":SEQ,..." for each */
	snprintf(needle, sizeof(needle), "\"prog_id\":%u,", id1);
	p = strstr(s.body.buf, needle);
	ck_assert_ptr_nonnull(p);
	while (p > s.body.buf && strncmp(p, "\nid: ", 5))
		p--;
	ck_assert_int_eq(sscanf(p, "\nid: %llu\ndata: {\"seq\":%llu,", &seq1, &seq2), 2);
	ck_assert_uint_eq(seq1, seq2);
	ck_assert_uint_gt(seq1, since);
	ck_assert_ptr_nonnull(strstr(s.body.buf, "retry: "));
	stream_close(&s);

	/* the browser reconnects to the same URL, with the id of the last event it had */
	snprintf(hdr, sizeof(hdr), "Accept: text/event-stream\r\nLast-Event-ID: %llu\r\n", seq1);
	stream_open(&s, path, hdr, 0);
	ck_assert_int_eq(s.status, 200);
	snprintf(needle, sizeof(needle), "\"prog_id\":%u,", id2);
	ck_assert_msg(stream_wait(&s, needle, 2000), "no resume: %s", s.body.buf);
	snprintf(needle, sizeof(needle), "\"prog_id\":%u,", id1);
	ck_assert_msg(!strstr(s.body.buf, needle), "sent again after Last-Event-ID: %s", s.body.buf);
	ck_assert_ptr_nonnull(strstr(s.body.buf, "\nid: "));
	stream_close(&s);
	/* a bad Last-Event-ID is a 400, as a bad since */
	stream_open(&s, path, "Accept: text/event-stream\r\nLast-Event-ID: x\r\n", 0);
	ck_assert_int_eq(s.status, 400);
	stream_close(&s);
	/*
	 * An id from before a restart (past the newest): the stream starts at
	 * the oldest event kept instead of waiting for seqs to catch up.
	 */
	snprintf(hdr, sizeof(hdr), "Accept: text/event-stream\r\nLast-Event-ID: %llu\r\n", seq1 + 1000000);
	stream_open(&s, "/events?follow=1&op=LOAD", hdr, 0);
	ck_assert_int_eq(s.status, 200);
	snprintf(needle, sizeof(needle), "\"prog_id\":%u,", id1);
	ck_assert_msg(stream_wait(&s, needle, 2000), "nothing after a restart's id: %s", s.body.buf);
	stream_close(&s);
	close(fd1);
	close(fd2);
}
END_TEST

/* Whether the server has reset or closed s's connection, seen without reading (TCP_INFO). */
static bool stream_dropped(void *arg)
{
	const struct stream *s = arg;
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(s->fd, IPPROTO_TCP, TCP_INFO, &ti, &len))
		return true;
	return ti.tcpi_state == TCP_CLOSE || ti.tcpi_state == TCP_CLOSE_WAIT;
}

/* Whether /events' newest seq has reached *(uint64_t *)arg. */
static bool seq_reached(void *arg)
{
	return last_seq() >= *(const uint64_t *)arg;
}

/* The exporter's bpf_exporter_http_requests_in_flight, read by a scrape (which counts itself). */
static long in_flight(void)
{
	struct tu_http_resp r;
	struct tu_expo e;
	const struct tu_sample *s;
	long v;

	ck_assert_int_eq(tu_http(exporter.port, "GET", "/metrics", NULL, &r), 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_int_eq(tu_expo_parse(r.body, &e), 0);
	s = tu_expo_find(&e, "bpf_exporter_http_requests_in_flight", NULL, NULL);
	ck_assert_ptr_nonnull(s);
	v = strtol(s->value, NULL, 10);
	tu_expo_free(&e);
	tu_http_free(&r);
	return v;
}

static bool only_the_scrape_in_flight(void *arg)
{
	(void)arg;
	return in_flight() == 1;
}

/* Load and unload n programs: 2n events, fast. */
static void churn(int n)
{
	for (int i = 0; i < n; i++) {
		uint32_t id;

		close(load(&id));
	}
}

/*
 * A follower with a small receive buffer that pauses while more events than
 * the ring holds go by is told how many it missed; one that never reads is
 * dropped at the write deadline; scrapes are served all along.
 */
START_TEST(test_slow_followers)
{
	static const char *const args[] = { "--events.capacity=16", "--web.write-timeout=2s", NULL };
	struct stream slow, never;
	struct tu_http_resp r;
	double t0, t_end;
	uint64_t since, all_in;
	char path[64];

	start(args);
	since = last_seq();
	snprintf(path, sizeof(path), "/events?follow=1&since=%llu", (unsigned long long)since);
	stream_open(&slow, path, NULL, 4096);
	stream_open(&never, path, NULL, 4096);
	ck_assert_int_eq(slow.status, 200);
	ck_assert_int_eq(never.status, 200);
	t0 = tu_now_ms();
	churn(400);	/* 800 events, about 400 KB: far more than the buffers on the way */
	/* scrapes do not wait for followers */
	ck_assert_int_eq(tu_http(exporter.port, "GET", "/metrics", NULL, &r), 0);
	ck_assert_int_eq(r.status, 200);
	tu_http_free(&r);
	ck_assert_msg(tu_now_ms() - t0 < 1500, "churn and a scrape took %.0f ms", tu_now_ms() - t0);
	/* slow pauses, within its 2 s, until every event is in the ring (16): it has missed some */
	all_in = since + 800;
	ck_assert_msg(tu_wait_until(seq_reached, &all_in, 3000), "the 800 events are not all in after 3 s");
	ck_assert_msg(stream_wait(&slow, "{\"missed\":", 3000), "no missed line in %zu bytes",
		      slow.body.len);
	ck_assert(!strncmp(slow.body.buf, "{\"missed\":", 10) ||	/* a line of its own */
		  strstr(slow.body.buf, "\n{\"missed\":"));
	ck_assert_msg(!slow.closed, "the slow follower was dropped");
	/*
	 * never has not read with bytes waiting for 2 s (the deadline looks
	 * every 100 ms): dropped, which its socket shows without a read
	 */
	ck_assert_msg(tu_wait_until(stream_dropped, &never, (int)(t0 + 5000 - tu_now_ms())),
		      "the follower that never reads is still connected 5 s on");
	ck_assert_msg(tu_now_ms() - t0 >= 1900, "dropped %.0f ms after the events, before the 2 s "
		      "write timeout", tu_now_ms() - t0);
	t_end = tu_now_ms() + 2000;
	while (!never.closed && tu_now_ms() < t_end)
		stream_poll(&never, 100);	/* what the kernel still holds, then the reset */
	ck_assert_msg(never.closed, "the follower that never read is still connected");
	ck_assert_msg(!never.ended, "dropped, not ended cleanly");
	ck_assert_int_eq(tu_http(exporter.port, "GET", "/metrics", NULL, &r), 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(strstr(r.body, "bpf_exporter_build_info"));
	tu_http_free(&r);
	stream_close(&slow);
	stream_close(&never);
}
END_TEST

/*
 * --web.max-followers: one more is 503; followers hold no scrape slot;
 * a follower that hangs up leaves room at once.
 */
START_TEST(test_follower_bound)
{
	static const char *const args[] = { "--web.max-followers=2", "--web.max-requests=1", NULL };
	struct stream a, b, c;
	struct tu_http_resp r;
	char *log;
	double end;

	start(args);
	/* each from an address of its own: one address may hold a quarter of 2, that is 1 */
	stream_open_from(&a, "127.0.0.1", "/events?follow=1", NULL, 0);
	stream_open_from(&b, "127.0.0.2", "/events?follow=true", "Accept: text/event-stream\r\n", 0);
	ck_assert_int_eq(a.status, 200);
	ck_assert_int_eq(b.status, 200);
	stream_open_from(&c, "127.0.0.3", "/events?follow=1", NULL, 0);
	ck_assert_int_eq(c.status, 503);
	stream_wait(&c, "max-followers", 2000);
	ck_assert_msg(strstr(c.body.buf, "too many followers of /events: at most 2 at once "
			     "(--web.max-followers)"), "%s", c.body.buf);
	stream_close(&c);
	/* the one scrape slot is free: followers do not hold it */
	ck_assert_int_eq(tu_http(exporter.port, "GET", "/metrics", NULL, &r), 0);
	ck_assert_int_eq(r.status, 200);
	tu_http_free(&r);
	/* /events without follow is not a follower */
	ck_assert_int_eq(tu_http(exporter.port, "GET", "/events?limit=1", NULL, &r), 0);
	ck_assert_int_eq(r.status, 200);
	tu_http_free(&r);
	stream_close(&a);
	end = tu_now_ms() + 2000;
	for (;;) {
		stream_open_from(&c, "127.0.0.1", "/events?follow=1", NULL, 0);
		if (c.status == 200)
			break;
		stream_close(&c);
		ck_assert_msg(tu_now_ms() < end, "a follower that hung up still counts after 2 s");
		usleep(50 * 1000);
	}
	stream_close(&c);
	stream_close(&b);
	/* the hub notices within a tick: then only the scrape that asks is in flight */
	ck_assert_msg(tu_wait_until(only_the_scrape_in_flight, NULL, 3000),
		      "followers that hung up are still in flight after 3 s");
	log = tu_exporter_log(&exporter);
	ck_assert_msg(!tu_log_warning(log), "a follower leaving is no warning: %s", log);
	free(log);
}
END_TEST

/*
 * Followers per client address: at most a quarter of --web.max-followers
 * (8: 2).  Two followers that never read from one address get its third
 * refused 503 while another address still follows, and the landing page
 * still answers.
 */
START_TEST(test_follower_share)
{
	static const char *const args[] = { "--web.max-followers=8", NULL };
	struct stream a[3], other;
	struct tu_http_resp r;

	start(args);
	stream_open_from(&a[0], "127.0.0.7", "/events?follow=1", NULL, 4096);
	stream_open_from(&a[1], "127.0.0.7", "/events?follow=1", NULL, 4096);
	ck_assert_int_eq(a[0].status, 200);
	ck_assert_int_eq(a[1].status, 200);
	stream_open_from(&a[2], "127.0.0.7", "/events?follow=1", NULL, 0);
	ck_assert_int_eq(a[2].status, 503);
	ck_assert_ptr_nonnull(strcasestr(a[2].head.buf, "\r\nRetry-After: 5\r\n"));
	stream_wait(&a[2], "max-followers", 2000);
	ck_assert_msg(strstr(a[2].body.buf, "too many followers of /events from your address: at most 2 "
			     "at once (a quarter of --web.max-followers)"), "%s", a[2].body.buf);
	stream_open_from(&other, "127.0.0.8", "/events?follow=1", NULL, 0);
	ck_assert_msg(other.status == 200, "another address is refused (%d) while one holds its share",
		      other.status);
	ck_assert_int_eq(tu_http(exporter.port, "GET", "/", NULL, &r), 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_msg(strstr(r.body, "3 of at most 8"), "the landing page does not count 3 followers");
	tu_http_free(&r);
	for (int i = 0; i < 3; i++)
		stream_close(&a[i]);
	stream_close(&other);
}
END_TEST

/*
 * An idle follower that reads stays: heartbeats (every half of the write
 * timeout here) keep it past the read and write timeouts; SSE's are comments.
 */
START_TEST(test_heartbeats)
{
	static const char *const args[] = { "--web.read-timeout=1s", "--web.write-timeout=2s", NULL };
	struct stream n, e;
	double end;

	start(args);
	stream_open(&n, "/events?follow=1&op=UNLOAD&prog_id=1", NULL, 0);
	stream_open(&e, "/events?follow=1&op=UNLOAD&prog_id=1", "Accept: text/event-stream\r\n", 0);
	ck_assert_int_eq(n.status, 200);
	ck_assert_int_eq(e.status, 200);
	for (end = tu_now_ms() + 5000; tu_now_ms() < end;) {
		stream_poll(&n, 50);
		stream_poll(&e, 50);
	}
	ck_assert_msg(!n.closed && !e.closed, "an idle follower was dropped");
	/* about one every second for 5 s */
	ck_assert_msg(n.body.len >= 3 && strspn(n.body.buf, "\n") == n.body.len,
		      "NDJSON heartbeats: \"%s\"", n.body.buf);
	ck_assert_msg(strstr(e.body.buf, ": keep-alive\n\n: keep-alive\n\n: keep-alive\n\n"),
		      "SSE heartbeats: \"%s\"", e.body.buf);
	stream_close(&n);
	stream_close(&e);
}
END_TEST

/* SIGTERM with a follower waiting: the stream ends cleanly and the exporter exits 0, soon. */
START_TEST(test_shutdown_ends_streams)
{
	static const char *const args[] = { "--web.write-timeout=1s", NULL };	/* a heartbeat each 0.5 s */
	struct stream s;
	int status = -1;
	double ms = 0;
	char path[64];

	start(args);
	snprintf(path, sizeof(path), "/events?follow=1&since=%llu", (unsigned long long)last_seq());
	stream_open(&s, path, NULL, 0);
	ck_assert_int_eq(s.status, 200);
	/* a heartbeat comes only to a follower that was suspended, and it suspends again after it */
	ck_assert_msg(stream_wait(&s, "\n", 2000), "no heartbeat in 2 s: \"%s\"", s.body.buf);
	ck_assert_int_eq(tu_exporter_stop(&exporter, 5000, &status, &ms), 0);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status 0x%x", status);
	ck_assert_msg(ms < 2000, "took %.0f ms to stop", ms);
	while (!s.closed && stream_poll(&s, 500))
		;
	ck_assert_msg(s.ended, "the stream did not end with its last chunk");
	stream_close(&s);
}
END_TEST

/* The prog ids of a JSON array, in order, as "1,2,3". */
static void ids_of(const char *body, char *out, size_t len)
{
	size_t n = 0;

	out[0] = '\0';
	for (const char *p = body; (p = strstr(p, "\"prog_id\":")); ) {
		p += 10;
		n += (size_t)snprintf(out + n, len - n, "%s%lu", n ? "," : "", strtoul(p, NULL, 10));
	}
}

static char *get(const char *path, int want_status)
{
	struct tu_http_resp r;
	char *body;

	ck_assert_int_eq(tu_http(exporter.port, "GET", path, NULL, &r), 0);
	ck_assert_msg(r.status == want_status, "%s: %d, want %d: %s", path, r.status, want_status,
		      r.body);
	body = r.body;
	r.body = NULL;
	tu_http_free(&r);
	return body;
}

/* Each filter, order=desc, and bad values. */
START_TEST(test_filters_and_order)
{
	static const char *const args[] = { "--events.capacity=100000", NULL };
	char path[256], ids[256], want[256], comm[16];
	uint32_t a, b;
	uint64_t since;
	int fa, fb;
	char *body;
	double end = 0;

	start(args);
	since = last_seq();
	fa = load(&a);
	fb = load(&b);
	close(fa);	/* a: LOAD and UNLOAD; b: LOAD */
	snprintf(path, sizeof(path), "/events?since=%llu&prog_id=%u", (unsigned long long)since, a);
	for (end = tu_now_ms() + 5000;; usleep(50 * 1000)) {
		body = get(path, 200);
		ids_of(body, ids, sizeof(ids));
		snprintf(want, sizeof(want), "%u,%u", a, a);
		if (!strcmp(ids, want) || tu_now_ms() > end)
			break;
		free(body);
	}
	ck_assert_msg(!strcmp(ids, want), "prog_id=%u: %s", a, body);
	ck_assert_ptr_nonnull(strstr(body, "\"op\":\"LOAD\""));
	ck_assert_ptr_nonnull(strstr(body, "\"op\":\"UNLOAD\""));
	free(body);

	/* order=desc: newest first; op=LOAD: both loads */
	snprintf(path, sizeof(path), "/events?since=%llu&op=LOAD&order=desc&pid=%d",
		 (unsigned long long)since, (int)getpid());
	body = get(path, 200);
	ids_of(body, ids, sizeof(ids));
	/* newest first: b, a, then the program libbpf's feature probe may have loaded first */
	snprintf(want, sizeof(want), "%u,%u", b, a);
	ck_assert_msg(!strncmp(ids, want, strlen(want)) && strchr(",", ids[strlen(want)]),
		      "desc: %s, want %s first: %s", ids, want, body);
	free(body);
	snprintf(path, sizeof(path), "/events?since=%llu&op=LOAD&order=asc&limit=1",
		 (unsigned long long)since);
	body = get(path, 200);
	ids_of(body, ids, sizeof(ids));
	snprintf(want, sizeof(want), "%u", b);	/* the newest one, as a limit always takes */
	ck_assert_msg(!strcmp(ids, want), "limit=1: %s, want %s", ids, want);
	free(body);

	/* pid and comm: ours; another pid or comm: none */
	ck_assert_int_eq(prctl(PR_GET_NAME, comm), 0);
	snprintf(path, sizeof(path), "/events?since=%llu&op=LOAD&comm=%s&order=desc&limit=2",
		 (unsigned long long)since, comm);
	body = get(path, 200);
	ids_of(body, ids, sizeof(ids));
	snprintf(want, sizeof(want), "%u,%u", b, a);
	ck_assert_msg(!strcmp(ids, want), "comm=%s: %s, want %s", comm, ids, want);
	free(body);
	snprintf(path, sizeof(path), "/events?since=%llu&comm=no-such-comm", (unsigned long long)since);
	body = get(path, 200);
	ck_assert_str_eq(body, "[]\n");
	free(body);
	snprintf(path, sizeof(path), "/events?since=%llu&pid=%d", (unsigned long long)since,
		 (int)getpid() + 1000000);
	body = get(path, 200);
	ck_assert_str_eq(body, "[]\n");
	free(body);
	/* this test runs in no container: a container id matches none of its events */
	snprintf(path, sizeof(path), "/events?since=%llu&container_id=0123456789ab",
		 (unsigned long long)since);
	body = get(path, 200);
	ck_assert_str_eq(body, "[]\n");
	free(body);

	/* bad values: 400 with the reason */
	body = get("/events?pid=-1", 400);
	ck_assert_ptr_nonnull(strstr(body, "bad pid=\"-1\""));
	free(body);
	free(get("/events?prog_id=x", 400));
	free(get("/events?comm=", 400));
	free(get("/events?container_id=XYZ", 400));
	free(get("/events?order=up", 400));
	free(get("/events?follow=2", 400));
	free(get("/events?follow=1&order=desc", 400));
	close(fb);
}
END_TEST

/* The landing page: the state, and what the kernel says escaped (a comm with markup in it). */
START_TEST(test_landing_page)
{
	static const char *const args[] = { "--events.capacity=100000", NULL };
	struct tu_http_resp r;
	char *csp, needle[64];
	uint32_t id = 0;
	pid_t child;
	int status, pipefd[2];
	double end;

	start(args);
	ck_assert_int_eq(pipe(pipefd), 0);
	child = fork();
	ck_assert_int_ge(child, 0);
	if (child == 0) {
		int fd;

		prctl(PR_SET_NAME, "<i>&'\"x", 0, 0, 0);
		fd = tu_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "live_escape", "GPL", NULL, 0);
		if (fd >= 0) {
			struct bpf_prog_info info;

			memset(&info, 0, sizeof(info));
			tu_obj_info(fd, &info, sizeof(info));
			if (write(pipefd[1], &info.id, sizeof(info.id)) < 0)
				_exit(2);
		}
		_exit(fd < 0);
	}
	close(pipefd[1]);
	ck_assert_int_eq(read(pipefd[0], &id, sizeof(id)), sizeof(id));
	close(pipefd[0]);
	ck_assert_int_eq(waitpid(child, &status, 0), child);
	ck_assert_int_eq(status, 0);

	snprintf(needle, sizeof(needle), "<td>%u</td>", id);
	for (end = tu_now_ms() + 5000;; usleep(50 * 1000)) {
		ck_assert_int_eq(tu_http(exporter.port, "GET", "/", NULL, &r), 0);
		ck_assert_int_eq(r.status, 200);
		if (strstr(r.body, needle) || tu_now_ms() > end)
			break;
		tu_http_free(&r);
	}
	ck_assert_msg(strstr(r.body, needle), "no row of program %u: %s", id, r.body);
	ck_assert_ptr_nonnull(strstr(r.body, "<td>&lt;i&gt;&amp;&#39;&quot;x</td>"));
	ck_assert_ptr_null(strstr(r.body, "<i>&"));
	ck_assert_ptr_nonnull(strstr(r.body, "<tr><th>Audit listener</th><td><span id=\"listener\">up"));
	ck_assert_ptr_nonnull(strstr(r.body, "<tr><th>Kernel audit</th><td>enabled"));
	ck_assert_ptr_nonnull(strstr(r.body, "<tr><th>TLS</th><td>off"));
	ck_assert_ptr_nonnull(strstr(r.body, "<tr><th>Basic auth</th><td>off"));
	snprintf(needle, sizeof(needle), "<td>127.0.0.1:%d</td>", exporter.port);
	ck_assert_ptr_nonnull(strstr(r.body, needle));
	ck_assert_ptr_nonnull(strstr(r.body, "href=\"/metrics\""));
	ck_assert_ptr_nonnull(strstr(r.body, "<span id=\"programs\">"));
	csp = tu_http_header(&r, "Content-Security-Policy");
	ck_assert_ptr_nonnull(csp);
	ck_assert_ptr_nonnull(strstr(csp, "default-src 'none'"));
	ck_assert_ptr_nonnull(strstr(csp, "script-src 'sha256-"));
	ck_assert_ptr_nonnull(strstr(csp, "connect-src 'self'"));
	free(csp);
	tu_http_free(&r);
}
END_TEST

Suite *live_suite(void)
{
	Suite *s = suite_create("live");
	TCase *tc = tcase_create("live");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_follow_ndjson);
	tcase_add_test(tc, test_sse_resume);
	tcase_add_test(tc, test_slow_followers);
	tcase_add_test(tc, test_follower_bound);
	tcase_add_test(tc, test_follower_share);
	tcase_add_test(tc, test_heartbeats);
	tcase_add_test(tc, test_shutdown_ends_streams);
	tcase_add_test(tc, test_filters_and_order);
	tcase_add_test(tc, test_landing_page);
	suite_add_tcase(s, tc);
	return s;
}
