// SPDX-License-Identifier: Apache-2.0
/*
 * check_http - the HTTP server in this process, on 127.0.0.1: the route
 * table (exact paths, 404, 405 with Allow), the per-request context a
 * handler gets (method, path, query values, headers, the client's
 * address), and the exporter's own table with a fake scrape and a small
 * event ring; the limits a client meets: scrape slots (503 at once, a
 * quarter per address), scrapes coalesced while a snapshot is taken,
 * cheap endpoints answered while scrapes wait, the read and the write
 * deadlines, the kernel send buffer cap.  Needs no root.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "audit/ev.h"
#include "http/follow.h"
#include "http/http.h"
#include "http/listen.h"
#include "loadgen.h"
#include "lib/log.h"
#include "http/scraper.h"
#include "routes.h"
#include "suites.h"
#include "testutil.h"

static struct http_server *srv;
static struct scraper *scraper;
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

/*
 * Start a server on a free 127.0.0.1 port with cfg (listen_fds and limits set
 * here; without routes, the exporter's own table).
 */
static void serve(struct http_config *cfg)
{
	static struct http_route exporter_routes[ROUTES_MAX];
	static int fd;

	if (!cfg->routes) {
		routes_init(exporter_routes, cfg->telemetry_path);
		cfg->routes = exporter_routes;
	}
	fd = listen_free(&port);
	cfg->listen_fds = &fd;
	cfg->nr_listen_fds = 1;
	if (!cfg->max_connections)
		cfg->max_connections = 16;
	if (!cfg->read_timeout_ms)
		cfg->read_timeout_ms = 5000;
	if (!cfg->write_timeout_ms)
		cfg->write_timeout_ms = 5000;
	ck_assert_int_eq(http_start(&srv, cfg), 0);
}

static void teardown(void)
{
	scraper_stop(scraper);	/* as main does: nothing left suspended */
	http_stop(srv);
	scraper_free(scraper);
	srv = NULL;
	scraper = NULL;
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
/*
 * A path with an encoded NUL is refused (issue 16): libmicrohttpd decodes
 * it and the path a route is looked up by ends at the NUL, so
 * "/events%00anything" was served as /events.  A "%00" in the query is
 * the query's business; "%2500" decodes to "%00", no NUL.
 */
START_TEST(test_nul_in_path)
{
	static const char *const refused[] = {
		"/echo%00anything", "/echo%00", "/ech%00o", "/%00", "/echo%00?id=1",
	};
	struct tu_http_resp r;

	serve_echo();
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		get("GET", refused[i], NULL, 400, &r);
		ck_assert_str_eq(r.body, "bad request: the path holds an encoded NUL (%00)\n");
		tu_http_free(&r);
	}
	get("GET", "/echo?id=a%00b", NULL, 200, &r);
	tu_http_free(&r);
	get("GET", "/echo%2500", NULL, 404, &r);
	tu_http_free(&r);
	get("GET", "/echo", NULL, 200, &r);	/* and the connection's next requests are served */
	tu_http_free(&r);
}
END_TEST

START_TEST(test_several_sockets)
{
	struct http_config cfg = { .routes = echo_routes, .telemetry_path = "/echo",
				   .max_connections = 16, .read_timeout_ms = 5000,
				   .write_timeout_ms = 5000 };
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
	struct http_config cfg = { .routes = echo_routes, .max_connections = 16, .read_timeout_ms = 5000,
				   .write_timeout_ms = 5000 };
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

/*
 * A fake collector for the scraper: counts snapshots, renders and scrapes;
 * the second snapshot fails; while gate_closed a snapshot waits (at most
 * 10 s) until it opens; body_bytes > 0 renders that many bytes.
 */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool gate_closed;
	int snapshots, renders;
	unsigned int scrapes, errors;
	size_t body_bytes;
	bool fail_second;
} fake = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER };

