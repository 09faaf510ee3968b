// SPDX-License-Identifier: Apache-2.0
/*
 * check_audit_live - BPF audit events end to end: kernel audit on, the real
 * binary running, programs loaded and unloaded by this test process; every
 * event at /events and every counter at /metrics is checked against what
 * the test did.  Needs root.
 */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/capability.h>
#include <netinet/in.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <bpf/bpf.h>
#include <libaudit.h>
/* syslog.h (via libaudit.h) defines these; log.h's are an enum */
#undef LOG_DEBUG
#undef LOG_INFO

#include "audit/audit_reader.h"
#include "lib/buf.h"
#include "audit/ev.h"
#include "lib/log.h"
#include "metrics/coll.h"
#include "audit/progcache.h"
#include "collectors.h"
#include "suites.h"
#include "testutil.h"

static struct tu_exporter exporter;

static void audit_on(void)
{
	ck_assert_msg(tu_audit_prepare(true) == 0, "cannot enable kernel audit");
}

static void setup(void)
{
	/*
	 * Room for every event of a test, whatever else the host loads
	 * meanwhile.  No holders walk: it reads other processes' fdinfo, and a
	 * churner's close racing with that read leaves the walk the last
	 * reference, released after its read(2) is recorded, so that UNLOAD is
	 * a lone record without a process (README, BPF events).  These tests
	 * are about the exporter's own lookups.
	 */
	static const char *const args[] = { "--events.capacity=100000", "--no-collector.holders", NULL };

	audit_on();
	ck_assert_int_eq(tu_exporter_start(&exporter, args), 0);
}

static void teardown(void)
{
	tu_exporter_stop(&exporter, 2000, NULL, NULL);
}

/* bpf_audit_events_total{op=...} */
static uint64_t audit_count(const char *op)
{
	struct tu_http_resp r;
	struct tu_expo e;
	const struct tu_sample *s;
	uint64_t v;

	ck_assert_int_eq(tu_http(exporter.port, "GET", "/metrics", NULL, &r), 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_int_eq(tu_expo_parse(r.body, &e), 0);
	s = tu_expo_find(&e, "bpf_audit_events_total", "op", op);
	ck_assert_msg(s != NULL, "no bpf_audit_events_total{op=\"%s\"}", op);
	v = strtoull(s->value, NULL, 10);
	tu_expo_free(&e);
	tu_http_free(&r);
	return v;
}

/* Newest seq at /events (0 when empty). */
static uint64_t last_seq(void)
{
	uint64_t seq;

	ck_assert_int_eq(tu_events_last_seq(exporter.port, &seq), 0);
	return seq;
}

/*
 * Poll /events?since=SINCE until `want` events about prog_id have arrived
 * (at most 8 s: lone records complete only after the EOE timeout).
 * Returns the body (malloc'd).
 */
static char *wait_events(uint64_t since, uint32_t prog_id, int want)
{
	char path[64], needle[48];
	double deadline = tu_now_ms() + 8000;

	snprintf(path, sizeof(path), "/events?since=%llu", (unsigned long long)since);
	snprintf(needle, sizeof(needle), "\"prog_id\":%u,", prog_id);
	for (;;) {
		struct tu_http_resp r;
		int n = 0;

		ck_assert_int_eq(tu_http(exporter.port, "GET", path, NULL, &r), 0);
		ck_assert_int_eq(r.status, 200);
		for (const char *p = r.body; (p = strstr(p, needle)); p++)
			n++;
		if (n >= want || tu_now_ms() > deadline) {
			char *body = r.body;

			r.body = NULL;
			tu_http_free(&r);
			ck_assert_msg(n == want, "%d events for prog %u, want %d: %.600s", n, prog_id, want, body);
			return body;
		}
		tu_http_free(&r);
		usleep(50000);
	}
}

/* The JSON object of the event about prog_id with op (a copy), or fail. */
static char *event_of(const char *body, uint32_t prog_id, const char *op)
{
	char needle[64];
	const char *p, *start, *end;

	snprintf(needle, sizeof(needle), "\"prog_id\":%u,\"op\":\"%s\"", prog_id, op);
	p = strstr(body, needle);
	ck_assert_msg(p != NULL, "no %s event for prog %u in %zu bytes of events, ending %.300s", op,
		      prog_id, strlen(body), body + (strlen(body) > 300 ? strlen(body) - 300 : 0));
	for (start = p; start > body && *start != '{'; start--)
		;
	end = strchr(p, '}');
	ck_assert_ptr_nonnull(end);
	return strndup(start, (size_t)(end - start + 1));
}

static void assert_field(const char *ev, const char *key, const char *json_value)
{
	char needle[512];

	snprintf(needle, sizeof(needle), "\"%s\":%s", key, json_value);
	ck_assert_msg(strstr(ev, needle) != NULL, "want %s in %s", needle, ev);
}

static char *self_exe(void)
{
	char buf[4096];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);

	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	return strdup(buf);
}

