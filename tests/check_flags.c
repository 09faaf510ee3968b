// SPDX-License-Identifier: Apache-2.0
/*
 * check_flags - unit tests for command-line parsing: defaults, every flag
 * in both "--flag=value" and "--flag value" forms, --help and --version,
 * and the usage errors (one line naming the problem plus a pointer to
 * --help, on err, nothing on out), and that parses can follow each other
 * (flags_parse() resets getopt).  out and err are memory streams.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "collectors.h"
#include "flags.h"
#include "suites.h"

static FILE *out, *err;
static char *out_text, *err_text;
static size_t out_len, err_len;
static struct flags f;

static void open_streams(void)
{
	out = open_memstream(&out_text, &out_len);
	err = open_memstream(&err_text, &err_len);
	ck_assert_ptr_nonnull(out);
	ck_assert_ptr_nonnull(err);
}

static void close_streams(void)
{
	fclose(out);
	fclose(err);
	free(out_text);
	free(err_text);
	out_text = err_text = NULL;
}

static void setup(void)
{
	open_streams();
}

static void teardown(void)
{
	close_streams();
}

/* Empty both streams. */
static void clear(void)
{
	close_streams();
	open_streams();
}

/* The struct flags_env parse_args() hands over: the exporter's, unless a test sets another. */
static const struct flags_env *env;

/* flags_parse(argv = { "bpf-metrics-exporter", args..., NULL }). */
static enum flags_result parse_args(const char *first, ...)
{
	static char *argv[32];
	enum flags_result r;
	const char *a;
	va_list ap;
	int argc = 0;

	clear();
	argv[argc++] = (char *)"bpf-metrics-exporter";
	va_start(ap, first);
	for (a = first; a; a = va_arg(ap, const char *)) {
		ck_assert_int_lt(argc, 31);
		argv[argc++] = (char *)a;
	}
	va_end(ap);
	argv[argc] = NULL;
	r = flags_parse(&f, env ? env : cli_flags_env(), argc, argv, out, err);
	fflush(out);
	fflush(err);
	return r;
}

#define parse(...) parse_args(__VA_ARGS__, (const char *)NULL)

/* The listen addresses are exactly one, want. */
#define ck_assert_listen(want) do { \
	ck_assert_uint_eq(f.nr_listen_addresses, 1); \
	ck_assert_str_eq(f.listen_addresses[0], want); \
} while (0)

static void assert_defaults(void)
{
	ck_assert_listen(":9435");
	ck_assert_str_eq(f.telemetry_path, "/metrics");
	ck_assert_uint_eq(f.max_connections, 1024);
	ck_assert_uint_eq(f.max_requests, 40);
	ck_assert_uint_eq(f.max_followers, 16);
	ck_assert_uint_eq(f.read_timeout_ms, 10000);
	ck_assert_uint_eq(f.write_timeout_ms, 30000);
	ck_assert_int_eq(f.log_level, LOG_INFO);
	ck_assert_int_eq(f.log_format, LOG_FMT_LOGFMT);
	ck_assert(!f.no_audit);
	ck_assert(!f.audit_enable);
	ck_assert(!f.enable_stats);
	ck_assert_int_eq(f.holders_source, FLAGS_HOLDERS_AUTO);
	ck_assert_int_eq(f.snapshot_source, FLAGS_SNAPSHOT_AUTO);
	ck_assert_uint_eq(f.audit_buffer_bytes, FLAGS_DEFAULT_AUDIT_BUFFER);
	ck_assert_uint_eq(f.events_capacity, 1024);
	for (size_t i = 0; i < collectors_table.nr_defs; i++)
		ck_assert_msg(flags_collector_on(&f, collectors_table.defs[i].name) == collectors_table.defs[i].default_on,
			      "collector %s", collectors_table.defs[i].name);
}

/* A usage error: nothing on out, two lines on err, the first mentioning what. */
static void assert_usage(enum flags_result r, const char *what)
{
	const char *nl;

	ck_assert_int_eq(r, FLAGS_USAGE);
	ck_assert_uint_eq(out_len, 0);
	ck_assert_uint_gt(err_len, 0);
	ck_assert_msg(!strncmp(err_text, "bpf-metrics-exporter: ", 22), "err: %s", err_text);
	nl = strchr(err_text, '\n');
	ck_assert_ptr_nonnull(nl);
	ck_assert_str_eq(nl + 1, "Try 'bpf-metrics-exporter --help' for more information.\n");
	ck_assert_msg(memmem(err_text, (size_t)(nl - err_text), what, strlen(what)),
		      "first line of err does not mention \"%s\": %s", what, err_text);
}

START_TEST(test_defaults)
{
	memset(&f, 0xff, sizeof(f));	/* flags_parse must not rely on f's content */
	ck_assert_int_eq(parse_args(NULL), FLAGS_RUN);
	assert_defaults();
	ck_assert_uint_eq(out_len, 0);
	ck_assert_uint_eq(err_len, 0);
	ck_assert_str_eq(FLAGS_DEFAULT_LISTEN, ":9435");
	ck_assert_str_eq(FLAGS_DEFAULT_PATH, "/metrics");
	ck_assert_int_eq(FLAGS_DEFAULT_MAX_CONNECTIONS, 1024);
}
END_TEST

/* Every flag, in both forms, alone: it is set and nothing else changes. */
START_TEST(test_listen_address)
{
	ck_assert_int_eq(parse("--web.listen-address=127.0.0.1:1234"), FLAGS_RUN);
	ck_assert_listen("127.0.0.1:1234");
	ck_assert_str_eq(f.telemetry_path, "/metrics");
	ck_assert_int_eq(parse("--web.listen-address", "[::1]:9"), FLAGS_RUN);
	ck_assert_listen("[::1]:9");
	ck_assert_int_eq(parse("--web.listen-address=:0"), FLAGS_RUN);
	ck_assert_listen(":0");
	ck_assert_int_eq(parse("--web.listen-address", "localhost:65535"), FLAGS_RUN);
	ck_assert_listen("localhost:65535");
	ck_assert_uint_eq(err_len, 0);
}
END_TEST

