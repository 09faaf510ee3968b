// SPDX-License-Identifier: Apache-2.0
/*
 * check_holders_live - bpf_*_holder_info from the real binary against the
 * real kernel (root).  Children hold real programs, maps and links, each
 * in cgroups made here with the names container runtimes give them (a
 * Kubernetes pod slice with a containerd scope, the systemd driver; a
 * Docker container, the cgroupfs driver), under the cgroup v2 hierarchy and
 * on hybrid hosts the v1 name=systemd one too; every label of every holder
 * series of their objects is compared with what was set up.  Also: holders
 * of another uid (dumpable, as after an exec, and not), two fds to one
 * object, a link held through each of the kernel's two anon-inode
 * spellings, the exporter never a holder, --no-collector.holders, the
 * exporter without CAP_SYS_PTRACE (what it can still see, one warning),
 * and without pidfd_getfd (the fdinfo way).  Both sources of holders,
 * the kernel's task_file iterator (the default where it loads) and the
 * walk of /proc (--collector.holders.source=procfs), give the same series,
 * and the series /proc says they must: a process in another cgroup, one
 * whose threads share its files and one of which has unshared its own, a
 * map held three times, a link opened by id.
 *
 * Children are killed before their cgroups are removed; the cgroups made
 * here are removed in teardown, and stale ones of an aborted run in setup.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>

#include "proc/holders.h"
#include "suites.h"
#include "testutil.h"

#define POD_UID "3b1e6f2a-8c4d-4f0e-9a7b-5d2c1e0f9a8b"
#define POD_UID_ "3b1e6f2a_8c4d_4f0e_9a7b_5d2c1e0f9a8b"
#define CRI_ID "b9d1c0e2f4a6b8c0d2e4f6a8b0c2d4e6f8a0b2c4d6e8f0a2b4c6d8e0f2a4b6c8"
#define DOCKER_ID "0d4e8f2a6c1b5d9e3f7a2c6b0d4e8f1a5c9b3d7e2f6a0c4b8d1e5f9a3c7b2d60"
#define POD_SLICE "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" POD_UID_ ".slice"
#define K8S_CGROUP POD_SLICE "/cri-containerd-" CRI_ID ".scope"
#define DOCKER_CGROUP "/docker/" DOCKER_ID
#define NOBODY 65534
#define LINK_TP "task_rename"

/* Every directory this suite may make, parents first (removed in reverse). */
static const char *const cgroup_dirs[] = {
	"/kubepods.slice",
	"/kubepods.slice/kubepods-burstable.slice",
	POD_SLICE,
	K8S_CGROUP,
	"/docker",
	DOCKER_CGROUP,
};
#define NR_DIRS (sizeof(cgroup_dirs) / sizeof(cgroup_dirs[0]))

/* The v2 mount, and the v1 name=systemd one ("" when absent). */
static char v2_root[512], v1_root[512];
/* Which of cgroup_dirs this run made, per hierarchy (the others were there). */
static bool made[2][NR_DIRS];

/* ---- cgroups ---- */

/* The mount point of the first mount whose fstype is type and whose super options contain opt. */
static void find_mount(const char *type, const char *opt, char *out, size_t len)
{
	char line[1024];
	FILE *f = fopen("/proc/self/mountinfo", "re");

	out[0] = '\0';
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char mnt[400], fstype[64], super[512];
		const char *sep = strstr(line, " - ");

		if (!sep || sscanf(line, "%*s %*s %*s %*s %399s", mnt) != 1 ||
		    sscanf(sep + 3, "%63s %*s %511s", fstype, super) != 2)
			continue;
		if (!strcmp(fstype, type) && (!opt || strstr(super, opt))) {
			snprintf(out, len, "%s", mnt);
			break;
		}
	}
	fclose(f);
}

static const char *root_of(int h)
{
	return h ? v1_root : v2_root;
}

static void cgroups_remove(void)
{
	char path[1100];

	for (int h = 0; h < 2; h++) {
		if (!*root_of(h))
			continue;
		for (size_t i = NR_DIRS; i-- > 0;) {
			if (!made[h][i])
				continue;
			snprintf(path, sizeof(path), "%s%s", root_of(h), cgroup_dirs[i]);
			/* a reaped child's cgroup can stay busy for a moment */
			for (int t = 0; t < 100 && rmdir(path) && errno == EBUSY; t++)
				usleep(10000);
			made[h][i] = false;
		}
	}
}

static void cgroups_make(void)
{
	char path[1100];

	for (int h = 0; h < 2; h++) {
		if (!*root_of(h))
			continue;
		for (size_t i = 0; i < NR_DIRS; i++) {
			snprintf(path, sizeof(path), "%s%s", root_of(h), cgroup_dirs[i]);
			if (!mkdir(path, 0755))
				made[h][i] = true;
			else
				ck_assert_msg(errno == EEXIST, "mkdir %s: %s", path, strerror(errno));
		}
	}
}

/* Move pid into cgroup (a path of cgroup_dirs) in each hierarchy. */
static void cgroup_enter(const char *cgroup, pid_t pid)
{
	char path[1100], text[32];

	for (int h = 0; h < 2; h++) {
		int fd;

		if (!*root_of(h))
			continue;
		snprintf(path, sizeof(path), "%s%s/cgroup.procs", root_of(h), cgroup);
		fd = open(path, O_WRONLY | O_CLOEXEC);
		ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
		snprintf(text, sizeof(text), "%d\n", (int)pid);
		ck_assert_msg(write(fd, text, strlen(text)) == (ssize_t)strlen(text), "write %s: %s",
			      path, strerror(errno));
		close(fd);
	}
}

