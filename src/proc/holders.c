// SPDX-License-Identifier: Apache-2.0
/* holders - the processes holding each BPF object, from /proc/PID/fd; see holders.h. */
#include "proc/holders.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/syscall.h>

#include <bpf/bpf.h>

#include "bpf/bpffd.h"
#include "bpf/fdinfo.h"
#include "lib/array.h"
#include "lib/parse.h"

static const char *const id_keys[SNAP_NR_KINDS] = {
	[SNAP_PROG] = "prog_id", [SNAP_MAP] = "map_id", [SNAP_LINK] = "link_id",
};

void holders_init(struct holders *h)
{
	memset(h, 0, sizeof(*h));
}

static void clear(struct holders *h)
{
	for (size_t i = 0; i < h->nr_procs; i++)
		free(h->procs[i].cgroup);
	h->nr_procs = h->nr_rows = h->nr_fds = 0;
	h->processes = h->denied = h->by_fdinfo = h->by_copy = 0;
	h->denied_pid = 0;
	h->denied_comm[0] = '\0';
}

void holders_release(struct holders *h)
{
	clear(h);
	free(h->rows);
	free(h->procs);
	free(h->fds);
	holders_init(h);
}

int holders_fdinfo_id(const char *text, enum snap_kind kind, uint32_t *id)
{
	uint64_t v;
	int err;

	if ((unsigned int)kind >= SNAP_NR_KINDS || !id_keys[kind])
		return -EINVAL;	/* BTF objects have no holders here */
	err = fdinfo_u64(text, id_keys[kind], &v);
	if (err)
		return err;
	if (v == 0 || v > UINT32_MAX)
		return -EINVAL;
	*id = (uint32_t)v;
	return 0;
}

int holders_fdinfo_classify(const char *text, enum snap_kind *kind, uint32_t *id)
{
	uint64_t type;

	if (!holders_fdinfo_id(text, SNAP_LINK, id)) {
		*kind = SNAP_LINK;
		return 0;
	}
	if (!holders_fdinfo_id(text, SNAP_MAP, id)) {
		*kind = SNAP_MAP;
		return 0;
	}
	if (!fdinfo_u64(text, "prog_type", &type) && !holders_fdinfo_id(text, SNAP_PROG, id)) {
		*kind = SNAP_PROG;
		return 0;
	}
	return -ENOENT;
}

int holders_add(struct holders *h, enum snap_kind kind, uint32_t id, uint32_t proc)
{
	if (array_grow((void **)&h->rows, &h->alloc_rows, h->nr_rows + 1, sizeof(*h->rows)))
		return -ENOMEM;
	h->rows[h->nr_rows++] = (struct holders_row){ .id = id, .proc = proc, .kind = (uint8_t)kind };
	return 0;
}

static int row_cmp(const void *a, const void *b, void *arg)
{
	const struct holders_row *x = a, *y = b;
	const struct holders *h = arg;
	pid_t px, py;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	px = h->procs[x->proc].pid;
	py = h->procs[y->proc].pid;
	return px < py ? -1 : px > py;
}

void holders_sort(struct holders *h)
{
	size_t n = 0;

	if (!h->nr_rows)
		return;
	qsort_r(h->rows, h->nr_rows, sizeof(*h->rows), row_cmp, h);
	for (size_t i = 0; i < h->nr_rows; i++)
		if (!n || row_cmp(&h->rows[n - 1], &h->rows[i], h))
			h->rows[n++] = h->rows[i];
	h->nr_rows = n;
}

/* A positive decimal pid that fits, or 0. */
static pid_t parse_pid(const char *name)
{
	uint64_t v;

	return parse_dec_str(name, INT_MAX, &v) ? 0 : (pid_t)v;
}

/* An fd number from a directory entry's name, or -1. */
static int parse_fd(const char *name)
{
	pid_t v = parse_pid(name);

	return v > 0 ? (int)v : (name[0] == '0' && !name[1] ? 0 : -1);
}

