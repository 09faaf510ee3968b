// SPDX-License-Identifier: Apache-2.0
/*
 * check_http - the HTTP server in this process, on 127.0.0.1: the route
 * table (exact paths, 404, 405 with Allow), the per-request context a
 * handler gets (method, path, query values, headers, the client's
 * address), and the exporter's own table with a fake scrape and a small
 * event ring.  Needs no root.
 */
#include <errno.h>
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

/* Start a server on a free 127.0.0.1 port with cfg (listen_fd and limits set here). */
static void serve(struct http_config *cfg)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	char err[256] = "";
	int fd = -1;

	ck_assert_msg(listen_open("127.0.0.1:0", &fd, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	port = ntohs(sin.sin_port);
	cfg->listen_fd = fd;
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

/* ---- the exporter's own table ---- */

static int scrapes;

static int fake_scrape(void *ctx, struct buf *out, enum om_format fmt, char *err, size_t errlen)
{
	(void)ctx;
	if (++scrapes == 2) {
		snprintf(err, errlen, "listing BPF programs: permission denied");
		return -EPERM;
	}
	buf_addstr(out, fmt == OM_FMT_OPENMETRICS ? "up 1\n# EOF\n" : "up 1\n");
	return 0;
}

static struct ev_ring ring;

static void serve_exporter(bool with_events)
{
	struct http_config cfg = {
		.telemetry_path = "/m",
		.scrape = fake_scrape,
		.events = with_events ? &ring : NULL,
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
	tcase_add_test(tc, test_exporter_routes);
	tcase_add_test(tc, test_exporter_no_events);
	suite_add_tcase(s, tc);
	return s;
}
