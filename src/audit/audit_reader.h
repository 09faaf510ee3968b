/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audit_reader - the audit side's socket and thread.
 *
 * It owns a NETLINK_AUDIT socket bound to the read-only multicast group
 * (AUDIT_NLGRP_READLOG; needs CAP_AUDIT_READ; does not disturb a running
 * auditd; sees only the host's network namespace) and one thread, which
 * reads records in batches and feeds them to the assembler, ages lone
 * records, and asks the kernel's audit status on its own schedule
 * (audit_status).  When the socket fails, the thread says so, shows it in
 * the state (listening false) and subscribes again, with a growing delay.
 */
#ifndef BPFME_AUDIT_READER_H
#define BPFME_AUDIT_READER_H

#include <stdbool.h>
#include <stdint.h>

#include "audit/audit_status.h"
#include "audit/ev.h"
#include "audit/progcache.h"

struct audit_reader_config {
	struct ev_ring *ring;		/* events and counters */
	struct progcache *progs;	/* programs remembered from LOAD */
	int buffer_bytes;		/* socket receive buffer */
	bool enable;			/* turn kernel audit on at start (CAP_AUDIT_CONTROL) */
	bool log_events;		/* an info line per event, rate-limited (--log.events) */
};

struct audit_reader;

/*
 * Open the sockets (call before privileges are dropped: SO_RCVBUFFORCE
 * needs CAP_NET_ADMIN) and ask the kernel's audit status once.  With
 * CAP_NET_ADMIN it also keeps a few unbound spare sockets with the buffer
 * asked, so that subscribing again after a socket failure, when the
 * capability is gone, keeps that buffer.  Never fatal: problems are logged
 * once with the fix.  NULL, errno set, only when it cannot be made: ENOMEM,
 * or EMFILE/ENFILE for its eventfd.
 */
struct audit_reader *audit_reader_open(const struct audit_reader_config *cfg);
/* Start the thread.  0 or -errno. */
int audit_reader_start(struct audit_reader *r);
/* Wake and join the thread, close everything, free.  NULL is fine. */
void audit_reader_stop(struct audit_reader *r);

struct audit_reader_state {
	bool listening;			/* subscribed, and the thread reading */
	uint64_t socket_drops;		/* messages the socket dropped, every socket so far */
	uint64_t resubscribed;		/* times the socket failed and was opened again */
	uint64_t resubscribe_failures;	/* attempts to subscribe again that failed */
	int receive_buffer_bytes;	/* the socket's SO_RCVBUF (twice the bytes granted); 0: none */
	uint64_t resubscribe_failed;	/* attempts to subscribe again that failed */
	struct audit_kstatus kernel;	/* the kernel's audit status, as last answered */
};

/* The reader's state now.  Thread-safe; makes no request to the kernel. */
void audit_reader_state(struct audit_reader *r, struct audit_reader_state *st);

/* The multicast socket's fd, or -1 (tests break it to see the reader recover). */
int audit_reader_fd(struct audit_reader *r);

#endif
