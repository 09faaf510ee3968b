// SPDX-License-Identifier: Apache-2.0
/*
 * check_integration - the real binary against the real kernel.  Each test
 * loads its own BPF programs, maps and links, starts the exporter on a free
 * 127.0.0.1 port, scrapes it over HTTP and checks every label and value of
 * every object it loaded against what the kernel itself answers
 * (bpf_obj_get_info_by_fd, fdinfo).  Also: the 0.0.4 text variant and gzip
 * carry the same samples, scrapes under churn, fd leaks, self-metrics.
 * Needs root.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <check.h>

#include "collectors.h"
#include "suites.h"
#include "testutil.h"

#define TCASE_TIMEOUT 120

/* ---- the objects a test loads ---- */

enum { M_HASH, M_ARRAY, M_PERCPU, M_LRU, M_MMAP, M_RINGBUF, M_LONE, NR_MAPS };

static const struct map_spec {
	const char *suffix;
	enum bpf_map_type type;
	uint32_t key_size, value_size, max_entries, flags;
} map_specs[NR_MAPS] = {
	[M_HASH] = { "hash", BPF_MAP_TYPE_HASH, 4, 8, 128, BPF_F_NO_PREALLOC },
	[M_ARRAY] = { "arr", BPF_MAP_TYPE_ARRAY, 4, 16, 32, 0 },
	[M_PERCPU] = { "pcpu", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 24, 8, 0 },
	[M_LRU] = { "lru", BPF_MAP_TYPE_LRU_HASH, 8, 64, 256, 0 },
	[M_MMAP] = { "mmap", BPF_MAP_TYPE_ARRAY, 4, 8, 1024, BPF_F_MMAPABLE },
	/* max_entries: 4 pages, filled in at run time */
	[M_RINGBUF] = { "rb", BPF_MAP_TYPE_RINGBUF, 0, 0, 0, 0 },
	[M_LONE] = { "lone", BPF_MAP_TYPE_HASH, 16, 4, 10, 0 },	/* used by no program */
};

enum { P_SOCK, P_XDP, P_KPROBE, P_TP, P_CLS, P_RAWTP, P_RAWTP2, P_CGSKB, NR_PROGS };

static const struct prog_spec {
	const char *suffix;
	enum bpf_prog_type type;
	const char *license;
	bool gpl;		/* what the kernel should say of the licence */
	int maps[2];
	size_t nr_maps;
	const char *tracepoint;	/* attach a raw-tracepoint link here */
	bool optional;		/* skipped if this kernel refuses to load it */
} prog_specs[NR_PROGS] = {
	[P_SOCK] = { "sf", BPF_PROG_TYPE_SOCKET_FILTER, "GPL", true, { 0 }, 0, NULL, false },
	[P_XDP] = { "xdp", BPF_PROG_TYPE_XDP, "Dual MIT/GPL", true, { M_HASH, M_ARRAY }, 2, NULL, false },
	[P_KPROBE] = { "kp", BPF_PROG_TYPE_KPROBE, "Proprietary", false, { M_PERCPU }, 1, NULL, false },
	[P_TP] = { "tp", BPF_PROG_TYPE_TRACEPOINT, "GPL v2", true, { 0 }, 0, NULL, false },
	[P_CLS] = { "cls", BPF_PROG_TYPE_SCHED_CLS, "MIT", false, { M_LRU, M_ARRAY }, 2, NULL, false },
	[P_RAWTP] = { "rtp", BPF_PROG_TYPE_RAW_TRACEPOINT, "GPL", true, { M_RINGBUF, M_MMAP }, 2,
		      "sched_process_free", false },
	[P_RAWTP2] = { "rtp2", BPF_PROG_TYPE_RAW_TRACEPOINT, "GPL", true, { 0 }, 0,
		       "task_rename", false },
	[P_CGSKB] = { "cg", BPF_PROG_TYPE_CGROUP_SKB, "BSD", false, { M_HASH }, 1, NULL, true },
};

struct objs {
	int map_fd[NR_MAPS];
	int prog_fd[NR_PROGS];		/* -1: not loaded (optional type refused) */
	int link_fd[NR_PROGS];		/* -1: no link for this program */
	char map_name[NR_MAPS][16];
	char prog_name[NR_PROGS][16];
	struct timespec loaded_after[NR_PROGS], loaded_before[NR_PROGS];
};

static struct objs objs;
static struct tu_exporter exporter;

static uint32_t ringbuf_size(void)
{
	return 4 * (uint32_t)sysconf(_SC_PAGESIZE);
}

/* A unique kernel object name: 15 chars of [A-Za-z0-9_] at most. */
static void obj_name(char *buf, const char *suffix)
{
	snprintf(buf, 16, "I%x_%s", (unsigned int)getpid(), suffix);
}

static void objs_close(struct objs *o)
{
	for (int i = 0; i < NR_PROGS; i++) {
		if (o->link_fd[i] >= 0)
			close(o->link_fd[i]);
		if (o->prog_fd[i] >= 0)
			close(o->prog_fd[i]);
		o->link_fd[i] = o->prog_fd[i] = -1;
	}
	for (int i = 0; i < NR_MAPS; i++) {
		if (o->map_fd[i] >= 0)
			close(o->map_fd[i]);
		o->map_fd[i] = -1;
	}
}

static void objs_load(struct objs *o)
{
	memset(o, 0, sizeof(*o));
	for (int i = 0; i < NR_MAPS; i++)
		o->map_fd[i] = -1;
	for (int i = 0; i < NR_PROGS; i++)
		o->prog_fd[i] = o->link_fd[i] = -1;

	for (int i = 0; i < NR_MAPS; i++) {
		const struct map_spec *m = &map_specs[i];
		uint32_t max = m->type == BPF_MAP_TYPE_RINGBUF ? ringbuf_size() : m->max_entries;

		obj_name(o->map_name[i], m->suffix);
		o->map_fd[i] = tu_map_create(m->type, o->map_name[i], m->key_size, m->value_size,
					     max, m->flags);
		ck_assert_msg(o->map_fd[i] >= 0, "creating map %s (%s): %s", o->map_name[i],
			      libbpf_bpf_map_type_str(m->type), strerror(-o->map_fd[i]));
	}
	for (int i = 0; i < NR_PROGS; i++) {
		const struct prog_spec *p = &prog_specs[i];
		int fds[2];

		for (size_t j = 0; j < p->nr_maps; j++)
			fds[j] = o->map_fd[p->maps[j]];
		obj_name(o->prog_name[i], p->suffix);
		clock_gettime(CLOCK_REALTIME, &o->loaded_before[i]);
		o->prog_fd[i] = tu_prog_load(p->type, o->prog_name[i], p->license, fds, p->nr_maps);
		clock_gettime(CLOCK_REALTIME, &o->loaded_after[i]);
		if (o->prog_fd[i] < 0 && p->optional) {
			fprintf(stderr, "note: %s program not loadable here (%s); not checked\n",
				libbpf_bpf_prog_type_str(p->type), strerror(-o->prog_fd[i]));
			o->prog_fd[i] = -1;
			continue;
		}
		ck_assert_msg(o->prog_fd[i] >= 0, "loading %s program %s: %s",
			      libbpf_bpf_prog_type_str(p->type), o->prog_name[i],
			      strerror(-o->prog_fd[i]));
		if (p->tracepoint) {
			o->link_fd[i] = tu_raw_tp_link(o->prog_fd[i], p->tracepoint);
			ck_assert_msg(o->link_fd[i] >= 0, "attaching %s to %s: %s", o->prog_name[i],
				      p->tracepoint, strerror(-o->link_fd[i]));
		}
	}
}

