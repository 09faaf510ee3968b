// SPDX-License-Identifier: Apache-2.0
/*
 * check_format - the exposition as strict outside parsers see it.  With a
 * few real BPF objects loaded, both variants served by the real binary are
 * fed to prometheus_client's OpenMetrics parser (Debian's python3, which is
 * strict about # EOF, units, _total and label syntax), its 0.0.4 text
 * parser, and `promtool check metrics` (parser and linter); and each Accept
 * header gets exactly the Content-Type it should; so is an exposition with
 * a comm label made of bytes a process may name itself with (invalid UTF-8,
 * quotes, backslash, control characters).  The tools are installed
 * by `make check`: a missing one is a failure, not a skip.  Needs root.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/prctl.h>
#include <sys/wait.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <check.h>

#include "suites.h"
#include "testutil.h"

#define TCASE_TIMEOUT 120
#define TOOL_TIMEOUT_MS 60000

static const char om_script[] =
	"import sys; from prometheus_client.openmetrics.parser import "
	"text_string_to_metric_families as p; "
	"fams=list(p(open(sys.argv[1]).read())); print(len(fams))";
static const char text_script[] =
	"import sys; from prometheus_client.parser import "
	"text_string_to_metric_families as p; "
	"fams=list(p(open(sys.argv[1]).read())); print(len(fams))";

static const char prometheus_accept[] =
	"application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;"
	"q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
static const char om_type[] = "application/openmetrics-text; version=1.0.0; charset=utf-8";
static const char text_type[] = "text/plain; version=0.0.4; charset=utf-8";

/* ---- fixture: a few objects and the exporter ---- */

enum { F_HASH, F_ARRAY, F_RINGBUF, F_NR_MAPS };
enum { F_XDP, F_RAWTP, F_SOCK, F_NR_PROGS };

static struct {
	int map_fd[F_NR_MAPS];
	int prog_fd[F_NR_PROGS];
	int link_fd;
	char prog_name[F_NR_PROGS][16];
	char map_name[F_NR_MAPS][16];
} fx;
static struct tu_exporter exporter;
static char tmp_path[2][64];

static void setup(void)
{
	static const char *const licenses[F_NR_PROGS] = { "GPL", "Dual BSD/GPL", "Proprietary" };
	static const enum bpf_prog_type types[F_NR_PROGS] = {
		BPF_PROG_TYPE_XDP, BPF_PROG_TYPE_RAW_TRACEPOINT, BPF_PROG_TYPE_SOCKET_FILTER,
	};
	static const char *const suffixes[F_NR_PROGS] = { "xdp", "rtp", "sf" };
	unsigned int pid = (unsigned int)getpid();
	int ret;

	memset(&fx, 0, sizeof(fx));
	fx.link_fd = -1;
	for (int i = 0; i < F_NR_MAPS; i++)
		fx.map_fd[i] = -1;
	for (int i = 0; i < F_NR_PROGS; i++)
		fx.prog_fd[i] = -1;
	tmp_path[0][0] = tmp_path[1][0] = '\0';

	/* a '.' is allowed in kernel names and must pass through unharmed */
	snprintf(fx.map_name[F_HASH], 16, "F%x.hash", pid);
	snprintf(fx.map_name[F_ARRAY], 16, "F%x_arr", pid);
	snprintf(fx.map_name[F_RINGBUF], 16, "F%x_rb", pid);
	fx.map_fd[F_HASH] = tu_map_create(BPF_MAP_TYPE_HASH, fx.map_name[F_HASH], 8, 16, 64,
					  BPF_F_NO_PREALLOC);
	fx.map_fd[F_ARRAY] = tu_map_create(BPF_MAP_TYPE_ARRAY, fx.map_name[F_ARRAY], 4, 4, 16, 0);
	fx.map_fd[F_RINGBUF] = tu_map_create(BPF_MAP_TYPE_RINGBUF, fx.map_name[F_RINGBUF], 0, 0,
					     2 * (uint32_t)sysconf(_SC_PAGESIZE), 0);
	for (int i = 0; i < F_NR_MAPS; i++)
		ck_assert_msg(fx.map_fd[i] >= 0, "creating map %s: %s", fx.map_name[i],
			      strerror(-fx.map_fd[i]));
	for (int i = 0; i < F_NR_PROGS; i++) {
		int maps[2] = { fx.map_fd[F_HASH], fx.map_fd[F_ARRAY] };

		if (i == F_RAWTP)
			maps[0] = fx.map_fd[F_RINGBUF];
		snprintf(fx.prog_name[i], 16, "F%x_%s", pid, suffixes[i]);
		fx.prog_fd[i] = tu_prog_load(types[i], fx.prog_name[i], licenses[i], maps,
					     i == F_SOCK ? 0 : i == F_RAWTP ? 1 : 2);
		ck_assert_msg(fx.prog_fd[i] >= 0, "loading %s: %s", fx.prog_name[i],
			      strerror(-fx.prog_fd[i]));
	}
	fx.link_fd = tu_raw_tp_link(fx.prog_fd[F_RAWTP], "task_rename");
	ck_assert_msg(fx.link_fd >= 0, "raw_tp link: %s", strerror(-fx.link_fd));

	ret = tu_exporter_start(&exporter, NULL);
	if (ret) {
		char *log = tu_exporter_log(&exporter);

		ck_abort_msg("starting %s: %s; its log: %s", tu_bin(), strerror(-ret), log);
	}
}

