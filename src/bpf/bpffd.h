/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bpffd - the one classifier of BPF fds by their /proc/PID/fd link target:
 * what the kernel names the anonymous inode behind a program, map or link
 * fd (used by the holders walk, of other processes' fds, and the pins walk,
 * of the exporter's own fds from BPF_OBJ_GET); and an object's info by its
 * id through a short-lived fd.  Safe from any thread.
 */
#ifndef BPFME_BPFFD_H
#define BPFME_BPFFD_H

#include <stddef.h>
#include <stdint.h>

#include <linux/types.h>

#include "bpf/snap.h"

/*
 * The kind of BPF object an fd's link target names, target being len bytes
 * (not necessarily NUL-terminated): SNAP_PROG for "anon_inode:bpf-prog",
 * SNAP_MAP for "anon_inode:bpf-map", SNAP_LINK for "anon_inode:bpf_link"
 * (bpf_link_prime(): the fd that created the link) and "anon_inode:bpf-link"
 * (bpf_link_new_fd(): an fd from BPF_OBJ_GET or BPF_LINK_GET_FD_BY_ID);
 * -1 for anything else, BTF ("anon_inode:btf") and iterators
 * ("anon_inode:bpf_iter") among them.
 */
int bpffd_kind(const char *target, size_t len);

/*
 * The info of the object id into info (len bytes, the kernel's struct
 * bpf_*_info; what the caller set in it before, e.g. a name buffer, is
 * passed on): an fd from fd_by_id (bpf_prog_get_fd_by_id,
 * bpf_btf_get_fd_by_id, ...), bpf_obj_get_info_by_fd, close.  0 or -errno
 * (-ENOENT: no such object, or it vanished).
 */
int bpffd_info_by_id(int (*fd_by_id)(__u32 id), uint32_t id, void *info, __u32 len);

#endif
