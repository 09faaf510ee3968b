// SPDX-License-Identifier: Apache-2.0
/* coll - one scrape through every collector that is on; see coll.h. */
#include "metrics/coll.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/json.h"

/* Bytes of a collect[] value echoed in a reason; a longer one is cut and marked "...". */
#define ECHO_MAX 64

int coll_find(const struct collector *c, const char *name)
{
	for (size_t i = 0; i < c->table->nr_defs; i++)
		if (!strcmp(c->table->defs[i].name, name))
			return (int)i;
	return -1;
}

void coll_init(struct collector *c, const char *version, const struct coll_table *table)
{
	memset(c, 0, sizeof(*c));
	c->version = version;
	c->table = table;
	c->exporter_metrics = true;
	for (size_t i = 0; i < c->table->nr_defs; i++)
		c->on[i] = c->table->defs[i].default_on;
}

void coll_set_on(struct collector *c, int i, bool on)
{
	if (i >= 0 && (size_t)i < c->table->nr_defs)
		c->on[i] = on;
}

void coll_set_audit(struct collector *c, struct ev_ring *ring, struct audit_reader *audit,
		    struct progcache *progs)
{
	c->ring = ring;
	c->audit = audit;
	c->progs = progs;
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

/*
 * One collector's families; a collector that cannot prepare marks the output
 * out of memory.  Whether its source failed is left in sc->failed.
 */
static void run(struct coll_scrape *sc, const struct coll_ops *ops, void *gathered,
		struct om_writer *w)
{
	sc->priv = NULL;
	sc->gathered = gathered;
	sc->failed = ops->gather && !gathered;	/* its gather() failed: said in the log */
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

/* What of the snapshot the collectors of sel read (SNAP_WANT_*); 0: no snapshot. */
static unsigned int snap_want(const struct collector *c, const bool sel[COLL_MAX])
{
	unsigned int want = 0;

	for (size_t i = 0; i < c->table->nr_defs; i++) {
		const struct coll_ops *ops = c->table->defs[i].ops;

		if (sel[i] && ops->needs_snapshot)
			want |= ops->snap_want ? ops->snap_want : SNAP_WANT_OBJECTS;
	}
	return want;
}

/* The snapshot's _success: no object was skipped for an error (vanishing is churn). */
static bool snap_ok(const struct snap *s)
{
	for (int k = 0; k < SNAP_NR_KINDS; k++)
		if (s->failed[k])
			return false;
	return true;
}

static bool needs_snapshot(const struct collector *c, const bool sel[COLL_MAX])
{
	return snap_want(c, sel) != 0;
}

/* "bad collect[]=VALUE: WHY" with VALUE a JSON string: one line of UTF-8 whatever was sent. */
static int bad_collect(const struct collector *c, struct buf *why, const char *value, const char *what, const char *name)
{
	buf_addstr(why, "bad collect[]=");
	json_add_echo(why, value, ECHO_MAX);
	buf_addf(why, ": %s", what);
	if (name)
		buf_addf(why, " (--no-collector.%s)", name);
	else
		for (size_t i = 0; i < c->table->nr_defs; i++)
			buf_addf(why, "%s%s%s", i ? ", " : " (the collectors are ", c->table->defs[i].name,
				 i + 1 == c->table->nr_defs ? ")" : "");
	return -EINVAL;
}

int coll_select(const struct collector *c, const char *const *names, size_t nr,
		bool sel[COLL_MAX], struct buf *why)
{
	memset(sel, 0, COLL_MAX * sizeof(sel[0]));
	if (!nr) {
		memcpy(sel, c->on, COLL_MAX * sizeof(sel[0]));
		return 0;
	}
	for (size_t k = 0; k < nr; k++) {
		int i = coll_find(c, names[k]);

		if (i < 0 || !c->on[i]) {
			memset(sel, 0, COLL_MAX * sizeof(sel[0]));	/* nothing half-selected */
			return i < 0 ? bad_collect(c, why, names[k], "no such collector", NULL)
				     : bad_collect(c, why, names[k], "the collector is off", c->table->defs[i].name);
		}
		sel[i] = true;
	}
	return 0;
}

/*
 * What the collectors that are on gather of their own, for one round: on a
 * thread of its own while the snapshot is taken, joined when the first
 * collector that needs it writes (so the walk's tail overlaps the
 * rendering of the collectors before it).
 */
struct gathering {
	struct collector *c;
	void *data[COLL_MAX];
	pthread_t thread;
	bool running;		/* thread started and not joined yet */
};

static bool needs_gathering(const struct collector *c)
{
	for (size_t i = 0; i < c->table->nr_defs; i++)
		if (c->on[i] && c->table->defs[i].ops->gather)
			return true;
	return false;
}

static void *gather_all(void *arg)
{
	struct gathering *g = arg;

	for (size_t i = 0; i < g->c->table->nr_defs; i++)
		if (g->c->on[i] && g->c->table->defs[i].ops->gather &&
		    g->c->table->defs[i].ops->gather(g->c, &g->data[i]))
			g->data[i] = NULL;
	return NULL;
}

/* Start gathering beside the caller, or (no thread) do it now. */
static void gathering_start(struct gathering *g, struct collector *c)
{
	g->c = c;
	if (!needs_gathering(c))
		return;
	g->running = pthread_create(&g->thread, NULL, gather_all, g) == 0;
	if (!g->running)
		gather_all(g);
}

/* What was gathered, once the thread is done. */
static void *const *gathering_wait(struct gathering *g)
{
	if (g->running) {
		pthread_join(g->thread, NULL);
		g->running = false;
	}
	return g->data;
}

static void gathering_release(struct gathering *g)
{
	gathering_wait(g);
	for (size_t i = 0; i < g->c->table->nr_defs; i++)
		if (g->data[i])
			g->c->table->defs[i].ops->drop(g->data[i]);
	memset(g->data, 0, sizeof(g->data));
}

/*
 * The selected collectors, then the exporter's own families.  duration_s < 0:
 * measured from start_s, and each collector timed; else reported as it is,
 * and each collector's time as 0 (a recorded scrape).  snapshot: the
 * round's (ran false: none was taken).
 *
 * A collector's time is what this thread spends on it, one after the
 * other: waiting for what it gathers beside the snapshot (the holders'
 * walk: only the part that outlasts the snapshot), preparing, writing its
 * families.  The snapshot, shared, is counted once, as its own part.  So
 * the parts never overlap and their sum is at most the scrape's duration.
 */
static void write_all(struct collector *c, const bool sel[COLL_MAX], const struct snap *s,
		      struct gathering *g, struct om_writer *w, double start_s, double duration_s,
		      const struct coll_timing *snapshot)
{
	struct coll_scrape sc = { .c = c, .snap = s, .snapshot = *snapshot };
	bool timed = duration_s < 0;

	for (size_t i = 0; i < c->table->nr_defs; i++) {
		const struct coll_ops *ops = c->table->defs[i].ops;
		double t0;

		if (!sel[i])
			continue;
		t0 = timed ? coll_now_s() : 0;
		run(&sc, ops, ops->gather ? gathering_wait(g)[i] : NULL, w);
		sc.runs[i] = (struct coll_timing){
			.ran = true,
			.ok = !sc.failed,
			.duration_s = timed ? coll_now_s() - t0 : 0,
		};
	}
	/* The duration covers the snapshot and the collectors' families. */
	sc.duration_s = timed ? coll_now_s() - start_s : duration_s;
	run(&sc, c->table->own, NULL, w);
	if (c->exporter_metrics)
		for (size_t i = 0; i < c->table->nr_exporter; i++)
			run(&sc, c->table->exporter[i], NULL, w);
	om_eof(w);
}

void coll_write(struct collector *c, const struct snap *s, struct om_writer *w,
		double duration_s)
{
	struct gathering g = { .c = c };
	struct coll_timing snapshot = { .ran = s != NULL, .ok = s && snap_ok(s) };

	gather_all(&g);
	write_all(c, c->on, s, &g, w, 0, duration_s < 0 ? 0 : duration_s, &snapshot);
	gathering_release(&g);
}

/* What the scrapes of one round share: the snapshot, what was gathered, when it began. */
struct coll_round {
	struct snap snap;
	bool has_snap;		/* a collector that is on needs it */
	struct coll_timing snap_timing;	/* ran: has_snap */
	struct gathering gathered;
	double start_s;
};

void coll_sel_of(const struct collector *c, unsigned int select, bool sel[COLL_MAX])
{
	for (size_t i = 0; i < COLL_MAX; i++)
		sel[i] = i < c->table->nr_defs && (select ? (select >> i) & 1 : c->on[i]);
}

unsigned int coll_sel_mask(const bool sel[COLL_MAX])
{
	unsigned int mask = 0;

	for (size_t i = 0; i < COLL_MAX; i++)
		if (sel[i])
			mask |= 1u << i;
	return mask;
}

int coll_round_take(void *collector, void **round, char *err, size_t errlen)
{
	struct collector *c = collector;
	struct coll_round *r = calloc(1, sizeof(*r));
	double t0;
	int ret;

	*round = r;
	if (!r) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	r->start_s = coll_now_s();
	snap_init(&r->snap);
	/*
	 * The collectors' own reading (the holders' /proc walk) on a thread of
	 * its own beside the snapshot, joined when rendering first needs it
	 * (or at release).  It writes only r->gathered.data, which nothing
	 * reads before the join.
	 */
	gathering_start(&r->gathered, c);
	if (!needs_snapshot(c, c->on))
		return 0;	/* no collector that is on needs one, whatever a scrape selects */
	r->snap.want = snap_want(c, c->on);	/* BTF and pins only when their collector is on */
	r->snap.iters = c->iters;		/* the programs from bpfme_progs when it is loaded */
	t0 = coll_now_s();
	ret = snap_take(&r->snap);
	if (ret) {
		snprintf(err, errlen, "%s", r->snap.error);
		return ret;
	}
	r->has_snap = true;
	r->snap_timing = (struct coll_timing){
		.ran = true,
		.ok = snap_ok(&r->snap),
		.duration_s = coll_now_s() - t0,
	};
	for (int k = 0; k < SNAP_NR_KINDS; k++) {
		__atomic_add_fetch(&c->vanished[k], r->snap.vanished[k], __ATOMIC_RELAXED);
		__atomic_add_fetch(&c->failed[k], r->snap.failed[k], __ATOMIC_RELAXED);
	}
	return 0;
}

void coll_round_count(void *collector, unsigned int scrapes, unsigned int errors)
{
	struct collector *c = collector;

	__atomic_add_fetch(&c->scrapes, scrapes, __ATOMIC_RELAXED);
	__atomic_add_fetch(&c->scrape_errors, errors, __ATOMIC_RELAXED);
}

int coll_round_render(void *collector, void *round, enum om_format fmt, unsigned int select,
		      struct buf *out, char *err, size_t errlen)
{
	struct collector *c = collector;
	struct coll_round *r = round;
	struct om_writer w;

