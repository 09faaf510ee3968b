// SPDX-License-Identifier: Apache-2.0
/* progcache - programs remembered from their LOAD, by id; see progcache.h. */
#include "progcache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define NIL UINT32_MAX

struct loader {
	int64_t pid, ppid;
	uint32_t uid, auid, gid, euid;
	char *comm, *exe, *cmdline;
};

struct entry {
	uint32_t id;
	uint32_t older, newer;		/* order of adding: a list of slot numbers */
	bool has_prog, has_loader;
	struct progcache_prog prog;
	struct loader loader;
};

struct progcache {
	pthread_mutex_t lock;
	struct entry *slots;		/* capacity; freed ones on a free list via older */
	uint32_t *index;		/* index_size: slot number, or NIL */
	size_t capacity, index_size, count;
	unsigned int index_bits;	/* index_size is 1 << index_bits */
	size_t used;			/* slots ever taken: the rest are untouched (not resident) */
	uint32_t oldest, newest, free_list;
};

static void loader_release(struct loader *l)
{
	free(l->comm);
	free(l->exe);
	free(l->cmdline);
	memset(l, 0, sizeof(*l));
}

static size_t hash(const struct progcache *pc, uint32_t id)
{
	/* Knuth's multiplicative hash: the high bits of the product are the well mixed ones */
	return (size_t)((uint32_t)(id * 2654435761u) >> (32 - pc->index_bits));
}

struct progcache *progcache_new(size_t capacity)
{
	struct progcache *pc = calloc(1, sizeof(*pc));

	if (!pc || !capacity || capacity >= (1u << 30))
		goto fail;
	pc->capacity = capacity;
	pc->index_size = 2;
	pc->index_bits = 1;
	while (pc->index_size < 2 * capacity) {	/* at most half full: short probes */
		pc->index_size *= 2;
		pc->index_bits++;
	}
	pc->slots = calloc(capacity, sizeof(*pc->slots));
	pc->index = malloc(pc->index_size * sizeof(*pc->index));
	if (!pc->slots || !pc->index)
		goto fail;
	for (size_t i = 0; i < pc->index_size; i++)
		pc->index[i] = NIL;
	pc->free_list = pc->oldest = pc->newest = NIL;
	pthread_mutex_init(&pc->lock, NULL);
	return pc;
fail:
	if (pc) {
		free(pc->slots);
		free(pc->index);
		free(pc);
	}
	return NULL;
}

void progcache_free(struct progcache *pc)
{
	if (!pc)
		return;
	for (size_t i = 0; i < pc->used; i++)
		loader_release(&pc->slots[i].loader);
	free(pc->slots);
	free(pc->index);
	pthread_mutex_destroy(&pc->lock);
	free(pc);
}

/* The index position holding id, or the empty one where it would go. */
static size_t probe(const struct progcache *pc, uint32_t id)
{
	size_t i = hash(pc, id);

	while (pc->index[i] != NIL && pc->slots[pc->index[i]].id != id)
		i = (i + 1) & (pc->index_size - 1);
	return i;
}

static struct entry *find(struct progcache *pc, uint32_t id)
{
	size_t i = probe(pc, id);

	return pc->index[i] == NIL ? NULL : &pc->slots[pc->index[i]];
}

