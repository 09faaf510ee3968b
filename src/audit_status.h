/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audit_status - the kernel's audit state (AUDIT_GET) and turning it on
 * (AUDIT_SET), over a netlink socket of its own.
 *
 * Requests carry a sequence number and only the reply with the latest one
 * is taken, so a late answer to an old request is never read as the
 * current one.  The audit reader's thread drives it: it sends a request on
 * its own schedule and reads replies when the socket is readable, so
 * nothing waits for the kernel on a scrape's path; scrapes read the last
 * answer.  A change of the kernel's state (audit turned off or on, status
 * refused or answered again) is logged once.
 */
#ifndef BPFME_AUDIT_STATUS_H
#define BPFME_AUDIT_STATUS_H

#include <stdbool.h>
#include <stdint.h>

/* What the kernel last said. */
struct audit_kstatus {
	bool known;			/* a current answer to AUDIT_GET */
	uint32_t enabled;		/* 0 off, 1 on, 2 on and locked */
	uint32_t lost;			/* records the kernel lost */
	uint32_t backlog;		/* records waiting in its queue */
};

struct audit_status_sock;

/* NULL on out of memory; a socket that cannot be opened is logged and reported unknown. */
struct audit_status_sock *audit_status_open(void);
void audit_status_close(struct audit_status_sock *st);
/* The socket to poll for replies, or -1. */
int audit_status_fd(const struct audit_status_sock *st);

/*
 * Ask the kernel for its state with a new sequence number; replies come
 * to audit_status_receive().  A request left unanswered for 3 rounds makes
 * the state unknown.  0 or -errno.
 */
int audit_status_request(struct audit_status_sock *st);
/* Read every reply waiting, without blocking; take the one to the latest request. */
void audit_status_receive(struct audit_status_sock *st);
/* Request and wait up to timeout_ms for the answer (start-up).  0 or -errno. */
int audit_status_query(struct audit_status_sock *st, int timeout_ms);
/*
 * Turn the kernel's audit on (what --audit.enable does), unless it is on
 * already.  Logs the outcome, naming the fix when refused.
 */
void audit_status_enable(struct audit_status_sock *st, int timeout_ms);
/* The last answer.  Thread-safe. */
void audit_status_get(struct audit_status_sock *st, struct audit_kstatus *out);

/* Why the kernel refuses audit status requests with err (-errno), as advice. */
const char *audit_status_refused(int err);

#endif
