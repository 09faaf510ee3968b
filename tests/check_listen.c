// SPDX-License-Identifier: Apache-2.0
/*
 * check_listen - unit tests for the listening socket: address syntax,
 * binding to loopback and wildcard, and the errors for malformed,
 * unresolvable, unavailable and busy addresses; the sockets systemd passes
 * (LISTEN_PID, LISTEN_FDS), in a child with real sockets at fds 3 and 4.
 * Nothing needs root.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <linux/filter.h>
#include <linux/seccomp.h>

#include "http/listen.h"
#include "suites.h"
#include "testutil.h"

/* ---- address syntax ---- */

static void expect_split(const char *address, const char *want_host, unsigned int want_port)
{
	char host[256], err[256] = "";
	unsigned int port = 12345;

	ck_assert_msg(listen_split_address(address, host, sizeof(host), &port, err, sizeof(err)) == 0,
		      "%s: %s", address, err);
	ck_assert_str_eq(host, want_host);
	ck_assert_uint_eq(port, want_port);
}

START_TEST(test_split_address)
{
	expect_split("127.0.0.1:9435", "127.0.0.1", 9435);
	expect_split(":9435", "", 9435);
	expect_split(":0", "", 0);
	expect_split("[::1]:0", "::1", 0);
	expect_split("[::]:65535", "::", 65535);
	expect_split("[fe80::1%lo]:80", "fe80::1%lo", 80);
	expect_split("localhost:80", "localhost", 80);
	expect_split("0.0.0.0:00080", "0.0.0.0", 80);
}
END_TEST

/* An address whose syntax is wrong: -EINVAL and a reason naming it. */
static const char *const bad_addresses[] = {
	"1.2.3.4.5:80"		/* syntactically fine; fails to resolve (listen_open only) */,
	"127.0.0.1", "127.0.0.1:99999", "127.0.0.1:65536", "127.0.0.1:-1", "127.0.0.1:+1",
	"127.0.0.1: 1", "127.0.0.1:", "127.0.0.1:1x", "127.0.0.1:0x10", "::1:80", "[::1]80",
	"[]:80", "[::1", "[::1]", "", ":", "9435", "a:b:c", "127.0.0.1:18446744073709551617",
};

START_TEST(test_split_address_bad)
{
	/* index 0 only fails later, in listen_open: start at 1 */
	for (size_t i = 1; i < sizeof(bad_addresses) / sizeof(bad_addresses[0]); i++) {
		char host[256], err[256] = "";
		unsigned int port = 0;

		ck_assert_msg(listen_split_address(bad_addresses[i], host, sizeof(host), &port,
						 err, sizeof(err)) == -EINVAL,
			      "\"%s\" accepted", bad_addresses[i]);
		ck_assert_msg(strstr(err, bad_addresses[i]) && strstr(err, "invalid listen address"),
			      "\"%s\": %s", bad_addresses[i], err);
	}
}
END_TEST

/* A host too long for the caller's buffer is refused, not truncated. */
START_TEST(test_split_address_host_too_long)
{
	char host[8], err[256] = "";
	unsigned int port;

	ck_assert_int_eq(listen_split_address("abcdefg:1", host, sizeof(host), &port, err, sizeof(err)), 0);
	ck_assert_str_eq(host, "abcdefg");
	ck_assert_int_eq(listen_split_address("abcdefgh:1", host, sizeof(host), &port, err,
					    sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "abcdefgh:1"));
	ck_assert_int_eq(listen_split_address("[abcdefgh]:1", host, sizeof(host), &port, err,
					    sizeof(err)), -EINVAL);
}
END_TEST

/* ---- listening ---- */

static int local_port(int fd, int *family)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	*family = ss.ss_family;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	ck_assert_int_eq(ss.ss_family, AF_INET6);
	return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

static void assert_listening(int fd)
{
	int on = 0;
	socklen_t len = sizeof(on);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len), 0);
	ck_assert_int_eq(on, 1);
	ck_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
}