static void teardown(void)
{
	int status = 0, ret = 0;

	if (exporter.pid > 0)
		ret = tu_exporter_stop(&exporter, 5000, &status, NULL);
	for (int i = 0; i < 2; i++)
		if (tmp_path[i][0])
			unlink(tmp_path[i]);
	if (fx.link_fd >= 0)
		close(fx.link_fd);
	for (int i = 0; i < F_NR_PROGS; i++)
		if (fx.prog_fd[i] >= 0)
			close(fx.prog_fd[i]);
	for (int i = 0; i < F_NR_MAPS; i++)
		if (fx.map_fd[i] >= 0)
			close(fx.map_fd[i]);
	ck_assert_msg(ret == 0, "the exporter did not exit within 5 s of SIGTERM");
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "the exporter ended with wait status 0x%x", status);
}

/* ---- helpers ---- */

static const char *python3(void)
{
	const char *p = getenv("PYTHON3");

	/* not the python first on PATH: a pyenv one lacks prometheus_client */
	return p && *p ? p : "/usr/bin/python3";
}

/* The end of a tool's output (check's messages are short; the error is last). */
static const char *tail(const char *out)
{
	size_t len = strlen(out);

	return len > 1500 ? out + len - 1500 : out;
}

/* GET /metrics with an Accept header (NULL: none); must be 200. */
static void get(const char *accept, struct tu_http_resp *r)
{
	char headers[512] = "";
	int ret;

	if (accept)
		snprintf(headers, sizeof(headers), "Accept: %s\r\n", accept);
	ret = tu_http_as_is(exporter.port, "GET", "/metrics", headers, r);
	ck_assert_msg(ret == 0, "GET /metrics: %s", strerror(-ret));
	ck_assert_msg(r->status == 200, "GET /metrics (Accept: %s): status %d: %.300s",
		      accept ? accept : "none", r->status, r->body);
}

/* The body for an Accept header; it must mention the fixture's objects. */
static char *body_for(const char *accept)
{
	struct tu_http_resp r;
	char *body, want[64];

	get(accept, &r);
	ck_assert_uint_eq(strlen(r.body), r.body_len);
	body = r.body;
	r.body = NULL;
	tu_http_free(&r);
	for (int i = 0; i < F_NR_PROGS; i++) {
		snprintf(want, sizeof(want), "name=\"%s\"", fx.prog_name[i]);
		ck_assert_msg(strstr(body, want), "the body lacks %s: %.300s", want, body);
	}
	snprintf(want, sizeof(want), "name=\"%s\"", fx.map_name[F_HASH]);
	ck_assert_msg(strstr(body, want), "the body lacks %s", want);
	ck_assert_ptr_nonnull(strstr(body, "bpf_link_info{"));
	return body;
}

/* Write text to a new temp file; its path goes to tmp_path[slot]. */
static const char *write_temp(int slot, const char *text)
{
	size_t len = strlen(text), off = 0;
	int fd;

	snprintf(tmp_path[slot], sizeof(tmp_path[slot]), "/tmp/bpfme-format.XXXXXX");
	fd = mkstemp(tmp_path[slot]);
	ck_assert_msg(fd >= 0, "mkstemp: %s", strerror(errno));
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);

		ck_assert_msg(n > 0, "writing %s: %s", tmp_path[slot], strerror(errno));
		off += (size_t)n;
	}
	close(fd);
	return tmp_path[slot];
}

/* "# TYPE" lines: one per family. */
static size_t count_families(const char *body)
{
	size_t n = 0;

	for (const char *p = body; (p = strstr(p, "# TYPE ")); p++)
		n += p == body || p[-1] == '\n';
	return n;
}

