// SPDX-License-Identifier: Apache-2.0
/*
 * check_web - the real binary's --web.* plumbing as node_exporter users know
 * it: several --web.listen-address, each served alike, and a start-up error
 * naming the one that cannot be bound; --web.systemd-socket with a socket
 * passed by hand as systemd passes it (fd 3, LISTEN_PID, LISTEN_FDS); the
 * process_* metrics against /proc of the running exporter; the request
 * counts; --web.disable-exporter-metrics; collect[] selecting collectors;
 * basic auth under a flood of wrong passwords (a good scrape, the landing
 * page and a 401 without credentials stay fast) and the password checks'
 * queue (503 at once beyond it and beyond an address's share).  Needs root (the binary lists BPF
 * objects at start).
 *
 * Every exporter a test starts is stopped by the test, or SIGKILLed by
 * testutil's watchdog when the test dies half-way.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <crypt.h>

#include <linux/bpf.h>

#include "loadgen.h"
#include "suites.h"
#include "testutil.h"

static void start(struct tu_exporter *e, const char *const *args)
{
	int ret = tu_exporter_start(e, args);

	if (ret) {
		char *log = tu_exporter_log(e);

		ck_abort_msg("exporter did not start (%s); its stderr:\n%s", strerror(-ret), tu_clip(log));
	}
}

/* SIGTERM; require exit status 0 within 5 s. */
static void stop(struct tu_exporter *e)
{
	int st = 0, ret = tu_exporter_stop(e, 5000, &st, NULL);

	ck_assert_msg(ret == 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
		      "the exporter did not exit cleanly after SIGTERM (wait status 0x%x)", st);
}

/* Until 127.0.0.1:port accepts a connection, at most 5 s. */
static void wait_port(const struct tu_exporter *e, int port)
{
	double deadline = tu_now_ms() + 5000;

	while (tu_now_ms() < deadline) {
		int fd = tu_connect(port, 200);

		if (fd >= 0) {
			close(fd);
			return;
		}
		ck_assert_msg(kill(e->pid, 0) == 0 || errno != ESRCH, "the exporter is gone");
		usleep(10000);
	}
	ck_abort_msg("nothing listens on 127.0.0.1:%d after 5 s", port);
}

static void get(int port, const char *path, int want, struct tu_http_resp *r)
{
	int ret = tu_http(port, "GET", path, NULL, r);

	ck_assert_msg(ret == 0, "GET %s on port %d: %s", path, port, strerror(-ret));
	ck_assert_msg(r->status == want, "GET %s on port %d: status %d, want %d; body: %s", path,
		      port, r->status, want, tu_clip(r->body));
}

