// SPDX-License-Identifier: Apache-2.0
/* collector - the metric catalogue: BPF snapshot -> OpenMetrics families. */
#include "collector.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/libbpf.h>

#include "log.h"

/* Label sets; each object kind has a short one and, for *_info, a full one. */
enum labels { L_PROG_INFO, L_PROG, L_MAP_INFO, L_MAP, L_LINK_INFO };

struct family {
	const char *name;
	enum om_type type;
	const char *unit;
	const char *help;
	enum snap_kind kind;
	enum labels labels;
	uint64_t (*value)(const struct snap *s, const void *obj);
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

/*
 * The catalogue.  Names, types and label sets of the first eleven come from
 * bpfman's bpf-metrics-exporter and must not change (dashboards use them),
 * which is why sizes are counters there.
 */
static const struct family families[] = {
	{ "bpf_program_info", OM_GAUGE, NULL,
	  "Information about a loaded BPF program; the value is always 1.",
	  SNAP_PROG, L_PROG_INFO, one },
	{ "bpf_map_info", OM_GAUGE, NULL,
	  "Information about a BPF map; the value is always 1.",
	  SNAP_MAP, L_MAP_INFO, one },
	{ "bpf_link_info", OM_GAUGE, NULL,
	  "Information about a BPF link; the value is always 1.",
	  SNAP_LINK, L_LINK_INFO, one },
	{ "bpf_program_load_time", OM_GAUGE, NULL,
	  "Time the BPF program was loaded, in UTC unix seconds.",
	  SNAP_PROG, L_PROG, prog_load_time },
	{ "bpf_program_size_jitted_bytes", OM_COUNTER, "bytes",
	  "Size of the BPF program's JIT-compiled machine code in bytes.",
	  SNAP_PROG, L_PROG, prog_jited },
	{ "bpf_program_size_translated_bytes", OM_COUNTER, "bytes",
	  "Size of the BPF program's translated (xlated) instructions in bytes.",
	  SNAP_PROG, L_PROG, prog_xlated },
	{ "bpf_program_mem_bytes", OM_COUNTER, "bytes",
	  "Memory locked by the BPF program in bytes (memlock in its fdinfo).",
	  SNAP_PROG, L_PROG, prog_mem },
	{ "bpf_program_verified_instructions", OM_COUNTER, NULL,
	  "Number of instructions the verifier processed for the BPF program.",
	  SNAP_PROG, L_PROG, prog_verified },
	{ "bpf_map_key_size", OM_COUNTER, NULL,
	  "Size of a key of the BPF map in bytes.",
	  SNAP_MAP, L_MAP, map_key_size },
	{ "bpf_map_value_size", OM_COUNTER, NULL,
	  "Size of a value of the BPF map in bytes.",
	  SNAP_MAP, L_MAP, map_value_size },
	{ "bpf_map_max_entries", OM_COUNTER, NULL,
	  "Maximum number of entries of the BPF map.",
	  SNAP_MAP, L_MAP, map_max_entries },
	{ "bpf_map_mem_bytes", OM_GAUGE, "bytes",
	  "Memory locked by the BPF map in bytes (memlock in its fdinfo).",
	  SNAP_MAP, L_MAP, map_mem },
};

const struct coll_def coll_defs[] = {
	{ "core", true, "every BPF program, map and link (bpf_program_*, bpf_map_*, bpf_link_*)" },
	{ "audit", true, "BPF program LOAD/UNLOAD events from the kernel audit log (bpf_audit_*, /events)" },
};
const size_t coll_nr_defs = sizeof(coll_defs) / sizeof(coll_defs[0]);

int coll_find(const char *name)
{
	for (size_t i = 0; i < coll_nr_defs; i++)
		if (!strcmp(coll_defs[i].name, name))
			return (int)i;
	return -1;
}

void coll_init(struct collector *c, const char *version)
{
	memset(c, 0, sizeof(*c));
	c->version = version;
}

void coll_set_audit(struct collector *c, struct ev_ring *ring, struct audit_reader *audit)
{
	c->ring = ring;
	c->audit = audit;
}

static const char *type_name(const char *known, uint32_t type, char *buf)
{
	if (known)
		return known;
	snprintf(buf, 32, "%u", type);
	return buf;
}

const char *coll_prog_type_name(uint32_t type, char *buf)
{
	return type_name(libbpf_bpf_prog_type_str((enum bpf_prog_type)type), type, buf);
}

const char *coll_map_type_name(uint32_t type, char *buf)
{
	return type_name(libbpf_bpf_map_type_str((enum bpf_map_type)type), type, buf);
}

const char *coll_link_type_name(uint32_t type, char *buf)
{
	return type_name(libbpf_bpf_link_type_str((enum bpf_link_type)type), type, buf);
}

/*
 * The short label set of each program and map (id, name, type[, type_name])
 * is in every one of that object's families: render it once per scrape.
 */
struct short_labels {
	struct buf text;
	size_t *off;		/* object i's labels are text[off[i] .. off[i + 1]) */
};

/* key="value" (escaped), after a comma unless it starts the object's set */
static void add_label(struct buf *b, size_t start, const char *key, const char *value)
{
	if (b->len > start)
		buf_addch(b, ',');
	buf_addstr(b, key);
	buf_addstr(b, "=\"");
	om_escape_label_value(b, value);
	buf_addch(b, '"');
}

static void add_label_u64(struct buf *b, size_t start, const char *key, uint64_t value)
{
	if (b->len > start)
		buf_addch(b, ',');
	buf_addstr(b, key);
	buf_addstr(b, "=\"");
	buf_addu64(b, value);
	buf_addch(b, '"');
}

/* 0 or -ENOMEM */
static int short_labels_build(struct short_labels *sl, const struct snap *s, enum snap_kind kind)
{
	size_t n = kind == SNAP_PROG ? s->nr_progs : s->nr_maps;
	struct buf *b = &sl->text;
	char tbuf[32];

	buf_init(b, n * 64);
	sl->off = malloc((n + 1) * sizeof(*sl->off));
	if (!sl->off)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		size_t start = sl->off[i] = b->len;

		if (kind == SNAP_PROG) {
			const struct snap_prog *p = &s->progs[i];

			add_label_u64(b, start, "id", p->id);
			add_label(b, start, "name", p->name);
			add_label(b, start, "type", coll_prog_type_name(p->type, tbuf));
		} else {
			const struct snap_map *m = &s->maps[i];

			add_label_u64(b, start, "id", m->id);
			add_label(b, start, "name", m->name);
			add_label_u64(b, start, "type", m->type);
			add_label(b, start, "type_name", coll_map_type_name(m->type, tbuf));
		}
	}
	sl->off[n] = b->len;
	return b->oom ? -ENOMEM : 0;
}