START_TEST(test_telemetry_path)
{
	ck_assert_int_eq(parse("--web.telemetry-path=/m"), FLAGS_RUN);
	ck_assert_str_eq(f.telemetry_path, "/m");
	ck_assert_listen(":9435");
	ck_assert_int_eq(parse("--web.telemetry-path", "/a/b/metrics"), FLAGS_RUN);
	ck_assert_str_eq(f.telemetry_path, "/a/b/metrics");
	ck_assert_uint_eq(err_len, 0);
}
END_TEST

START_TEST(test_max_connections)
{
	ck_assert_int_eq(parse("--web.max-connections=2"), FLAGS_RUN);
	ck_assert_uint_eq(f.max_connections, 2);
	ck_assert_int_eq(parse("--web.max-connections", "65536"), FLAGS_RUN);
	ck_assert_uint_eq(f.max_connections, 65536);
	ck_assert_int_eq(parse("--web.max-connections", "100"), FLAGS_RUN);
	ck_assert_uint_eq(f.max_connections, 100);
	ck_assert_listen(":9435");
	ck_assert_uint_eq(err_len, 0);
}
END_TEST

START_TEST(test_max_requests)
{
	ck_assert_int_eq(parse("--web.max-requests=0"), FLAGS_RUN);
	ck_assert_uint_eq(f.max_requests, 0);	/* no limit */
	ck_assert_int_eq(parse("--web.max-requests", "65536"), FLAGS_RUN);
	ck_assert_uint_eq(f.max_requests, 65536);
	ck_assert_int_eq(parse("--web.max-requests", "1"), FLAGS_RUN);
	ck_assert_uint_eq(f.max_requests, 1);
	ck_assert_uint_eq(f.max_connections, 1024);
}
END_TEST

START_TEST(test_max_followers)
{
	static const char *const bad[] = { "", "x", "-1", "1025", "+5", "99999999999999999999" };

	ck_assert_int_eq(parse("--web.max-followers=0"), FLAGS_RUN);
	ck_assert_uint_eq(f.max_followers, 0);	/* following is off */
	ck_assert_int_eq(parse("--web.max-followers", "1024"), FLAGS_RUN);
	ck_assert_uint_eq(f.max_followers, 1024);
	ck_assert_uint_eq(f.max_requests, 40);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char what[80];

		snprintf(what, sizeof(what), "invalid --web.max-followers \"%s\"", bad[i]);
		assert_usage(parse("--web.max-followers", bad[i]), what);
		ck_assert_msg(strstr(err_text, "0 (following is off) to 1024"), "err: %s", err_text);
	}
}
END_TEST

START_TEST(test_timeouts)
{
	static const struct {
		const char *arg;
		unsigned int ms;
	} good[] = {
		{ "10s", 10000 }, { "10", 10000 }, { "500ms", 500 }, { "1m30s", 90000 },
		{ "2m", 120000 }, { "1h", 3600000 }, { "100ms", 100 }, { "1s500ms", 1500 },
		{ "0m10s", 10000 }, { "007s", 7000 },
	};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ck_assert_int_eq(parse("--web.read-timeout", good[i].arg), FLAGS_RUN);
		ck_assert_msg(f.read_timeout_ms == good[i].ms, "%s: %u ms, want %u", good[i].arg,
			      f.read_timeout_ms, good[i].ms);
		ck_assert_uint_eq(f.write_timeout_ms, 30000);
		ck_assert_int_eq(parse("--web.write-timeout", good[i].arg), FLAGS_RUN);
		ck_assert_uint_eq(f.write_timeout_ms, good[i].ms);
		ck_assert_uint_eq(f.read_timeout_ms, 10000);
	}
}
END_TEST

START_TEST(test_bad_timeouts)
{
	static const char *const bad[] = {
		"", "x", "s", "10x", "10 s", " 10s", "-1s", "+1s", "99ms", "0", "0s", "1h1ms",
		"2h", "3601", "1.5s", "10sec", "10S", "1m30", "ms", "10s10", "4294967296ms",
		"99999999999999999999s",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char what[96];

		snprintf(what, sizeof(what), "invalid --web.read-timeout \"%s\"", bad[i]);
		assert_usage(parse("--web.read-timeout", bad[i]), what);
		ck_assert_msg(strstr(err_text, "from 100ms to 1h"), "err: %s", err_text);
		snprintf(what, sizeof(what), "invalid --web.write-timeout \"%s\"", bad[i]);
		assert_usage(parse("--web.write-timeout", bad[i]), what);
	}
}
END_TEST

START_TEST(test_bad_max_requests)
{
	static const char *const bad[] = { "", "x", "-1", "65537", "+5", "1e3", "99999999999999999999" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char what[80];

		snprintf(what, sizeof(what), "invalid --web.max-requests \"%s\"", bad[i]);
		assert_usage(parse("--web.max-requests", bad[i]), what);
		ck_assert_msg(strstr(err_text, "0 (no limit) to 65536"), "err: %s", err_text);
	}
}
END_TEST

START_TEST(test_log_level)
{
	ck_assert_int_eq(parse("--log.level=debug"), FLAGS_RUN);
	ck_assert_int_eq(f.log_level, LOG_DEBUG);
	ck_assert_int_eq(parse("--log.level", "warn"), FLAGS_RUN);
	ck_assert_int_eq(f.log_level, LOG_WARN);
	ck_assert_int_eq(parse("--log.level=error"), FLAGS_RUN);
	ck_assert_int_eq(f.log_level, LOG_ERROR);
	ck_assert_int_eq(parse("--log.level", "info"), FLAGS_RUN);
	ck_assert_int_eq(f.log_level, LOG_INFO);
	ck_assert_int_eq(f.log_format, LOG_FMT_LOGFMT);
	ck_assert_uint_eq(err_len, 0);
}
END_TEST