/* A listening socket on 127.0.0.1:port (0: any free one; the port in *port). */
static int listen_on(int *port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)*port),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert(fd >= 0);
	ck_assert_msg(bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 && listen(fd, 16) == 0,
		      "bind 127.0.0.1:%d: %s", *port, strerror(errno));
	ck_assert(getsockname(fd, (struct sockaddr *)&sin, &len) == 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

/* Whether 127.0.0.1:port can be bound (nothing holds it). */
static bool port_free(int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
	bool ok;

	ck_assert(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	ok = bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0;
	close(fd);
	return ok;
}

static size_t count_str(const char *s, const char *needle)
{
	size_t n = 0;

	for (; (s = strstr(s, needle)); s += strlen(needle))
		n++;
	return n;
}

/* ======================================================================
 * --web.listen-address, repeated
 * ====================================================================== */

/* Every address is served alike; one "listening" line each. */
START_TEST(test_several_addresses)
{
	char a1[64], a2[64], a3[64], want[64];
	const char *args[] = { a1, a2, a3, NULL };
	int ports[3];
	struct tu_exporter e;
	struct tu_http_resp r;
	char *log;

	for (int i = 0; i < 3; i++)
		ports[i] = tu_free_port();
	snprintf(a1, sizeof(a1), "--web.listen-address=127.0.0.1:%d", ports[0]);
	snprintf(a2, sizeof(a2), "--web.listen-address=127.0.0.1:%d", ports[1]);
	snprintf(a3, sizeof(a3), "--web.listen-address=127.0.0.1:%d", ports[2]);
	start(&e, args);
	for (int i = 0; i < 3; i++)
		wait_port(&e, ports[i]);
	for (int i = 0; i < 3; i++) {
		get(ports[i], "/metrics", 200, &r);
		ck_assert_msg(r.body_len > 6 && !strcmp(r.body + r.body_len - 6, "# EOF\n"),
			      "port %d: no whole exposition", ports[i]);
		tu_http_free(&r);
		get(ports[i], "/", 200, &r);
		ck_assert_ptr_nonnull(strstr(r.body, "href=\"/metrics\""));
		tu_http_free(&r);
		get(ports[i], "/nope", 404, &r);
		tu_http_free(&r);
	}
	log = tu_exporter_log(&e);
	ck_assert_msg(count_str(log, "msg=listening") == 3, "want 3 listening lines: %s", tu_clip(log));
	for (int i = 0; i < 3; i++) {
		snprintf(want, sizeof(want), "address=127.0.0.1:%d ", ports[i]);
		ck_assert_msg(strstr(log, want), "no line says %s: %s", want, tu_clip(log));
	}
	free(log);
	stop(&e);
	for (int i = 0; i < 3; i++)
		ck_assert_msg(port_free(ports[i]), "port %d still held after exit", ports[i]);
}
END_TEST

/* An address that cannot be bound stops the start: exit 1, one line naming it, nothing left bound. */
START_TEST(test_address_in_use)
{
	char a1[64], a2[64], want[64];
	int busy = 0, other = tu_free_port(), fd = listen_on(&busy), st = 0;
	char *argv[] = { (char *)tu_bin(), a1, a2, NULL }, *out = NULL;

	snprintf(a1, sizeof(a1), "--web.listen-address=127.0.0.1:%d", other);
	snprintf(a2, sizeof(a2), "--web.listen-address=127.0.0.1:%d", busy);
	ck_assert_int_eq(tu_run(argv, 15000, NULL, &st, &out), 0);
	close(fd);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 1, "wait status 0x%x, want exit 1: %s", st,
		      tu_clip(out));
	snprintf(want, sizeof(want), "cannot listen on 127.0.0.1:%d: address already in use", busy);
	ck_assert_msg(strstr(out, want), "the error does not name the address: %s", tu_clip(out));
	ck_assert_msg(count_str(out, "\n") == 1, "want one line: %s", tu_clip(out));
	ck_assert_msg(port_free(other), "the first address is still bound");
	free(out);
}
END_TEST

/* The same address twice is a usage error (exit 2) naming it. */
START_TEST(test_address_twice)
{
	char *argv[] = { (char *)tu_bin(), (char *)"--web.listen-address=127.0.0.1:9",
			 (char *)"--web.listen-address=127.0.0.1:9", NULL }, *out = NULL;
	int st = 0;

	ck_assert_int_eq(tu_run(argv, 15000, NULL, &st, &out), 0);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 2, "wait status 0x%x, want exit 2: %s", st,
		      tu_clip(out));
	ck_assert_msg(strstr(out, "\"127.0.0.1:9\" is given twice"), "%s", tu_clip(out));
	free(out);
}
END_TEST

/* ======================================================================
 * --web.systemd-socket
 * ====================================================================== */

struct spawned {
	pid_t pid;
	char log[64];
};

/*
 * Start the binary with args as systemd would with socket lfd: at fd 3,
 * LISTEN_PID its pid, LISTEN_FDS=nfds (NULL: unset); stderr to a temp file.
 */
static void spawn_activated(struct spawned *sp, int lfd, const char *nfds, const char *const *args)
{
	char *argv[16];
	size_t n = 0;
	int logfd;

	argv[n++] = (char *)tu_bin();
	for (size_t i = 0; args[i] && n < 15; i++)
		argv[n++] = (char *)args[i];
	argv[n] = NULL;
	strcpy(sp->log, "/tmp/bpfme-web-log.XXXXXX");
	logfd = mkstemp(sp->log);
	ck_assert_int_ge(logfd, 0);
	sp->pid = fork();
	ck_assert_int_ge(sp->pid, 0);
	if (sp->pid == 0) {
		char pid[32];
		int devnull = open("/dev/null", O_RDWR), moved = fcntl(lfd, F_DUPFD, 10);

		prctl(PR_SET_PDEATHSIG, SIGKILL);	/* a test that fails half-way leaves nothing */
		dup2(devnull, 0);
		dup2(devnull, 1);
		dup2(logfd, 2);
		if (moved < 0 || dup2(moved, 3) != 3)
			_exit(126);
		close(moved);
		for (int fd = 4; fd < 1024; fd++)
			close(fd);
		snprintf(pid, sizeof(pid), "%d", (int)getpid());
		setenv("LISTEN_PID", pid, 1);
		if (nfds)
			setenv("LISTEN_FDS", nfds, 1);
		else
			unsetenv("LISTEN_FDS");
		execv(argv[0], argv);
		_exit(127);
	}
	close(logfd);
}

