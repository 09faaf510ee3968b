/* SPDX-License-Identifier: Apache-2.0 */
/*
 * coll - one scrape: a fresh snapshot of the kernel's BPF objects,
 * then each collector that is on writes its families, then the exporter's
 * own metrics, through the openmetrics writer.
 *
 * A collector is a named, optional part of the exposition (core: the BPF
 * objects; audit: the audit events; stats: programs' run statistics; btf:
 * BTF objects; pins: pinned objects), turned on and off with
 * --collector.NAME / --no-collector.NAME.  Each keeps its families in a
 * table (struct coll_family): the one place that knows a metric's name,
 * type, unit and HELP.  A family's emit function writes any number of
 * samples, with any labels, integer or double values.  To add a family,
 * add a row to its collector's table; to add a collector, a file
 * coll_NAME.c with its table and struct coll_ops, and a row in the table
 * of src/collectors.c, which hands them all to coll_init().
 *
 * Thread-safe: concurrent scrapes share only the cumulative counters in
 * struct collector, which are updated atomically, and the sources (the
 * event ring, the audit reader), which are thread-safe.
 */
#ifndef BPFME_COLLECTOR_H
#define BPFME_COLLECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "audit/audit_reader.h"
#include "lib/buf.h"
#include "audit/ev.h"
#include "metrics/om.h"
#include "audit/progcache.h"
#include "bpf/snap.h"

/* Most collectors a table holds (struct coll_table). */
#define COLL_MAX 16

struct collector;
struct coll_family;
struct http_stats;	/* http/http_stats.h: only coll_http.c reads it */
struct iters;		/* bpf/iters.h: the exporter's own BPF iterators */

/*
 * One part of a scrape as bpf_exporter_scrape_collector_duration_seconds and
 * _success show it: a collector, or the round's snapshot.
 */
struct coll_timing {
	bool ran;			/* in this scrape: the part has series */
	bool ok;			/* its source was read (_success 1) */
	double duration_s;		/* the scrape thread's time in it */
};

/* The collector label of the snapshot's part; no collector may be called so. */
#define COLL_SNAPSHOT_NAME "snapshot"

/* What the collectors of one scrape see. */
struct coll_scrape {
	struct collector *c;
	const struct snap *snap;	/* NULL when no collector that is on needs one */
	double duration_s;		/* the scrape so far: set before the exporter's own families */
	void *priv;			/* the current collector's, from its begin() */
	void *gathered;			/* the current collector's, from its gather(); may be NULL */
	/*
	 * Set by the current collector (its begin() or a family's emit) when
	 * its source is unavailable or could not be read in this scrape, so
	 * that its families are left out or incomplete: its _success is then
	 * 0.  The framework sets it first for a collector whose gather()
	 * failed; it is false otherwise.
	 */
	bool failed;
	/* set before the exporter's own families: the round's snapshot, and
	   each collector of the scrape by table->defs index */
	struct coll_timing snapshot;
	struct coll_timing runs[COLL_MAX];
};

struct coll_family {
	const char *name;		/* without _total; counters get it added */
	enum om_type type;
	const char *unit;		/* NULL, or the name's last part */
	const char *help;
	/* Write the samples (the header is written already). */
	void (*emit)(struct coll_scrape *sc, const struct coll_family *f, struct om_writer *w);
	const void *arg;		/* for emit: what this family needs beyond the shared code */
	/* NULL, or whether the family is written at all in this scrape */
	bool (*present)(const struct coll_scrape *sc);
};

struct coll_ops {
	bool needs_snapshot;
	/*
	 * NULL, or what the collector reads of its own for a round (holders:
	 * the /proc walk), run on a thread of its own while the snapshot is
	 * taken: 0 and *data for sc->gathered (freed with drop()), or -errno,
	 * *data NULL (the collector logs why; its families see NULL).
	 */
	int (*gather)(struct collector *c, void **data);
	void (*drop)(void *data);
	/* what of the snapshot it reads (SNAP_WANT_*); 0: the programs, maps and links */
	unsigned int snap_want;
	/* Prepare per-scrape state in sc->priv (NULL: nothing); 0 or -errno. */
	int (*begin)(struct coll_scrape *sc);
	void (*end)(struct coll_scrape *sc);
	const struct coll_family *families;
	size_t nr_families;
};

/*
 * A named collector: an optional part of the exposition, turned on and off
 * with --collector.NAME / --no-collector.NAME.
 */
struct coll_def {
	const char *name;
	bool default_on;
	const char *help;	/* one line for --help */
	const struct coll_ops *ops;
};

/*
 * The plug-ins the framework runs, handed to coll_init() by the one table
 * above both (src/collectors.c): the framework names none of them.
 */
struct coll_table {
	const struct coll_def *defs;	/* the named collectors, in the order they write */
	size_t nr_defs;			/* at most COLL_MAX */
	const struct coll_ops *own;	/* the exporter's own families, always written after them */
	/* then these, unless --web.disable-exporter-metrics */
	const struct coll_ops *const *exporter;
	size_t nr_exporter;
};

