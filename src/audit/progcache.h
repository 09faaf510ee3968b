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
 * (progcache_retain).  Safe against id reuse: adding an id replaces what
 * was remembered under it (the kernel hands out an id again only after the
 * program that had it is gone).  Makes no kernel calls.  Thread-safe: one
 * mutex; the audit thread writes, any thread may read.
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
 * A snapshot started at before_ns (CLOCK_MONOTONIC, see monotime_ns) lists
 * the programs ids (n of them, sorted ascending).  Each program added
 * before it that it does not list is gone: it is forgotten once snapshots
 * have missed it for PROGCACHE_GONE_NS, time enough for its UNLOAD event,
 * which reads the entry, to be delivered (libauparse completes an event
 * within 2 s); only a program whose UNLOAD record was lost gets that far.
 * Returns how many were forgotten.
 */
#define PROGCACHE_GONE_NS (10 * 1000000000ull)
size_t progcache_retain(struct progcache *pc, const uint32_t *ids, size_t n, uint64_t before_ns);

/* The loader of a program, as bpf_program_loader_info shows it. */
struct progcache_loader {
	uint32_t id;
	int64_t pid;
	uint32_t uid;
	char *comm;			/* NULL when the LOAD had none */
	bool has_cgroup;		/* false: the loader was gone when its LOAD was read */
	char *cgroup;
	char container_id[CGROUPID_ID_LEN + 1];
	char pod_uid[CGROUPID_UID_LEN + 1];
};

/*
 * A copy of every remembered program's loader, sorted by id, in *out (nr
 * of them; free with progcache_loaders_free).  0 or -ENOMEM (*out NULL).
 */
int progcache_loaders(struct progcache *pc, struct progcache_loader **out, size_t *nr);
void progcache_loaders_free(struct progcache_loader *l, size_t n);

#endif