/* ---- holders: children holding real objects ---- */

struct holder_spec {
	const char *comm;
	bool objects;		/* make a map (two fds), a program using it, a raw_tp link */
	int dups;		/* that many more fds to the map, before the program and link */
	uint32_t link_id;	/* else: hold this link, opened by id */
	uid_t uid;		/* 0: stay root */
	bool dumpable;		/* after the uid change, as an exec'd process is */
	bool no_caps;		/* give up every capability (stays uid 0) */
	bool threads;		/* two more threads: one sharing the files, one with its own map */
};

struct holder {
	pid_t pid;
	int ctl;		/* closing it ends the child */
	struct {
		int prep;	/* 0, or the line that failed */
		uint32_t prog_id, map_id, link_id;
		char link_target[64];	/* readlink of the link fd */
		uint32_t thread_map_id;	/* the map of the thread with a file table of its own */
	} r;
};

static struct holder holders[8];
static size_t nr_holders;

static int id_of(int fd, uint32_t *id)
{
	struct bpf_prog_info pi;
	struct bpf_map_info mi;
	struct bpf_link_info li;

	if (!tu_obj_info(fd, &li, sizeof(li)) && li.id && li.prog_id) {
		*id = li.id;
		return 0;
	}
	if (!tu_obj_info(fd, &mi, sizeof(mi)) && mi.key_size) {
		*id = mi.id;
		return 0;
	}
	if (!tu_obj_info(fd, &pi, sizeof(pi))) {
		*id = pi.id;
		return 0;
	}
	return -1;
}

/* A thread of a holder: blocks until the process ends. */
static void *thread_wait(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

static int thread_map_fd = -1;
static int thread_ready[2];

/* A thread that unshares its file table, then makes a map only it holds. */
static void *thread_own_files(void *arg)
{
	uint32_t *id = arg;
	struct bpf_map_info mi;
	char ok = 0;

	if (!unshare(CLONE_FILES)) {
		thread_map_fd = tu_map_create(BPF_MAP_TYPE_HASH, "holders_tmap", 4, 4, 4, 0);
		ok = thread_map_fd >= 0 && !tu_obj_info(thread_map_fd, &mi, sizeof(mi));
		if (ok)
			*id = mi.id;
	}
	if (write(thread_ready[1], &ok, 1) != 1)
		return NULL;
	return thread_wait(NULL);
}

/* The two threads of spec.threads, started; 0 or the failing line. */
static int start_threads(struct holder *hd)
{
	pthread_t t1, t2;
	char ok = 0;

	if (pthread_create(&t1, NULL, thread_wait, NULL) || pipe(thread_ready))
		return __LINE__;
	if (pthread_create(&t2, NULL, thread_own_files, &hd->r.thread_map_id))
		return __LINE__;
	if (read(thread_ready[0], &ok, 1) != 1 || !ok)
		return __LINE__;
	return 0;
}

static int child_prepare(const struct holder_spec *sp, struct holder *hd)
{
	char path[64];
	int map, map2, prog, link = -1;
	ssize_t n;

	if (prctl(PR_SET_NAME, sp->comm, 0, 0, 0))
		return __LINE__;
	if (sp->objects) {
		struct bpf_map_info mi;
		struct bpf_prog_info pi;
		struct bpf_link_info li;

		map = tu_map_create(BPF_MAP_TYPE_ARRAY, "holders_map", 4, 8, 1, 0);
		if (map < 0)
			return __LINE__;
		map2 = dup(map);	/* two fds to one map */
		for (int i = 0; i < sp->dups; i++)
			if (dup(map) < 0)
				return __LINE__;
		prog = tu_prog_load(BPF_PROG_TYPE_RAW_TRACEPOINT, "holders_prog", "GPL", &map, 1);
		if (map2 < 0 || prog < 0)
			return __LINE__;
		link = tu_raw_tp_link(prog, LINK_TP);
		if (link < 0 || tu_obj_info(map, &mi, sizeof(mi)) || tu_obj_info(prog, &pi, sizeof(pi)) ||
		    tu_obj_info(link, &li, sizeof(li)))
			return __LINE__;
		hd->r.map_id = mi.id;
		hd->r.prog_id = pi.id;
		hd->r.link_id = li.id;
	} else if (sp->link_id) {
		link = bpf_link_get_fd_by_id(sp->link_id);
		if (link < 0 || id_of(link, &hd->r.link_id))
			return __LINE__;
	}
	if (link >= 0) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", link);
		n = readlink(path, hd->r.link_target, sizeof(hd->r.link_target) - 1);
		if (n < 0)
			return __LINE__;
		hd->r.link_target[n] = '\0';
	}
	if (sp->threads) {
		int err = start_threads(hd);

		if (err)
			return err;
	}
	if (sp->uid && (setresgid(sp->uid, sp->uid, sp->uid) || setresuid(sp->uid, sp->uid, sp->uid)))
		return __LINE__;
	/* a uid change makes a process non-dumpable; an exec'd one is dumpable again */
	if (sp->dumpable && prctl(PR_SET_DUMPABLE, 1, 0, 0, 0))
		return __LINE__;
	if (sp->no_caps) {
		struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
		struct __user_cap_data_struct data[2];

		memset(data, 0, sizeof(data));
		if (syscall(SYS_capset, &hdr, data))
			return __LINE__;
	}
	return 0;
}

/* Fork a holder; returns once it holds its objects (and asserts that it does). */
static struct holder *holder_start(const struct holder_spec *sp)
{
	struct holder *hd = &holders[nr_holders];
	int rep[2], ctl[2];
	pid_t pid;

