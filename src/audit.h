/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audit - BPF program LOAD/UNLOAD events from the kernel audit netlink
 * socket.
 *
 * The reader owns a NETLINK_AUDIT socket bound to the read-only multicast
 * group (AUDIT_NLGRP_READLOG; needs CAP_AUDIT_READ; does not disturb a
 * running auditd; sees only the host's network namespace).  Its thread
 * turns each message into a log line and feeds libauparse, which groups the
 * records of one event (BPF, SYSCALL, PROCTITLE, ..., EOE) by serial; the
 * event-ready callback builds struct ev_event and pushes it into the ring.
 * LOAD/UNLOAD are counted the moment the BPF record arrives; attribution
 * follows when the event completes (or ages out: an UNLOAD with no task
 * context is a lone record without EOE).
 *
 * The assembler (struct audit_asm) is the socket-free part, fed recorded
 * messages in tests.
 */
#ifndef BPFME_AUDIT_H
#define BPFME_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "events.h"

/* ---- assembler ---- */

struct audit_asm;

/* NULL on out of memory.  Events go to ring; log lines at info if log_events. */
struct audit_asm *audit_asm_new(struct ev_ring *ring, bool log_events);
/*
 * One netlink message: type (AUDIT_BPF, AUDIT_SYSCALL, ...) and its text
 * payload "audit(SEC.MS:SERIAL): ..." (len bytes, need not be
 * NUL-terminated).  Counts BPF ops at once; only records of events that
 * hold a BPF record are fed to libauparse.
 */
void audit_asm_record(struct audit_asm *a, int type, const char *payload, size_t len);
/* Complete events whose EOE never came (call when idle). */
void audit_asm_age(struct audit_asm *a);
/* Complete every pending event now (shutdown, tests). */
void audit_asm_flush(struct audit_asm *a);
void audit_asm_free(struct audit_asm *a);

/* The bpf() command name for its number ("BPF_PROG_LOAD"), or NULL. */
const char *audit_bpf_cmd_name(unsigned long cmd);

/* ---- reader ---- */

struct audit_config {
	struct ev_ring *ring;
	int buffer_bytes;	/* socket receive buffer */
	bool enable;		/* turn kernel audit on at start (CAP_AUDIT_CONTROL) */
};

struct audit_reader;

/*
 * Open the sockets (call before privileges are dropped: SO_RCVBUFFORCE
 * needs CAP_NET_ADMIN).  Never fatal: problems are logged once with the fix
 * and the reader stays unsubscribed.  NULL only on out of memory.
 */
struct audit_reader *audit_open_reader(const struct audit_config *cfg);
/* Start the thread (a no-op when not subscribed).  0 or -errno. */
int audit_start(struct audit_reader *r);
/* Wake and join the thread, close everything, free.  NULL is fine. */
void audit_stop(struct audit_reader *r);

struct audit_metrics {
	bool subscribed;		/* the multicast socket is bound */
	bool have_status;		/* the kernel answered AUDIT_GET */
	uint32_t enabled, lost, backlog;
	uint64_t socket_drops;		/* messages the socket dropped (SO_MEMINFO) */
};

/* Fill m; asks the kernel for its audit status.  Thread-safe. */
void audit_get_metrics(struct audit_reader *r, struct audit_metrics *m);

#endif
