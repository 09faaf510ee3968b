// SPDX-License-Identifier: Apache-2.0
/* collector - one scrape through every collector that is on; see collector.h. */
#include "collector.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

const struct coll_def coll_defs[] = {
	{ "core", true, "every BPF program, map and link (bpf_program_*, bpf_map_*, bpf_link_*)",
	  &coll_ops_core },
	{ "audit", true, "BPF program LOAD/UNLOAD events from the kernel audit log (bpf_audit_*, /events)",
	  &coll_ops_audit },
};
const size_t coll_nr_defs = sizeof(coll_defs) / sizeof(coll_defs[0]);
_Static_assert(sizeof(coll_defs) / sizeof(coll_defs[0]) <= COLL_MAX, "raise COLL_MAX");

int coll_find(const char *name)
{
	for (size_t i = 0; i < coll_nr_defs; i++)
		if (!strcmp(coll_defs[i].name, name))
			return (int)i;
	return -1;
}

void coll_init(struct collector *c, const char *version)
{
	memset(c, 0, sizeof(*c));
	c->version = version;
	c->exporter_metrics = true;
	for (size_t i = 0; i < coll_nr_defs; i++)
		c->on[i] = coll_defs[i].default_on;
}

void coll_set_on(struct collector *c, int i, bool on)
{
	if (i >= 0 && (size_t)i < coll_nr_defs)
		c->on[i] = on;
}

void coll_set_audit(struct collector *c, struct ev_ring *ring, struct audit_reader *audit)
{
	c->ring = ring;
	c->audit = audit;
}

double coll_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

uint64_t coll_load(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

void coll_emit_single_u64(struct om_writer *w, uint64_t value)
{
	om_sample_start(w);
	om_sample_u64(w, value);
}

/* One collector's families; a collector that cannot prepare marks the output out of memory. */
static void run(struct coll_scrape *sc, const struct coll_ops *ops, struct om_writer *w)
{
	sc->priv = NULL;
	if (ops->begin && ops->begin(sc)) {
		w->out->oom = true;	/* answered 500: out of memory */
		return;
	}
	for (size_t i = 0; i < ops->nr_families; i++) {
		const struct coll_family *f = &ops->families[i];

		if (f->present && !f->present(sc))
			continue;
		om_family(w, f->name, f->type, f->unit, f->help);
		f->emit(sc, f, w);
	}
	if (ops->end)
		ops->end(sc);
}

static bool needs_snapshot(const struct collector *c)
{
	for (size_t i = 0; i < coll_nr_defs; i++)
		if (c->on[i] && coll_defs[i].ops->needs_snapshot)
			return true;
	return false;
}

/* The collectors that are on, then the exporter's own families (duration: < 0, measured). */
static void write_all(struct collector *c, const struct snap *s, struct om_writer *w,
		      double start_s, double duration_s)
{
	struct coll_scrape sc = { .c = c, .snap = s };

	for (size_t i = 0; i < coll_nr_defs; i++)
		if (c->on[i])
			run(&sc, coll_defs[i].ops, w);
	/* The duration covers the snapshot and the collectors' families. */
	sc.duration_s = duration_s >= 0 ? duration_s : coll_now_s() - start_s;
	run(&sc, &coll_ops_exporter, w);
	if (c->exporter_metrics) {
		run(&sc, &coll_ops_http, w);
		run(&sc, &coll_ops_process, w);
	}
	om_eof(w);
}

void coll_write(struct collector *c, const struct snap *s, struct om_writer *w,
		double duration_s)
{
	write_all(c, s, w, 0, duration_s);
}

int coll_scrape(void *collector, struct buf *out, enum om_format fmt,
		char *err, size_t errlen)
{
	struct collector *c = collector;
	struct om_writer w;
	struct snap s;
	double start = coll_now_s();
	int ret = 0;

	__atomic_add_fetch(&c->scrapes, 1, __ATOMIC_RELAXED);
	snap_init(&s);
	if (needs_snapshot(c)) {
		ret = snap_take(&s);
		if (ret) {
			snprintf(err, errlen, "%s", s.error);
			goto out;
		}
		for (int k = 0; k < SNAP_NR_KINDS; k++) {
			__atomic_add_fetch(&c->vanished[k], s.vanished[k], __ATOMIC_RELAXED);
			__atomic_add_fetch(&c->failed[k], s.failed[k], __ATOMIC_RELAXED);
		}
	}
	/* one allocation instead of a doubling series of copies */
	buf_grow(out, (size_t)(coll_load(&c->last_size) + coll_load(&c->last_size) / 8));
	om_writer_init(&w, out, fmt);
	write_all(c, needs_snapshot(c) ? &s : NULL, &w, start, -1);
	if (out->oom) {
		ret = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	__atomic_store_n(&c->last_size, (uint64_t)out->len, __ATOMIC_RELAXED);
out:
	if (ret)
		__atomic_add_fetch(&c->scrape_errors, 1, __ATOMIC_RELAXED);
	snap_release(&s);
	return ret;
}