static int fake_snapshot(void *ctx, void **snap, char *err, size_t errlen)
{
	double deadline = tu_now_ms() + 10000;
	int n;

	(void)ctx;
	*snap = NULL;
	pthread_mutex_lock(&fake.lock);
	n = ++fake.snapshots;
	pthread_cond_broadcast(&fake.cond);
	while (fake.gate_closed && tu_now_ms() < deadline) {
		pthread_mutex_unlock(&fake.lock);
		usleep(1000);
		pthread_mutex_lock(&fake.lock);
	}
	pthread_mutex_unlock(&fake.lock);
	if (fake.fail_second && n == 2) {
		snprintf(err, errlen, "listing BPF programs: permission denied");
		return -EPERM;
	}
	return 0;
}

static void fake_count(void *ctx, unsigned int scrapes, unsigned int errors)
{
	(void)ctx;
	pthread_mutex_lock(&fake.lock);
	fake.scrapes += scrapes;
	fake.errors += errors;
	pthread_mutex_unlock(&fake.lock);
}

static int fake_render(void *ctx, void *snap, enum om_format fmt, unsigned int select,
		       struct buf *out, char *err, size_t errlen)
{
	(void)ctx;
	(void)snap;
	(void)err;
	(void)errlen;
	pthread_mutex_lock(&fake.lock);
	fake.renders++;
	pthread_mutex_unlock(&fake.lock);
	if (select) {	/* a collect[] selection: fake_select's count of values */
		buf_addf(out, "select %u\n", select);
		return 0;
	}
	if (fake.body_bytes) {
		buf_grow(out, fake.body_bytes);
		while (out->len < fake.body_bytes && !out->oom)
			buf_addstr(out, "# filler filler filler filler filler filler filler filler\n");
		return 0;
	}
	buf_addstr(out, fmt == OM_FMT_OPENMETRICS ? "up 1\n# EOF\n" : "up 1\n");
	return 0;
}

static void fake_release(void *ctx, void *snap)
{
	(void)ctx;
	(void)snap;
}

/* collect[]: "bad" is refused; otherwise the selection is how many values came, plus 100. */
static int fake_select(void *ctx, const char *const *names, size_t nr, unsigned int *select,
		       struct buf *why)
{
	(void)ctx;
	for (size_t i = 0; i < nr; i++) {
		if (!strcmp(names[i], "bad")) {
			buf_addf(why, "bad collect[]=\"%s\"", names[i]);
			return -EINVAL;
		}
	}
	*select = 100 + (unsigned int)nr;
	return 0;
}

static const struct scraper_ops fake_ops = {
	.snapshot = fake_snapshot,
	.count = fake_count,
	.render = fake_render,
	.release = fake_release,
	.select = fake_select,
};

static void fake_reset(void)
{
	pthread_mutex_lock(&fake.lock);
	fake.gate_closed = false;
	fake.snapshots = fake.renders = 0;
	fake.scrapes = fake.errors = 0;
	fake.body_bytes = 0;
	fake.fail_second = false;
	pthread_mutex_unlock(&fake.lock);
	ck_assert_int_eq(scraper_start(&scraper, &fake_ops, NULL), 0);
}

static void gate(bool closed)
{
	pthread_mutex_lock(&fake.lock);
	fake.gate_closed = closed;
	pthread_mutex_unlock(&fake.lock);
}

/* Wait (at most 5 s) until n snapshots have begun. */
static void wait_snapshots(int n)
{
	double deadline = tu_now_ms() + 5000;

	pthread_mutex_lock(&fake.lock);
	while (fake.snapshots < n && tu_now_ms() < deadline) {
		pthread_mutex_unlock(&fake.lock);
		usleep(1000);
		pthread_mutex_lock(&fake.lock);
	}
	ck_assert_msg(fake.snapshots >= n, "%d snapshots began, want %d", fake.snapshots, n);
	pthread_mutex_unlock(&fake.lock);
}

static struct ev_ring ring;
static struct http_stats stats;

