// SPDX-License-Identifier: Apache-2.0
/*
 * coll_core - the core collector: every BPF program, map and link of the
 * snapshot.  The names, types and label sets of the first eleven families
 * come from bpfman's bpf-metrics-exporter and must not change (dashboards
 * use them), which is why sizes are counters there.
 */
#include <errno.h>
#include <stdlib.h>

#include "bpf/bpfnames.h"
#include "metrics/coll.h"
#include "metrics/coll_labels.h"

/* Label sets; each object kind has a short one and, for *_info, a full one. */
enum labels { L_PROG_INFO, L_PROG, L_MAP_INFO, L_MAP, L_LINK_INFO };

/* One sample per object of kind, labelled by labels, valued by value. */
struct per_object {
	enum snap_kind kind;
	enum labels labels;
	uint64_t (*value)(const struct snap *s, const void *obj);
};

struct core_scrape {
	struct coll_labels *progs, *maps;
};

static uint64_t load_time_sec(const struct snap *s, const struct snap_prog *p)
{
	int64_t sec;

	snap_boot_to_wall(p->load_time_ns, s->boot_to_wall_ns, &sec, NULL);
	return sec < 0 ? 0 : (uint64_t)sec;
}

#define GETTER(fn, T, expr) \
	static uint64_t fn(const struct snap *s, const void *obj) \
	{ const T *o = obj; (void)s; (void)o; return (expr); }

GETTER(one, void, 1)
GETTER(prog_load_time, struct snap_prog, load_time_sec(s, o))
GETTER(prog_jited, struct snap_prog, o->jited_len)
GETTER(prog_xlated, struct snap_prog, o->xlated_len)
GETTER(prog_mem, struct snap_prog, o->memlock)
GETTER(prog_verified, struct snap_prog, o->verified_insns)
GETTER(map_key_size, struct snap_map, o->key_size)
GETTER(map_value_size, struct snap_map, o->value_size)
GETTER(map_max_entries, struct snap_map, o->max_entries)
GETTER(map_mem, struct snap_map, o->memlock)

static void prog_info_labels(struct om_writer *w, const struct snap *s,
			     const struct snap_prog *p)
{
	const uint32_t *ids = snap_prog_map_ids(s, p);
	struct buf *out = w->out;
	char tag[17], iso[21];
	int64_t sec;

	snap_tag_hex(p->tag, tag);
	om_label(w, "tag", tag);
	om_label(w, "gpl_compatible", p->gpl_compatible ? "true" : "false");
	/* map_ids: ids in kernel order joined by commas. */
	buf_addstr(out, ",map_ids=\"");
	for (uint32_t i = 0; i < p->nr_map_ids; i++) {
		if (i)
			buf_addch(out, ',');
		buf_addu64(out, ids[i]);
	}
	buf_addch(out, '"');
	snap_boot_to_wall(p->load_time_ns, s->boot_to_wall_ns, &sec, iso);
	om_label(w, "load_time", iso);
}

static void map_info_labels(struct om_writer *w, const struct snap_map *m)
{
	om_label_u64(w, "key_size", m->key_size);
	om_label_u64(w, "value_size", m->value_size);
	om_label_u64(w, "max_entries", m->max_entries);
	om_label_u64(w, "flags", m->flags);
}

static void link_labels(struct om_writer *w, const struct snap *s, const struct snap_link *l)
{
	char tbuf[BPFNAMES_LEN];

	om_label_u64(w, "id", l->id);
	om_label_u64(w, "prog_id", l->prog_id);
	om_label_u64(w, "type", l->type);
	om_label(w, "type_name", bpfnames_link_type(l->type, tbuf));
	om_label(w, "attach_type",
		 l->has_attach_type ? bpfnames_attach_type(l->attach_type, tbuf) : "");
	om_label(w, "target", snap_link_target(s, l));
}

static void emit_per_object(struct coll_scrape *sc, const struct coll_family *f,
			    struct om_writer *w)
{
	const struct per_object *po = f->arg;
	const struct core_scrape *cs = sc->priv;
	const struct snap *s = sc->snap;
	size_t n, size;
	const char *base;

