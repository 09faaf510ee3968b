// SPDX-License-Identifier: Apache-2.0
/*
 * coll_entries - the entries collector: bpf_map_entries, the number of
 * elements of every hash-kind map, as the kernel counts them (the kfunc
 * bpf_map_sum_elem_count, Linux 6.6, called for every map by the
 * bpfme_entries iterator of bpf/iters.c: one read per scrape, no key walk).
 *
 * The kernel keeps the count for the maps of htab.c: hash, percpu_hash,
 * lru_hash, lru_percpu_hash and hash_of_maps.  Every other map reads 0
 * there, counted or not, so only those types get a series; arrays are full
 * by construction.  Without the iterator (an older kernel: one log line at
 * start) the family is absent.
 *
 * The read runs after the snapshot, as the scrape renders (begin): at 0.5
 * ms for 2000 maps it gains nothing beside the snapshot, where a thread of
 * its own cost a loaded machine more (make bench).  Only maps in the
 * snapshot are written, labelled as bpf_map_max_entries is (id, name,
 * type, type_name), so that the fill ratio is one division.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/bpf.h>

#include "bpf/bpfnames.h"
#include "bpf/iters.h"
#include "lib/log.h"
#include "metrics/coll.h"

struct entries {
	struct iters_entries *recs;
	size_t nr, alloc;
};

static struct log_ratelimit failed_rl = LOG_RATELIMIT_INIT(3600);

static int entries_cmp(const void *a, const void *b)
{
	const struct iters_entries *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static void drop(struct entries *e);

/* One read of the iterator into sc->priv; nothing (NULL) without it. 0 or -errno. */
static int begin(struct coll_scrape *sc)
{
	struct collector *c = sc->c;
	struct entries *e;
	int err;

	sc->priv = NULL;
	if (!sc->snap || !c->iters || !iters_ready(c->iters, ITERS_ENTRIES)) {
		sc->failed = sc->snap != NULL;	/* no iterator: said once at start */
		return 0;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	err = iters_read(c->iters, ITERS_ENTRIES, sizeof(*e->recs), (void **)&e->recs, &e->nr,
			 &e->alloc);
	if (err) {
		if (log_ratelimit_ok(&failed_rl))
			log_warnx("entries: cannot read the bpfme_entries iterator: %s; "
				  "bpf_map_entries is left out (further such messages suppressed "
				  "for an hour)", strerror(-err));
		drop(e);
		sc->failed = true;
		return 0;	/* the family is left out of this scrape */
	}
	/* the kernel walks maps by id already; sorted, the join below holds anyway */
	for (size_t i = 1; i < e->nr; i++) {
		if (e->recs[i - 1].id > e->recs[i].id) {
			qsort(e->recs, e->nr, sizeof(*e->recs), entries_cmp);
			break;
		}
	}
	sc->priv = e;
	return 0;
}

static void drop(struct entries *e)
{
	if (!e)
		return;
	free(e->recs);
	free(e);
}

static void end(struct coll_scrape *sc)
{
	drop(sc->priv);
	sc->priv = NULL;
}

/* Whether the kernel counts the elements of maps of type. */
static bool counted(uint32_t type)
{
	switch (type) {
	case BPF_MAP_TYPE_HASH:
	case BPF_MAP_TYPE_PERCPU_HASH:
	case BPF_MAP_TYPE_LRU_HASH:
	case BPF_MAP_TYPE_LRU_PERCPU_HASH:
	case BPF_MAP_TYPE_HASH_OF_MAPS:
		return true;
	default:
		return false;
	}
}

static bool present(const struct coll_scrape *sc)
{
	return sc->priv != NULL && sc->snap != NULL;
}

/*
 * The snapshot's maps and the records are both sorted by id: one pass over
 * each.  The labels are written here, for the counted maps only, as
 * coll_labels_objects() writes them for every map in the core collector.
 */
static void emit(struct coll_scrape *sc, const struct coll_family *f, struct om_writer *w)
{
	const struct entries *e = sc->priv;
	const struct snap *s = sc->snap;
	char tbuf[BPFNAMES_LEN];
	size_t j = 0;

	(void)f;
	for (size_t i = 0; i < s->nr_maps; i++) {
		const struct snap_map *m = &s->maps[i];

		if (!counted(m->type))
			continue;
		while (j < e->nr && e->recs[j].id < m->id)
			j++;
		if (j == e->nr)
			break;
		if (e->recs[j].id != m->id)
			continue;	/* created after the iterator's pass */
		om_sample_start(w);
		om_label_u64(w, "id", m->id);
		om_label(w, "name", m->name);
		om_label_u64(w, "type", m->type);
		om_label(w, "type_name", bpfnames_map_type(m->type, tbuf));
		om_sample_u64(w, e->recs[j].count > 0 ? (uint64_t)e->recs[j].count : 0);
	}
}

static const struct coll_family families[] = {
	{ "bpf_map_entries", OM_GAUGE, NULL,
	  "Number of elements in the BPF map, as the kernel counts them (hash-kind maps only: "
	  "hash, percpu_hash, lru_hash, lru_percpu_hash, hash_of_maps; Linux 6.6 or later).",
	  emit, NULL, present },
};

const struct coll_ops coll_entries_ops = {
	.needs_snapshot = true,
	.begin = begin,
	.end = end,
	.families = families,
	.nr_families = sizeof(families) / sizeof(families[0]),
};
