// SPDX-License-Identifier: Apache-2.0
/* progcache - programs remembered from their LOAD, by id; see progcache.h. */
#include "audit/progcache.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lib/monotime.h"

#define NIL UINT32_MAX

struct loader {
	int64_t pid, ppid;
	uint32_t uid, auid, gid, euid;
	char *comm, *exe, *cmdline;
	bool has_cgroup;
	char *cgroup;
	char container_id[CGROUPID_ID_LEN + 1];
	char pod_uid[CGROUPID_UID_LEN + 1];
};

struct entry {
	uint32_t id;
	uint32_t older, newer;		/* order of adding: a list of slot numbers */
	bool has_prog, has_loader;
	uint64_t added_ns;		/* CLOCK_MONOTONIC when added */
	uint64_t missing_ns;		/* the first snapshot that did not list it, or 0 */
	struct progcache_prog prog;
	struct loader loader;
};

struct progcache {
	pthread_mutex_t lock;
	struct entry *slots;		/* capacity; freed ones on a free list via older */
	uint32_t *index;		/* index_size: slot number, or NIL */
	size_t capacity, max, index_size, count;	/* capacity grows up to max */
	unsigned int index_bits;	/* index_size is 1 << index_bits */
	size_t used;			/* slots ever taken: the rest are untouched (not resident) */
	uint32_t oldest, newest, free_list;
};

static void loader_release(struct loader *l)
{
	free(l->comm);
	free(l->exe);
	free(l->cmdline);
	free(l->cgroup);
	memset(l, 0, sizeof(*l));
}

static size_t hash(const struct progcache *pc, uint32_t id)
{
	/* Knuth's multiplicative hash: the high bits of the product are the well mixed ones */
	return (size_t)((uint32_t)(id * 2654435761u) >> (32 - pc->index_bits));
}

/* An index of at least twice capacity slots (at most half full: short probes), all NIL. */
static int index_alloc(size_t capacity, uint32_t **index, size_t *size, unsigned int *bits)
{
	size_t n = 2;
	unsigned int b = 1;

	while (n < 2 * capacity) {
		n *= 2;
		b++;
	}
	*index = malloc(n * sizeof(**index));
	if (!*index)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		(*index)[i] = NIL;
	*size = n;
	*bits = b;
	return 0;
}

struct progcache *progcache_new(size_t max)
{
	struct progcache *pc = calloc(1, sizeof(*pc));

