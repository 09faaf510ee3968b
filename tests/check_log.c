// SPDX-License-Identifier: Apache-2.0
/*
 * check_log - unit tests for the logger: level and format parsing, the
 * shape of logfmt and JSON lines (written to a memfd and read back), value
 * quoting (invalid UTF-8, C1 controls and U+2028/U+2029 escaped), level
 * filtering, log_kv fields, errno in log_warn, the libbpf and libmicrohttpd
 * routes, and the rate limit.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "lib/buf.h"
#include "lib/log.h"
#include "suites.h"

/* The timestamp every line starts with, as an extended regex. */
#define TS_RE "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z"

static int log_fd = -1;
static char *text;	/* what read_log() returned last; freed by teardown */

static void setup(void)
{
	log_fd = memfd_create("check_log", MFD_CLOEXEC);
	ck_assert_int_ge(log_fd, 0);
	log_setup(LOG_DEBUG, LOG_FMT_LOGFMT, log_fd);
}

static void teardown(void)
{
	log_setup(LOG_INFO, LOG_FMT_LOGFMT, 2);
	close(log_fd);
	log_fd = -1;
	free(text);
	text = NULL;
}

/* Everything logged since the last call; the file is emptied. */
static const char *read_log(void)
{
	off_t end = lseek(log_fd, 0, SEEK_END);
	ssize_t n;

	ck_assert_int_ge(end, 0);
	free(text);
	text = malloc((size_t)end + 1);
	ck_assert_ptr_nonnull(text);
	n = pread(log_fd, text, (size_t)end, 0);
	ck_assert_int_eq(n, end);
	text[n] = '\0';
	ck_assert_int_eq(ftruncate(log_fd, 0), 0);
	ck_assert_int_eq(lseek(log_fd, 0, SEEK_SET), 0);
	return text;
}

static void assert_matches(const char *s, const char *re)
{
	regex_t rx;
	int ret;

	ck_assert_int_eq(regcomp(&rx, re, REG_EXTENDED | REG_NOSUB), 0);
	ret = regexec(&rx, s, 0, NULL, 0);
	regfree(&rx);
	ck_assert_msg(ret == 0, "\"%s\" does not match /%s/", s, re);
}

/*
 * One logfmt line: the timestamp's shape is checked, then what follows
 * " level=" must equal rest exactly (rest includes the final newline).
 */
static void expect_logfmt(const char *rest)
{
	const char *s = read_log();

	assert_matches(s, "^ts=" TS_RE " level=");
	ck_assert_str_eq(s + strlen("ts=2026-11-25T04:12:07.123Z "), rest);
}

static void expect_json(const char *rest)
{
	const char *s = read_log();

	assert_matches(s, "^\\{\"ts\":\"" TS_RE "\",\"level\":");
	ck_assert_str_eq(s + strlen("{\"ts\":\"2026-11-25T04:12:07.123Z\","), rest);
}

START_TEST(test_parse_level)
{
	static const struct {
		const char *s;
		enum log_level l;
	} ok[] = {
		{ "debug", LOG_DEBUG }, { "info", LOG_INFO },
		{ "warn", LOG_WARN }, { "error", LOG_ERROR },
	};
	static const char *const bad[] = {
		"", "DEBUG", "Info", "warning", "err", "inf", "info ", " info", "fatal",
	};
	enum log_level l;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		l = (enum log_level)-1;
		ck_assert_int_eq(log_parse_level(ok[i].s, &l), 0);
		ck_assert_int_eq(l, ok[i].l);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		l = LOG_WARN;
		ck_assert_int_eq(log_parse_level(bad[i], &l), -EINVAL);
		ck_assert_int_eq(l, LOG_WARN);	/* untouched on error */
	}
}
END_TEST

START_TEST(test_parse_format)
{
	static const char *const bad[] = { "", "JSON", "Logfmt", "text", "json ", "logfmtx" };
	enum log_format f = LOG_FMT_JSON;

	ck_assert_int_eq(log_parse_format("logfmt", &f), 0);
	ck_assert_int_eq(f, LOG_FMT_LOGFMT);
	ck_assert_int_eq(log_parse_format("json", &f), 0);
	ck_assert_int_eq(f, LOG_FMT_JSON);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		f = LOG_FMT_JSON;
		ck_assert_int_eq(log_parse_format(bad[i], &f), -EINVAL);
		ck_assert_int_eq(f, LOG_FMT_JSON);
	}
}
END_TEST

