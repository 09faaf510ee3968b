// SPDX-License-Identifier: Apache-2.0
/*
 * check_http - the HTTP server in this process, on 127.0.0.1: the route
 * table (exact paths, 404, 405 with Allow), the per-request context a
 * handler gets (method, path, query values, headers, the client's
 * address), and the exporter's own table with a fake scrape and a small
 * event ring.  Needs no root.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "events.h"
#include "http.h"
#include "listen.h"
#include "log.h"
#include "suites.h"
#include "testutil.h"

static struct http_server *srv;
static int port;

/* A listening socket on a free 127.0.0.1 port; its port in *p. */
static int listen_free(int *p)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	char err[256] = "";
	int fd = -1;

	ck_assert_msg(listen_open("127.0.0.1:0", &fd, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	*p = ntohs(sin.sin_port);
	return fd;
}

/* Start a server on a free 127.0.0.1 port with cfg (listen_fds and limits set here). */
static void serve(struct http_config *cfg)
{
	static int fd;

	fd = listen_free(&port);
	cfg->listen_fds = &fd;
	cfg->nr_listen_fds = 1;
	cfg->max_connections = 16;
	cfg->timeout_s = 5;
	ck_assert_int_eq(http_start(&srv, cfg), 0);
}

static void teardown(void)
{
	http_stop(srv);
	srv = NULL;
}

static void get(const char *method, const char *path, const char *headers, int want,
		struct tu_http_resp *r)
{
	int ret = tu_http(port, method, path, headers, r);

	ck_assert_msg(ret == 0, "%s %s: %s", method, path, strerror(-ret));
	ck_assert_msg(r->status == want, "%s %s: status %d, want %d; body: %s", method, path,
		      r->status, want, r->body);
}

static void expect_header(const struct tu_http_resp *r, const char *name, const char *want)
{
	char *v = tu_http_header(r, name);

	ck_assert_msg(v && !strcmp(v, want), "%s is \"%s\", want \"%s\"", name, v ? v : "(missing)",
		      want);
	free(v);
}

/* ---- a table of our own ---- */

/* Echo what the handler was given, one field a line. */
static int echo(struct http_request *rq)
{
	struct buf b = BUF_INIT;
	const char *id = http_query(rq, "id"), *hdr = http_header(rq, "x-test");
	char addr[INET6_ADDRSTRLEN] = "?";

	if (rq->client && rq->client->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)rq->client)->sin_addr, addr,
			  sizeof(addr));
	buf_addf(&b, "method=%s\nurl=%s\nid=%s\nx-test=%s\nclient=%s\n", rq->method, rq->url,
		 id ? id : "(null)", hdr ? hdr : "(null)", addr);
	return http_reply(rq, 200, "text/plain", &b, NULL);
}

static const struct http_route echo_routes[] = {
	{ "/echo", HTTP_GET | HTTP_HEAD, echo },
	{ "/get-only", HTTP_GET, echo },
	{ NULL, 0, NULL },
};

static void serve_echo(void)
{
	struct http_config cfg = { .routes = echo_routes, .telemetry_path = "/echo" };

	serve(&cfg);
}

START_TEST(test_request_context)
{
	struct tu_http_resp r;

	serve_echo();
	get("GET", "/echo?id=a%20b&x=1", "X-Test: hello\r\n", 200, &r);
	ck_assert_str_eq(r.body, "method=GET\nurl=/echo\nid=a b\nx-test=hello\nclient=127.0.0.1\n");
	tu_http_free(&r);
	get("GET", "/echo?id", NULL, 200, &r);
	ck_assert_ptr_nonnull(strstr(r.body, "id=(null)\n"));
	ck_assert_ptr_nonnull(strstr(r.body, "x-test=(null)\n"));
	tu_http_free(&r);
	/* the path is decoded; the query is not part of it */
	get("GET", "/ech%6F?id=1", NULL, 200, &r);
	ck_assert_ptr_nonnull(strstr(r.body, "url=/echo\nid=1\n"));
	tu_http_free(&r);
}
END_TEST

