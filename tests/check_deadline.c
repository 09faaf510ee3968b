// SPDX-License-Identifier: Apache-2.0
/*
 * check_deadline - connection deadlines on real loopback TCP sockets: a
 * connection past its deadline is shut down though its peer is active, one
 * without a deadline is left alone, one with bytes queued for a peer that
 * does not read is reset and the kernel frees them at once (where a plain
 * close would keep them), and a removed fd is never touched again, even
 * when its number is reused.  Needs no root.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "http/deadline.h"
#include "loadgen.h"
#include "suites.h"
#include "testutil.h"

#define TICK_MS 20

static int lfd = -1, lport;

/* A listening socket on 127.0.0.1 (its port in lport). */
static void listen_up(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sin);

	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert(lfd >= 0);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(lfd, 16), 0);
	ck_assert_int_eq(getsockname(lfd, (struct sockaddr *)&sin, &len), 0);
	lport = ntohs(sin.sin_port);
}

/* A connected pair: *client (rcvbuf > 0: that small) and the accepted *server, non-blocking. */
static void pair(int *client, int *server, int rcvbuf)
{
	*client = lg_connect(NULL, lport, rcvbuf, 2000);
	ck_assert_msg(*client >= 0, "connect: %s", strerror(-*client));
	*server = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	ck_assert(*server >= 0);
}

/* ms until the peer of client closed (EOF or reset; *reset tells which), at most timeout_ms; -1 if not. */
static double closed_after(int client, int timeout_ms, bool *reset)
{
	double t0 = tu_now_ms();

	while (tu_now_ms() - t0 < timeout_ms) {
		struct pollfd pfd = { .fd = client, .events = POLLIN };
		char c[65536];

		if (poll(&pfd, 1, 5) == 1) {
			ssize_t n = recv(client, c, sizeof(c), MSG_DONTWAIT);

			if (n == 0 || (n < 0 && errno != EAGAIN)) {
				if (reset)
					*reset = n < 0 && errno == ECONNRESET;
				return tu_now_ms() - t0;
			}
		}
	}
	return -1;
}

/* Fill server's send queue towards a client that does not read. */
static void fill(int server)
{
	static char junk[65536];

	while (send(server, junk, sizeof(junk), MSG_NOSIGNAL | MSG_DONTWAIT) > 0)
		;
}

static void teardown(void)
{
	if (lfd >= 0)
		close(lfd);
	lfd = -1;
}

/* Past its read deadline a connection is shut down, though its peer keeps sending. */
START_TEST(test_read_deadline)
{
	struct deadlines *d;
	struct deadline_conn *c;
	int client, server;
	double ms = -1;
	bool reset = true;

	listen_up();
	ck_assert_int_eq(deadline_start(&d, TICK_MS), 0);
	pair(&client, &server, 0);
	c = deadline_add(d, server);
	ck_assert_ptr_nonnull(c);
	deadline_set(d, c, DEADLINE_READ, deadline_now_ms() + 150);
	for (int i = 0; i < 50 && ms < 0; i++) {	/* a byte every 10 ms: activity does not help */
		send(client, "x", 1, MSG_NOSIGNAL);
		ms = closed_after(client, 10, &reset);
	}
	ck_assert_msg(ms >= 0, "still open 500 ms after a 150 ms deadline");
	ck_assert_msg(!reset, "a connection with nothing to send was reset; want a plain close");
	ck_assert_uint_eq(deadline_dropped(d, DEADLINE_READ), 1);
	ck_assert_uint_eq(deadline_dropped(d, DEADLINE_WRITE), 0);
	deadline_remove(d, c);
	close(server);
	close(client);
	deadline_stop(d);
}
END_TEST

/* DEADLINE_NONE is left alone; a deadline set again later applies. */
START_TEST(test_no_deadline)
{
	struct deadlines *d;
	struct deadline_conn *c;
	int client, server;

	listen_up();
	ck_assert_int_eq(deadline_start(&d, TICK_MS), 0);
	pair(&client, &server, 0);
	c = deadline_add(d, server);
	deadline_set(d, c, DEADLINE_READ, deadline_now_ms() + 50);
	deadline_set(d, c, DEADLINE_NONE, 0);
	ck_assert_msg(closed_after(client, 300, NULL) < 0, "closed without a deadline");
	deadline_set(d, c, DEADLINE_WRITE, deadline_now_ms());
	ck_assert_msg(closed_after(client, 500, NULL) >= 0, "a deadline due now was not enforced");
	ck_assert_uint_eq(deadline_dropped(d, DEADLINE_WRITE), 1);
	deadline_remove(d, c);
	close(server);
	close(client);
	deadline_stop(d);
}
END_TEST