START_TEST(test_logfmt_shape)
{
	log_msg(LOG_INFO, "hello");
	expect_logfmt("level=info msg=hello\n");
	log_debug("%s-%d", "dbg", 7);
	expect_logfmt("level=debug msg=dbg-7\n");
	log_warnx("careful");
	expect_logfmt("level=warn msg=careful\n");
	log_errx("broken");
	expect_logfmt("level=error msg=broken\n");
}
END_TEST

/* The timestamp is the current UTC time, with milliseconds. */
START_TEST(test_timestamp_is_now_utc)
{
	struct tm tm;
	const char *s, *end;
	time_t before, after, t;

	before = time(NULL);
	log_info("x");
	after = time(NULL);
	s = read_log();
	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "ts=%Y-%m-%dT%H:%M:%S", &tm);
	ck_assert_ptr_nonnull(end);
	t = timegm(&tm);
	ck_assert_int_ge(t, before);
	ck_assert_int_le(t, after);
}
END_TEST

START_TEST(test_logfmt_quoting)
{
	log_info("two words");
	expect_logfmt("level=info msg=\"two words\"\n");
	log_info("say \"hi\"");
	expect_logfmt("level=info msg=\"say \\\"hi\\\"\"\n");
	log_info("a\nb");
	expect_logfmt("level=info msg=\"a\\nb\"\n");
	log_info("back\\slash");
	expect_logfmt("level=info msg=\"back\\\\slash\"\n");
	log_info("k=v");
	expect_logfmt("level=info msg=\"k=v\"\n");
	log_info("tab\there\rcr");
	expect_logfmt("level=info msg=\"tab\\there\\rcr\"\n");
	log_info("bell\x07" "del\x7f");
	expect_logfmt("level=info msg=\"bell\\x07del\\x7f\"\n");
	log_info("caf\xc3\xa9");
	expect_logfmt("level=info msg=\"caf\xc3\xa9\"\n");
	log_info("%s", "");
	expect_logfmt("level=info msg=\"\"\n");
	/* every other printable byte keeps a value bare */
	log_info("a/b:c-d_e.f,g[h]{i}'j'~!@#$%%^&*()+");
	expect_logfmt("level=info msg=a/b:c-d_e.f,g[h]{i}'j'~!@#$%^&*()+\n");
}
END_TEST

/*
 * Invalid UTF-8 becomes \xNN (the byte kept, as Go's strconv.Quote writes
 * it); C1 controls and U+2028/U+2029, which some readers break lines at,
 * become \u0085, \u2028, ...; any of them makes the value quoted.
 */
START_TEST(test_logfmt_utf8)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "\xff", "\"\\xff\"" },
		{ "a\xff" "b", "\"a\\xffb\"" },
		{ "\x80", "\"\\x80\"" },				/* lone continuation */
		{ "\xc3", "\"\\xc3\"" },				/* truncated by the end */
		{ "\xe2\x82" "A", "\"\\xe2\\x82A\"" },		/* truncated by a letter */
		{ "\xc0\xaf", "\"\\xc0\\xaf\"" },			/* overlong '/' */
		{ "\xed\xa0\x80", "\"\\xed\\xa0\\x80\"" },		/* a surrogate */
		{ "\xf4\x90\x80\x80", "\"\\xf4\\x90\\x80\\x80\"" },	/* past U+10FFFF */
		{ "a\xc2\x85" "b", "\"a\\u0085b\"" },		/* NEL */
		{ "\xc2\x80", "\"\\u0080\"" },
		{ "\xc2\x9f", "\"\\u009f\"" },
		{ "a\xe2\x80\xa8" "b", "\"a\\u2028b\"" },
		{ "a\xe2\x80\xa9" "b", "\"a\\u2029b\"" },
		/* their neighbours are ordinary text */
		{ "\xc2\xa0", "\"\xc2\xa0\"" },			/* NO-BREAK SPACE */
		{ "\xe2\x80\xa7\xe2\x80\xaa", "\"\xe2\x80\xa7\xe2\x80\xaa\"" },
		{ "\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char want[128];

		log_kv(LOG_INFO, "m", "v", cases[i].in, NULL);
		snprintf(want, sizeof(want), "level=info msg=m v=%s\n", cases[i].out);
		expect_logfmt(want);
	}
	/* the message is a value like the others */
	log_info("nel\xc2\x85" "ls\xe2\x80\xa8" "bad\xfe");
	expect_logfmt("level=info msg=\"nel\\u0085ls\\u2028bad\\xfe\"\n");
}
END_TEST