START_TEST(test_routes)
{
	static const char *const missing[] = { "/", "/echo/", "/echox", "/ech", "//echo" };
	struct tu_http_resp r;

	serve_echo();
	for (size_t i = 0; i < sizeof(missing) / sizeof(missing[0]); i++) {
		get("GET", missing[i], NULL, 404, &r);
		ck_assert_str_eq(r.body, "not found; metrics are at /echo\n");
		tu_http_free(&r);
	}
	get("HEAD", "/echo", NULL, 200, &r);
	ck_assert_uint_eq(r.body_len, 0);
	tu_http_free(&r);

	/* a method the route does not allow: 405 naming those it does */
	get("POST", "/echo", "Content-Length: 0\r\n", 405, &r);
	expect_header(&r, "Allow", "GET, HEAD");
	ck_assert_str_eq(r.body, "method not allowed: use GET or HEAD\n");
	tu_http_free(&r);
	get("HEAD", "/get-only", NULL, 405, &r);
	expect_header(&r, "Allow", "GET");
	tu_http_free(&r);
	get("GET", "/get-only", NULL, 200, &r);
	tu_http_free(&r);
	/* and on no route at all: 405 before 404, as every path takes GET and HEAD */
	get("DELETE", "/nowhere", NULL, 405, &r);
	expect_header(&r, "Allow", "GET, HEAD");
	tu_http_free(&r);
}
END_TEST

/* ---- several listening sockets ---- */

/* Every socket is served by the same routes; stopping closes every one of them. */
START_TEST(test_several_sockets)
{
	struct http_config cfg = { .routes = echo_routes, .telemetry_path = "/echo",
				   .max_connections = 16, .timeout_s = 5 };
	int fds[3], ports[3];
	struct tu_http_resp r;

	for (int i = 0; i < 3; i++)
		fds[i] = listen_free(&ports[i]);
	cfg.listen_fds = fds;
	cfg.nr_listen_fds = 3;
	ck_assert_int_eq(http_start(&srv, &cfg), 0);
	for (int i = 0; i < 3; i++) {
		port = ports[i];
		get("GET", "/echo?id=x", NULL, 200, &r);
		ck_assert_str_eq(r.body, "method=GET\nurl=/echo\nid=x\nx-test=(null)\nclient=127.0.0.1\n");
		tu_http_free(&r);
		get("GET", "/nope", NULL, 404, &r);
		tu_http_free(&r);
	}
	http_stop(srv);
	srv = NULL;
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(fcntl(fds[i], F_GETFD), -1);	/* closed */
		ck_assert_int_lt(tu_connect(ports[i], 1000), 0);
	}
}
END_TEST

/* No socket, or more than the server takes: -EINVAL, and the fds are closed. */
START_TEST(test_socket_count)
{
	struct http_config cfg = { .routes = echo_routes, .max_connections = 16, .timeout_s = 5 };
	int fds[HTTP_MAX_LISTEN + 1], p;

	ck_assert_int_eq(http_start(&srv, &cfg), -EINVAL);
	ck_assert_ptr_null(srv);
	for (int i = 0; i <= HTTP_MAX_LISTEN; i++)
		fds[i] = listen_free(&p);
	cfg.listen_fds = fds;
	cfg.nr_listen_fds = HTTP_MAX_LISTEN + 1;
	ck_assert_int_eq(http_start(&srv, &cfg), -EINVAL);
	ck_assert_ptr_null(srv);
	for (int i = 0; i <= HTTP_MAX_LISTEN; i++)
		ck_assert_int_eq(fcntl(fds[i], F_GETFD), -1);
}
END_TEST

/* ---- a header libmicrohttpd refuses ---- */

static int bad_type(struct http_request *rq)
{
	struct buf b = BUF_INIT;

	buf_addstr(&b, "body\n");
	return http_reply(rq, 200, "text/plain\r\nX-Injected: 1", &b, NULL);
}