static char *spawned_log(const struct spawned *sp)
{
	FILE *f = fopen(sp->log, "re");
	char *text = calloc(1, 65536);
	size_t n;

	ck_assert_ptr_nonnull(text);
	if (f) {
		n = fread(text, 1, 65535, f);
		text[n] = '\0';
		fclose(f);
	}
	return text;
}

/* Wait at most ms for it to exit on its own; its wait status, or -1 (then killed). */
static int spawned_wait(struct spawned *sp, int ms)
{
	int st;

	return tu_reap(sp->pid, ms, &st) ? -1 : st;
}

/* Served on the socket it was given, and on nothing else; the log says where it came from. */
START_TEST(test_systemd_socket)
{
	char ignored[64], want[64], *log;
	int port = 0, other = tu_free_port(), lfd = listen_on(&port), st;
	const char *args[] = { "--web.systemd-socket", ignored, NULL };
	struct tu_http_resp r;
	struct spawned sp;

	snprintf(ignored, sizeof(ignored), "--web.listen-address=127.0.0.1:%d", other);
	spawn_activated(&sp, lfd, "1", args);
	close(lfd);	/* the exporter holds the only copy now */
	get(port, "/metrics", 200, &r);	/* in the backlog until it serves */
	ck_assert_msg(r.body_len > 6 && !strcmp(r.body + r.body_len - 6, "# EOF\n"), "no exposition");
	tu_http_free(&r);
	get(port, "/", 200, &r);
	tu_http_free(&r);
	ck_assert_msg(port_free(other), "--web.listen-address was bound beside systemd's socket");

	log = spawned_log(&sp);
	snprintf(want, sizeof(want), "address=127.0.0.1:%d ", port);
	ck_assert_msg(strstr(log, "msg=listening") && strstr(log, want) && strstr(log, "socket=systemd"),
		      "no listening line naming the socket from systemd: %s", tu_clip(log));
	ck_assert_msg(strstr(log, "--web.listen-address is ignored"), "%s", tu_clip(log));
	free(log);
	kill(sp.pid, SIGTERM);
	st = spawned_wait(&sp, 5000);
	ck_assert_msg(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "wait status 0x%x after SIGTERM", st);
	unlink(sp.log);
	ck_assert_int_lt(tu_connect(port, 500), 0);	/* the socket went with it */
}
END_TEST

/* --web.systemd-socket without a socket from systemd: exit 1 with one line saying so. */
START_TEST(test_systemd_socket_missing)
{
	static const struct {
		const char *nfds;
		bool tcp;		/* a TCP listener at fd 3, else a UDP socket */
		const char *needle;
	} cases[] = {
		{ NULL, true, "systemd passed no socket (LISTEN_FDS is not set)" },
		{ "0", true, "systemd passed no socket (LISTEN_FDS=0)" },
		{ "1", false, "fd 3 from systemd is not a stream socket" },
		{ "2", true, "fd 4 from systemd is not open" },
	};
	const char *args[] = { "--web.systemd-socket", NULL };

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int port = 0, fd = cases[i].tcp ? listen_on(&port) : socket(AF_INET, SOCK_DGRAM, 0), st;
		struct spawned sp;
		char *log;

		ck_assert_int_ge(fd, 0);
		spawn_activated(&sp, fd, cases[i].nfds, args);
		close(fd);
		st = spawned_wait(&sp, 15000);
		log = spawned_log(&sp);
		unlink(sp.log);
		ck_assert_msg(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 1,
			      "LISTEN_FDS=%s: wait status 0x%x, want exit 1: %s", cases[i].nfds, st, tu_clip(log));
		ck_assert_msg(strstr(log, cases[i].needle) && count_str(log, "\n") == 1,
			      "LISTEN_FDS=%s: want one line saying \"%s\": %s", cases[i].nfds,
			      cases[i].needle, tu_clip(log));
		free(log);
	}
}
END_TEST

/* ======================================================================
 * process_* against the exporter's /proc
 * ====================================================================== */

/* The value of the one sample called name, or NaN (as a failure) if absent. */
static double sample(const struct tu_expo *x, const char *name)
{
	const struct tu_sample *s = tu_expo_find(x, name, NULL, NULL);

	ck_assert_msg(s, "no %s in the exposition", name);
	ck_assert_msg(tu_expo_count(x, name) == 1, "%s has %zu samples", name, tu_expo_count(x, name));
	return strtod(s->value, NULL);
}

static char *proc_file(pid_t pid, const char *name)
{
	char path[64], *text = calloc(1, 8192);
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	f = fopen(path, "re");
	ck_assert_msg(f && text, "%s: %s", path, strerror(errno));
	n = fread(text, 1, 8191, f);
	text[n] = '\0';
	fclose(f);
	return text;
}