static void exporter_start(void)
{
	int ret = tu_exporter_start(&exporter, NULL);

	if (ret) {
		char *log = tu_exporter_log(&exporter);

		ck_abort_msg("starting %s: %s; its log: %s", tu_bin(), strerror(-ret), log);
	}
}

static void exporter_stop(void)
{
	int status = 0, ret;

	if (exporter.pid <= 0)
		return;
	ret = tu_exporter_stop(&exporter, 5000, &status, NULL);
	ck_assert_msg(ret == 0, "the exporter did not exit within 5 s of SIGTERM");
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "the exporter ended with wait status 0x%x", status);
}

static void setup(void)
{
	/* audit may be on (audit_live leaves it so): keep its queue from throttling churn */
	ck_assert_int_eq(tu_audit_prepare(false), 0);

	tu_raise_nofile(1024);
	objs_load(&objs);
	exporter_start();
}

static void teardown(void)
{
	exporter_stop();
	objs_close(&objs);
}

/* ---- scraping and looking at samples ---- */

/* GET the metrics; the response must be 200. */
static void get(const char *headers, struct tu_http_resp *r)
{
	int ret = tu_http(exporter.port, "GET", "/metrics", headers, r);

	ck_assert_msg(ret == 0, "GET /metrics: %s", strerror(-ret));
	ck_assert_msg(r->status == 200, "GET /metrics: status %d: %.300s", r->status, r->body);
}

/* GET and parse; returns the body (caller frees). */
static char *scrape(const char *headers, struct tu_expo *e)
{
	struct tu_http_resp r;
	char *body;
	int ret;

	get(headers, &r);
	ret = tu_expo_parse(r.body, e);
	ck_assert_msg(ret == 0, "the exposition does not parse (%s): %.300s", strerror(-ret), r.body);
	body = r.body;
	r.body = NULL;
	tu_http_free(&r);
	return body;
}

/* The one sample called name with label id="id"; fails if there are none or several. */
static const struct tu_sample *find_one(const struct tu_expo *e, const char *name, uint32_t id)
{
	const struct tu_sample *found = NULL;
	char idbuf[16];
	size_t n = 0;

	snprintf(idbuf, sizeof(idbuf), "%u", id);
	for (size_t i = 0; i < e->nr; i++) {
		const char *v;

		if (strcmp(e->samples[i].name, name))
			continue;
		v = tu_sample_label(&e->samples[i], "id");
		if (v && !strcmp(v, idbuf)) {
			found = &e->samples[i];
			n++;
		}
	}
	ck_assert_msg(n == 1, "%zu samples %s{id=\"%u\"}, want 1", n, name, id);
	return found;
}

struct kv {
	const char *key;
	const char *value;
};

/* The sample has exactly these labels with these values. */
static void check_labels(const struct tu_sample *s, const struct kv *kv, size_t n)
{
	ck_assert_msg(s->nr_labels == n, "%s has %zu labels, want %zu", s->name, s->nr_labels, n);
	for (size_t i = 0; i < n; i++) {
		const char *v = tu_sample_label(s, kv[i].key);

		ck_assert_msg(v != NULL, "%s{id=\"%s\"} has no label %s", s->name,
			      tu_sample_label(s, "id"), kv[i].key);
		ck_assert_msg(!strcmp(v, kv[i].value), "%s{id=\"%s\"}: %s=\"%s\", want \"%s\"",
			      s->name, tu_sample_label(s, "id"), kv[i].key, v, kv[i].value);
	}
}

/* A sample value that must be a non-negative integer; fails otherwise. */
static uint64_t value_u64(const struct tu_sample *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s->value, &end, 10);
	if (s->value[0] != '-' && *end == '\0' && end != s->value && !errno)
		return v;
	/* "1.0", "1e3": valid too, if integral */
	double d = strtod(s->value, &end);

	ck_assert_msg(*end == '\0' && end != s->value && d >= 0 && d < 1.8e19 &&
		      d == (double)(uint64_t)d, "%s: value \"%s\" is not a non-negative integer",
		      s->name, s->value);
	return (uint64_t)d;
}

static void check_value(const struct tu_sample *s, uint64_t want)
{
	uint64_t v = value_u64(s);

	ck_assert_msg(v == want, "%s{id=\"%s\"} = %s, want %" PRIu64, s->name,
		      tu_sample_label(s, "id"), s->value, want);
}

/* Parse "YYYY-MM-DDTHH:MM:SSZ" strictly into unix seconds; fails otherwise. */
static int64_t parse_rfc3339(const char *s)
{
	static const char pat[] = "dddd-dd-ddTdd:dd:ddZ";
	struct tm tm;

	ck_assert_msg(strlen(s) == strlen(pat), "load_time \"%s\" is not YYYY-MM-DDTHH:MM:SSZ", s);
	for (size_t i = 0; pat[i]; i++)
		ck_assert_msg(pat[i] == 'd' ? (s[i] >= '0' && s[i] <= '9') : s[i] == pat[i],
			      "load_time \"%s\" is not YYYY-MM-DDTHH:MM:SSZ", s);
	memset(&tm, 0, sizeof(tm));
	ck_assert(sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
			 &tm.tm_hour, &tm.tm_min, &tm.tm_sec) == 6);
	ck_assert_msg(tm.tm_mon >= 1 && tm.tm_mon <= 12 && tm.tm_mday >= 1 && tm.tm_mday <= 31 &&
		      tm.tm_hour < 24 && tm.tm_min < 60 && tm.tm_sec < 61, "load_time \"%s\" out of range", s);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (int64_t)timegm(&tm);
}

/* ---- what the kernel says ---- */

struct prog_kinfo {
	struct bpf_prog_info info;
	uint32_t map_ids[8];
	uint64_t memlock;
};

static void read_prog(int fd, struct prog_kinfo *k)
{
	uint32_t len = sizeof(k->info);
	int ret = tu_obj_info(fd, &k->info, sizeof(k->info));

	ck_assert_msg(ret == 0, "prog info: %s", strerror(-ret));
	ck_assert_uint_le(k->info.nr_map_ids, 8);
	/* a second call for the map ids, in the kernel's order */
	memset(k->map_ids, 0, sizeof(k->map_ids));
	memset(&k->info, 0, sizeof(k->info));
	k->info.nr_map_ids = 8;
	k->info.map_ids = (uint64_t)(uintptr_t)k->map_ids;
	ck_assert_int_eq(bpf_obj_get_info_by_fd(fd, &k->info, &len), 0);
	k->memlock = tu_fdinfo_memlock(fd);
}

static void tag_hex(const uint8_t tag[8], char out[17])
{
	for (int i = 0; i < 8; i++)
		snprintf(out + 2 * i, 3, "%02x", tag[i]);
}

/* Every id of one kind the kernel lists now, sorted (get_next_id ascends). */
static size_t kernel_ids(int (*next_id)(__u32, __u32 *), uint32_t *ids, size_t max)
{
	__u32 id = 0;
	size_t n = 0;

	while (!next_id(id, &id)) {
		ck_assert_msg(n < max, "more than %zu BPF objects", max);
		ids[n++] = id;
	}
	return n;
}

/* ---- checking one object ---- */

