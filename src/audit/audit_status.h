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
#include <stddef.h>
#include <stdint.h>

#include <linux/audit.h>

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

/*
 * Walk the netlink messages in buf[0..len) for the answer to the request
 * numbered seq: an AUDIT_GET reply (want AUDIT_GET: copied into *ks, short
 * ones zero-filled) or an NLMSG_ERROR (its error in *err; an ack, error 0,
 * counts only when want is NLMSG_ERROR).  Messages of other sequence
 * numbers are late answers to earlier requests and are skipped; a
 * truncated message ends the walk.  Returns 1 when the answer was taken,
 * else 0.  Pure.
 */
int audit_status_parse(const void *buf, size_t len, uint32_t seq, uint16_t want, int *err,
		       struct audit_status *ks);

/* Why the kernel refuses audit status requests with err (-errno), as advice. */
const char *audit_status_refused(int err);
/* Whether the exporter runs in the host's (the initial) PID namespace. */
bool audit_status_in_host_pidns(void);
/*
 * Send text as an AUDIT_USER message: the kernel logs it as a USER record
 * with the sender's pid as the host sees it (needs CAP_AUDIT_WRITE, and
 * works from any PID namespace).  0 or -errno.
 */
int audit_status_send_user(struct audit_status_sock *st, const char *text);

#endif