static void short_labels_release(struct short_labels *sl)
{
	buf_release(&sl->text);
	free(sl->off);
	sl->off = NULL;
}

static void short_labels_add(struct om_writer *w, const struct short_labels *sl, size_t i)
{
	om_labels_raw(w, sl->text.buf + sl->off[i], sl->off[i + 1] - sl->off[i]);
}

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

static void link_labels(struct om_writer *w, const struct snap_link *l)
{
	char tbuf[32];

	om_label_u64(w, "id", l->id);
	om_label_u64(w, "prog_id", l->prog_id);
	om_label_u64(w, "type", l->type);
	om_label(w, "type_name", coll_link_type_name(l->type, tbuf));
}

static void write_family(struct om_writer *w, const struct snap *s, const struct family *f,
			 const struct short_labels *progs, const struct short_labels *maps)
{
	size_t n, size;
	const char *base;

	switch (f->kind) {
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
	om_family(w, f->name, f->type, f->unit, f->help);
	for (size_t i = 0; i < n; i++) {
		const void *obj = base + i * size;

		om_sample_start(w);
		switch (f->labels) {
		case L_PROG_INFO:
		case L_PROG:
			short_labels_add(w, progs, i);
			if (f->labels == L_PROG_INFO)
				prog_info_labels(w, s, obj);
			break;
		case L_MAP_INFO:
		case L_MAP:
			short_labels_add(w, maps, i);
			if (f->labels == L_MAP_INFO)
				map_info_labels(w, obj);
			break;
		case L_LINK_INFO:
			link_labels(w, obj);
			break;
		}
		om_sample_u64(w, f->value(s, obj));
	}
}

/* A family of one sample without labels. */
static void single(struct om_writer *w, const char *name, enum om_type type,
		   const char *help, uint64_t value)
{
	om_family(w, name, type, NULL, help);
	om_sample_start(w);
	om_sample_u64(w, value);
}

static uint64_t load(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static void write_self(struct collector *c, struct om_writer *w, double duration_s)
{
	static const char *const reasons[] = { "vanished", "error" };

	om_family(w, "bpf_exporter_build_info", OM_GAUGE, NULL,
		  "Version of the exporter and of the libbpf it runs with; the value is always 1.");
	om_sample_start(w);
	om_label(w, "version", c->version);
	{
		char lv[32];

		snprintf(lv, sizeof(lv), "%u.%u", libbpf_major_version(), libbpf_minor_version());
		om_label(w, "libbpf_version", lv);
	}
	om_sample_u64(w, 1);

	om_family(w, "bpf_exporter_scrape_duration_seconds", OM_GAUGE, "seconds",
		  "Time this scrape took to snapshot the kernel's BPF objects and render them, in seconds.");
	om_sample_start(w);
	om_sample_double(w, duration_s);

	single(w, "bpf_exporter_scrapes", OM_COUNTER,
	       "Scrapes of the metrics endpoint since the exporter started, failed ones included.",
	       load(&c->scrapes));

	single(w, "bpf_exporter_scrape_errors", OM_COUNTER,
	       "Scrapes that failed because the kernel's BPF objects could not be listed.",
	       load(&c->scrape_errors));

	om_family(w, "bpf_exporter_skipped_objects", OM_COUNTER, NULL,
		  "BPF objects listed but left out of a scrape: vanished before they could be opened, or an error reading them.");
	for (int r = 0; r < 2; r++) {
		for (int k = 0; k < SNAP_NR_KINDS; k++) {
			om_sample_start(w);
			om_label(w, "kind", snap_kind_name((enum snap_kind)k));
			om_label(w, "reason", reasons[r]);
			om_sample_u64(w, load(r ? &c->failed[k] : &c->vanished[k]));
		}
	}
}

static void write_objects(struct om_writer *w, const struct snap *s)
{
	struct short_labels progs = { .off = NULL }, maps = { .off = NULL };

	if (short_labels_build(&progs, s, SNAP_PROG) || short_labels_build(&maps, s, SNAP_MAP)) {
		w->out->oom = true;	/* answered 500: out of memory */
		goto out;
	}
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		write_family(w, s, &families[i], &progs, &maps);
out:
	short_labels_release(&progs);
	short_labels_release(&maps);
}

#define STR_(x) #x
#define STR(x) STR_(x)

/* Rows in ev_comm_counts() order, each with every op (0 for an op not seen). */
static void write_by_comm(struct collector *c, struct om_writer *w)
{
	struct ev_comm_count *rows = malloc(EV_COMM_ROWS * sizeof(*rows));
	size_t n;

	om_family(w, "bpf_audit_events_by_comm", OM_COUNTER, NULL,
		  "BPF program LOAD and UNLOAD events by the command name of the process that caused them "
		  "(at most " STR(EV_COMM_NAMES) " names; then comm=\"" EV_COMM_OTHER "\").");
	if (!rows) {
		w->out->oom = true;	/* answered 500: out of memory */
		return;
	}
	n = ev_comm_counts(c->ring, rows);
	for (size_t i = 0; i < n; i++) {
		for (int op = 0; op < EV_NR_OPS; op++) {
			om_sample_start(w);
			om_label(w, "op", ev_op_name((enum ev_op)op));
			om_label(w, "comm", rows[i].comm);
			om_sample_u64(w, rows[i].n[op]);
		}
	}
	free(rows);
}

static void write_audit(struct collector *c, struct om_writer *w)
{
	struct audit_metrics m;

	if (!c->ring)
		return;
	audit_get_metrics(c->audit, &m);

	om_family(w, "bpf_audit_events", OM_COUNTER, NULL,
		  "BPF program LOAD and UNLOAD records read from the kernel audit log since the exporter started.");
	for (int op = 0; op < EV_NR_OPS; op++) {
		om_sample_start(w);
		om_label(w, "op", ev_op_name((enum ev_op)op));
		om_sample_u64(w, ev_ops(c->ring, (enum ev_op)op));
	}
	write_by_comm(c, w);
	single(w, "bpf_audit_listener_up", OM_GAUGE,
	       "1 while the exporter is subscribed to the audit log and the kernel's audit is enabled, else 0.",
	       m.subscribed && m.have_status && m.enabled);
	single(w, "bpf_audit_socket_drops", OM_COUNTER,
	       "Audit messages dropped because the exporter's audit socket buffer was full.",
	       m.socket_drops);
	single(w, "bpf_audit_parse_errors", OM_COUNTER,
	       "Audit records the exporter could not parse.",
	       ev_parse_errors(c->ring));
	if (!m.have_status)
		return;	/* reading the kernel's status needs CAP_AUDIT_CONTROL */
	single(w, "bpf_audit_kernel_enabled", OM_GAUGE,
	       "The kernel's audit enabled setting: 0 off, 1 on, 2 on and locked.",
	       m.enabled);
	single(w, "bpf_audit_kernel_lost", OM_COUNTER,
	       "Audit records the kernel lost (its own count, which resets when the kernel's audit is reconfigured).",
	       m.lost);
	single(w, "bpf_audit_kernel_backlog", OM_GAUGE,
	       "Audit records waiting in the kernel's backlog queue.",
	       m.backlog);
}

void coll_write(struct collector *c, const struct snap *s, struct om_writer *w,
		double duration_s)
{
	write_objects(w, s);
	write_audit(c, w);
	write_self(c, w, duration_s);
	om_eof(w);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int coll_scrape(void *collector, struct buf *out, enum om_format fmt,
		char *err, size_t errlen)
{
	struct collector *c = collector;
	struct om_writer w;
	struct snap s;
	double start = now_s();
	int ret;

	__atomic_add_fetch(&c->scrapes, 1, __ATOMIC_RELAXED);
	snap_init(&s);
	ret = snap_take(&s);
	if (ret) {
		__atomic_add_fetch(&c->scrape_errors, 1, __ATOMIC_RELAXED);
		snprintf(err, errlen, "%s", s.error);
		goto out;
	}
	for (int k = 0; k < SNAP_NR_KINDS; k++) {
		__atomic_add_fetch(&c->vanished[k], s.vanished[k], __ATOMIC_RELAXED);
		__atomic_add_fetch(&c->failed[k], s.failed[k], __ATOMIC_RELAXED);
	}
	/* one allocation instead of a doubling series of copies */
	buf_grow(out, (size_t)(load(&c->last_size) + load(&c->last_size) / 8));
	om_writer_init(&w, out, fmt);
	/* The duration covers the snapshot and the kernel objects' families. */
	write_objects(&w, &s);
	write_audit(c, &w);
	write_self(c, &w, now_s() - start);
	om_eof(&w);
	__atomic_store_n(&c->last_size, (uint64_t)out->len, __ATOMIC_RELAXED);
out:
	snap_release(&s);
	return ret;
}
