// SPDX-License-Identifier: Apache-2.0
/*
 * coll_process - the standard process_* families, named as every Prometheus
 * client library names them, about the exporter's own process: CPU time,
 * memory, open and allowed fds, start time, from /proc/self (procstat).
 * Written after the exporter's own families unless
 * --web.disable-exporter-metrics.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/coll.h"
#include "lib/log.h"
#include "proc/procstat.h"
#include "bpf/snap.h"

static struct log_ratelimit read_fail_rl = LOG_RATELIMIT_INIT(600);

static int begin(struct coll_scrape *sc)
{
	const struct collector *c = sc->c;
	struct procstat *ps = malloc(sizeof(*ps));
	int64_t offset_ns = c->proc_boot_to_wall_ns ? c->proc_boot_to_wall_ns
						    : snap_boot_to_wall_offset();
	int ret;

	if (!ps)
		return -ENOMEM;
	ret = procstat_read(c->proc_dir ? c->proc_dir : "/proc/self", (double)offset_ns / 1e9, ps);
	if (ret) {
		if (log_ratelimit_ok(&read_fail_rl))
			log_warnx("cannot read %s/stat: %s; the process_* metrics are left out",
				  c->proc_dir ? c->proc_dir : "/proc/self", strerror(-ret));
		free(ps);
		ps = NULL;	/* no family is written */
	}
	sc->priv = ps;
	return 0;
}

static void end(struct coll_scrape *sc)
{
	free(sc->priv);
	sc->priv = NULL;
}

static bool have_stat(const struct coll_scrape *sc)
{
	return sc->priv;
}

static bool have_max_fds(const struct coll_scrape *sc)
{
	const struct procstat *ps = sc->priv;

	return ps && ps->has_max_fds;
}

static bool have_open_fds(const struct coll_scrape *sc)
{
	const struct procstat *ps = sc->priv;

	return ps && ps->has_open_fds;
}

/* A value of struct procstat: where it is, and whether a double (else a uint64_t). */
struct field {
	size_t off;
	bool is_double;
};

#define FIELD(name, is_double) &(const struct field){ offsetof(struct procstat, name), is_double }

static void emit(struct coll_scrape *sc, const struct coll_family *f, struct om_writer *w)
{
	const struct field *field = f->arg;
	const char *ps = sc->priv;

	if (field->is_double) {
		double v;

		memcpy(&v, ps + field->off, sizeof(v));
		om_sample_start(w);
		om_sample_double(w, v);
	} else {
		uint64_t v;

		memcpy(&v, ps + field->off, sizeof(v));
		coll_emit_single_u64(w, v);
	}
}

static const struct coll_family families[] = {
	{ "process_cpu_seconds", OM_COUNTER, "seconds",
	  "CPU time the exporter's process has used, user and system, in seconds.",
	  emit, FIELD(cpu_seconds, true), have_stat },
	{ "process_resident_memory_bytes", OM_GAUGE, "bytes",
	  "Resident memory of the exporter's process (RSS) in bytes.",
	  emit, FIELD(resident_bytes, false), have_stat },
	{ "process_virtual_memory_bytes", OM_GAUGE, "bytes",
	  "Virtual memory size of the exporter's process in bytes.",
	  emit, FIELD(virtual_bytes, false), have_stat },
	{ "process_open_fds", OM_GAUGE, NULL,
	  "File descriptors the exporter's process has open.",
	  emit, FIELD(open_fds, false), have_open_fds },
	{ "process_max_fds", OM_GAUGE, NULL,
	  "Most file descriptors the exporter's process may open (its soft RLIMIT_NOFILE).",
	  emit, FIELD(max_fds, true), have_max_fds },
	{ "process_start_time_seconds", OM_GAUGE, "seconds",
	  "Time the exporter's process started, in unix seconds.",
	  emit, FIELD(start_time_s, true), have_stat },
};

const struct coll_ops coll_process_ops = {
	.begin = begin,
	.end = end,
	.families = families,
	.nr_families = sizeof(families) / sizeof(families[0]),
};