static void serve_exporter(bool with_events)
{
	struct http_config cfg = {
		.telemetry_path = "/m",
		.events = with_events ? &ring : NULL,
		.stats = &stats,
	};

	fake_reset();
	fake.fail_second = true;
	cfg.scraper = scraper;

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
	/* events without program or process details: a dash, not an empty cell */
	ck_assert_ptr_nonnull(strstr(r.body, "<td>1</td><td>\xe2\x80\x94</td><td>\xe2\x80\x94</td>"
					     "<td>\xe2\x80\x94</td><td>\xe2\x80\x94</td></tr>"));
	ck_assert_ptr_nonnull(strstr(r.body, "<p id=\"state-time\">As of "));
	ck_assert_ptr_nonnull(strstr(r.body, "<span id=\"fill\" data-capacity=\"4\">3</span> of 4 events"));
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

/* The exporter's own table: /events with a NUL after it is not /events. */
START_TEST(test_exporter_nul_in_path)
{
	struct tu_http_resp r;

	serve_exporter(true);
	get("GET", "/events%00anything", NULL, 400, &r);
	tu_http_free(&r);
	get("GET", "/m%00.txt", NULL, 400, &r);
	tu_http_free(&r);
	get("GET", "/events", NULL, 200, &r);
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
	serve_exporter(true);
	pthread_mutex_lock(&fake.lock);
	fake.fail_second = true;	/* the second scrape fails: 500 */
	pthread_mutex_unlock(&fake.lock);
	for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		get(reqs[i].method, reqs[i].path, reqs[i].method[0] == 'P' ? "Content-Length: 0\r\n" : NULL,
		    reqs[i].status, &r);
		tu_http_free(&r);
	}
	ck_assert_uint_eq(http_stats_requests(&stats, HTTP_STATS_METRICS, 200), 3);
	ck_assert_uint_eq(http_stats_requests(&stats, HTTP_STATS_METRICS, 500), 1);
	ck_assert_uint_eq(http_stats_requests(&stats, HTTP_STATS_METRICS, 405), 1);
	ck_assert_uint_eq(http_stats_requests(&stats, HTTP_STATS_LANDING, 200), 2);
	ck_assert_uint_eq(http_stats_requests(&stats, HTTP_STATS_EVENTS, 200), 1);
	ck_assert_uint_eq(http_stats_requests(&stats, HTTP_STATS_EVENTS, 400), 1);
	ck_assert_uint_eq(http_stats_requests(&stats, HTTP_STATS_OTHER, 404), 2);
	ck_assert_uint_eq(http_stats_requests(&stats, HTTP_STATS_OTHER, 405), 1);
	ck_assert_uint_eq(http_stats_requests(&stats, HTTP_STATS_OTHER, 200), 0);
	ck_assert_int_eq(http_stats_in_flight(&stats), 0);
	ev_ring_release(&ring);
}
END_TEST

/* Every collect[] value reaches the scrape, in order; -EINVAL from it answers 400. */
START_TEST(test_exporter_collect)
{
	struct tu_http_resp r;

	memset(&stats, 0, sizeof(stats));
	serve_exporter(false);
	pthread_mutex_lock(&fake.lock);
	fake.fail_second = false;	/* every scrape succeeds here */
	pthread_mutex_unlock(&fake.lock);
	/* every collect[] value (decoded, empty ones too) reaches the selection */
	get("GET", "/m?collect[]=core&x=1&collect%5B%5D=a%20b&collect[]&collect[]=core", NULL, 200, &r);
	ck_assert_str_eq(r.body, "select 104\n");
	tu_http_free(&r);
	get("GET", "/m?collect=core", NULL, 200, &r);	/* not collect[]: no selection */
	ck_assert_str_eq(r.body, "up 1\n# EOF\n");
	tu_http_free(&r);
	get("GET", "/m?collect[]=core&collect[]=bad", NULL, 400, &r);
	expect_header(&r, "Content-Type", "text/plain; charset=utf-8");
	ck_assert_str_eq(r.body, "bad collect[]=\"bad\"\n");
	tu_http_free(&r);
	ck_assert_uint_eq(http_stats_requests(&stats, HTTP_STATS_METRICS, 400), 1);
	ck_assert_uint_eq(http_stats_requests(&stats, HTTP_STATS_METRICS, 500), 0);
}
END_TEST

static struct http_stats echo_stats;

/* In flight while the handler runs: itself. */
static int in_flight(struct http_request *rq)
{
	return http_reply_text(rq, 200, NULL, "%lld", (long long)http_stats_in_flight(&echo_stats));
}