static void check_prog(const struct tu_expo *e, int i)
{
	static const char *const short_families[] = {
		"bpf_program_load_time", "bpf_program_size_jitted_bytes_total",
		"bpf_program_size_translated_bytes_total", "bpf_program_mem_bytes_total",
		"bpf_program_verified_instructions_total",
	};
	const struct prog_spec *p = &prog_specs[i];
	struct prog_kinfo k;
	char id[16], tag[17], map_ids[128] = "";
	const char *type;
	const struct tu_sample *s;
	int64_t before = objs.loaded_before[i].tv_sec, after = objs.loaded_after[i].tv_sec;
	int64_t label_time, value_time;
	uint64_t values[5];

	read_prog(objs.prog_fd[i], &k);
	/* Sanity: the kernel has what the test asked for. */
	ck_assert_str_eq(k.info.name, objs.prog_name[i]);
	ck_assert_uint_eq(k.info.type, p->type);
	ck_assert_uint_eq(k.info.gpl_compatible, p->gpl);
	ck_assert_uint_eq(k.info.nr_map_ids, p->nr_maps);
	for (size_t j = 0; j < p->nr_maps; j++) {
		struct bpf_map_info mi;
		bool found = false;

		ck_assert_int_eq(tu_obj_info(objs.map_fd[p->maps[j]], &mi, sizeof(mi)), 0);
		for (size_t m = 0; m < k.info.nr_map_ids; m++)
			found |= k.map_ids[m] == mi.id;
		ck_assert_msg(found, "%s: kernel map_ids lack map %u", objs.prog_name[i], mi.id);
	}

	snprintf(id, sizeof(id), "%u", k.info.id);
	type = libbpf_bpf_prog_type_str(k.info.type);
	ck_assert_ptr_nonnull(type);
	tag_hex(k.info.tag, tag);
	for (uint32_t j = 0; j < k.info.nr_map_ids; j++)
		snprintf(map_ids + strlen(map_ids), sizeof(map_ids) - strlen(map_ids), "%s%u",
			 j ? "," : "", k.map_ids[j]);

	s = find_one(e, "bpf_program_info", k.info.id);
	{
		const char *lt = tu_sample_label(s, "load_time");

		ck_assert_msg(lt != NULL, "bpf_program_info{id=\"%s\"} has no load_time", id);
		label_time = parse_rfc3339(lt);
		const struct kv want[] = {
			{ "id", id }, { "name", objs.prog_name[i] }, { "type", type },
			{ "tag", tag }, { "gpl_compatible", p->gpl ? "true" : "false" },
			{ "map_ids", map_ids }, { "load_time", lt },
		};
		check_labels(s, want, sizeof(want) / sizeof(want[0]));
	}
	check_value(s, 1);
	ck_assert_msg(label_time >= before - 1 && label_time <= after + 1,
		      "%s: load_time label %s is outside [%" PRId64 ", %" PRId64 "] (loaded then)",
		      objs.prog_name[i], tu_sample_label(s, "load_time"), before - 1, after + 1);

	values[0] = (uint64_t)label_time;
	values[1] = k.info.jited_prog_len;
	values[2] = k.info.xlated_prog_len;
	values[3] = k.memlock;
	values[4] = k.info.verified_insns;
	/* Things a real program has: a test that could pass on zeros would prove little. */
	ck_assert_uint_gt(k.info.xlated_prog_len, 0);
	ck_assert_uint_gt(k.memlock, 0);
	ck_assert_uint_gt(k.info.verified_insns, 0);
	for (size_t f = 0; f < 5; f++) {
		const struct kv want[] = { { "id", id }, { "name", objs.prog_name[i] }, { "type", type } };

		s = find_one(e, short_families[f], k.info.id);
		check_labels(s, want, 3);
		check_value(s, values[f]);
	}
	s = find_one(e, "bpf_program_load_time", k.info.id);
	value_time = (int64_t)value_u64(s);
	ck_assert_msg(value_time >= before - 1 && value_time <= after + 1,
		      "%s: bpf_program_load_time %" PRId64 " is outside [%" PRId64 ", %" PRId64 "]",
		      objs.prog_name[i], value_time, before - 1, after + 1);
}

static void check_map(const struct tu_expo *e, int i)
{
	static const char *const short_families[] = {
		"bpf_map_key_size_total", "bpf_map_value_size_total",
		"bpf_map_max_entries_total", "bpf_map_mem_bytes",
	};
	const struct map_spec *m = &map_specs[i];
	struct bpf_map_info info;
	char id[16], type[16], key[16], value[16], max[16], flags[16];
	const char *type_name;
	const struct tu_sample *s;
	uint64_t memlock, values[4];

	ck_assert_int_eq(tu_obj_info(objs.map_fd[i], &info, sizeof(info)), 0);
	memlock = tu_fdinfo_memlock(objs.map_fd[i]);
	ck_assert_str_eq(info.name, objs.map_name[i]);
	ck_assert_uint_eq(info.type, m->type);
	ck_assert_uint_eq(info.map_flags, m->flags);
	ck_assert_uint_gt(memlock, 0);

	snprintf(id, sizeof(id), "%u", info.id);
	snprintf(type, sizeof(type), "%u", info.type);
	snprintf(key, sizeof(key), "%u", info.key_size);
	snprintf(value, sizeof(value), "%u", info.value_size);
	snprintf(max, sizeof(max), "%u", info.max_entries);
	snprintf(flags, sizeof(flags), "%u", info.map_flags);
	type_name = libbpf_bpf_map_type_str(info.type);
	ck_assert_ptr_nonnull(type_name);

	s = find_one(e, "bpf_map_info", info.id);
	{
		const struct kv want[] = {
			{ "id", id }, { "name", objs.map_name[i] }, { "type", type },
			{ "type_name", type_name }, { "key_size", key }, { "value_size", value },
			{ "max_entries", max }, { "flags", flags },
		};
		check_labels(s, want, sizeof(want) / sizeof(want[0]));
	}
	check_value(s, 1);

	values[0] = info.key_size;
	values[1] = info.value_size;
	values[2] = info.max_entries;
	values[3] = memlock;
	for (size_t f = 0; f < 4; f++) {
		const struct kv want[] = {
			{ "id", id }, { "name", objs.map_name[i] }, { "type", type },
			{ "type_name", type_name },
		};

		s = find_one(e, short_families[f], info.id);
		check_labels(s, want, 4);
		check_value(s, values[f]);
	}
}

static void check_link(const struct tu_expo *e, int i)
{
	struct bpf_link_info info;
	struct bpf_prog_info pinfo;
	char id[16], prog_id[16], type[16];
	const char *type_name;
	const struct tu_sample *s;

	ck_assert_int_eq(tu_obj_info(objs.link_fd[i], &info, sizeof(info)), 0);
	ck_assert_int_eq(tu_obj_info(objs.prog_fd[i], &pinfo, sizeof(pinfo)), 0);
	ck_assert_uint_eq(info.prog_id, pinfo.id);
	ck_assert_uint_eq(info.type, BPF_LINK_TYPE_RAW_TRACEPOINT);

	snprintf(id, sizeof(id), "%u", info.id);
	snprintf(prog_id, sizeof(prog_id), "%u", info.prog_id);
	snprintf(type, sizeof(type), "%u", info.type);
	type_name = libbpf_bpf_link_type_str(info.type);
	ck_assert_ptr_nonnull(type_name);

	s = find_one(e, "bpf_link_info", info.id);
	{
		/* raw tracepoints say no attach type; the target is the tracepoint */
		const struct kv want[] = {
			{ "id", id }, { "prog_id", prog_id }, { "type", type },
			{ "type_name", type_name }, { "attach_type", "" },
			{ "target", prog_specs[i].tracepoint },
		};
		check_labels(s, want, sizeof(want) / sizeof(want[0]));
	}
	check_value(s, 1);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* ids of the *_info samples called name, sorted; each must appear once. */
static size_t exported_ids(const struct tu_expo *e, const char *name, uint32_t *ids, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < e->nr; i++) {
		const char *v;
		char *end;

		if (strcmp(e->samples[i].name, name))
			continue;
		v = tu_sample_label(&e->samples[i], "id");
		ck_assert_msg(v && *v, "%s without an id", name);
		ck_assert(n < max);
		ids[n++] = (uint32_t)strtoul(v, &end, 10);
		ck_assert_msg(!*end, "%s{id=\"%s\"}: not a number", name, v);
	}
	qsort(ids, n, sizeof(*ids), cmp_u32);
	for (size_t i = 1; i < n; i++)
		ck_assert_msg(ids[i - 1] != ids[i], "%s{id=\"%u\"} twice", name, ids[i]);
	return n;
}

