// SPDX-License-Identifier: Apache-2.0
/*
 * coll_exporter - the exporter's own metrics: build, scrapes, their
 * duration and errors, objects left out.  Always written, last, after the
 * collectors that are on.
 */
#include <stdio.h>

#include <bpf/libbpf.h>

#include "metrics/coll.h"

static void emit_build_info(struct coll_scrape *sc, const struct coll_family *f, struct om_writer *w)
{
	char lv[32];

	(void)f;
	snprintf(lv, sizeof(lv), "%u.%u", libbpf_major_version(), libbpf_minor_version());
	om_sample_start(w);
	om_label(w, "version", sc->c->version);
	om_label(w, "libbpf_version", lv);
	om_sample_u64(w, 1);
}

static void emit_duration(struct coll_scrape *sc, const struct coll_family *f, struct om_writer *w)
{
	(void)f;
	om_sample_start(w);
	om_sample_double(w, sc->duration_s);
}

/* The snapshot, then each collector of the scrape in table order: its success or its time. */
static void emit_collectors(struct coll_scrape *sc, bool success, struct om_writer *w)
{
	for (size_t i = 0; i <= sc->c->table->nr_defs; i++) {
		const struct coll_timing *t = i ? &sc->runs[i - 1] : &sc->snapshot;

		if (!t->ran)
			continue;
		om_sample_start(w);
		om_label(w, "collector", i ? sc->c->table->defs[i - 1].name : COLL_SNAPSHOT_NAME);
		if (success)
			om_sample_u64(w, t->ok);
		else
			om_sample_double(w, t->duration_s);
	}
}

static bool any_collector(const struct coll_scrape *sc)
{
	if (sc->snapshot.ran)
		return true;
	for (size_t i = 0; i < sc->c->table->nr_defs; i++)
		if (sc->runs[i].ran)
			return true;
	return false;
}

static void emit_collector_durations(struct coll_scrape *sc, const struct coll_family *f,
				     struct om_writer *w)
{
	(void)f;
	emit_collectors(sc, false, w);
}

static void emit_collector_success(struct coll_scrape *sc, const struct coll_family *f,
				   struct om_writer *w)
{
	(void)f;
	emit_collectors(sc, true, w);
}

static void emit_scrapes(struct coll_scrape *sc, const struct coll_family *f, struct om_writer *w)
{
	(void)f;
	coll_emit_single_u64(w, coll_load(&sc->c->scrapes));
}

static void emit_scrape_errors(struct coll_scrape *sc, const struct coll_family *f, struct om_writer *w)
{
	(void)f;
	coll_emit_single_u64(w, coll_load(&sc->c->scrape_errors));
}

static void emit_skipped(struct coll_scrape *sc, const struct coll_family *f, struct om_writer *w)
{
	static const char *const reasons[] = { "vanished", "error" };

	(void)f;
	for (int r = 0; r < 2; r++) {
		for (int k = 0; k < SNAP_NR_KINDS; k++) {
			om_sample_start(w);
			om_label(w, "kind", snap_kind_name((enum snap_kind)k));
			om_label(w, "reason", reasons[r]);
			om_sample_u64(w, coll_load(r ? &sc->c->failed[k] : &sc->c->vanished[k]));
		}
	}
}

static const struct coll_family families[] = {
	{ "bpf_exporter_build_info", OM_GAUGE, NULL,
	  "Version of the exporter and of the libbpf it runs with; the value is always 1.",
	  emit_build_info, NULL, NULL },
	{ "bpf_exporter_scrape_duration_seconds", OM_GAUGE, "seconds",
	  "Time this scrape took to snapshot the kernel's BPF objects and render them, in seconds.",
	  emit_duration, NULL, NULL },
	{ "bpf_exporter_scrape_collector_duration_seconds", OM_GAUGE, "seconds",
	  "Time this scrape spent in each collector that ran, in seconds; collector=" COLL_SNAPSHOT_NAME
	  " is the one walk of the kernel's BPF objects the collectors share, counted there alone. "
	  "The parts follow one another: their sum is at most bpf_exporter_scrape_duration_seconds.",
	  emit_collector_durations, NULL, any_collector },
	{ "bpf_exporter_scrape_collector_success", OM_GAUGE, NULL,
	  "1 if the collector read its source in this scrape, 0 if the source failed or is unavailable "
	  "(the log says why), its families then left out or incomplete; for collector="
	  COLL_SNAPSHOT_NAME ", 0 if it skipped an object for an error.",
	  emit_collector_success, NULL, any_collector },
	{ "bpf_exporter_scrapes", OM_COUNTER, NULL,
	  "Scrapes of the metrics endpoint since the exporter started, failed ones included.",
	  emit_scrapes, NULL, NULL },
	{ "bpf_exporter_scrape_errors", OM_COUNTER, NULL,
	  "Scrapes that failed: the kernel's BPF objects could not be listed, or memory ran out.",
	  emit_scrape_errors, NULL, NULL },
	{ "bpf_exporter_skipped_objects", OM_COUNTER, NULL,
	  "BPF objects listed but left out of a scrape: vanished before they could be opened, or an error reading them.",
	  emit_skipped, NULL, NULL },
};

const struct coll_ops coll_exporter_ops = {
	.families = families,
	.nr_families = sizeof(families) / sizeof(families[0]),
};
