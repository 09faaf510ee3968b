// SPDX-License-Identifier: Apache-2.0
/* coll_labels - label sets rendered once per scrape; see coll_labels.h. */
#include "metrics/coll_labels.h"

#include <errno.h>
#include <stdlib.h>

#include "bpf/bpfnames.h"

struct coll_labels *coll_labels_new(size_t nr, size_t hint)
{
	struct coll_labels *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->off = malloc((nr + 1) * sizeof(*l->off));
	if (!l->off) {
		free(l);
		return NULL;
	}
	buf_init(&l->text, nr * hint);
	l->nr = nr;
	return l;
}

void coll_labels_row(struct coll_labels *l)
{
	if (l->rows < l->nr)
		l->off[l->rows++] = l->text.len;
}

/* key=" after a comma unless it starts the row */
static void open_label(struct coll_labels *l, const char *key)
{
	if (l->rows && l->text.len > l->off[l->rows - 1])
		buf_addch(&l->text, ',');
	buf_addstr(&l->text, key);
	buf_addstr(&l->text, "=\"");
}

void coll_labels_str(struct coll_labels *l, const char *key, const char *value)
{
	open_label(l, key);
	om_escape_label_value(&l->text, value);
	buf_addch(&l->text, '"');
}

void coll_labels_u64(struct coll_labels *l, const char *key, uint64_t value)
{
	open_label(l, key);
	buf_addu64(&l->text, value);
	buf_addch(&l->text, '"');
}

int coll_labels_done(struct coll_labels *l)
{
	l->off[l->nr] = l->text.len;
	if (l->text.oom)
		return -ENOMEM;
	return l->rows == l->nr ? 0 : -EINVAL;
}

void coll_labels_free(struct coll_labels *l)
{
	if (!l)
		return;
	buf_release(&l->text);
	free(l->off);
	free(l);
}

void coll_labels_add(struct om_writer *w, const struct coll_labels *l, size_t i)
{
	om_labels_raw(w, l->text.buf + l->off[i], l->off[i + 1] - l->off[i]);
}

struct coll_labels *coll_labels_objects(const struct snap *s, enum snap_kind kind)
{
	size_t n = kind == SNAP_PROG ? s->nr_progs : s->nr_maps;
	struct coll_labels *l = coll_labels_new(n, 64);
	char tbuf[BPFNAMES_LEN];

	if (!l)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		coll_labels_row(l);
		if (kind == SNAP_PROG) {
			const struct snap_prog *p = &s->progs[i];

			coll_labels_u64(l, "id", p->id);
			coll_labels_str(l, "name", p->name);
			coll_labels_str(l, "type", bpfnames_prog_type(p->type, tbuf));
		} else {
			const struct snap_map *m = &s->maps[i];

			coll_labels_u64(l, "id", m->id);
			coll_labels_str(l, "name", m->name);
			coll_labels_u64(l, "type", m->type);
			coll_labels_str(l, "type_name", bpfnames_map_type(m->type, tbuf));
		}
	}
	if (coll_labels_done(l)) {
		coll_labels_free(l);
		return NULL;
	}
	return l;
}