/* ids is sorted */
static bool contains(const uint32_t *ids, size_t n, uint32_t id)
{
	return bsearch(&id, ids, n, sizeof(*ids), cmp_u32) != NULL;
}

#define MAX_IDS 65536

/*
 * The exporter lists exactly the objects the kernel lists.  Other processes
 * may load and unload objects around the scrape, so the kernel is listed
 * right before and right after it: every object listed both times must be
 * exported, and every exported object not listed either time must be one
 * that has gone since (ENOENT now), not one the exporter made up.  When
 * nothing changed this is: the same ids, as many samples as objects.
 */
static void check_complete(void)
{
	static const struct {
		const char *family;
		int (*next_id)(__u32, __u32 *);
		int (*fd_by_id)(__u32);
	} kinds[] = {
		{ "bpf_program_info", bpf_prog_get_next_id, bpf_prog_get_fd_by_id },
		{ "bpf_map_info", bpf_map_get_next_id, bpf_map_get_fd_by_id },
		{ "bpf_link_info", bpf_link_get_next_id, bpf_link_get_fd_by_id },
	};
	uint32_t *before = calloc(MAX_IDS, sizeof(uint32_t));
	uint32_t *after = calloc(MAX_IDS, sizeof(uint32_t));
	uint32_t *got = calloc(MAX_IDS, sizeof(uint32_t));

	ck_assert(before && after && got);
	for (size_t k = 0; k < 3; k++) {
		struct tu_expo e;
		size_t nb, na, ng, transient = 0;
		char *body;

		nb = kernel_ids(kinds[k].next_id, before, MAX_IDS);
		body = scrape(NULL, &e);
		na = kernel_ids(kinds[k].next_id, after, MAX_IDS);
		ng = exported_ids(&e, kinds[k].family, got, MAX_IDS);
		for (size_t i = 0; i < nb; i++)
			if (contains(after, na, before[i]))
				ck_assert_msg(contains(got, ng, before[i]),
					      "the kernel lists id %u before and after the scrape, "
					      "%s lacks it", before[i], kinds[k].family);
		for (size_t i = 0; i < ng; i++) {
			int fd;

			if (contains(before, nb, got[i]) || contains(after, na, got[i]))
				continue;
			fd = kinds[k].fd_by_id(got[i]);
			if (fd >= 0)
				close(fd);
			ck_assert_msg(fd < 0 && errno == ENOENT,
				      "%s{id=\"%u\"}: the kernel did not list it, yet it exists",
				      kinds[k].family, got[i]);
			transient++;
		}
		if (nb == na && !memcmp(before, after, nb * sizeof(uint32_t)) && !transient)
			ck_assert_msg(ng == nb, "%zu %s samples, the kernel lists %zu",
				      ng, kinds[k].family, nb);
		tu_expo_free(&e);
		free(body);
	}
	free(before);
	free(after);
	free(got);
}

/* ---- tests ---- */

START_TEST(test_every_object)
{
	struct tu_expo e;
	char *body = scrape(NULL, &e);
	size_t progs = 0, links = 0;

	for (int i = 0; i < NR_PROGS; i++) {
		if (objs.prog_fd[i] < 0)
			continue;
		check_prog(&e, i);
		progs++;
		if (objs.link_fd[i] >= 0) {
			check_link(&e, i);
			links++;
		}
	}
	for (int i = 0; i < NR_MAPS; i++)
		check_map(&e, i);
	ck_assert_uint_ge(progs, NR_PROGS - 1);
	ck_assert_uint_eq(links, 2);
	tu_expo_free(&e);
	free(body);
	check_complete();
}
END_TEST

/* Two map ids, comma-joined in the kernel's order, and the same map shared by two programs. */
START_TEST(test_map_ids_order)
{
	struct tu_expo e;
	char *body = scrape(NULL, &e);
	struct prog_kinfo xdp, cls;
	struct bpf_map_info arr;
	char want[64];
	const struct tu_sample *s;

	read_prog(objs.prog_fd[P_XDP], &xdp);
	read_prog(objs.prog_fd[P_CLS], &cls);
	ck_assert_int_eq(tu_obj_info(objs.map_fd[M_ARRAY], &arr, sizeof(arr)), 0);
	ck_assert_uint_eq(xdp.info.nr_map_ids, 2);
	snprintf(want, sizeof(want), "%u,%u", xdp.map_ids[0], xdp.map_ids[1]);
	s = find_one(&e, "bpf_program_info", xdp.info.id);
	ck_assert_str_eq(tu_sample_label(s, "map_ids"), want);
	ck_assert(strchr(want, ',') && xdp.map_ids[0] != xdp.map_ids[1]);
	ck_assert_uint_eq(cls.info.nr_map_ids, 2);
	snprintf(want, sizeof(want), "%u,%u", cls.map_ids[0], cls.map_ids[1]);
	s = find_one(&e, "bpf_program_info", cls.info.id);
	ck_assert_str_eq(tu_sample_label(s, "map_ids"), want);
	/* the array map is in both programs' lists */
	snprintf(want, sizeof(want), "%u", arr.id);
	for (int i = 0; i < 2; i++) {
		struct prog_kinfo *k = i ? &cls : &xdp;
		const char *ids = tu_sample_label(find_one(&e, "bpf_program_info", k->info.id), "map_ids");
		char *copy = strdup(ids), *tok, *save = NULL;
		bool found = false;

		for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
			found |= !strcmp(tok, want);
		free(copy);
		ck_assert_msg(found, "map_ids=\"%s\" lacks the shared map %s", ids, want);
	}
	/* no maps: empty label */
	read_prog(objs.prog_fd[P_SOCK], &xdp);
	s = find_one(&e, "bpf_program_info", xdp.info.id);
	ck_assert_str_eq(tu_sample_label(s, "map_ids"), "");
	tu_expo_free(&e);
	free(body);
}
END_TEST

/*
 * The objects that existed throughout a pair of scrapes, per kind (program,
 * map, link), sorted.  Others may come and go between the two scrapes when
 * other processes load and unload BPF objects, so only these are compared.
 */
struct stable_ids {
	uint32_t *ids[3];
	size_t n[3];
	bool churned;		/* the kernel's lists changed during the pair */
};

static int (*const next_id_fn[3])(__u32, __u32 *) = {
	bpf_prog_get_next_id, bpf_map_get_next_id, bpf_link_get_next_id,
};

static void stable_begin(struct stable_ids *st)
{
	memset(st, 0, sizeof(*st));
	for (int k = 0; k < 3; k++) {
		st->ids[k] = calloc(MAX_IDS, sizeof(uint32_t));
		ck_assert_ptr_nonnull(st->ids[k]);
		st->n[k] = kernel_ids(next_id_fn[k], st->ids[k], MAX_IDS);
	}
}

