/* SPDX-License-Identifier: Apache-2.0 */
/*
 * collector - the one place that knows metric names, types, units, HELP text
 * and label sets.  It takes a fresh snapshot for every scrape, walks it, and
 * writes every family through the openmetrics writer, followed by the
 * exporter's own metrics.
 *
 * Thread-safe: concurrent scrapes share only the cumulative counters in
 * struct collector, which are updated atomically.
 */
#ifndef BPFME_COLLECTOR_H
#define BPFME_COLLECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "audit.h"
#include "buf.h"
#include "events.h"
#include "openmetrics.h"
#include "snapshot.h"

/*
 * The named collectors, in the order they write: each optional part of the
 * exposition, turned on and off with --collector.NAME / --no-collector.NAME.
 */
struct coll_def {
	const char *name;
	bool default_on;
	const char *help;	/* one line for --help */
};
extern const struct coll_def coll_defs[];
extern const size_t coll_nr_defs;
/* Index of the collector called name in coll_defs, or -1. */
int coll_find(const char *name);

struct collector {
	const char *version;
	/* the audit side; both NULL with --no-audit (no bpf_audit_* families) */
	struct ev_ring *ring;
	struct audit_reader *audit;
	/* cumulative since start; accessed with __atomic builtins */
	uint64_t scrapes;
	uint64_t scrape_errors;
	uint64_t vanished[SNAP_NR_KINDS];
	uint64_t failed[SNAP_NR_KINDS];
	uint64_t last_size;	/* bytes of the last exposition, to size the next */
};

void coll_init(struct collector *c, const char *version);
/* Add the bpf_audit_* families; audit may be NULL (not subscribed). */
void coll_set_audit(struct collector *c, struct ev_ring *ring, struct audit_reader *audit);

/*
 * One scrape: snapshot the kernel and write the exposition in format fmt to
 * out.  Returns 0, or -errno when the kernel could not be enumerated; then
 * err (errlen bytes) holds a one-line reason, out is unspecified and the
 * error is counted.  Matches the http_scrape_fn signature.
 */
int coll_scrape(void *collector, struct buf *out, enum om_format fmt,
		char *err, size_t errlen);

/*
 * Write the families for a snapshot taken already (the pure part of
 * coll_scrape, used by tests with recorded snapshots).  duration_s is the
 * value reported as this scrape's duration.
 */
void coll_write(struct collector *c, const struct snap *s, struct om_writer *w,
		double duration_s);

/* Label value helpers, public for tests.  buf must hold 32 bytes. */
const char *coll_prog_type_name(uint32_t type, char *buf);
const char *coll_map_type_name(uint32_t type, char *buf);
const char *coll_link_type_name(uint32_t type, char *buf);

#endif
