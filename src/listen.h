/* SPDX-License-Identifier: Apache-2.0 */
/*
 * listen - the listening socket: "[HOST]:PORT" parsing (the syntax check
 * --web.listen-address gets at start), name resolution, bind and listen.
 * The socket is handed to the HTTP server, which takes it over.
 */
#ifndef BPFME_LISTEN_H
#define BPFME_LISTEN_H

#include <stddef.h>

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

#endif
