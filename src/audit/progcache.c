// SPDX-License-Identifier: Apache-2.0
/* progcache - programs remembered from their LOAD, by id; see progcache.h. */
#include "audit/progcache.h"

#include <errno.h>
#include <stddef.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lib/monotime.h"

#define NIL UINT32_MAX

/* A loader's identity, shared by the entry and the copies readers take; immutable. */
struct loader {
	unsigned int refs;		/* __atomic */
	struct ev_proc proc;
};

struct entry {
	uint32_t id;
	uint32_t older, newer;		/* order of adding: a list of slot numbers */
	bool has_prog;
	uint64_t added_ns;		/* CLOCK_MONOTONIC when added */
	uint64_t missing_ns;		/* the writer's: the first snapshot that did not list it, or 0 */
	struct progcache_prog prog;
	struct loader *loader;		/* NULL: not known */
};

struct progcache {
	pthread_mutex_t lock;
	struct entry *slots;		/* capacity; freed ones on a free list via older */
	uint32_t *index;		/* index_size: slot number, or NIL */
	size_t capacity, max, index_size, count;	/* capacity grows up to max */
	unsigned int index_bits;	/* index_size is 1 << index_bits */
	size_t used;			/* slots ever taken: the rest are untouched (not resident) */
	uint32_t oldest, newest, free_list;
	struct progcache_seen *seen;	/* __atomic: the newest set published, not yet taken */
};

static struct loader *loader_get(struct loader *l)
{
	__atomic_add_fetch(&l->refs, 1, __ATOMIC_RELAXED);
	return l;
}

static void loader_put(struct loader *l)
{
	if (l && !__atomic_sub_fetch(&l->refs, 1, __ATOMIC_ACQ_REL)) {
		ev_proc_release(&l->proc);
		free(l);
	}
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
		loader_put(pc->slots[i].loader);
	progcache_seen_put(pc->seen);
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

/*
 * Take slot out of the index (backward-shift, no tombstones) and the age
 * list; caller holds the lock.  Returns the entry's loader for the caller
 * to put once the lock is released.
 */
static struct loader *unlink_slot(struct progcache *pc, uint32_t slot)
{
	struct loader *old;
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
	old = e->loader;
	e->loader = NULL;
	e->has_prog = false;
	e->older = pc->free_list;
	pc->free_list = slot;
	pc->count--;
	return old;
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
	struct loader *gone[2] = { NULL, NULL };
	struct entry *e;
	uint32_t slot;

	pthread_mutex_lock(&pc->lock);
	e = find(pc, id);
	if (e)
		gone[0] = unlink_slot(pc, (uint32_t)(e - pc->slots));	/* a new program under an old id */
	if (pc->free_list == NIL && pc->used == pc->capacity && pc->capacity < pc->max)
		grow(pc);	/* out of memory: the oldest leaves instead */
	if (pc->free_list == NIL && pc->used < pc->capacity) {
		slot = (uint32_t)pc->used++;
	} else {
		if (pc->free_list == NIL)
			gone[1] = unlink_slot(pc, pc->oldest);
		slot = pc->free_list;
		pc->free_list = pc->slots[slot].older;
	}
	e = &pc->slots[slot];
	e->id = id;
	e->has_prog = prog != NULL;
	if (prog)
		e->prog = *prog;
	e->loader = NULL;
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
	loader_put(gone[0]);
	loader_put(gone[1]);
}

void progcache_set_loader(struct progcache *pc, uint32_t id, const struct ev_event *load)
{
	struct entry *e = find(pc, id);	/* the writer reads without the lock */
	struct loader *l, *old;

	if (!e)
		return;
	/* built outside the lock: readers wait for a pointer store only */
	l = calloc(1, sizeof(*l));
	if (!l || ev_proc_copy(&l->proc, &load->proc)) {
		free(l);
		return;	/* out of memory: the loader stays unknown */
	}
	if (!(load->has & EV_HAS_CGROUP) || !l->proc.cgroup) {
		free(l->proc.cgroup);
		l->proc.cgroup = NULL;
		l->proc.container_id[0] = l->proc.pod_uid[0] = '\0';
	}
	l->refs = 1;
	pthread_mutex_lock(&pc->lock);
	old = e->loader;
	e->loader = l;
	pthread_mutex_unlock(&pc->lock);
	loader_put(old);
}

bool progcache_fill_prog(struct progcache *pc, uint32_t id, struct ev_event *ev)
{
	struct entry *e = find(pc, id);	/* the writer reads without the lock */

	if (!e || !e->has_prog)
		return false;
	memcpy(ev->prog_name, e->prog.name, sizeof(ev->prog_name));
	memcpy(ev->prog_type, e->prog.type, sizeof(ev->prog_type));
	memcpy(ev->prog_tag, e->prog.tag, sizeof(ev->prog_tag));
	ev->has |= EV_HAS_PROG;
	return true;
}

bool progcache_fill_loader(struct progcache *pc, uint32_t id, struct ev_event *ev)
{
	struct entry *e = find(pc, id);	/* the writer reads without the lock */

	if (!e || !e->loader)
		return false;
	if (ev_proc_copy(&ev->proc, &e->loader->proc)) {
		ev->has &= ~(unsigned int)(EV_HAS_PROCESS | EV_HAS_CGROUP);
		return false;
	}
	ev->has |= EV_HAS_PROCESS;
	if (ev->proc.cgroup)
		ev->has |= EV_HAS_CGROUP;
	else
		ev->has &= ~(unsigned int)EV_HAS_CGROUP;
	return true;
}

void progcache_remove(struct progcache *pc, uint32_t id)
{
	struct entry *e = find(pc, id);
	struct loader *old;

	if (!e)
		return;
	pthread_mutex_lock(&pc->lock);
	old = unlink_slot(pc, (uint32_t)(e - pc->slots));
	pthread_mutex_unlock(&pc->lock);
	loader_put(old);
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

struct progcache_seen *progcache_seen_new(size_t n)
{
	struct progcache_seen *s = malloc(sizeof(*s) + (n ? n : 1) * sizeof(s->ids[0]));

	if (!s)
		return NULL;
	s->refs = 1;
	s->before_ns = 0;
	s->n = n;
	return s;
}

void progcache_seen_put(struct progcache_seen *s)
{
	if (s && !__atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL))
		free(s);
}

void progcache_seen_publish(struct progcache *pc, struct progcache_seen *s)
{
	__atomic_add_fetch(&s->refs, 1, __ATOMIC_RELAXED);
	/* release: the writer that takes it sees the ids filled */
	progcache_seen_put(__atomic_exchange_n(&pc->seen, s, __ATOMIC_ACQ_REL));
}

/* Unlink the batch's slots under one lock hold, then put their loaders. */
static void forget_batch(struct progcache *pc, const uint32_t *slots, size_t n)
{
	struct loader *gone[PROGCACHE_FORGET_CHUNK];

	pthread_mutex_lock(&pc->lock);
	for (size_t i = 0; i < n; i++)
		gone[i] = unlink_slot(pc, slots[i]);
	pthread_mutex_unlock(&pc->lock);
	for (size_t i = 0; i < n; i++)
		loader_put(gone[i]);
}

size_t progcache_retain(struct progcache *pc, const uint32_t *ids, size_t n, uint64_t before_ns)
{
	uint32_t batch[PROGCACHE_FORGET_CHUNK];
	size_t gone = 0, nb = 0;
	uint32_t s, next;

	/*
	 * The walk reads without the lock: only this thread changes the
	 * cache.  An entry to forget is batched; unlinking a batch touches
	 * the links of entries older than the one the walk is at, never its
	 * newer, which is read first.
	 */
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
		batch[nb++] = s;
		gone++;
		if (nb == PROGCACHE_FORGET_CHUNK) {
			forget_batch(pc, batch, nb);
			nb = 0;
		}
	}
	forget_batch(pc, batch, nb);
	return gone;
}

