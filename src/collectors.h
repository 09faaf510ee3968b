/* SPDX-License-Identifier: Apache-2.0 */
/*
 * collectors - the one table of the collectors, above the framework
 * (metrics/coll.c) and its plug-ins (metrics/coll_*.c): the framework
 * gets it at coll_init() and names no plug-in; the flags get its names,
 * defaults and --help lines as plain data (collectors_flags).  To add a
 * collector: its file metrics/coll_NAME.c, its ops declared below, a row
 * in collectors.c.
 */
#ifndef BPFME_COLLECTORS_H
#define BPFME_COLLECTORS_H

#include <stddef.h>

#include "flags.h"
#include "metrics/coll.h"

/* The plug-ins' tables, each defined in its metrics/coll_NAME.c. */
extern const struct coll_ops coll_core_ops, coll_audit_ops, coll_loaders_ops, coll_holders_ops;
extern const struct coll_ops coll_entries_ops;
extern const struct coll_ops coll_stats_ops, coll_btf_ops, coll_pins_ops, coll_exporter_ops;
extern const struct coll_ops coll_process_ops, coll_http_ops;

/*
 * Every collector, in the order they write: the named ones (--collector.NAME),
 * then the exporter's own families, then the exporter metrics that
 * --web.disable-exporter-metrics leaves out (process_*, the requests').
 * For coll_init(); immutable.
 */
extern const struct coll_table collectors_table;

/*
 * The named collectors as flags_parse() sees them (name, default, --help
 * line), in the table's order, so that struct flags' collector_on[i] is
 * collectors_table.defs[i]'s.  Writes at most max into out; returns how
 * many there are (all of them fit in FLAGS_MAX_COLLECTORS).  Pure.
 */
size_t collectors_flags(struct flags_collector *out, size_t max);

#endif
