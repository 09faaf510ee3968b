/* SPDX-License-Identifier: Apache-2.0 */
/*
 * progcache - what the exporter remembers of each BPF program from its LOAD:
 * its name, type and tag, read while the program still existed, and the
 * process that loaded it.  An UNLOAD event comes when the program is gone,
 * so this is where its details, and the loader an UNLOAD caused by the
 * exporter itself is attributed to, come from.
 *
 * A hash table by program id, bounded: when it is full the entry added
 * longest ago leaves.  Safe against id reuse: adding an id replaces what
 * was remembered under it (the kernel hands out an id again only after the
 * program that had it is gone).  Makes no kernel calls.  Thread-safe: one
 * mutex; the audit thread writes, any thread may read.
 */
#ifndef BPFME_PROGCACHE_H
#define BPFME_PROGCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "events.h"

#define PROGCACHE_DEFAULT 4096	/* programs remembered */

/* A program's details as events show them (the same values /metrics shows). */
struct progcache_prog {
	char name[17];
	char type[32];
	char tag[17];
};

struct progcache;

/* NULL on out of memory; capacity >= 1. */
struct progcache *progcache_new(size_t capacity);
void progcache_free(struct progcache *pc);

/*
 * Program id was loaded: remember prog (NULL: no details, it was gone
 * already), forgetting whatever id meant before.  When full, the oldest
 * entry leaves.
 */
void progcache_add(struct progcache *pc, uint32_t id, const struct progcache_prog *prog);
/*
 * Remember the process of load (a LOAD event of id with EV_HAS_PROCESS) as
 * id's loader.  Nothing happens when id is not remembered.
 */
void progcache_set_loader(struct progcache *pc, uint32_t id, const struct ev_event *load);
/* Fill e's prog_name, prog_type, prog_tag (and EV_HAS_PROG) from id's entry; false if none. */
bool progcache_fill_prog(struct progcache *pc, uint32_t id, struct ev_event *e);
/*
 * Make e's process fields (pid, ppid, uid, auid, gid, euid, comm, exe,
 * cmdline; EV_HAS_PROCESS) those of id's loader, replacing and freeing what
 * e had; false (e unchanged) when the loader is not known.
 */
bool progcache_fill_loader(struct progcache *pc, uint32_t id, struct ev_event *e);
/* Forget id (its UNLOAD was delivered). */
void progcache_remove(struct progcache *pc, uint32_t id);
/* Programs remembered now. */
size_t progcache_count(struct progcache *pc);

#endif