START_TEST(test_log_format)
{
	ck_assert_int_eq(parse("--log.format=json"), FLAGS_RUN);
	ck_assert_int_eq(f.log_format, LOG_FMT_JSON);
	ck_assert_int_eq(f.log_level, LOG_INFO);
	ck_assert_int_eq(parse("--log.format", "logfmt"), FLAGS_RUN);
	ck_assert_int_eq(f.log_format, LOG_FMT_LOGFMT);
	ck_assert_int_eq(parse("--log.format", "json"), FLAGS_RUN);
	ck_assert_int_eq(f.log_format, LOG_FMT_JSON);
	ck_assert_uint_eq(err_len, 0);
}
END_TEST

START_TEST(test_no_audit)
{
	ck_assert_int_eq(parse("--no-audit"), FLAGS_RUN);
	ck_assert(f.no_audit);
	ck_assert_listen(":9435");
	/* a second parse starts from the defaults again */
	ck_assert_int_eq(parse_args(NULL), FLAGS_RUN);
	assert_defaults();
}
END_TEST

START_TEST(test_audit_enable)
{
	ck_assert_int_eq(parse("--audit.enable"), FLAGS_RUN);
	ck_assert(f.audit_enable);
	ck_assert(!f.no_audit);
	ck_assert_uint_eq(f.events_capacity, 1024);
}
END_TEST

START_TEST(test_enable_stats)
{
	ck_assert_int_eq(parse("--bpf.enable-stats"), FLAGS_RUN);
	ck_assert(f.enable_stats);
	ck_assert(flags_collector_on(&f, "stats"));
	ck_assert_int_eq(parse("--bpf.enable-stats=1"), FLAGS_USAGE);	/* takes no value */
}
END_TEST

/* --collector.holders.source: one of three words; the holders collector's own flags still work. */
START_TEST(test_holders_source)
{
	ck_assert_int_eq(parse("--collector.holders.source=procfs"), FLAGS_RUN);
	ck_assert_int_eq(f.holders_source, FLAGS_HOLDERS_PROCFS);
	ck_assert_int_eq(parse("--collector.holders.source", "iterator"), FLAGS_RUN);
	ck_assert_int_eq(f.holders_source, FLAGS_HOLDERS_ITERATOR);
	ck_assert_int_eq(parse("--collector.holders.source=iterator",
			       "--collector.holders.source=auto"), FLAGS_RUN);
	ck_assert_int_eq(f.holders_source, FLAGS_HOLDERS_AUTO);
	ck_assert_int_eq(parse("--no-collector.holders", "--collector.holders.source=procfs"),
			 FLAGS_RUN);
	ck_assert(!flags_collector_on(&f, "holders"));
	ck_assert_int_eq(parse("--collector.holders"), FLAGS_RUN);
	ck_assert(flags_collector_on(&f, "holders"));
	ck_assert_int_eq(f.holders_source, FLAGS_HOLDERS_AUTO);
	assert_usage(parse("--collector.holders.source=bpf"),
		     "invalid --collector.holders.source \"bpf\": expected auto, iterator or procfs");
	assert_usage(parse("--collector.holders.source="), "invalid --collector.holders.source");
	assert_usage(parse("--collector.holders.source"), "--collector.holders.source");
}
END_TEST

/* --bpf.snapshot.source: one of three words, the last one given wins. */
START_TEST(test_snapshot_source)
{
	ck_assert_int_eq(parse("--bpf.snapshot.source=syscall"), FLAGS_RUN);
	ck_assert_int_eq(f.snapshot_source, FLAGS_SNAPSHOT_SYSCALL);
	ck_assert_int_eq(parse("--bpf.snapshot.source", "iterator"), FLAGS_RUN);
	ck_assert_int_eq(f.snapshot_source, FLAGS_SNAPSHOT_ITERATOR);
	ck_assert_int_eq(parse("--bpf.snapshot.source=syscall", "--bpf.snapshot.source=auto"),
			 FLAGS_RUN);
	ck_assert_int_eq(f.snapshot_source, FLAGS_SNAPSHOT_AUTO);
	assert_usage(parse("--bpf.snapshot.source=procfs"),
		     "invalid --bpf.snapshot.source \"procfs\": expected auto, iterator or syscall");
	assert_usage(parse("--bpf.snapshot.source="), "invalid --bpf.snapshot.source");
	assert_usage(parse("--bpf.snapshot.source"), "--bpf.snapshot.source");
}
END_TEST

START_TEST(test_audit_buffer_bytes)
{
	ck_assert_int_eq(parse("--audit.buffer-bytes=65536"), FLAGS_RUN);
	ck_assert_uint_eq(f.audit_buffer_bytes, 65536);
	ck_assert_int_eq(parse("--audit.buffer-bytes", "1073741824"), FLAGS_RUN);
	ck_assert_uint_eq(f.audit_buffer_bytes, 1073741824);
	ck_assert_uint_eq(f.events_capacity, 1024);
	ck_assert_uint_eq(err_len, 0);
}
END_TEST

START_TEST(test_events_capacity)
{
	ck_assert_int_eq(parse("--events.capacity=1"), FLAGS_RUN);
	ck_assert_uint_eq(f.events_capacity, 1);
	ck_assert_int_eq(parse("--events.capacity", "1000000"), FLAGS_RUN);
	ck_assert_uint_eq(f.events_capacity, 1000000);
	ck_assert_uint_eq(f.audit_buffer_bytes, FLAGS_DEFAULT_AUDIT_BUFFER);
	ck_assert_uint_eq(err_len, 0);
}
END_TEST

