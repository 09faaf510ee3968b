/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ev - the audit side's shared state: a fixed-capacity ring of recent
 * BPF program LOAD/UNLOAD events with a strictly increasing seq, and the
 * counters exported at /metrics.
 *
 * Written by the audit thread, read by other threads.  A writer-preferring
 * rwlock guards the ring and the counts by command name (ev_push takes it
 * to write, readers to read, side by side); the other counters are
 * atomics.  Readers copy events out under the lock, a bounded chunk at a
 * time (ev_copy: at most SCAN_CHUNK slots looked at, at most max events
 * copied), and render them after releasing it; between chunks a reader
 * lets go of the lock, and a waiting ev_push gets it before any reader
 * gets it again.  So ev_push waits at most for the chunks the readers
 * hold at that moment, a large answer never holds up the audit thread,
 * and nothing a reader holds points into the ring.
 */
#ifndef BPFME_EVENTS_H
#define BPFME_EVENTS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "proc/cgroupid.h"

enum ev_op { EV_LOAD, EV_UNLOAD, EV_NR_OPS };

/* Which optional fields an event has (absent ones render as JSON null). */
enum {
	EV_HAS_SYSCALL = 1 << 0,	/* syscall, syscall_name */
	EV_HAS_SYSCALL_OP = 1 << 1,
	EV_HAS_PROG = 1 << 2,		/* prog_name, prog_type, prog_tag */
	EV_HAS_PROCESS = 1 << 3,	/* pid, ppid, uid, auid, gid, euid */
	EV_HAS_CGROUP = 1 << 4,		/* cgroup, container_id, pod_uid */
};

/*
 * A process's identity as its audit records and /proc gave it: the one type
 * for it on the audit side (an event's process, a program's loader).  The
 * strings are malloc'd and owned by the struct; ev_proc_copy and
 * ev_proc_release are the only ways they are duplicated and freed.
 */
struct ev_proc {
	int64_t pid, ppid;
	uint32_t uid, auid, gid, euid;
	char *comm, *exe, *cmdline;	/* NULL when absent */
	/*
	 * The process's cgroup and the container and pod its name gives (""
	 * for none), read when the event was assembled; cgroup NULL when the
	 * process was gone by then (or no way to know).
	 */
	char *cgroup;
	char container_id[CGROUPID_ID_LEN + 1];
	char pod_uid[CGROUPID_UID_LEN + 1];
};

/*
 * Make *dst a deep copy of *src (what dst held is released first).  0, or
 * -ENOMEM with *dst released (all zero).
 */
int ev_proc_copy(struct ev_proc *dst, const struct ev_proc *src);
/* Free p's strings and zero it. */
void ev_proc_release(struct ev_proc *p);

struct ev_event {
	uint64_t seq;			/* set by ev_push() */
	int64_t time_ms;		/* unix ms, from the audit timestamp */
	uint64_t audit_serial;
	uint32_t prog_id;
	enum ev_op op;
	unsigned int has;
	int syscall;
	char syscall_name[32];		/* "" when the name is unknown */
	char syscall_op[32];		/* the bpf() command, e.g. BPF_PROG_LOAD */
	/*
	 * pid .. euid valid with EV_HAS_PROCESS; cgroup, container_id and
	 * pod_uid with EV_HAS_CGROUP (then cgroup is not NULL).
	 */
	struct ev_proc proc;
	char prog_name[17];
	char prog_type[32];
	char prog_tag[17];
	/*
	 * The exporter's own lookup held the program's last reference, so
	 * the kernel recorded the UNLOAD against the exporter: the process
	 * fields are then the loader's (from its LOAD, when that was seen),
	 * and the syscall ones absent.
	 */
	bool released_by_exporter;
};

/* Frees the strings of e (not e itself) and clears them. */
void ev_event_release(struct ev_event *e);
const char *ev_op_name(enum ev_op op);
/* "LOAD" / "UNLOAD" (case-insensitive) to an op; 0 or -EINVAL. */
int ev_parse_op(const char *s, enum ev_op *op);

/*
 * Events by the command name (comm) of the process that caused them, as the
 * label values bpf_audit_events_by_comm shows.  ev_push() counts every
 * event: under its comm made a label value by ev_comm_label(); under
 * EV_COMM_NONE when it has no comm (no process: a lone UNLOAD at exit);
 * under EV_COMM_OTHER when EV_COMM_NAMES names have their rows already,
 * which bounds the family's cardinality.  A process that calls itself
 * "(none)" or "(other)" is counted in that row too.  Rows are never removed.
 */
#define EV_COMM_NAMES 256
#define EV_COMM_ROWS (EV_COMM_NAMES + 2)	/* and (none) and (other) */
#define EV_COMM_LEN 64		/* a label value of up to 63 bytes, and its NUL */
#define EV_COMM_INDEX 512	/* hash slots, a power of two, EV_COMM_NAMES * 2 */
#define EV_COMM_NONE "(none)"
#define EV_COMM_OTHER "(other)"

struct ev_comm_count {
	char comm[EV_COMM_LEN];		/* valid UTF-8 without control characters */
	uint64_t n[EV_NR_OPS];
};