	switch (po->kind) {
	case SNAP_PROG:
		n = s->nr_progs, base = (const char *)s->progs, size = sizeof(*s->progs);
		break;
	case SNAP_MAP:
		n = s->nr_maps, base = (const char *)s->maps, size = sizeof(*s->maps);
		break;
	default:
		n = s->nr_links, base = (const char *)s->links, size = sizeof(*s->links);
		break;
	}
	for (size_t i = 0; i < n; i++) {
		const void *obj = base + i * size;

		om_sample_start(w);
		switch (po->labels) {
		case L_PROG_INFO:
		case L_PROG:
			coll_labels_add(w, cs->progs, i);
			if (po->labels == L_PROG_INFO)
				prog_info_labels(w, s, obj);
			break;
		case L_MAP_INFO:
		case L_MAP:
			coll_labels_add(w, cs->maps, i);
			if (po->labels == L_MAP_INFO)
				map_info_labels(w, obj);
			break;
		case L_LINK_INFO:
			link_labels(w, s, obj);
			break;
		}
		om_sample_u64(w, po->value(s, obj));
	}
}

static int core_begin(struct coll_scrape *sc)
{
	struct core_scrape *cs = calloc(1, sizeof(*cs));

	if (!cs)
		return -ENOMEM;
	cs->progs = coll_labels_objects(sc->snap, SNAP_PROG);
	cs->maps = coll_labels_objects(sc->snap, SNAP_MAP);
	if (!cs->progs || !cs->maps) {
		coll_labels_free(cs->progs);
		coll_labels_free(cs->maps);
		free(cs);
		return -ENOMEM;
	}
	sc->priv = cs;
	return 0;
}

static void core_end(struct coll_scrape *sc)
{
	struct core_scrape *cs = sc->priv;

	coll_labels_free(cs->progs);
	coll_labels_free(cs->maps);
	free(cs);
}

#define PER_OBJECT(kind, labels, value) \
	emit_per_object, &(const struct per_object){ kind, labels, value }, NULL

static const struct coll_family families[] = {
	{ "bpf_program_info", OM_GAUGE, NULL,
	  "Information about a loaded BPF program; the value is always 1.",
	  PER_OBJECT(SNAP_PROG, L_PROG_INFO, one) },
	{ "bpf_map_info", OM_GAUGE, NULL,
	  "Information about a BPF map; the value is always 1.",
	  PER_OBJECT(SNAP_MAP, L_MAP_INFO, one) },
	{ "bpf_link_info", OM_GAUGE, NULL,
	  "Information about a BPF link; the value is always 1.",
	  PER_OBJECT(SNAP_LINK, L_LINK_INFO, one) },
	{ "bpf_program_load_time", OM_GAUGE, NULL,
	  "Time the BPF program was loaded, in UTC unix seconds.",
	  PER_OBJECT(SNAP_PROG, L_PROG, prog_load_time) },
	{ "bpf_program_size_jitted_bytes", OM_COUNTER, "bytes",
	  "Size of the BPF program's JIT-compiled machine code in bytes.",
	  PER_OBJECT(SNAP_PROG, L_PROG, prog_jited) },
	{ "bpf_program_size_translated_bytes", OM_COUNTER, "bytes",
	  "Size of the BPF program's translated (xlated) instructions in bytes.",
	  PER_OBJECT(SNAP_PROG, L_PROG, prog_xlated) },
	{ "bpf_program_mem_bytes", OM_COUNTER, "bytes",
	  "Memory locked by the BPF program in bytes (memlock in its fdinfo).",
	  PER_OBJECT(SNAP_PROG, L_PROG, prog_mem) },
	{ "bpf_program_verified_instructions", OM_COUNTER, NULL,
	  "Number of instructions the verifier processed for the BPF program.",
	  PER_OBJECT(SNAP_PROG, L_PROG, prog_verified) },
	{ "bpf_map_key_size", OM_COUNTER, NULL,
	  "Size of a key of the BPF map in bytes.",
	  PER_OBJECT(SNAP_MAP, L_MAP, map_key_size) },
	{ "bpf_map_value_size", OM_COUNTER, NULL,
	  "Size of a value of the BPF map in bytes.",
	  PER_OBJECT(SNAP_MAP, L_MAP, map_value_size) },
	{ "bpf_map_max_entries", OM_COUNTER, NULL,
	  "Maximum number of entries of the BPF map.",
	  PER_OBJECT(SNAP_MAP, L_MAP, map_max_entries) },
	{ "bpf_map_mem_bytes", OM_GAUGE, "bytes",
	  "Memory locked by the BPF map in bytes (memlock in its fdinfo).",
	  PER_OBJECT(SNAP_MAP, L_MAP, map_mem) },
};

const struct coll_ops coll_core_ops = {
	.needs_snapshot = true,
	.begin = core_begin,
	.end = core_end,
	.families = families,
	.nr_families = sizeof(families) / sizeof(families[0]),
};