START_TEST(test_all_together)
{
	ck_assert_int_eq(parse("--web.listen-address", "127.0.0.1:0",
			       "--web.telemetry-path=/x", "--web.max-connections", "8",
			       "--log.level=debug", "--log.format", "json", "--no-audit",
			       "--audit.enable", "--audit.buffer-bytes", "131072",
			       "--events.capacity=7"),
			 FLAGS_RUN);
	ck_assert(f.audit_enable);
	ck_assert_uint_eq(f.audit_buffer_bytes, 131072);
	ck_assert_uint_eq(f.events_capacity, 7);
	ck_assert_listen("127.0.0.1:0");
	ck_assert_str_eq(f.telemetry_path, "/x");
	ck_assert_uint_eq(f.max_connections, 8);
	ck_assert_int_eq(f.log_level, LOG_DEBUG);
	ck_assert_int_eq(f.log_format, LOG_FMT_JSON);
	ck_assert(f.no_audit);
	ck_assert_uint_eq(out_len, 0);
	ck_assert_uint_eq(err_len, 0);
}
END_TEST

START_TEST(test_last_wins)
{
	ck_assert_int_eq(parse("--log.level=debug", "--log.level", "error"), FLAGS_RUN);
	ck_assert_int_eq(f.log_level, LOG_ERROR);
}
END_TEST

START_TEST(test_systemd_socket)
{
	ck_assert_int_eq(parse_args(NULL), FLAGS_RUN);
	ck_assert(!f.systemd_socket && !f.listen_address_given);
	ck_assert_int_eq(parse("--web.systemd-socket"), FLAGS_RUN);
	ck_assert(f.systemd_socket && !f.listen_address_given);
	ck_assert_listen(":9435");
	ck_assert_int_eq(parse("--web.listen-address=:1", "--web.systemd-socket"), FLAGS_RUN);
	ck_assert(f.systemd_socket && f.listen_address_given);
	ck_assert_uint_eq(err_len, 0);
	assert_usage(parse("--web.systemd-socket=yes"), "--web.systemd-socket");
}
END_TEST

START_TEST(test_disable_exporter_metrics)
{
	ck_assert_int_eq(parse_args(NULL), FLAGS_RUN);
	ck_assert(!f.disable_exporter_metrics);
	ck_assert_int_eq(parse("--web.disable-exporter-metrics"), FLAGS_RUN);
	ck_assert(f.disable_exporter_metrics);
	ck_assert_listen(":9435");
	assert_usage(parse("--web.disable-exporter-metrics=1"), "--web.disable-exporter-metrics");
}
END_TEST

/* --web.listen-address adds an address each time, in order; the default only when none is given. */
START_TEST(test_listen_repeated)
{
	char args[FLAGS_MAX_LISTEN + 1][32];
	char *argv[FLAGS_MAX_LISTEN + 3];
	int argc = 0;

	ck_assert_int_eq(parse("--web.listen-address=:1", "--no-audit", "--web.listen-address",
			       "[::1]:2", "--web.listen-address=127.0.0.1:3"), FLAGS_RUN);
	ck_assert_uint_eq(f.nr_listen_addresses, 3);
	ck_assert_str_eq(f.listen_addresses[0], ":1");
	ck_assert_str_eq(f.listen_addresses[1], "[::1]:2");
	ck_assert_str_eq(f.listen_addresses[2], "127.0.0.1:3");
	ck_assert_uint_eq(err_len, 0);

	/* the same address twice could never be bound twice: a usage error naming it */
	assert_usage(parse("--web.listen-address=:1", "--web.listen-address=:2",
			   "--web.listen-address=:1"), "--web.listen-address \":1\" is given twice");

	/* FLAGS_MAX_LISTEN are fine, one more is a usage error */
	argv[argc++] = (char *)"bpf-metrics-exporter";
	for (int i = 0; i <= FLAGS_MAX_LISTEN; i++) {
		snprintf(args[i], sizeof(args[i]), "--web.listen-address=:%d", 1000 + i);
		argv[argc++] = args[i];
	}
	argv[argc] = NULL;
	clear();
	ck_assert_int_eq(flags_parse(&f, cli_flags_env(), argc - 1, argv, out, err), FLAGS_RUN);
	ck_assert_uint_eq(f.nr_listen_addresses, FLAGS_MAX_LISTEN);
	ck_assert_str_eq(f.listen_addresses[FLAGS_MAX_LISTEN - 1], args[FLAGS_MAX_LISTEN - 1] + 21);
	clear();
	ck_assert_int_eq(flags_parse(&f, cli_flags_env(), argc, argv, out, err), FLAGS_USAGE);
	fflush(err);
	ck_assert_msg(strstr(err_text, "too many --web.listen-address flags: at most 16"), "%s", err_text);
}
END_TEST

static void assert_help(void)
{
	static const char *const mentioned[] = {
		"--web.listen-address", "--web.telemetry-path", "--web.max-connections",
		"--web.systemd-socket", "--web.disable-exporter-metrics",
		"--web.max-requests", "--web.max-followers", "--web.read-timeout", "--web.write-timeout",
		"--log.level", "--log.format", "--no-audit", "--audit.enable",
		"--audit.buffer-bytes", "--events.capacity", "--help", "--version",
		":9435", "/metrics", "1024", "67108864", "default 40)", "default 10s)",
		"default 30s)",
	};

	ck_assert_msg(!strncmp(out_text, "Usage: bpf-metrics-exporter", 27), "out: %s", out_text);
	ck_assert_int_eq(out_text[out_len - 1], '\n');
	for (size_t i = 0; i < sizeof(mentioned) / sizeof(mentioned[0]); i++)
		ck_assert_msg(strstr(out_text, mentioned[i]), "help lacks %s", mentioned[i]);
	ck_assert_uint_eq(err_len, 0);
}