static bool is_denied(int err)
{
	return err == -EACCES || err == -EPERM;
}

/* What one process's walk found out. */
struct walk_proc {
	struct holders *h;
	int procfd;
	pid_t pid;
	size_t first_row;
	bool has_proc;		/* its struct holders_proc is appended */
	bool denied;
	/* PIDFD_UNTRIED, PIDFD_NONE (fdinfo from then on), or its pidfd */
	int pidfd;
};

#define PIDFD_UNTRIED (-2)
#define PIDFD_NONE (-1)

/* Its rows, adding the process on the first. 0 or -ENOMEM. */
static int add_row(struct walk_proc *wp, enum snap_kind kind, uint32_t id)
{
	struct holders *h = wp->h;

	if (!wp->has_proc) {
		if (array_grow((void **)&h->procs, &h->alloc_procs, h->nr_procs + 1, sizeof(*h->procs)))
			return -ENOMEM;
		memset(&h->procs[h->nr_procs], 0, sizeof(h->procs[0]));
		h->procs[h->nr_procs++].pid = wp->pid;
		wp->has_proc = true;
	}
	return holders_add(h, kind, id, (uint32_t)(h->nr_procs - 1));
}

static int open_in_proc(const struct walk_proc *wp, const char *what, int flags)
{
	char name[64];

	snprintf(name, sizeof(name), "%d/%s", (int)wp->pid, what);
	return openat(wp->procfd, name, flags | O_RDONLY | O_CLOEXEC);
}

/*
 * Through the fdinfo directory alone, when the fd directory is refused:
 * every fd's fdinfo is read and classified.  0 or -ENOMEM.
 */
static int walk_fdinfo_only(struct walk_proc *wp)
{
	char text[FDINFO_SIZE];
	int infodir = open_in_proc(wp, "fdinfo", O_DIRECTORY);
	struct dirent *e;
	DIR *d;
	int ret = 0;

	if (infodir < 0) {
		wp->denied = is_denied(-errno);
		return 0;
	}
	d = fdopendir(infodir);
	if (!d) {
		close(infodir);
		return errno == ENOMEM ? -ENOMEM : 0;
	}
	while ((e = readdir(d))) {
		enum snap_kind kind;
		uint32_t id;
		ssize_t n;
		int fd = parse_fd(e->d_name);

		if (fd < 0)
			continue;
		n = fdinfo_read(dirfd(d), fd, text, sizeof(text));
		if (n < 0 && is_denied((int)n)) {
			wp->denied = true;
			break;
		}
		if (n <= 0 || holders_fdinfo_classify(text, &kind, &id))
			continue;
		ret = add_row(wp, kind, id);
		if (ret)
			break;
	}
	closedir(d);
	return ret;
}

/*
 * Only the fds of a process whose uids (real, effective, saved, filesystem)
 * are all 0 are copied: closing a copy of what another process put under
 * that fd number meanwhile (a FUSE or NFS file swapped in after its link
 * was read) may wait on that file system, and a process of another user
 * must not be able to make the exporter wait.  Root's processes could stall
 * the host anyway.
 */
#define ROOT_UIDS "\nUid:\t0\t0\t0\t0\n"

bool holders_may_copy(int procfd, pid_t pid, int pidfd)
{
	char text[1024], name[32];
	const char *uid;
	ssize_t n;
	int fd;

	snprintf(name, sizeof(name), "%d/status", (int)pid);
	fd = openat(procfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return false;
	text[n] = '\0';
	uid = strstr(text, "\nUid:");
	if (!uid || strncmp(uid, ROOT_UIDS, sizeof(ROOT_UIDS) - 1))
		return false;
	/*
	 * The pidfd's process still lives after its pid's status was read, so
	 * that pid was its own all along (a pid is reused only once reaped).
	 * EPERM: it lives, and this process may not signal it.
	 */
	return syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) == 0 || errno == EPERM;
}