/* The same escaper, called directly: it appends to what the buffer holds. */
START_TEST(test_logfmt_value_direct)
{
	struct buf b = BUF_INIT;

	buf_addstr(&b, "k=");
	log_add_logfmt_value(&b, "x\xc2\x85");
	buf_addstr(&b, " j=");
	log_add_logfmt_value(&b, "plain");
	ck_assert(!b.oom);
	ck_assert_str_eq(b.buf, "k=\"x\\u0085\" j=plain");
	buf_release(&b);
}
END_TEST

/* A message never spans lines: trailing newlines and blanks are dropped. */
START_TEST(test_trailing_newline_trimmed)
{
	log_info("from a library\n");
	expect_logfmt("level=info msg=\"from a library\"\n");
	log_info("several\n\n \n");
	expect_logfmt("level=info msg=several\n");
	log_info("inner\nnewline\n");
	expect_logfmt("level=info msg=\"inner\\nnewline\"\n");
	log_info("\n");
	expect_logfmt("level=info msg=\"\"\n");
}
END_TEST

START_TEST(test_logfmt_kv)
{
	log_kv(LOG_INFO, "scrape done", "objects", "42", "path", "/a b",
	       "quote", "x\"y", "empty", "", "null", (const char *)NULL, NULL);
	expect_logfmt("level=info msg=\"scrape done\" objects=42 path=\"/a b\" "
		      "quote=\"x\\\"y\" empty=\"\" null=\"\"\n");
	log_kv(LOG_WARN, "no fields", NULL);
	expect_logfmt("level=warn msg=\"no fields\"\n");
	log_kv(LOG_ERROR, "nl", "v", "l1\nl2", NULL);
	expect_logfmt("level=error msg=nl v=\"l1\\nl2\"\n");
}
END_TEST

START_TEST(test_kv_array)
{
	static const char *const kv[] = { "op", "LOAD", "prog", "a b", "null", NULL, NULL };
	static const char *const none[] = { NULL };

	log_kv_array(LOG_INFO, "event", kv);
	expect_logfmt("level=info msg=event op=LOAD prog=\"a b\" null=\"\"\n");
	log_kv_array(LOG_INFO, "bare", none);
	expect_logfmt("level=info msg=bare\n");
	log_setup(LOG_INFO, LOG_FMT_JSON, log_fd);
	log_kv_array(LOG_INFO, "event", kv);
	expect_json("\"level\":\"info\",\"msg\":\"event\",\"op\":\"LOAD\",\"prog\":\"a b\","
		    "\"null\":\"\"}\n");
	log_setup(LOG_WARN, LOG_FMT_JSON, log_fd);
	log_kv_array(LOG_INFO, "filtered", kv);
	ck_assert_str_eq(read_log(), "");
}
END_TEST

START_TEST(test_json_shape)
{
	log_setup(LOG_DEBUG, LOG_FMT_JSON, log_fd);
	log_info("hello");
	expect_json("\"level\":\"info\",\"msg\":\"hello\"}\n");
	log_debug("d");
	expect_json("\"level\":\"debug\",\"msg\":\"d\"}\n");
	log_warnx("w");
	expect_json("\"level\":\"warn\",\"msg\":\"w\"}\n");
	log_errx("e");
	expect_json("\"level\":\"error\",\"msg\":\"e\"}\n");
}
END_TEST

START_TEST(test_json_escaping)
{
	log_setup(LOG_INFO, LOG_FMT_JSON, log_fd);
	log_info("say \"hi\" \\ a\nb\tc\x01 caf\xc3\xa9 bad\xff");
	expect_json("\"level\":\"info\",\"msg\":"
		    "\"say \\\"hi\\\" \\\\ a\\nb\\tc\\u0001 caf\xc3\xa9 bad\\ufffd\"}\n");
	log_info("trailing\n");
	expect_json("\"level\":\"info\",\"msg\":\"trailing\"}\n");
	/* JSON and logfmt agree on what breaks lines */
	log_kv(LOG_INFO, "m", "v", "a\xc2\x85" "b\xe2\x80\xa8" "c\xe2\x80\xa9", NULL);
	expect_json("\"level\":\"info\",\"msg\":\"m\",\"v\":\"a\\u0085b\\u2028c\\u2029\"}\n");
}
END_TEST

