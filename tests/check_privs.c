// SPDX-License-Identifier: Apache-2.0
/*
 * check_privs - privs_drop and privs_effective for real (root): a forked child drops its
 * capabilities and sends back its return value and its /proc/self/status,
 * whose CapInh, CapPrm, CapEff, CapBnd, CapAmb and NoNewPrivs must show
 * exactly what was kept; and a child that lost CAP_SETPCAP first, so the
 * bounding set cannot shrink, must be told so (-EPERM), not 0.  The
 * binary run without one of the capabilities it keeps is in the suite of
 * the feature it degrades (check_audit_live: CAP_AUDIT_READ;
 * check_holders_live: CAP_SYS_PTRACE).  And the thread contract of
 * HACKING ("Threads, and who locks what"): every thread of the running
 * exporter has a name the table lists and the capabilities it gives.
 */
#include <crypt.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/capability.h>

#include "lib/privs.h"
#include "suites.h"
#include "testutil.h"

#define BIT(cap) (UINT64_C(1) << (cap))

struct outcome {
	int ret;			/* privs_drop's */
	int prep;			/* 0, or the line of the preparation that failed */
	uint64_t inh, prm, eff, bnd, amb;
	int no_new_privs;
	int sys_ptrace_effective, setpcap_effective;	/* privs_effective() after the drop */
};

static int caps_rw(bool set, struct __user_cap_data_struct data[2])
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };

	return (int)syscall(set ? SYS_capset : SYS_capget, &hdr, data);
}

/* This process's bounding set, as a mask. */
static uint64_t bounding_set(void)
{
	uint64_t set = 0;

	for (int cap = 0; cap < 64; cap++)
		if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1)
			set |= BIT(cap);
	return set;
}

static void parse_status(const char *st, struct outcome *o)
{
	static const struct {
		const char *key;
		size_t off;
	} keys[] = {
		{ "\nCapInh:\t", offsetof(struct outcome, inh) },
		{ "\nCapPrm:\t", offsetof(struct outcome, prm) },
		{ "\nCapEff:\t", offsetof(struct outcome, eff) },
		{ "\nCapBnd:\t", offsetof(struct outcome, bnd) },
		{ "\nCapAmb:\t", offsetof(struct outcome, amb) },
	};
	const char *p;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		p = strstr(st, keys[i].key);
		ck_assert_msg(p, "no %s in /proc/self/status", keys[i].key + 1);
		*(uint64_t *)((char *)o + keys[i].off) =
			strtoull(p + strlen(keys[i].key), NULL, 16);
	}
	p = strstr(st, "\nNoNewPrivs:\t");
	ck_assert_ptr_nonnull(p);
	o->no_new_privs = atoi(p + strlen("\nNoNewPrivs:\t"));
}

/*
 * In a child: prep (which returns 0 or its failing line), then
 * privs_drop(keep), then read /proc/self/status; the parent gets all of it.
 */
static void run_child(int (*prep)(void), const int *keep, size_t nr_keep, struct outcome *o)
{
	char status[8192];
	int fds[2], wst;
	ssize_t n, got = 0;
	pid_t pid;

	memset(o, 0, sizeof(*o));
	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int head[4] = { 0, 0, 0, 0 };
		FILE *f;
		size_t len = 0;

		close(fds[0]);
		head[1] = prep ? prep() : 0;
		if (!head[1])
			head[0] = privs_drop(keep, nr_keep);
		head[2] = privs_effective(CAP_SYS_PTRACE);
		head[3] = privs_effective(CAP_SETPCAP);
		f = fopen("/proc/self/status", "r");
		if (f) {
			len = fread(status, 1, sizeof(status) - 1, f);
			fclose(f);
		}
		status[len] = '\0';
		if (write(fds[1], head, sizeof(head)) != sizeof(head) ||
		    write(fds[1], status, len + 1) != (ssize_t)(len + 1))
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	{
		int head[4];

		ck_assert_int_eq(read(fds[0], head, sizeof(head)), sizeof(head));
		o->ret = head[0];
		o->prep = head[1];
		o->sys_ptrace_effective = head[2];
		o->setpcap_effective = head[3];
	}
	while ((n = read(fds[0], status + got, sizeof(status) - 1 - (size_t)got)) > 0)
		got += n;
	status[got] = '\0';
	close(fds[0]);
	ck_assert_int_eq(waitpid(pid, &wst, 0), pid);
	ck_assert_msg(WIFEXITED(wst) && WEXITSTATUS(wst) == 0, "child status %d", wst);
	ck_assert_msg(!o->prep, "the child's preparation failed at line %d", o->prep);
	parse_status(status, o);
}

/*
 * An ambient capability (CAP_SYS_ADMIN, which privs_drop keeps in the other
 * sets) that only PR_CAP_AMBIENT_CLEAR_ALL removes.
 */