static int bad_extra_header(struct http_request *rq)
{
	static const char *const headers[] = { "Cache-Control", "no-store", "X Bad Name", "1", NULL };
	struct buf b = BUF_INIT;

	buf_addstr(&b, "body\n");
	return http_reply(rq, 200, "text/plain", &b, headers);
}

static const struct http_route bad_routes[] = {
	{ "/bad-type", HTTP_GET, bad_type },
	{ "/bad-header", HTTP_GET, bad_extra_header },
	{ "/echo", HTTP_GET, echo },
	{ NULL, 0, NULL },
};

/* An answer missing a header is never sent: 500 in text/plain instead. */
START_TEST(test_header_refused)
{
	static const char *const paths[] = { "/bad-type", "/bad-header" };
	struct http_config cfg = { .routes = bad_routes };
	struct tu_http_resp r;

	log_setup(LOG_ERROR, LOG_FMT_LOGFMT, 2);	/* the refusal is logged at warn */
	serve(&cfg);
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		get("GET", paths[i], NULL, 500, &r);
		expect_header(&r, "Content-Type", "text/plain; charset=utf-8");
		ck_assert_str_eq(r.body, "internal error: cannot build the response\n");
		ck_assert_ptr_null(tu_http_header(&r, "X-Injected"));
		tu_http_free(&r);
	}
	get("GET", "/echo", NULL, 200, &r);	/* and the server goes on */
	tu_http_free(&r);
}
END_TEST

/* ---- limits: every oversized request is answered, text/plain where we can ---- */

/* GET path with extra headers: answered within 2 s, status and body in *r. */
static void answered(const char *path, const char *headers, struct tu_http_resp *r)
{
	double t0 = tu_now_ms();
	int ret = tu_http(port, "GET", path, headers, r);

	ck_assert_msg(ret == 0, "a %zu-byte target, %zu bytes of headers: %s (no answer)", strlen(path),
		      headers ? strlen(headers) : 0, strerror(-ret));
	ck_assert_msg(tu_now_ms() - t0 < 2000, "a %zu-byte target: answered after %.0f ms", strlen(path),
		      tu_now_ms() - t0);
}

/* Our own refusal: status want, one text/plain line naming the limit. */
static void expect_refusal(const struct tu_http_resp *r, int want, const char *words)
{
	ck_assert_msg(r->status == want, "status %d, want %d: %.200s", r->status, want, r->body);
	expect_header(r, "Content-Type", "text/plain; charset=utf-8");
	ck_assert_msg(strstr(r->body, words) && strchr(r->body, '\n') == r->body + r->body_len - 1,
		      "not one line saying \"%s\": %.300s", words, r->body);
}

/* "/echo?" and params "aN=b" joined by '&', padded with x to len bytes if len. */
static char *query_of(size_t params, size_t len)
{
	struct buf b = BUF_INIT;

	buf_addstr(&b, "/echo?");
	for (size_t i = 0; i < params; i++)
		buf_addf(&b, "%sa%zu=b", i ? "&" : "", i);
	while (b.len < len)
		buf_addch(&b, 'x');
	ck_assert(!b.oom);
	return buf_detach(&b, NULL);
}

/* "X-Pad-N: xxx...\r\n" lines, of about line bytes each, bytes in all. */
static char *headers_of(size_t bytes, size_t line)
{
	struct buf b = BUF_INIT;

	for (size_t i = 0; b.len < bytes; i++) {
		size_t start = b.len;

		buf_addf(&b, "X-Pad-%zu: ", i);
		while (b.len - start + 2 < line && b.len + 2 < bytes)
			buf_addch(&b, 'y');
		buf_addstr(&b, "\r\n");
	}
	ck_assert(!b.oom);
	return buf_detach(&b, NULL);
}

/*
 * Targets and headers together, up to and past both limits: every request
 * is answered, by the handler within the limits and with our own one-line
 * 414 or 431 past them, never by libmicrohttpd's HTML or a silent close.
 */