/* GET /metrics, parsed. */
static void scrape(struct tu_expo *e)
{
	struct tu_http_resp r;

	ck_assert_int_eq(tu_http(exporter.port, "GET", "/metrics", NULL, &r), 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_int_eq(tu_expo_parse(r.body, e), 0);
	tu_http_free(&r);
}

/*
 * An exporter on port serves BPF objects, with bpf_audit_listener_up up and
 * bpf_audit_kernel_enabled kernel (NULL: either; "" absent).
 */
static void assert_listener(int port, const char *up, const char *kernel)
{
	struct tu_http_resp r;
	struct tu_expo ex;
	const struct tu_sample *s;

	ck_assert_int_eq(tu_http(port, "GET", "/metrics", NULL, &r), 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(strstr(r.body, "# TYPE bpf_program_info gauge"));
	ck_assert_int_eq(tu_expo_parse(r.body, &ex), 0);
	s = tu_expo_find(&ex, "bpf_audit_listener_up", NULL, NULL);
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s->value, up);
	s = tu_expo_find(&ex, "bpf_audit_kernel_enabled", NULL, NULL);
	if (kernel && !*kernel)
		ck_assert_msg(s == NULL, "bpf_audit_kernel_enabled is there: %s", s->value);
	else if (kernel)
		ck_assert_msg(s && !strcmp(s->value, kernel), "bpf_audit_kernel_enabled %s, want %s",
			      s ? s->value : "absent", kernel);
	tu_expo_free(&ex);
	tu_http_free(&r);
}

/* Scrape until bpf_audit_kernel_enabled is want, at most 8 s (the status is asked every 2 s). */
static void wait_kernel_enabled(int port, const char *want)
{
	double deadline = tu_now_ms() + 8000;

	for (;;) {
		struct tu_http_resp r;
		struct tu_expo ex;
		const struct tu_sample *s;
		bool done;

		ck_assert_int_eq(tu_http(port, "GET", "/metrics", NULL, &r), 0);
		ck_assert_int_eq(tu_expo_parse(r.body, &ex), 0);
		s = tu_expo_find(&ex, "bpf_audit_kernel_enabled", NULL, NULL);
		done = s && !strcmp(s->value, want);
		tu_expo_free(&ex);
		tu_http_free(&r);
		if (done)
			return;
		ck_assert_msg(tu_now_ms() < deadline, "bpf_audit_kernel_enabled never became %s", want);
		usleep(100000);
	}
}

/*
 * bpf_exporter_scrape_collector_success{collector="loaders"} of one scrape:
 * 0 or 1 (the series must be there).
 */
static int loaders_success(int port)
{
	struct tu_http_resp r;
	struct tu_expo ex;
	const struct tu_sample *s;
	int v;

	ck_assert_int_eq(tu_http(port, "GET", "/metrics", NULL, &r), 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_int_eq(tu_expo_parse(r.body, &ex), 0);
	s = tu_expo_find(&ex, "bpf_exporter_scrape_collector_success", "collector", "loaders");
	ck_assert_msg(s && (!strcmp(s->value, "0") || !strcmp(s->value, "1")),
		      "loaders' success: %s", s ? s->value : "absent");
	v = s->value[0] - '0';
	tu_expo_free(&ex);
	tu_http_free(&r);
	return v;
}

/* Occurrences of needle in the exporter's log. */
static int log_count(const struct tu_exporter *e, const char *needle)
{
	char *log = tu_exporter_log(e);
	int n = 0;

	for (const char *p = log; (p = strstr(p, needle)); p++)
		n++;
	free(log);
	return n;
}

/* bpf_audit_events_by_comm_total{op,comm}, 0 when absent. */
static uint64_t by_comm(const struct tu_expo *e, const char *op, const char *comm)
{
	for (size_t i = 0; i < e->nr; i++) {
		const struct tu_sample *s = &e->samples[i];
		const char *o = tu_sample_label(s, "op"), *c = tu_sample_label(s, "comm");

		if (!strcmp(s->name, "bpf_audit_events_by_comm_total") && o && c &&
		    !strcmp(o, op) && !strcmp(c, comm))
			return strtoull(s->value, NULL, 10);
	}
	return 0;
}

/*
 * Check the family's shape: each comm once, with LOAD then UNLOAD; named
 * comms in byte order, then (none), then (other).  Returns the sum over the
 * comms of op.
 */
static uint64_t by_comm_sum(const struct tu_expo *e, const char *op)
{
	const char *prev = NULL;
	uint64_t sum = 0;
	int rank = 0, nth = 0;

	for (size_t i = 0; i < e->nr; i++) {
		const struct tu_sample *s = &e->samples[i];
		const char *o = tu_sample_label(s, "op"), *c = tu_sample_label(s, "comm");
		int r;

		if (strcmp(s->name, "bpf_audit_events_by_comm_total"))
			continue;
		ck_assert_msg(o && c && s->nr_labels == 2, "bad labels in a by_comm sample");
		ck_assert_str_eq(o, nth++ % 2 ? "UNLOAD" : "LOAD");
		if (!strcmp(o, op))
			sum += strtoull(s->value, NULL, 10);
		if (!strcmp(o, "UNLOAD")) {
			ck_assert_str_eq(c, prev);	/* the LOAD sample's comm */
			continue;
		}
		r = !strcmp(c, "(none)") ? 1 : !strcmp(c, "(other)") ? 2 : 0;
		ck_assert_msg(r > rank || (r == 0 && rank == 0 && (!prev || strcmp(prev, c) < 0)),
			      "comm \"%s\" out of order after \"%s\"", c, prev ? prev : "");
		rank = r;
		prev = c;
	}
	ck_assert_msg(nth % 2 == 0, "a comm without its UNLOAD sample");
	return sum;
}

/*
 * Scrape until the sums over comm equal bpf_audit_events_total: events are
 * counted by comm when assembled, up to ~0.5 s (lone records) after their
 * record was counted.  At most 5 s.
 */
static void settled(struct tu_expo *e)
{
	double deadline = tu_now_ms() + 5000;

	for (;;) {
		bool equal = true;

		scrape(e);
		for (int i = 0; i < 2; i++) {
			const char *op = i ? "UNLOAD" : "LOAD";
			const struct tu_sample *t = tu_expo_find(e, "bpf_audit_events_total", "op", op);
			uint64_t total, sum = by_comm_sum(e, op);

			ck_assert_ptr_nonnull(t);
			total = strtoull(t->value, NULL, 10);
			ck_assert_msg(sum <= total, "%s: %llu by comm, %llu in all", op,
				      (unsigned long long)sum, (unsigned long long)total);
			if (sum != total) {
				equal = false;
				ck_assert_msg(tu_now_ms() < deadline, "%s: %llu by comm, %llu in all after 5 s",
					      op, (unsigned long long)sum, (unsigned long long)total);
			}
		}
		if (equal)
			return;
		tu_expo_free(e);
		usleep(50000);
	}
}

START_TEST(test_load_unload_attributed)
{
	struct bpf_prog_info info;
	char name[16], comm[17] = "", want[4200], *body, *ev, *exe = self_exe();
	uint64_t loads, unloads, since, comm_loads, comm_unloads;
	int fd, warm, idpipe[2], gate[2], status;
	struct tu_expo ex;
	pid_t child;
	FILE *f;

	/* libbpf probes features with a throwaway program on first use: do it now */
	since = last_seq();
	warm = tu_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "warmup", "GPL", NULL, 0);
	ck_assert_int_ge(warm, 0);
	ck_assert_int_eq(tu_obj_info(warm, &info, sizeof(info)), 0);
	close(warm);
	free(wait_events(since, info.id, 2));	/* its LOAD and UNLOAD are counted before the baseline */
	loads = audit_count("LOAD");
	unloads = audit_count("UNLOAD");
	since = last_seq();
	/* the child keeps this process's comm */
	f = fopen("/proc/self/comm", "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(comm, sizeof(comm), f));
	fclose(f);
	comm[strcspn(comm, "\n")] = '\0';
	settled(&ex);
	comm_loads = by_comm(&ex, "LOAD", comm);
	comm_unloads = by_comm(&ex, "UNLOAD", comm);
	tu_expo_free(&ex);

	/*
	 * The kernel gives a task an audit context only if audit had been
	 * enabled when it was created; this test process may be older than
	 * that (audit_on() ran in it), so a child created now does the work.
	 */
	snprintf(name, sizeof(name), "aud%d", (int)getpid() % 100000);
	ck_assert_int_eq(pipe(idpipe), 0);
	ck_assert_int_eq(pipe(gate), 0);
	child = fork();
	ck_assert_int_ge(child, 0);
	if (child == 0) {
		char c;

		close(gate[1]);
		fd = tu_prog_load(BPF_PROG_TYPE_XDP, name, "GPL", NULL, 0);
		if (fd < 0 || tu_obj_info(fd, &info, sizeof(info)) ||
		    write(idpipe[1], &info.id, sizeof(info.id)) != sizeof(info.id))
			_exit(1);
		/* the exporter looks the program up when it reads LOAD: keep it until then */
		if (read(gate[0], &c, 1) < 0)
			_exit(1);
		close(fd);
		_exit(0);
	}
	close(gate[0]);
	close(idpipe[1]);
	memset(&info, 0, sizeof(info));
	ck_assert_int_eq(read(idpipe[0], &info.id, sizeof(info.id)), (ssize_t)sizeof(info.id));
	close(idpipe[0]);
	free(wait_events(since, info.id, 1));
	close(gate[1]);	/* EOF: the child closes the program and exits */
	waitpid(child, &status, 0);
	ck_assert_int_eq(status, 0);

	body = wait_events(since, info.id, 2);

	ev = event_of(body, info.id, "LOAD");
	snprintf(want, sizeof(want), "%d", (int)child);
	assert_field(ev, "pid", want);
	snprintf(want, sizeof(want), "%d", (int)getpid());
	assert_field(ev, "ppid", want);
	snprintf(want, sizeof(want), "%u", getuid());
	assert_field(ev, "uid", want);
	assert_field(ev, "euid", want);
	snprintf(want, sizeof(want), "%u", getgid());
	assert_field(ev, "gid", want);
	snprintf(want, sizeof(want), "\"%s\"", comm);
	assert_field(ev, "comm", want);
	snprintf(want, sizeof(want), "\"%s\"", exe);
	assert_field(ev, "exe", want);
	assert_field(ev, "syscall", "321");
	assert_field(ev, "syscall_name", "\"bpf\"");
	assert_field(ev, "syscall_op", "\"BPF_PROG_LOAD\"");
	snprintf(want, sizeof(want), "\"%s\"", name);
	assert_field(ev, "prog_name", want);
	assert_field(ev, "prog_type", "\"xdp\"");
	{
		/* the kernel's PROCTITLE: argv with NULs as spaces, at most 128 bytes */
		char cmd[129], json[300];
		FILE *cf = fopen("/proc/self/cmdline", "r");
		size_t n;

		ck_assert_ptr_nonnull(cf);
		n = fread(cmd, 1, 128, cf);
		fclose(cf);
		while (n && cmd[n - 1] == '\0')
			n--;
		for (size_t i = 0; i < n; i++)
			if (!cmd[i])
				cmd[i] = ' ';
		cmd[n] = '\0';
		snprintf(json, sizeof(json), "\"%s\"", cmd);
		assert_field(ev, "cmdline", json);
	}
	free(ev);

	ev = event_of(body, info.id, "UNLOAD");
	snprintf(want, sizeof(want), "%d", (int)child);
	assert_field(ev, "pid", want);
	assert_field(ev, "syscall_name", "\"close\"");
	assert_field(ev, "syscall_op", "null");
	snprintf(want, sizeof(want), "\"%s\"", name);
	assert_field(ev, "prog_name", want);	/* remembered from LOAD */
	free(ev);
	free(body);
	free(exe);

	ck_assert_uint_eq(audit_count("LOAD"), loads + 1);
	ck_assert_uint_eq(audit_count("UNLOAD"), unloads + 1);
	settled(&ex);
	ck_assert_uint_eq(by_comm(&ex, "LOAD", comm), comm_loads + 1);
	ck_assert_uint_eq(by_comm(&ex, "UNLOAD", comm), comm_unloads + 1);
	tu_expo_free(&ex);
}
END_TEST

START_TEST(test_lone_unload_at_exit)
{
	int pipefd[2], gate[2], status;
	uint32_t id = 0;
	uint64_t since = last_seq();
	char *body, *ev;
	pid_t pid;

	ck_assert_int_eq(pipe(pipefd), 0);
	ck_assert_int_eq(pipe(gate), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct bpf_prog_info info;
		int fd = tu_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "lone", "GPL", NULL, 0);

		if (fd < 0 || tu_obj_info(fd, &info, sizeof(info)))
			_exit(1);
		if (write(pipefd[1], &info.id, sizeof(info.id)) != sizeof(info.id))
			_exit(1);
		close(gate[1]);
		if (read(gate[0], &status, 1) < 0)	/* EOF: the LOAD was seen */
			_exit(1);
		_exit(0);	/* the kernel frees the program at exit: no task context */
	}
	close(pipefd[1]);
	close(gate[0]);
	ck_assert_int_eq(read(pipefd[0], &id, sizeof(id)), (ssize_t)sizeof(id));
	close(pipefd[0]);
	free(wait_events(since, id, 1));
	close(gate[1]);	/* let the child exit */
	waitpid(pid, &status, 0);
	ck_assert_int_eq(status, 0);

	body = wait_events(since, id, 2);
	ev = event_of(body, id, "UNLOAD");
	assert_field(ev, "prog_name", "\"lone\"");
	assert_field(ev, "prog_type", "\"socket_filter\"");
	free(ev);
	ev = event_of(body, id, "LOAD");
	{
		char want[32];

		snprintf(want, sizeof(want), "%d", (int)pid);
		assert_field(ev, "pid", want);
	}
	free(ev);
	free(body);
}
END_TEST

/*
 * A pod's container as a runtime makes it, without the runtime: cgroups
 * with the kubelet's and containerd's names (systemd driver) under a
 * parent of the test's own in the cgroup v2 hierarchy, and a bpffs of its
 * own.  Fixed names, so that pod_cleanup(), an unchecked fixture, removes
 * what a failed run left before and after the test (root suites never
 * run concurrently).
 */
#define POD_UID "0c5e2a7b-91d4-4f3e-8a6b-2d7c9e1f4a53"
#define POD_CTR "5f0e8d7c6b5a49382716f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0"
#define POD_PINS "/tmp/bpfme-test-pod-pins"
static const char *const pod_levels[] = {
	"bpfme-test-pod",
	"kubepods.slice",
	"kubepods-besteffort.slice",
	"kubepods-besteffort-pod0c5e2a7b_91d4_4f3e_8a6b_2d7c9e1f4a53.slice",
	"cri-containerd-" POD_CTR ".scope",
};
#define POD_LEVELS (sizeof(pod_levels) / sizeof(pod_levels[0]))

/* The cgroup of level i (0: the test's parent) in out. */
static void pod_cgroup(size_t i, char *out, size_t len)
{
	size_t n;

	tu_cgroup2_mount(out, len);
	for (size_t k = 0; k <= i && out[0]; k++) {
		n = strlen(out);
		snprintf(out + n, len - n, "/%s", pod_levels[k]);
	}
}

static void pod_cleanup(void)
{
	char path[1024];

	unlink(POD_PINS "/podprog");
	umount2(POD_PINS, MNT_DETACH);
	rmdir(POD_PINS);
	for (size_t i = POD_LEVELS; i-- > 0;) {
		pod_cgroup(i, path, sizeof(path));
		if (path[0])
			rmdir(path);
	}
}

/*
 * A process in a pod's container loads a program, pins it and exits: its
 * LOAD event carries the cgroup /proc/PID/cgroup gave the process and the
 * container and pod its names give; bpf_program_loader_info names it for
 * as long as the program exists, after the loader has gone; the UNLOAD
 * (the pin removed) takes the series away.
 */
START_TEST(test_loader_in_pod)
{
	char leaf[1024], procs[1100], cg[4096] = "", pin[] = POD_PINS "/podprog", want[4200], num[24];
	int pipefd[2], gate[2], status;
	uint32_t id = 0;
	uint64_t since = last_seq();
	const struct tu_sample *smp;
	struct tu_expo e;
	char *body, *ev;
	pid_t pid;

	for (size_t i = 0; i < POD_LEVELS; i++) {
		pod_cgroup(i, leaf, sizeof(leaf));
		ck_assert_msg(leaf[0], "no cgroup v2 hierarchy mounted");
		ck_assert_msg(mkdir(leaf, 0755) == 0, "mkdir %s: %s", leaf, strerror(errno));
	}
	ck_assert_int_eq(mkdir(POD_PINS, 0700), 0);
	ck_assert_msg(mount("bpf", POD_PINS, "bpf", 0, NULL) == 0, "mount bpffs: %s", strerror(errno));
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", leaf);

	ck_assert_int_eq(pipe(pipefd), 0);
	ck_assert_int_eq(pipe(gate), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct bpf_prog_info info;
		char self[4200];
		int fd = open(procs, O_WRONLY), cfd;
		ssize_t n;

		if (fd < 0 || write(fd, "0", 1) != 1)
			_exit(1);
		close(fd);
		prctl(PR_SET_NAME, "pod-loader");
		fd = tu_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "podprog", "GPL", NULL, 0);
		if (fd < 0 || tu_obj_info(fd, &info, sizeof(info)) || bpf_obj_pin(fd, pin))
			_exit(2);
		/* what the kernel says this process's cgroup is */
		cfd = open("/proc/self/cgroup", O_RDONLY);
		n = cfd < 0 ? -1 : read(cfd, self, sizeof(self) - 1);
		if (n <= 0)
			_exit(3);
		self[n] = '\0';
		if (write(pipefd[1], &info.id, sizeof(info.id)) != sizeof(info.id) ||
		    write(pipefd[1], self, (size_t)n) != n)
			_exit(4);
		close(pipefd[1]);
		close(gate[1]);
		if (read(gate[0], self, 1) < 0)	/* EOF: the LOAD was seen */
			_exit(5);
		_exit(0);	/* the pin keeps the program */
	}
	close(pipefd[1]);
	close(gate[0]);
	if (read(pipefd[0], &id, sizeof(id)) != (ssize_t)sizeof(id)) {
		waitpid(pid, &status, 0);
		ck_abort_msg("the loader failed: status %#x", status);
	}
	{
		char self[4200];
		ssize_t n = 0, got;

		while ((got = read(pipefd[0], self + n, sizeof(self) - 1 - (size_t)n)) > 0)
			n += got;
		const char *line;

		ck_assert_int_gt(n, 0);
		self[n] = '\0';
		line = strstr(self, "0::");	/* cgroup v2 (unified or hybrid) */
		ck_assert_msg(line != NULL, "no cgroup v2 line in %s", self);
		snprintf(cg, sizeof(cg), "%.*s", (int)strcspn(line + 3, "\n"), line + 3);
	}
	close(pipefd[0]);
	ck_assert_msg(strstr(cg, "/cri-containerd-" POD_CTR ".scope") != NULL, "cgroup %s", cg);

	/* the LOAD event, read while the loader still existed */
	body = wait_events(since, id, 1);
	close(gate[1]);	/* let the loader exit */
	waitpid(pid, &status, 0);
	ck_assert_int_eq(status, 0);
	ev = event_of(body, id, "LOAD");
	snprintf(want, sizeof(want), "\"%s\"", cg);
	assert_field(ev, "cgroup", want);
	assert_field(ev, "container_id", "\"" POD_CTR "\"");
	assert_field(ev, "pod_uid", "\"" POD_UID "\"");
	assert_field(ev, "comm", "\"pod-loader\"");
	free(ev);
	free(body);

	/* the loader has exited: the program still says who loaded it */
	scrape(&e);
	snprintf(num, sizeof(num), "%u", id);
	ck_assert_ptr_nonnull(tu_expo_find(&e, "bpf_program_info", "id", num));
	smp = tu_expo_find(&e, "bpf_program_loader_info", "id", num);
	ck_assert_msg(smp != NULL, "no bpf_program_loader_info{id=\"%s\"}", num);
	snprintf(want, sizeof(want), "%d", (int)pid);
	ck_assert_str_eq(tu_sample_label(smp, "pid"), want);
	ck_assert_str_eq(tu_sample_label(smp, "uid"), "0");
	ck_assert_str_eq(tu_sample_label(smp, "comm"), "pod-loader");
	ck_assert_str_eq(tu_sample_label(smp, "cgroup"), cg);
	ck_assert_str_eq(tu_sample_label(smp, "container_id"), POD_CTR);
	ck_assert_str_eq(tu_sample_label(smp, "pod_uid"), POD_UID);
	ck_assert_str_eq(smp->value, "1");
	tu_expo_free(&e);

	/* unpinned: unloaded, and the series is gone */
	ck_assert_int_eq(unlink(pin), 0);
	free(wait_events(since, id, 2));
	scrape(&e);
	ck_assert_ptr_null(tu_expo_find(&e, "bpf_program_loader_info", "id", num));
	ck_assert_ptr_null(tu_expo_find(&e, "bpf_program_info", "id", num));
	tu_expo_free(&e);
	pod_cleanup();
}
END_TEST

