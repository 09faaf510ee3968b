// SPDX-License-Identifier: Apache-2.0
/* listen - "[HOST]:PORT" parsing, bind and listen, systemd's sockets; see listen.h. */
#include "http/listen.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "lib/parse.h"


static void bind_error(const char *address, int err, char *msg, size_t len)
{
	switch (-err) {
	case EADDRINUSE:
		snprintf(msg, len, "cannot listen on %s: address already in use "
			 "(another exporter running? choose another --web.listen-address)", address);
		break;
	case EACCES:
		snprintf(msg, len, "cannot listen on %s: permission denied "
			 "(ports below 1024 need CAP_NET_BIND_SERVICE)", address);
		break;
	case EADDRNOTAVAIL:
		snprintf(msg, len, "cannot listen on %s: address not available on this host", address);
		break;
	default:
		snprintf(msg, len, "cannot listen on %s: %s", address, strerror(-err));
	}
}

/*
 * A listening socket for one address: 0 and *out, or -errno with the
 * reason in msg.  An IPv6 socket is dual-stack (IPv4 too) or IPv6-only as
 * asked; failing to make it so is an error, not a socket that means
 * something else.
 */
static int bind_one(const char *address, int family, const struct sockaddr *sa,
		    socklen_t salen, bool dual_stack, int *out, char *msg, size_t len)
{
	int fd, one = 1, v6only = dual_stack ? 0 : 1, err;

	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		err = -errno;
		bind_error(address, err, msg, len);
		return err;
	}
	/* Best effort: without it only a restart within TIME_WAIT finds the port busy. */
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only))) {
		err = -errno;
		snprintf(msg, len, "cannot listen on %s: cannot make the IPv6 socket %s "
			 "(IPV6_V6ONLY=%d): %s", address, dual_stack ? "accept IPv4 too" : "IPv6-only",
			 v6only, strerror(-err));
		close(fd);
		return err;
	}
	/*
	 * The longest accept queue the kernel allows (net.core.somaxconn): a
	 * burst of connections (a flood, or many clients at once) must not
	 * fill it, or a good client's SYN is dropped and waits 1 s, 3 s... to
	 * be sent again.
	 */
	if (bind(fd, sa, salen) < 0 || listen(fd, SOMAXCONN) < 0) {
		err = -errno;
		bind_error(address, err, msg, len);
		close(fd);
		return err;
	}
	*out = fd;
	return 0;
}

int listen_split_address(const char *address, char *host, size_t hostlen,
			 unsigned int *port, char *err, size_t errlen)
{
	const char *colon, *p;
	uint64_t portnum;
	size_t len;

	if (address[0] == '[') {
		const char *close_br = strchr(address, ']');

		if (!close_br || close_br[1] != ':') {
			snprintf(err, errlen, "invalid listen address \"%s\": expected [IPV6]:PORT", address);
			return -EINVAL;
		}
		colon = close_br + 1;
		p = address + 1;
		len = (size_t)(close_br - p);
		if (!len)
			goto bad_host;
	} else {
		colon = strrchr(address, ':');
		if (!colon) {
			snprintf(err, errlen, "invalid listen address \"%s\": expected [HOST]:PORT", address);
			return -EINVAL;
		}
		p = address;
		len = (size_t)(colon - p);
		if (memchr(p, ':', len)) {
			snprintf(err, errlen, "invalid listen address \"%s\": put IPv6 addresses in brackets, e.g. [::1]:9435", address);
			return -EINVAL;
		}
	}
	if (len >= hostlen)
		goto bad_host;
	memcpy(host, p, len);
	host[len] = '\0';
	p = colon + 1;
	if (parse_dec_str(p, 65535, &portnum)) {
		snprintf(err, errlen, "invalid listen address \"%s\": port must be a number from 0 to 65535", address);
		return -EINVAL;
	}
	*port = (unsigned int)portnum;
	return 0;

bad_host:
	snprintf(err, errlen, "invalid listen address \"%s\": bad host", address);
	return -EINVAL;
}