struct collector {
	const char *version;
	const struct coll_table *table;
	bool on[COLL_MAX];		/* by table->defs index */
	/* process_* and the request families; off: --web.disable-exporter-metrics */
	bool exporter_metrics;
	/* the process_* source: NULL is /proc/self; tests point it at recorded files */
	const char *proc_dir;
	int64_t proc_boot_to_wall_ns;	/* 0: measured at each scrape; tests fix it */
	/* the request families' source (the server's counters); NULL: none */
	const struct http_stats *http_stats;
	/* the audit collector's sources; ring NULL: it writes nothing */
	struct ev_ring *ring;
	struct audit_reader *audit;
	/* the loaders collector's source; NULL: it writes nothing */
	struct progcache *progs;
	/* the holders collector's /proc (NULL: "/proc"; tests point it at a
	   recorded tree) and the process left out (0: this one) */
	const char *holders_proc;
	pid_t holders_self;
	/*
	 * The exporter's own BPF iterators (NULL: none): bpf_map_entries, and
	 * the holders' source when holders_by_iter (else the /proc walk).
	 */
	const struct iters *iters;
	bool holders_by_iter;
	/* the stats collector's: the exporter holds a BPF_ENABLE_STATS fd (--bpf.enable-stats) */
	bool stats_fd_held;
	/* the kernel.bpf_stats_enabled sysctl; NULL: /proc/sys/...; tests point it at a file */
	const char *stats_sysctl;
	/* cumulative since start; accessed with __atomic builtins */
	uint64_t scrapes;
	uint64_t scrape_errors;
	uint64_t vanished[SNAP_NR_KINDS];
	uint64_t failed[SNAP_NR_KINDS];
	uint64_t last_size;	/* bytes of the last exposition, to size the next */
};

/* Every collector of table (kept, not copied) at its default, exporter metrics on. */
void coll_init(struct collector *c, const char *version, const struct coll_table *table);
/* Index of the collector called name in c->table->defs, or -1. */
int coll_find(const struct collector *c, const char *name);
/* Turn the collector of table->defs index i on or off (before serving). */
void coll_set_on(struct collector *c, int i, bool on);
/*
 * The audit collector's sources, audit may be NULL (no reader); and the
 * loaders collector's, progs (NULL: none).
 */
void coll_set_audit(struct collector *c, struct ev_ring *ring, struct audit_reader *audit,
		    struct progcache *progs);

/*
 * Which collectors one scrape runs: those named in names (nr of them, the
 * collect[] values of a request; repeats are fine), or every one that is on
 * when nr is 0.  Each name must be a collector that is on.  Pure.  0 and
 * sel[] (by table->defs index), or -EINVAL, sel[] all false, with a one-line
 * reason appended to why, naming the value (as a JSON string, cut after 64
 * bytes) and why it names nothing to scrape.
 */
int coll_select(const struct collector *c, const char *const *names, size_t nr,
		bool sel[COLL_MAX], struct buf *why);

/*
 * One scrape of the collectors coll_select() picks from collect (nr_collect
 * names; none: every collector that is on): snapshot the kernel if one of
 * them needs it and write the exposition in format fmt to out, then the
 * exporter's own families (always) and the exporter metrics (unless off).
 * Returns 0, or -errno with a one-line reason in err (errlen bytes), out
 * unspecified: -EINVAL for a collect[] naming nothing to scrape (not
 * counted as a scrape), other errors when the kernel could not be
 * enumerated or memory ran out (counted).  Matches the http scrape
 * callback's signature.
 */
int coll_scrape(void *collector, struct buf *out, enum om_format fmt,
		const char *const *collect, size_t nr_collect, char *err, size_t errlen);

/*
 * A scrape in parts, for the scrapes of one round to share a snapshot
 * (scraper.h; collector is a struct collector): coll_round_take() takes
 * the snapshot (if a collector that is on needs one) into *round, which
 * coll_round_release() frees, even after a failure; coll_round_count()
 * counts scrapes served and errors among them; coll_round_render() writes
 * the exposition of the round in fmt, timed from the snapshot's start.
 * Each returns 0, or -errno with a one-line reason in err.  Rendering and
 * counting are thread-safe; a round is used by one thread at a time.
 */
int coll_round_take(void *collector, void **round, char *err, size_t errlen);
void coll_round_count(void *collector, unsigned int scrapes, unsigned int errors);
int coll_round_render(void *collector, void *round, enum om_format fmt, unsigned int select,
		      struct buf *out, char *err, size_t errlen);
void coll_round_release(void *collector, void *round);

/*
 * A selection as a bit set (bit i: table->defs[i]; 0: every collector that is
 * on), for the scrapes of a round to be grouped by.  coll_select_mask() is
 * coll_select() of names (nr 0: *select 0), -EINVAL with the reason in why;
 * coll_sel_of() and coll_sel_mask() convert.
 */
int coll_select_mask(void *collector, const char *const *names, size_t nr, unsigned int *select,
		     struct buf *why);
void coll_sel_of(const struct collector *c, unsigned int select, bool sel[COLL_MAX]);
unsigned int coll_sel_mask(const bool sel[COLL_MAX]);

/*
 * Write the families for a snapshot taken already (coll_scrape without the
 * snapshot, used by tests with recorded snapshots); the collectors' own
 * reading (gather: the holders' /proc walk) runs here, on this thread.
 * duration_s is the value reported as this scrape's duration; each
 * collector's and the snapshot's (s) are reported as 0, so that a recorded
 * snapshot renders the same every time.
 */
void coll_write(struct collector *c, const struct snap *s, struct om_writer *w,
		double duration_s);

/* For the collectors: monotonic seconds, and a relaxed atomic load. */
double coll_now_s(void);
uint64_t coll_load(const uint64_t *p);
/* A family's one sample without labels. */
void coll_emit_single_u64(struct om_writer *w, uint64_t value);

#endif