/* Keep the ids listed at stable_begin() that the kernel still lists. */
static void stable_end(struct stable_ids *st)
{
	uint32_t *now = calloc(MAX_IDS, sizeof(uint32_t));

	ck_assert_ptr_nonnull(now);
	for (int k = 0; k < 3; k++) {
		size_t n = kernel_ids(next_id_fn[k], now, MAX_IDS), kept = 0;

		st->churned |= n != st->n[k] || memcmp(now, st->ids[k], n * sizeof(*now));
		for (size_t i = 0; i < st->n[k]; i++)
			if (contains(now, n, st->ids[k][i]))
				st->ids[k][kept++] = st->ids[k][i];
		st->n[k] = kept;
	}
	free(now);
}

static void stable_free(struct stable_ids *st)
{
	for (int k = 0; k < 3; k++)
		free(st->ids[k]);
	memset(st, 0, sizeof(*st));
}

/* Whether a sample line is about an object that did not exist throughout. */
static bool transient_object(const char *line, const struct stable_ids *st)
{
	static const char *const prefixes[3] = { "bpf_program_", "bpf_map_", "bpf_link_" };
	const char *id;

	for (int k = 0; k < 3; k++) {
		if (strncmp(line, prefixes[k], strlen(prefixes[k])))
			continue;
		id = strstr(line, "{id=\"");
		if (!id)
			id = strstr(line, ",id=\"");
		ck_assert_msg(id != NULL, "no id label: %.200s", line);
		return !contains(st->ids[k], st->n[k], (uint32_t)strtoul(id + 5, NULL, 10));
	}
	return false;
}

/*
 * The body without the lines that change on every scrape (durations, scrape
 * count, the request counts and process_*), without comments if samples_only, and, if st is given,
 * without objects that did not exist throughout (and without the skipped
 * objects counters if the kernel's lists changed meanwhile).
 */
static char *stable_lines(const char *body, bool samples_only, const struct stable_ids *st)
{
	char *copy = strdup(body), *out = malloc(strlen(body) + 1), *end = out, *line, *save = NULL;

	ck_assert(copy && out);
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		size_t len = strlen(line);

		if ((samples_only && line[0] == '#') ||
		    !strncmp(line, "bpf_exporter_scrape_duration_seconds ", 37) ||
		    !strncmp(line, "bpf_exporter_scrape_collector_duration_seconds{", 47) ||
		    !strncmp(line, "bpf_exporter_scrapes_total ", 27) ||
		    /* the exporter's requests and process change from one scrape to the next */
		    !strncmp(line, "bpf_exporter_http_requests", 26) || !strncmp(line, "process_", 8))
			continue;
		if (st && line[0] != '#' &&
		    (transient_object(line, st) ||
		     (st->churned && !strncmp(line, "bpf_exporter_skipped_objects_total{", 35))))
			continue;
		memcpy(end, line, len);
		end += len;
		*end++ = '\n';
	}
	*end = '\0';
	free(copy);
	return out;
}

static bool has_line(const char *body, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = body; (p = strstr(p, line)); p += n)
		if ((p == body || p[-1] == '\n') && p[n] == '\n')
			return true;
	return false;
}

/*
 * The body with the given headers, gunzipped if gzip was asked for (then the
 * response must say Content-Encoding: gzip; else it must not).
 */
static char *fetch(const char *headers, bool gzip)
{
	struct tu_http_resp r;
	char *enc, *out;
	size_t len;

	get(headers, &r);
	enc = tu_http_header(&r, "Content-Encoding");
	if (gzip) {
		ck_assert_msg(enc && !strcmp(enc, "gzip"), "Content-Encoding: %s, want gzip",
			      enc ? enc : "(none)");
		ck_assert_msg(r.body_len >= 2 && (unsigned char)r.body[0] == 0x1f &&
			      (unsigned char)r.body[1] == 0x8b, "the body is not gzip");
		ck_assert_int_eq(tu_gunzip(r.body, r.body_len, &out, &len), 0);
		ck_assert_uint_eq(strlen(out), len);
	} else {
		ck_assert_msg(!enc, "Content-Encoding: %s without Accept-Encoding", enc);
		out = r.body;
		r.body = NULL;
	}
	free(enc);
	tu_http_free(&r);
	return out;
}

/* Request headers for a message: "A: b; C: d". */
static const char *oneline(const char *h, char *buf, size_t len)
{
	size_t n = 0;

	for (; h && *h && n + 3 < len; h++) {
		if (*h == '\r')
			continue;
		if (*h == '\n') {
			if (h[1])
				buf[n++] = ';', buf[n++] = ' ';
			continue;
		}
		buf[n++] = *h;
	}
	buf[n] = '\0';
	return n ? buf : "no headers";
}

/*
 * Compare two variants.  Other processes may load and unload BPF objects
 * between the two scrapes: only objects that existed throughout are
 * compared, and a mismatch is retried a few times.
 */
static void check_same(const char *h1, bool gz1, const char *h2, bool gz2, bool samples_only)
{
	char *a = NULL, *b = NULL, *sa = NULL, *sb = NULL;
	bool same = false;

	for (int attempt = 0; attempt < 5 && !same; attempt++) {
		struct stable_ids st;

		free(a), free(b), free(sa), free(sb);
		stable_begin(&st);
		a = fetch(h1, gz1);
		b = fetch(h2, gz2);
		stable_end(&st);
		sa = stable_lines(a, samples_only, &st);
		sb = stable_lines(b, samples_only, &st);
		stable_free(&st);
		same = !strcmp(sa, sb);
	}
	if (!same) {
		size_t i = 0, line = 1, start = 0;
		char n1[256], n2[256];

		while (sa[i] && sa[i] == sb[i]) {
			if (sa[i] == '\n')
				line++, start = i + 1;
			i++;
		}
		ck_abort_msg("[%s] and [%s] differ from line %zu: \"%.120s\" vs \"%.120s\"",
			     oneline(h1, n1, sizeof(n1)), oneline(h2, n2, sizeof(n2)), line,
			     sa + start, sb + start);
	}
	/* and they are about our objects */
	{
		char want[64];

		snprintf(want, sizeof(want), "name=\"%s\"", objs.prog_name[P_XDP]);
		ck_assert_ptr_nonnull(strstr(sa, want));
	}
	free(a), free(b), free(sa), free(sb);
}

START_TEST(test_gzip_same)
{
	/* OpenMetrics plain vs gzip: the whole body, comments and # EOF included */
	check_same(NULL, false, "Accept-Encoding: gzip\r\n", true, false);
	check_same("Accept-Encoding: identity\r\n", false, "Accept-Encoding: deflate, gzip;q=0.5\r\n",
		   true, false);
	/* 0.0.4 plain vs gzip */
	check_same("Accept: text/plain\r\n", false,
		   "Accept: text/plain\r\nAccept-Encoding: gzip\r\n", true, false);
}
END_TEST

START_TEST(test_text_same_samples)
{
	char *om = fetch(NULL, false), *text = fetch("Accept: text/plain\r\n", false);

	/* 0.0.4 names the counter family with _total; OpenMetrics does not. */
	ck_assert_msg(has_line(text, "# TYPE bpf_map_key_size_total counter"), "%.300s", text);
	ck_assert_msg(has_line(om, "# TYPE bpf_map_key_size counter"), "%.300s", om);
	ck_assert(!has_line(om, "# TYPE bpf_map_key_size_total counter"));
	/* # UNIT and # EOF only in OpenMetrics */
	ck_assert(has_line(om, "# UNIT bpf_map_mem_bytes bytes"));
	ck_assert_ptr_null(strstr(text, "# UNIT"));
	ck_assert_ptr_null(strstr(text, "# EOF"));
	ck_assert(strlen(om) >= 6 && !strcmp(om + strlen(om) - 6, "# EOF\n"));
	free(om);
	free(text);
	/* the samples are the same */
	check_same(NULL, false, "Accept: text/plain\r\n", false, true);
}
END_TEST