int listen_open(const char *address, int *fd, char *err, size_t errlen)
{
	struct addrinfo hints, *res = NULL, *ai;
	unsigned int portnum;
	char host[256], port[8];
	int ret;

	ret = listen_split_address(address, host, sizeof(host), &portnum, err, errlen);
	if (ret)
		return ret;
	snprintf(port, sizeof(port), "%u", portnum);

	if (!host[0]) {
		struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)portnum),
					     .sin6_addr = IN6ADDR_ANY_INIT };
		struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)portnum),
					   .sin_addr.s_addr = htonl(INADDR_ANY) };

		ret = bind_one(address, AF_INET6, (struct sockaddr *)&sin6, sizeof(sin6), true, fd,
			       err, errlen);
		if (ret == -EAFNOSUPPORT)	/* a kernel without IPv6 */
			ret = bind_one(address, AF_INET, (struct sockaddr *)&sin, sizeof(sin), false, fd,
				       err, errlen);
		return ret;
	}

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV | AI_PASSIVE;
	ret = getaddrinfo(host, port, &hints, &res);
	switch (ret) {
	case 0:
		break;
	case EAI_AGAIN:		/* the resolver may answer later: not the value's fault */
		snprintf(err, errlen, "cannot listen on %s: cannot resolve \"%s\" now: %s",
			 address, host, gai_strerror(ret));
		return -EAGAIN;
	case EAI_MEMORY:
		snprintf(err, errlen, "cannot listen on %s: cannot resolve \"%s\": %s",
			 address, host, gai_strerror(ret));
		return -ENOMEM;
	case EAI_SYSTEM:
	case EAI_FAIL:
		snprintf(err, errlen, "cannot listen on %s: cannot resolve \"%s\": %s",
			 address, host, ret == EAI_SYSTEM ? strerror(errno) : gai_strerror(ret));
		return -EIO;
	default:		/* no such name, or none with an address we can use */
		snprintf(err, errlen, "invalid listen address \"%s\": cannot resolve \"%s\": %s",
			 address, host, gai_strerror(ret));
		return -EINVAL;
	}
	ret = -EADDRNOTAVAIL;
	bind_error(address, ret, err, errlen);
	for (ai = res; ai; ai = ai->ai_next) {
		ret = bind_one(address, ai->ai_family, ai->ai_addr, ai->ai_addrlen, false, fd,
			       err, errlen);
		if (!ret)
			break;
	}
	freeaddrinfo(res);
	return ret;
}

/* ---- sockets from systemd ---- */

/* A decimal number without sign, blanks or excess; 0 or -EINVAL. */
static int parse_env_ulong(const char *s, unsigned long *out)
{
	uint64_t v;

	if (parse_dec_str(s, ULONG_MAX, &v))
		return -EINVAL;
	*out = (unsigned long)v;
	return 0;
}

int listen_systemd_count(const char *listen_pid, const char *listen_fds, pid_t self,
			 size_t max, char *err, size_t errlen)
{
	unsigned long pid, n;

	if (!listen_pid || !listen_fds) {
		snprintf(err, errlen, "--web.systemd-socket: systemd passed no socket (%s is not set): "
			 "start the exporter through its .socket unit, or drop the flag",
			 listen_pid ? "LISTEN_FDS" : "LISTEN_PID");
		return -ENOENT;
	}
	if (parse_env_ulong(listen_pid, &pid) || !pid) {
		snprintf(err, errlen, "--web.systemd-socket: LISTEN_PID=\"%.32s\" is not a process id",
			 listen_pid);
		return -EINVAL;
	}
	if (pid != (unsigned long)self) {
		snprintf(err, errlen, "--web.systemd-socket: the sockets systemd passed are for "
			 "process %lu, not this one (%ld)", pid, (long)self);
		return -ENOENT;
	}
	if (parse_env_ulong(listen_fds, &n)) {
		snprintf(err, errlen, "--web.systemd-socket: LISTEN_FDS=\"%.32s\" is not a number",
			 listen_fds);
		return -EINVAL;
	}
	if (!n) {
		snprintf(err, errlen, "--web.systemd-socket: systemd passed no socket (LISTEN_FDS=0)");
		return -ENOENT;
	}
	if (n > max) {
		snprintf(err, errlen, "--web.systemd-socket: systemd passed %lu sockets; at most %zu "
			 "are served", n, max);
		return -E2BIG;
	}
	return (int)n;
}

/* Whether fd is a listening TCP socket; 0 or -ENOTSOCK with the reason in err. */
static int check_tcp_listener(int fd, char *err, size_t errlen)
{
	int type = 0, listening = 0, domain = 0;
	socklen_t len = sizeof(int);
	const char *why = NULL;

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len))
		why = errno == EBADF ? "not open" : "not a socket";
	else if (len = sizeof(int), getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) ||
		 (domain != AF_INET && domain != AF_INET6))
		why = "not a TCP socket (IPv4 or IPv6)";
	else if (type != SOCK_STREAM)
		why = "not a stream socket (ListenStream=)";
	else if (len = sizeof(int), getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) ||
		 !listening)
		why = "not listening (Accept=yes is not supported)";
	if (!why)
		return 0;
	snprintf(err, errlen, "--web.systemd-socket: fd %d from systemd is %s", fd, why);
	return -ENOTSOCK;
}

int listen_systemd(int *fds, size_t max, char *err, size_t errlen)
{
	int n = listen_systemd_count(getenv("LISTEN_PID"), getenv("LISTEN_FDS"), getpid(), max,
				     err, errlen);

	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		int fd = LISTEN_SYSTEMD_FIRST_FD + i, ret = check_tcp_listener(fd, err, errlen);

		if (ret)
			return ret;
		if (fcntl(fd, F_SETFD, FD_CLOEXEC)) {
			ret = -errno;
			snprintf(err, errlen, "--web.systemd-socket: fd %d: %s", fd, strerror(-ret));
			return ret;
		}
		fds[i] = fd;
	}
	return n;
}