START_TEST(test_target_and_headers)
{
	static const size_t targets[] = { 100, 4000, 6000, 8000, 8192 };
	static const size_t headers[] = { 0, 2000, 4000, 6000, 7900, 8500 };
	struct tu_http_resp r;

	serve_echo();
	for (size_t t = 0; t < sizeof(targets) / sizeof(targets[0]); t++) {
		for (size_t h = 0; h < sizeof(headers) / sizeof(headers[0]); h++) {
			char *path = query_of(64, targets[t]);
			char *hdrs = headers_of(headers[h], 200);

			answered(path, headers[h] ? hdrs : NULL, &r);
			if (headers[h] > 8000)
				expect_refusal(&r, 431, "at most 8192 bytes in 64 lines");
			else
				ck_assert_msg(r.status == 200, "%zu + %zu bytes: status %d: %.200s",
					      targets[t], headers[h], r.status, r.body);
			tu_http_free(&r);
			free(path);
			free(hdrs);
		}
	}
	/* many short lines within the bytes: refused by their count */
	{
		char *hdrs = headers_of(2000, 20);

		answered("/echo", hdrs, &r);
		expect_refusal(&r, 431, "in 64 lines");
		tu_http_free(&r);
		free(hdrs);
	}
}
END_TEST

START_TEST(test_many_params)
{
	static const size_t counts[] = { 65, 200, 400, 1000, 2000 };
	struct tu_http_resp r;
	char *path;

	serve_echo();
	path = query_of(64, 0);		/* the most served */
	answered(path, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	tu_http_free(&r);
	free(path);
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		path = query_of(counts[i], 0);
		answered(path, NULL, &r);
		expect_refusal(&r, 414, "at most 8192 bytes and 64 query parameters");
		tu_http_free(&r);
		free(path);
	}
	/* "a&a&a...": the cheapest parameters */
	{
		struct buf b = BUF_INIT;

		buf_addstr(&b, "/echo?a");
		for (int i = 0; i < 3000; i++)
			buf_addstr(&b, "&a");
		answered(b.buf, NULL, &r);
		expect_refusal(&r, 414, "query parameters");
		tu_http_free(&r);
		buf_release(&b);
	}
	get("GET", "/echo?id=after", NULL, 200, &r);
	ck_assert_ptr_nonnull(strstr(r.body, "id=after\n"));
	tu_http_free(&r);
}
END_TEST

START_TEST(test_long_target)
{
	static const size_t lens[] = { 8193, 9000, 12000, 15000 };
	struct tu_http_resp r;
	char *path;

	serve_echo();
	path = query_of(1, 8192);	/* the longest served */
	ck_assert_uint_eq(strlen(path), 8192);
	answered(path, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	tu_http_free(&r);
	free(path);
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		path = query_of(1, lens[i]);
		answered(path, NULL, &r);
		expect_refusal(&r, 414, "request target too long");
		tu_http_free(&r);
		path[5] = '/';		/* no query at all: a long path */
		answered(path, NULL, &r);
		expect_refusal(&r, 414, "request target too long");
		tu_http_free(&r);
		free(path);
	}
	/* Too long even to read: libmicrohttpd's own 414, but an answer. */
	path = query_of(1, 64000);
	answered(path, NULL, &r);
	ck_assert_int_eq(r.status, 414);
	tu_http_free(&r);
	free(path);
}
END_TEST