	ck_assert_uint_lt(nr_holders, sizeof(holders) / sizeof(holders[0]));
	memset(hd, 0, sizeof(*hd));
	ck_assert_int_eq(pipe2(rep, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(ctl, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char c;

		close(rep[0]);
		close(ctl[1]);
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		hd->r.prep = child_prepare(sp, hd);
		if (write(rep[1], &hd->r, sizeof(hd->r)) != sizeof(hd->r))
			_exit(1);
		close(rep[1]);
		while (read(ctl[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(rep[1]);
	close(ctl[0]);
	hd->pid = pid;
	hd->ctl = ctl[1];
	nr_holders++;
	ck_assert_int_eq(read(rep[0], &hd->r, sizeof(hd->r)), sizeof(hd->r));
	close(rep[0]);
	ck_assert_msg(!hd->r.prep, "holder %s: preparation failed at line %d", sp->comm, hd->r.prep);
	return hd;
}

/* Every holder gone, then the cgroups. */
static void holders_stop(void)
{
	for (size_t i = 0; i < nr_holders; i++) {
		kill(holders[i].pid, SIGKILL);
		close(holders[i].ctl);
		waitpid(holders[i].pid, NULL, 0);
	}
	nr_holders = 0;
}

static void setup(void)
{
	char path[1100];

	find_mount("cgroup2", NULL, v2_root, sizeof(v2_root));
	find_mount("cgroup", "name=systemd", v1_root, sizeof(v1_root));
	/* what an aborted run left: only empty cgroups can go, so nothing in use is touched */
	for (int h = 0; h < 2; h++)
		for (size_t i = NR_DIRS; *root_of(h) && i-- > 0;) {
			snprintf(path, sizeof(path), "%s%s", root_of(h), cgroup_dirs[i]);
			rmdir(path);
		}
	memset(made, 0, sizeof(made));
	nr_holders = 0;
	tu_raise_nofile(4096);
}

static void teardown(void)
{
	holders_stop();
	cgroups_remove();
}

/* ---- the exporter's answer ---- */

static void scrape(int port, struct tu_expo *e, char **body)
{
	struct tu_http_resp r;

	ck_assert_int_eq(tu_http(port, "GET", "/metrics", NULL, &r), 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_int_eq(tu_expo_parse(r.body, e), 0);
	if (body) {
		*body = r.body;
		r.body = NULL;
	}
	tu_http_free(&r);
}

static const char *const families[] = {
	[0] = "bpf_program_holder_info", [1] = "bpf_map_holder_info", [2] = "bpf_link_holder_info",
};

/* How many series of family for object id say pid holds it (and, if any, that sample). */
static size_t series(const struct tu_expo *e, const char *family, uint32_t id, pid_t pid,
		     const struct tu_sample **found)
{
	char ids[16], pids[16];
	size_t n = 0;

	snprintf(ids, sizeof(ids), "%u", id);
	snprintf(pids, sizeof(pids), "%d", (int)pid);
	for (size_t i = 0; i < e->nr; i++) {
		const struct tu_sample *s = &e->samples[i];
		const char *sid = tu_sample_label(s, "id"), *spid = tu_sample_label(s, "pid");

		if (strcmp(s->name, family) || !sid || strcmp(sid, ids) || !spid || strcmp(spid, pids))
			continue;
		n++;
		if (found)
			*found = s;
	}
	return n;
}

/* The holders of object id: exactly the pids given (nr of them). */
static void assert_holders_are(const struct tu_expo *e, const char *family, uint32_t id,
			       const pid_t *pids, size_t nr)
{
	char ids[16];
	size_t n = 0;

	snprintf(ids, sizeof(ids), "%u", id);
	for (size_t i = 0; i < e->nr; i++) {
		const struct tu_sample *s = &e->samples[i];
		const char *sid = tu_sample_label(s, "id"), *spid = tu_sample_label(s, "pid");
		bool expected = false;

		if (strcmp(s->name, family) || !sid || strcmp(sid, ids))
			continue;
		ck_assert_ptr_nonnull(spid);
		for (size_t k = 0; k < nr; k++)
			expected |= atoi(spid) == pids[k];
		ck_assert_msg(expected, "%s{id=\"%u\"}: unexpected holder pid %s", family, id, spid);
		n++;
	}
	ck_assert_msg(n == nr, "%s{id=\"%u\"}: %zu holders, want %zu", family, id, n, nr);
}

/* The one series of (family, id, pid), with exactly these labels and value 1. */
static void assert_series(const struct tu_expo *e, const char *family, uint32_t id, pid_t pid,
			  const char *comm, const char *cgroup, const char *container_id,
			  const char *pod_uid)
{
	const struct tu_sample *s = NULL;

	ck_assert_msg(series(e, family, id, pid, &s) == 1, "%s{id=\"%u\",pid=\"%d\"}: not one series",
		      family, id, (int)pid);
	ck_assert_uint_eq(s->nr_labels, 6);
	ck_assert_str_eq(tu_sample_label(s, "comm"), comm);
	if (cgroup)
		ck_assert_str_eq(tu_sample_label(s, "cgroup"), cgroup);
	ck_assert_str_eq(tu_sample_label(s, "container_id"), container_id);
	ck_assert_str_eq(tu_sample_label(s, "pod_uid"), pod_uid);
	ck_assert_str_eq(s->value, "1");
}

static void assert_holds_all(const struct tu_expo *e, const struct holder *hd, const char *comm,
			     const char *cgroup, const char *container_id, const char *pod_uid)
{
	assert_series(e, families[0], hd->r.prog_id, hd->pid, comm, cgroup, container_id, pod_uid);
	assert_series(e, families[1], hd->r.map_id, hd->pid, comm, cgroup, container_id, pod_uid);
	assert_series(e, families[2], hd->r.link_id, hd->pid, comm, cgroup, container_id, pod_uid);
}

static void start_exporter(struct tu_exporter *ex, const char *const *args)
{
	int err = tu_exporter_start(ex, args);

	ck_assert_msg(!err, "cannot start the exporter: %s", strerror(-err));
}

/* The two sources of holders, chosen; the default (auto) is the iterator here. */
static const char *const procfs_args[] = { "--collector.holders.source=procfs", NULL };
static const char *const iterator_args[] = { "--collector.holders.source=iterator", NULL };

/* The cgroup path of this process as /proc/self/cgroup gives it (v2, else name=systemd). */
static void own_cgroup(char *out, size_t len)
{
	char line[1024];
	FILE *f = fopen("/proc/self/cgroup", "re");

	out[0] = '\0';
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "0::", 3)) {
			snprintf(out, len, "%s", line + 3);
			break;
		}
		if (strstr(line, ":name=systemd:"))
			snprintf(out, len, "%s", strstr(line, ":name=systemd:") + 14);
	}
	fclose(f);
}

/* ---- tests ---- */

/*
 * A pod's container (containerd, systemd driver) and a Docker container
 * (cgroupfs driver): every label of every holder series of their objects.
 */
START_TEST(test_containers)
{
	static const struct holder_spec k8s = { .comm = "bpfme-k8s", .objects = true };
	static const struct holder_spec docker = { .comm = "bpfme-docker", .objects = true };
	struct holder *a, *b;
	struct tu_exporter ex;
	struct tu_expo e;

	ck_assert_msg(*v2_root, "no cgroup2 mount in /proc/self/mountinfo");
	cgroups_make();
	a = holder_start(&k8s);
	b = holder_start(&docker);
	cgroup_enter(K8S_CGROUP, a->pid);
	cgroup_enter(DOCKER_CGROUP, b->pid);

	start_exporter(&ex, NULL);
	scrape(ex.port, &e, NULL);
	assert_holds_all(&e, a, "bpfme-k8s", K8S_CGROUP, CRI_ID, POD_UID);
	assert_holds_all(&e, b, "bpfme-docker", DOCKER_CGROUP, DOCKER_ID, "");
	/* nobody else holds them: not the exporter, not this test */
	for (int k = 0; k < 3; k++) {
		const struct holder *hd[] = { a, b };

		for (int i = 0; i < 2; i++) {
			uint32_t id = k == 0 ? hd[i]->r.prog_id : k == 1 ? hd[i]->r.map_id : hd[i]->r.link_id;

			assert_holders_are(&e, families[k], id, &hd[i]->pid, 1);
		}
	}
	tu_expo_free(&e);
	ck_assert_int_eq(tu_exporter_stop(&ex, 2000, NULL, NULL), 0);
	teardown();
}
END_TEST

/* How many fds of hd's are to its map, by their link and fdinfo. */
static int map_fds(const struct holder *a)
{
	char path[64], target[64];
	ssize_t n;
	int fds = 0;

	for (int fd = 3; fd < 256; fd++) {
		char info[1024];
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)a->pid, fd);
		n = readlink(path, target, sizeof(target) - 1);
		if (n < 0)
			continue;
		target[n] = '\0';
		if (strcmp(target, "anon_inode:bpf-map"))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", (int)a->pid, fd);
		f = fopen(path, "re");
		ck_assert_ptr_nonnull(f);
		n = (ssize_t)fread(info, 1, sizeof(info) - 1, f);
		fclose(f);
		info[n > 0 ? n : 0] = '\0';
		snprintf(target, sizeof(target), "\nmap_id:\t%u\n", a->r.map_id);
		fds += strstr(info, target) != NULL;
	}
	return fds;
}

/* Two fds to one map are one series per process. */
START_TEST(test_two_fds_one_series)
{
	static const struct holder_spec sp = { .comm = "bpfme-twofds", .objects = true };
	struct holder *a;
	struct tu_exporter ex;
	struct tu_expo e;

	a = holder_start(&sp);
	ck_assert_int_eq(map_fds(a), 2);	/* the child really holds the map twice */

	start_exporter(&ex, NULL);
	scrape(ex.port, &e, NULL);
	assert_holds_all(&e, a, "bpfme-twofds", NULL, "", "");
	tu_expo_free(&e);
	ck_assert_int_eq(tu_exporter_stop(&ex, 2000, NULL, NULL), 0);
	teardown();
}
END_TEST

/*
 * A process whose fds are nearly all BPF (42 to one map, then a program
 * and a link) is read by fdinfo alone past its first fds (holders.c): the
 * link is still a link, and each object one series.
 */
START_TEST(test_mostly_bpf_fds)
{
	static const struct holder_spec sp = { .comm = "bpfme-dense", .objects = true, .dups = 40 };
	struct holder *a;
	struct tu_exporter ex;
	struct tu_expo e;

	a = holder_start(&sp);
	ck_assert_int_eq(map_fds(a), 42);
	start_exporter(&ex, procfs_args);	/* the walk's way */
	scrape(ex.port, &e, NULL);
	assert_holds_all(&e, a, "bpfme-dense", NULL, "", "");
	assert_holders_are(&e, families[2], a->r.link_id, &a->pid, 1);
	assert_holders_are(&e, families[0], a->r.prog_id, &a->pid, 1);
	tu_expo_free(&e);
	ck_assert_int_eq(tu_exporter_stop(&ex, 2000, NULL, NULL), 0);
	teardown();
}
END_TEST

/*
 * A link made by BPF_RAW_TRACEPOINT_OPEN is "anon_inode:bpf_link", one
 * opened by id (bpf_link_get_fd_by_id) "anon_inode:bpf-link" on this kernel:
 * both are holders.
 */
START_TEST(test_link_spellings)
{
	static const struct holder_spec maker = { .comm = "bpfme-linkmake", .objects = true };
	struct holder_spec by_id = { .comm = "bpfme-linkbyid" };
	struct holder *a, *b;
	struct tu_exporter ex;
	struct tu_expo e;
	pid_t both[2];

	a = holder_start(&maker);
	by_id.link_id = a->r.link_id;
	b = holder_start(&by_id);
	ck_assert_uint_eq(b->r.link_id, a->r.link_id);
	ck_assert_str_eq(a->r.link_target, "anon_inode:bpf_link");
	ck_assert_str_eq(b->r.link_target, "anon_inode:bpf-link");

	start_exporter(&ex, NULL);
	scrape(ex.port, &e, NULL);
	both[0] = a->pid;
	both[1] = b->pid;
	assert_holders_are(&e, families[2], a->r.link_id, both, 2);
	assert_series(&e, families[2], a->r.link_id, b->pid, "bpfme-linkbyid", NULL, "", "");
	tu_expo_free(&e);
	ck_assert_int_eq(tu_exporter_stop(&ex, 2000, NULL, NULL), 0);
	teardown();
}
END_TEST

/*
 * Holders running as another uid: one dumpable, as a process exec'd as
 * that uid is (its /proc/PID/fd is its owner's, mode 0500: read through
 * fdinfo), one not (a setuid without exec: /proc/PID/fd is root's).
 */
START_TEST(test_other_uid)
{
	static const struct holder_spec dumpable = { .comm = "bpfme-nobody", .objects = true,
						     .uid = NOBODY, .dumpable = true };
	static const struct holder_spec setuid_only = { .comm = "bpfme-setuid", .objects = true,
							.uid = NOBODY };
	struct holder *a, *b;
	struct tu_exporter ex;
	struct tu_expo e;
	struct stat st;
	char path[64], cg[1024];

	a = holder_start(&dumpable);
	b = holder_start(&setuid_only);
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)a->pid);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_uid, NOBODY);	/* the case that needs the fdinfo way */
	ck_assert_uint_eq(st.st_mode & 0777, 0500);
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)b->pid);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_uid, 0);
	own_cgroup(cg, sizeof(cg));

	for (int s = 0; s < 2; s++) {	/* both sources */
		start_exporter(&ex, s ? procfs_args : iterator_args);
		scrape(ex.port, &e, NULL);
		assert_holds_all(&e, a, "bpfme-nobody", cg, "", "");
		assert_holds_all(&e, b, "bpfme-setuid", cg, "", "");
		tu_expo_free(&e);
		ck_assert_int_eq(tu_exporter_stop(&ex, 2000, NULL, NULL), 0);
	}
	teardown();
}
END_TEST