static const struct http_route flight_routes[] = {
	{ "/flight", HTTP_GET, in_flight, HTTP_STATS_LANDING },
	{ NULL, 0, NULL, HTTP_STATS_OTHER },
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
	ck_assert_int_eq(http_stats_in_flight(&echo_stats), 0);
	ck_assert_uint_eq(http_stats_requests(&echo_stats, HTTP_STATS_LANDING, 200), 1);
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

/* ---- slots, coalescing, deadlines ---- */

/* GET path from src on a new connection (Connection: close), not waiting; the fd. */
static int send_get(const char *src, const char *path, int rcvbuf)
{
	char req[256];
	int fd = lg_connect(src, port, rcvbuf, 5000), len;

	ck_assert_msg(fd >= 0, "connect from %s: %s", src ? src : "any", strerror(-fd));
	len = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", path);
	ck_assert_int_eq(send(fd, req, (size_t)len, MSG_NOSIGNAL), len);
	return fd;
}

/* Read fd to its end (at most timeout_ms) and close it: the status, the whole answer in *all. */
static int read_answer(int fd, int timeout_ms, struct buf *all)
{
	double deadline = tu_now_ms() + timeout_ms;
	int status = -1;

	buf_reset(all);
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		char chunk[65536];
		int left = (int)(deadline - tu_now_ms());
		ssize_t n;

		if (left <= 0 || poll(&pfd, 1, left) <= 0)
			break;
		n = recv(fd, chunk, sizeof(chunk), 0);
		if (n <= 0)
			break;
		buf_add(all, chunk, (size_t)n);
	}
	close(fd);
	if (sscanf(all->buf, "HTTP/1.%*d %d", &status) != 1)
		status = -1;
	return status;
}

/* Whether fd has an answer or a close waiting, without reading it. */
static bool has_answer(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, 0) == 1;
}

static const char *body_of(const struct buf *all)
{
	const char *sep = strstr(all->buf, "\r\n\r\n");

	return sep ? sep + 4 : "";
}

/*
 * --web.max-requests=4: a quarter (1) per address.  Scrapes wait in a
 * snapshot held shut; the fifth, or a second from one address, is refused
 * at once; the landing page and /events are answered meanwhile; the
 * waiting scrapes shared one snapshot and one rendering; slots come back.
 */
START_TEST(test_max_requests)
{
	static const char *const srcs[] = { "127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5" };
	struct http_config cfg = { .telemetry_path = "/m", .max_requests = 4, .events = &ring };
	struct buf all = BUF_INIT;
	int fds[4], fd, status;
	double t0;
	char *first = NULL;

	ck_assert_int_eq(ev_ring_init(&ring, 4), 0);
	fake_reset();
	cfg.scraper = scraper;
	serve(&cfg);
	gate(true);

	fds[0] = send_get(srcs[0], "/m", 0);
	wait_snapshots(1);	/* the round is under way */

	/* a second scrape from 127.0.0.2: its address holds its quarter */
	t0 = tu_now_ms();
	status = read_answer(send_get(srcs[0], "/m", 0), 2000, &all);
	ck_assert_msg(status == 503 && tu_now_ms() - t0 < 1000, "a second scrape from one address: %d "
		      "after %.0f ms, want 503 at once", status, tu_now_ms() - t0);
	ck_assert_str_eq(body_of(&all), "too many requests in flight from your address: at most 1 of "
			 "the 4 of --web.max-requests\n");
	ck_assert_ptr_nonnull(strstr(all.buf, "\r\nRetry-After: 1\r\n"));
	ck_assert_ptr_nonnull(strstr(all.buf, "\r\nContent-Type: text/plain; charset=utf-8\r\n"));

	/* three more addresses: they join the round under way */
	for (int i = 1; i < 4; i++)
		fds[i] = send_get(srcs[i], "/m", 0);
	/* wait until the other three are in (each holds a slot), then a fifth address */
	t0 = tu_now_ms();
	do {
		status = read_answer(send_get("127.0.0.6", "/m", 0), 2000, &all);
		if (status == 503 && strstr(body_of(&all), "at most 4 at once"))
			break;
		ck_assert_msg(status == 503, "a fifth scrape: status %d, want 503", status);
		usleep(10 * 1000);
	} while (tu_now_ms() - t0 < 3000);
	ck_assert_str_eq(body_of(&all), "too many requests in flight: at most 4 at once (--web.max-requests)\n");

	/* cheap endpoints do not wait for the scrapes */
	t0 = tu_now_ms();
	ck_assert_int_eq(read_answer(send_get("127.0.0.7", "/", 0), 2000, &all), 200);
	ck_assert_int_eq(read_answer(send_get("127.0.0.7", "/events", 0), 2000, &all), 200);
	ck_assert_msg(tu_now_ms() - t0 < 1000, "/ and /events took %.0f ms while scrapes waited",
		      tu_now_ms() - t0);
	for (int i = 0; i < 4; i++)
		ck_assert_msg(!has_answer(fds[i]), "scrape %d was answered while the snapshot was shut", i);

	gate(false);
	for (int i = 0; i < 4; i++) {
		ck_assert_int_eq(read_answer(fds[i], 5000, &all), 200);
		if (!first)
			first = strdup(body_of(&all));
		ck_assert_str_eq(body_of(&all), first);
	}
	pthread_mutex_lock(&fake.lock);
	ck_assert_msg(fake.snapshots == 1 && fake.renders == 1 && fake.scrapes == 4,
		      "4 scrapes at once took %d snapshots and %d renderings and counted %u; want 1, 1, 4",
		      fake.snapshots, fake.renders, fake.scrapes);
	pthread_mutex_unlock(&fake.lock);

	/* every slot is back once the answers are read */
	for (int i = 0; i < 4; i++) {
		fd = send_get(srcs[i], "/m", 0);
		ck_assert_int_eq(read_answer(fd, 5000, &all), 200);
	}
	free(first);
	buf_release(&all);
	teardown();
	ev_ring_release(&ring);
}
END_TEST

