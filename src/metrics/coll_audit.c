// SPDX-License-Identifier: Apache-2.0
/*
 * coll_audit - the audit collector: BPF program LOAD/UNLOAD counts from the
 * event ring, and the reader's and the kernel's audit state.  It writes
 * nothing without a ring (the exporter runs without the audit side).
 */
#include <stdlib.h>

#include "lib/log.h"
#include "metrics/coll.h"

struct audit_scrape {
	struct audit_reader_state st;
};

static bool have_ring(const struct coll_scrape *sc)
{
	return sc->c->ring != NULL;
}

static bool have_kernel(const struct coll_scrape *sc)
{
	const struct audit_scrape *as = sc->priv;

	/* reading the kernel's status needs CAP_AUDIT_CONTROL and the host's PID namespace */
	return as && as->st.kernel.known;
}

static void emit_events(struct coll_scrape *sc, const struct coll_family *f, struct om_writer *w)
{
	(void)f;
	for (int op = 0; op < EV_NR_OPS; op++) {
		om_sample_start(w);
		om_label(w, "op", ev_op_name((enum ev_op)op));
		om_sample_u64(w, ev_ops(sc->c->ring, (enum ev_op)op));
	}
}

/* Rows in ev_comm_counts() order, each with every op (0 for an op not seen). */
static void emit_by_comm(struct coll_scrape *sc, const struct coll_family *f, struct om_writer *w)
{
	struct ev_comm_count *rows = malloc(EV_COMM_ROWS * sizeof(*rows));
	size_t n;

	(void)f;
	if (!rows) {
		w->out->oom = true;	/* answered 500: out of memory */
		return;
	}
	n = ev_comm_counts(sc->c->ring, rows);
	for (size_t i = 0; i < n; i++) {
		for (int op = 0; op < EV_NR_OPS; op++) {
			om_sample_start(w);
			om_label(w, "op", ev_op_name((enum ev_op)op));
			om_label(w, "comm", rows[i].comm);
			om_sample_u64(w, rows[i].n[op]);
		}
	}
	free(rows);
}

#define STATE(fn, expr) \
	static void fn(struct coll_scrape *sc, const struct coll_family *f, struct om_writer *w) \
	{ const struct audit_scrape *as = sc->priv; (void)as; (void)f; coll_emit_single_u64(w, (expr)); }

STATE(emit_listener_up, as->st.listening)
STATE(emit_socket_drops, as->st.socket_drops)
STATE(emit_socket_buffer, (uint64_t)as->st.receive_buffer_bytes)
STATE(emit_parse_errors, ev_parse_errors(sc->c->ring))
STATE(emit_kernel_enabled, as->st.kernel.enabled)
STATE(emit_kernel_lost, as->st.kernel.lost)
STATE(emit_kernel_backlog, as->st.kernel.backlog)
STATE(emit_log_dropped, log_dropped())

static int audit_begin(struct coll_scrape *sc)
{
	struct audit_scrape *as;

	if (!sc->c->ring) {
		sc->failed = true;	/* the exporter runs without the audit side */
		return 0;	/* no family is present */
	}
	as = calloc(1, sizeof(*as));
	if (!as)
		return -1;
	audit_reader_state(sc->c->audit, &as->st);	/* cached: no request to the kernel */
	sc->priv = as;
	sc->failed = !as->st.listening;	/* no event reaches the counters: the log said why */
	return 0;
}

static void audit_end(struct coll_scrape *sc)
{
	free(sc->priv);
}

#define STR_(x) #x
#define STR(x) STR_(x)

static const struct coll_family families[] = {
	{ "bpf_audit_events", OM_COUNTER, NULL,
	  "BPF program LOAD and UNLOAD records read from the kernel audit log since the exporter started.",
	  emit_events, NULL, have_ring },
	{ "bpf_audit_events_by_comm", OM_COUNTER, NULL,
	  "BPF program LOAD and UNLOAD events by the command name of the process that caused them "
	  "(at most " STR(EV_COMM_NAMES) " names; then comm=\"" EV_COMM_OTHER "\").",
	  emit_by_comm, NULL, have_ring },
	{ "bpf_audit_listener_up", OM_GAUGE, NULL,
	  "1 while the exporter is subscribed to the audit log and reading it, else 0.",
	  emit_listener_up, NULL, have_ring },
	{ "bpf_audit_socket_drops", OM_COUNTER, NULL,
	  "Audit messages dropped because the exporter's audit socket buffer was full.",
	  emit_socket_drops, NULL, have_ring },
	{ "bpf_audit_socket_receive_buffer_bytes", OM_GAUGE, NULL,
	  "The receive buffer the exporter's audit socket has, as the kernel reports it (SO_RCVBUF: twice "
	  "the bytes granted, its bookkeeping included); 0 while not subscribed.",
	  emit_socket_buffer, NULL, have_ring },
	{ "bpf_audit_parse_errors", OM_COUNTER, NULL,
	  "Audit records the exporter could not parse.",
	  emit_parse_errors, NULL, have_ring },
	{ "bpf_audit_log_lines_dropped", OM_COUNTER, NULL,
	  "Log lines of the audit thread dropped because the log's queue was full (the audit thread never waits on the log).",
	  emit_log_dropped, NULL, have_ring },
	{ "bpf_audit_kernel_enabled", OM_GAUGE, NULL,
	  "The kernel's audit enabled setting: 0 off, 1 on, 2 on and locked.",
	  emit_kernel_enabled, NULL, have_kernel },
	{ "bpf_audit_kernel_lost", OM_COUNTER, NULL,
	  "Audit records the kernel lost (its own count, which resets when the kernel's audit is reconfigured).",
	  emit_kernel_lost, NULL, have_kernel },
	{ "bpf_audit_kernel_backlog", OM_GAUGE, NULL,
	  "Audit records waiting in the kernel's backlog queue.",
	  emit_kernel_backlog, NULL, have_kernel },
};

const struct coll_ops coll_audit_ops = {
	.begin = audit_begin,
	.end = audit_end,
	.families = families,
	.nr_families = sizeof(families) / sizeof(families[0]),
};