/*
 * The exporter holds fds of every object during each snapshot, which runs
 * beside the walk: it is never a holder.
 */
START_TEST(test_exporter_never_holder)
{
	static const struct holder_spec sp = { .comm = "bpfme-one", .objects = true };
	struct tu_exporter ex;
	struct tu_expo e;
	char pid[16];
	size_t held = 0;

	holder_start(&sp);
	for (int s = 0; s < 2; s++) {	/* both sources */
		start_exporter(&ex, s ? procfs_args : iterator_args);
		snprintf(pid, sizeof(pid), "%d", (int)ex.pid);
		held = 0;
		for (int i = 0; i < 10; i++) {
			scrape(ex.port, &e, NULL);
			for (int k = 0; k < 3; k++) {
				ck_assert_ptr_null(tu_expo_find(&e, families[k], "pid", pid));
				held += tu_expo_count(&e, families[k]);
			}
			tu_expo_free(&e);
		}
		ck_assert_uint_ge(held, 10 * 3);	/* the families were there, with the holder's */
		ck_assert_int_eq(tu_exporter_stop(&ex, 2000, NULL, NULL), 0);
	}
	teardown();
}
END_TEST

START_TEST(test_collector_off)
{
	static const struct holder_spec sp = { .comm = "bpfme-off", .objects = true };
	static const char *const args[] = { "--no-collector.holders", NULL };
	struct tu_exporter ex;
	struct tu_expo e;
	struct holder *a;
	char *body, ids[16];

	a = holder_start(&sp);
	start_exporter(&ex, args);
	scrape(ex.port, &e, &body);
	ck_assert_msg(!strstr(body, "_holder_info"), "holder families with the collector off");
	snprintf(ids, sizeof(ids), "%u", a->r.map_id);
	ck_assert_ptr_nonnull(tu_expo_find(&e, "bpf_map_info", "id", ids));
	free(body);
	tu_expo_free(&e);
	ck_assert_int_eq(tu_exporter_stop(&ex, 2000, NULL, NULL), 0);
	teardown();
}
END_TEST

