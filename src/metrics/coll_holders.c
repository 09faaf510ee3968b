// SPDX-License-Identifier: Apache-2.0
/*
 * coll_holders - the holders collector: every process holding an fd to a
 * BPF program, map or link, one series per object and process, labelled
 * with the process's pid, comm, cgroup, container id and pod uid.  The fds
 * come from the kernel's task_file iterator (bpf/iters.c: one read for
 * every fd of the host) when c->holders_by_iter, else from the walk of
 * /proc (holders.c); bpf_exporter_holders_source_info says which.
 *
 * The walk runs beside the round's snapshot (coll_ops.gather, on a thread
 * of its own), so it sees the fds of a moment slightly different from the
 * snapshot's: only objects that are in the snapshot are written, so every
 * holder series joins a bpf_*_info series of the same scrape; an fd to an
 * object that appeared after the snapshot or vanished before it is left
 * out, to be seen by the next scrape.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/capability.h>

#include "metrics/coll.h"
#include "metrics/coll_labels.h"
#include "proc/holders.h"
#include "bpf/iters.h"
#include "lib/log.h"
#include "lib/privs.h"

/* The one warning of a missing CAP_SYS_PTRACE, for the life of the process. */
static bool warned_denied;
static struct log_ratelimit failed_rl = LOG_RATELIMIT_INIT(3600);

/* Whether this collector reads the iterator (else /proc). */
static bool by_iter(const struct collector *c)
{
	return c->holders_by_iter && c->iters && iters_ready(c->iters, ITERS_HOLDERS);
}

/* The BPF fds from the task_file iterator, their processes' comm and cgroup from /proc. */
static int take_by_iter(struct collector *c, struct holders *h, pid_t self)
{
	struct iters_holder *recs = NULL;
	size_t nr = 0, alloc = 0;
	int err = iters_read(c->iters, ITERS_HOLDERS, sizeof(*recs), (void **)&recs, &nr, &alloc);

	if (!err)
		err = holders_take_fds(h, recs, nr, c->holders_proc, self);
	free(recs);
	return err;
}

static int gather(struct collector *c, void **data)
{
	struct holders *h = malloc(sizeof(*h));
	pid_t self = c->holders_self ? c->holders_self : getpid();
	int err;

	*data = NULL;
	if (!h)
		return -ENOMEM;
	holders_init(h);
	err = by_iter(c) ? take_by_iter(c, h, self) : holders_take(h, c->holders_proc, self);
	if (err) {
		if (log_ratelimit_ok(&failed_rl))
			log_warnx("holders: cannot %s %s: %s; the bpf_*_holder_info families are "
				  "left out (further such messages suppressed for an hour)",
				  by_iter(c) ? "read the task_file iterator or" : "walk",
				  c->holders_proc ? c->holders_proc : "/proc", strerror(-err));
		holders_release(h);
		free(h);
		return err;
	}
	if (h->denied && !__atomic_exchange_n(&warned_denied, true, __ATOMIC_RELAXED)) {
		char first[64];

		snprintf(first, sizeof(first), "pid %d, comm %s", (int)h->denied_pid,
			 h->denied_comm[0] ? h->denied_comm : "unknown");
		if (!privs_effective(CAP_SYS_PTRACE))
			log_warnx("holders: cannot read the open files of %u of %u processes (%s%s): "
				  "the BPF objects they hold are not listed as theirs; this needs "
				  "CAP_SYS_PTRACE (this warning is not repeated)", h->denied, h->processes,
				  h->denied > 1 ? "the first: " : "", first);
		else	/* nothing a capability would fix: the host's policy */
			log_info("holders: cannot read the open files of %u of %u processes (%s%s) even "
				 "with CAP_SYS_PTRACE (a security module such as AppArmor or SELinux "
				 "refuses it): the BPF objects they hold are not listed as theirs (this "
				 "line is not repeated)", h->denied, h->processes,
				 h->denied > 1 ? "the first: " : "", first);
	}
	*data = h;
	return 0;
}

static void drop(void *data)
{
	struct holders *h = data;

	if (!h)
		return;
	holders_release(h);
	free(h);
}

