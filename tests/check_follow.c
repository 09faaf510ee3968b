// SPDX-License-Identifier: Apache-2.0
/*
 * check_follow - the framing of /events?follow=1: an event as one NDJSON
 * line or one Server-Sent Event with its seq as id, the missed line, the
 * heartbeat; a multi-line value never breaks a frame.  And the hub with
 * the server in-process on loopback, a writer thread pushing while a
 * follower reads and another waits (threads: run under ThreadSanitizer by
 * make check-tsan).  The binary's streams are tested in check_live.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/socket.h>

#include "audit/ev_json.h"
#include "http/follow.h"
#include "http/handlers.h"
#include "http/http.h"
#include "http/listen.h"
#include "loadgen.h"
#include "routes.h"
#include "suites.h"
#include "testutil.h"

static void sample(struct ev_event *e)
{
	memset(e, 0, sizeof(*e));
	e->seq = 42;
	e->prog_id = 7;
	e->op = EV_LOAD;
	e->time_ms = 1795582365863LL;
	e->proc.comm = strdup("a\nb\r\n");	/* line breaks must not end the frame */
	e->proc.cmdline = strdup("x\xe2\x80\xa8y");	/* U+2028: a break for some readers */
}

START_TEST(test_ndjson)
{
	struct ev_event e;
	struct buf b = BUF_INIT, json = BUF_INIT;

	sample(&e);
	ev_json_event(&e, &json);
	follow_frame_event(&b, false, &e);
	ck_assert_uint_eq(b.len, json.len + 1);
	ck_assert(!memcmp(b.buf, json.buf, json.len));
	ck_assert_int_eq(b.buf[b.len - 1], '\n');
	ck_assert_ptr_eq(strchr(b.buf, '\n'), b.buf + b.len - 1);	/* one line */
	ck_assert_ptr_null(strchr(b.buf, '\r'));
	ck_assert_ptr_null(strstr(b.buf, "\xe2\x80\xa8"));

	buf_reset(&b);
	follow_frame_missed(&b, false, 12345);
	ck_assert_str_eq(b.buf, "{\"missed\":12345}\n");
	buf_reset(&b);
	follow_frame_heartbeat(&b, false);
	ck_assert_str_eq(b.buf, "\n");
	ev_event_release(&e);
	buf_release(&b);
	buf_release(&json);
}
END_TEST

START_TEST(test_sse)
{
	struct ev_event e;
	struct buf b = BUF_INIT, json = BUF_INIT, want = BUF_INIT;

	sample(&e);
	ev_json_event(&e, &json);
	buf_addf(&want, "id: 42\ndata: %s\n\n", json.buf);
	follow_frame_event(&b, true, &e);
	ck_assert_str_eq(b.buf, want.buf);
	/* one event: the only blank line is its end, and no CR (a line end in SSE) */
	ck_assert_ptr_eq(strstr(b.buf, "\n\n"), b.buf + b.len - 2);
	ck_assert_ptr_null(strchr(b.buf, '\r'));

	buf_reset(&b);
	follow_frame_missed(&b, true, 3);
	ck_assert_str_eq(b.buf, "event: missed\ndata: {\"missed\":3}\n\n");
	buf_reset(&b);
	follow_frame_heartbeat(&b, true);
	ck_assert_str_eq(b.buf, ": keep-alive\n\n");	/* a comment: no event fires */
	ev_event_release(&e);
	buf_release(&b);
	buf_release(&json);
	buf_release(&want);
}
END_TEST

#define PUSHES 500

static void *writer(void *arg)
{
	struct ev_ring *ring = arg;

	for (uint32_t i = 1; i <= PUSHES; i++) {
		struct ev_event e;

		memset(&e, 0, sizeof(e));
		e.prog_id = i;
		e.proc.comm = strdup("writer");
		ev_push(ring, &e);
		if (i % 50 == 0)
			usleep(2000);	/* some in bursts, some one by one */
	}
	return NULL;
}