static size_t count_str(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/*
 * Without CAP_SYS_PTRACE, the walk of /proc: a holder with capabilities the
 * exporter lacks is missing, one without any is still listed, the rest of
 * the scrape is whole, and one warning names the capability however many
 * scrapes.  The iterator lists both, with no warning.
 */
START_TEST(test_without_cap_sys_ptrace)
{
	static const struct holder_spec full = { .comm = "bpfme-fullcaps", .objects = true };
	static const struct holder_spec nocaps = { .comm = "bpfme-nocaps", .objects = true,
						   .no_caps = true };
	struct holder *a, *b;
	struct tu_exporter ex;
	struct tu_expo e;
	char ids[32], *log;

	a = holder_start(&full);
	b = holder_start(&nocaps);
	/* this forked test process and its children lose the capability for good */
	ck_assert_int_eq(prctl(PR_CAPBSET_DROP, CAP_SYS_PTRACE, 0, 0, 0), 0);
	start_exporter(&ex, procfs_args);
	for (int i = 0; i < 3; i++) {
		scrape(ex.port, &e, NULL);
		ck_assert_uint_eq(series(&e, families[1], a->r.map_id, a->pid, NULL), 0);
		ck_assert_uint_eq(series(&e, families[0], a->r.prog_id, a->pid, NULL), 0);
		assert_holds_all(&e, b, "bpfme-nocaps", NULL, "", "");
		snprintf(ids, sizeof(ids), "%u", a->r.map_id);	/* the objects are still there */
		ck_assert_ptr_nonnull(tu_expo_find(&e, "bpf_map_info", "id", ids));
		tu_expo_free(&e);
	}
	log = tu_exporter_log(&ex);
	ck_assert_msg(count_str(log, "CAP_SYS_PTRACE") == 1, "not one warning naming it: %s", log);
	ck_assert_msg(count_str(log, "level=warn") == 1, "other warnings: %s", log);
	/* it says which process (the first, when there are several) */
	snprintf(ids, sizeof(ids), "pid %d, ", (int)a->pid);
	ck_assert_msg(strstr(log, "(pid ") || strstr(log, "(the first: pid "), "no pid in: %s", log);
	ck_assert_msg(strstr(log, ", comm "), "no comm in: %s", log);
	ck_assert_msg(!strstr(log, "(pid ") || (strstr(log, ids) && strstr(log, "comm bpfme-fullcaps")),
		      "the only process refused is bpfme-fullcaps (%s): %s", ids, log);
	free(log);
	ck_assert_int_eq(tu_exporter_stop(&ex, 2000, NULL, NULL), 0);
	/* the iterator reads no process's fds: it needs no CAP_SYS_PTRACE, and sees both */
	start_exporter(&ex, iterator_args);
	scrape(ex.port, &e, NULL);
	assert_holds_all(&e, a, "bpfme-fullcaps", NULL, "", "");
	assert_holds_all(&e, b, "bpfme-nocaps", NULL, "", "");
	tu_expo_free(&e);
	log = tu_exporter_log(&ex);
	ck_assert_msg(!strstr(log, "level=warn"), "warnings: %s", log);
	free(log);
	ck_assert_int_eq(tu_exporter_stop(&ex, 2000, NULL, NULL), 0);
	teardown();
}
END_TEST

/* With CAP_SYS_PTRACE, no warning naming it is logged. */
START_TEST(test_with_cap_sys_ptrace_no_warning)
{
	static const struct holder_spec full = { .comm = "bpfme-fullcaps", .objects = true };
	struct tu_exporter ex;
	struct tu_expo e;
	struct holder *a;
	char *log;

	a = holder_start(&full);
	start_exporter(&ex, NULL);
	scrape(ex.port, &e, NULL);
	ck_assert_uint_eq(series(&e, families[1], a->r.map_id, a->pid, NULL), 1);
	tu_expo_free(&e);
	log = tu_exporter_log(&ex);
	ck_assert_msg(!strstr(log, "needs CAP_SYS_PTRACE"), "warned with the capability: %s", log);
	free(log);
	ck_assert_int_eq(tu_exporter_stop(&ex, 2000, NULL, NULL), 0);
	teardown();
}
END_TEST

/*
 * pidfd_getfd(2) refused with EPERM, as Yama (ptrace_scope 1 or 2 for a
 * process without CAP_SYS_PTRACE), a container's seccomp profile or a
 * kernel before 5.6 refuses it: a seccomp filter this forked test and the
 * exporter it starts inherit.  0 or the failing line.
 */
static int refuse_pidfd_getfd(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_pidfd_getfd, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return __LINE__;
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0))
		return __LINE__;
	if (syscall(SYS_pidfd_getfd, -1, 0, 0) != -1 || errno != EPERM)
		return __LINE__;
	return 0;
}

