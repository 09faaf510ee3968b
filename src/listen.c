// SPDX-License-Identifier: Apache-2.0
/* listen - "[HOST]:PORT" parsing, bind and listen; see listen.h. */
#include "listen.h"

#include <errno.h>
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
	unsigned long portnum;
	char *end;
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
	errno = 0;
	portnum = strtoul(p, &end, 10);
	if (*p < '0' || *p > '9' || *end || errno || portnum > 65535) {
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
