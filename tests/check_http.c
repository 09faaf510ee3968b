// SPDX-License-Identifier: Apache-2.0
/*
 * check_http - unit tests for the pure parts of the HTTP module: content
 * negotiation (Accept), gzip negotiation (Accept-Encoding), gzip output
 * (inflated again with zlib and compared), and the listening socket:
 * address syntax, binding to loopback and wildcard, and the errors for
 * malformed, unavailable and busy addresses.  No server is started and
 * nothing needs root.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <zlib.h>

#include "buf.h"
#include "http.h"
#include "suites.h"

/* ---- Accept ---- */

static const char prometheus_accept[] =
	"application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
	"text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

static void expect_format(const char *accept, enum om_format want)
{
	enum om_format got = http_negotiate(accept);

	ck_assert_msg(got == want, "Accept: %s: got %s, want %s", accept ? accept : "(none)",
		      got == OM_FMT_OPENMETRICS ? "openmetrics" : "text",
		      want == OM_FMT_OPENMETRICS ? "openmetrics" : "text");
}

#define OM OM_FMT_OPENMETRICS
#define TEXT OM_FMT_TEXT

START_TEST(test_negotiate_nothing_sent)
{
	expect_format(NULL, OM);
	expect_format("", OM);
	expect_format("   ", OM);
}
END_TEST

START_TEST(test_negotiate_basic)
{
	expect_format("*/*", OM);
	expect_format("text/plain", TEXT);
	expect_format("text/plain;version=0.0.4", TEXT);
	expect_format("application/openmetrics-text", OM);
	expect_format("application/openmetrics-text;version=1.0.0", OM);
	expect_format("text/*", TEXT);
	expect_format("application/*", OM);
}
END_TEST

START_TEST(test_negotiate_prometheus)
{
	expect_format(prometheus_accept, OM);
	/* Prometheus configured to prefer the classic format */
	expect_format("text/plain;version=0.0.4;q=0.9,application/openmetrics-text;version=1.0.0;q=0.5,"
		      "*/*;q=0.1", TEXT);
}
END_TEST

/* We produce OpenMetrics 1.0.0 only: another version is not acceptable. */
START_TEST(test_negotiate_other_version)
{
	expect_format("application/openmetrics-text;version=0.0.1", TEXT);
	expect_format("application/openmetrics-text;version=2.0.0", TEXT);
	expect_format("application/openmetrics-text;version=0.0.1,*/*;q=0.2", OM);
	expect_format("text/plain;version=1.0.0,application/openmetrics-text;q=0.1", OM);
}
END_TEST

/* Nothing acceptable: fall back to the classic text format. */
START_TEST(test_negotiate_unknown)
{
	expect_format("application/json", TEXT);
	expect_format("text/html", TEXT);
	expect_format("image/png, application/xml;q=0.9", TEXT);
	expect_format("garbage", TEXT);
	expect_format(",,,", TEXT);
	expect_format(";;;", TEXT);
}
END_TEST

START_TEST(test_negotiate_q)
{
	expect_format("application/openmetrics-text;q=0, text/plain", TEXT);
	expect_format("application/openmetrics-text;version=1.0.0;q=0,*/*", TEXT);
	expect_format("text/plain;q=0, */*", OM);
	expect_format("*/*;q=0", TEXT);
	expect_format("application/openmetrics-text;q=0", TEXT);
	expect_format("text/plain;q=0.9, application/openmetrics-text;q=0.8", TEXT);
	expect_format("text/plain;q=0.8, application/openmetrics-text;q=0.9", OM);
	/* a tie goes to OpenMetrics */
	expect_format("text/plain;q=0.5, application/openmetrics-text;q=0.5", OM);
	expect_format("text/plain, application/openmetrics-text", OM);
	/* the most specific range decides, not the first or the highest */
	expect_format("*/*;q=1, application/openmetrics-text;q=0.1, text/plain;q=0.2", TEXT);
	expect_format("application/*;q=0.1, application/openmetrics-text;version=1.0.0;q=1, "
		      "text/plain;q=0.5", OM);
	/* malformed q counts as 0 */
	expect_format("application/openmetrics-text;q=abc, text/plain;q=0.1", TEXT);
	expect_format("application/openmetrics-text;q=-1, text/plain;q=0.1", TEXT);
}
END_TEST