/* Run a python parser script on file; it must exit 0 and print the family count. */
static void run_python(const char *script, const char *file, size_t families)
{
	char *const argv[] = { (char *)python3(), "-c", (char *)script, (char *)file, NULL };
	char *out = NULL, *end;
	unsigned long n;
	int status = 0, ret;

	ret = tu_run(argv, TOOL_TIMEOUT_MS, NULL, &status, &out);
	unlink(file);		/* now: a failed assertion ends this process */
	ck_assert_msg(ret == 0, "%s: %s", python3(), strerror(-ret));
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "%s with prometheus_client rejected the exposition (status 0x%x; "
		      "`make check` installs python3-prometheus-client): ...%s", python3(), status, tail(out));
	n = strtoul(out, &end, 10);
	ck_assert_msg(end != out && (*end == '\n' || !*end), "unexpected output: ...%s", tail(out));
	ck_assert_msg(n == families, "the parser saw %lu families, the body has %zu", n, families);
	free(out);
}

/* `promtool check metrics < file` must exit 0 and say nothing (no lint). */
static void run_promtool(const char *file)
{
	char cmd[256];
	char *const argv[] = { "sh", "-c", cmd, NULL };
	char *out = NULL;
	int status = 0, ret;

	snprintf(cmd, sizeof(cmd), "promtool check metrics < '%s'", file);
	ret = tu_run(argv, TOOL_TIMEOUT_MS, NULL, &status, &out);
	unlink(file);
	ck_assert_msg(ret == 0, "promtool: %s", strerror(-ret));
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "promtool check metrics failed (status 0x%x; `make check` installs "
		      "prometheus): ...%s", status, tail(out));
	ck_assert_msg(out[0] == '\0', "promtool check metrics has remarks: ...%s", tail(out));
	free(out);
}

/* ---- tests ---- */

START_TEST(test_openmetrics_strict_parser)
{
	char *body = body_for("application/openmetrics-text");

	ck_assert_uint_ge(count_families(body), 17);
	run_python(om_script, write_temp(0, body), count_families(body));
	free(body);
}
END_TEST

/* What Prometheus itself asks for gets OpenMetrics, and the strict parser takes it. */
START_TEST(test_prometheus_accept_strict_parser)
{
	char *body = body_for(prometheus_accept);

	ck_assert(strlen(body) >= 6 && !strcmp(body + strlen(body) - 6, "# EOF\n"));
	run_python(om_script, write_temp(0, body), count_families(body));
	free(body);
}
END_TEST

START_TEST(test_text_promtool)
{
	char *body = body_for("text/plain");

	run_promtool(write_temp(0, body));
	free(body);
}
END_TEST

/*
 * An operator's first habit: `curl -s HOST:9435/metrics | promtool check
 * metrics`.  curl sends "Accept: * / *", some clients nothing: both get the
 * 0.0.4 text, which promtool reads, lint-clean.
 */
START_TEST(test_plain_curl_promtool)
{
	static const char *const accepts[] = { NULL, "*/*" };

	for (size_t i = 0; i < sizeof(accepts) / sizeof(accepts[0]); i++) {
		char *body = body_for(accepts[i]);

		ck_assert_ptr_null(strstr(body, "# EOF"));
		run_promtool(write_temp(0, body));
		free(body);
	}
}
END_TEST

START_TEST(test_text_python_parser)
{
	char *body = body_for("text/plain");

	ck_assert_uint_ge(count_families(body), 17);
	run_python(text_script, write_temp(0, body), count_families(body));
	free(body);
}
END_TEST

/* The strict parser must not be a rubber stamp: a broken body is refused. */
START_TEST(test_strict_parser_refuses_broken)
{
	char *body = body_for(prometheus_accept), *eof;
	char *const argv[] = { (char *)python3(), "-c", (char *)om_script, tmp_path[0], NULL };
	int status = 0, ret;

	eof = strstr(body, "# EOF\n");
	ck_assert_ptr_nonnull(eof);
	*eof = '\0';		/* no # EOF */
	write_temp(0, body);
	ret = tu_run(argv, TOOL_TIMEOUT_MS, NULL, &status, NULL);
	unlink(tmp_path[0]);
	ck_assert_int_eq(ret, 0);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 1,
		      "the OpenMetrics parser accepted a body without # EOF (status 0x%x)", status);
	free(body);
}
END_TEST

/*
 * prctl(PR_SET_NAME) takes any bytes but NUL, and the audit record (hex
 * encoded) hands them on.  The label shows invalid UTF-8 and control
 * characters as U+FFFD, escapes " and \\, and every parser reads it.
 */