START_TEST(test_metrics_and_endpoint)
{
	struct tu_http_resp r;
	struct tu_expo e;
	const struct tu_sample *s;

	ck_assert_int_eq(tu_http(exporter.port, "GET", "/metrics", NULL, &r), 0);
	ck_assert_int_eq(tu_expo_parse(r.body, &e), 0);
	s = tu_expo_find(&e, "bpf_audit_listener_up", NULL, NULL);
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s->value, "1");
	ck_assert_ptr_nonnull(tu_expo_find(&e, "bpf_audit_socket_drops_total", NULL, NULL));
	ck_assert_ptr_nonnull(tu_expo_find(&e, "bpf_audit_parse_errors_total", NULL, NULL));
	ck_assert_ptr_nonnull(tu_expo_find(&e, "bpf_audit_kernel_lost_total", NULL, NULL));
	ck_assert_ptr_nonnull(tu_expo_find(&e, "bpf_audit_kernel_backlog", NULL, NULL));
	s = tu_expo_find(&e, "bpf_audit_kernel_enabled", NULL, NULL);
	ck_assert_ptr_nonnull(s);
	ck_assert_str_ne(s->value, "0");
	tu_expo_free(&e);
	tu_http_free(&r);

	ck_assert_int_eq(tu_http(exporter.port, "GET", "/events", NULL, &r), 0);
	ck_assert_int_eq(r.status, 200);
	{
		char *ct = tu_http_header(&r, "Content-Type");

		ck_assert_str_eq(ct, "application/json");
		free(ct);
	}
	ck_assert_int_eq(r.body[0], '[');
	tu_http_free(&r);
	ck_assert_int_eq(tu_http(exporter.port, "GET", "/events?limit=0", NULL, &r), 0);
	ck_assert_int_eq(r.status, 400);
	ck_assert_ptr_nonnull(strstr(r.body, "limit"));
	tu_http_free(&r);
	ck_assert_int_eq(tu_http(exporter.port, "GET", "/events?op=MAYBE", NULL, &r), 0);
	ck_assert_int_eq(r.status, 400);
	tu_http_free(&r);
}
END_TEST