START_TEST(test_negotiate_whitespace_case)
{
	expect_format(" application/openmetrics-text ; version=1.0.0 ; q=0.9 , text/plain ; q=0.5 ", OM);
	expect_format("\tApplication/OpenMetrics-Text;Version=1.0.0\t", OM);
	expect_format("APPLICATION/OPENMETRICS-TEXT; VERSION=1.0.0; Q=0.1, TEXT/PLAIN; Q=0.2", TEXT);
	expect_format("application/openmetrics-text; version=\"1.0.0\"", OM);
	expect_format("application/openmetrics-text;version=\"0.0.1\"", TEXT);
	expect_format("Text/Plain", TEXT);
	expect_format("text/plain , application/openmetrics-text;q=0.4", TEXT);
}
END_TEST

/* ---- Accept-Encoding ---- */

static void expect_gzip(const char *accept_encoding, bool want)
{
	ck_assert_msg(http_accepts_gzip(accept_encoding) == want, "Accept-Encoding: %s: want %s",
		      accept_encoding ? accept_encoding : "(none)", want ? "gzip" : "identity");
}

START_TEST(test_accepts_gzip)
{
	expect_gzip("gzip", true);
	expect_gzip("gzip, deflate", true);
	expect_gzip("deflate, gzip", true);
	expect_gzip("deflate, gzip;q=0.5", true);
	expect_gzip("gzip, deflate, br, zstd", true);
	expect_gzip("x-gzip", true);
	expect_gzip("GZIP", true);
	expect_gzip(" gzip ; q=1.0 ", true);
	expect_gzip("*", true);
	expect_gzip("deflate", false);
	expect_gzip("gzip;q=0", false);
	expect_gzip("gzip;q=0.0, deflate", false);
	expect_gzip("*;q=0", false);
	expect_gzip("identity", false);
	expect_gzip("", false);
	expect_gzip(NULL, false);
	expect_gzip("gzipx", false);
	expect_gzip("br, zstd", false);
	/* an explicit gzip entry beats the wildcard, either way */
	expect_gzip("gzip;q=0, *", false);
	expect_gzip("*;q=0, gzip", true);
	expect_gzip("identity, *;q=0.5", true);
}
END_TEST

/* ---- gzip ---- */

/* Inflate a gzip stream (rejecting anything but gzip) into a new buffer. */
static void gunzip(const struct buf *gz, struct buf *out)
{
	z_stream zs;
	char chunk[16384];
	int ret;

	memset(&zs, 0, sizeof(zs));
	ck_assert_int_eq(inflateInit2(&zs, 15 + 16), Z_OK);
	zs.next_in = (Bytef *)gz->buf;
	zs.avail_in = (uInt)gz->len;
	do {
		zs.next_out = (Bytef *)chunk;
		zs.avail_out = sizeof(chunk);
		ret = inflate(&zs, Z_NO_FLUSH);
		ck_assert_msg(ret == Z_OK || ret == Z_STREAM_END, "inflate: %d", ret);
		buf_add(out, chunk, sizeof(chunk) - zs.avail_out);
	} while (ret != Z_STREAM_END);
	ck_assert_uint_eq(zs.avail_in, 0);	/* nothing after the stream */
	inflateEnd(&zs);
}

