// SPDX-License-Identifier: Apache-2.0
/*
 * check_negotiate - unit tests for content negotiation (Accept), gzip
 * negotiation (Accept-Encoding) and gzip output (inflated again with zlib
 * and compared).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "lib/buf.h"
#include "http/negotiate.h"
#include "suites.h"

/* ---- Accept ---- */

static const char prometheus_accept[] =
	"application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
	"text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

static void expect_format(const char *accept, enum om_format want)
{
	enum om_format got = negotiate_format(accept);

	ck_assert_msg(got == want, "Accept: %s: got %s, want %s", accept ? accept : "(none)",
		      got == OM_FMT_OPENMETRICS ? "openmetrics" : "text",
		      want == OM_FMT_OPENMETRICS ? "openmetrics" : "text");
}

#define OM OM_FMT_OPENMETRICS
#define TEXT OM_FMT_TEXT

/* No Accept header, or only * / * (curl): the text every client reads, promtool included. */
START_TEST(test_negotiate_nothing_sent)
{
	expect_format(NULL, TEXT);
	expect_format("", TEXT);
	expect_format("   ", TEXT);
	expect_format("*/*", TEXT);
	expect_format("*/*;q=0.5", TEXT);
}
END_TEST

START_TEST(test_negotiate_basic)
{
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
	expect_format("application/openmetrics-text;version=0.0.1,*/*;q=0.2", TEXT);
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
	ck_assert_msg(negotiate_accepts_gzip(accept_encoding) == want, "Accept-Encoding: %s: want %s",
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
	ck_assert_int_eq(negotiate_gzip(&gz, src, len), 0);
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

START_TEST(test_wants_sse)
{
	ck_assert(!negotiate_wants_sse(NULL));
	ck_assert(!negotiate_wants_sse("application/json"));
	ck_assert(negotiate_wants_sse("text/event-stream"));
	ck_assert(negotiate_wants_sse("Text/Event-Stream; charset=utf-8"));
	ck_assert(negotiate_wants_sse("application/json, text/event-stream;q=0.5"));
}
END_TEST

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
	ck_assert_int_eq(negotiate_gzip(&gz, src.buf, src.len), 0);
	ck_assert_uint_lt(gz.len * 4, src.len);
	buf_release(&src);
	buf_release(&gz);
}
END_TEST

/*
 * zlib counts in 32 bits: input over 4 GiB is fed in chunks (issue 16; it
 * was cut to its length mod 2^32 before).  The chunking itself, with small
 * chunks of input and of output room: every chunk size gives the same
 * text back, as an incompressible input does whose output outgrows it.
 */
static void round_trip_chunked(const char *src, size_t len, size_t chunk)
{
	struct buf gz = BUF_INIT, back = BUF_INIT;

	ck_assert_int_eq(negotiate_gzip_chunked(&gz, src, len, chunk), 0);
	ck_assert(!gz.oom);
	ck_assert_int_eq(gz.buf[gz.len], '\0');
	gunzip(&gz, &back);
	ck_assert_uint_eq(back.len, len);
	ck_assert(len == 0 || memcmp(back.buf, src, len) == 0);
	buf_release(&gz);
	buf_release(&back);
}

START_TEST(test_gzip_chunked)
{
	static const size_t chunks[] = { 1, 2, 7, 64, 4096, 65536 };
	struct buf src = BUF_INIT, gz = BUF_INIT;
	uint64_t x = 0x9e3779b97f4a7c15ull;

	for (int i = 0; i < 2000; i++)
		buf_addf(&src, "bpf_map_info{id=\"%d\",name=\"map_%d\",type=\"hash\"} 1\n", i, i * 3);
	for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		round_trip_chunked("", 0, chunks[i]);
		round_trip_chunked(src.buf, src.len, chunks[i]);
	}
	buf_reset(&src);
	for (size_t i = 0; i < 200000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		buf_addch(&src, (char)(x >> 32));
	}
	round_trip_chunked(src.buf, src.len, 7);
	round_trip_chunked(src.buf, src.len, 4096);
	ck_assert_int_eq(negotiate_gzip_chunked(&gz, "x", 1, 0), -EINVAL);
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

Suite *negotiate_suite(void)
{
	Suite *s = suite_create("negotiate");
	TCase *tc;

	tc = tcase_create("negotiate");
	tcase_add_test(tc, test_negotiate_nothing_sent);
	tcase_add_test(tc, test_negotiate_basic);
	tcase_add_test(tc, test_negotiate_prometheus);
	tcase_add_test(tc, test_negotiate_other_version);
	tcase_add_test(tc, test_negotiate_unknown);
	tcase_add_test(tc, test_negotiate_q);
	tcase_add_test(tc, test_wants_sse);
	tcase_add_test(tc, test_negotiate_whitespace_case);
	tcase_add_test(tc, test_accepts_gzip);
	suite_add_tcase(s, tc);

	tc = tcase_create("gzip");
	tcase_set_timeout(tc, 30);	/* 1 MiB under valgrind */
	tcase_add_test(tc, test_gzip_small);
	tcase_add_test(tc, test_gzip_exposition);
	tcase_add_test(tc, test_gzip_incompressible);
	tcase_add_test(tc, test_gzip_chunked);
	suite_add_tcase(s, tc);

	return s;
}
