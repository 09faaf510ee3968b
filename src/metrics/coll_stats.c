// SPDX-License-Identifier: Apache-2.0
/*
 * coll_stats - the stats collector: each program's run count, run time and
 * recursion misses from the snapshot, which the kernel counts only while
 * its BPF stats are on (the kernel.bpf_stats_enabled sysctl, or a
 * BPF_ENABLE_STATS fd such as the one --bpf.enable-stats holds), and
 * whether they are on.  The program labels are the core collector's.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "lib/parse.h"
#include "metrics/coll.h"
#include "metrics/coll_labels.h"

#define STATS_SYSCTL "/proc/sys/kernel/bpf_stats_enabled"

/* The sysctl's value: 1 on, 0 off or unreadable (a kernel before 5.8 has none). */
static int sysctl_on(const char *path)
{
	char text[16];
	const char *p = text;
	uint64_t v;
	ssize_t n;
	int fd = open(path ? path : STATS_SYSCTL, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	text[n] = '\0';
	return !parse_dec(&p, NULL, UINT64_MAX, &v) && v != 0;
}

static uint64_t run_cnt(const struct snap_prog *p)
{
	return p->run_cnt;
}

static uint64_t recursion_misses(const struct snap_prog *p)
{
	return p->recursion_misses;
}

static int stats_begin(struct coll_scrape *sc)
{
	sc->priv = coll_labels_objects(sc->snap, SNAP_PROG);
	return sc->priv ? 0 : -ENOMEM;
}

static void stats_end(struct coll_scrape *sc)
{
	coll_labels_free(sc->priv);
}

static void prog_labels(struct coll_scrape *sc, struct om_writer *w, size_t i)
{
	coll_labels_add(w, sc->priv, i);
}

static void emit_prog_u64(struct coll_scrape *sc, const struct coll_family *f, struct om_writer *w)
{
	uint64_t (*value)(const struct snap_prog *) = (uint64_t (*)(const struct snap_prog *))f->arg;

	for (size_t i = 0; i < sc->snap->nr_progs; i++) {
		om_sample_start(w);
		prog_labels(sc, w, i);
		om_sample_u64(w, value(&sc->snap->progs[i]));
	}
}

static void emit_run_time(struct coll_scrape *sc, const struct coll_family *f, struct om_writer *w)
{
	(void)f;
	for (size_t i = 0; i < sc->snap->nr_progs; i++) {
		om_sample_start(w);
		prog_labels(sc, w, i);
		om_sample_double(w, (double)sc->snap->progs[i].run_time_ns / 1e9);
	}
}

static void emit_enabled(struct coll_scrape *sc, const struct coll_family *f, struct om_writer *w)
{
	(void)f;
	coll_emit_single_u64(w, sc->c->stats_fd_held || sysctl_on(sc->c->stats_sysctl));
}

static const struct coll_family families[] = {
	{ "bpf_stats_enabled", OM_GAUGE, NULL,
	  "Whether the kernel counts BPF program runs and their time: 1 while the kernel.bpf_stats_enabled "
	  "sysctl is on or the exporter holds a BPF_ENABLE_STATS fd (--bpf.enable-stats), else 0.",
	  emit_enabled, NULL, NULL },
	{ "bpf_program_run_count", OM_COUNTER, NULL,
	  "Times the BPF program ran while the kernel's BPF stats were on.",
	  emit_prog_u64, (const void *)run_cnt, NULL },
	{ "bpf_program_run_time_seconds", OM_COUNTER, "seconds",
	  "Time the BPF program ran while the kernel's BPF stats were on, in seconds.",
	  emit_run_time, NULL, NULL },
	{ "bpf_program_recursion_misses", OM_COUNTER, NULL,
	  "Runs of the BPF program the kernel skipped because it was already running on that CPU.",
	  emit_prog_u64, (const void *)recursion_misses, NULL },
};

const struct coll_ops coll_stats_ops = {
	.needs_snapshot = true,
	.snap_want = SNAP_WANT_OBJECTS,
	.begin = stats_begin,
	.end = stats_end,
	.families = families,
	.nr_families = sizeof(families) / sizeof(families[0]),
};