static void round_trip(const char *src, size_t len)
{
	struct buf gz = BUF_INIT, back = BUF_INIT;

	buf_addstr(&gz, "previous content, replaced");
	ck_assert_int_eq(http_gzip(&gz, src, len), 0);
	ck_assert(!gz.oom);
	ck_assert_uint_ge(gz.len, 18);		/* header and trailer at least */
	ck_assert_uint_eq((unsigned char)gz.buf[0], 0x1f);	/* gzip magic */
	ck_assert_uint_eq((unsigned char)gz.buf[1], 0x8b);
	ck_assert_int_eq(gz.buf[gz.len], '\0');
	gunzip(&gz, &back);
	ck_assert_uint_eq(back.len, len);
	ck_assert(len == 0 || memcmp(back.buf, src, len) == 0);
	buf_release(&gz);
	buf_release(&back);
}

START_TEST(test_gzip_small)
{
	round_trip("", 0);
	round_trip("x", 1);
	round_trip("hello, world\n", 13);
	round_trip("a\0b\0", 4);
}
END_TEST

/* A large exposition-like text compresses well and comes back intact. */
START_TEST(test_gzip_exposition)
{
	struct buf src = BUF_INIT, gz = BUF_INIT;

	for (int i = 0; i < 20000; i++)
		buf_addf(&src, "bpf_program_info{id=\"%d\",name=\"prog_%d\",type=\"kprobe\"} 1\n", i, i * 7);
	round_trip(src.buf, src.len);
	ck_assert_int_eq(http_gzip(&gz, src.buf, src.len), 0);
	ck_assert_uint_lt(gz.len * 4, src.len);
	buf_release(&src);
	buf_release(&gz);
}
END_TEST

/* Incompressible input: the output may be larger than the input, and must fit. */
START_TEST(test_gzip_incompressible)
{
	size_t len = 1 << 20;
	char *src = malloc(len);
	uint64_t x = 0x9e3779b97f4a7c15ull;

	ck_assert_ptr_nonnull(src);
	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		src[i] = (char)(x >> 32);
	}
	round_trip(src, len);
	free(src);
}
END_TEST

/* ---- address syntax ---- */

static void expect_split(const char *address, const char *want_host, unsigned int want_port)
{
	char host[256], err[256] = "";
	unsigned int port = 12345;

	ck_assert_msg(http_split_address(address, host, sizeof(host), &port, err, sizeof(err)) == 0,
		      "%s: %s", address, err);
	ck_assert_str_eq(host, want_host);
	ck_assert_uint_eq(port, want_port);
}

START_TEST(test_split_address)
{
	expect_split("127.0.0.1:9435", "127.0.0.1", 9435);
	expect_split(":9435", "", 9435);
	expect_split(":0", "", 0);
	expect_split("[::1]:0", "::1", 0);
	expect_split("[::]:65535", "::", 65535);
	expect_split("[fe80::1%lo]:80", "fe80::1%lo", 80);
	expect_split("localhost:80", "localhost", 80);
	expect_split("0.0.0.0:00080", "0.0.0.0", 80);
}
END_TEST

/* An address whose syntax is wrong: -EINVAL and a reason naming it. */
static const char *const bad_addresses[] = {
	"1.2.3.4.5:80"		/* syntactically fine; fails to resolve (http_listen only) */,
	"127.0.0.1", "127.0.0.1:99999", "127.0.0.1:65536", "127.0.0.1:-1", "127.0.0.1:+1",
	"127.0.0.1: 1", "127.0.0.1:", "127.0.0.1:1x", "127.0.0.1:0x10", "::1:80", "[::1]80",
	"[]:80", "[::1", "[::1]", "", ":", "9435", "a:b:c", "127.0.0.1:18446744073709551617",
};

START_TEST(test_split_address_bad)
{
	/* index 0 only fails later, in http_listen: start at 1 */
	for (size_t i = 1; i < sizeof(bad_addresses) / sizeof(bad_addresses[0]); i++) {
		char host[256], err[256] = "";
		unsigned int port = 0;

		ck_assert_msg(http_split_address(bad_addresses[i], host, sizeof(host), &port,
						 err, sizeof(err)) == -EINVAL,
			      "\"%s\" accepted", bad_addresses[i]);
		ck_assert_msg(strstr(err, bad_addresses[i]) && strstr(err, "invalid listen address"),
			      "\"%s\": %s", bad_addresses[i], err);
	}
}
END_TEST