/* Connect to 127.0.0.1:port; true if the connection is accepted. */
static bool connects_v4(int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok;

	ck_assert_int_ge(c, 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = connect(c, (struct sockaddr *)&sin, sizeof(sin)) == 0;
	close(c);
	return ok;
}

START_TEST(test_listen_loopback_v4)
{
	char err[256] = "";
	int fd = -1, family, port;

	ck_assert_msg(listen_open("127.0.0.1:0", &fd, err, sizeof(err)) == 0, "%s", err);
	assert_listening(fd);
	port = local_port(fd, &family);
	ck_assert_int_eq(family, AF_INET);
	ck_assert_int_gt(port, 0);
	ck_assert(connects_v4(port));
	close(fd);
}
END_TEST

START_TEST(test_listen_loopback_v6)
{
	char err[256] = "";
	int fd = -1, family, ret;

	ret = listen_open("[::1]:0", &fd, err, sizeof(err));
	if (ret) {
		/* no IPv6 here: the syntax was fine, the system said no */
		ck_assert_int_ne(ret, -EINVAL);
		ck_assert_ptr_nonnull(strstr(err, "[::1]:0"));
		return;
	}
	assert_listening(fd);
	ck_assert_int_gt(local_port(fd, &family), 0);
	ck_assert_int_eq(family, AF_INET6);
	close(fd);
}
END_TEST

/* An empty host is every address, IPv6 and IPv4: reachable on 127.0.0.1. */
START_TEST(test_listen_wildcard)
{
	char err[256] = "";
	int fd = -1, family, port;

	ck_assert_msg(listen_open(":0", &fd, err, sizeof(err)) == 0, "%s", err);
	assert_listening(fd);
	port = local_port(fd, &family);
	ck_assert_int_gt(port, 0);
	if (family == AF_INET6) {
		int v6only = 1;
		socklen_t len = sizeof(v6only);

		ck_assert_int_eq(getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, &len), 0);
		ck_assert_int_eq(v6only, 0);
	}
	ck_assert(connects_v4(port));
	close(fd);
}
END_TEST

START_TEST(test_listen_hostname)
{
	char err[256] = "";
	int fd = -1, family;

	ck_assert_msg(listen_open("localhost:0", &fd, err, sizeof(err)) == 0, "%s", err);
	assert_listening(fd);
	ck_assert_int_gt(local_port(fd, &family), 0);
	close(fd);
}
END_TEST

START_TEST(test_listen_bad_syntax)
{
	for (size_t i = 1; i < sizeof(bad_addresses) / sizeof(bad_addresses[0]); i++) {
		char err[256] = "";
		int fd = -7;

		ck_assert_msg(listen_open(bad_addresses[i], &fd, err, sizeof(err)) == -EINVAL,
			      "\"%s\" accepted", bad_addresses[i]);
		ck_assert_int_eq(fd, -7);	/* untouched */
		ck_assert_msg(strstr(err, bad_addresses[i]), "\"%s\": %s", bad_addresses[i], err);
	}
}
END_TEST

/*
 * Parses, but is no address: may ask DNS, hence its own test and timeout.
 * A name the resolver says does not exist is -EINVAL (a bad value); a
 * resolver that cannot answer now is -EAGAIN (try again later).
 */
START_TEST(test_listen_unresolvable)
{
	static const char *const hosts[] = { "1.2.3.4.5", "no.such.host.invalid", "256.1.1.1" };

	for (size_t i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
		struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE }, *res = NULL;
		char address[64], err[256] = "";
		int fd = -7, gai = getaddrinfo(hosts[i], "80", &hints, &res), want;

		ck_assert_msg(gai != 0, "%s resolves here", hosts[i]);
		want = gai == EAI_AGAIN ? -EAGAIN : gai == EAI_MEMORY ? -ENOMEM :
		       gai == EAI_FAIL || gai == EAI_SYSTEM ? -EIO : -EINVAL;
		snprintf(address, sizeof(address), "%s:80", hosts[i]);
		ck_assert_int_eq(listen_open(address, &fd, err, sizeof(err)), want);
		ck_assert_int_eq(fd, -7);
		ck_assert_msg(strstr(err, address) && strstr(err, "cannot resolve"), "%s", err);
	}
}
END_TEST

/* 192.0.2.0/24 is TEST-NET-1 (RFC 5737): never configured on a host. */
START_TEST(test_listen_not_available)
{
	char err[256] = "";
	int fd = -7, ret;

	ret = listen_open("192.0.2.1:0", &fd, err, sizeof(err));
	if (ret == 0) {
		/* net.ipv4.ip_nonlocal_bind=1: this host binds any address */
		close(fd);
		return;
	}
	ck_assert_int_eq(ret, -EADDRNOTAVAIL);
	ck_assert_int_eq(fd, -7);
	ck_assert_msg(strstr(err, "192.0.2.1:0") && strstr(err, "not available"), "%s", err);
}
END_TEST