/* Field (1-based, pid first) of /proc/PID/stat as a number. */
static double stat_field(const char *stat, int field)
{
	const char *p = strrchr(stat, ')');

	ck_assert_ptr_nonnull(p);
	for (int f = 2; f < field; f++) {
		p = strchr(p + 1, ' ');
		ck_assert_ptr_nonnull(p);
	}
	return strtod(p + 1, NULL);
}

static double boot_time_s(void)
{
	char *stat = proc_file(getpid(), "../stat");	/* /proc/stat */
	const char *b = strstr(stat, "\nbtime ");
	double t;

	ck_assert_ptr_nonnull(b);
	t = strtod(b + 7, NULL);
	free(stat);
	return t;
}

/* What process_* say is what the kernel says of the exporter's process. */
START_TEST(test_process_metrics)
{
	struct tu_exporter e;
	struct tu_http_resp r;
	struct tu_expo x;
	double ticks = (double)sysconf(_SC_CLK_TCK), page = (double)sysconf(_SC_PAGESIZE);
	double cpu_before, cpu_after, rss, vsz;
	char *stat, *limits, *lim;
	int fds;

	start(&e, NULL);
	for (int i = 0; i < 20; i++) {	/* some CPU time to see */
		get(e.port, "/metrics", 200, &r);
		tu_http_free(&r);
	}
	stat = proc_file(e.pid, "stat");
	cpu_before = (stat_field(stat, 14) + stat_field(stat, 15)) / ticks;
	free(stat);
	get(e.port, "/metrics", 200, &r);
	stat = proc_file(e.pid, "stat");
	limits = proc_file(e.pid, "limits");
	fds = tu_fd_count(e.pid);
	ck_assert_int_eq(tu_expo_parse(r.body, &x), 0);

	cpu_after = (stat_field(stat, 14) + stat_field(stat, 15)) / ticks;
	ck_assert_msg(sample(&x, "process_cpu_seconds_total") >= cpu_before - 1e-9 &&
		      sample(&x, "process_cpu_seconds_total") <= cpu_after + 1e-9,
		      "process_cpu_seconds_total %g, the kernel says %g before and %g after",
		      sample(&x, "process_cpu_seconds_total"), cpu_before, cpu_after);
	rss = stat_field(stat, 24) * page;
	vsz = stat_field(stat, 23);
	ck_assert_msg(fabs(sample(&x, "process_resident_memory_bytes") - rss) <= rss / 4,
		      "process_resident_memory_bytes %g, the kernel says %g",
		      sample(&x, "process_resident_memory_bytes"), rss);
	ck_assert_msg(fabs(sample(&x, "process_virtual_memory_bytes") - vsz) <= vsz / 4,
		      "process_virtual_memory_bytes %g, the kernel says %g",
		      sample(&x, "process_virtual_memory_bytes"), vsz);
	/* start time: boot (whole seconds in /proc/stat) plus starttime ticks */
	ck_assert_msg(fabs(sample(&x, "process_start_time_seconds") -
			   (boot_time_s() + stat_field(stat, 22) / ticks)) <= 1.5,
		      "process_start_time_seconds %f, the kernel says %f",
		      sample(&x, "process_start_time_seconds"), boot_time_s() + stat_field(stat, 22) / ticks);
	lim = strstr(limits, "Max open files");
	ck_assert_ptr_nonnull(lim);
	ck_assert_msg(sample(&x, "process_max_fds") == strtod(lim + 14, NULL),
		      "process_max_fds %g; limits says: %.80s", sample(&x, "process_max_fds"), lim);
	/* the scrape's own fds (connection, /proc/self/fd) come and go */
	ck_assert_msg(fabs(sample(&x, "process_open_fds") - fds) <= 4,
		      "process_open_fds %g, /proc/%d/fd has %d", sample(&x, "process_open_fds"),
		      (int)e.pid, fds);
	tu_expo_free(&x);
	tu_http_free(&r);
	free(stat);
	free(limits);
	stop(&e);
}
END_TEST