static int raise_ambient(void)
{
	struct __user_cap_data_struct data[2];

	if (caps_rw(false, data))
		return __LINE__;
	data[CAP_SYS_ADMIN / 32].inheritable |= 1u << (CAP_SYS_ADMIN % 32);
	if (caps_rw(true, data))
		return __LINE__;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_SYS_ADMIN, 0, 0))
		return __LINE__;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_SYS_ADMIN, 0, 0) != 1)
		return __LINE__;
	return 0;
}

/* Root keeps what the exporter keeps (main.c's keep_caps): exactly those, in every set. */
START_TEST(test_keeps_only_those)
{
	static const int keep[] = { CAP_SYS_ADMIN, CAP_AUDIT_READ, CAP_AUDIT_CONTROL, CAP_SYS_PTRACE };
	const uint64_t want = BIT(CAP_SYS_ADMIN) | BIT(CAP_AUDIT_READ) | BIT(CAP_AUDIT_CONTROL) |
			      BIT(CAP_SYS_PTRACE);
	struct outcome o;

	/* the test's own process has them all, else it proves nothing */
	ck_assert_int_eq(prctl(PR_CAPBSET_READ, CAP_NET_ADMIN, 0, 0, 0), 1);
	ck_assert_int_eq(prctl(PR_CAPBSET_READ, CAP_SETPCAP, 0, 0, 0), 1);

	run_child(raise_ambient, keep, sizeof(keep) / sizeof(keep[0]), &o);
	ck_assert_int_eq(o.ret, 0);
	ck_assert_uint_eq(o.eff, want);
	ck_assert_uint_eq(o.prm, want);
	ck_assert_uint_eq(o.bnd, want);
	ck_assert_uint_eq(o.amb, 0);
	ck_assert_uint_eq(o.inh & ~want, 0);
	ck_assert_int_eq(o.no_new_privs, 1);
	ck_assert_int_eq(o.sys_ptrace_effective, 1);	/* privs_effective() sees what is kept */
	ck_assert_int_eq(o.setpcap_effective, 0);	/* and what is not */
}
END_TEST

/* CAP_SETPCAP, if asked for, stays; nothing kept means nothing left. */
START_TEST(test_keep_setpcap_and_none)
{
	static const int keep[] = { CAP_SETPCAP };
	struct outcome o;

	run_child(NULL, keep, 1, &o);
	ck_assert_int_eq(o.ret, 0);
	ck_assert_uint_eq(o.eff, BIT(CAP_SETPCAP));
	ck_assert_uint_eq(o.bnd, BIT(CAP_SETPCAP));
	ck_assert_int_eq(o.no_new_privs, 1);

	run_child(NULL, NULL, 0, &o);
	ck_assert_int_eq(o.ret, 0);
	ck_assert_uint_eq(o.eff, 0);
	ck_assert_uint_eq(o.prm, 0);
	ck_assert_uint_eq(o.bnd, 0);
	ck_assert_uint_eq(o.amb, 0);
	ck_assert_int_eq(o.no_new_privs, 1);
}
END_TEST

/* Without CAP_SETPCAP (effective and permitted) the bounding set cannot shrink. */
static int lose_setpcap(void)
{
	struct __user_cap_data_struct data[2];

	if (caps_rw(false, data))
		return __LINE__;
	data[0].effective &= ~(1u << CAP_SETPCAP);
	data[0].permitted &= ~(1u << CAP_SETPCAP);
	if (caps_rw(true, data))
		return __LINE__;
	return 0;
}

/*
 * The bounding set's drop fails with EPERM: privs_drop says so rather than
 * 0, and still drops what it can (effective, permitted) and sets
 * no_new_privs.
 */
START_TEST(test_failed_bounding_drop_is_reported)
{
	static const int keep[] = { CAP_SYS_ADMIN };
	struct outcome o;

	run_child(lose_setpcap, keep, 1, &o);
	ck_assert_int_eq(o.ret, -EPERM);
	ck_assert_uint_eq(o.bnd, bounding_set());	/* the parent's: it could not shrink */
	ck_assert_uint_eq(o.eff, BIT(CAP_SYS_ADMIN));
	ck_assert_uint_eq(o.prm, BIT(CAP_SYS_ADMIN));
	ck_assert_uint_eq(o.amb, 0);
	ck_assert_int_eq(o.no_new_privs, 1);
}
END_TEST

/* A bounding set that holds only what is kept needs no CAP_SETPCAP (systemd's unit). */
static int bound_to_sys_admin(void)
{
	for (int cap = 0; cap < 64 && prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; cap++)
		if (cap != CAP_SYS_ADMIN && cap != CAP_SETPCAP &&
		    prctl(PR_CAPBSET_DROP, cap, 0, 0, 0))
			return __LINE__;
	if (prctl(PR_CAPBSET_DROP, CAP_SETPCAP, 0, 0, 0))
		return __LINE__;
	return lose_setpcap();
}

