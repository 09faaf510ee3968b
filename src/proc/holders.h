/* SPDX-License-Identifier: Apache-2.0 */
/*
 * holders - which processes hold an fd to each BPF program, map and link:
 * one walk over /proc/PID/fd through directory fds (readlinkat of each
 * entry; the fdinfo, for the object's id, only of BPF fds), then the comm
 * and the cgroup (container id, pod uid) of each holding process, read once
 * per process.  The walk is holders_take(); the rest is pure and tested on
 * its own (holders_fdinfo_*, holders_add, holders_sort; an fd's link target
 * is classified by bpffd_kind).
 *
 * Reading another process's fds takes ptrace read access to it
 * (CAP_SYS_PTRACE, unless it is an unprivileged process of the same uid).
 * A process whose fd directory cannot be opened (the directory of a process
 * of another uid is mode 0500 for its owner) is read through its fdinfo
 * directory instead, whose entries are classified by their text; one whose
 * fds cannot be read at all is counted in denied and left out.
 *
 * Thread-safe for distinct struct holders.
 */
#ifndef BPFME_HOLDERS_H
#define BPFME_HOLDERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proc/cgroupid.h"
#include "bpf/iters.h"
#include "bpf/snap.h"

#define HOLDERS_COMM_LEN 16	/* TASK_COMM_LEN, with the NUL */

/* One holding process. */
struct holders_proc {
	pid_t pid;
	char comm[HOLDERS_COMM_LEN];
	char *cgroup;		/* malloc'd; "" when unknown */
	char container_id[CGROUPID_ID_LEN + 1];
	char pod_uid[CGROUPID_UID_LEN + 1];
};

/* One object held by one process. */
struct holders_row {
	uint32_t id;
	uint32_t proc;		/* index into holders.procs */
	uint8_t kind;		/* enum snap_kind */
};

/*
 * Invariant after holders_take() (and holders_sort()): rows sorted by kind,
 * id, then pid, each (kind, id, process) once.
 */
struct holders {
	struct holders_row *rows;
	size_t nr_rows, alloc_rows;
	struct holders_proc *procs;
	size_t nr_procs, alloc_procs;
	unsigned int processes;	/* processes walked */
	unsigned int denied;	/* processes whose fds could not be read (EACCES, EPERM) */
	pid_t denied_pid;	/* the first of them, for the warning; 0: none */
	char denied_comm[HOLDERS_COMM_LEN];	/* its comm, "" if it could not be read */
	unsigned int by_fdinfo;	/* BPF fds known by their fdinfo alone (no readlinkat) */
	unsigned int by_copy;	/* BPF fds known by a copy (pidfd_getfd), not fdinfo */
	int *fds;		/* scratch: one process's fd numbers */
	size_t nr_fds, alloc_fds;
};

void holders_init(struct holders *h);
void holders_release(struct holders *h);

/*
 * Walk proc_dir (NULL: "/proc"; tests pass a recorded tree) into h (which
 * must be initialised; its content is replaced), leaving out the process
 * self (the exporter's own fds are never holders).  Processes that exit
 * during the walk are left out.  With proc_dir NULL a BPF fd's id comes
 * from a momentary copy of the fd (pidfd_getfd) where the kernel allows
 * it, else from its fdinfo.  Returns 0, or -errno: -ENOMEM, or the error
 * of opening proc_dir itself.
 */
int holders_take(struct holders *h, const char *proc_dir, pid_t self);

/*
 * Whether the walk may copy the fds of process pid (pidfd_getfd through
 * pidfd, which the caller opened with pidfd_open(pid) before calling):
 * every uid in /proc/PID/status (read through procfd, a directory fd of
 * /proc) is 0, and that status was the pidfd's process's -- it is read
 * after the pidfd was opened and the process is asked afterwards whether
 * it still lives (pidfd_send_signal of signal 0), so a pid that was reused
 * before the pidfd was opened, or after it was, reads false.  false also
 * when either cannot be read.  Thread-safe.
 */
bool holders_may_copy(int procfd, pid_t pid, int pidfd);

/*
 * The same from what the kernel's task_file iterator found (bpf/iters.h:
 * nr records of tgid, fd, kind, id; sorted here, in place): no fd is
 * opened, only each holding process's comm and cgroup are read from
 * proc_dir (NULL: "/proc"), once per process.  The records of self, of
 * unknown kinds and of processes gone before their comm is read are left
 * out.  processes counts the holding processes; denied, by_fdinfo and
 * by_copy stay 0.  Returns 0, or -errno: -ENOMEM, or the error of opening
 * proc_dir.
 */
int holders_take_fds(struct holders *h, struct iters_holder *recs, size_t nr,
		     const char *proc_dir, pid_t self);

/*
 * The id of an object of kind from its fdinfo text ("prog_id:", "map_id:",
 * "link_id:").  0, -ENOENT without that line, -EINVAL if it is not a
 * 32-bit number (0 is no id) or kind is one holders do not list (BTF).
 */
int holders_fdinfo_id(const char *text, enum snap_kind kind, uint32_t *id);

/*
 * The kind and id of an fd from its fdinfo text alone, for fds whose link
 * cannot be read: a link's fdinfo also names its program (prog_id), so
 * link_id is looked for first, then map_id, then prog_id with prog_type.
 * 0, or -ENOENT when the text is no BPF object's.
 */
int holders_fdinfo_classify(const char *text, enum snap_kind *kind, uint32_t *id);

/*
 * Append a row: object id of kind held by the process of procs index proc.
 * 0 or -ENOMEM.
 */
int holders_add(struct holders *h, enum snap_kind kind, uint32_t id, uint32_t proc);

/* Sort the rows by kind, id and pid, and drop repeats. */
void holders_sort(struct holders *h);

#endif