/* The request counts of the live exporter, and what --web.disable-exporter-metrics leaves out. */
START_TEST(test_request_metrics)
{
	static const char *const off[] = { "--web.disable-exporter-metrics", NULL };
	struct tu_exporter e;
	struct tu_http_resp r;
	struct tu_expo x;
	const struct tu_sample *smp;

	start(&e, NULL);
	get(e.port, "/", 200, &r);
	tu_http_free(&r);
	get(e.port, "/", 200, &r);
	tu_http_free(&r);
	get(e.port, "/nope", 404, &r);
	tu_http_free(&r);
	get(e.port, "/metrics", 200, &r);	/* its own answer is counted after it */
	tu_http_free(&r);
	get(e.port, "/metrics", 200, &r);
	ck_assert_int_eq(tu_expo_parse(r.body, &x), 0);
	smp = tu_expo_find(&x, "bpf_exporter_http_requests_total", "handler", "landing");
	ck_assert_msg(smp && !strcmp(tu_sample_label(smp, "code"), "200") && !strcmp(smp->value, "2"),
		      "landing 200: %s", smp ? smp->value : "absent");
	smp = tu_expo_find(&x, "bpf_exporter_http_requests_total", "handler", "other");
	ck_assert_msg(smp && !strcmp(tu_sample_label(smp, "code"), "404") && !strcmp(smp->value, "1"),
		      "other 404: %s", smp ? smp->value : "absent");
	smp = tu_expo_find(&x, "bpf_exporter_http_requests_total", "code", "200");
	ck_assert_msg(smp && !strcmp(tu_sample_label(smp, "handler"), "metrics") &&
		      !strcmp(smp->value, "1"), "metrics 200: %s", smp ? smp->value : "absent");
	ck_assert_double_eq(sample(&x, "bpf_exporter_http_requests_in_flight"), 1);
	ck_assert_double_ge(sample(&x, "process_open_fds"), 4);	/* and process_* are there */
	tu_expo_free(&x);
	tu_http_free(&r);
	stop(&e);

	start(&e, off);
	get(e.port, "/", 200, &r);
	tu_http_free(&r);
	get(e.port, "/metrics", 200, &r);
	ck_assert_msg(!strstr(r.body, "process_") && !strstr(r.body, "bpf_exporter_http_"),
		      "exporter metrics with --web.disable-exporter-metrics");
	ck_assert_int_eq(tu_expo_parse(r.body, &x), 0);
	ck_assert_double_eq(sample(&x, "bpf_exporter_scrapes_total"), 1);
	ck_assert_ptr_nonnull(tu_expo_find(&x, "bpf_exporter_build_info", NULL, NULL));
	ck_assert_ptr_nonnull(tu_expo_find(&x, "bpf_exporter_scrape_duration_seconds", NULL, NULL));
	tu_expo_free(&x);
	tu_http_free(&r);
	stop(&e);
}
END_TEST

/* ======================================================================
 * collect[]
 * ====================================================================== */

START_TEST(test_collect)
{
	static const char *const no_audit[] = { "--no-collector.audit", NULL };
	struct tu_exporter e;
	struct tu_http_resp r;
	int fd = tu_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "web_collect", "GPL", NULL, 0);

	ck_assert_msg(fd >= 0, "loading a program: %s", strerror(-fd));
	start(&e, NULL);
	get(e.port, "/metrics?collect[]=core", 200, &r);
	ck_assert_msg(strstr(r.body, "name=\"web_collect\"") && !strstr(r.body, "bpf_audit_"),
		      "collect[]=core: %s", tu_clip(r.body));
	ck_assert_ptr_nonnull(strstr(r.body, "\nbpf_exporter_scrapes_total 1\n"));
	ck_assert_ptr_nonnull(strstr(r.body, "\nprocess_cpu_seconds_total "));
	tu_http_free(&r);
	get(e.port, "/metrics?collect%5B%5D=audit", 200, &r);
	ck_assert_msg(!strstr(r.body, "bpf_program_") && strstr(r.body, "\nbpf_audit_events_total{"),
		      "collect[]=audit: %s", tu_clip(r.body));
	tu_http_free(&r);
	get(e.port, "/metrics?collect[]=audit&collect[]=core", 200, &r);
	ck_assert(strstr(r.body, "name=\"web_collect\"") && strstr(r.body, "\nbpf_audit_events_total{"));
	tu_http_free(&r);
	get(e.port, "/metrics?collect[]=core&collect[]=nope", 400, &r);
	ck_assert_str_eq(r.body, "bad collect[]=\"nope\": no such collector (the collectors are core, audit, loaders, holders, entries, stats, btf, pins)\n");
	tu_http_free(&r);
	/* a refused selection is no scrape, but a request */
	get(e.port, "/metrics", 200, &r);
	ck_assert_ptr_nonnull(strstr(r.body, "\nbpf_exporter_scrapes_total 4\n"));
	ck_assert_ptr_nonnull(strstr(r.body, "\nbpf_exporter_scrape_errors_total 0\n"));
	ck_assert_ptr_nonnull(strstr(r.body,
		"\nbpf_exporter_http_requests_total{handler=\"metrics\",code=\"400\"} 1\n"));
	tu_http_free(&r);
	stop(&e);

	start(&e, no_audit);
	get(e.port, "/metrics?collect[]=audit", 400, &r);
	ck_assert_str_eq(r.body, "bad collect[]=\"audit\": the collector is off (--no-collector.audit)\n");
	tu_http_free(&r);
	stop(&e);
	close(fd);
}
END_TEST