/*
 * A large /events answer (over 64 KiB) takes a slot like a scrape; a small
 * one never does, even when the address holds its share.
 */
START_TEST(test_large_events_take_slot)
{
	struct http_config cfg = { .telemetry_path = "/m", .max_requests = 4, .events = &ring };
	struct buf all = BUF_INIT;
	int held, status;

	ck_assert_int_eq(ev_ring_init(&ring, 400), 0);
	for (uint32_t i = 1; i <= 400; i++) {
		struct ev_event e;

		memset(&e, 0, sizeof(e));
		e.prog_id = i;
		e.op = EV_LOAD;
		e.proc.cmdline = malloc(301);
		ck_assert_ptr_nonnull(e.proc.cmdline);
		memset(e.proc.cmdline, 'c', 300);
		e.proc.cmdline[300] = '\0';
		ev_push(&ring, &e);	/* takes the string */
	}
	fake_reset();
	cfg.scraper = scraper;
	serve(&cfg);
	gate(true);
	held = send_get("127.0.0.2", "/m", 0);	/* 127.0.0.2 holds its one slot */
	wait_snapshots(1);

	status = read_answer(send_get("127.0.0.2", "/events?limit=2", 0), 2000, &all);
	ck_assert_msg(status == 200, "a small /events answer: %d, want 200 beside a held slot", status);
	status = read_answer(send_get("127.0.0.2", "/events", 0), 2000, &all);
	ck_assert_msg(status == 503 && strstr(body_of(&all), "from your address"),
		      "a large /events from an address holding its share: %d %.200s, want 503", status,
		      body_of(&all));
	status = read_answer(send_get("127.0.0.3", "/events", 0), 2000, &all);
	ck_assert_msg(status == 200 && all.len > 64 * 1024, "a large /events from another address: %d "
		      "(%zu bytes), want 200 and over 64 KiB", status, all.len);
	gate(false);
	ck_assert_int_eq(read_answer(held, 5000, &all), 200);
	buf_release(&all);
	teardown();
	ev_ring_release(&ring);
}
END_TEST

/* Whether the server closed fd: the time it did, waiting at most timeout_ms (-1: still open). */
static double closed_within(int fd, int timeout_ms, double since)
{
	double deadline = tu_now_ms() + timeout_ms;

	while (tu_now_ms() < deadline) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		char c[4096];

		if (poll(&pfd, 1, 10) == 1) {
			ssize_t n = recv(fd, c, sizeof(c), MSG_DONTWAIT);

			if (n == 0 || (n < 0 && errno != EAGAIN))
				return tu_now_ms() - since;
		}
	}
	return -1;
}