START_TEST(test_help)
{
	ck_assert_int_eq(parse("--help"), FLAGS_EXIT_OK);
	assert_help();
	ck_assert_int_eq(parse("-h"), FLAGS_EXIT_OK);
	assert_help();
	ck_assert_int_eq(parse("--no-audit", "--help", "--log.level=debug"), FLAGS_EXIT_OK);
	assert_help();
}
END_TEST

START_TEST(test_usage_matches_help)
{
	char *text = NULL;
	size_t len = 0;
	FILE *u = open_memstream(&text, &len);

	ck_assert_ptr_nonnull(u);
	flags_usage(cli_flags_env(), u);
	fclose(u);
	ck_assert_int_eq(parse("--help"), FLAGS_EXIT_OK);
	ck_assert_str_eq(out_text, text);
	free(text);
}
END_TEST

START_TEST(test_version)
{
	const char *v;

	ck_assert_int_eq(parse("--version"), FLAGS_EXIT_OK);
	ck_assert_uint_eq(err_len, 0);
	ck_assert_msg(!strncmp(out_text, "bpf-metrics-exporter ", 21), "out: %s", out_text);
	v = out_text + 21;
	/* one line: the program name and a non-empty version without blanks */
	ck_assert_uint_gt(strcspn(v, " \n"), 0);
	ck_assert_str_eq(v + strcspn(v, " \n"), "\n");
}
END_TEST

START_TEST(test_unknown_flag)
{
	assert_usage(parse("--bogus"), "unknown flag --bogus");
	assert_usage(parse("--bogus=1"), "--bogus");
	assert_usage(parse("--no-audit", "--web.listen-adress=:1"), "--web.listen-adress");
	assert_usage(parse("-x"), "unknown flag -x");
	/* an abbreviation that fits several flags */
	assert_usage(parse("--web=1"), "--web");
	/* a flag that takes no value, given one */
	assert_usage(parse("--no-audit=yes"), "--no-audit");
	assert_usage(parse("--audit.enable=1"), "--audit.enable");
	assert_usage(parse("--help=x"), "--help");
}
END_TEST

START_TEST(test_missing_value)
{
	assert_usage(parse("--web.listen-address"), "flag --web.listen-address needs a value");
	assert_usage(parse("--web.telemetry-path"), "--web.telemetry-path needs a value");
	assert_usage(parse("--web.max-connections"), "--web.max-connections needs a value");
	assert_usage(parse("--no-audit", "--log.level"), "--log.level needs a value");
	assert_usage(parse("--log.format"), "--log.format needs a value");
	assert_usage(parse("--audit.buffer-bytes"), "--audit.buffer-bytes needs a value");
	assert_usage(parse("--events.capacity"), "--events.capacity needs a value");
}
END_TEST

/* The address's syntax is checked here; whether it can be bound, later. */
START_TEST(test_bad_listen_address)
{
	static const char *const bad[] = {
		"", "9435", "127.0.0.1", "127.0.0.1:", "127.0.0.1:99999", "127.0.0.1:-1",
		"127.0.0.1:+1", "127.0.0.1: 80", "127.0.0.1:80x", "::1:80", "[::1]80", "[]:80",
		"[::1", "--no-audit",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char what[80];

		snprintf(what, sizeof(what), "invalid listen address \"%s\"", bad[i]);
		assert_usage(parse("--web.listen-address", bad[i]), what);
	}
}
END_TEST

START_TEST(test_bad_telemetry_path)
{
	static const char *const bad[] = {
		"metrics", "/", "", "/a b", "/a?b", "/a#b", "/a\"b", "/<x>",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char arg[64], what[64];

		snprintf(arg, sizeof(arg), "--web.telemetry-path=%s", bad[i]);
		snprintf(what, sizeof(what), "invalid --web.telemetry-path \"%s\"", bad[i]);
		assert_usage(parse(arg), what);
	}
}
END_TEST

/* A path another endpoint serves would hide it. */
START_TEST(test_telemetry_path_taken)
{
	assert_usage(parse("--web.telemetry-path=/events"), "invalid --web.telemetry-path \"/events\"");
	ck_assert_msg(strstr(err_text, "/events is another endpoint's"), "err: %s", err_text);
	assert_usage(parse("--web.telemetry-path", "/"), "invalid --web.telemetry-path \"/\"");
	/* near misses are fine */
	ck_assert_int_eq(parse("--web.telemetry-path=/events/"), FLAGS_RUN);
	ck_assert_int_eq(parse("--web.telemetry-path=/eventsx"), FLAGS_RUN);
	ck_assert_int_eq(parse("--web.telemetry-path=/Events"), FLAGS_RUN);
}
END_TEST

START_TEST(test_bad_max_connections)
{
	static const char *const bad[] = {
		"", "abc", "0", "1", "65537", "-5", "-1", "+5", " 5", "10x", "2.5",
		"99999999999999999999", "18446744073709551617",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char what[80];

		snprintf(what, sizeof(what), "invalid --web.max-connections \"%s\"", bad[i]);
		assert_usage(parse("--web.max-connections", bad[i]), what);
		ck_assert_msg(strstr(err_text, "2 to 65536"), "err: %s", err_text);
	}
}
END_TEST