START_TEST(test_large_headers)
{
	static const size_t lens[] = { 8200, 12000, 15000 };
	struct tu_http_resp r;
	struct buf h = BUF_INIT;

	serve_echo();
	buf_addstr(&h, "X-Test: ");
	while (h.len < 8000)
		buf_addch(&h, 'h');
	buf_addstr(&h, "\r\n");
	answered("/echo", h.buf, &r);
	ck_assert_int_eq(r.status, 200);
	tu_http_free(&r);
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		buf_reset(&h);
		buf_addstr(&h, "X-Test: ");
		while (h.len < lens[i])
			buf_addch(&h, 'h');
		buf_addstr(&h, "\r\n");
		answered("/echo", h.buf, &r);
		expect_refusal(&r, 431, "request header fields too large: at most 8192 bytes");
		tu_http_free(&r);
	}
	/* many small ones */
	buf_reset(&h);
	for (int i = 0; i < 1500; i++)
		buf_addf(&h, "X-%d: y\r\n", i);
	answered("/echo", h.buf, &r);
	ck_assert_int_eq(r.status, 431);
	tu_http_free(&r);
	/* too large even to read: libmicrohttpd's own 431, but an answer */
	buf_reset(&h);
	buf_addstr(&h, "X-Test: ");
	while (h.len < 64000)
		buf_addch(&h, 'h');
	buf_addstr(&h, "\r\n");
	answered("/echo", h.buf, &r);
	ck_assert_int_eq(r.status, 431);
	tu_http_free(&r);
	buf_release(&h);
}
END_TEST

/*
 * Every size up to the last kilobyte of libmicrohttpd's 16 KiB pool gets
 * an answer.  (A request head that leaves the pool less room than a
 * response header needs, about 150 bytes, is closed unanswered: a limit of
 * libmicrohttpd 0.9.75, which keeps the head's bytes until the request
 * ends.  Past the pool it answers 414 or 431 itself.)
 */
START_TEST(test_sizes_sweep)
{
	struct tu_http_resp r;

	serve_echo();
	for (size_t len = 500; len <= 15000; len += 500) {
		char *path = query_of(len / 16, len);

		answered(path, NULL, &r);
		ck_assert_msg(r.status == 200 || r.status == 414, "%zu bytes: status %d", len, r.status);
		tu_http_free(&r);
		path[5] = '/';		/* a long path instead: not found, or too long */
		answered(path, NULL, &r);
		ck_assert_msg(r.status == 404 || r.status == 414, "%zu bytes: status %d", len, r.status);
		tu_http_free(&r);
		free(path);
	}
}
END_TEST

/* ---- the exporter's own table ---- */

static int scrapes;

static int fake_scrape(void *ctx, struct buf *out, enum om_format fmt,
		       const char *const *collect, size_t nr_collect, char *err, size_t errlen)
{
	(void)ctx;
	if (nr_collect) {	/* echo them; "bad" is refused */
		for (size_t i = 0; i < nr_collect; i++) {
			if (!strcmp(collect[i], "bad")) {
				snprintf(err, errlen, "bad collect[]=\"bad\"");
				return -EINVAL;
			}
			buf_addf(out, "collect %s\n", collect[i]);
		}
		return 0;
	}
	if (++scrapes == 2) {
		snprintf(err, errlen, "listing BPF programs: permission denied");
		return -EPERM;
	}
	buf_addstr(out, fmt == OM_FMT_OPENMETRICS ? "up 1\n# EOF\n" : "up 1\n");
	return 0;
}

static struct ev_ring ring;
static struct http_stats stats;

static void serve_exporter(bool with_events)
{
	struct http_config cfg = {
		.telemetry_path = "/m",
		.scrape = fake_scrape,
		.events = with_events ? &ring : NULL,
		.stats = &stats,
	};

	if (with_events) {
		struct ev_event e;

		ck_assert_int_eq(ev_ring_init(&ring, 4), 0);
		for (uint32_t i = 1; i <= 3; i++) {
			memset(&e, 0, sizeof(e));
			e.prog_id = i;
			e.op = i == 2 ? EV_UNLOAD : EV_LOAD;
			ev_push(&ring, &e);
		}
	}
	serve(&cfg);
}