START_TEST(test_listen_in_use)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	char address[64], err[256] = "";
	int busy, fd = -7, family, port;

	busy = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(busy, 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(busy, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(busy, 1), 0);
	port = local_port(busy, &family);

	snprintf(address, sizeof(address), "127.0.0.1:%d", port);
	ck_assert_int_eq(listen_open(address, &fd, err, sizeof(err)), -EADDRINUSE);
	ck_assert_int_eq(fd, -7);
	ck_assert_msg(strstr(err, "in use") && strstr(err, address), "%s", err);
	close(busy);
}
END_TEST

/*
 * From now on, in this process, setsockopt(_, IPPROTO_IPV6, IPV6_V6ONLY, ...)
 * fails with EPERM (a seccomp filter; no privilege needed).  0 or -errno.
 * Compares the low 32 bits of the arguments: little-endian only.
 */
static int deny_v6only(void)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_setsockopt, 0, 5),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[1])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_IPV6, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[2])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPV6_V6ONLY, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(code) / sizeof(code[0]), .filter = code };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog))
		return -errno;
	return 0;
}

/*
 * When IPV6_V6ONLY cannot be set, the socket would not be what was asked
 * (dual-stack for ":PORT", IPv6-only for "[::1]:PORT"): an error, not a
 * listening socket.  Run in a child, which the filter stays in.
 */
START_TEST(test_listen_v6only_fails)
{
	static const char *const addresses[] = { ":0", "[::1]:0", "[::]:0" };
	int probe = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0), out[2], st;
	char report[512] = "";
	ssize_t n;
	pid_t pid;

	if (probe < 0) {
		fprintf(stderr, "NOTE: check_listen: no IPv6 here; IPV6_V6ONLY failure not tested\n");
		ck_assert_int_eq(errno, EAFNOSUPPORT);
		return;
	}
	close(probe);
	ck_assert_int_eq(pipe(out), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(out[0]);
		if (deny_v6only())
			_exit(2);
		for (size_t i = 0; i < sizeof(addresses) / sizeof(addresses[0]); i++) {
			char err[256] = "", line[400];
			int fd = -7, ret = listen_open(addresses[i], &fd, err, sizeof(err));

			if (ret == -EPERM && fd == -7 && strstr(err, addresses[i]) && strstr(err, "IPV6_V6ONLY"))
				continue;
			snprintf(line, sizeof(line), "%s: returned %d (%s), fd %d: %s", addresses[i], ret,
				 strerror(ret < 0 ? -ret : 0), fd, err);
			if (write(out[1], line, strlen(line)) < 0)
				_exit(3);
			_exit(1);
		}
		_exit(0);
	}
	close(out[1]);
	n = read(out[0], report, sizeof(report) - 1);
	report[n > 0 ? n : 0] = '\0';
	close(out[0]);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) != 2, "cannot install the seccomp filter");
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		      "IPV6_V6ONLY refused, want -EPERM and a reason naming it: %s", report);
}
END_TEST

/* ---- sockets from systemd ---- */

static void expect_count(const char *pid, const char *fds, pid_t self, int want, const char *needle)
{
	char err[256] = "";
	int n = listen_systemd_count(pid, fds, self, 16, err, sizeof(err));

	ck_assert_msg(n == want, "LISTEN_PID=%s LISTEN_FDS=%s (self %d): %d, want %d (%s)",
		      pid ? pid : "(unset)", fds ? fds : "(unset)", (int)self, n, want, err);
	if (needle)
		ck_assert_msg(strstr(err, needle) && strstr(err, "--web.systemd-socket") &&
			      !strchr(err, '\n'), "reason \"%s\" lacks \"%s\"", err, needle);
}

START_TEST(test_systemd_count)
{
	expect_count("42", "1", 42, 1, NULL);
	expect_count("42", "16", 42, 16, NULL);
	expect_count("42", "3", 42, 3, NULL);
	/* none passed: -ENOENT, saying why */
	expect_count(NULL, NULL, 42, -ENOENT, "LISTEN_PID is not set");
	expect_count("42", NULL, 42, -ENOENT, "LISTEN_FDS is not set");
	expect_count(NULL, "1", 42, -ENOENT, "LISTEN_PID is not set");
	expect_count("42", "0", 42, -ENOENT, "LISTEN_FDS=0");
	expect_count("41", "1", 42, -ENOENT, "for process 41, not this one (42)");
	/* malformed */
	expect_count("", "1", 42, -EINVAL, "LISTEN_PID=\"\"");
	expect_count("0", "1", 42, -EINVAL, "LISTEN_PID=\"0\"");
	expect_count("-42", "1", 42, -EINVAL, "LISTEN_PID");
	expect_count(" 42", "1", 42, -EINVAL, "LISTEN_PID");
	expect_count("42x", "1", 42, -EINVAL, "LISTEN_PID");
	expect_count("99999999999999999999999", "1", 42, -EINVAL, "LISTEN_PID");
	expect_count("42", "", 42, -EINVAL, "LISTEN_FDS=\"\"");
	expect_count("42", "+1", 42, -EINVAL, "LISTEN_FDS");
	expect_count("42", "1 ", 42, -EINVAL, "LISTEN_FDS");
	expect_count("42", "99999999999999999999999", 42, -EINVAL, "LISTEN_FDS");
	/* more than the server takes */
	expect_count("42", "17", 42, -E2BIG, "17 sockets; at most 16");
}
END_TEST

