// SPDX-License-Identifier: Apache-2.0
/*
 * coll_loaders - the loaders collector: for every program of the snapshot
 * whose LOAD event the exporter saw, the process that loaded it, as the
 * program cache remembers it (progcache.h).  It is also where the cache
 * learns of programs whose UNLOAD record was lost: a program remembered
 * from before the snapshot started that the snapshot does not list is gone
 * (progcache_retain).
 */
#include <stdio.h>
#include <stdlib.h>

#include "metrics/coll.h"

struct loaders_scrape {
	struct progcache_loader *l;
	size_t n;
	uint32_t *ids;		/* the snapshot's program ids, ascending */
};

static int id_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The snapshot's program ids in ascending order (the walk's order). */
static uint32_t *sorted_ids(const struct snap *s)
{
	uint32_t *ids = malloc((s->nr_progs ? s->nr_progs : 1) * sizeof(*ids));
	bool sorted = true;

	if (!ids)
		return NULL;
	for (size_t i = 0; i < s->nr_progs; i++) {
		ids[i] = s->progs[i].id;
		sorted &= !i || ids[i - 1] < ids[i];
	}
	if (!sorted)
		qsort(ids, s->nr_progs, sizeof(*ids), id_cmp);
	return ids;
}

static void loaders_end(struct coll_scrape *sc)
{
	struct loaders_scrape *ls = sc->priv;

	if (ls) {
		progcache_loaders_free(ls->l, ls->n);
		free(ls->ids);
	}
	free(ls);
}

static int loaders_begin(struct coll_scrape *sc)
{
	const struct snap *s = sc->snap;
	struct loaders_scrape *ls;

	if (!sc->c->progs || !s)
		return 0;	/* no family is present */
	ls = calloc(1, sizeof(*ls));
	if (!ls)
		return -1;
	sc->priv = ls;
	ls->ids = sorted_ids(s);
	if (!ls->ids)
		goto fail;
	/* forget what the snapshot shows is gone, unless it skipped a program that may exist */
	if (!s->failed[SNAP_PROG])
		progcache_retain(sc->c->progs, ls->ids, s->nr_progs, s->taken_ns);
	if (progcache_loaders(sc->c->progs, &ls->l, &ls->n))
		goto fail;
	return 0;
fail:
	loaders_end(sc);
	sc->priv = NULL;
	return -1;
}

static bool have_progs(const struct coll_scrape *sc)
{
	return sc->priv != NULL;
}

static void emit_loader(struct coll_scrape *sc, const struct coll_family *f, struct om_writer *w)
{
	const struct loaders_scrape *ls = sc->priv;
	char num[24], comm[EV_COMM_LEN];

	(void)f;
	for (size_t i = 0; i < ls->n; i++) {
		const struct progcache_loader *l = &ls->l[i];
		bool cg = l->has_cgroup;

		if (!bsearch(&l->id, ls->ids, sc->snap->nr_progs, sizeof(*ls->ids), id_cmp))
			continue;	/* loaded after the snapshot: next scrape */
		om_sample_start(w);
		snprintf(num, sizeof(num), "%u", l->id);
		om_label(w, "id", num);
		snprintf(num, sizeof(num), "%lld", (long long)l->pid);
		om_label(w, "pid", num);
		snprintf(num, sizeof(num), "%u", l->uid);
		om_label(w, "uid", num);
		ev_comm_label(l->comm, comm);
		om_label(w, "comm", comm);
		om_label(w, "cgroup", cg ? l->cgroup : "");
		om_label(w, "container_id", cg ? l->container_id : "");
		om_label(w, "pod_uid", cg ? l->pod_uid : "");
		om_sample_u64(w, 1);
	}
}

static const struct coll_family families[] = {
	{ "bpf_program_loader_info", OM_GAUGE, NULL,
	  "The process that loaded a BPF program, from its LOAD audit event, for as long as the "
	  "program exists; cgroup, container_id and pod_uid as they were at the load.",
	  emit_loader, NULL, have_progs },
};

const struct coll_ops coll_loaders_ops = {
	.needs_snapshot = true,
	.begin = loaders_begin,
	.end = loaders_end,
	.families = families,
	.nr_families = sizeof(families) / sizeof(families[0]),
};
