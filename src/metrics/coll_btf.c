// SPDX-License-Identifier: Apache-2.0
/* coll_btf - the btf collector: every BTF object of the snapshot (SNAP_WANT_BTF). */
#include "metrics/coll.h"

/* Each BTF object's id and name; f->arg NULL: bpf_btf_info (kernel, 1), else its size. */
static void emit(struct coll_scrape *sc, const struct coll_family *f, struct om_writer *w)
{
	bool info = !f->arg;

	for (size_t i = 0; i < sc->snap->nr_btfs; i++) {
		const struct snap_btf *b = &sc->snap->btfs[i];

		om_sample_start(w);
		om_label_u64(w, "id", b->id);
		om_label(w, "name", b->name);
		if (info)
			om_label(w, "kernel", b->kernel ? "true" : "false");
		om_sample_u64(w, info ? 1 : b->size);
	}
}

/* f->arg of the size family: any pointer but NULL */
static const char size_family;

static const struct coll_family families[] = {
	{ "bpf_btf_info", OM_GAUGE, NULL,
	  "Information about a BTF object (kernel: vmlinux's or a module's); the value is always 1.",
	  emit, NULL, NULL },
	{ "bpf_btf_size_bytes", OM_GAUGE, "bytes",
	  "Size of the BTF object's type data in bytes.",
	  emit, &size_family, NULL },
};

const struct coll_ops coll_btf_ops = {
	.needs_snapshot = true,
	.snap_want = SNAP_WANT_BTF,
	.families = families,
	.nr_families = sizeof(families) / sizeof(families[0]),
};