/*
 * A child with its own comm loads two programs, closes one (an UNLOAD in
 * close(), under its comm) and exits holding the other (a lone UNLOAD at
 * exit, under (none)).
 */
START_TEST(test_by_comm)
{
	char comm[16];
	uint32_t ids[2];
	uint64_t since, none_unloads;
	int warm, idpipe[2], gate[2], status;
	struct tu_expo e;
	pid_t child;

	warm = tu_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "warmup", "GPL", NULL, 0);
	ck_assert_int_ge(warm, 0);	/* libbpf's probes: in this process, not the child */
	close(warm);
	snprintf(comm, sizeof(comm), "bycomm%d", (int)getpid() % 100000);
	settled(&e);
	ck_assert_uint_eq(by_comm(&e, "LOAD", comm), 0);
	none_unloads = by_comm(&e, "UNLOAD", "(none)");
	tu_expo_free(&e);
	since = last_seq();

	ck_assert_int_eq(pipe(idpipe), 0);
	ck_assert_int_eq(pipe(gate), 0);
	child = fork();	/* made after audit is on: it has an audit context */
	ck_assert_int_ge(child, 0);
	if (child == 0) {
		struct bpf_prog_info info;
		int fd[2];
		char c;

		close(gate[1]);
		if (prctl(PR_SET_NAME, comm, 0, 0, 0))
			_exit(1);
		for (int i = 0; i < 2; i++) {
			fd[i] = tu_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "bycomm", "GPL", NULL, 0);
			if (fd[i] < 0 || tu_obj_info(fd[i], &info, sizeof(info)) ||
			    write(idpipe[1], &info.id, sizeof(info.id)) != sizeof(info.id))
				_exit(1);
		}
		if (read(gate[0], &c, 1) < 0)
			_exit(1);
		close(fd[0]);
		_exit(0);	/* fd[1]'s program is freed at exit */
	}
	close(gate[0]);
	close(idpipe[1]);
	for (int i = 0; i < 2; i++)
		ck_assert_int_eq(read(idpipe[0], &ids[i], sizeof(ids[i])), (ssize_t)sizeof(ids[i]));
	close(idpipe[0]);
	free(wait_events(since, ids[1], 1));
	close(gate[1]);
	waitpid(child, &status, 0);
	ck_assert_int_eq(status, 0);
	free(wait_events(since, ids[0], 2));
	free(wait_events(since, ids[1], 2));

	settled(&e);
	ck_assert_uint_eq(by_comm(&e, "LOAD", comm), 2);
	ck_assert_uint_eq(by_comm(&e, "UNLOAD", comm), 1);
	ck_assert_uint_ge(by_comm(&e, "UNLOAD", "(none)"), none_unloads + 1);
	tu_expo_free(&e);
}
END_TEST

/* --no-audit: no thread, no bpf_audit_* families, /events 404 */
START_TEST(test_no_audit)
{
	static const char *const args[] = { "--no-audit", NULL };
	struct tu_exporter e2;
	struct tu_http_resp r;

	ck_assert_int_eq(tu_exporter_start(&e2, args), 0);
	ck_assert_int_eq(tu_http(e2.port, "GET", "/metrics", NULL, &r), 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_null(strstr(r.body, "bpf_audit_"));
	tu_http_free(&r);
	ck_assert_int_eq(tu_http(e2.port, "GET", "/events", NULL, &r), 0);
	ck_assert_int_eq(r.status, 404);
	ck_assert_ptr_nonnull(strstr(r.body, "--no-audit"));
	tu_http_free(&r);
	ck_assert_int_eq(tu_exporter_stop(&e2, 2000, NULL, NULL), 0);
}
END_TEST

/* Kernel audit off: still serving, listener_up 0, one warning naming the fix. */
START_TEST(test_audit_disabled)
{
	struct tu_exporter e2;
	char *log;
	int fd = audit_open();

	ck_assert_int_ge(fd, 0);
	ck_assert_int_gt(audit_set_enabled(fd, 0), 0);
	ck_assert_int_eq(tu_exporter_start(&e2, NULL), 0);
	assert_listener(e2.port, "1", "0");
	/* no LOAD event arrives: the loaders collector's families are incomplete */
	ck_assert_int_eq(loaders_success(e2.port), 0);
	log = tu_exporter_log(&e2);
	ck_assert_msg(strstr(log, "auditctl -e 1") != NULL, "no hint in: %s", log);
	free(log);
	/* turned on and off while running: each change logged once */
	ck_assert_int_gt(audit_set_enabled(fd, 1), 0);
	wait_kernel_enabled(e2.port, "1");
	ck_assert_int_eq(loaders_success(e2.port), 1);
	ck_assert_int_gt(audit_set_enabled(fd, 0), 0);
	wait_kernel_enabled(e2.port, "0");
	ck_assert_int_eq(loaders_success(e2.port), 0);
	usleep(2500 * 1000);	/* one more round of asking: nothing new to say */
	ck_assert_int_eq(log_count(&e2, "kernel audit was enabled"), 1);
	ck_assert_int_eq(log_count(&e2, "kernel audit was disabled"), 1);
	ck_assert_int_eq(log_count(&e2, "kernel audit is disabled"), 1);	/* at start */
	assert_listener(e2.port, "1", "0");
	tu_exporter_stop(&e2, 2000, NULL, NULL);

	/* --audit.enable turns it on at start */
	{
		static const char *const args[] = { "--audit.enable", NULL };
		struct audit_reply rep;

		ck_assert_int_eq(tu_exporter_start(&e2, args), 0);
		tu_exporter_stop(&e2, 2000, NULL, NULL);
		ck_assert_int_gt(audit_request_status(fd), 0);
		ck_assert_int_gt(audit_get_reply(fd, &rep, GET_REPLY_BLOCKING, 0), 0);
		/* skip the ACK if it comes first */
		if (rep.type != AUDIT_GET)
			ck_assert_int_gt(audit_get_reply(fd, &rep, GET_REPLY_BLOCKING, 0), 0);
		ck_assert_int_eq(rep.type, AUDIT_GET);
		ck_assert_uint_eq(rep.status->enabled, 1);
	}
	audit_close(fd);
}
END_TEST

/* Without CAP_AUDIT_READ: still serving, listener_up 0, a warning naming it. */
START_TEST(test_no_cap_audit_read)
{
	struct tu_exporter e2;
	char *log;

	/* this forked test process and its children lose the capability for good */
	ck_assert_int_eq(prctl(PR_CAPBSET_DROP, CAP_AUDIT_READ, 0, 0, 0), 0);
	ck_assert_int_eq(tu_exporter_start(&e2, NULL), 0);
	assert_listener(e2.port, "0", NULL);
	log = tu_exporter_log(&e2);
	ck_assert_msg(strstr(log, "CAP_AUDIT_READ") != NULL, "no hint in: %s", log);
	free(log);
	ck_assert_int_eq(tu_exporter_stop(&e2, 2000, NULL, NULL), 0);
}
END_TEST

/* net.core.rmem_max, the most a socket's buffer may be asked without CAP_NET_ADMIN. */
static long read_rmem_max(void)
{
	long rmem_max = 0;
	FILE *f = fopen("/proc/sys/net/core/rmem_max", "r");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fscanf(f, "%ld", &rmem_max), 1);
	fclose(f);
	return rmem_max;
}