/* ---- churn ---- */

/*
 * The churn process: create a map and a program using it, close both, until
 * the parent closes stop_fd or 40 s pass.  Writes its iteration count to
 * report_fd.
 */
static void churn(int stop_fd, int report_fd)
{
	double deadline = tu_now_ms() + 40000;
	unsigned long n = 0, failed = 0;
	char name[16];

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	snprintf(name, sizeof(name), "C%x", (unsigned int)getpid());
	while (tu_now_ms() < deadline && n < 1000000) {
		struct pollfd pfd = { .fd = stop_fd, .events = POLLIN };
		int map, prog;

		if (poll(&pfd, 1, 0) != 0)
			break;
		map = tu_map_create(BPF_MAP_TYPE_ARRAY, name, 4, 8, 4, 0);
		prog = map >= 0 ? tu_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, name, "GPL", &map, 1) : -1;
		if (prog < 0)
			failed++;
		if (prog >= 0)
			close(prog);
		if (map >= 0)
			close(map);
		n++;
	}
	dprintf(report_fd, "%lu %lu\n", n, failed);
	_exit(0);
}

static uint64_t vanished_sum(const struct tu_expo *e, uint64_t per_kind[3])
{
	static const char *const kinds[] = { "program", "map", "link" };
	uint64_t sum = 0;

	for (int k = 0; k < 3; k++) {
		const struct tu_sample *s = NULL;
		size_t n = 0;

		for (size_t i = 0; i < e->nr; i++) {
			const char *kind = tu_sample_label(&e->samples[i], "kind");
			const char *reason = tu_sample_label(&e->samples[i], "reason");

			if (!strcmp(e->samples[i].name, "bpf_exporter_skipped_objects_total") &&
			    kind && reason && !strcmp(kind, kinds[k]) && !strcmp(reason, "vanished")) {
				s = &e->samples[i];
				n++;
			}
		}
		ck_assert_msg(n == 1, "%zu skipped_objects samples for kind=%s,reason=vanished",
			      n, kinds[k]);
		per_kind[k] = value_u64(s);
		sum += per_kind[k];
	}
	return sum;
}