START_TEST(test_bad_audit_numbers)
{
	static const char *const bad_buffer[] = {
		"", "x", "0", "65535", "1073741825", "-65536", "+65536", " 65536", "64k",
	};
	static const char *const bad_capacity[] = {
		"", "x", "0", "1000001", "-1", "1e3", "99999999999999999999",
	};

	for (size_t i = 0; i < sizeof(bad_buffer) / sizeof(bad_buffer[0]); i++) {
		char what[80];

		snprintf(what, sizeof(what), "invalid --audit.buffer-bytes \"%s\"", bad_buffer[i]);
		assert_usage(parse("--audit.buffer-bytes", bad_buffer[i]), what);
		ck_assert_ptr_nonnull(strstr(err_text, "65536 to 1073741824"));
	}
	for (size_t i = 0; i < sizeof(bad_capacity) / sizeof(bad_capacity[0]); i++) {
		char what[80];

		snprintf(what, sizeof(what), "invalid --events.capacity \"%s\"", bad_capacity[i]);
		assert_usage(parse("--events.capacity", bad_capacity[i]), what);
		ck_assert_ptr_nonnull(strstr(err_text, "1 to 1000000"));
	}
}
END_TEST

START_TEST(test_bad_log_level)
{
	assert_usage(parse("--log.level=verbose"), "invalid --log.level \"verbose\"");
	assert_usage(parse("--log.level", "INFO"), "invalid --log.level \"INFO\"");
	assert_usage(parse("--log.level="), "invalid --log.level \"\"");
	ck_assert_ptr_nonnull(strstr(err_text, "debug, info, warn or error"));
}
END_TEST

START_TEST(test_bad_log_format)
{
	assert_usage(parse("--log.format=text"), "invalid --log.format \"text\"");
	assert_usage(parse("--log.format", "JSON"), "invalid --log.format \"JSON\"");
	ck_assert_ptr_nonnull(strstr(err_text, "logfmt or json"));
}
END_TEST

START_TEST(test_stray_argument)
{
	assert_usage(parse("foo"), "unexpected argument \"foo\"");
	assert_usage(parse("--no-audit", "foo"), "unexpected argument \"foo\"");
	assert_usage(parse("foo", "--no-audit"), "unexpected argument \"foo\"");
	assert_usage(parse("--", "--no-audit"), "unexpected argument \"--no-audit\"");
	assert_usage(parse("-"), "unexpected argument \"-\"");
}
END_TEST

/*
 * flags_parse() resets getopt itself, so parses can follow each other; these
 * reuse the state an earlier parse left behind after stopping early in the
 * middle of a cluster of short options.
 */
START_TEST(test_reparse_after_help_cluster)
{
	ck_assert_int_eq(parse("-hh"), FLAGS_EXIT_OK);
	ck_assert_int_eq(parse_args(NULL), FLAGS_RUN);
	ck_assert_uint_eq(out_len, 0);
	assert_defaults();
}
END_TEST

START_TEST(test_reparse_after_unknown_cluster)
{
	ck_assert_int_eq(parse("-xy"), FLAGS_USAGE);
	ck_assert_int_eq(parse("--no-audit"), FLAGS_RUN);
	ck_assert_uint_eq(err_len, 0);
	ck_assert(f.no_audit);
}
END_TEST

/* The unknown option in a cluster is named, not whatever argv[optind - 1] is. */
START_TEST(test_unknown_in_cluster)
{
	assert_usage(parse("-xy"), "-x");
	ck_assert_ptr_null(strstr(err_text, "unknown flag bpf-metrics-exporter"));
}
END_TEST

/* ---- collectors ---- */

START_TEST(test_collectors_default)
{
	ck_assert_uint_le(collectors_table.nr_defs, FLAGS_MAX_COLLECTORS);
	ck_assert_int_eq(parse_args(NULL), FLAGS_RUN);
	ck_assert(flags_collector_on(&f, "core"));
	ck_assert(flags_collector_on(&f, "audit"));
	ck_assert(!flags_collector_on(&f, "bogus"));
	ck_assert(!flags_collector_on(&f, ""));
	ck_assert(!f.no_audit);
}
END_TEST

/*
 * flags knows the collectors only as the plain data it is given: another
 * table gives other flags, other --help lines and other errors, and no
 * listen-address check given means none is made.
 */
START_TEST(test_collectors_plain_data)
{
	static const struct flags_collector mine[] = { { "x", false, "the x collector" } };
	static const char *const taken[] = { "/a" };
	static const struct flags_env other = {
		.collectors = mine, .nr_collectors = 1, .taken_paths = taken, .nr_taken_paths = 1,
	};

	env = &other;
	ck_assert_int_eq(parse(NULL), FLAGS_RUN);
	ck_assert(!flags_collector_on(&f, "x"));
	ck_assert(!flags_collector_on(&f, "core"));
	ck_assert(f.no_audit);	/* no collector called audit */
	ck_assert_int_eq(parse("--collector.x"), FLAGS_RUN);
	ck_assert(flags_collector_on(&f, "x"));
	ck_assert_int_eq(parse("--collector.core"), FLAGS_USAGE);
	ck_assert_msg(strstr(err_text, "unknown collector \"core\" in --collector.core: the collectors are x\n"),
		      "%s", err_text);
	ck_assert_int_eq(parse("--web.telemetry-path=/a"), FLAGS_USAGE);
	ck_assert_msg(strstr(err_text, "/a is another endpoint's path (/a is taken)\n"), "%s", err_text);
	ck_assert_int_eq(parse("--web.telemetry-path=/events", "--web.listen-address=any"), FLAGS_RUN);
	ck_assert_int_eq(parse("--help"), FLAGS_EXIT_OK);
	ck_assert_msg(strstr(out_text, "  --collector.x, --no-collector.x\n"
			     "                         the x collector (default off)\n"), "%s", out_text);
	ck_assert_ptr_null(strstr(out_text, "--collector.core"));
	env = NULL;
}
END_TEST

/* Every collector of the table has its two flags. */
START_TEST(test_collector_table)
{
	for (size_t i = 0; i < collectors_table.nr_defs; i++) {
		char on[80], off[80];

		snprintf(on, sizeof(on), "--collector.%s", collectors_table.defs[i].name);
		snprintf(off, sizeof(off), "--no-collector.%s", collectors_table.defs[i].name);
		ck_assert_msg(parse(off) == FLAGS_RUN, "%s: %s", off, err_text);
		ck_assert_msg(!flags_collector_on(&f, collectors_table.defs[i].name), "%s left it on", off);
		ck_assert_msg(parse(off, on) == FLAGS_RUN, "%s: %s", on, err_text);
		ck_assert_msg(flags_collector_on(&f, collectors_table.defs[i].name), "%s left it off", on);
	}
}
END_TEST