size_t progcache_forget(struct progcache *pc)
{
	struct progcache_seen *s;
	size_t gone;

	if (!pc)
		return 0;
	s = __atomic_exchange_n(&pc->seen, NULL, __ATOMIC_ACQ_REL);
	if (!s)
		return 0;
	gone = progcache_retain(pc, s->ids, s->n, s->before_ns);
	progcache_seen_put(s);
	return gone;
}

static int loader_cmp(const void *a, const void *b)
{
	const struct progcache_loader *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static struct loader *loader_of(const struct ev_proc *p)
{
	return (struct loader *)((char *)p - offsetof(struct loader, proc));
}

void progcache_loaders_free(struct progcache_loader *l, size_t n)
{
	for (size_t i = 0; l && i < n; i++)
		loader_put(loader_of(l[i].proc));
	free(l);
}

int progcache_loaders(struct progcache *pc, struct progcache_loader **out, size_t *nr)
{
	struct progcache_loader *l = NULL, *grown;
	size_t n = 0, cap = 0, slot = 0, used;

	*out = NULL;
	*nr = 0;
	/*
	 * By slot number, a chunk per lock hold: slots keep their numbers
	 * (grow() moves the array, not the numbers), so the walk resumes
	 * where it was whatever the writer did meanwhile.  Room is made
	 * outside the lock.
	 */
	for (;;) {
		if (cap - n < PROGCACHE_COPY_CHUNK) {
			size_t want = cap ? cap * 2 : PROGCACHE_COPY_CHUNK;

			grown = realloc(l, want * sizeof(*l));
			if (!grown) {
				progcache_loaders_free(l, n);
				return -ENOMEM;
			}
			l = grown;
			cap = want;
		}
		pthread_mutex_lock(&pc->lock);
		used = pc->used;
		for (size_t end = slot + PROGCACHE_COPY_CHUNK; slot < used && slot < end; slot++) {
			const struct entry *e = &pc->slots[slot];

			if (!e->loader)
				continue;	/* free, or no loader known */
			l[n].id = e->id;
			l[n].proc = &loader_get(e->loader)->proc;
			n++;
		}
		pthread_mutex_unlock(&pc->lock);
		if (slot >= used)
			break;
	}
	if (n > 1) {
		size_t k = 0;

		qsort(l, n, sizeof(*l), loader_cmp);
		/* an id forgotten and added again meanwhile, at a later slot: keep one */
		for (size_t i = 0; i < n; i++) {
			if (k && l[k - 1].id == l[i].id) {
				loader_put(loader_of(l[k - 1].proc));
				l[k - 1] = l[i];
				continue;
			}
			l[k++] = l[i];
		}
		n = k;
	}
	if (!n) {
		free(l);
		l = NULL;
	}
	*out = l;
	*nr = n;
	return 0;
}