START_TEST(test_nothing_to_drop_from_bounding)
{
	static const int keep[] = { CAP_SYS_ADMIN, CAP_AUDIT_READ };
	struct outcome o;

	run_child(bound_to_sys_admin, keep, 2, &o);
	ck_assert_int_eq(o.ret, 0);
	ck_assert_uint_eq(o.bnd, BIT(CAP_SYS_ADMIN));
	/* the bounding set limits what exec grants, not what is permitted now */
	ck_assert_uint_eq(o.eff, BIT(CAP_SYS_ADMIN) | BIT(CAP_AUDIT_READ));
	ck_assert_int_eq(o.no_new_privs, 1);
}
END_TEST

/* ---- the thread table of HACKING ---- */

/* What main keeps (main.c keep_caps), on every thread, permitted and effective. */
#define KEPT (BIT(CAP_SYS_ADMIN) | BIT(CAP_AUDIT_READ) | BIT(CAP_AUDIT_CONTROL) | BIT(CAP_SYS_PTRACE))

/*
 * HACKING's thread table, row by row: the name a thread has (comm), how
 * many may run at once, how many must be up once serving, and its
 * capabilities.  A change to the table changes this, and the other way.
 */
static const struct thread_row {
	const char *comm;
	int min, max;
	uint64_t caps;
} thread_table[] = {
	{ "bpf-metrics-exp", 1, 1, KEPT },	/* main (the binary's name, cut to 15) */
	{ "MHD-single", 1, 1, KEPT },		/* one polling thread per listening socket (one here) */
	{ "bpfme-scrape", 1, 3, KEPT },		/* and its snapshot and gather helpers */
	{ "bpfme-deadline", 1, 1, KEPT },
	{ "bpfme-follow", 1, 1, KEPT },
	{ "bpfme-audit", 1, 1, KEPT },
	{ "bpfme-render", 1, 1, KEPT },		/* large /events answers */
	{ "bpfme-auth", 1, 2, KEPT },		/* with basic auth: min(2, cores) bcrypt threads */
	{ "bpfme-guard", 1, 1, KEPT },		/* with a web config: its file changes */
	{ "bpfme-log", 0, 1, KEPT },		/* from the audit thread's first queued line */
};
#define NR_ROWS (sizeof(thread_table) / sizeof(thread_table[0]))

/* One thread's comm and capability sets, from /proc/PID/task/TID/status. */
struct thread_seen {
	char tid[16], comm[32];
	uint64_t inh, prm, eff;
	int no_new_privs;
};

/* The threads of pid now: how many (at most max) into t[], or -errno. */
static int read_threads(pid_t pid, struct thread_seen *t, int max)
{
	char path[64];
	struct dirent *d;
	int n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((d = readdir(dir)) && n < max) {
		char file[400], text[4096];
		struct outcome o;
		size_t len;
		FILE *f;

		if (d->d_name[0] == '.')
			continue;
		snprintf(file, sizeof(file), "%s/%s/status", path, d->d_name);
		f = fopen(file, "r");
		if (!f)
			continue;	/* a helper thread that ended meanwhile */
		len = fread(text, 1, sizeof(text) - 1, f);
		fclose(f);
		text[len] = '\0';
		memset(&t[n], 0, sizeof(t[n]));
		snprintf(t[n].tid, sizeof(t[n].tid), "%.15s", d->d_name);
		if (sscanf(text, "Name:\t%31[^\n]", t[n].comm) != 1)
			continue;
		memset(&o, 0, sizeof(o));
		parse_status(text, &o);
		t[n].inh = o.inh;
		t[n].prm = o.prm;
		t[n].eff = o.eff;
		t[n].no_new_privs = o.no_new_privs;
		n++;
	}
	closedir(dir);
	return n;
}

static const struct thread_row *row_of(const char *comm)
{
	for (size_t i = 0; i < NR_ROWS; i++)
		if (!strcmp(thread_table[i].comm, comm))
			return &thread_table[i];
	return NULL;
}

/* Whether every row has its minimum of threads in t[] (counts by row into count[]). */
static bool table_filled(const struct thread_seen *t, int n, int count[NR_ROWS])
{
	bool filled = true;

	memset(count, 0, NR_ROWS * sizeof(count[0]));
	for (int i = 0; i < n; i++) {
		const struct thread_row *r = row_of(t[i].comm);

		if (r)
			count[r - thread_table]++;
	}
	for (size_t i = 0; i < NR_ROWS; i++)
		filled &= count[i] >= thread_table[i].min;
	return filled;
}