START_TEST(test_json_kv)
{
	log_setup(LOG_INFO, LOG_FMT_JSON, log_fd);
	log_kv(LOG_INFO, "scrape done", "objects", "42", "path", "/a \"b\"",
	       "null", (const char *)NULL, NULL);
	expect_json("\"level\":\"info\",\"msg\":\"scrape done\",\"objects\":\"42\","
		    "\"path\":\"/a \\\"b\\\"\",\"null\":\"\"}\n");
}
END_TEST

/* Each call writes exactly one complete line, however many fields. */
START_TEST(test_one_line_per_message)
{
	const char *s;
	int lines = 0;

	log_info("one");
	log_kv(LOG_INFO, "two", "a", "x\ny", NULL);
	log_setup(LOG_DEBUG, LOG_FMT_JSON, log_fd);
	log_info("three\nlines\n");
	s = read_log();
	for (const char *p = s; *p; p++)
		lines += *p == '\n';
	ck_assert_int_eq(lines, 3);
	ck_assert_int_eq(s[strlen(s) - 1], '\n');
}
END_TEST

START_TEST(test_long_message)
{
	char big[20001];
	const char *s;

	memset(big, 'm', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	log_info("%s", big);
	s = read_log();
	ck_assert_ptr_nonnull(strstr(s, " msg="));
	ck_assert_uint_eq(strspn(strstr(s, " msg=") + 5, "m"), 20000);
	ck_assert_str_eq(strstr(s, " msg=") + 5 + 20000, "\n");
}
END_TEST

START_TEST(test_level_filter)
{
	log_setup(LOG_WARN, LOG_FMT_LOGFMT, log_fd);
	ck_assert(!log_enabled(LOG_DEBUG));
	ck_assert(!log_enabled(LOG_INFO));
	ck_assert(log_enabled(LOG_WARN));
	ck_assert(log_enabled(LOG_ERROR));
	log_debug("no");
	log_info("no");
	log_kv(LOG_INFO, "no", "k", "v", NULL);
	ck_assert_str_eq(read_log(), "");
	log_warnx("yes1");
	log_kv(LOG_WARN, "yes2", NULL);
	log_errx("yes3");
	read_log();
	ck_assert_ptr_nonnull(strstr(text, "level=warn msg=yes1\n"));
	ck_assert_ptr_nonnull(strstr(text, "level=warn msg=yes2\n"));
	ck_assert_ptr_nonnull(strstr(text, "level=error msg=yes3\n"));

	log_setup(LOG_ERROR, LOG_FMT_LOGFMT, log_fd);
	errno = EIO;
	log_warn("no");
	log_warnx("no");
	ck_assert_str_eq(read_log(), "");
	ck_assert_int_eq(errno, EIO);

	log_setup(LOG_DEBUG, LOG_FMT_LOGFMT, log_fd);
	ck_assert(log_enabled(LOG_DEBUG));
	log_debug("d");
	expect_logfmt("level=debug msg=d\n");
}
END_TEST

START_TEST(test_warn_errno)
{
	errno = ENOENT;
	log_warn("open %s", "/x");
	ck_assert_int_eq(errno, ENOENT);	/* preserved for the caller */
	expect_logfmt("level=warn msg=\"open /x: No such file or directory\"\n");
}
END_TEST

static void call_mhd(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_mhd(NULL, fmt, ap);
	va_end(ap);
}

START_TEST(test_mhd_route)
{
	call_mhd("Error %d in %s\n", 3, "accept");
	expect_logfmt("level=warn msg=\"Error 3 in accept\"\n");
	/* a flood from clients is rate-limited: the next one is held back */
	call_mhd("Error %d in %s\n", 4, "accept");
	ck_assert_str_eq(read_log(), "");
}
END_TEST

#define MHD_REFUSED "Error processing request (HTTP response code is %u ('%s')). Closing connection.\n"
#define MHD_HTML "<html><head><title>Request too big</title></head><body>Your HTTP header was too big.</body></html>"

/* libmicrohttpd answering a client's oversized request: debug, and no HTML. */
START_TEST(test_mhd_client_error)
{
	call_mhd(MHD_REFUSED, 414, MHD_HTML);
	expect_logfmt("level=debug msg=\"libmicrohttpd answered 414 to a request itself and "
		      "closed the connection\"\n");
}
END_TEST

/* At the default level they are not logged, and leave the rate limit to warnings. */
START_TEST(test_mhd_client_error_quiet)
{
	log_setup(LOG_INFO, LOG_FMT_LOGFMT, log_fd);
	call_mhd(MHD_REFUSED, 431, MHD_HTML);
	call_mhd(MHD_REFUSED, 400, MHD_HTML);
	call_mhd("Not enough memory in pool to allocate header record!\n");
	/* clients that left, or were dropped at a deadline */
	call_mhd("Connection socket is closed when reading request due to the error: %s\n",
		 "detected connection closure");
	call_mhd("Failed to send the response headers for the request for `%s'. Error: %s\n",
		 "/metrics", "The connection was forcibly closed by remote peer");
	call_mhd("Failed to send the response body for the request for `%s'. Error: %s\n",
		 "/metrics", "The socket is no longer available for sending");
	ck_assert_str_eq(read_log(), "");
	call_mhd("Error %d in %s\n", 3, "accept");
	expect_logfmt("level=warn msg=\"Error 3 in accept\"\n");
}
END_TEST

/* One the server caused stays a warning, without its HTML either. */
START_TEST(test_mhd_server_error)
{
	call_mhd(MHD_REFUSED, 500, MHD_HTML);
	expect_logfmt("level=warn msg=\"libmicrohttpd answered 500 to a request itself and "
		      "closed the connection\"\n");
}
END_TEST

static libbpf_print_fn_t routed;

static void call_libbpf(enum libbpf_print_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	routed(level, fmt, ap);
	va_end(ap);
}

/* libbpf's warnings are warnings; its info and debug chatter is debug. */
START_TEST(test_libbpf_route)
{
	libbpf_print_fn_t orig = libbpf_set_print(NULL);

	log_route_libbpf();
	routed = libbpf_set_print(orig);	/* fetch ours, put the original back */
	ck_assert_ptr_nonnull(routed);
	call_libbpf(LIBBPF_WARN, "libbpf: %s\n", "oops");
	expect_logfmt("level=warn msg=\"libbpf: oops\"\n");
	call_libbpf(LIBBPF_INFO, "info\n");
	expect_logfmt("level=debug msg=info\n");
	call_libbpf(LIBBPF_DEBUG, "debug\n");
	expect_logfmt("level=debug msg=debug\n");
	log_setup(LOG_INFO, LOG_FMT_LOGFMT, log_fd);
	call_libbpf(LIBBPF_INFO, "hidden\n");
	ck_assert_str_eq(read_log(), "");
}
END_TEST

START_TEST(test_ratelimit)
{
	struct log_ratelimit rl = LOG_RATELIMIT_INIT(60);
	struct log_ratelimit other = LOG_RATELIMIT_INIT(60);

	ck_assert(log_ratelimit_ok(&rl));
	ck_assert(!log_ratelimit_ok(&rl));
	ck_assert(!log_ratelimit_ok(&rl));
	/* states are independent */
	ck_assert(log_ratelimit_ok(&other));
	ck_assert(!log_ratelimit_ok(&other));
}
END_TEST

#define RL_THREADS 8

static struct log_ratelimit shared_rl = LOG_RATELIMIT_INIT(60);
static pthread_barrier_t rl_barrier;

static void *rl_thread(void *arg)
{
	int *won = arg;

	pthread_barrier_wait(&rl_barrier);
	for (int i = 0; i < 1000; i++)
		*won += log_ratelimit_ok(&shared_rl);
	return NULL;
}

/* Threads racing for one state: exactly one call wins. */
START_TEST(test_ratelimit_threads)
{
	pthread_t t[RL_THREADS];
	int won[RL_THREADS] = { 0 }, total = 0;

	pthread_barrier_init(&rl_barrier, NULL, RL_THREADS);
	for (int i = 0; i < RL_THREADS; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, rl_thread, &won[i]), 0);
	for (int i = 0; i < RL_THREADS; i++) {
		pthread_join(t[i], NULL);
		total += won[i];
	}
	pthread_barrier_destroy(&rl_barrier);
	ck_assert_int_eq(total, 1);
}
END_TEST