struct ev_ring {
	pthread_rwlock_t lock;		/* writer-preferring: ev_push writes, readers read */
	struct ev_event *slots;
	size_t capacity;
	uint64_t next_seq;		/* seq of the next event; starts at 1 */
	/* under lock: the comm rows in order of arrival, a hash index, the two others */
	struct ev_comm_count *comms;	/* EV_COMM_NAMES */
	size_t nr_comms;
	uint16_t *comm_index;		/* EV_COMM_INDEX slots: row + 1, or 0 */
	struct ev_comm_count comm_none, comm_other;
	/* counters: __atomic builtins */
	uint64_t ops[EV_NR_OPS];	/* counted when the BPF record arrives */
	uint64_t parse_errors;
	int notify_fd;			/* an eventfd ev_push() adds 1 to; -1: none */
	unsigned int listeners;		/* __atomic: ev_push() writes notify_fd only while > 0 */
};

/* 0 or -ENOMEM.  capacity >= 1. */
int ev_ring_init(struct ev_ring *r, size_t capacity);
void ev_ring_release(struct ev_ring *r);

/*
 * Move *e into the ring (its strings now belong to the ring) and count it
 * by comm; returns its seq.
 */
uint64_t ev_push(struct ev_ring *r, struct ev_event *e);
/*
 * After each ev_push(), add 1 to the eventfd fd (-1: stop), without ever
 * waiting: so followers are woken and never hold up the writer.  Set it
 * before the writer starts.
 */
void ev_set_notify(struct ev_ring *r, int fd);
/*
 * One more (delta 1) or one fewer (-1) reader waiting for pushes: while
 * there is none, ev_push() makes no write(2) at all.  A reader added after
 * a push copies that event anyway (it starts from its cursor).
 */
void ev_listeners_add(struct ev_ring *r, int delta);
void ev_count_op(struct ev_ring *r, enum ev_op op);
void ev_count_parse_error(struct ev_ring *r);
uint64_t ev_ops(struct ev_ring *r, enum ev_op op);
uint64_t ev_parse_errors(struct ev_ring *r);

/*
 * The label value for comm in out: comm with each byte that is not part of
 * valid UTF-8, and each control character (U+0000-U+001F, U+007F), replaced
 * by U+FFFD, cut at a character boundary to fit EV_COMM_LEN; EV_COMM_NONE
 * for NULL.  Distinct values stay distinct after the writer's escaping, so
 * no two rows render alike, and every parser reads them (a raw CR, which
 * OpenMetrics allows, breaks line-based readers).
 */
void ev_comm_label(const char *comm, char out[EV_COMM_LEN]);
/*
 * Copy the rows with a count into out (room for EV_COMM_ROWS): the named
 * ones sorted by comm (byte order), then (none), then (other).  Returns how
 * many.  Copies under the ring's lock and sorts after releasing it.
 */
size_t ev_comm_counts(struct ev_ring *r, struct ev_comm_count *out);

/* Longest comm a query may filter by: the kernel's are 15 bytes. */
#define EV_QUERY_COMM_MAX 63

struct ev_query {
	uint64_t since;			/* only seq > since */
	size_t limit;			/* newest limit events; 0 = all */
	bool has_op;
	enum ev_op op;
	bool has_pid;			/* only events of process pid */
	int64_t pid;
	bool has_prog_id;		/* only events about program prog_id */
	uint32_t prog_id;
	bool has_comm;			/* only events whose comm is comm, byte for byte */
	char comm[EV_QUERY_COMM_MAX + 1];
	bool has_container_id;		/* only events whose container_id starts with this */
	char container_id[65];		/* 1 to 64 hex digits: a short id (docker ps) or whole */
	bool desc;			/* newest first (ev_json_render; ev_copy is always oldest first) */
};

/* Whether e matches every filter of q (not since or limit).  Pure. */
bool ev_query_matches(const struct ev_query *q, const struct ev_event *e);

/*
 * Where a reader of q starts: the seq before the first event to copy, to
 * pass to ev_copy() as *cursor.  q->since, or for a limit, the seq before
 * the newest q->limit matching events.  Scans the ring under its lock a
 * bounded stretch at a time.
 */
uint64_t ev_start(struct ev_ring *r, const struct ev_query *q);
/*
 * Copy at most max events matching q with seq > *cursor, oldest first,
 * into out, and move *cursor past the last one copied (or past what was
 * scanned).  Each copied event owns its strings: release each with
 * ev_event_release().  Returns how many were copied; 0 when none are left.
 * Holds the lock for one bounded copy.
 */
size_t ev_copy(struct ev_ring *r, const struct ev_query *q, uint64_t *cursor,
	       struct ev_event *out, size_t max);
/*
 * ev_copy() for a reader that must know what it lost (a follower): *missed
 * gets how many events, matching q or not, left the ring after *cursor
 * before they could be copied.
 */
size_t ev_copy_missed(struct ev_ring *r, const struct ev_query *q, uint64_t *cursor,
		      struct ev_event *out, size_t max, uint64_t *missed);
/* The seq of the newest event, 0 before the first. */
uint64_t ev_last_seq(struct ev_ring *r);

#endif
