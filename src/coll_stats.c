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

#include "bpfnames.h"
#include "collector.h"

#define STATS_SYSCTL "/proc/sys/kernel/bpf_stats_enabled"

/* The sysctl's value: 1 on, 0 off or unreadable (a kernel before 5.8 has none). */
static int sysctl_on(const char *path)
{
	char text[16];
	ssize_t n;
	int fd = open(path ? path : STATS_SYSCTL, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	text[n] = '\0';
	return atoi(text) != 0;
}

static uint64_t run_cnt(const struct snap_prog *p)
{
	return p->run_cnt;
}

static uint64_t recursion_misses(const struct snap_prog *p)
{
	return p->recursion_misses;
}

/*
 * Each program's labels (id, name, type), rendered once per scrape for the
 * three families: program i's are text[off[i] .. off[i + 1]).
 */
struct stats_labels {
	struct buf text;
	size_t *off;
};

static void add_label(struct buf *b, size_t start, const char *key, const char *value)
{
	if (b->len > start)
		buf_addch(b, ',');
	buf_addstr(b, key);
	buf_addstr(b, "=\"");
	om_escape_label_value(b, value);
	buf_addch(b, '"');
}

static int stats_begin(struct coll_scrape *sc)
{
	const struct snap *s = sc->snap;
	struct stats_labels *sl = calloc(1, sizeof(*sl));
	char tbuf[BPFNAMES_LEN], id[24];

	if (!sl)
		return -ENOMEM;
	buf_init(&sl->text, s->nr_progs * 48);
	sl->off = malloc((s->nr_progs + 1) * sizeof(*sl->off));
	if (!sl->off) {
		buf_release(&sl->text);
		free(sl);
		return -ENOMEM;
	}
	for (size_t i = 0; i < s->nr_progs; i++) {
		const struct snap_prog *p = &s->progs[i];
		size_t start = sl->off[i] = sl->text.len;

		snprintf(id, sizeof(id), "%u", p->id);
		add_label(&sl->text, start, "id", id);
		add_label(&sl->text, start, "name", p->name);
		add_label(&sl->text, start, "type", bpfnames_prog_type(p->type, tbuf));
	}
	sl->off[s->nr_progs] = sl->text.len;
	sc->priv = sl;
	if (sl->text.oom) {
		buf_release(&sl->text);
		free(sl->off);
		free(sl);
		sc->priv = NULL;
		return -ENOMEM;
	}
	return 0;
}

static void stats_end(struct coll_scrape *sc)
{
	struct stats_labels *sl = sc->priv;

	buf_release(&sl->text);
	free(sl->off);
	free(sl);
}

static void prog_labels(struct coll_scrape *sc, struct om_writer *w, size_t i)
{
	const struct stats_labels *sl = sc->priv;

	om_labels_raw(w, sl->text.buf + sl->off[i], sl->off[i + 1] - sl->off[i]);
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

const struct coll_ops coll_ops_stats = {
	.needs_snapshot = true,
	.snap_want = SNAP_WANT_OBJECTS,
	.begin = stats_begin,
	.end = stats_end,
	.families = families,
	.nr_families = sizeof(families) / sizeof(families[0]),
};
