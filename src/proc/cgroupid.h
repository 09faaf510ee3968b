/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cgroupid - which cgroup a process is in, and which container and
 * Kubernetes pod that cgroup belongs to, from the names container runtimes
 * and the kubelet give their cgroups (issue 10: the cgroup, container_id and
 * pod_uid labels of holders and loaders).  cgroupid_path() and
 * cgroupid_parse() are pure and allocate nothing; cgroupid_read_pid() reads
 * /proc/PID/cgroup through a directory fd.  All are thread-safe.
 */
#ifndef BPFME_CGROUPID_H
#define BPFME_CGROUPID_H

#include <stddef.h>
#include <sys/types.h>

#define CGROUPID_ID_LEN 64	/* a container id: 64 lowercase hex digits */
#define CGROUPID_UID_LEN 36	/* a pod uid: 8-4-4-4-12 lowercase hex, dashes */
#define CGROUPID_PATH_MAX 4096	/* room for any cgroup path and its NUL (PATH_MAX) */

/*
 * The cgroup path of a process from the text of its /proc/PID/cgroup: the
 * cgroup v2 path (the "0::" line), or on hosts with only v1 hierarchies the
 * one of the "name=systemd" hierarchy.  The kernel's " (deleted)" mark of a
 * removed v2 cgroup is dropped.  Paths seen from another cgroup namespace
 * start with "/.." and are given as they are.
 * Returns 0 with the path in out (outlen bytes, NUL-terminated); -ENOENT
 * when the text has neither line, -EINVAL when the path does not start with
 * '/', -ENAMETOOLONG when it does not fit; out is "" on every error.
 */
int cgroupid_path(const char *proc_cgroup_text, char *out, size_t outlen);

/*
 * The container id and the pod uid a cgroup path names, from the shapes
 * of cgroupid.c's tables (docker, containerd, CRI-O, podman; systemd and
 * cgroupfs drivers; the kubelet's pod cgroups of each QoS class).  The
 * innermost match of each wins, so crun's "/container" child and nested
 * runtimes give the innermost container.  container_id is "" or 64
 * lowercase hex digits; pod_uid is "" or a uuid with dashes (the slices'
 * underscores turned into dashes).  Both are always NUL-terminated.
 */
void cgroupid_parse(const char *cgroup_path, char container_id[CGROUPID_ID_LEN + 1],
		    char pod_uid[CGROUPID_UID_LEN + 1]);

/*
 * cgroupid_path() of /proc/PID/cgroup, read through procfd (an open /proc
 * directory, or AT_FDCWD to read "/proc/PID/cgroup").  Returns as
 * cgroupid_path(), or -errno of opening or reading (-ENOENT: the process
 * is gone; -ESRCH when it exits while being read), -ENAMETOOLONG for a line
 * longer than PATH_MAX + 256 bytes.
 */
int cgroupid_read_pid(int procfd, pid_t pid, char *out, size_t outlen);

#endif