/*
 * Where a copy of an fd is refused, the exporter reads BPF fds' fdinfo: an
 * ordinary holder (readlinkat, then fdinfo) and one of mostly BPF fds
 * (fdinfo alone past its first fds) are listed all the same.
 */
START_TEST(test_fdinfo_way)
{
	static const struct holder_spec plain = { .comm = "bpfme-plainfd", .objects = true };
	static const struct holder_spec dense = { .comm = "bpfme-densefd", .objects = true, .dups = 40 };
	struct holder *a, *b;
	struct tu_exporter ex;
	struct tu_expo e;

	a = holder_start(&plain);
	b = holder_start(&dense);
	ck_assert_int_eq(refuse_pidfd_getfd(), 0);
	start_exporter(&ex, procfs_args);	/* the walk's way */
	scrape(ex.port, &e, NULL);
	assert_holds_all(&e, a, "bpfme-plainfd", NULL, "", "");
	assert_holds_all(&e, b, "bpfme-densefd", NULL, "", "");
	assert_holders_are(&e, families[2], b->r.link_id, &b->pid, 1);
	tu_expo_free(&e);
	ck_assert_int_eq(tu_exporter_stop(&ex, 2000, NULL, NULL), 0);
	teardown();
}
END_TEST

/*
 * A child that lives until killed, with every uid set to uid (0: root's,
 * as this test's); it has set them when this returns.
 */