/* Take slot out of the index (backward-shift, no tombstones) and the age list. */
static void unlink_slot(struct progcache *pc, uint32_t slot)
{
	struct entry *e = &pc->slots[slot];
	size_t i = probe(pc, e->id), j = i;

	pc->index[i] = NIL;
	for (;;) {
		size_t home;

		j = (j + 1) & (pc->index_size - 1);
		if (pc->index[j] == NIL)
			break;
		home = hash(pc, pc->slots[pc->index[j]].id);
		/* move j back to the hole unless its home lies cyclically in (i, j] */
		if ((i <= j) ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		pc->index[i] = pc->index[j];
		pc->index[j] = NIL;
		i = j;
	}
	if (e->older != NIL)
		pc->slots[e->older].newer = e->newer;
	else
		pc->oldest = e->newer;
	if (e->newer != NIL)
		pc->slots[e->newer].older = e->older;
	else
		pc->newest = e->older;
	loader_release(&e->loader);
	e->has_prog = e->has_loader = false;
	e->older = pc->free_list;
	pc->free_list = slot;
	pc->count--;
}

void progcache_add(struct progcache *pc, uint32_t id, const struct progcache_prog *prog)
{
	struct entry *e;
	uint32_t slot;

	pthread_mutex_lock(&pc->lock);
	e = find(pc, id);
	if (e)
		unlink_slot(pc, (uint32_t)(e - pc->slots));	/* a new program under an old id */
	if (pc->free_list == NIL && pc->used < pc->capacity) {
		slot = (uint32_t)pc->used++;
	} else {
		if (pc->free_list == NIL)
			unlink_slot(pc, pc->oldest);
		slot = pc->free_list;
		pc->free_list = pc->slots[slot].older;
	}
	e = &pc->slots[slot];
	e->id = id;
	e->has_prog = prog != NULL;
	if (prog)
		e->prog = *prog;
	e->has_loader = false;
	e->older = pc->newest;
	e->newer = NIL;
	if (pc->newest != NIL)
		pc->slots[pc->newest].newer = slot;
	else
		pc->oldest = slot;
	pc->newest = slot;
	pc->index[probe(pc, id)] = slot;
	pc->count++;
	pthread_mutex_unlock(&pc->lock);
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

void progcache_set_loader(struct progcache *pc, uint32_t id, const struct ev_event *load)
{
	struct entry *e;

	pthread_mutex_lock(&pc->lock);
	e = find(pc, id);
	if (e) {
		struct loader *l = &e->loader;

		loader_release(l);
		l->pid = load->pid;
		l->ppid = load->ppid;
		l->uid = load->uid;
		l->auid = load->auid;
		l->gid = load->gid;
		l->euid = load->euid;
		l->comm = dup_or_null(load->comm);
		l->exe = dup_or_null(load->exe);
		l->cmdline = dup_or_null(load->cmdline);
		e->has_loader = true;
	}
	pthread_mutex_unlock(&pc->lock);
}

bool progcache_fill_prog(struct progcache *pc, uint32_t id, struct ev_event *ev)
{
	struct entry *e;
	bool found;

	pthread_mutex_lock(&pc->lock);
	e = find(pc, id);
	found = e && e->has_prog;
	if (found) {
		memcpy(ev->prog_name, e->prog.name, sizeof(ev->prog_name));
		memcpy(ev->prog_type, e->prog.type, sizeof(ev->prog_type));
		memcpy(ev->prog_tag, e->prog.tag, sizeof(ev->prog_tag));
		ev->has |= EV_HAS_PROG;
	}
	pthread_mutex_unlock(&pc->lock);
	return found;
}

bool progcache_fill_loader(struct progcache *pc, uint32_t id, struct ev_event *ev)
{
	struct entry *e;
	bool found;

	pthread_mutex_lock(&pc->lock);
	e = find(pc, id);
	found = e && e->has_loader;
	if (found) {
		const struct loader *l = &e->loader;

		free(ev->comm);
		free(ev->exe);
		free(ev->cmdline);
		ev->pid = l->pid;
		ev->ppid = l->ppid;
		ev->uid = l->uid;
		ev->auid = l->auid;
		ev->gid = l->gid;
		ev->euid = l->euid;
		ev->comm = dup_or_null(l->comm);
		ev->exe = dup_or_null(l->exe);
		ev->cmdline = dup_or_null(l->cmdline);
		ev->has |= EV_HAS_PROCESS;
	}
	pthread_mutex_unlock(&pc->lock);
	return found;
}

void progcache_remove(struct progcache *pc, uint32_t id)
{
	struct entry *e;

	pthread_mutex_lock(&pc->lock);
	e = find(pc, id);
	if (e)
		unlink_slot(pc, (uint32_t)(e - pc->slots));
	pthread_mutex_unlock(&pc->lock);
}

size_t progcache_count(struct progcache *pc)
{
	size_t n;

	pthread_mutex_lock(&pc->lock);
	n = pc->count;
	pthread_mutex_unlock(&pc->lock);
	return n;
}
