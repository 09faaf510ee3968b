/* SPDX-License-Identifier: Apache-2.0 */
/*
 * coll_labels - label sets rendered once per scrape and written into many
 * samples: a program's or map's short set (id, name, type[, type_name]),
 * in every one of that object's families (core, stats), and a holding
 * process's (pid, comm, cgroup, container_id, pod_uid) in the holders'
 * families.  Row i's labels are text[off[i] .. off[i + 1]), escaped, with
 * no leading or trailing comma.  Not shared between threads: one scrape
 * builds, reads and frees its own.
 */
#ifndef BPFME_COLL_LABELS_H
#define BPFME_COLL_LABELS_H

#include <stddef.h>
#include <stdint.h>

#include "bpf/snap.h"
#include "lib/buf.h"
#include "metrics/om.h"

struct coll_labels {
	struct buf text;
	size_t *off;		/* nr + 1 offsets into text */
	size_t nr;		/* rows to render */
	size_t rows;		/* rows started so far */
};

/*
 * An empty set of nr rows, about hint bytes each; NULL when out of memory.
 * Fill it with coll_labels_row() and the adders, then coll_labels_done().
 * Free it with coll_labels_free().
 */
struct coll_labels *coll_labels_new(size_t nr, size_t hint);

/* Start the next row (rows are rendered in order, 0 to nr - 1; at most nr). */
void coll_labels_row(struct coll_labels *l);

/* key="value" (value escaped) in the current row. */
void coll_labels_str(struct coll_labels *l, const char *key, const char *value);

/* key="value" with value in decimal, in the current row. */
void coll_labels_u64(struct coll_labels *l, const char *key, uint64_t value);

/* Close the last row: 0, -ENOMEM (text ran out of memory) or -EINVAL (not nr rows). */
int coll_labels_done(struct coll_labels *l);

/* Free l (NULL is fine). */
void coll_labels_free(struct coll_labels *l);

/* Append row i's labels to w's current sample. */
void coll_labels_add(struct om_writer *w, const struct coll_labels *l, size_t i);

/*
 * The short label set of each program (id, name, type) or map (id, name,
 * type, type_name) of s, kind SNAP_PROG or SNAP_MAP, in s's order; NULL
 * when out of memory.  Free it with coll_labels_free().
 */
struct coll_labels *coll_labels_objects(const struct snap *s, enum snap_kind kind);

#endif