static pid_t idle_child(uid_t uid)
{
	int ready[2];
	char c;
	pid_t pid;

	ck_assert_int_eq(pipe(ready), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(ready[0]);
		if (uid && (setresgid(uid, uid, uid) || setresuid(uid, uid, uid)))
			_exit(1);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(ready[1]);
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	close(ready[0]);
	return pid;
}

static void kill_child(pid_t pid)
{
	kill(pid, SIGKILL);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
}

/*
 * The copy's check is of the pidfd's process (issue 16): a pid reused
 * between the fd walk and the copy must not have its fds copied.  The
 * reuse is made deterministic: the pidfd of a child that exited and was
 * reaped, with the pid of a live root process whose status says all-root.
 */
START_TEST(test_copy_check_is_the_pidfds)
{
	int procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC), pidfd, gone_fd, nobody_fd;
	pid_t root = idle_child(0), gone = idle_child(0), nobody = idle_child(NOBODY);

	ck_assert_int_ge(procfd, 0);
	pidfd = (int)syscall(SYS_pidfd_open, root, 0);
	gone_fd = (int)syscall(SYS_pidfd_open, gone, 0);
	nobody_fd = (int)syscall(SYS_pidfd_open, nobody, 0);
	ck_assert_int_ge(pidfd, 0);
	ck_assert_int_ge(gone_fd, 0);
	ck_assert_int_ge(nobody_fd, 0);
	ck_assert_msg(holders_may_copy(procfd, root, pidfd), "a live root process: copies allowed");
	ck_assert_msg(!holders_may_copy(procfd, nobody, nobody_fd), "another uid's: no copies");
	kill_child(gone);	/* exited and reaped: its pid may be anyone's now */
	ck_assert_msg(!holders_may_copy(procfd, root, gone_fd),
		      "a pidfd whose process is gone, with a root process's pid: no copies");
	ck_assert_msg(!holders_may_copy(procfd, gone, gone_fd), "a process gone: no copies");
	kill_child(root);
	kill_child(nobody);
	close(pidfd);
	close(gone_fd);
	close(nobody_fd);
	close(procfd);
}
END_TEST

/* What /proc says pid holds: "FAMILY ID" lines, sorted, into out (nr of them). */
static size_t proc_truth(pid_t pid, char out[][64], size_t max)
{
	static const char *const kinds[][2] = {
		{ "anon_inode:bpf-prog", "prog_id" }, { "anon_inode:bpf-map", "map_id" },
		{ "anon_inode:bpf_link", "link_id" }, { "anon_inode:bpf-link", "link_id" },
	};
	char path[64], target[64], info[2048], key[32];
	size_t n = 0;

	for (int fd = 0; fd < 1024; fd++) {
		ssize_t len;
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)pid, fd);
		len = readlink(path, target, sizeof(target) - 1);
		if (len < 0)
			continue;
		target[len] = '\0';
		for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
			const char *p;
			bool dup = false;

			if (strcmp(target, kinds[k][0]))
				continue;
			snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", (int)pid, fd);
			f = fopen(path, "re");
			ck_assert_ptr_nonnull(f);
			len = (ssize_t)fread(info, 1, sizeof(info) - 1, f);
			fclose(f);
			info[len > 0 ? len : 0] = '\0';
			snprintf(key, sizeof(key), "\n%s:\t", kinds[k][1]);
			p = strstr(info, key);
			ck_assert_ptr_nonnull(p);
			ck_assert_uint_lt(n, max);
			snprintf(out[n], 64, "%s %lu", families[k < 2 ? k : 2],
				 strtoul(p + strlen(key), NULL, 10));
			for (size_t i = 0; i < n; i++)
				dup |= !strcmp(out[i], out[n]);
			n += !dup;	/* one series per object and process */
		}
	}
	qsort(out, n, 64, (int (*)(const void *, const void *))strcmp);
	return n;
}

/* The holder series of pid in e as "FAMILY ID" lines, sorted; each with labels as want. */
static size_t served(const struct tu_expo *e, pid_t pid, char out[][64], size_t max,
		     const char *comm, const char *cgroup)
{
	char pids[16];
	size_t n = 0;

	snprintf(pids, sizeof(pids), "%d", (int)pid);
	for (size_t i = 0; i < e->nr; i++) {
		const struct tu_sample *sm = &e->samples[i];
		const char *spid = tu_sample_label(sm, "pid");

		if (!strstr(sm->name, "_holder_info") || !spid || strcmp(spid, pids))
			continue;
		ck_assert_uint_lt(n, max);
		ck_assert_str_eq(tu_sample_label(sm, "comm"), comm);
		if (cgroup)
			ck_assert_str_eq(tu_sample_label(sm, "cgroup"), cgroup);
		ck_assert_str_eq(sm->value, "1");
		snprintf(out[n++], 64, "%s %s", sm->name, tu_sample_label(sm, "id"));
	}
	qsort(out, n, 64, (int (*)(const void *, const void *))strcmp);
	return n;
}

/*
 * Both sources against /proc's truth, series by series, for a process in a
 * pod's cgroup, one holding its map three times, a thread group (a thread
 * sharing the files: counted once; a thread with a table of its own: its
 * map is not the process's, as /proc/PID/fd has it), and a link opened by
 * id; bpf_exporter_holders_source_info names each source.
 */
