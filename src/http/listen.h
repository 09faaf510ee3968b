/* SPDX-License-Identifier: Apache-2.0 */
/*
 * listen - the listening socket: "[HOST]:PORT" parsing (the syntax check
 * --web.listen-address gets at start), name resolution, bind and listen.
 * Or the sockets systemd passes (socket activation, --web.systemd-socket).
 * The sockets are handed to the HTTP server, which takes them over.
 */
#ifndef BPFME_LISTEN_H
#define BPFME_LISTEN_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Split "[HOST]:PORT" into host (hostlen bytes; "" for every address) and
 * port.  Pure: no name is resolved.  0, or -EINVAL with a one-line reason
 * naming address in err.
 */
int listen_split_address(const char *address, char *host, size_t hostlen,
			 unsigned int *port, char *err, size_t errlen);

/*
 * Parse address ("" host: every address, IPv6 and IPv4), resolve it,
 * create, bind and listen.  Returns 0 and the socket (close-on-exec) in
 * *fd, or -errno with a one-line reason in err and *fd untouched: -EINVAL
 * for a bad value (malformed, or a HOST that names no address: a usage
 * error), -EAGAIN when the resolver cannot answer now, -EADDRINUSE,
 * -EACCES, -EADDRNOTAVAIL, ...
 */
int listen_open(const char *address, int *fd, char *err, size_t errlen);

/* The first fd systemd passes (SD_LISTEN_FDS_START). */
#define LISTEN_SYSTEMD_FIRST_FD 3

/*
 * How many sockets systemd passed, from the values of LISTEN_PID and
 * LISTEN_FDS (either NULL when unset) for the process self: sd_listen_fds(3)
 * semantics, without libsystemd.  Pure.  Returns the count (1 to max), or
 * -errno with a one-line reason in err: -ENOENT when none were passed
 * (unset, 0, or LISTEN_PID another process's), -EINVAL for a malformed
 * value, -E2BIG for more than max.
 */
int listen_systemd_count(const char *listen_pid, const char *listen_fds, pid_t self,
			 size_t max, char *err, size_t errlen);

/*
 * The sockets systemd passed to this process: fds 3, 4, ... as counted by
 * listen_systemd_count() from the environment.  Each must be a listening
 * TCP socket (IPv4 or IPv6); each is made close-on-exec, and LISTEN_PID,
 * LISTEN_FDS and LISTEN_FDNAMES are unset.  Returns the count with the fds
 * in fds[] (the caller's from then on), or -errno with a one-line reason in
 * err (-ENOTSOCK for an fd that is not a listening TCP socket).
 */
int listen_systemd(int *fds, size_t max, char *err, size_t errlen);

#endif