START_TEST(test_exporter_routes)
{
	struct tu_http_resp r;

	log_setup(LOG_ERROR, LOG_FMT_LOGFMT, 2);	/* the failed scrape is logged at warn */
	serve_exporter(true);
	get("GET", "/m", NULL, 200, &r);
	expect_header(&r, "Content-Type", "application/openmetrics-text; version=1.0.0; charset=utf-8");
	expect_header(&r, "Cache-Control", "no-store");
	ck_assert_str_eq(r.body, "up 1\n# EOF\n");
	tu_http_free(&r);
	get("GET", "/m", NULL, 500, &r);	/* the second scrape fails */
	expect_header(&r, "Content-Type", "text/plain; charset=utf-8");
	ck_assert_str_eq(r.body, "scrape failed: listing BPF programs: permission denied\n");
	tu_http_free(&r);

	get("GET", "/", NULL, 200, &r);
	ck_assert_ptr_nonnull(strstr(r.body, "<a href=\"/m\">"));
	ck_assert_ptr_nonnull(strstr(r.body, "<a href=\"/events\">"));
	tu_http_free(&r);

	get("GET", "/events?op=load&limit=1", NULL, 200, &r);
	expect_header(&r, "Content-Type", "application/json");
	ck_assert_ptr_nonnull(strstr(r.body, "\"prog_id\":3,"));
	ck_assert_ptr_null(strstr(r.body, "\"prog_id\":1,"));
	tu_http_free(&r);
	get("GET", "/events?since=x", NULL, 400, &r);
	ck_assert_str_eq(r.body, "bad since=\"x\": expected a sequence number (0 or more)\n");
	tu_http_free(&r);
	/* a bad value is echoed escaped: valid UTF-8, one line */
	get("GET", "/events?op=%FF", NULL, 400, &r);
	ck_assert_str_eq(r.body, "bad op=\"\\ufffd\": expected LOAD or UNLOAD\n");
	tu_http_free(&r);
	get("GET", "/events?op=L%0AO", NULL, 400, &r);
	ck_assert_str_eq(r.body, "bad op=\"L\\nO\": expected LOAD or UNLOAD\n");
	tu_http_free(&r);
	get("GET", "/metrics", NULL, 404, &r);
	ck_assert_str_eq(r.body, "not found; metrics are at /m\n");
	tu_http_free(&r);
	ev_ring_release(&ring);
}
END_TEST

/* Every answer is counted by the route's handler label and its status; 0 in flight after. */
START_TEST(test_exporter_counts)
{
	static const struct {
		const char *method, *path;
		int status;
	} reqs[] = {
		{ "GET", "/m", 200 }, { "GET", "/m", 500 }, { "HEAD", "/m", 200 }, { "GET", "/m", 200 },
		{ "POST", "/m", 405 }, { "GET", "/", 200 }, { "GET", "/?x=1", 200 },
		{ "GET", "/events", 200 }, { "GET", "/events?limit=x", 400 },
		{ "GET", "/nope", 404 }, { "GET", "/metrics", 404 }, { "DELETE", "/nope", 405 },
	};
	struct tu_http_resp r;

	log_setup(LOG_ERROR, LOG_FMT_LOGFMT, 2);
	memset(&stats, 0, sizeof(stats));
	scrapes = 0;
	serve_exporter(true);
	for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		get(reqs[i].method, reqs[i].path, reqs[i].method[0] == 'P' ? "Content-Length: 0\r\n" : NULL,
		    reqs[i].status, &r);
		tu_http_free(&r);
	}
	ck_assert_uint_eq(hstats_requests(&stats, HSTATS_METRICS, 200), 3);
	ck_assert_uint_eq(hstats_requests(&stats, HSTATS_METRICS, 500), 1);
	ck_assert_uint_eq(hstats_requests(&stats, HSTATS_METRICS, 405), 1);
	ck_assert_uint_eq(hstats_requests(&stats, HSTATS_LANDING, 200), 2);
	ck_assert_uint_eq(hstats_requests(&stats, HSTATS_EVENTS, 200), 1);
	ck_assert_uint_eq(hstats_requests(&stats, HSTATS_EVENTS, 400), 1);
	ck_assert_uint_eq(hstats_requests(&stats, HSTATS_OTHER, 404), 2);
	ck_assert_uint_eq(hstats_requests(&stats, HSTATS_OTHER, 405), 1);
	ck_assert_uint_eq(hstats_requests(&stats, HSTATS_OTHER, 200), 0);
	ck_assert_int_eq(hstats_in_flight(&stats), 0);
	ev_ring_release(&ring);
}
END_TEST