/* Without CAP_NET_ADMIN the buffer is capped at rmem_max, and the log says so. */
START_TEST(test_buffer_capped)
{
	static const char needle[] = "audit socket receive buffer is";
	char flag[64], want[128], *log;
	struct tu_exporter e2;
	long rmem_max = read_rmem_max();

	/* twice rmem_max must be within --audit.buffer-bytes' range */
	ck_assert_msg(rmem_max >= 32768 && rmem_max <= (1L << 29),
		      "net.core.rmem_max=%ld: outside what this test can use", rmem_max);
	snprintf(flag, sizeof(flag), "--audit.buffer-bytes=%ld", rmem_max * 2);
	const char *const args[] = { flag, NULL };

	/* as root the buffer is granted in full: nothing to say */
	ck_assert_int_eq(tu_exporter_start(&e2, args), 0);
	log = tu_exporter_log(&e2);
	ck_assert_msg(strstr(log, needle) == NULL, "with CAP_NET_ADMIN: %s", log);
	free(log);
	ck_assert_int_eq(tu_exporter_stop(&e2, 2000, NULL, NULL), 0);

	/* this forked test process and its children lose the capability for good */
	ck_assert_int_eq(prctl(PR_CAPBSET_DROP, CAP_NET_ADMIN, 0, 0, 0), 0);
	ck_assert_int_eq(tu_exporter_start(&e2, args), 0);
	log = tu_exporter_log(&e2);
	snprintf(want, sizeof(want), "level=info msg=\"%s %ld bytes, not the %ld asked", needle,
		 rmem_max, rmem_max * 2);
	ck_assert_msg(strstr(log, want) != NULL, "no \"%s\" in: %s", want, log);
	free(log);
	ck_assert_int_eq(tu_exporter_stop(&e2, 2000, NULL, NULL), 0);
}
END_TEST

/* All of /events after since, paging with since (an answer holds at most 10000). */
static char *all_events(int port, uint64_t since)
{
	struct buf all = BUF_INIT;

	for (;;) {
		char path[64];
		struct tu_http_resp r;
		const char *p, *last = NULL;

		snprintf(path, sizeof(path), "/events?since=%llu", (unsigned long long)since);
		ck_assert_int_eq(tu_http(port, "GET", path, NULL, &r), 0);
		ck_assert_int_eq(r.status, 200);
		for (p = r.body; (p = strstr(p, "{\"seq\":")); p++)
			last = p;
		buf_addstr(&all, r.body);
		tu_http_free(&r);
		if (!last)
			break;
		since = strtoull(last + 7, NULL, 10);
	}
	return buf_detach(&all, NULL);
}

/*
 * Another process churns programs while scrapes run back to back: the
 * scrapes' lookups often hold a program's last reference, and the kernel
 * records its UNLOAD against the exporter.  Every UNLOAD must name the
 * churning process, none the exporter.
 */
/*
 * One round: a child named comm loads and closes PROGS programs while
 * scrapes run back to back.  Checks every UNLOAD names the child and none
 * the exporter; returns how many were released by the exporter's lookups.
 */
enum { PROGS = 300 };

static int churn_round(const char *comm, uint64_t since)
{
	char needle[48], *body;
	int idpipe[2], status, released = 0;
	uint32_t ids[PROGS];
	pid_t child;

	ck_assert_int_eq(pipe(idpipe), 0);
	child = fork();
	ck_assert_int_ge(child, 0);
	if (child == 0) {
		close(idpipe[0]);
		if (prctl(PR_SET_NAME, comm, 0, 0, 0))
			_exit(1);
		for (int i = 0; i < PROGS; i++) {
			struct bpf_prog_info info;
			int fd = tu_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "churn", "GPL", NULL, 0);

			if (fd < 0 || tu_obj_info(fd, &info, sizeof(info)) ||
			    write(idpipe[1], &info.id, sizeof(info.id)) != sizeof(info.id))
				_exit(1);
			usleep(2000);	/* a scrape's walk is open a while: let it find the program */
			close(fd);
		}
		_exit(0);
	}
	close(idpipe[1]);
	/* scrape back to back until the child is done */
	for (;;) {
		struct tu_http_resp r;

		ck_assert_int_eq(tu_http(exporter.port, "GET", "/metrics", NULL, &r), 0);
		ck_assert_int_eq(r.status, 200);
		tu_http_free(&r);
		if (waitpid(child, &status, WNOHANG) == child)
			break;
	}
	ck_assert_int_eq(status, 0);
	for (int i = 0; i < PROGS; i++)
		ck_assert_int_eq(read(idpipe[0], &ids[i], sizeof(ids[i])), (ssize_t)sizeof(ids[i]));
	close(idpipe[0]);
	free(wait_events(since, ids[PROGS - 1], 2));

	body = all_events(exporter.port, since);
	snprintf(needle, sizeof(needle), "\"pid\":%d,", (int)exporter.pid);
	/*
	 * The exporter's own loads (its BPF iterators and libbpf's feature
	 * probes, at start) name it, truthfully; no event of the churned
	 * programs does: their LOADs and UNLOADs name the child (below).
	 */
	for (int i = 0; i < PROGS; i++) {
		char *ev = event_of(body, ids[i], "LOAD");

		ck_assert_msg(!strstr(ev, needle), "a LOAD names the exporter: %s", ev);
		free(ev);
	}
	for (int i = 0; i < PROGS; i++) {
		char *ev = event_of(body, ids[i], "UNLOAD");
		char want[64];

		snprintf(want, sizeof(want), "\"%s\"", comm);
		assert_field(ev, "comm", want);
		snprintf(want, sizeof(want), "%d", (int)child);
		assert_field(ev, "pid", want);
		released += strstr(ev, "\"released_by_exporter\":true") != NULL;
		free(ev);
	}
	free(body);
	return released;
}

/*
 * Another process churns programs while scrapes run back to back: the
 * scrapes' lookups sometimes hold a program's last reference, and the
 * kernel records its UNLOAD against the exporter.  Every UNLOAD must name
 * the churning process, none the exporter.  Rounds go on (at most 8) until
 * the race has happened at least once, else the test proves nothing.
 */
START_TEST(test_released_by_exporter)
{
	/*
	 * The lookups whose last reference this is about are the walk of fds'
	 * (get_fd_by_id, a program open for its info and fdinfo); the bpf_prog
	 * iterator holds each program only while it reads it, and the race is
	 * then too rare to wait for.
	 */
	static const char *const args[] = { "--events.capacity=100000", "--no-collector.holders",
					    "--bpf.snapshot.source=syscall", NULL };
	char comm[16];
	int fd, rounds = 0, released = 0;
	struct tu_expo e;

	ck_assert_int_eq(tu_exporter_stop(&exporter, 2000, NULL, NULL), 0);
	ck_assert_int_eq(tu_exporter_start(&exporter, args), 0);
	fd = tu_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "warmup", "GPL", NULL, 0);
	ck_assert_int_ge(fd, 0);	/* libbpf's probes: in this process, not the child */
	close(fd);
	snprintf(comm, sizeof(comm), "churn%d", (int)getpid() % 100000);
	while (!released && rounds < 8) {
		released += churn_round(comm, last_seq());
		rounds++;
	}
	ck_assert_msg(released > 0, "no UNLOAD was released by the exporter in %d rounds of %d",
		      rounds, PROGS);
	printf("test_released_by_exporter: %d of %d UNLOADs released by the exporter's lookups\n",
	       released, rounds * PROGS);

	settled(&e);
	ck_assert_uint_eq(by_comm(&e, "UNLOAD", comm), (uint64_t)rounds * PROGS);
	for (size_t i = 0; i < e.nr; i++) {
		const char *c = tu_sample_label(&e.samples[i], "comm");

		/*
		 * The exporter's own loads and unloads at start (its BPF iterators,
		 * libbpf's feature probes) are counted under its comm, truthfully;
		 * the churned UNLOADs are all the child's (the count above), and
		 * none is counted under one of its threads' names.
		 */
		if (!strcmp(e.samples[i].name, "bpf_audit_events_by_comm_total") && c)
			ck_assert_msg(strncmp(c, "bpfme", 5) && strncmp(c, "MHD", 3),
				      "counted under the exporter's thread \"%s\"", c);
	}
	tu_expo_free(&e);
}
END_TEST

/*
 * Without CAP_AUDIT_CONTROL (as in a container without the host's PID
 * namespace) the kernel refuses the status, but events flow: the listener
 * is up, the kernel's gauges are absent, and --audit.enable does not claim
 * audit is off.
 */
