/* SPDX-License-Identifier: Apache-2.0 */
/*
 * progcache - what the exporter remembers of each BPF program from its LOAD:
 * its name, type and tag, read while the program still existed, and the
 * process that loaded it.  An UNLOAD event comes when the program is gone,
 * so this is where its details, and the loader an UNLOAD caused by the
 * exporter itself is attributed to, come from.
 *
 * A hash table by program id that grows with the programs loaded (from
 * PROGCACHE_INITIAL entries, doubling) up to its maximum; when that is
 * reached the entry added longest ago leaves.  Entries leave when their
 * UNLOAD is delivered, and, should that record be lost, when snapshots
 * taken after they were added have not listed the program for a while
 * (progcache_forget).  Safe against id reuse: adding an id replaces what
 * was remembered under it (the kernel hands out an id again only after the
 * program that had it is gone).  Makes no kernel calls.
 *
 * Threads: one writer (the audit thread) calls every function that changes
 * the cache (add, set_loader, remove, retain, forget) and the fill_
 * functions; any thread may call progcache_loaders, progcache_count and
 * progcache_seen_publish.  A mutex guards what the writer changes against
 * the readers: the writer reads without it (it is the only one to change
 * anything) and holds it only for each change itself, O(1); a reader holds
 * it for at most PROGCACHE_COPY_CHUNK slots at a time, each copied as an
 * id and a reference (no allocation), so the writer waits at most that
 * long.  What the scrape learns of the programs that exist reaches the
 * writer through progcache_seen_publish, a read-only handoff: the scrape
 * never changes the cache.
 */
#ifndef BPFME_PROGCACHE_H
#define BPFME_PROGCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "audit/ev.h"

#define PROGCACHE_INITIAL 256		/* room at first */
#define PROGCACHE_DEFAULT 262144	/* programs remembered at most */
#define PROGCACHE_MAX (1u << 24)	/* the largest maximum progcache_new() takes */

/* A program's details as events show them (the same values /metrics shows). */
struct progcache_prog {
	char name[17];
	char type[32];
	char tag[17];
};

struct progcache;

/* NULL on out of memory or a max outside 1..PROGCACHE_MAX. */
struct progcache *progcache_new(size_t max);
void progcache_free(struct progcache *pc);

/*
 * Program id was loaded: remember prog (NULL: no details, it was gone
 * already), forgetting whatever id meant before.  When full, the oldest
 * entry leaves.
 */
void progcache_add(struct progcache *pc, uint32_t id, const struct progcache_prog *prog);
/*
 * Remember the process of load (a LOAD event of id with EV_HAS_PROCESS,
 * and its cgroup when EV_HAS_CGROUP) as id's loader.  Nothing happens when id is not remembered.
 */
void progcache_set_loader(struct progcache *pc, uint32_t id, const struct ev_event *load);
/* Fill e's prog_name, prog_type, prog_tag (and EV_HAS_PROG) from id's entry; false if none. */
bool progcache_fill_prog(struct progcache *pc, uint32_t id, struct ev_event *e);
/*
 * Make e's process fields (pid, ppid, uid, auid, gid, euid, comm, exe,
 * cmdline; EV_HAS_PROCESS; cgroup, container_id, pod_uid, EV_HAS_CGROUP)
 * those of id's loader, replacing and freeing what
 * e had; false (e unchanged) when the loader is not known.
 */
bool progcache_fill_loader(struct progcache *pc, uint32_t id, struct ev_event *e);
/* Forget id (its UNLOAD was delivered). */
void progcache_remove(struct progcache *pc, uint32_t id);
/* Programs remembered now. */
size_t progcache_count(struct progcache *pc);

/*
 * The programs a snapshot listed: ids[n], ascending, and when the snapshot
 * started, before_ns (CLOCK_MONOTONIC, see monotime_ns).  Immutable once
 * published; reference counted, so the scrape that made it and the writer
 * that reads it each drop their own reference.
 */
struct progcache_seen {
	unsigned int refs;		/* __atomic */
	uint64_t before_ns;
	size_t n;
	uint32_t ids[];
};

/* A set of room for n ids (n and refs 1 set, ids and before_ns for the caller); NULL on ENOMEM. */
struct progcache_seen *progcache_seen_new(size_t n);
/* Drop a reference; the last one frees it.  NULL is fine. */
void progcache_seen_put(struct progcache_seen *s);
/*
 * Hand s (filled, not to be changed again) to the writer: it replaces the
 * set published before, if the writer has not taken that one yet.  Takes
 * its own reference; the caller keeps its one.  Any thread; never blocks
 * (one atomic exchange).
 */
void progcache_seen_publish(struct progcache *pc, struct progcache_seen *s);

/*
 * The writer: apply the snapshot set s (see progcache_retain).  Each
 * program added before it that it does not list is gone: it is forgotten
 * once snapshots have missed it for PROGCACHE_GONE_NS, time enough for its
 * UNLOAD event, which reads the entry, to be delivered (libauparse
 * completes an event within 2 s); only a program whose UNLOAD record was
 * lost gets that far.  Returns how many were forgotten.  The pass reads
 * without the lock, and takes it once per PROGCACHE_FORGET_CHUNK entries
 * forgotten.
 */
#define PROGCACHE_GONE_NS (10 * 1000000000ull)
#define PROGCACHE_FORGET_CHUNK 64
size_t progcache_retain(struct progcache *pc, const uint32_t *ids, size_t n, uint64_t before_ns);
/*
 * The writer, on its own schedule: take the newest published set, if any,
 * and apply it (progcache_retain).  Returns how many were forgotten.
 */
size_t progcache_forget(struct progcache *pc);

/*
 * The loader of a program, as bpf_program_loader_info shows it: a shared
 * reference to the loader's identity (proc->cgroup NULL: the loader was
 * gone when its LOAD was read).  Immutable; valid until
 * progcache_loaders_free.
 */
struct progcache_loader {
	uint32_t id;
	const struct ev_proc *proc;
};

/*
 * A copy of every remembered program's loader, sorted by id, in *out (nr
 * of them; free with progcache_loaders_free).  Copied a chunk of
 * PROGCACHE_COPY_CHUNK slots per lock hold, so what changes meanwhile may
 * or may not be in it.  0 or -ENOMEM (*out NULL).
 */
#define PROGCACHE_COPY_CHUNK 1024
int progcache_loaders(struct progcache *pc, struct progcache_loader **out, size_t *nr);
void progcache_loaders_free(struct progcache_loader *l, size_t n);

#endif