/*
 * The id of a BPF fd, the cheap way: a copy of the fd (pidfd_getfd, ~0.4
 * us), BPF_OBJ_GET_INFO_BY_FD of just the type and id that every kind's
 * info starts with, and close -- about 1.2 us in all, against 3.4 us to
 * open, read and close its fdinfo.  It takes PTRACE_MODE_ATTACH (the fdinfo
 * takes READ): where that is refused (Yama, a seccomp filter, a kernel
 * before 5.6), and for processes not wholly root's (holders_may_copy), the process
 * is read by fdinfo instead.  A copy may hold the
 * last reference when the process closes its fd meanwhile: the object is
 * then released by this close(2), which the audit side knows as the
 * exporter's own (released_by_exporter).
 *
 * 0 and *id; 1: read it by fdinfo; -ENOENT: the fd is gone.
 */
static int id_by_copy(struct walk_proc *wp, int fd, uint32_t *id)
{
	struct { uint32_t type, id; } info;	/* the head of bpf_{prog,map,link}_info */
	uint32_t len = sizeof(info);
	int copy, err;

	if (wp->pidfd == PIDFD_UNTRIED) {
		/* the pidfd first: the uids checked are then its process's (holders_may_copy) */
		wp->pidfd = (int)syscall(SYS_pidfd_open, wp->pid, 0);
		if (wp->pidfd >= 0 && !holders_may_copy(wp->procfd, wp->pid, wp->pidfd)) {
			close(wp->pidfd);
			wp->pidfd = -1;
		}
		if (wp->pidfd < 0)
			wp->pidfd = PIDFD_NONE;
	}
	if (wp->pidfd < 0)
		return 1;
	copy = (int)syscall(SYS_pidfd_getfd, wp->pidfd, fd, 0);
	if (copy < 0) {
		if (errno == EBADF)
			return -ENOENT;
		close(wp->pidfd);
		wp->pidfd = PIDFD_NONE;	/* refused: fdinfo for the rest of this process */
		return 1;
	}
	memset(&info, 0, sizeof(info));
	err = bpf_obj_get_info_by_fd(copy, &info, &len);
	close(copy);
	if (err || !info.id)
		return 1;	/* not what its link said (reused meanwhile): let fdinfo tell */
	*id = info.id;
	return 0;
}

/*
 * Without the copy, a process whose fds are mostly BPF objects (an agent
 * holding thousands) costs less read by fdinfo alone: readlinkat (~1.3 us)
 * is saved on each fd, and fdinfo (~3.4 us: open, read, close) was to be
 * read anyway.  Past DENSE_PROBE fds, while at least two in three of those
 * seen are BPF, each next fd is classified by its fdinfo text
 * (holders_fdinfo_classify); a process with fewer BPF fds keeps the
 * readlinkat way, which reads no other fd's fdinfo.
 */
#define DENSE_PROBE 16

static int int_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return x < y ? -1 : x > y;
}

/*
 * The fd numbers of the directory d, ascending (as /proc lists them; a
 * recorded tree lists them in its own order) into h->fds.  0 or -ENOMEM.
 */
static int list_fds(struct holders *h, DIR *d)
{
	struct dirent *e;

	h->nr_fds = 0;
	while ((e = readdir(d))) {
		int fd = parse_fd(e->d_name);

		if (fd < 0)
			continue;
		if (array_grow((void **)&h->fds, &h->alloc_fds, h->nr_fds + 1, sizeof(*h->fds)))
			return -ENOMEM;
		h->fds[h->nr_fds++] = fd;
	}
	if (h->nr_fds > 1)
		qsort(h->fds, h->nr_fds, sizeof(*h->fds), int_cmp);
	return 0;
}