START_TEST(test_no_cap_audit_control)
{
	static const char *const args[] = { "--audit.enable", NULL };
	uint32_t id;
	uint64_t since;
	char *log;
	int fd;
	struct bpf_prog_info info;

	audit_on();
	ck_assert_int_eq(prctl(PR_CAPBSET_DROP, CAP_AUDIT_CONTROL, 0, 0, 0), 0);
	ck_assert_int_eq(tu_exporter_start(&exporter, args), 0);
	assert_listener(exporter.port, "1", "");
	log = tu_exporter_log(&exporter);
	ck_assert_msg(strstr(log, "cannot enable kernel audit") && strstr(log, "CAP_AUDIT_CONTROL") &&
		      strstr(log, "if it is off") && !strstr(log, "it is off:"), "log: %s", log);
	free(log);
	since = last_seq();
	fd = tu_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "nocontrol", "GPL", NULL, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(tu_obj_info(fd, &info, sizeof(info)), 0);
	id = info.id;
	close(fd);
	free(wait_events(since, id, 2));
	ck_assert_int_eq(tu_exporter_stop(&exporter, 2000, NULL, NULL), 0);
}
END_TEST

/* Whether every thread of pid has tracer as its TracerPid. */
static bool traced_by(pid_t pid, pid_t tracer)
{
	char path[320], line[256];
	struct dirent *d;
	bool all = true;
	int n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	if (!dir)
		return false;
	while (all && (d = readdir(dir))) {
		FILE *f;
		bool found = false;

		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/status", (int)pid, d->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;	/* gone meanwhile */
		while (fgets(line, sizeof(line), f))
			if (!strncmp(line, "TracerPid:", 10)) {
				found = atoi(line + 10) == (int)tracer;
				break;
			}
		fclose(f);
		all = found;
		n++;
	}
	closedir(dir);
	return all && n > 0;
}

/*
 * The kernel's audit status is asked on the reader's own schedule, never
 * by a scrape: 30 scrapes in a row send at most the two requests that
 * schedule makes meanwhile (strace counts every sendto(2) the exporter
 * makes), and they do show, so the trace was watching.
 */
START_TEST(test_status_not_on_scrape_path)
{
	char pidarg[16], out[] = "/tmp/bpfme-strace-XXXXXX";
	struct tu_http_resp r;
	int tmp, status, sends = 0, nscrapes = 0;
	double t0, elapsed_s;
	char *text = NULL;
	pid_t tracer;
	FILE *f;
	size_t cap = 0;

	audit_on();
	ck_assert_int_eq(tu_exporter_start(&exporter, NULL), 0);
	tmp = mkstemp(out);
	ck_assert_int_ge(tmp, 0);
	close(tmp);
	snprintf(pidarg, sizeof(pidarg), "%d", (int)exporter.pid);
	tracer = fork();
	ck_assert_int_ge(tracer, 0);
	if (tracer == 0) {
		execlp("strace", "strace", "-f", "-qq", "-e", "trace=sendto,sendmsg", "-o", out,
		       "-p", pidarg, (char *)NULL);
		_exit(127);
	}
	/* wait (10 s at most) until strace is attached to every thread: else nothing is counted */
	t0 = tu_now_ms();
	while (!traced_by(exporter.pid, tracer) && tu_now_ms() - t0 < 10000)
		usleep(20000);
	ck_assert_msg(traced_by(exporter.pid, tracer), "strace did not attach to every thread");
	/* 30 scrapes, over 4.5 s at least, so the reader's own requests show the trace works */
	t0 = tu_now_ms();
	for (int i = 0; i < 30 || tu_now_ms() - t0 < 4500; i++) {
		ck_assert_int_eq(tu_http(exporter.port, "GET", "/metrics", NULL, &r), 0);
		ck_assert_int_eq(r.status, 200);
		tu_http_free(&r);
		nscrapes++;
	}
	elapsed_s = (tu_now_ms() - t0) / 1000 + 1;	/* the tracer's last second included */
	kill(tracer, SIGINT);
	ck_assert_int_eq(waitpid(tracer, &status, 0), tracer);
	ck_assert_msg(!WIFEXITED(status) || WEXITSTATUS(status) != 127, "strace is not installed");
	f = fopen(out, "r");
	ck_assert_ptr_nonnull(f);
	while (getline(&text, &cap, f) > 0)
		sends += strstr(text, "AF_NETLINK") != NULL || strstr(text, "nl_family") != NULL;
	fclose(f);
	free(text);
	unlink(out);
	/* the reader asks every 2 s, whatever the scrapes do (before: once a scrape) */
	ck_assert_msg(sends >= 1, "no netlink request traced in %.1f s: the trace saw nothing", elapsed_s);
	ck_assert_msg(sends <= (int)(elapsed_s / 2) + 2 && sends < nscrapes,
		      "%d netlink requests during %d scrapes in %.1f s", sends, nscrapes, elapsed_s);
	ck_assert_int_eq(tu_exporter_stop(&exporter, 2000, NULL, NULL), 0);
}
END_TEST

/* Turn the reader's socket into /dev/null under its thread: a socket failure. */
static void break_audit_socket(struct audit_reader *r)
{
	int fd = audit_reader_fd(r), devnull;

	ck_assert_int_ge(fd, 0);
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ck_assert_int_eq(dup2(devnull, fd), fd);
	close(devnull);
}

/* The reader's socket fails under it: it says so, shows it, subscribes again, and events flow. */
START_TEST(test_reader_recovers)
{
	struct audit_reader_config cfg = { .buffer_bytes = 1 << 20 };
	struct audit_reader_state st;
	struct ev_ring ring;
	struct progcache *pc = progcache_new(64);
	struct audit_reader *r;
	char logpath[] = "/tmp/bpfme-reader-log-XXXXXX", text[8192];
	int logfd = mkstemp(logpath), prog;
	double deadline;
	ssize_t n;
	struct bpf_prog_info info;
	struct ev_query q = { 0 };
	struct ev_event got[8];
	uint64_t cursor = 0;
	size_t k;
	bool seen = false;

	audit_on();
	ck_assert_int_ge(logfd, 0);
	unlink(logpath);
	log_setup(LOG_INFO, LOG_FMT_LOGFMT, logfd);
	ck_assert_int_eq(ev_ring_init(&ring, 64), 0);
	cfg.ring = &ring;
	cfg.progs = pc;
	r = audit_reader_open(&cfg);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(audit_reader_start(r), 0);
	audit_reader_state(r, &st);
	ck_assert(st.listening);

	/* the socket turns into something else under the thread */
	break_audit_socket(r);
	deadline = tu_now_ms() + 5000;
	do {
		usleep(20000);
		audit_reader_state(r, &st);
	} while (st.resubscribed == 0 && tu_now_ms() < deadline);
	ck_assert_uint_eq(st.resubscribed, 1);
	ck_assert(st.listening);
	ck_assert_int_eq(log_flush(2000), 0);	/* the audit thread's lines are out */
	n = pread(logfd, text, sizeof(text) - 1, 0);
	ck_assert_int_gt(n, 0);
	text[n] = '\0';
	ck_assert_msg(strstr(text, "audit socket failed") && strstr(text, "subscribed to audit events again"),
		      "log: %s", text);

	/* and it reads again */
	prog = tu_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "recovered", "GPL", NULL, 0);
	ck_assert_int_ge(prog, 0);
	ck_assert_int_eq(tu_obj_info(prog, &info, sizeof(info)), 0);
	close(prog);
	deadline = tu_now_ms() + 5000;
	while (!seen && tu_now_ms() < deadline) {
		usleep(20000);
		while ((k = ev_copy(&ring, &q, &cursor, got, 8)) > 0) {
			for (size_t i = 0; i < k; i++) {
				seen |= got[i].prog_id == info.id && got[i].op == EV_LOAD;
				ev_event_release(&got[i]);
			}
		}
	}
	ck_assert_msg(seen, "no LOAD of program %u after the reader recovered", info.id);
	audit_reader_stop(r);
	progcache_free(pc);
	ev_ring_release(&ring);
	close(logfd);
}
END_TEST

/* Drop cap from this thread's effective set (threads it starts inherit that). */
static void drop_effective(int cap)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	ck_assert_int_eq(syscall(SYS_capget, &h, d), 0);
	d[CAP_TO_INDEX(cap)].effective &= ~CAP_TO_MASK(cap);
	ck_assert_int_eq(syscall(SYS_capset, &h, d), 0);
}

/* Occurrences of needle in the log file fd. */
static int count_in_log(int fd, const char *needle, char *text, size_t size)
{
	ssize_t n;
	int count = 0;

	ck_assert_int_eq(log_flush(2000), 0);	/* the audit thread's lines are out */
	n = pread(fd, text, size - 1, 0);
	ck_assert_int_ge(n, 0);
	text[n] = '\0';
	for (const char *p = text; (p = strstr(p, needle)); p++)
		count++;
	return count;
}

