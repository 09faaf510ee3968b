// SPDX-License-Identifier: Apache-2.0
/* collector - one scrape through every collector that is on; see collector.h. */
#include "collector.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "json.h"

/* Bytes of a collect[] value echoed in a reason; a longer one is cut and marked "...". */
#define ECHO_MAX 64

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

static bool needs_snapshot(const bool sel[COLL_MAX])
{
	for (size_t i = 0; i < coll_nr_defs; i++)
		if (sel[i] && coll_defs[i].ops->needs_snapshot)
			return true;
	return false;
}

/* "bad collect[]=VALUE: WHY" with VALUE a JSON string: one line of UTF-8 whatever was sent. */
static int bad_collect(struct buf *why, const char *value, const char *what, const char *name)
{
	size_t len = strlen(value);

	buf_addstr(why, "bad collect[]=");
	if (len <= ECHO_MAX) {
		json_add_stringn(why, value, len);
	} else {
		len = ECHO_MAX;
		while (len && ((unsigned char)value[len] & 0xc0) == 0x80)
			len--;	/* not in the middle of a character */
		json_add_stringn(why, value, len);
		buf_addstr(why, "...");
	}
	buf_addf(why, ": %s", what);
	if (name)
		buf_addf(why, " (--no-collector.%s)", name);
	else
		for (size_t i = 0; i < coll_nr_defs; i++)
			buf_addf(why, "%s%s%s", i ? ", " : " (the collectors are ", coll_defs[i].name,
				 i + 1 == coll_nr_defs ? ")" : "");
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
		int i = coll_find(names[k]);

		if (i < 0 || !c->on[i]) {
			memset(sel, 0, COLL_MAX * sizeof(sel[0]));	/* nothing half-selected */
			return i < 0 ? bad_collect(why, names[k], "no such collector", NULL)
				     : bad_collect(why, names[k], "the collector is off", coll_defs[i].name);
		}
		sel[i] = true;
	}
	return 0;
}

/* The selected collectors, then the exporter's own families (duration: < 0, measured). */
static void write_all(struct collector *c, const bool sel[COLL_MAX], const struct snap *s,
		      struct om_writer *w, double start_s, double duration_s)
{
	struct coll_scrape sc = { .c = c, .snap = s };

	for (size_t i = 0; i < coll_nr_defs; i++)
		if (sel[i])
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
	write_all(c, c->on, s, w, 0, duration_s);
}

int coll_scrape(void *collector, struct buf *out, enum om_format fmt,
		const char *const *collect, size_t nr_collect, char *err, size_t errlen)
{
	struct collector *c = collector;
	struct om_writer w;
	struct snap s;
	double start = coll_now_s();
	bool sel[COLL_MAX];
	int ret = 0;

	if (nr_collect) {
		struct buf why = BUF_INIT;

		ret = coll_select(c, collect, nr_collect, sel, &why);
		snprintf(err, errlen, "%s", why.oom ? "out of memory" : why.buf);
		buf_release(&why);
		if (ret)
			return -EINVAL;	/* the client's mistake: not a scrape */
	} else {
		memcpy(sel, c->on, sizeof(sel));
	}
	__atomic_add_fetch(&c->scrapes, 1, __ATOMIC_RELAXED);
	snap_init(&s);
	if (needs_snapshot(sel)) {
		ret = snap_take(&s);
		if (ret) {
			snprintf(err, errlen, "%s", s.error);
			if (ret == -EINVAL)
				ret = -EIO;	/* -EINVAL is the client's mistake to the caller */
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
	write_all(c, sel, needs_snapshot(sel) ? &s : NULL, &w, start, -1);
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