	if (!pc || !max || max > PROGCACHE_MAX)
		goto fail;
	pc->max = max;
	pc->capacity = max < PROGCACHE_INITIAL ? max : PROGCACHE_INITIAL;
	pc->slots = calloc(pc->capacity, sizeof(*pc->slots));
	if (!pc->slots || index_alloc(pc->capacity, &pc->index, &pc->index_size, &pc->index_bits))
		goto fail;
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

/*
 * Double the room (up to max): the slots keep their numbers, the index is
 * built again at twice the size.  -ENOMEM leaves everything as it was.
 */
static int grow(struct progcache *pc)
{
	size_t cap = pc->capacity * 2 > pc->max ? pc->max : pc->capacity * 2;
	struct entry *slots;
	uint32_t *index;
	size_t size;
	unsigned int bits;

	if (index_alloc(cap, &index, &size, &bits))
		return -ENOMEM;
	slots = realloc(pc->slots, cap * sizeof(*slots));
	if (!slots) {
		free(index);
		return -ENOMEM;
	}
	memset(slots + pc->capacity, 0, (cap - pc->capacity) * sizeof(*slots));
	pc->slots = slots;
	pc->capacity = cap;
	free(pc->index);
	pc->index = index;
	pc->index_size = size;
	pc->index_bits = bits;
	for (uint32_t s = pc->oldest; s != NIL; s = pc->slots[s].newer)
		pc->index[probe(pc, pc->slots[s].id)] = s;
	return 0;
}

void progcache_add(struct progcache *pc, uint32_t id, const struct progcache_prog *prog)
{
	struct entry *e;
	uint32_t slot;

	pthread_mutex_lock(&pc->lock);
	e = find(pc, id);
	if (e)
		unlink_slot(pc, (uint32_t)(e - pc->slots));	/* a new program under an old id */
	if (pc->free_list == NIL && pc->used == pc->capacity && pc->capacity < pc->max)
		grow(pc);	/* out of memory: the oldest leaves instead */
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
	e->added_ns = monotime_ns();
	e->missing_ns = 0;
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
		l->has_cgroup = (load->has & EV_HAS_CGROUP) && load->cgroup;
		if (l->has_cgroup) {
			l->cgroup = strdup(load->cgroup);
			l->has_cgroup = l->cgroup != NULL;
			memcpy(l->container_id, load->container_id, sizeof(l->container_id));
			memcpy(l->pod_uid, load->pod_uid, sizeof(l->pod_uid));
		}
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
		free(ev->cgroup);
		ev->cgroup = l->has_cgroup ? strdup(l->cgroup) : NULL;
		if (ev->cgroup) {
			memcpy(ev->container_id, l->container_id, sizeof(ev->container_id));
			memcpy(ev->pod_uid, l->pod_uid, sizeof(ev->pod_uid));
			ev->has |= EV_HAS_CGROUP;
		} else {
			ev->has &= ~(unsigned int)EV_HAS_CGROUP;
		}
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

static int id_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

size_t progcache_retain(struct progcache *pc, const uint32_t *ids, size_t n, uint64_t before_ns)
{
	size_t gone = 0;
	uint32_t s, next;

	pthread_mutex_lock(&pc->lock);
	for (s = pc->oldest; s != NIL; s = next) {
		struct entry *e = &pc->slots[s];

		next = e->newer;
		if (e->added_ns >= before_ns)
			break;	/* the age list is in order of adding */
		if (n && bsearch(&e->id, ids, n, sizeof(*ids), id_cmp)) {
			e->missing_ns = 0;
			continue;
		}
		if (!e->missing_ns) {
			e->missing_ns = before_ns;	/* its UNLOAD may still be on its way */
			continue;
		}
		if (before_ns - e->missing_ns < PROGCACHE_GONE_NS)
			continue;
		unlink_slot(pc, s);
		gone++;
	}
	pthread_mutex_unlock(&pc->lock);
	return gone;
}

static int loader_cmp(const void *a, const void *b)
{
	return id_cmp(&((const struct progcache_loader *)a)->id, &((const struct progcache_loader *)b)->id);
}

void progcache_loaders_free(struct progcache_loader *l, size_t n)
{
	for (size_t i = 0; l && i < n; i++) {
		free(l[i].comm);
		free(l[i].cgroup);
	}
	free(l);
}

int progcache_loaders(struct progcache *pc, struct progcache_loader **out, size_t *nr)
{
	struct progcache_loader *l = NULL;
	size_t n = 0;
	bool oom = false;

	*out = NULL;
	*nr = 0;
	pthread_mutex_lock(&pc->lock);
	if (pc->count)
		l = calloc(pc->count, sizeof(*l));
	oom = pc->count && !l;
	for (uint32_t s = pc->oldest; l && s != NIL; s = pc->slots[s].newer) {
		const struct entry *e = &pc->slots[s];
		struct progcache_loader *o;

		if (!e->has_loader)
			continue;
		o = &l[n++];
		o->id = e->id;
		o->pid = e->loader.pid;
		o->uid = e->loader.uid;
		o->comm = dup_or_null(e->loader.comm);
		o->has_cgroup = e->loader.has_cgroup;
		o->cgroup = e->loader.has_cgroup ? strdup(e->loader.cgroup) : NULL;
		memcpy(o->container_id, e->loader.container_id, sizeof(o->container_id));
		memcpy(o->pod_uid, e->loader.pod_uid, sizeof(o->pod_uid));
		oom |= (e->loader.comm && !o->comm) || (o->has_cgroup && !o->cgroup);
	}
	pthread_mutex_unlock(&pc->lock);
	if (oom) {
		progcache_loaders_free(l, n);
		return -ENOMEM;
	}
	if (n > 1)
		qsort(l, n, sizeof(*l), loader_cmp);	/* outside the lock */
	*out = l;
	*nr = n;
	return 0;
}