/* The labels of each holding process after id, rendered once per scrape. */
static int begin(struct coll_scrape *sc)
{
	const struct holders *h = sc->gathered;
	struct coll_labels *l;

	if (!h)
		return 0;
	l = coll_labels_new(h->nr_procs, 96);
	if (!l)
		return -ENOMEM;
	for (size_t i = 0; i < h->nr_procs; i++) {
		const struct holders_proc *p = &h->procs[i];

		coll_labels_row(l);
		coll_labels_u64(l, "pid", (uint64_t)p->pid);
		coll_labels_str(l, "comm", p->comm);
		coll_labels_str(l, "cgroup", p->cgroup ? p->cgroup : "");
		coll_labels_str(l, "container_id", p->container_id);
		coll_labels_str(l, "pod_uid", p->pod_uid);
	}
	if (coll_labels_done(l)) {
		coll_labels_free(l);
		return -ENOMEM;
	}
	sc->priv = l;
	return 0;
}

static void end(struct coll_scrape *sc)
{
	coll_labels_free(sc->priv);
	sc->priv = NULL;
}

static bool gathered(const struct coll_scrape *sc)
{
	return sc->gathered != NULL && sc->snap != NULL;
}

/* The id of the snapshot's object i of kind, and how many there are. */
static size_t snap_nr(const struct snap *s, enum snap_kind kind)
{
	return kind == SNAP_PROG ? s->nr_progs : kind == SNAP_MAP ? s->nr_maps : s->nr_links;
}

static uint32_t snap_id(const struct snap *s, enum snap_kind kind, size_t i)
{
	return kind == SNAP_PROG ? s->progs[i].id : kind == SNAP_MAP ? s->maps[i].id : s->links[i].id;
}

/*
 * The rows of kind whose object is in the snapshot: both are sorted by id
 * (the snapshot walks get_next_id upward), so one pass over each.
 */
static void emit(struct coll_scrape *sc, const struct coll_family *f, struct om_writer *w)
{
	enum snap_kind kind = (enum snap_kind)(uintptr_t)f->arg;
	const struct holders *h = sc->gathered;
	const struct coll_labels *labels = sc->priv;
	size_t n = snap_nr(sc->snap, kind), j = 0;

	for (size_t i = 0; i < h->nr_rows; i++) {
		const struct holders_row *r = &h->rows[i];

		if (r->kind != kind)
			continue;
		while (j < n && snap_id(sc->snap, kind, j) < r->id)
			j++;
		if (j == n)
			break;
		if (snap_id(sc->snap, kind, j) != r->id)
			continue;	/* not in the snapshot: appeared after it, or vanished */
		om_sample_start(w);
		om_label_u64(w, "id", r->id);
		coll_labels_add(w, labels, r->proc);
		om_sample_u64(w, 1);
	}
}

#define HOLDER_HELP(what) \
	"A process holding an fd to the BPF " what " (1 per " what " and process): its pid, " \
	"comm, cgroup, container id and pod uid"

/* bpf_exporter_holders_source_info{source="iterator"|"procfs"} 1 */
static void emit_source(struct coll_scrape *sc, const struct coll_family *f, struct om_writer *w)
{
	(void)f;
	om_sample_start(w);
	om_label(w, "source", by_iter(sc->c) ? "iterator" : "procfs");
	om_sample_u64(w, 1);
}

static const struct coll_family families[] = {
	{ "bpf_program_holder_info", OM_GAUGE, NULL, HOLDER_HELP("program"), emit,
	  (const void *)(uintptr_t)SNAP_PROG, gathered },
	{ "bpf_map_holder_info", OM_GAUGE, NULL, HOLDER_HELP("map"), emit,
	  (const void *)(uintptr_t)SNAP_MAP, gathered },
	{ "bpf_link_holder_info", OM_GAUGE, NULL, HOLDER_HELP("link"), emit,
	  (const void *)(uintptr_t)SNAP_LINK, gathered },
	{ "bpf_exporter_holders_source_info", OM_GAUGE, NULL,
	  "Where the holders collector finds BPF fds: iterator (the kernel's task_file BPF "
	  "iterator) or procfs (a walk of /proc/PID/fd); the value is always 1.",
	  emit_source, NULL, NULL },
};

const struct coll_ops coll_holders_ops = {
	.needs_snapshot = true,
	.gather = gather,
	.drop = drop,
	.begin = begin,
	.end = end,
	.families = families,
	.nr_families = sizeof(families) / sizeof(families[0]),
};