/* The value of the single-sample family name in the audit collector's answer. */
static long long served(struct audit_reader *r, struct ev_ring *ring, struct progcache *pc, const char *name)
{
	struct collector c;
	struct om_writer w;
	struct buf b = BUF_INIT;
	struct snap s;
	char needle[128];
	const char *p;
	long long v;

	coll_init(&c, "v", &collectors_table);
	coll_set_audit(&c, ring, r, pc);
	snap_init(&s);
	om_writer_init(&w, &b, OM_FMT_OPENMETRICS);
	coll_write(&c, &s, &w, 0);
	ck_assert(!b.oom);
	snprintf(needle, sizeof(needle), "\n%s ", name);
	p = strstr(b.buf, needle);
	ck_assert_msg(p != NULL, "no %s in the answer", name);
	v = strtoll(p + strlen(needle), NULL, 10);
	buf_release(&b);
	snap_release(&s);
	return v;
}

/* Break the socket and wait (5 s at most) until the reader has subscribed again. */
static void resubscription(struct audit_reader *r, uint64_t *count)
{
	struct audit_reader_state st;
	double deadline;

	break_audit_socket(r);
	deadline = tu_now_ms() + 5000;
	do {
		usleep(20000);
		audit_reader_state(r, &st);
	} while (st.resubscribed == *count && tu_now_ms() < deadline);
	ck_assert_uint_eq(st.resubscribed, *count + 1);
	ck_assert(st.listening);
	*count = st.resubscribed;
}

/*
 * The socket keeps its buffer across a resubscription, though the reader's
 * thread has no CAP_NET_ADMIN (as in the exporter, which drops it after
 * start): bpf_audit_socket_receive_buffer_bytes serves the same size
 * before and after.  Once the spares kept from the start are used up, a
 * new socket gets net.core.rmem_max, and the warning says what helps then.
 */
START_TEST(test_reader_keeps_buffer)
{
	struct audit_reader_config cfg = { 0 };
	struct ev_ring ring;
	struct progcache *pc = progcache_new(64);
	struct audit_reader *r;
	char logpath[] = "/tmp/bpfme-reader-log-XXXXXX", text[16384];
	int logfd = mkstemp(logpath);
	long long before, after;
	uint64_t count = 0;
	long rmem_max = read_rmem_max();

	ck_assert_msg(rmem_max >= 32768 && rmem_max <= (1L << 27),
		      "net.core.rmem_max=%ld: outside what this test can use", rmem_max);
	cfg.buffer_bytes = (int)rmem_max * 4;	/* beyond what rmem_max allows */
	audit_on();
	ck_assert_int_ge(logfd, 0);
	unlink(logpath);
	log_setup(LOG_INFO, LOG_FMT_LOGFMT, logfd);
	ck_assert_int_eq(ev_ring_init(&ring, 64), 0);
	cfg.ring = &ring;
	cfg.progs = pc;
	r = audit_reader_open(&cfg);	/* with CAP_NET_ADMIN, as the exporter at start */
	ck_assert_ptr_nonnull(r);
	drop_effective(CAP_NET_ADMIN);	/* the reader's thread starts without it */
	ck_assert_int_eq(audit_reader_start(r), 0);
	before = served(r, &ring, pc, "bpf_audit_socket_receive_buffer_bytes");
	ck_assert_int_eq(before, 2LL * cfg.buffer_bytes);	/* the kernel reports twice */

	resubscription(r, &count);
	after = served(r, &ring, pc, "bpf_audit_socket_receive_buffer_bytes");
	ck_assert_int_eq(after, before);
	ck_assert_msg(count_in_log(logfd, "receive buffer", text, sizeof(text)) == 0, "log: %s", text);

	/* the spares run out: rmem_max, and advice that is true now */
	while (count < 4)
		resubscription(r, &count);
	ck_assert_int_eq(served(r, &ring, pc, "bpf_audit_socket_receive_buffer_bytes"), before);
	resubscription(r, &count);
	ck_assert_int_eq(served(r, &ring, pc, "bpf_audit_socket_receive_buffer_bytes"), 2LL * rmem_max);
	ck_assert_msg(count_in_log(logfd, "no spare left from the start (4 were kept) and "
				   "net.core.rmem_max caps it; raise net.core.rmem_max", text, sizeof(text)) == 1,
		      "log: %s", text);
	audit_reader_stop(r);
	progcache_free(pc);
	ev_ring_release(&ring);
	close(logfd);
}
END_TEST

/*
 * The socket fails and subscribing again is refused (the reader's thread
 * lacks CAP_AUDIT_READ): the loss and the refusal are each logged once, with
 * the fix, however many times it retries; the listener shows down.
 */
START_TEST(test_reader_resubscribe_refused)
{
	struct audit_reader_config cfg = { .buffer_bytes = 1 << 20 };
	struct audit_reader_state st;
	struct ev_ring ring;
	struct progcache *pc = progcache_new(64);
	struct audit_reader *r;
	char logpath[] = "/tmp/bpfme-reader-log-XXXXXX", text[16384];
	int logfd = mkstemp(logpath);
	double deadline;

	audit_on();
	ck_assert_int_ge(logfd, 0);
	unlink(logpath);
	log_setup(LOG_INFO, LOG_FMT_LOGFMT, logfd);
	ck_assert_int_eq(ev_ring_init(&ring, 64), 0);
	cfg.ring = &ring;
	cfg.progs = pc;
	r = audit_reader_open(&cfg);	/* subscribes here, with the capability */
	ck_assert_ptr_nonnull(r);
	drop_effective(CAP_AUDIT_READ);	/* the reader's thread starts without it */
	ck_assert_int_eq(audit_reader_start(r), 0);
	audit_reader_state(r, &st);
	ck_assert(st.listening);

	break_audit_socket(r);
	/* attempts at about 1, 3 and 7 s after the loss: wait (10 s at most) for the third */
	deadline = tu_now_ms() + 10000;
	do {
		usleep(50000);
		audit_reader_state(r, &st);
	} while (st.resubscribe_failures < 3 && tu_now_ms() < deadline);
	ck_assert_uint_ge(st.resubscribe_failures, 3);
	ck_assert(!st.listening);
	ck_assert_uint_eq(st.resubscribed, 0);
	ck_assert_int_eq(count_in_log(logfd, "audit socket failed", text, sizeof(text)), 1);
	ck_assert_msg(count_in_log(logfd, "cannot subscribe to audit events again: permission denied "
				   "(needs CAP_AUDIT_READ)", text, sizeof(text)) == 1, "log: %s", text);
	ck_assert_msg(count_in_log(logfd, "subscribed to audit events again", text, sizeof(text)) == 0,
		      "not back: %s", text);
	ck_assert_msg(count_in_log(logfd, "receive buffer", text, sizeof(text)) <= 1, "log: %s", text);
	audit_reader_stop(r);
	progcache_free(pc);
	ev_ring_release(&ring);
	close(logfd);
}
END_TEST

/* ---- audit under scrapes ---- */

/*
 * Loads and unloads in the audit-under-load test: 20,000 (the issue's
 * figure) unless BPFME_AUDIT_LOAD_PROGS says otherwise.  See
 * test_audit_under_scrapes for the time it takes.
 */
#define LOAD_PROGS_DEFAULT 20000
#define LOAD_CLIENTS 20

struct load_client {
	pthread_t thread;
	int port, index;
	bool *stop;		/* __atomic */
	unsigned int scrapes, ok, failed;
	double max_ms, sum_ms;
};

/* GET /metrics from 127.0.0.(index + 2); the status, or -errno. */
static int get_metrics_from(int port, int index)
{
	struct sockaddr_in src = { .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK + 2 + (uint32_t)index) };
	struct sockaddr_in dst = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct timeval tv = { .tv_sec = 30 };
	static const char req[] = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
	char head[16], chunk[65536];
	size_t got = 0;
	ssize_t n;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), status = -EIO;

	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (bind(fd, (struct sockaddr *)&src, sizeof(src)) || connect(fd, (struct sockaddr *)&dst, sizeof(dst)) ||
	    send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL) != (ssize_t)(sizeof(req) - 1)) {
		status = -errno;
		goto out;
	}
	while ((n = read(fd, chunk, sizeof(chunk))) > 0) {
		if (got < sizeof(head) - 1) {
			size_t k = (size_t)n < sizeof(head) - 1 - got ? (size_t)n : sizeof(head) - 1 - got;

			memcpy(head + got, chunk, k);
			got += k;
		}
	}
	head[got] = '\0';
	if (n == 0 && !strncmp(head, "HTTP/1.1 ", 9))
		status = atoi(head + 9);
out:
	close(fd);
	return status;
}

static void *load_client_main(void *arg)
{
	struct load_client *c = arg;

	while (!__atomic_load_n(c->stop, __ATOMIC_ACQUIRE)) {
		double t0 = tu_now_ms(), ms;
		int status = get_metrics_from(c->port, c->index);

		ms = tu_now_ms() - t0;
		c->scrapes++;
		if (status == 200) {
			c->ok++;
			c->sum_ms += ms;
			if (ms > c->max_ms)
				c->max_ms = ms;
		} else {
			c->failed++;
		}
	}
	return NULL;
}

