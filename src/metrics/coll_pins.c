// SPDX-License-Identifier: Apache-2.0
/* coll_pins - the pins collector: every path at which an object is pinned (SNAP_WANT_PINS). */
#include "metrics/coll.h"

static void emit_info(struct coll_scrape *sc, const struct coll_family *f, struct om_writer *w)
{
	(void)f;
	for (size_t i = 0; i < sc->snap->nr_pins; i++) {
		const struct snap_pin *p = &sc->snap->pins[i];

		om_sample_start(w);
		om_label(w, "kind", snap_kind_name(p->kind));
		om_label_u64(w, "id", p->id);
		om_label(w, "path", snap_pin_path(sc->snap, p));
		om_sample_u64(w, 1);
	}
}

static const struct coll_family families[] = {
	{ "bpf_pin_info", OM_GAUGE, NULL,
	  "A path in a bpffs at which a BPF program, map or link is pinned; the value is always 1.",
	  emit_info, NULL, NULL },
};

const struct coll_ops coll_pins_ops = {
	.needs_snapshot = true,
	.snap_want = SNAP_WANT_PINS,
	.families = families,
	.nr_families = sizeof(families) / sizeof(families[0]),
};