/* The fd directory: readlinkat of each entry, the fdinfo of BPF ones. 0 or -ENOMEM. */
static int walk_fds(struct walk_proc *wp, int fddir)
{
	char target[64], text[FDINFO_SIZE], name[16];
	int infodir = -1, ret;
	size_t seen = 0, bpf = 0;
	DIR *d = fdopendir(fddir);

	if (!d) {
		close(fddir);
		return errno == ENOMEM ? -ENOMEM : 0;
	}
	ret = list_fds(wp->h, d);
	for (size_t i = 0; !ret && i < wp->h->nr_fds; i++) {
		ssize_t n;
		uint32_t id;
		int kind, fd = wp->h->fds[i];

		if (wp->pidfd == PIDFD_NONE && seen >= DENSE_PROBE && bpf * 3 >= seen * 2 &&
		    infodir >= 0) {
			enum snap_kind k;

			n = fdinfo_read(infodir, fd, text, sizeof(text));
			if (n < 0 && is_denied((int)n)) {
				wp->denied = true;
				break;
			}
			if (n <= 0)
				continue;	/* closed meanwhile */
			seen++;
			if (holders_fdinfo_classify(text, &k, &id))
				continue;
			bpf++;
			wp->h->by_fdinfo++;
			ret = add_row(wp, k, id);
			continue;
		}
		snprintf(name, sizeof(name), "%d", fd);
		n = readlinkat(fddir, name, target, sizeof(target));
		if (n < 0) {
			if (is_denied(-errno)) {
				wp->denied = true;
				break;
			}
			continue;	/* closed meanwhile */
		}
		seen++;
		kind = bpffd_kind(target, (size_t)n);
		if (kind < 0)
			continue;
		bpf++;
		if (wp->pidfd != PIDFD_NONE) {
			int got = id_by_copy(wp, fd, &id);

			if (got == 0) {
				wp->h->by_copy++;
				ret = add_row(wp, (enum snap_kind)kind, id);
				continue;
			}
			if (got < 0)
				continue;	/* closed meanwhile */
		}
		if (infodir < 0) {
			infodir = open_in_proc(wp, "fdinfo", O_DIRECTORY);
			if (infodir < 0) {
				wp->denied = is_denied(-errno);
				break;
			}
		}
		n = fdinfo_read(infodir, fd, text, sizeof(text));
		if (n < 0 && is_denied((int)n)) {
			wp->denied = true;
			break;
		}
		if (n <= 0 || holders_fdinfo_id(text, (enum snap_kind)kind, &id))
			continue;
		ret = add_row(wp, (enum snap_kind)kind, id);
	}
	if (infodir >= 0)
		close(infodir);
	closedir(d);
	return ret;
}

/* /proc/PID/comm without its newline; 0 or -errno (-ENOENT, -ESRCH: gone). */
static int read_comm(const struct walk_proc *wp, char comm[HOLDERS_COMM_LEN])
{
	int fd = open_in_proc(wp, "comm", 0);
	ssize_t n;

	comm[0] = '\0';
	if (fd < 0)
		return -errno;
	n = read(fd, comm, HOLDERS_COMM_LEN - 1);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n < 0)
		return (int)n;
	comm[n] = '\0';
	if (n > 0 && comm[n - 1] == '\n')
		comm[n - 1] = '\0';
	return 0;
}

/* The holding process's comm and cgroup; a process gone meanwhile is taken out. 0 or -ENOMEM. */
static int finish_proc(struct walk_proc *wp)
{
	struct holders *h = wp->h;
	struct holders_proc *p = &h->procs[h->nr_procs - 1];
	char path[PATH_MAX];
	int err = read_comm(wp, p->comm);

	if (err == -ENOENT || err == -ESRCH) {
		h->nr_procs--;
		h->nr_rows = wp->first_row;
		return 0;
	}
	if (cgroupid_read_pid(wp->procfd, wp->pid, path, sizeof(path)))
		path[0] = '\0';	/* unknown: the other labels still say who holds it */
	p->cgroup = strdup(path);
	if (!p->cgroup)
		return -ENOMEM;
	cgroupid_parse(path, p->container_id, p->pod_uid);
	return 0;
}