START_TEST(test_sources_agree)
{
	static const struct holder_spec k8s = { .comm = "bpfme-k8s", .objects = true };
	static const struct holder_spec thrice = { .comm = "bpfme-thrice", .objects = true,
						   .dups = 1 };
	static const struct holder_spec threads = { .comm = "bpfme-threads", .objects = true,
						    .threads = true };
	struct holder_spec by_id = { .comm = "bpfme-linkbyid" };
	const char *comms[] = { "bpfme-k8s", "bpfme-thrice", "bpfme-threads", "bpfme-linkbyid" };
	const char *const *args[2] = { iterator_args, procfs_args };
	const char *source[2] = { "iterator", "procfs" };
	struct tu_exporter ex[2];
	struct tu_expo e[2];
	struct holder *hd[4];
	char truth[32][64], got[32][64], ids[16];

	ck_assert_msg(*v2_root, "no cgroup2 mount in /proc/self/mountinfo");
	cgroups_make();
	hd[0] = holder_start(&k8s);
	cgroup_enter(K8S_CGROUP, hd[0]->pid);
	hd[1] = holder_start(&thrice);
	ck_assert_int_eq(map_fds(hd[1]), 3);
	hd[2] = holder_start(&threads);
	ck_assert_uint_ne(hd[2]->r.thread_map_id, 0);
	by_id.link_id = hd[0]->r.link_id;
	hd[3] = holder_start(&by_id);

	for (int s = 0; s < 2; s++) {
		start_exporter(&ex[s], args[s]);
		scrape(ex[s].port, &e[s], NULL);
		ck_assert_ptr_nonnull(tu_expo_find(&e[s], "bpf_exporter_holders_source_info", "source",
						   source[s]));
		ck_assert_uint_eq(tu_expo_count(&e[s], "bpf_exporter_holders_source_info"), 1);
	}
	for (int i = 0; i < 4; i++) {
		size_t want = proc_truth(hd[i]->pid, truth, 32);

		ck_assert_uint_gt(want, 0);
		for (int s = 0; s < 2; s++) {
			size_t n = served(&e[s], hd[i]->pid, got, 32, comms[i],
					  i == 0 ? K8S_CGROUP : NULL);

			ck_assert_msg(n == want, "%s, %s: %zu series, /proc says %zu", comms[i],
				      source[s], n, want);
			for (size_t k = 0; k < n; k++)
				ck_assert_str_eq(got[k], truth[k]);
		}
	}
	ck_assert_uint_eq(proc_truth(hd[3]->pid, truth, 32), 1);	/* the link alone */
	snprintf(ids, sizeof(ids), "%u", hd[2]->r.thread_map_id);
	for (int s = 0; s < 2; s++) {
		ck_assert_ptr_nonnull(tu_expo_find(&e[s], "bpf_map_info", "id", ids));
		ck_assert_ptr_null(tu_expo_find(&e[s], "bpf_map_holder_info", "id", ids));
		tu_expo_free(&e[s]);
		ck_assert_int_eq(tu_exporter_stop(&ex[s], 2000, NULL, NULL), 0);
	}
	teardown();
}
END_TEST

/*
 * --collector.holders.source=procfs: the walk of /proc, bpfme_holders not
 * loaded at all; the default (auto) loads it and says so.
 */
START_TEST(test_source_flag)
{
	static const struct holder_spec sp = { .comm = "bpfme-flag", .objects = true };
	struct tu_exporter ex;
	struct tu_expo e;
	struct holder *a;
	char *log;

	a = holder_start(&sp);
	for (int s = 0; s < 2; s++) {
		start_exporter(&ex, s ? procfs_args : NULL);
		scrape(ex.port, &e, NULL);
		assert_holds_all(&e, a, "bpfme-flag", NULL, "", "");
		ck_assert_ptr_nonnull(tu_expo_find(&e, "bpf_exporter_holders_source_info", "source",
						   s ? "procfs" : "iterator"));
		if (s)
			ck_assert_ptr_null(tu_expo_find(&e, "bpf_program_info", "name", "bpfme_holders"));
		else
			ck_assert_ptr_nonnull(tu_expo_find(&e, "bpf_program_info", "name",
							   "bpfme_holders"));
		tu_expo_free(&e);
		log = tu_exporter_log(&ex);
		ck_assert_msg(!strstr(log, "bpfme_holders did not load"), "log: %s", log);
		free(log);
		ck_assert_int_eq(tu_exporter_stop(&ex, 2000, NULL, NULL), 0);
	}
	teardown();
}
END_TEST

Suite *holders_live_suite(void)
{
	Suite *s = suite_create("holders_live");
	TCase *tc = tcase_create("live");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_containers);
	tcase_add_test(tc, test_two_fds_one_series);
	tcase_add_test(tc, test_mostly_bpf_fds);
	tcase_add_test(tc, test_fdinfo_way);
	tcase_add_test(tc, test_link_spellings);
	tcase_add_test(tc, test_other_uid);
	tcase_add_test(tc, test_exporter_never_holder);
	tcase_add_test(tc, test_collector_off);
	tcase_add_test(tc, test_without_cap_sys_ptrace);
	tcase_add_test(tc, test_with_cap_sys_ptrace_no_warning);
	tcase_add_test(tc, test_sources_agree);
	tcase_add_test(tc, test_source_flag);
	suite_add_tcase(s, tc);
	tc = tcase_create("copy");
	tcase_add_test(tc, test_copy_check_is_the_pidfds);
	suite_add_tcase(s, tc);
	return s;
}
