/* SPDX-License-Identifier: Apache-2.0 */
/*
 * deadline - the deadline each client connection must meet, and the
 * thread (bpfme-deadline) that drops the connections past theirs.
 *
 * A deadline is absolute, not an idle timeout: a client that sends one byte
 * a second, or reads one, does not push it back.  The HTTP server sets
 * DEADLINE_READ while it waits for a request (it must arrive whole by
 * then), DEADLINE_WRITE once an answer is queued (it must be read whole by
 * then), and DEADLINE_NONE while the exporter itself is working on the
 * answer.
 *
 * A connection past its deadline is shut down in both directions; its
 * owner (libmicrohttpd) sees the hangup at once and closes it.  If the
 * socket still holds bytes to send, SO_LINGER 0 first makes that close
 * abortive: a reset, and the kernel frees them at once instead of keeping
 * them for a peer that does not read.  The thread looks every tick_ms, so a drop comes at most that
 * late.
 *
 * Thread-safety: every function may be called from any thread.  The owner
 * of an fd calls deadline_remove() before closing it: the thread touches an
 * fd only under the lock, and only while it is registered, so it never
 * touches a closed (or reused) fd number.
 */
#ifndef BPFME_DEADLINE_H
#define BPFME_DEADLINE_H

#include <stdint.h>

enum deadline_kind { DEADLINE_NONE, DEADLINE_READ, DEADLINE_WRITE, DEADLINE_NR_KINDS };

struct deadlines;
struct deadline_conn;

/* Start the thread; 0 or -errno. */
int deadline_start(struct deadlines **out, unsigned int tick_ms);
/* Stop the thread and free everything (connections still registered too).  NULL is fine. */
void deadline_stop(struct deadlines *d);

/* Register fd, with no deadline yet; NULL when out of memory (then fd has none). */
struct deadline_conn *deadline_add(struct deadlines *d, int fd);
/*
 * Set c's deadline: kind, due at_ms (monotonic ms, deadline_now_ms()); NONE
 * clears it.  c may be NULL (nothing happens).
 */
void deadline_set(struct deadlines *d, struct deadline_conn *c, enum deadline_kind kind, double at_ms);
/* Forget c (before its fd is closed).  NULL is fine. */
void deadline_remove(struct deadlines *d, struct deadline_conn *c);
/* Connections dropped so far for missing a deadline of this kind. */
uint64_t deadline_dropped(struct deadlines *d, enum deadline_kind kind);

/* CLOCK_MONOTONIC in ms. */
double deadline_now_ms(void);
/*
 * Make the coming close of fd abortive (SO_LINGER 0): a reset, and what the
 * kernel still holds to send is freed at once.  For connections that end
 * in error, when the peer will not read what is left anyway.
 */
void deadline_abortive_close(int fd);

#endif
