// SPDX-License-Identifier: Apache-2.0
/*
 * coll_http - the exporter's HTTP request families, from the counters the
 * server keeps (http_stats): requests answered by handler and status code,
 * and handlers running now.  Written with process_* unless
 * --web.disable-exporter-metrics.
 */
#include <stdio.h>

#include "metrics/coll.h"
#include "metrics/http_stats.h"

/* Handlers in the order their samples come. */
static const enum http_stats_handler order[] = {
	HTTP_STATS_METRICS, HTTP_STATS_LANDING, HTTP_STATS_EVENTS, HTTP_STATS_DOC, HTTP_STATS_OTHER,
};

static bool have_stats(const struct coll_scrape *sc)
{
	return sc->c->http_stats;
}

/*
 * Every (handler, code) counted at least once, by handler then code; the
 * telemetry path's 200 and 500 always, so that their rates exist from the
 * first scrape on.
 */
static void emit_requests(struct coll_scrape *sc, const struct coll_family *f, struct om_writer *w)
{
	const struct http_stats *st = sc->c->http_stats;

	(void)f;
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		for (unsigned int code = HTTP_STATS_MIN_CODE; code <= HTTP_STATS_MAX_CODE; code++) {
			uint64_t n = http_stats_requests(st, order[i], code);
			char c[8];

			if (!n && !(order[i] == HTTP_STATS_METRICS && (code == 200 || code == 500)))
				continue;
			snprintf(c, sizeof(c), "%u", code);
			om_sample_start(w);
			om_label(w, "handler", http_stats_handler_name(order[i]));
			om_label(w, "code", c);
			om_sample_u64(w, n);
		}
	}
}

static void emit_in_flight(struct coll_scrape *sc, const struct coll_family *f, struct om_writer *w)
{
	int64_t n = http_stats_in_flight(sc->c->http_stats);

	(void)f;
	coll_emit_single_u64(w, n > 0 ? (uint64_t)n : 0);
}

static const struct coll_family families[] = {
	{ "bpf_exporter_http_requests", OM_COUNTER, NULL,
	  "HTTP requests answered since the exporter started, by handler (metrics, landing, events, doc or other) and status code.",
	  emit_requests, NULL, have_stats },
	{ "bpf_exporter_http_requests_in_flight", OM_GAUGE, NULL,
	  "HTTP requests being answered now; a scrape counts itself.",
	  emit_in_flight, NULL, have_stats },
};

const struct coll_ops coll_http_ops = {
	.families = families,
	.nr_families = sizeof(families) / sizeof(families[0]),
};