/* One process: its rows and its struct holders_proc, or nothing. 0 or -ENOMEM. */
static int walk_proc(struct holders *h, int procfd, pid_t pid, bool copies)
{
	struct walk_proc wp = { .h = h, .procfd = procfd, .pid = pid, .first_row = h->nr_rows,
				.pidfd = copies ? PIDFD_UNTRIED : PIDFD_NONE };
	int fddir, ret;

	fddir = open_in_proc(&wp, "fd", O_DIRECTORY);
	if (fddir >= 0) {
		ret = walk_fds(&wp, fddir);
		if (wp.pidfd >= 0)
			close(wp.pidfd);
	}
	else if (is_denied(-errno))
		ret = walk_fdinfo_only(&wp);	/* another uid's 0500 directory */
	else
		return 0;	/* gone */
	if (!ret && wp.denied) {
		if (!h->denied++) {
			h->denied_pid = pid;
			if (read_comm(&wp, h->denied_comm))
				h->denied_comm[0] = '\0';
		}
		if (wp.has_proc) {	/* what it saw is not the whole: none of it */
			h->nr_procs--;
			h->nr_rows = wp.first_row;
		}
		return 0;
	}
	if (ret) {
		if (wp.has_proc)
			h->nr_procs--;
		h->nr_rows = wp.first_row;
		return ret;
	}
	return wp.has_proc ? finish_proc(&wp) : 0;
}

int holders_take(struct holders *h, const char *proc_dir, pid_t self)
{
	struct dirent *e;
	int procfd, listfd, ret = 0;
	DIR *d;

	clear(h);
	procfd = open(proc_dir ? proc_dir : "/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (procfd < 0)
		return -errno;
	listfd = dup(procfd);
	d = listfd >= 0 ? fdopendir(listfd) : NULL;
	if (!d) {
		ret = -errno;
		if (listfd >= 0)
			close(listfd);
		close(procfd);
		return ret;
	}
	while ((e = readdir(d))) {
		pid_t pid = parse_pid(e->d_name);

		if (pid <= 0 || pid == self)
			continue;
		h->processes++;
		/* copies by pid only of this PID namespace's processes: the real /proc */
		ret = walk_proc(h, procfd, pid, proc_dir == NULL);
		if (ret)
			break;
	}
	closedir(d);
	close(procfd);
	holders_sort(h);
	return ret;
}

static int holder_cmp(const void *a, const void *b)
{
	const struct iters_holder *x = a, *y = b;

	return x->tgid < y->tgid ? -1 : x->tgid > y->tgid;
}

/* The snapshot's kind of an iterator record's, or SNAP_NR_KINDS. */
static enum snap_kind iter_kind(uint32_t kind)
{
	return kind == ITERS_KIND_PROG ? SNAP_PROG : kind == ITERS_KIND_MAP ? SNAP_MAP :
	       kind == ITERS_KIND_LINK ? SNAP_LINK : SNAP_NR_KINDS;
}

int holders_take_fds(struct holders *h, struct iters_holder *recs, size_t nr,
		     const char *proc_dir, pid_t self)
{
	int procfd, ret = 0;
	size_t i = 0;

	clear(h);
	procfd = open(proc_dir ? proc_dir : "/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (procfd < 0)
		return -errno;
	if (nr > 1)
		qsort(recs, nr, sizeof(*recs), holder_cmp);
	while (!ret && i < nr) {
		struct walk_proc wp = { .h = h, .procfd = procfd, .pid = (pid_t)recs[i].tgid,
					.first_row = h->nr_rows, .pidfd = PIDFD_NONE };
		size_t j = i;

		for (; j < nr && recs[j].tgid == recs[i].tgid; j++) {
			enum snap_kind kind = iter_kind(recs[j].kind);

			if (wp.pid <= 0 || wp.pid == self || kind == SNAP_NR_KINDS || !recs[j].id)
				continue;
			ret = add_row(&wp, kind, recs[j].id);
			if (ret)
				break;
		}
		i = j;
		if (!wp.has_proc)
			continue;
		h->processes++;
		if (ret) {
			h->nr_procs--;
			h->nr_rows = wp.first_row;
			break;
		}
		ret = finish_proc(&wp);
	}
	close(procfd);
	holders_sort(h);
	return ret;
}