/*
 * Bytes queued for a peer that does not read: a plain close leaves them to
 * the kernel (an orphan still holding them); a drop at the deadline resets
 * the connection and, once closed, nothing is left.
 */
static bool queue_empty(void *arg)
{
	(void)arg;
	return lg_send_queue_bytes(lport, NULL) == 0;
}

START_TEST(test_write_deadline_frees)
{
	struct deadlines *d;
	struct deadline_conn *c;
	int client, server, client2, server2;
	size_t sockets;
	long queued;

	listen_up();
	ck_assert_int_eq(deadline_start(&d, TICK_MS), 0);

	/* the control: a plain close of a socket with bytes queued */
	pair(&client2, &server2, 4096);
	fill(server2);
	close(server2);
	/* the kernel keeps it for a peer that does not read: nothing frees it later either */
	queued = lg_send_queue_bytes(lport, &sockets);
	ck_assert_msg(queued > 0, "a plain close freed the queue at once: the test below shows nothing");
	close(client2);	/* its reset frees the orphan's queue */
	ck_assert_msg(tu_wait_until(queue_empty, NULL, 2000), "the control's queue is still held");

	pair(&client, &server, 4096);
	fill(server);
	c = deadline_add(d, server);
	deadline_set(d, c, DEADLINE_WRITE, deadline_now_ms() + 100);
	/* the owner (libmicrohttpd) sees the hangup */
	{
		struct pollfd pfd = { .fd = server, .events = POLLIN };
		struct linger lg = { 0 };
		socklen_t len = sizeof(lg);
		double t0 = tu_now_ms();

		while (tu_now_ms() - t0 < 1000 && !(poll(&pfd, 1, 5) == 1 && (pfd.revents & POLLHUP)))
			;
		ck_assert_msg(pfd.revents & POLLHUP, "no hangup 1 s after a 100 ms write deadline");
		ck_assert_int_eq(getsockopt(server, SOL_SOCKET, SO_LINGER, &lg, &len), 0);
		ck_assert_msg(lg.l_onoff && !lg.l_linger, "bytes were queued: want the close made abortive");
	}
	ck_assert_uint_eq(deadline_dropped(d, DEADLINE_WRITE), 1);
	deadline_remove(d, c);
	close(server);	/* as libmicrohttpd does when it sees the hangup */
	ck_assert_msg(tu_wait_until(queue_empty, NULL, 1000), "%ld bytes still queued 1 s after the "
		      "drop and the close", lg_send_queue_bytes(lport, &sockets));
	close(client);
	deadline_stop(d);
}
END_TEST

/* A removed fd is never touched again, even when its number comes back. */
START_TEST(test_removed_fd_untouched)
{
	struct deadlines *d;
	struct deadline_conn *c;
	int client, server, client2, server2;

	listen_up();
	ck_assert_int_eq(deadline_start(&d, TICK_MS), 0);
	pair(&client, &server, 0);
	c = deadline_add(d, server);
	deadline_set(d, c, DEADLINE_READ, deadline_now_ms() + 60);
	deadline_remove(d, c);
	close(server);
	pair(&client2, &server2, 0);	/* most likely the same number */
	ck_assert_msg(closed_after(client2, 300, NULL) < 0, "a connection never registered was dropped");
	/* and connections left registered are freed by stop */
	c = deadline_add(d, server2);
	deadline_set(d, c, DEADLINE_READ, deadline_now_ms() + 1e6);
	deadline_stop(d);
	close(server2);
	close(client2);
	close(client);
}
END_TEST

Suite *deadline_suite(void)
{
	Suite *s = suite_create("deadline");
	TCase *tc = tcase_create("deadline");

	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_read_deadline);
	tcase_add_test(tc, test_no_deadline);
	tcase_add_test(tc, test_write_deadline_frees);
	tcase_add_test(tc, test_removed_fd_untouched);
	suite_add_tcase(s, tc);
	return s;
}