START_TEST(test_weird_comm)
{
	static const char comm[] = "\xff\r\"\\\n\t\x01" "caf\xc3\xa9";
	static const char label[] = "\xef\xbf\xbd\xef\xbf\xbd\"\\\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
				    "caf\xc3\xa9";
	static const char *const accepts[] = { prometheus_accept, NULL, "text/plain" };
	double deadline;
	int status;
	pid_t child;

	ck_assert_msg(tu_audit_prepare(true) == 0, "cannot enable kernel audit");
	child = fork();	/* after audit is on: it has an audit context */
	ck_assert_int_ge(child, 0);
	if (child == 0) {
		int fd;

		if (prctl(PR_SET_NAME, comm, 0, 0, 0))
			_exit(1);
		fd = tu_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "weird", "GPL", NULL, 0);
		_exit(fd < 0);
	}
	waitpid(child, &status, 0);
	ck_assert_int_eq(status, 0);

	for (deadline = tu_now_ms() + 5000;; usleep(50000)) {
		struct tu_http_resp r;
		struct tu_expo e;
		bool found;

		get(NULL, &r);
		ck_assert_int_eq(tu_expo_parse(r.body, &e), 0);
		found = tu_expo_find(&e, "bpf_audit_events_by_comm_total", "comm", label) != NULL;
		tu_expo_free(&e);
		tu_http_free(&r);
		if (found)
			break;
		ck_assert_msg(tu_now_ms() < deadline, "no bpf_audit_events_by_comm_total for the comm");
	}
	for (size_t i = 0; i < sizeof(accepts) / sizeof(accepts[0]); i++) {
		char *body = body_for(accepts[i]);
		bool text = i > 0;	/* no Accept header: the text */

		run_python(text ? text_script : om_script, write_temp(0, body), count_families(body));
		if (text)
			run_promtool(write_temp(1, body));
		free(body);
	}
}
END_TEST

static const struct {
	const char *accept;	/* NULL: no Accept header */
	const char *type;
} negotiation[] = {
	{ NULL, text_type },
	{ "*/*", text_type },
	{ "*/*;q=0.8", text_type },
	{ "application/*", om_type },
	{ prometheus_accept, om_type },
	{ "application/openmetrics-text", om_type },
	{ "text/plain", text_type },
	{ "text/plain;version=0.0.4", text_type },
	{ "application/openmetrics-text;q=0.2, text/plain;q=0.9", text_type },
};

START_TEST(test_content_type)
{
	const char *accept = negotiation[_i].accept;
	bool om = negotiation[_i].type == om_type;
	struct tu_http_resp r;
	char *type;

	get(accept, &r);
	type = tu_http_header(&r, "Content-Type");
	ck_assert_msg(type != NULL, "no Content-Type for Accept: %s", accept ? accept : "(none)");
	ck_assert_msg(!strcmp(type, negotiation[_i].type), "Accept: %s gave Content-Type \"%s\", want \"%s\"",
		      accept ? accept : "(none)", type, negotiation[_i].type);
	if (om) {
		ck_assert_msg(r.body_len >= 6 && !strcmp(r.body + r.body_len - 6, "# EOF\n"),
			      "OpenMetrics body does not end with # EOF");
		/* once, at the end */
		ck_assert_ptr_eq(strstr(r.body, "# EOF"), r.body + r.body_len - 6);
		ck_assert_ptr_nonnull(strstr(r.body, "\n# UNIT "));
	} else {
		ck_assert_ptr_null(strstr(r.body, "# EOF"));
		ck_assert_ptr_null(strstr(r.body, "# UNIT"));
		ck_assert(r.body_len > 0 && r.body[r.body_len - 1] == '\n');
	}
	free(type);
	tu_http_free(&r);
}
END_TEST

Suite *format_suite(void)
{
	Suite *s = suite_create("format");
	TCase *tc;

	tc = tcase_create("parsers");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, TCASE_TIMEOUT);
	tcase_add_test(tc, test_openmetrics_strict_parser);
	tcase_add_test(tc, test_prometheus_accept_strict_parser);
	tcase_add_test(tc, test_text_promtool);
	tcase_add_test(tc, test_plain_curl_promtool);
	tcase_add_test(tc, test_text_python_parser);
	tcase_add_test(tc, test_strict_parser_refuses_broken);
	tcase_add_test(tc, test_weird_comm);
	suite_add_tcase(s, tc);

	tc = tcase_create("content_type");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, TCASE_TIMEOUT);
	tcase_add_loop_test(tc, test_content_type, 0,
			    (int)(sizeof(negotiation) / sizeof(negotiation[0])));
	suite_add_tcase(s, tc);
	return s;
}
