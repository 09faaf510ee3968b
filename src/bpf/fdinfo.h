/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fdinfo - reading /proc/PID/fdinfo/FD: what the kernel says of an open fd
 * as "key:\tvalue" lines (BPF objects: prog_id, map_id, link_id, memlock,
 * prog_type, ...).  Shared by the snapshot (its own fds), the bench, and the
 * scan of other processes' fds.
 */
#ifndef BPFME_FDINFO_H
#define BPFME_FDINFO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Enough for any BPF object's fdinfo (the longest, a program's, is ~300 bytes). */
#define FDINFO_SIZE 1024

/*
 * Read the fdinfo of fd from dirfd (an open /proc/PID/fdinfo directory) into
 * text (size bytes, NUL-terminated, cut at size - 1).  Returns the length or
 * -errno (-ENOENT: the fd was closed meanwhile).
 */
ssize_t fdinfo_read(int dirfd, int fd, char *text, size_t size);

/*
 * The value of the line "key:" in text as a decimal number.  0, -ENOENT
 * when there is no such line, -EINVAL when its value is not a number.
 */
int fdinfo_u64(const char *text, const char *key, uint64_t *out);

/*
 * The "memlock:" of fd read through dirfd (an open /proc/PID/fdinfo), in
 * bytes; 0 when dirfd is -1, the fd is gone or the kernel does not say.
 */
uint64_t fdinfo_memlock(int dirfd, int fd);

#endif