/* ======================================================================
 * basic auth under a flood of wrong passwords
 * ====================================================================== */

#define FLOOD_CLIENTS 16	/* from 127.0.0.21 on */
#define FLOOD_ROUNDS 20		/* probes of each kind */
#define FLOOD_PROBE_BUDGET_MS 20000

/* "Authorization: Basic base64(user:password)\r\n" into out. */
static void basic_auth_header(char *out, size_t len, const char *user, const char *password)
{
	ck_assert((size_t)snprintf(out, len, "Authorization: %s\r\n", tu_basic_auth(user, password)) < len);
}

/* A web config in a file of its own (removed by the caller) with user prometheus:password at cost. */
static void auth_config(char *path, size_t len, const char *password, int cost, const char *extra)
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data data;
	const char *h;
	FILE *f;
	int fd;

	snprintf(path, len, "/tmp/bpfme-web-XXXXXX");
	fd = mkstemp(path);
	ck_assert_msg(fd >= 0, "mkstemp: %s", strerror(errno));
	memset(&data, 0, sizeof(data));
	ck_assert(crypt_gensalt_rn("$2y$", (unsigned long)cost, NULL, 0, salt, sizeof(salt)));
	h = crypt_rn(password, salt, &data, sizeof(data));
	ck_assert(h && strlen(h) == 60);
	f = fdopen(fd, "w");
	ck_assert(f);
	fprintf(f, "basic_auth_users:\n  prometheus: %s\n%s", h, extra ? extra : "");
	ck_assert(fclose(f) == 0);
}