START_TEST(test_collector_flags)
{
	ck_assert_int_eq(parse("--no-collector.audit"), FLAGS_RUN);
	ck_assert(!flags_collector_on(&f, "audit"));
	ck_assert(flags_collector_on(&f, "core"));
	ck_assert(f.no_audit);
	ck_assert_int_eq(parse("--no-collector.core"), FLAGS_RUN);
	ck_assert(!flags_collector_on(&f, "core"));
	ck_assert(flags_collector_on(&f, "audit"));
	ck_assert(!f.no_audit);
	ck_assert_int_eq(parse("--collector.core", "--collector.audit"), FLAGS_RUN);
	ck_assert(flags_collector_on(&f, "core") && flags_collector_on(&f, "audit"));
	ck_assert_uint_eq(err_len, 0);
}
END_TEST

/* The last flag given for a collector wins; --no-audit is --no-collector.audit. */
START_TEST(test_collector_last_wins)
{
	ck_assert_int_eq(parse("--no-collector.audit", "--collector.audit"), FLAGS_RUN);
	ck_assert(flags_collector_on(&f, "audit") && !f.no_audit);
	ck_assert_int_eq(parse("--collector.audit", "--no-collector.audit"), FLAGS_RUN);
	ck_assert(!flags_collector_on(&f, "audit") && f.no_audit);
	ck_assert_int_eq(parse("--collector.audit", "--no-audit"), FLAGS_RUN);
	ck_assert(!flags_collector_on(&f, "audit") && f.no_audit);
	ck_assert_int_eq(parse("--no-audit", "--collector.audit"), FLAGS_RUN);
	ck_assert(flags_collector_on(&f, "audit") && !f.no_audit);
	ck_assert_int_eq(parse("--no-collector.core", "--no-audit", "--collector.core"), FLAGS_RUN);
	ck_assert(flags_collector_on(&f, "core") && !flags_collector_on(&f, "audit"));
}
END_TEST

/* The collectors on after parsing, as "name name ..." in table order. */
static const char *collectors_on(void)
{
	static char on[256];
	size_t n = 0;

	on[0] = '\0';
	for (size_t i = 0; i < collectors_table.nr_defs; i++)
		if (flags_collector_on(&f, collectors_table.defs[i].name))
			n += (size_t)snprintf(on + n, sizeof(on) - n, "%s%s", n ? " " : "",
					      collectors_table.defs[i].name);
	return on;
}

/*
 * --collector.disable-defaults (node_exporter's): every collector not named
 * by a flag of its own is off, wherever the flag stands; --collector.NAME
 * turns one on, off by default or not; --no-collector.NAME and --no-audit
 * keep theirs off; of one NAME's flags the last still wins.
 */