/* bpf_audit_* single values the load test compares. */
struct audit_figures {
	uint64_t load, unload, drops, lost, by_comm_load;
	bool have_lost;
};

static void audit_figures(int port, const char *comm, struct audit_figures *f)
{
	struct tu_http_resp r;
	struct tu_expo e;
	const struct tu_sample *s;

	memset(f, 0, sizeof(*f));
	ck_assert_int_eq(tu_http(port, "GET", "/metrics", NULL, &r), 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_int_eq(tu_expo_parse(r.body, &e), 0);
	tu_http_free(&r);
	s = tu_expo_find(&e, "bpf_audit_events_total", "op", "LOAD");
	ck_assert_ptr_nonnull(s);
	f->load = strtoull(s->value, NULL, 10);
	s = tu_expo_find(&e, "bpf_audit_events_total", "op", "UNLOAD");
	ck_assert_ptr_nonnull(s);
	f->unload = strtoull(s->value, NULL, 10);
	s = tu_expo_find(&e, "bpf_audit_socket_drops_total", NULL, NULL);
	ck_assert_ptr_nonnull(s);
	f->drops = strtoull(s->value, NULL, 10);
	s = tu_expo_find(&e, "bpf_audit_kernel_lost_total", NULL, NULL);
	f->have_lost = s != NULL;
	f->lost = s ? strtoull(s->value, NULL, 10) : 0;
	f->by_comm_load = by_comm(&e, "LOAD", comm);
	tu_expo_free(&e);
}

/*
 * The audit side under load: a process loads and unloads programs as fast
 * as it can while 20 clients (from 20 addresses) scrape back to back with
 * every collector on.  Every LOAD and UNLOAD is counted exactly (while
 * this test holds the kernel lock, nothing else on the host loads
 * programs), the socket drops nothing and the kernel loses nothing.  The
 * counts are taken after warm-up loads in this process (libbpf's probes),
 * so the child's are all there is.
 */
START_TEST(test_audit_under_scrapes)
{
	static const char *const args[] = { "--events.capacity=100000", "--collector.btf",
					    "--collector.pins", NULL };
	const char *env = getenv("BPFME_AUDIT_LOAD_PROGS");
	int progs = env && atoi(env) > 0 ? atoi(env) : LOAD_PROGS_DEFAULT;
	struct load_client clients[LOAD_CLIENTS];
	struct audit_figures before, after;
	struct bpf_prog_info warmup;
	struct tu_exporter ex;
	char needle[48];
	unsigned int scrapes = 0, ok = 0, failed = 0;
	double t0, churn_ms, settle_ms, max_ms = 0, sum_ms = 0, deadline;
	bool stop = false;
	char comm[16];
	int fd, status;
	pid_t child;

	audit_on();
	tu_raise_nofile(4096);
	ck_assert_int_eq(tu_exporter_start(&ex, args), 0);
	fd = tu_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "warmup", "GPL", NULL, 0);
	ck_assert_int_ge(fd, 0);	/* libbpf's probes: in this process, not the child */
	ck_assert_int_eq(tu_obj_info(fd, &warmup, sizeof(warmup)), 0);
	close(fd);
	snprintf(comm, sizeof(comm), "load%d", (int)getpid() % 100000);
	/*
	 * The count starts once the warm-up's UNLOAD is in: the audit socket
	 * gives records in the kernel's order, so everything before it (the
	 * exporter's own loads at start, which stay loaded) is in too.
	 */
	snprintf(needle, sizeof(needle), "\"prog_id\":%u,", warmup.id);
	deadline = tu_now_ms() + 10000;
	for (;;) {
		struct tu_http_resp r;
		int n = 0;

		ck_assert_int_eq(tu_http(ex.port, "GET", "/events", NULL, &r), 0);
		for (const char *p = r.body; p && (p = strstr(p, needle)); p++)
			n++;
		tu_http_free(&r);
		if (n >= 2)
			break;
		ck_assert_msg(tu_now_ms() < deadline, "the warm-up's LOAD and UNLOAD never came (%d)", n);
		usleep(50000);
	}
	audit_figures(ex.port, comm, &before);

	for (int i = 0; i < LOAD_CLIENTS; i++) {
		clients[i] = (struct load_client){ .port = ex.port, .index = i, .stop = &stop };
		ck_assert_int_eq(pthread_create(&clients[i].thread, NULL, load_client_main, &clients[i]), 0);
	}
	t0 = tu_now_ms();
	child = fork();
	ck_assert_int_ge(child, 0);
	if (child == 0) {
		if (prctl(PR_SET_NAME, comm, 0, 0, 0))
			_exit(1);
		for (int i = 0; i < progs; i++) {
			int p = tu_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "churn", "GPL", NULL, 0);

			if (p < 0)
				_exit(2);
			close(p);
		}
		_exit(0);
	}
	ck_assert_int_eq(waitpid(child, &status, 0), child);
	churn_ms = tu_now_ms() - t0;
	__atomic_store_n(&stop, true, __ATOMIC_RELEASE);
	for (int i = 0; i < LOAD_CLIENTS; i++) {
		pthread_join(clients[i].thread, NULL);
		scrapes += clients[i].scrapes;
		ok += clients[i].ok;
		failed += clients[i].failed;
		sum_ms += clients[i].sum_ms;
		if (clients[i].max_ms > max_ms)
			max_ms = clients[i].max_ms;
	}
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the loader failed: %d", status);

	/* every event in: wait (30 s at most) for the counts to reach the loads */
	deadline = tu_now_ms() + 30000;
	do {
		audit_figures(ex.port, comm, &after);
		if (after.load - before.load >= (uint64_t)progs && after.unload - before.unload >= (uint64_t)progs)
			break;
		usleep(50000);
	} while (tu_now_ms() < deadline);
	settle_ms = tu_now_ms() - t0 - churn_ms;
	printf("test_audit_under_scrapes: %d loads and unloads in %.1f s (%.0f/s), all counted %.0f ms later; "
	       "%u scrapes by %d clients (%u answered 200, %u not), %.1f ms on average, %.0f ms at worst; "
	       "socket drops %llu, kernel lost %llu\n",
	       progs, churn_ms / 1000, progs / (churn_ms / 1000), settle_ms, scrapes, LOAD_CLIENTS, ok, failed,
	       ok ? sum_ms / ok : 0, max_ms, (unsigned long long)(after.drops - before.drops),
	       (unsigned long long)(after.lost - before.lost));
	ck_assert_uint_eq(after.load - before.load, (uint64_t)progs);
	ck_assert_uint_eq(after.unload - before.unload, (uint64_t)progs);
	ck_assert_uint_eq(after.by_comm_load - before.by_comm_load, (uint64_t)progs);
	ck_assert_uint_eq(after.drops, before.drops);
	ck_assert(after.have_lost);
	ck_assert_uint_eq(after.lost, before.lost);
	ck_assert_uint_gt(ok, LOAD_CLIENTS);	/* they did scrape meanwhile */
	ck_assert_int_eq(tu_exporter_stop(&ex, 5000, NULL, NULL), 0);
}
END_TEST

Suite *audit_live_suite(void)
{
	Suite *s = suite_create("audit_live");
	TCase *tc = tcase_create("events");
	TCase *tc2 = tcase_create("modes");
	TCase *tc3 = tcase_create("loaders");
	TCase *tc4 = tcase_create("load");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_load_unload_attributed);
	tcase_add_test(tc, test_lone_unload_at_exit);
	tcase_add_test(tc, test_metrics_and_endpoint);
	tcase_add_test(tc, test_by_comm);
	tcase_add_test(tc, test_released_by_exporter);
	suite_add_tcase(s, tc);
	tcase_add_unchecked_fixture(tc3, pod_cleanup, pod_cleanup);
	tcase_add_checked_fixture(tc3, setup, teardown);
	tcase_set_timeout(tc3, 60);
	tcase_add_test(tc3, test_loader_in_pod);
	suite_add_tcase(s, tc3);
	tcase_set_timeout(tc2, 60);
	tcase_add_test(tc2, test_no_audit);
	tcase_add_test(tc2, test_audit_disabled);
	tcase_add_test(tc2, test_no_cap_audit_read);
	tcase_add_test(tc2, test_buffer_capped);
	tcase_add_test(tc2, test_no_cap_audit_control);
	tcase_add_test(tc2, test_status_not_on_scrape_path);
	tcase_add_test(tc2, test_reader_recovers);
	tcase_add_test(tc2, test_reader_resubscribe_refused);
	tcase_add_test(tc2, test_reader_keeps_buffer);
	suite_add_tcase(s, tc2);
	tcase_set_timeout(tc4, 110);
	tcase_add_test(tc4, test_audit_under_scrapes);
	suite_add_tcase(s, tc4);
	return s;
}