static int cmp_ms(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The exporter's user + system CPU seconds so far (/proc/PID/stat). */
static double cpu_s(pid_t pid)
{
	char *stat = proc_file(pid, "stat");
	double s = (stat_field(stat, 14) + stat_field(stat, 15)) / (double)sysconf(_SC_CLK_TCK);

	free(stat);
	return s;
}

/*
 * 16 clients send wrong passwords back to back (bcrypt cost 10: ≈50 ms
 * each); meanwhile a scrape with the right password (a cache hit after the
 * first) and the landing page stay fast: under 100 ms at the median, under
 * 1 s at worst.  The password checks run on their pool, never on the
 * polling thread, so neither waits behind them.
 */
START_TEST(test_auth_flood_latency)
{
	char path[64], flag[96], good[128], bad[128];
	const char *args[] = { flag, NULL };
	double scrape_ms[FLOOD_ROUNDS], landing_ms[FLOOD_ROUNDS], none_ms[FLOOD_ROUNDS], cpu0, cpu1, t0, t1;
	struct lg_scrapers *flood;
	struct lg_scrape_stats st;
	struct tu_exporter e;
	int status, n = 0, not_ok = 0, err;

	auth_config(path, sizeof(path), "secret", 10, NULL);
	snprintf(flag, sizeof(flag), "--web.config.file=%s", path);
	basic_auth_header(good, sizeof(good), "prometheus", "secret");
	basic_auth_header(bad, sizeof(bad), "prometheus", "wrong");
	start(&e, args);
	unlink(path);
	lg_get(e.port, "127.0.0.1", "/metrics", good, 10000, &status, NULL);	/* pays its bcrypt once */
	ck_assert_int_eq(status, 200);

	err = lg_flood_start(&flood, e.port, "/metrics", bad, FLOOD_CLIENTS, 21);
	ck_assert_msg(!err, "starting the flood: %s", strerror(-err));
	for (double end = tu_now_ms() + 10000; lg_scrapers_answered(flood) < FLOOD_CLIENTS &&
	     tu_now_ms() < end;)
		usleep(10000);
	ck_assert_msg(lg_scrapers_answered(flood) >= FLOOD_CLIENTS, "the flood got no answers in 10 s");
	cpu0 = cpu_s(e.pid);
	t0 = tu_now_ms();
	for (double end = t0 + FLOOD_PROBE_BUDGET_MS; n < FLOOD_ROUNDS && tu_now_ms() < end; n++) {
		scrape_ms[n] = lg_get(e.port, "127.0.0.1", "/metrics", good, 10000, &status, NULL);
		not_ok += status != 200;
		landing_ms[n] = lg_get(e.port, "127.0.0.1", "/", good, 10000, &status, NULL);
		not_ok += status != 200;
		/* a 401 that needs no bcrypt (no credentials) waits for none either */
		none_ms[n] = lg_get(e.port, "127.0.0.1", "/", NULL, 10000, &status, NULL);
		not_ok += status != 401;
		usleep(100 * 1000);	/* pacing, not waiting: the rounds spread over 2 s of flood */
	}
	t1 = tu_now_ms();
	cpu1 = cpu_s(e.pid);
	lg_scrapers_stop(flood, &st);
	stop(&e);

	qsort(scrape_ms, (size_t)n, sizeof(double), cmp_ms);
	qsort(landing_ms, (size_t)n, sizeof(double), cmp_ms);
	qsort(none_ms, (size_t)n, sizeof(double), cmp_ms);
	fprintf(stderr, "auth flood (%d clients, cost 10, %.1f s): scrape median %.1f ms max %.1f ms; "
		"landing median %.1f ms max %.1f ms; 401 without credentials median %.1f ms max %.1f ms "
		"(%d rounds); flood: %lu 401, %lu 503/429, %lu other; exporter CPU %.0f %%\n",
		FLOOD_CLIENTS, (t1 - t0) / 1000, scrape_ms[n / 2], scrape_ms[n - 1], landing_ms[n / 2],
		landing_ms[n - 1], none_ms[n / 2], none_ms[n - 1], n, st.unauthorized, st.refused,
		st.failed + st.ok, 100 * (cpu1 - cpu0) / ((t1 - t0) / 1000));
	ck_assert_msg(st.unauthorized > 0, "the flood never got a 401");
	ck_assert_msg(st.ok == 0, "a wrong password was let in %lu times", st.ok);
	ck_assert_msg(not_ok == 0, "%d probes were not answered 200 (401 without credentials)", not_ok);
	ck_assert_msg(n == FLOOD_ROUNDS, "only %d of %d rounds in %d s", n, FLOOD_ROUNDS,
		      FLOOD_PROBE_BUDGET_MS / 1000);
	ck_assert_msg(scrape_ms[n / 2] < 100 && landing_ms[n / 2] < 100,
		      "median under the flood: scrape %.1f ms, landing %.1f ms (want < 100)",
		      scrape_ms[n / 2], landing_ms[n / 2]);
	ck_assert_msg(none_ms[n / 2] < 100 && none_ms[n - 1] < 1000,
		      "a 401 without credentials under the flood: median %.1f ms, max %.1f ms",
		      none_ms[n / 2], none_ms[n - 1]);
	ck_assert_msg(scrape_ms[n - 1] < 1000 && landing_ms[n - 1] < 1000,
		      "worst under the flood: scrape %.1f ms, landing %.1f ms (want < 1000)",
		      scrape_ms[n - 1], landing_ms[n - 1]);
}
END_TEST

/* The answers to a burst: each connection's status, ms from sending to its answer, Retry-After seen. */
struct burst {
	int status;
	double ms;
	bool retry_after;
};

/*
 * per_src connections from each of srcs (NULL-ended), every request (GET
 * path with headers) sent before any answer is read; each answer read as
 * it comes, at most 30 s in all.  Returns how many connections.
 */
static size_t burst(int port, const char *const *srcs, size_t per_src, const char *path,
		    const char *headers, struct burst *out, size_t max)
{
	struct pollfd pfd[64];
	char head[64][256];
	size_t got[64], n = 0, open_n;
	double t0, deadline;

	for (size_t i = 0; srcs[i]; i++)
		for (size_t j = 0; j < per_src && n < max && n < 64; j++, n++) {
			pfd[n].fd = lg_connect(srcs[i], port, 0, 30000);
			ck_assert_msg(pfd[n].fd >= 0, "connecting from %s: %s", srcs[i], strerror(-pfd[n].fd));
			pfd[n].events = POLLIN;
			got[n] = 0;
			head[n][0] = '\0';
			out[n] = (struct burst){ .status = -1 };
		}
	t0 = tu_now_ms();
	for (size_t i = 0; i < n; i++) {
		char req[512];
		int len = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n%s\r\n",
				   path, headers);

		ck_assert(send(pfd[i].fd, req, (size_t)len, MSG_NOSIGNAL) == len);
	}
	deadline = t0 + 30000;
	for (open_n = n; open_n && tu_now_ms() < deadline;) {
		if (poll(pfd, n, (int)(deadline - tu_now_ms())) <= 0)
			break;
		for (size_t i = 0; i < n; i++) {
			char buf[4096];
			ssize_t r;

			if (pfd[i].fd < 0 || !pfd[i].revents)
				continue;
			r = recv(pfd[i].fd, buf, sizeof(buf), MSG_DONTWAIT);
			if (r < 0 && errno == EAGAIN)
				continue;
			if (r > 0 && got[i] < sizeof(head[0]) - 1) {
				size_t take = (size_t)r < sizeof(head[0]) - 1 - got[i] ? (size_t)r :
					      sizeof(head[0]) - 1 - got[i];

				memcpy(head[i] + got[i], buf, take);
				head[i][got[i] + take] = '\0';
			}
			if (r > 0 && out[i].status < 0 && sscanf(head[i], "HTTP/1.%*d %d", &out[i].status) == 1)
				out[i].ms = tu_now_ms() - t0;
			if (r > 0)
				got[i] += (size_t)r;
			if (r <= 0) {
				out[i].retry_after = strcasestr(head[i], "\r\nRetry-After: 1\r\n") != NULL;
				close(pfd[i].fd);
				pfd[i].fd = -1;
				open_n--;
			}
		}
	}
	for (size_t i = 0; i < n; i++)
		if (pfd[i].fd >= 0)
			close(pfd[i].fd);
	return n;
}