/*
 * The running exporter against the table: once every long-lived thread is
 * up (a scrape answered, then each row's minimum seen, within 5 s), every
 * thread has a name of the table, no row has more threads than it allows,
 * and each has the row's capabilities, permitted and effective, nothing
 * inheritable, with no_new_privs.  HACKING names every row.
 */
START_TEST(test_thread_roles)
{
	char web[64], flag[96], auth[256], salt[CRYPT_GENSALT_OUTPUT_SIZE];
	const char *const args[] = { flag, NULL };
	struct crypt_data data;
	const char *hash;
	struct thread_seen t[64];
	struct tu_exporter e;
	int fd, ret;
	struct tu_http_resp r;
	int count[NR_ROWS], n = 0;
	double deadline;
	char *hacking = NULL;
	size_t hacking_len = 0;
	FILE *f;

	/* with basic auth, so that the web config's threads run too */
	snprintf(web, sizeof(web), "/tmp/bpfme-privs-web-XXXXXX");
	fd = mkstemp(web);
	ck_assert_msg(fd >= 0, "mkstemp: %s", strerror(errno));
	memset(&data, 0, sizeof(data));
	ck_assert(crypt_gensalt_rn("$2y$", 4, NULL, 0, salt, sizeof(salt)));
	hash = crypt_rn("secret", salt, &data, sizeof(data));
	ck_assert(hash && strlen(hash) == 60);
	ck_assert(dprintf(fd, "basic_auth_users:\n  prometheus: %s\n", hash) > 0);
	close(fd);
	snprintf(flag, sizeof(flag), "--web.config.file=%s", web);
	ret = tu_exporter_start(&e, args);
	unlink(web);
	ck_assert_int_eq(ret, 0);
	snprintf(auth, sizeof(auth), "Authorization: %s\r\n", tu_basic_auth("prometheus", "secret"));
	ck_assert_int_eq(tu_http(e.port, "GET", "/metrics", auth, &r), 0);
	ck_assert_int_eq(r.status, 200);	/* the scrape thread has run a round, bpfme-auth a bcrypt */
	tu_http_free(&r);
	deadline = tu_now_ms() + 5000;
	for (;;) {
		n = read_threads(e.pid, t, (int)(sizeof(t) / sizeof(t[0])));
		ck_assert_int_gt(n, 0);
		if (table_filled(t, n, count) || tu_now_ms() > deadline)
			break;
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
	}
	for (size_t i = 0; i < NR_ROWS; i++)
		ck_assert_msg(count[i] >= thread_table[i].min && count[i] <= thread_table[i].max,
			      "%d thread(s) named %s, the table says %d to %d", count[i],
			      thread_table[i].comm, thread_table[i].min, thread_table[i].max);
	for (int i = 0; i < n; i++) {
		const struct thread_row *row = row_of(t[i].comm);

		ck_assert_msg(row, "thread %s is named \"%s\", which HACKING's thread table does not list",
			      t[i].tid, t[i].comm);
		ck_assert_msg(t[i].prm == row->caps && t[i].eff == row->caps && !t[i].inh,
			      "thread %s (%s): CapPrm %" PRIx64 " CapEff %" PRIx64 " CapInh %" PRIx64
			      ", the table says %" PRIx64, t[i].tid, t[i].comm, t[i].prm, t[i].eff,
			      t[i].inh, row->caps);
		ck_assert_msg(t[i].no_new_privs == 1, "thread %s (%s) without no_new_privs", t[i].tid,
			      t[i].comm);
	}
	ck_assert_int_eq(tu_exporter_stop(&e, 5000, NULL, NULL), 0);

	/* and HACKING's table names each row (run from the top of the tree) */
	f = fopen("HACKING", "r");
	ck_assert_msg(f, "HACKING: %s", strerror(errno));
	{
		FILE *m = open_memstream(&hacking, &hacking_len);
		char chunk[4096];
		size_t got;

		ck_assert_ptr_nonnull(m);
		while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
			fwrite(chunk, 1, got, m);
		fclose(m);
	}
	fclose(f);
	for (size_t i = 0; i < NR_ROWS; i++)
		ck_assert_msg(strstr(hacking, thread_table[i].comm), "HACKING's thread table lacks %s",
			      thread_table[i].comm);
	free(hacking);
}
END_TEST

Suite *privs_suite(void)
{
	Suite *s = suite_create("privs");
	TCase *tc = tcase_create("drop");

	tcase_add_test(tc, test_keeps_only_those);
	tcase_add_test(tc, test_keep_setpcap_and_none);
	tcase_add_test(tc, test_failed_bounding_drop_is_reported);
	tcase_add_test(tc, test_nothing_to_drop_from_bounding);
	suite_add_tcase(s, tc);

	tc = tcase_create("threads");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_thread_roles);
	suite_add_tcase(s, tc);
	return s;
}