START_TEST(test_churn)
{
	int stop[2], report[2], status;
	uint64_t last[3] = { 0, 0, 0 }, first_sum = 0, sum = 0;
	unsigned long iterations = 0, failed = 0;
	double deadline;
	char line[64] = "";
	int scrapes = 0;
	pid_t child;
	ssize_t n;

	ck_assert_int_eq(pipe2(stop, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(report, O_CLOEXEC), 0);
	child = fork();
	ck_assert_int_ge(child, 0);
	if (child == 0) {
		close(stop[1]);
		close(report[0]);
		churn(stop[0], report[1]);
	}
	close(stop[0]);
	close(report[1]);

	deadline = tu_now_ms() + 35000;
	for (scrapes = 0; scrapes < 200 && tu_now_ms() < deadline; scrapes++) {
		uint64_t now[3];
		struct tu_expo e;
		char *body = scrape(NULL, &e);

		sum = vanished_sum(&e, now);
		if (!scrapes)
			first_sum = sum;
		for (int k = 0; k < 3; k++) {
			ck_assert_msg(now[k] >= last[k], "vanished counter went from %" PRIu64
				      " to %" PRIu64 " on scrape %d", last[k], now[k], scrapes);
			last[k] = now[k];
		}
		/* one snapshot: every program family has the same objects */
		ck_assert_uint_eq(tu_expo_count(&e, "bpf_program_load_time"),
				  tu_expo_count(&e, "bpf_program_info"));
		ck_assert_uint_eq(tu_expo_count(&e, "bpf_program_mem_bytes_total"),
				  tu_expo_count(&e, "bpf_program_info"));
		ck_assert_uint_eq(tu_expo_count(&e, "bpf_map_mem_bytes"),
				  tu_expo_count(&e, "bpf_map_info"));
		ck_assert_ptr_nonnull(strstr(body, "\n# EOF\n"));
		tu_expo_free(&e);
		free(body);
	}
	close(stop[1]);

	/* the child stops at once now; give it 15 s at most */
	if (tu_reap(child, 15000, &status))
		ck_abort_msg("the churn process did not stop");
	n = read(report[0], line, sizeof(line) - 1);
	close(report[0]);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_int_gt((int)n, 0);
	line[n] = '\0';
	ck_assert_int_eq(sscanf(line, "%lu %lu", &iterations, &failed), 2);
	ck_assert_uint_gt(iterations, 0);
	ck_assert_uint_eq(failed, 0);
	ck_assert_int_ge(scrapes, 20);
	fprintf(stderr, "churn: %d scrapes during %lu load/close cycles; vanished objects "
		"counted: %" PRIu64 " (%" PRIu64 " programs, %" PRIu64 " maps, %" PRIu64
		" links; %" PRIu64 " by the first scrape)\n", scrapes, iterations, sum,
		last[0], last[1], last[2], first_sum);

	/* still serving, and our own objects are all there */
	{
		struct tu_expo e;
		char *body = scrape(NULL, &e);

		check_prog(&e, P_XDP);
		check_map(&e, M_RINGBUF);
		tu_expo_free(&e);
		free(body);
	}
}
END_TEST

/* ---- fds ---- */

/* The exporter's fd count once it has settled (two equal readings 50 ms apart). */
static int settled_fds(int want)
{
	int prev = -1, cur = -1;

	for (int i = 0; i < 100; i++) {
		cur = tu_fd_count(exporter.pid);
		ck_assert_msg(cur > 0, "counting the exporter's fds: %s", strerror(-cur));
		if (cur == prev && (want < 0 || cur == want))
			return cur;
		prev = cur;
		usleep(50000);
	}
	return cur;
}

START_TEST(test_no_fd_leak)
{
	struct tu_http_resp r;
	int before, after, n;
	double start;

	get(NULL, &r);		/* warm-up */
	tu_http_free(&r);
	before = settled_fds(-1);
	start = tu_now_ms();
	for (n = 0; n < 1000; n++) {
		/* bounded in time too: many objects on a busy machine make scrapes slow */
		if (tu_now_ms() - start > 80000) {
			fprintf(stderr, "note: fd check after %d scrapes (80 s)\n", n);
			break;
		}
		get(n % 2 ? "Accept-Encoding: gzip\r\n" : NULL, &r);
		tu_http_free(&r);
	}
	ck_assert_int_ge(n, 100);
	after = settled_fds(before);
	ck_assert_msg(after == before, "the exporter had %d fds before 1000 scrapes and %d after",
		      before, after);
}
END_TEST

/* ---- self-metrics ---- */

static const struct tu_sample *find_only(const struct tu_expo *e, const char *name)
{
	ck_assert_msg(tu_expo_count(e, name) == 1, "%zu samples %s, want 1",
		      tu_expo_count(e, name), name);
	return tu_expo_find(e, name, NULL, NULL);
}

START_TEST(test_self_metrics)
{
	char *const argv[] = { (char *)tu_bin(), "--version", NULL };
	char *out = NULL, *version, *nl, *body;
	uint64_t scrapes[3];
	struct tu_expo e;
	const struct tu_sample *s;
	double d;
	char *end;
	int status;

	/* the version the binary reports is the one in build_info */
	ck_assert_int_eq(tu_run(argv, 10000, NULL, &status, &out), 0);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_msg(!strncmp(out, "bpf-metrics-exporter ", 21), "--version said: %.200s", out);
	version = out + 21;
	nl = strchr(version, '\n');
	if (nl)
		*nl = '\0';
	ck_assert(*version);

	for (int i = 0; i < 3; i++) {
		body = scrape(NULL, &e);
		s = find_only(&e, "bpf_exporter_build_info");
		ck_assert_str_eq(tu_sample_label(s, "version"), version);
		ck_assert_str_eq(s->value, "1");
		ck_assert_msg(has_line(body, "# TYPE bpf_exporter_build_info gauge"), "%.300s", body);

		s = find_only(&e, "bpf_exporter_scrape_duration_seconds");
		ck_assert_uint_eq(s->nr_labels, 0);
		d = strtod(s->value, &end);
		ck_assert_msg(!*end && d > 0 && d < 10, "scrape duration \"%s\"", s->value);
		ck_assert(has_line(body, "# TYPE bpf_exporter_scrape_duration_seconds gauge"));

		s = find_only(&e, "bpf_exporter_scrapes_total");
		ck_assert_uint_eq(s->nr_labels, 0);
		scrapes[i] = value_u64(s);
		ck_assert(has_line(body, "# TYPE bpf_exporter_scrapes counter"));

		s = find_only(&e, "bpf_exporter_scrape_errors_total");
		ck_assert_uint_eq(s->nr_labels, 0);
		ck_assert_str_eq(s->value, "0");
		ck_assert(has_line(body, "# TYPE bpf_exporter_scrape_errors counter"));

		ck_assert_uint_eq(tu_expo_count(&e, "bpf_exporter_skipped_objects_total"), 8);	/* 4 kinds, 2 reasons */
		tu_expo_free(&e);
		free(body);
	}
	/* the fixture has not scraped: this exporter has served only these */
	ck_assert_uint_eq(scrapes[0], 1);
	ck_assert_uint_eq(scrapes[1], scrapes[0] + 1);
	ck_assert_uint_eq(scrapes[2], scrapes[1] + 1);
	free(out);
}
END_TEST

/* ---- the per-collector families ---- */

#define DURATIONS "bpf_exporter_scrape_collector_duration_seconds"
#define SUCCESS "bpf_exporter_scrape_collector_success"

/* GET path (200) from the exporter on port and parse it; returns the body (caller frees). */
static char *scrape_at(int port, const char *path, struct tu_expo *e)
{
	struct tu_http_resp r;
	char *body;
	int ret = tu_http(port, "GET", path, NULL, &r);

	ck_assert_msg(ret == 0, "GET %s: %s", path, strerror(-ret));
	ck_assert_msg(r.status == 200, "GET %s: status %d: %.300s", path, r.status, r.body);
	ret = tu_expo_parse(r.body, e);
	ck_assert_msg(ret == 0, "the exposition does not parse (%s): %.300s", strerror(-ret), r.body);
	body = r.body;
	r.body = NULL;
	tu_http_free(&r);
	return body;
}

/* The value of the sample called name with collector="collector": 0 or 1 for success, -1: none. */
static int collector_success(const struct tu_expo *e, const char *collector)
{
	const struct tu_sample *s = tu_expo_find(e, SUCCESS, "collector", collector);

	if (!s)
		return -1;
	ck_assert_msg(!strcmp(s->value, "0") || !strcmp(s->value, "1"), "%s{collector=\"%s\"} %s",
		      SUCCESS, collector, s->value);
	return s->value[0] - '0';
}

/* "snapshot" and the collectors on by default, as check_collector_families() wants them. */
static const char *default_collectors(void)
{
	static char want[256];
	size_t n = (size_t)snprintf(want, sizeof(want), "snapshot");

	for (size_t i = 0; i < collectors_table.nr_defs; i++)
		if (collectors_table.defs[i].default_on)
			n += (size_t)snprintf(want + n, sizeof(want) - n, " %s",
					      collectors_table.defs[i].name);
	return want;
}

/*
 * The per-collector families of one scrape: a duration and a success sample
 * for each part named in want ("snapshot core ...", in that order; "": the
 * families are absent) and for nothing else, each labelled by collector
 * alone, both gauges; durations non-negative and together at most the
 * scrape's own.
 */
static void check_collector_families(const char *body, const struct tu_expo *e, const char *want)
{
	static const char *const names[] = { DURATIONS, SUCCESS };
	double sum = 0, total;
	char *end;

	for (size_t k = 0; k < 2; k++) {
		char got[256];
		size_t n = 0;

		got[0] = '\0';
		for (size_t i = 0; i < e->nr; i++) {
			const struct tu_sample *s = &e->samples[i];

			if (strcmp(s->name, names[k]))
				continue;
			ck_assert_msg(s->nr_labels == 1 && !strcmp(s->labels[0].key, "collector"),
				      "%s with labels other than collector: %zu", names[k], s->nr_labels);
			n += (size_t)snprintf(got + n, sizeof(got) - n, "%s%s", n ? " " : "",
					      s->labels[0].value);
			if (k == 0) {
				double d = strtod(s->value, &end);

				ck_assert_msg(!*end && d >= 0 && d < 10, "%s{collector=\"%s\"} %s",
					      names[k], s->labels[0].value, s->value);
				sum += d;
			}
		}
		ck_assert_msg(!strcmp(got, want), "%s for \"%s\", want \"%s\"", names[k], got, want);
	}
	if (*want) {
		ck_assert_msg(has_line(body, "# TYPE " DURATIONS " gauge"), "%.300s", body);
		ck_assert_msg(has_line(body, "# TYPE " SUCCESS " gauge"), "%.300s", body);
	} else {
		ck_assert_ptr_null(strstr(body, "# TYPE " DURATIONS));
		ck_assert_ptr_null(strstr(body, "# TYPE " SUCCESS));
	}
	/* the parts follow one another within the scrape (and print to 17 digits) */
	ck_assert_uint_eq(tu_expo_count(e, "bpf_exporter_scrape_duration_seconds"), 1);
	total = strtod(tu_expo_find(e, "bpf_exporter_scrape_duration_seconds", NULL, NULL)->value, &end);
	ck_assert_msg(sum <= total + 1e-9, "the collectors' durations add up to %.9f s, the scrape "
		      "took %.9f s", sum, total);
}

/*
 * Every collector that runs, and only those, gets its two series, with
 * collect[] too; success says what its families say: 1 for the snapshot
 * and the collectors whose source is the snapshot or /proc, the audit
 * collector's as bpf_audit_listener_up, the loaders' as that and
 * bpf_audit_kernel_enabled not 0, entries' as whether
 * bpf_map_entries is written (this kernel's iterator).
 */
START_TEST(test_collector_families)
{
	static const char *const collect[][2] = {
		{ "/metrics?collect[]=core&collect[]=audit", "snapshot core audit" },
		{ "/metrics?collect[]=stats&collect[]=core", "snapshot core stats" },	/* table order */
		{ "/metrics?collect[]=holders", "snapshot holders" },
		/* the round's snapshot is taken for the collectors that are on: its time is in this scrape */
		{ "/metrics?collect[]=audit", "snapshot audit" },
	};
	const struct tu_sample *up, *kernel;
	struct tu_expo e;
	char *body;
	int listening;

	body = scrape_at(exporter.port, "/metrics", &e);
	check_collector_families(body, &e, default_collectors());
	ck_assert_int_eq(collector_success(&e, "snapshot"), 1);
	ck_assert_int_eq(collector_success(&e, "core"), 1);
	ck_assert_int_eq(collector_success(&e, "stats"), 1);
	ck_assert_int_eq(collector_success(&e, "holders"), 1);
	ck_assert_int_eq(collector_success(&e, "entries"), tu_expo_count(&e, "bpf_map_entries") > 0);
	up = tu_expo_find(&e, "bpf_audit_listener_up", NULL, NULL);
	ck_assert_ptr_nonnull(up);
	listening = !strcmp(up->value, "1");
	ck_assert_int_eq(collector_success(&e, "audit"), listening);
	/* LOAD events arrive: subscribed, and the kernel's audit not known to be off */
	kernel = tu_expo_find(&e, "bpf_audit_kernel_enabled", NULL, NULL);
	ck_assert_int_eq(collector_success(&e, "loaders"),
			 listening && !(kernel && !strcmp(kernel->value, "0")));
	tu_expo_free(&e);
	free(body);

	for (size_t i = 0; i < sizeof(collect) / sizeof(collect[0]); i++) {
		body = scrape_at(exporter.port, collect[i][0], &e);
		check_collector_families(body, &e, collect[i][1]);
		tu_expo_free(&e);
		free(body);
	}
	/* and in the 0.0.4 text format, which promtool reads */
	{
		struct tu_http_resp r;

		ck_assert_int_eq(tu_http(exporter.port, "GET", "/metrics?collect[]=core", "Accept: text/plain\r\n",
					 &r), 0);
		ck_assert_int_eq(r.status, 200);
		ck_assert_int_eq(tu_expo_parse(r.body, &e), 0);
		check_collector_families(r.body, &e, "snapshot core");
		tu_expo_free(&e);
		tu_http_free(&r);
	}
}
END_TEST

/* Start an exporter of its own with args and child_setup (NULL: none), or fail the test. */
static void own_exporter(struct tu_exporter *x, const char *const *args, void (*child_setup)(void))
{
	int ret = tu_exporter_start_setup(x, args, child_setup);

	if (ret) {
		char *log = tu_exporter_log(x);

		ck_abort_msg("starting %s: %s; its log: %s", tu_bin(), strerror(-ret), log);
	}
}

static void own_exporter_stop(struct tu_exporter *x, char **log)
{
	int status = 0;

	ck_assert_int_eq(tu_exporter_stop_with(x, SIGTERM, 5000, &status, NULL, log), 0);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "wait status 0x%x", status);
}

