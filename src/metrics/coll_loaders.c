// SPDX-License-Identifier: Apache-2.0
/*
 * coll_loaders - the loaders collector: for every program of the snapshot
 * whose LOAD event the exporter saw, the process that loaded it, as the
 * program cache remembers it (progcache.h).  It also tells the cache which
 * programs the snapshot listed, through a read-only handoff
 * (progcache_seen_publish): the audit thread forgets, on its own schedule,
 * the programs whose UNLOAD record was lost.  A scrape never changes the
 * audit side's state.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "metrics/coll.h"

struct loaders_scrape {
	struct progcache_loader *l;
	size_t n;
	struct progcache_seen *seen;	/* the snapshot's program ids, ascending */
};

static int id_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The snapshot's program ids in ascending order (the walk's order), and its start. */
static struct progcache_seen *seen_of(const struct snap *s)
{
	struct progcache_seen *seen = progcache_seen_new(s->nr_progs);
	bool sorted = true;

	if (!seen)
		return NULL;
	for (size_t i = 0; i < s->nr_progs; i++) {
		seen->ids[i] = s->progs[i].id;
		sorted &= !i || seen->ids[i - 1] < seen->ids[i];
	}
	if (!sorted)
		qsort(seen->ids, s->nr_progs, sizeof(seen->ids[0]), id_cmp);
	seen->before_ns = s->taken_ns;
	return seen;
}

static void loaders_end(struct coll_scrape *sc)
{
	struct loaders_scrape *ls = sc->priv;

	if (ls) {
		progcache_loaders_free(ls->l, ls->n);
		progcache_seen_put(ls->seen);
	}
	free(ls);
}

/*
 * Whether LOAD events arrive: the audit reader is subscribed and the
 * kernel's audit is not known to be off (cached: no request to the kernel).
 */
static bool events_arrive(struct audit_reader *r)
{
	struct audit_reader_state st;

	audit_reader_state(r, &st);
	return st.listening && !(st.kernel.known && !st.kernel.enabled);
}

static int loaders_begin(struct coll_scrape *sc)
{
	const struct snap *s = sc->snap;
	struct loaders_scrape *ls;
	int err;

	if (!sc->c->progs || !s) {
		sc->failed = !sc->c->progs;	/* no LOAD events to name them: the audit side is off */
		return 0;	/* no family is present */
	}
	/* written, but without the programs loaded while no LOAD event arrives */
	sc->failed = !events_arrive(sc->c->audit);
	ls = calloc(1, sizeof(*ls));
	if (!ls)
		return -ENOMEM;
	sc->priv = ls;
	ls->seen = seen_of(s);
	if (!ls->seen) {
		err = -ENOMEM;
		goto fail;
	}
	/* what the snapshot shows is gone, unless it skipped a program that may exist */
	if (!s->failed[SNAP_PROG])
		progcache_seen_publish(sc->c->progs, ls->seen);
	err = progcache_loaders(sc->c->progs, &ls->l, &ls->n);
	if (err)
		goto fail;
	return 0;
fail:
	loaders_end(sc);
	sc->priv = NULL;
	return err;
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
		const struct ev_proc *p = l->proc;
		bool cg = p->cgroup != NULL;

		if (!bsearch(&l->id, ls->seen->ids, ls->seen->n, sizeof(ls->seen->ids[0]), id_cmp))
			continue;	/* loaded after the snapshot: next scrape */
		om_sample_start(w);
		snprintf(num, sizeof(num), "%u", l->id);
		om_label(w, "id", num);
		snprintf(num, sizeof(num), "%lld", (long long)p->pid);
		om_label(w, "pid", num);
		snprintf(num, sizeof(num), "%u", p->uid);
		om_label(w, "uid", num);
		ev_comm_label(p->comm, comm);
		om_label(w, "comm", comm);
		om_label(w, "cgroup", cg ? p->cgroup : "");
		om_label(w, "container_id", cg ? p->container_id : "");
		om_label(w, "pod_uid", cg ? p->pod_uid : "");
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