/* A host too long for the caller's buffer is refused, not truncated. */
START_TEST(test_split_address_host_too_long)
{
	char host[8], err[256] = "";
	unsigned int port;

	ck_assert_int_eq(http_split_address("abcdefg:1", host, sizeof(host), &port, err, sizeof(err)), 0);
	ck_assert_str_eq(host, "abcdefg");
	ck_assert_int_eq(http_split_address("abcdefgh:1", host, sizeof(host), &port, err,
					    sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "abcdefgh:1"));
	ck_assert_int_eq(http_split_address("[abcdefgh]:1", host, sizeof(host), &port, err,
					    sizeof(err)), -EINVAL);
}
END_TEST

/* ---- listening ---- */

static int local_port(int fd, int *family)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	*family = ss.ss_family;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	ck_assert_int_eq(ss.ss_family, AF_INET6);
	return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

static void assert_listening(int fd)
{
	int on = 0;
	socklen_t len = sizeof(on);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len), 0);
	ck_assert_int_eq(on, 1);
	ck_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
}

/* Connect to 127.0.0.1:port; true if the connection is accepted. */
static bool connects_v4(int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok;

	ck_assert_int_ge(c, 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = connect(c, (struct sockaddr *)&sin, sizeof(sin)) == 0;
	close(c);
	return ok;
}

START_TEST(test_listen_loopback_v4)
{
	char err[256] = "";
	int fd = -1, family, port;

	ck_assert_msg(http_listen("127.0.0.1:0", &fd, err, sizeof(err)) == 0, "%s", err);
	assert_listening(fd);
	port = local_port(fd, &family);
	ck_assert_int_eq(family, AF_INET);
	ck_assert_int_gt(port, 0);
	ck_assert(connects_v4(port));
	close(fd);
}
END_TEST

START_TEST(test_listen_loopback_v6)
{
	char err[256] = "";
	int fd = -1, family, ret;

	ret = http_listen("[::1]:0", &fd, err, sizeof(err));
	if (ret) {
		/* no IPv6 here: the syntax was fine, the system said no */
		ck_assert_int_ne(ret, -EINVAL);
		ck_assert_ptr_nonnull(strstr(err, "[::1]:0"));
		return;
	}
	assert_listening(fd);
	ck_assert_int_gt(local_port(fd, &family), 0);
	ck_assert_int_eq(family, AF_INET6);
	close(fd);
}
END_TEST

/* An empty host is every address, IPv6 and IPv4: reachable on 127.0.0.1. */
START_TEST(test_listen_wildcard)
{
	char err[256] = "";
	int fd = -1, family, port;

	ck_assert_msg(http_listen(":0", &fd, err, sizeof(err)) == 0, "%s", err);
	assert_listening(fd);
	port = local_port(fd, &family);
	ck_assert_int_gt(port, 0);
	if (family == AF_INET6) {
		int v6only = 1;
		socklen_t len = sizeof(v6only);

		ck_assert_int_eq(getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, &len), 0);
		ck_assert_int_eq(v6only, 0);
	}
	ck_assert(connects_v4(port));
	close(fd);
}
END_TEST

START_TEST(test_listen_hostname)
{
	char err[256] = "";
	int fd = -1, family;

	ck_assert_msg(http_listen("localhost:0", &fd, err, sizeof(err)) == 0, "%s", err);
	assert_listening(fd);
	ck_assert_int_gt(local_port(fd, &family), 0);
	close(fd);
}
END_TEST