/*
 * Password checks that need a bcrypt wait on a queue of 16, a quarter per
 * client address: beyond either, 503 with Retry-After at once -- long
 * before the checks ahead are done (cost 11: ≈0.1 s each, two at a time).
 */
START_TEST(test_auth_queue_full)
{
	static const char *const one[] = { "127.0.0.51", NULL };
	static const char *const five[] = { "127.0.0.61", "127.0.0.62", "127.0.0.63", "127.0.0.64",
					    "127.0.0.65", NULL };
	char path[64], flag[96], bad[128];
	const char *args[] = { flag, NULL };
	struct burst b[64];
	struct tu_exporter e;
	size_t n, refused, unauthorized;
	double slowest_refusal, slowest_401;

	auth_config(path, sizeof(path), "secret", 11, NULL);
	snprintf(flag, sizeof(flag), "--web.config.file=%s", path);
	basic_auth_header(bad, sizeof(bad), "prometheus", "wrong");
	start(&e, args);
	unlink(path);

	for (int round = 0; round < 2; round++) {
		/* round 0: 8 from one address (its quarter is 4); round 1: 4 from each of 5 (20 > 16) */
		n = burst(e.port, round ? five : one, round ? 4 : 8, "/metrics", bad, b, 64);
		refused = unauthorized = 0;
		slowest_refusal = slowest_401 = 0;
		for (size_t i = 0; i < n; i++) {
			if (b[i].status == 503) {
				refused++;
				ck_assert_msg(b[i].retry_after, "a 503 without Retry-After: 1");
				if (b[i].ms > slowest_refusal)
					slowest_refusal = b[i].ms;
			} else {
				ck_assert_msg(b[i].status == 401, "round %d: status %d", round, b[i].status);
				unauthorized++;
				if (b[i].ms > slowest_401)
					slowest_401 = b[i].ms;
			}
		}
		fprintf(stderr, "auth queue, round %d: %zu refused 503 (slowest %.0f ms), %zu 401 (slowest %.0f ms)\n",
			round, refused, slowest_refusal, unauthorized, slowest_401);
		ck_assert_msg(refused >= 4 && unauthorized >= 4,
			      "round %d: %zu refused, %zu checked", round, refused, unauthorized);
		ck_assert_msg(round || unauthorized == 4, "one address had %zu checks at once, its share is 4",
			      unauthorized);
		ck_assert_msg(slowest_refusal < slowest_401 && slowest_refusal < 500,
			      "round %d: a refusal took %.0f ms (the checks %.0f ms): it waited", round,
			      slowest_refusal, slowest_401);
	}
	stop(&e);
}
END_TEST

Suite *web_suite(void)
{
	Suite *s = suite_create("web");
	TCase *tc;

	tc = tcase_create("listen");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_several_addresses);
	tcase_add_test(tc, test_address_in_use);
	tcase_add_test(tc, test_address_twice);
	suite_add_tcase(s, tc);

	tc = tcase_create("systemd");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_systemd_socket);
	tcase_add_test(tc, test_systemd_socket_missing);
	suite_add_tcase(s, tc);

	tc = tcase_create("exporter_metrics");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_process_metrics);
	tcase_add_test(tc, test_request_metrics);
	suite_add_tcase(s, tc);

	tc = tcase_create("collect");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_collect);
	suite_add_tcase(s, tc);

	tc = tcase_create("auth_flood");
	tcase_set_timeout(tc, 90);
	tcase_add_test(tc, test_auth_flood_latency);
	tcase_add_test(tc, test_auth_queue_full);
	suite_add_tcase(s, tc);
	return s;
}