START_TEST(test_collector_disable_defaults)
{
	static const char *const cases[][5] = {
		/* flags (up to four), then the collectors on */
		{ "--collector.disable-defaults", NULL, NULL, NULL, "" },
		{ "--collector.disable-defaults", "--collector.core", NULL, NULL, "core" },
		{ "--collector.core", "--collector.disable-defaults", NULL, NULL, "core" },
		{ "--collector.btf", "--collector.disable-defaults", "--collector.stats", NULL,
		  "stats btf" },
		{ "--collector.disable-defaults", "--collector.core", "--no-collector.core", NULL, "" },
		{ "--no-collector.core", "--collector.disable-defaults", "--collector.core", NULL, "core" },
		{ "--collector.disable-defaults", "--no-collector.holders", "--collector.audit", NULL,
		  "audit" },
		{ "--collector.audit", "--collector.disable-defaults", "--no-audit", NULL, "" },
		{ "--no-audit", "--collector.disable-defaults", "--collector.pins", NULL, "pins" },
		{ "--collector.disable-defaults", "--collector.disable-defaults", "--collector.entries",
		  NULL, "entries" },
		/* its negation (kingpin's, as node_exporter takes it): the last of the two wins */
		{ "--collector.disable-defaults", "--no-collector.disable-defaults", NULL, NULL,
		  "core audit loaders holders entries stats" },
		{ "--no-collector.disable-defaults", "--collector.disable-defaults", "--collector.btf",
		  NULL, "btf" },
		/* without it, the defaults stay: a --no-collector.NAME takes one away */
		{ "--no-collector.holders", NULL, NULL, NULL,
		  "core audit loaders entries stats" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *const *a = cases[i];

		ck_assert_msg(parse(a[0], a[1], a[2], a[3]) == FLAGS_RUN, "case %zu: %s", i, err_text);
		ck_assert_msg(!strcmp(collectors_on(), a[4]), "case %zu (%s %s %s %s): on \"%s\", want \"%s\"",
			      i, a[0], a[1] ? a[1] : "", a[2] ? a[2] : "", a[3] ? a[3] : "",
			      collectors_on(), a[4]);
		ck_assert_msg(f.no_audit == !strstr(a[4], "audit"), "case %zu: no_audit %d", i, f.no_audit);
		ck_assert_uint_eq(err_len, 0);
	}
	/* the other flags are untouched */
	ck_assert_int_eq(parse("--collector.disable-defaults", "--collector.holders.source=procfs"),
			 FLAGS_RUN);
	ck_assert_int_eq(f.holders_source, FLAGS_HOLDERS_PROCFS);
	ck_assert_str_eq(collectors_on(), "");
	/* a flag in full, without a value */
	assert_usage(parse("--collector.disable"), "unknown collector \"disable\"");
	assert_usage(parse("--no-collector.disable-default"), "unknown collector \"disable-default\"");
	assert_usage(parse("--collector.disable-defaults=true"),
		     "unknown flag --collector.disable-defaults=true");
	assert_usage(parse("--no-collector.disable-defaults=1"),
		     "unknown flag --no-collector.disable-defaults=1");
}
END_TEST

/* An unknown name (or a piece of one) is a usage error naming the known ones. */
START_TEST(test_collector_unknown)
{
	static const char *const bad[][2] = {
		{ "--collector.bogus", "unknown collector \"bogus\" in --collector.bogus" },
		{ "--no-collector.bogus", "unknown collector \"bogus\" in --no-collector.bogus" },
		{ "--collector.aud", "unknown collector \"aud\"" },
		{ "--no-collector.c", "unknown collector \"c\"" },
		{ "--collector.", "unknown collector \"\"" },
		{ "--collector.Core", "unknown collector \"Core\"" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_usage(parse(bad[i][0]), bad[i][1]);
		ck_assert_msg(strstr(err_text, "the collectors are core, audit, loaders, holders, entries, stats, btf, pins"), "err: %s", err_text);
	}
	assert_usage(parse("--collector.core=yes"), "--collector.core");
	assert_usage(parse("--no-collector.audit=1"), "--no-collector.audit");
}
END_TEST

/* --help lists each collector's two flags and its help line from the table. */
START_TEST(test_help_collectors)
{
	char *flat;
	size_t n = 0;

	ck_assert_int_eq(parse("--help"), FLAGS_EXIT_OK);
	/* the help text with each run of blanks and newlines made one space */
	flat = malloc(out_len + 1);
	ck_assert_ptr_nonnull(flat);
	for (size_t i = 0; i < out_len; i++) {
		bool blank = out_text[i] == ' ' || out_text[i] == '\n';

		if (!blank || (n && flat[n - 1] != ' '))
			flat[n++] = blank ? ' ' : out_text[i];
	}
	flat[n] = '\0';
	for (size_t i = 0; i < collectors_table.nr_defs; i++) {
		char want[160];

		snprintf(want, sizeof(want), " --collector.%s, --no-collector.%s ", collectors_table.defs[i].name,
			 collectors_table.defs[i].name);
		ck_assert_msg(strstr(flat, want), "--help lacks \"%s\": %s", want, out_text);
		snprintf(want, sizeof(want), " %s (default %s)", collectors_table.defs[i].help,
			 collectors_table.defs[i].default_on ? "on" : "off");
		ck_assert_msg(strstr(flat, want), "--help lacks \"%s\": %s", want, out_text);
	}
	/* and stays within 80 columns */
	for (const char *line = out_text, *nl; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		ck_assert_ptr_nonnull(nl);
		ck_assert_msg(nl - line <= 80, "a --help line of %d columns: %.*s", (int)(nl - line),
			      (int)(nl - line), line);
	}
	free(flat);
}
END_TEST

Suite *flags_suite(void)
{
	Suite *s = suite_create("flags");
	TCase *tc;

	tc = tcase_create("valid");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_listen_address);
	tcase_add_test(tc, test_telemetry_path);
	tcase_add_test(tc, test_max_connections);
	tcase_add_test(tc, test_max_requests);
	tcase_add_test(tc, test_max_followers);
	tcase_add_test(tc, test_timeouts);
	tcase_add_test(tc, test_log_level);
	tcase_add_test(tc, test_log_format);
	tcase_add_test(tc, test_no_audit);
	tcase_add_test(tc, test_audit_enable);
	tcase_add_test(tc, test_enable_stats);
	tcase_add_test(tc, test_holders_source);
	tcase_add_test(tc, test_snapshot_source);
	tcase_add_test(tc, test_audit_buffer_bytes);
	tcase_add_test(tc, test_events_capacity);
	tcase_add_test(tc, test_all_together);
	tcase_add_test(tc, test_last_wins);
	tcase_add_test(tc, test_listen_repeated);
	tcase_add_test(tc, test_systemd_socket);
	tcase_add_test(tc, test_disable_exporter_metrics);
	tcase_add_test(tc, test_help);
	tcase_add_test(tc, test_usage_matches_help);
	tcase_add_test(tc, test_version);
	suite_add_tcase(s, tc);

	tc = tcase_create("usage");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_unknown_flag);
	tcase_add_test(tc, test_missing_value);
	tcase_add_test(tc, test_bad_listen_address);
	tcase_add_test(tc, test_bad_telemetry_path);
	tcase_add_test(tc, test_telemetry_path_taken);
	tcase_add_test(tc, test_bad_max_connections);
	tcase_add_test(tc, test_bad_max_requests);
	tcase_add_test(tc, test_bad_timeouts);
	tcase_add_test(tc, test_bad_audit_numbers);
	tcase_add_test(tc, test_bad_log_level);
	tcase_add_test(tc, test_bad_log_format);
	tcase_add_test(tc, test_stray_argument);
	suite_add_tcase(s, tc);

	tc = tcase_create("collectors");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_collectors_default);
	tcase_add_test(tc, test_collector_table);
	tcase_add_test(tc, test_collectors_plain_data);
	tcase_add_test(tc, test_collector_flags);
	tcase_add_test(tc, test_collector_last_wins);
	tcase_add_test(tc, test_collector_disable_defaults);
	tcase_add_test(tc, test_collector_unknown);
	tcase_add_test(tc, test_help_collectors);
	suite_add_tcase(s, tc);

	tc = tcase_create("getopt_state");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_reparse_after_help_cluster);
	tcase_add_test(tc, test_reparse_after_unknown_cluster);
	tcase_add_test(tc, test_unknown_in_cluster);
	suite_add_tcase(s, tc);

	return s;
}