/*
 * A read timeout of 600 ms: a client that trickles its header lines is
 * dropped by then though it never stops sending, an idle one too; one that
 * sends its request whole in time is answered, and on a kept-alive
 * connection the next request has its own 600 ms from the previous answer.
 */
START_TEST(test_read_deadline)
{
	static const char line[] = "GET / HTTP/1.1\r\nHost: x\r\n";
	static const char req[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	struct http_config cfg = { .telemetry_path = "/m", .read_timeout_ms = 600 };
	int trickler, idle, keep;
	double t0, ms = -1;
	struct buf all = BUF_INIT;

	fake_reset();
	cfg.scraper = scraper;
	serve(&cfg);
	t0 = tu_now_ms();
	trickler = lg_connect(NULL, port, 0, 5000);
	idle = lg_connect(NULL, port, 0, 5000);
	keep = lg_connect(NULL, port, 0, 5000);
	ck_assert(trickler >= 0 && idle >= 0 && keep >= 0);
	ck_assert_int_eq(send(trickler, line, sizeof(line) - 1, MSG_NOSIGNAL), (ssize_t)sizeof(line) - 1);
	for (int i = 0; i < 40 && ms < 0; i++) {	/* a header line every 50 ms, at most 2 s */
		char h[32];
		int len = snprintf(h, sizeof(h), "X-Trickle-%d: x\r\n", i);

		if (send(trickler, h, (size_t)len, MSG_NOSIGNAL) < 0)
			break;
		if (i == 6) {	/* at 300 ms: a whole request on the kept-alive connection */
			ck_assert_int_eq(send(keep, req, sizeof(req) - 1, MSG_NOSIGNAL), (ssize_t)sizeof(req) - 1);
		}
		ms = closed_within(trickler, 50, t0);
	}
	if (ms < 0)
		ms = closed_within(trickler, 1000, t0);
	ck_assert_msg(ms >= 500 && ms < 1200, "a client sending a header line every 50 ms was %s; want "
		      "dropped 600 ms after it connected", ms < 0 ? "never dropped" : "dropped early");
	ms = closed_within(idle, 1000, t0);
	ck_assert_msg(ms >= 500 && ms < 1200, "an idle client was closed after %.0f ms; want 600", ms);

	/* the kept-alive connection: answered at 300 ms, a second request at 800 ms is answered too */
	while (tu_now_ms() - t0 < 800)
		usleep(5000);
	ck_assert_int_eq(send(keep, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 47,
			      MSG_NOSIGNAL), 47);
	read_answer(keep, 2000, &all);
	ck_assert_msg(strstr(all.buf, "HTTP/1.1 200") && strstr(strstr(all.buf, "HTTP/1.1 200") + 1,
								 "HTTP/1.1 200"),
		      "a kept-alive connection did not get both answers: %.300s", all.buf);
	buf_release(&all);
}
END_TEST

/*
 * A write timeout of 800 ms: a client reading its 8 MB answer slowly (it
 * does read, 8 KiB every 20 ms) is dropped 800 ms after the answer was
 * ready, having had only part of it; the kernel meanwhile holds little for
 * it (the send buffer is capped); its slot comes back.
 */
START_TEST(test_write_deadline)
{
	struct http_config cfg = { .telemetry_path = "/m", .write_timeout_ms = 800, .max_requests = 1 };
	struct sockaddr_in me;
	socklen_t mlen = sizeof(me);
	double t0, ms = -1;
	long queued, worst = 0;
	size_t got = 0;
	int fd;
	struct buf all = BUF_INIT;

	fake_reset();
	fake.body_bytes = 8 << 20;
	cfg.scraper = scraper;
	serve(&cfg);
	fd = send_get("127.0.0.2", "/m", 4096);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&me, &mlen), 0);
	t0 = tu_now_ms();
	while (tu_now_ms() - t0 < 3000) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		char c[8192];
		ssize_t n;

		if (poll(&pfd, 1, 20) == 1) {
			n = recv(fd, c, sizeof(c), MSG_DONTWAIT);
			if (n == 0 || (n < 0 && errno != EAGAIN)) {
				ms = tu_now_ms() - t0;
				break;
			}
			if (n > 0)
				got += (size_t)n;
		}
		queued = lg_send_queue_bytes(port, NULL);
		worst = queued > worst ? queued : worst;
		usleep(20 * 1000);
	}
	close(fd);
	ck_assert_msg(ms >= 700 && ms < 2000, "a slowly reading client was %s after %.0f ms; want it "
		      "dropped 800 ms after its answer was ready", ms < 0 ? "still served" : "dropped", ms);
	ck_assert_msg(got < (8u << 20), "the slow client read the whole answer (%zu bytes)", got);
	ck_assert_msg(worst <= 4 * HTTP_SOCKET_BUFFER, "the kernel held %ld bytes to send to one client; "
		      "want the send buffer capped near %d", worst, 2 * HTTP_SOCKET_BUFFER);
	/* the one slot (max_requests 1) is back */
	fake.body_bytes = 0;
	ck_assert_int_eq(read_answer(send_get("127.0.0.2", "/m", 0), 5000, &all), 200);
	buf_release(&all);
}
END_TEST