/*
 * --collector.disable-defaults with two collectors named: only they (and
 * the snapshot they read) run.  The loaders collector without the audit
 * side (--no-audit) has no LOAD events to read: its success is 0, the log
 * said why at start, and its family is absent.
 */
START_TEST(test_collector_disable_defaults)
{
	static const char *const args[] = {
		"--collector.disable-defaults", "--collector.loaders", "--no-audit", "--collector.stats", NULL,
	};
	static const char *const none[] = { "--collector.disable-defaults", NULL };
	struct tu_exporter x;
	struct tu_http_resp r;
	struct tu_expo e;
	char *body, *log;

	own_exporter(&x, args, NULL);
	body = scrape_at(x.port, "/metrics", &e);
	check_collector_families(body, &e, "snapshot loaders stats");
	ck_assert_int_eq(collector_success(&e, "loaders"), 0);
	ck_assert_int_eq(collector_success(&e, "stats"), 1);
	ck_assert_int_eq(collector_success(&e, "snapshot"), 1);
	ck_assert_uint_eq(tu_expo_count(&e, "bpf_program_loader_info"), 0);
	ck_assert_uint_eq(tu_expo_count(&e, "bpf_program_info"), 0);	/* core: off */
	ck_assert_uint_gt(tu_expo_count(&e, "bpf_program_run_count_total"), 0);
	tu_expo_free(&e);
	free(body);
	ck_assert_int_eq(tu_http(x.port, "GET", "/metrics?collect[]=core", NULL, &r), 0);
	ck_assert_msg(r.status == 400 && strstr(r.body, "the collector is off"), "%d %s", r.status, r.body);
	tu_http_free(&r);
	own_exporter_stop(&x, &log);
	ck_assert_msg(strstr(log, "loaders: bpf_program_loader_info is left out"), "log: %s", log);
	free(log);

	/* nothing named: no collector runs, no snapshot is taken, the families are absent */
	own_exporter(&x, none, NULL);
	body = scrape_at(x.port, "/metrics", &e);
	check_collector_families(body, &e, "");
	ck_assert_uint_eq(tu_expo_count(&e, "bpf_exporter_build_info"), 1);
	tu_expo_free(&e);
	free(body);
	own_exporter_stop(&x, NULL);
}
END_TEST

/* In the exporter's child: no CAP_AUDIT_READ, ever (root's capabilities come from the bounding set). */
static void drop_audit_read(void)
{
	if (prctl(PR_CAPBSET_DROP, CAP_AUDIT_READ, 0, 0, 0))
		_exit(126);
}

/*
 * A source the exporter cannot read: without CAP_AUDIT_READ it cannot
 * subscribe to the audit log, so the audit and loaders collectors report 0
 * in every scrape while the rest report 1.
 */
START_TEST(test_collector_failure)
{
	struct tu_exporter x;
	struct tu_expo e;
	char *body, *log;

	own_exporter(&x, NULL, drop_audit_read);
	for (int i = 0; i < 2; i++) {
		body = scrape_at(x.port, "/metrics", &e);
		check_collector_families(body, &e, default_collectors());
		ck_assert_str_eq(tu_expo_find(&e, "bpf_audit_listener_up", NULL, NULL)->value, "0");
		ck_assert_int_eq(collector_success(&e, "audit"), 0);
		ck_assert_int_eq(collector_success(&e, "loaders"), 0);
		ck_assert_int_eq(collector_success(&e, "snapshot"), 1);
		ck_assert_int_eq(collector_success(&e, "core"), 1);
		ck_assert_int_eq(collector_success(&e, "holders"), 1);
		ck_assert_int_eq(collector_success(&e, "stats"), 1);
		tu_expo_free(&e);
		free(body);
	}
	own_exporter_stop(&x, &log);
	ck_assert_msg(strstr(log, "CAP_AUDIT_READ"), "log: %s", log);
	free(log);
}
END_TEST

Suite *integration_suite(void)
{
	Suite *s = suite_create("integration");
	TCase *tc;

	tc = tcase_create("objects");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, TCASE_TIMEOUT);
	tcase_add_test(tc, test_every_object);
	tcase_add_test(tc, test_map_ids_order);
	suite_add_tcase(s, tc);

	tc = tcase_create("variants");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, TCASE_TIMEOUT);
	tcase_add_test(tc, test_gzip_same);
	tcase_add_test(tc, test_text_same_samples);
	suite_add_tcase(s, tc);

	tc = tcase_create("churn");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, TCASE_TIMEOUT);
	tcase_add_test(tc, test_churn);
	suite_add_tcase(s, tc);

	tc = tcase_create("fds");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, TCASE_TIMEOUT);
	tcase_add_test(tc, test_no_fd_leak);
	suite_add_tcase(s, tc);

	tc = tcase_create("self");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, TCASE_TIMEOUT);
	tcase_add_test(tc, test_self_metrics);
	suite_add_tcase(s, tc);

	tc = tcase_create("collectors");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, TCASE_TIMEOUT);
	tcase_add_test(tc, test_collector_families);
	tcase_add_test(tc, test_collector_disable_defaults);
	tcase_add_test(tc, test_collector_failure);
	suite_add_tcase(s, tc);
	return s;
}