/* GET path on a new connection; returns the fd, the head read (status in *status). */
static int open_follow(int port, const char *src, const char *path, int *status, char *head_out,
		       size_t head_len)
{
	char req[256], head[4096];
	size_t n = 0;
	int fd = lg_connect(src, port, 0, 5000);

	ck_assert_int_ge(fd, 0);
	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path);
	ck_assert_int_eq(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	while (n < sizeof(head) - 1 && (n < 4 || memcmp(head + n - 4, "\r\n\r\n", 4))) {
		ck_assert_int_eq(read(fd, head + n, 1), 1);
		n++;
	}
	head[n] = '\0';
	ck_assert_int_eq(sscanf(head, "HTTP/1.1 %d", status), 1);
	if (head_out)
		snprintf(head_out, head_len, "%s", head);
	return fd;
}

/*
 * Every event pushed reaches a follower, in order, none missed; a follower
 * past the bound is 503; follow_stop ends each stream with its last chunk.
 */
START_TEST(test_hub_in_process)
{
	struct ev_ring ring;
	struct follow_hub *hub;
	struct http_server *srv;
	struct http_config cfg;
	struct http_route routes[ROUTES_MAX];
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	struct buf raw = BUF_INIT;
	pthread_t w;
	char err[256], b[65536];
	size_t body_len, lines = 0;
	int lfd, port, fd, fd2, fd3, status;
	double end;

	ck_assert_int_eq(ev_ring_init(&ring, 1024), 0);
	ck_assert_int_eq(follow_start(&hub, &ring, 2, 5000), 0);
	ck_assert_msg(listen_open("127.0.0.1:0", &lfd, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(getsockname(lfd, (struct sockaddr *)&sin, &len), 0);
	port = ntohs(sin.sin_port);
	memset(&cfg, 0, sizeof(cfg));
	cfg.listen_fds = &lfd;
	cfg.nr_listen_fds = 1;
	cfg.telemetry_path = "/metrics";
	cfg.max_connections = 16;
	cfg.max_requests = 4;
	cfg.read_timeout_ms = cfg.write_timeout_ms = 5000;
	cfg.events = &ring;
	cfg.followers = hub;
	routes_init(routes, cfg.telemetry_path);
	cfg.routes = routes;
	ck_assert_int_eq(http_start(&srv, &cfg), 0);

	/* each from an address of its own: one address may hold a quarter of 2, that is 1 */
	fd = open_follow(port, "127.0.0.1", "/events?follow=1", &status, NULL, 0);
	ck_assert_int_eq(status, 200);
	fd2 = open_follow(port, "127.0.0.2", "/events?follow=1&prog_id=0", &status, NULL, 0);	/* waits, suspended */
	ck_assert_int_eq(status, 200);
	fd3 = open_follow(port, "127.0.0.3", "/events?follow=1", &status, NULL, 0);
	ck_assert_int_eq(status, 503);
	close(fd3);
	ck_assert_uint_eq(follow_count(hub), 2);

	ck_assert_int_eq(pthread_create(&w, NULL, writer, &ring), 0);
	end = tu_now_ms() + 5000;
	while (tu_now_ms() < end) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		char want[32];
		ssize_t n;

		if (poll(&p, 1, 50) > 0 && (n = read(fd, b, sizeof(b))) > 0)
			buf_add(&raw, b, (size_t)n);
		snprintf(want, sizeof(want), "\"prog_id\":%d,", PUSHES);
		if (strstr(raw.buf, want))
			break;
	}
	ck_assert_int_eq(pthread_join(w, NULL), 0);
	follow_stop(hub);	/* every stream ends: both followers, the suspended one too */
	for (end = tu_now_ms() + 3000; tu_now_ms() < end;) {
		ssize_t n = read(fd, b, sizeof(b));

		if (n <= 0)
			break;
		buf_add(&raw, b, (size_t)n);
		if (raw.len >= 5 && !memcmp(raw.buf + raw.len - 5, "0\r\n\r\n", 5))
			break;
	}
	ck_assert_msg(raw.len >= 5 && !memcmp(raw.buf + raw.len - 5, "0\r\n\r\n", 5),
		      "the stream did not end with its last chunk");
	ck_assert_int_eq(tu_dechunk(raw.buf, raw.len, &body_len), 0);
	raw.buf[body_len] = '\0';
	for (char *line = raw.buf, *nl; (nl = strchr(line, '\n')); line = nl + 1) {
		char want[64];

		if (nl == line)
			continue;	/* a heartbeat */
		lines++;
		snprintf(want, sizeof(want), "{\"seq\":%zu,", lines);
		ck_assert_msg(!strncmp(line, want, strlen(want)), "line %zu: %.80s", lines, line);
	}
	ck_assert_uint_eq(lines, PUSHES);
	ck_assert_ptr_null(strstr(raw.buf, "missed"));
	ck_assert_int_eq(read(fd2, b, sizeof(b)) > 0, 1);	/* its end came too */
	close(fd);
	close(fd2);
	http_stop(srv);
	ck_assert_uint_eq(follow_count(hub), 0);
	follow_free(hub);
	ev_ring_release(&ring);
	buf_release(&raw);
}
END_TEST

/* An in-process server of ring (and hub, may be NULL) on 127.0.0.1; its port. */
static int serve(struct http_server **srv, struct http_config *cfg, struct http_route *routes,
		 struct ev_ring *ring, struct follow_hub *hub)
{
	static int lfd;
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	char err[256];

	ck_assert_msg(listen_open("127.0.0.1:0", &lfd, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(getsockname(lfd, (struct sockaddr *)&sin, &len), 0);
	memset(cfg, 0, sizeof(*cfg));
	cfg->listen_fds = &lfd;
	cfg->nr_listen_fds = 1;
	cfg->telemetry_path = "/metrics";
	cfg->max_connections = 16;
	cfg->max_requests = 4;
	cfg->read_timeout_ms = cfg->write_timeout_ms = 5000;
	cfg->events = ring;
	cfg->followers = hub;
	routes_init(routes, cfg->telemetry_path);
	cfg->routes = routes;
	ck_assert_int_eq(http_start(srv, cfg), 0);
	return ntohs(sin.sin_port);
}

/* The body of a one-shot answer on fd (after its head), at most 2 s. */
static void read_rest(int fd, char *out, size_t len)
{
	size_t n = 0;
	double end = tu_now_ms() + 2000;

	while (n < len - 1 && tu_now_ms() < end) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t r;

		if (poll(&p, 1, 100) <= 0)
			continue;
		r = read(fd, out + n, len - 1 - n);
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	out[n] = '\0';
}

/*
 * One client address holds at most a quarter of the followers (8: 2):
 * its third is 503 while another address still follows, and a follower
 * that leaves gives its address room again.
 */
START_TEST(test_share_per_address)
{
	struct ev_ring ring;
	struct follow_hub *hub;
	struct http_server *srv;
	struct http_config cfg;
	struct http_route routes[ROUTES_MAX];
	char head[4096], body[1024];
	int port, fd[5], status;

	ck_assert_int_eq(ev_ring_init(&ring, 64), 0);
	ck_assert_int_eq(follow_start(&hub, &ring, 8, 5000), 0);
	ck_assert_uint_eq(follow_share(hub), 2);
	port = serve(&srv, &cfg, routes, &ring, hub);

	fd[0] = open_follow(port, "127.0.0.5", "/events?follow=1", &status, NULL, 0);
	ck_assert_int_eq(status, 200);
	fd[1] = open_follow(port, "127.0.0.5", "/events?follow=1", &status, NULL, 0);
	ck_assert_int_eq(status, 200);
	fd[2] = open_follow(port, "127.0.0.5", "/events?follow=1", &status, head, sizeof(head));
	ck_assert_int_eq(status, 503);
	ck_assert_ptr_nonnull(strstr(head, "Retry-After: 5\r\n"));
	read_rest(fd[2], body, sizeof(body));
	ck_assert_msg(strstr(body, "too many followers of /events from your address: at most 2 at once"),
		      "%s", body);
	close(fd[2]);
	fd[3] = open_follow(port, "127.0.0.6", "/events?follow=1", &status, NULL, 0);
	ck_assert_msg(status == 200, "another address is refused while one holds its share: %d", status);
	ck_assert_uint_eq(follow_count(hub), 3);

	/* one of the first address's leaves: it may follow again, once the hub has seen it go */
	close(fd[0]);
	for (double end = tu_now_ms() + 3000; follow_count(hub) > 2 && tu_now_ms() < end;)
		usleep(10 * 1000);
	ck_assert_uint_eq(follow_count(hub), 2);
	fd[4] = open_follow(port, "127.0.0.5", "/events?follow=1", &status, NULL, 0);
	ck_assert_int_eq(status, 200);

	follow_stop(hub);
	close(fd[1]);
	close(fd[3]);
	close(fd[4]);
	http_stop(srv);
	ck_assert_uint_eq(follow_count(hub), 0);
	follow_free(hub);
	ev_ring_release(&ring);
}
END_TEST

/*
 * /events: a query that can match few events is answered at once; a large
 * one is rendered on the worker thread and answered alike -- the same
 * events, in order, whole.
 */
START_TEST(test_events_large_render)
{
	struct ev_ring ring;
	struct http_server *srv;
	struct http_config cfg;
	struct http_route routes[ROUTES_MAX];
	struct tu_http_resp r;
	int port;

	ck_assert_int_eq(ev_ring_init(&ring, 4096), 0);
	for (uint32_t i = 1; i <= 3000; i++) {
		struct ev_event e;

		memset(&e, 0, sizeof(e));
		e.prog_id = i;
		e.proc.comm = strdup("render");
		ev_push(&ring, &e);
	}
	port = serve(&srv, &cfg, routes, &ring, NULL);
	/* 5 events: inline */
	ck_assert_int_eq(tu_http(port, "GET", "/events?limit=5", NULL, &r), 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_msg(strstr(r.body, "\"seq\":2996,") && strstr(r.body, "\"seq\":3000,") &&
		      !strstr(r.body, "\"seq\":2995,"), "limit=5: %.200s", r.body);
	tu_http_free(&r);
	/* 3000 events (≈ 1 MiB): on the worker, then a slot, then the answer */
	for (int round = 0; round < 3; round++) {
		ck_assert_int_eq(tu_http(port, "GET", round == 2 ? "/events?order=desc" : "/events", NULL, &r), 0);
		ck_assert_int_eq(r.status, 200);
		ck_assert_msg(r.body_len > H_EVENTS_SMALL_BYTES, "only %zu bytes", r.body_len);
		ck_assert_msg(strstr(r.body, "\"seq\":1,") && strstr(r.body, "\"seq\":3000,"),
			      "not every event: %.200s", r.body);
		ck_assert_msg(round == 2 ? strstr(r.body, "\"seq\":3000,") < strstr(r.body, "\"seq\":1,") :
			      strstr(r.body, "\"seq\":1,") < strstr(r.body, "\"seq\":3000,"), "out of order");
		ck_assert_int_eq(r.body[r.body_len - 2], ']');
		tu_http_free(&r);
	}
	http_stop(srv);
	ev_ring_release(&ring);
}
END_TEST

Suite *follow_suite(void)
{
	Suite *s = suite_create("follow");
	TCase *tc = tcase_create("framing");

	tcase_add_test(tc, test_ndjson);
	tcase_add_test(tc, test_sse);
	suite_add_tcase(s, tc);
	tc = tcase_create("hub");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_hub_in_process);
	tcase_add_test(tc, test_share_per_address);
	tcase_add_test(tc, test_events_large_render);
	suite_add_tcase(s, tc);
	return s;
}