/*
 * listen_systemd() in a child that has fd_a and fd_b (or nothing) at fds 3
 * and 4 and LISTEN_* set for itself; the child's report ("" when it got
 * want sockets as asked) in report.
 */
static void systemd_child(int fd_a, int fd_b, const char *nfds, int want, char *report, size_t len)
{
	int out[2], st;
	ssize_t n;
	pid_t pid;

	ck_assert_int_eq(pipe2(out, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char pidstr[32], err[256] = "", line[512] = "";
		int fds[16], got;

		/* nothing of ours may sit at 3 or 4 while they are filled */
		int w = fcntl(out[1], F_DUPFD_CLOEXEC, 10);

		fd_a = fd_a >= 0 ? fcntl(fd_a, F_DUPFD, 10) : -1;
		fd_b = fd_b >= 0 ? fcntl(fd_b, F_DUPFD, 10) : -1;
		close(3);
		close(4);
		if (fd_a >= 0 && dup2(fd_a, 3) != 3)
			_exit(2);
		if (fd_b >= 0 && dup2(fd_b, 4) != 4)
			_exit(2);
		snprintf(pidstr, sizeof(pidstr), "%d", (int)getpid());
		setenv("LISTEN_PID", pidstr, 1);
		setenv("LISTEN_FDS", nfds, 1);
		setenv("LISTEN_FDNAMES", "a:b", 1);
		got = listen_systemd(fds, 16, err, sizeof(err));
		if (got != want)
			snprintf(line, sizeof(line), "returned %d, want %d: %s", got, want, err);
		else if (got < 0)
			snprintf(line, sizeof(line), "%s", err);	/* the reason, for the caller */
		else
			for (int i = 0; i < got && !line[0]; i++)
				if (fds[i] != 3 + i || !(fcntl(fds[i], F_GETFD) & FD_CLOEXEC))
					snprintf(line, sizeof(line), "fds[%d] is %d, close-on-exec %d", i,
						 fds[i], fcntl(fds[i], F_GETFD) & FD_CLOEXEC);
		if (!line[0] && (getenv("LISTEN_PID") || getenv("LISTEN_FDS") || getenv("LISTEN_FDNAMES")))
			snprintf(line, sizeof(line), "LISTEN_* are still set");
		if (write(w, line, strlen(line)) < 0)
			_exit(3);
		_exit(0);
	}
	close(out[1]);
	n = read(out[0], report, len - 1);
	report[n > 0 ? n : 0] = '\0';
	close(out[0]);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the child failed: 0x%x", st);
}

START_TEST(test_systemd_sockets)
{
	char err[256] = "", report[512];
	int a = -1, b = -1, sp[2], udp;

	ck_assert_int_eq(listen_open("127.0.0.1:0", &a, err, sizeof(err)), 0);
	ck_assert_int_eq(listen_open("127.0.0.1:0", &b, err, sizeof(err)), 0);

	systemd_child(a, b, "2", 2, report, sizeof(report));
	ck_assert_msg(!report[0], "two listening sockets: %s", report);
	systemd_child(a, -1, "1", 1, report, sizeof(report));
	ck_assert_msg(!report[0], "one listening socket: %s", report);

	/* not a listening TCP socket: -ENOTSOCK naming the fd */
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	systemd_child(a, sp[0], "2", -ENOTSOCK, report, sizeof(report));
	ck_assert_msg(strstr(report, "fd 4 from systemd is not a TCP socket"), "%s", report);
	udp = socket(AF_INET, SOCK_DGRAM, 0);
	ck_assert_int_ge(udp, 0);
	systemd_child(udp, -1, "1", -ENOTSOCK, report, sizeof(report));
	ck_assert_msg(strstr(report, "fd 3 from systemd is not a stream socket"), "%s", report);
	close(b);
	b = socket(AF_INET, SOCK_STREAM, 0);	/* not listening */
	ck_assert_int_ge(b, 0);
	systemd_child(b, -1, "1", -ENOTSOCK, report, sizeof(report));
	ck_assert_msg(strstr(report, "fd 3 from systemd is not listening"), "%s", report);
	systemd_child(a, -1, "2", -ENOTSOCK, report, sizeof(report));	/* fd 4 not open */
	ck_assert_msg(strstr(report, "fd 4 from systemd is not open"), "%s", report);
	systemd_child(-1, -1, "0", -ENOENT, report, sizeof(report));
	ck_assert_msg(strstr(report, "LISTEN_FDS=0"), "%s", report);
	close(a);
	close(b);
	close(udp);
	close(sp[0]);
	close(sp[1]);
}
END_TEST

/*
 * A burst of connections that the server does not accept yet all complete:
 * the accept queue is as long as the kernel allows (a queue of 128 held
 * 129 and dropped the other SYNs, which wait 1 s to be sent again).
 */
#define BURST 600

START_TEST(test_listen_backlog)
{
	int lfd = -1, fds[BURST], done = 0, want = BURST, somaxconn = 0;
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	char err[256] = "";
	FILE *f = fopen("/proc/sys/net/core/somaxconn", "re");

	if (f) {
		if (fscanf(f, "%d", &somaxconn) != 1)
			somaxconn = 0;
		fclose(f);
	}
	if (somaxconn > 0 && somaxconn < want)
		want = somaxconn;	/* the kernel's own cap */
	{
		struct rlimit rl;

		if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < 2 * BURST) {
			rl.rlim_cur = rl.rlim_max < 2 * BURST ? rl.rlim_max : 2 * BURST;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
	}
	ck_assert_msg(listen_open("127.0.0.1:0", &lfd, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(getsockname(lfd, (struct sockaddr *)&sin, &len), 0);
	for (int i = 0; i < BURST; i++) {
		fds[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		ck_assert_msg(fds[i] >= 0, "socket %d: %s", i, strerror(errno));
		ck_assert(connect(fds[i], (struct sockaddr *)&sin, sizeof(sin)) == 0 || errno == EINPROGRESS);
	}
	/*
	 * Wait for the handshakes until want are done, at most 800 ms: on
	 * loopback they take microseconds, and a SYN the queue dropped is sent
	 * again only after 1 s, so the connections past a short queue cannot
	 * complete in time.
	 */
	{
		static struct pollfd pfd[BURST];
		double end = tu_now_ms() + 800;
		int left;

		for (int i = 0; i < BURST; i++)
			pfd[i] = (struct pollfd){ .fd = fds[i], .events = POLLOUT };
		while (done < want && (left = (int)(end - tu_now_ms())) > 0 &&
		       poll(pfd, BURST, left) > 0) {
			for (int i = 0; i < BURST; i++) {
				int soerr = 1;
				socklen_t slen = sizeof(soerr);

				if (pfd[i].fd < 0 || !pfd[i].revents)
					continue;
				if (!getsockopt(fds[i], SOL_SOCKET, SO_ERROR, &soerr, &slen) && !soerr)
					done++;
				pfd[i].fd = -1;	/* looked at: completed, or failed */
			}
		}
	}
	for (int i = 0; i < BURST; i++)
		close(fds[i]);
	close(lfd);
	ck_assert_msg(done >= want, "%d of %d connections completed without an accept; want %d "
		      "(the accept queue is too short)", done, BURST, want);
}
END_TEST

Suite *listen_suite(void)
{
	Suite *s = suite_create("listen");
	TCase *tc;

	tc = tcase_create("syntax");
	tcase_add_test(tc, test_split_address);
	tcase_add_test(tc, test_split_address_bad);
	tcase_add_test(tc, test_split_address_host_too_long);
	suite_add_tcase(s, tc);

	tc = tcase_create("open");
	tcase_set_timeout(tc, 30);	/* a resolver that does not answer */
	tcase_add_test(tc, test_listen_loopback_v4);
	tcase_add_test(tc, test_listen_loopback_v6);
	tcase_add_test(tc, test_listen_wildcard);
	tcase_add_test(tc, test_listen_hostname);
	tcase_add_test(tc, test_listen_bad_syntax);
	tcase_add_test(tc, test_listen_unresolvable);
	tcase_add_test(tc, test_listen_not_available);
	tcase_add_test(tc, test_listen_in_use);
	tcase_add_test(tc, test_listen_v6only_fails);
	tcase_add_test(tc, test_listen_backlog);
	suite_add_tcase(s, tc);

	tc = tcase_create("systemd");
	tcase_add_test(tc, test_systemd_count);
	tcase_add_test(tc, test_systemd_sockets);
	suite_add_tcase(s, tc);

	return s;
}