#define QUEUE_TEST_LINES (3 * LOG_QUEUE_LINES)

static bool produced;	/* __atomic */

static void *producer(void *arg)
{
	(void)arg;
	log_thread_queued();
	for (int i = 0; i < QUEUE_TEST_LINES; i++)
		log_info("line %d", i);
	__atomic_store_n(&produced, true, __ATOMIC_RELEASE);
	return NULL;
}

struct drain {
	int fd;
	struct buf got;
};

static void *drainer(void *arg)
{
	struct drain *d = arg;
	char chunk[65536];
	ssize_t n;

	while ((n = read(d->fd, chunk, sizeof(chunk))) > 0)
		buf_add(&d->got, chunk, (size_t)n);
	return NULL;
}

/*
 * A queued thread never waits on the log: with nobody reading the pipe
 * the log writes to, it logs three queues' worth of lines at once; what
 * does not fit is dropped and counted, the rest comes out in order, and
 * the log's thread says how many were dropped.
 */
START_TEST(test_queue_never_blocks)
{
	struct drain d = { .got = BUF_INIT };
	struct timespec t0, now;
	pthread_t prod, drain;
	int p[2], lines = 0, last = -1;
	unsigned long long dropped;

	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	ck_assert_int_ge(fcntl(p[1], F_SETPIPE_SZ, 4096), 4096);
	log_setup(LOG_INFO, LOG_FMT_LOGFMT, p[1]);
	ck_assert_int_eq(pthread_create(&prod, NULL, producer, NULL), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do
		clock_gettime(CLOCK_MONOTONIC, &now);
	while (!__atomic_load_n(&produced, __ATOMIC_ACQUIRE) && now.tv_sec - t0.tv_sec < 3);
	ck_assert_msg(__atomic_load_n(&produced, __ATOMIC_ACQUIRE),
		      "the queued thread waited on a full pipe");
	pthread_join(prod, NULL);
	dropped = log_dropped();
	ck_assert_uint_ge(dropped, LOG_QUEUE_LINES);	/* the queue, and one batch in write(2) */

	d.fd = p[0];
	ck_assert_int_eq(pthread_create(&drain, NULL, drainer, &d), 0);
	ck_assert_int_eq(log_flush(3000), 0);
	close(p[1]);
	pthread_join(drain, NULL);
	close(p[0]);
	ck_assert(!d.got.oom);
	for (const char *q = d.got.buf; (q = strstr(q, "msg=\"line ")); q++) {
		int i = atoi(q + 10);

		ck_assert_int_gt(i, last);	/* in order */
		last = i;
		lines++;
	}
	ck_assert_uint_eq((unsigned long long)lines, QUEUE_TEST_LINES - dropped);
	ck_assert_msg(strstr(d.got.buf, "lines of the audit thread dropped so far"), "no drop line");
	buf_release(&d.got);
	log_setup(LOG_DEBUG, LOG_FMT_LOGFMT, log_fd);
}
END_TEST

Suite *log_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc;

	tc = tcase_create("parse");
	tcase_add_test(tc, test_parse_level);
	tcase_add_test(tc, test_parse_format);
	suite_add_tcase(s, tc);

	tc = tcase_create("lines");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_logfmt_shape);
	tcase_add_test(tc, test_timestamp_is_now_utc);
	tcase_add_test(tc, test_logfmt_quoting);
	tcase_add_test(tc, test_logfmt_utf8);
	tcase_add_test(tc, test_logfmt_value_direct);
	tcase_add_test(tc, test_trailing_newline_trimmed);
	tcase_add_test(tc, test_logfmt_kv);
	tcase_add_test(tc, test_kv_array);
	tcase_add_test(tc, test_json_shape);
	tcase_add_test(tc, test_json_escaping);
	tcase_add_test(tc, test_json_kv);
	tcase_add_test(tc, test_one_line_per_message);
	tcase_add_test(tc, test_long_message);
	tcase_add_test(tc, test_level_filter);
	tcase_add_test(tc, test_warn_errno);
	tcase_add_test(tc, test_mhd_route);
	tcase_add_test(tc, test_mhd_client_error);
	tcase_add_test(tc, test_mhd_client_error_quiet);
	tcase_add_test(tc, test_mhd_server_error);
	tcase_add_test(tc, test_libbpf_route);
	tcase_add_test(tc, test_queue_never_blocks);
	suite_add_tcase(s, tc);

	tc = tcase_create("ratelimit");
	tcase_add_test(tc, test_ratelimit);
	tcase_add_test(tc, test_ratelimit_threads);
	suite_add_tcase(s, tc);

	return s;
}