START_TEST(test_listen_bad_syntax)
{
	for (size_t i = 1; i < sizeof(bad_addresses) / sizeof(bad_addresses[0]); i++) {
		char err[256] = "";
		int fd = -7;

		ck_assert_msg(http_listen(bad_addresses[i], &fd, err, sizeof(err)) == -EINVAL,
			      "\"%s\" accepted", bad_addresses[i]);
		ck_assert_int_eq(fd, -7);	/* untouched */
		ck_assert_msg(strstr(err, bad_addresses[i]), "\"%s\": %s", bad_addresses[i], err);
	}
}
END_TEST

/* Parses, but is no address: may ask DNS, hence its own test and timeout. */
START_TEST(test_listen_unresolvable)
{
	char err[256] = "";
	int fd = -7;

	ck_assert_int_eq(http_listen(bad_addresses[0], &fd, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(fd, -7);
	ck_assert_msg(strstr(err, bad_addresses[0]), "%s", err);
}
END_TEST

/* 192.0.2.0/24 is TEST-NET-1 (RFC 5737): never configured on a host. */
START_TEST(test_listen_not_available)
{
	char err[256] = "";
	int fd = -7, ret;

	ret = http_listen("192.0.2.1:0", &fd, err, sizeof(err));
	if (ret == 0) {
		/* net.ipv4.ip_nonlocal_bind=1: this host binds any address */
		close(fd);
		return;
	}
	ck_assert_int_eq(ret, -EADDRNOTAVAIL);
	ck_assert_int_eq(fd, -7);
	ck_assert_msg(strstr(err, "192.0.2.1:0") && strstr(err, "not available"), "%s", err);
}
END_TEST

START_TEST(test_listen_in_use)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	char address[64], err[256] = "";
	int busy, fd = -7, family, port;

	busy = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(busy, 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(busy, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(busy, 1), 0);
	port = local_port(busy, &family);

	snprintf(address, sizeof(address), "127.0.0.1:%d", port);
	ck_assert_int_eq(http_listen(address, &fd, err, sizeof(err)), -EADDRINUSE);
	ck_assert_int_eq(fd, -7);
	ck_assert_msg(strstr(err, "in use") && strstr(err, address), "%s", err);
	close(busy);
}
END_TEST

Suite *http_suite(void)
{
	Suite *s = suite_create("http");
	TCase *tc;

	tc = tcase_create("negotiate");
	tcase_add_test(tc, test_negotiate_nothing_sent);
	tcase_add_test(tc, test_negotiate_basic);
	tcase_add_test(tc, test_negotiate_prometheus);
	tcase_add_test(tc, test_negotiate_other_version);
	tcase_add_test(tc, test_negotiate_unknown);
	tcase_add_test(tc, test_negotiate_q);
	tcase_add_test(tc, test_negotiate_whitespace_case);
	tcase_add_test(tc, test_accepts_gzip);
	suite_add_tcase(s, tc);

	tc = tcase_create("gzip");
	tcase_set_timeout(tc, 30);	/* 1 MiB under valgrind */
	tcase_add_test(tc, test_gzip_small);
	tcase_add_test(tc, test_gzip_exposition);
	tcase_add_test(tc, test_gzip_incompressible);
	suite_add_tcase(s, tc);

	tc = tcase_create("listen");
	tcase_set_timeout(tc, 30);	/* a resolver that does not answer */
	tcase_add_test(tc, test_split_address);
	tcase_add_test(tc, test_split_address_bad);
	tcase_add_test(tc, test_split_address_host_too_long);
	tcase_add_test(tc, test_listen_loopback_v4);
	tcase_add_test(tc, test_listen_loopback_v6);
	tcase_add_test(tc, test_listen_wildcard);
	tcase_add_test(tc, test_listen_hostname);
	tcase_add_test(tc, test_listen_bad_syntax);
	tcase_add_test(tc, test_listen_unresolvable);
	tcase_add_test(tc, test_listen_not_available);
	tcase_add_test(tc, test_listen_in_use);
	suite_add_tcase(s, tc);

	return s;
}