	/* one allocation instead of a doubling series of copies */
	buf_grow(out, (size_t)(coll_load(&c->last_size) + coll_load(&c->last_size) / 8));
	om_writer_init(&w, out, fmt);
	{
		bool sel[COLL_MAX];

		coll_sel_of(c, select, sel);
		if (!r->has_snap && needs_snapshot(c, sel)) {
			snprintf(err, errlen, "no snapshot for this selection");
			return -EIO;
		}
		write_all(c, sel, r->has_snap ? &r->snap : NULL, &r->gathered, &w, r->start_s, -1,
			  &r->snap_timing);
	}
	if (out->oom) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	__atomic_store_n(&c->last_size, (uint64_t)out->len, __ATOMIC_RELAXED);
	return 0;
}

void coll_round_release(void *collector, void *round)
{
	struct coll_round *r = round;

	(void)collector;
	if (!r)
		return;
	snap_release(&r->snap);
	gathering_release(&r->gathered);
	free(r);
}

int coll_select_mask(void *collector, const char *const *names, size_t nr, unsigned int *select,
		     struct buf *why)
{
	bool sel[COLL_MAX];

	*select = 0;
	if (!nr)
		return 0;
	if (coll_select(collector, names, nr, sel, why))
		return -EINVAL;
	*select = coll_sel_mask(sel);
	return 0;
}

int coll_scrape(void *collector, struct buf *out, enum om_format fmt,
		const char *const *collect, size_t nr_collect, char *err, size_t errlen)
{
	unsigned int select;
	struct buf why = BUF_INIT;
	void *round;
	int ret;

	ret = coll_select_mask(collector, collect, nr_collect, &select, &why);
	if (ret) {
		snprintf(err, errlen, "%s", why.oom ? "out of memory" : why.buf);
		buf_release(&why);
		return -EINVAL;	/* the client's mistake: not a scrape */
	}
	buf_release(&why);
	ret = coll_round_take(collector, &round, err, errlen);
	if (ret == -EINVAL)
		ret = -EIO;	/* -EINVAL is the client's mistake to the caller */
	coll_round_count(collector, 1, ret ? 1 : 0);
	if (!ret) {
		ret = coll_round_render(collector, round, fmt, select, out, err, errlen);
		if (ret)
			coll_round_count(collector, 0, 1);
	}
	coll_round_release(collector, round);
	return ret;
}