/* Every collect[] value reaches the scrape, in order; -EINVAL from it answers 400. */
START_TEST(test_exporter_collect)
{
	struct tu_http_resp r;

	scrapes = 0;
	memset(&stats, 0, sizeof(stats));
	serve_exporter(false);
	get("GET", "/m?collect[]=core&x=1&collect%5B%5D=a%20b&collect[]&collect[]=core", NULL, 200, &r);
	ck_assert_str_eq(r.body, "collect core\ncollect a b\ncollect \ncollect core\n");
	tu_http_free(&r);
	get("GET", "/m?collect=core", NULL, 200, &r);	/* not collect[]: no selection */
	ck_assert_str_eq(r.body, "up 1\n# EOF\n");
	tu_http_free(&r);
	get("GET", "/m?collect[]=core&collect[]=bad", NULL, 400, &r);
	expect_header(&r, "Content-Type", "text/plain; charset=utf-8");
	ck_assert_str_eq(r.body, "bad collect[]=\"bad\"\n");
	tu_http_free(&r);
	ck_assert_uint_eq(hstats_requests(&stats, HSTATS_METRICS, 400), 1);
	ck_assert_uint_eq(hstats_requests(&stats, HSTATS_METRICS, 500), 0);
}
END_TEST

static struct http_stats echo_stats;

/* In flight while the handler runs: itself. */
static int in_flight(struct http_request *rq)
{
	return http_reply_text(rq, 200, NULL, "%lld", (long long)hstats_in_flight(&echo_stats));
}

static const struct http_route flight_routes[] = {
	{ "/flight", HTTP_GET, in_flight, HSTATS_LANDING },
	{ NULL, 0, NULL, HSTATS_OTHER },
};

START_TEST(test_in_flight)
{
	struct http_config cfg = { .routes = flight_routes, .stats = &echo_stats };
	struct tu_http_resp r;

	memset(&echo_stats, 0, sizeof(echo_stats));
	serve(&cfg);
	get("GET", "/flight", NULL, 200, &r);
	ck_assert_str_eq(r.body, "1\n");
	tu_http_free(&r);
	ck_assert_int_eq(hstats_in_flight(&echo_stats), 0);
	ck_assert_uint_eq(hstats_requests(&echo_stats, HSTATS_LANDING, 200), 1);
}
END_TEST

START_TEST(test_exporter_no_events)
{
	struct tu_http_resp r;

	serve_exporter(false);
	get("GET", "/events", NULL, 404, &r);
	ck_assert_ptr_nonnull(strstr(r.body, "BPF events are off"));
	tu_http_free(&r);
	get("GET", "/", NULL, 200, &r);
	ck_assert_ptr_null(strstr(r.body, "/events"));
	tu_http_free(&r);
}
END_TEST

Suite *http_suite(void)
{
	Suite *s = suite_create("http");
	TCase *tc;

	tc = tcase_create("routing");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_request_context);
	tcase_add_test(tc, test_routes);
	tcase_add_test(tc, test_header_refused);
	tcase_add_test(tc, test_exporter_routes);
	tcase_add_test(tc, test_exporter_no_events);
	tcase_add_test(tc, test_exporter_counts);
	tcase_add_test(tc, test_in_flight);
	tcase_add_test(tc, test_exporter_collect);
	tcase_add_test(tc, test_several_sockets);
	tcase_add_test(tc, test_socket_count);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_many_params);
	tcase_add_test(tc, test_long_target);
	tcase_add_test(tc, test_large_headers);
	tcase_add_test(tc, test_sizes_sweep);
	tcase_add_test(tc, test_target_and_headers);
	suite_add_tcase(s, tc);
	return s;
}
