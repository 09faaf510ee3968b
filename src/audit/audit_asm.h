/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audit_asm - the assembler: audit records in, BPF program events out.
 *
 * It is fed one netlink message at a time (type and text payload).  Records
 * of events that contain a BPF record go to libauparse, which groups the
 * records of one event (BPF, SYSCALL, PROCTITLE, ..., EOE) by serial; its
 * event-ready callback builds struct ev_event, fills the program's details
 * and pushes the event into the ring.  LOAD/UNLOAD are counted the moment
 * the BPF record arrives; attribution follows when the event completes (or
 * ages out: an UNLOAD with no task context is a lone record without EOE).
 *
 * It makes no kernel calls: a program's details are fetched through the
 * fetch callback when its LOAD record arrives (while it still exists) and
 * kept in the progcache; the process's cgroup comes through the cgroup_of
 * callback when the event is complete.  An UNLOAD whose record carries the exporter's own
 * pid (its lookup held the last reference) is attributed to the program's
 * loader and marked released_by_exporter.
 *
 * Not thread-safe: one thread feeds it (the audit reader's).
 */
#ifndef BPFME_AUDIT_ASM_H
#define BPFME_AUDIT_ASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "audit/ev.h"
#include "audit/progcache.h"

/* Event lines logged a second at most with --log.events; the rest are counted. */
#define AUDIT_ASM_LOG_EVENTS_PER_S 10

struct audit_asm_config {
	struct ev_ring *ring;		/* events go here */
	struct progcache *progs;	/* programs remembered from LOAD */
	/*
	 * An info line per event (--log.events), at most log_events_per_window
	 * in each log_window_ms (0: AUDIT_ASM_LOG_EVENTS_PER_S in 1000 ms);
	 * beyond, one line a window says how many were not logged.
	 */
	bool log_events;
	unsigned int log_events_per_window;
	unsigned int log_window_ms;
	int64_t self_pid;		/* the exporter's pid, as audit records show it; -1 unknown */
	/*
	 * Outside the host's PID namespace getpid() is not what records show:
	 * the exporter sends a USER record holding this token, and the
	 * assembler learns self_pid from it.  NULL: self_pid is known.
	 */
	const char *self_token;
	/*
	 * Read program id's details into out: 0, or -errno (-ENOENT: gone
	 * already).  Called when its LOAD record arrives.  NULL: no details.
	 */
	int (*fetch)(void *ctx, uint32_t id, struct progcache_prog *out);
	void *fetch_ctx;
	/*
	 * The cgroup path of process pid (as audit records show it) into out
	 * (outlen bytes): 0, or -errno (-ENOENT: gone).  Called when an event
	 * with a process is assembled.  NULL: events carry no cgroup (the
	 * exporter is outside the host's PID namespace, where the records'
	 * pids name other processes or none).
	 */
	int (*cgroup_of)(void *ctx, int64_t pid, char *out, size_t outlen);
	void *cgroup_ctx;
};

struct audit_asm;

/* NULL on out of memory.  cfg is copied; ring and progs must outlive it. */
struct audit_asm *audit_asm_new(const struct audit_asm_config *cfg);
/*
 * One netlink message: type (AUDIT_BPF, AUDIT_SYSCALL, ...) and its text
 * payload "audit(SEC.MS:SERIAL): ..." (len bytes, need not be
 * NUL-terminated).  Counts BPF ops at once; only records of events that
 * hold a BPF record are fed to libauparse.
 */
void audit_asm_record(struct audit_asm *a, int type, const char *payload, size_t len);
/*
 * Complete events whose EOE never came, and say how many event lines the
 * rate limit held back in a window that has ended (call when idle, at
 * least once a second).
 */
void audit_asm_age(struct audit_asm *a);
/* Complete every pending event now (shutdown, tests). */
void audit_asm_flush(struct audit_asm *a);
void audit_asm_free(struct audit_asm *a);

#endif