static bool followers_are(struct follow_hub *hub, unsigned int n, int timeout_ms)
{
	double end = tu_now_ms() + timeout_ms;

	while (follow_count(hub) != n) {
		if (tu_now_ms() > end)
			return false;
		poll(NULL, 0, 10);
	}
	return true;
}

/*
 * A follower that stops reading is dropped at the write deadline, however
 * much shorter the read timeout (issue 16: libmicrohttpd's own idle
 * timeout was the read timeout, and dropped such a stream at whichever
 * came first).  The follower's receive buffer is small and the events far
 * more than the buffers on the way: the stream stalls at once.
 */
START_TEST(test_stalled_stream)
{
	struct http_config cfg = { .telemetry_path = "/m", .read_timeout_ms = 1000,
				   .write_timeout_ms = 3000 };
	struct follow_hub *hub;
	char cmdline[2048];
	double t0, ms;
	int fd;

	ck_assert_int_eq(ev_ring_init(&ring, 1024), 0);
	ck_assert_int_eq(follow_start(&hub, &ring, 4, cfg.write_timeout_ms), 0);
	cfg.events = &ring;
	cfg.followers = hub;
	serve(&cfg);
	fd = send_get(NULL, "/events?follow=1", 4096);
	ck_assert_msg(followers_are(hub, 1, 2000), "the follower is not following");
	memset(cmdline, 'x', sizeof(cmdline) - 1);
	cmdline[sizeof(cmdline) - 1] = '\0';
	for (uint32_t i = 1; i <= 3000; i++) {	/* about 6 MB of events */
		struct ev_event e;

		memset(&e, 0, sizeof(e));
		e.prog_id = i;
		e.op = EV_LOAD;
		e.proc.cmdline = strdup(cmdline);
		ev_push(&ring, &e);
	}
	t0 = tu_now_ms();
	ck_assert_msg(followers_are(hub, 0, 8000), "a follower that never reads is still there after 8 s");
	ms = tu_now_ms() - t0;
	ck_assert_msg(ms >= 2500 && ms < 4500, "a stalled stream was dropped after %.0f ms; want the "
		      "write timeout (3000 ms), not the read timeout (1000 ms)", ms);
	close(fd);
	follow_stop(hub);
	teardown();
	follow_free(hub);
	ev_ring_release(&ring);
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
	tcase_add_test(tc, test_nul_in_path);
	tcase_add_test(tc, test_header_refused);
	tcase_add_test(tc, test_exporter_routes);
	tcase_add_test(tc, test_exporter_nul_in_path);
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

	tc = tcase_create("serving");
	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_max_requests);
	tcase_add_test(tc, test_large_events_take_slot);
	tcase_add_test(tc, test_read_deadline);
	tcase_add_test(tc, test_write_deadline);
	tcase_add_test(tc, test_stalled_stream);
	suite_add_tcase(s, tc);
	return s;
}
