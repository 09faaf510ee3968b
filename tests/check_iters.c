// SPDX-License-Identifier: Apache-2.0
/*
 * check_iters - the exporter's own BPF iterators (bpf/iters.c) against the
 * real kernel (root): both programs load from the objects embedded in the
 * binary, the holders iterator finds this process's BPF fds, and
 * bpf_map_entries is exact for every map type claimed, after inserts,
 * overwrites and deletes (checked against a walk of the keys), in process
 * and from the real binary, with no series for arrays.  Every map made
 * here is closed by the test.  The snapshot's programs from bpfme_progs
 * equal, field by field, what bpf_obj_get_info_by_fd and fdinfo say of
 * every program in the kernel (one with subprograms, one using maps, one
 * that ran with stats on), and the exporter falls back to opening each
 * program when the iterator is not loaded.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/iters.h"
#include "bpf/snap.h"
#include "suites.h"
#include "testutil.h"

/* The maps of one test: closed at its end. */
static int fds[16];
static size_t nr_fds;

static void setup(void)
{
	nr_fds = 0;
}

static void teardown(void)
{
	while (nr_fds)
		close(fds[--nr_fds]);
}

static int keep(int fd)
{
	ck_assert_msg(fd >= 0, "map: %s", strerror(-fd));
	ck_assert_uint_lt(nr_fds, sizeof(fds) / sizeof(fds[0]));
	fds[nr_fds++] = fd;
	return fd;
}

static uint32_t id_of(int fd)
{
	struct bpf_map_info mi;

	ck_assert_int_eq(tu_obj_info(fd, &mi, sizeof(mi)), 0);
	return mi.id;
}

/* The name of the program a link runs. */
static void link_prog_name(const struct iters *it, enum iters_prog p, char *name, size_t len)
{
	struct bpf_link_info li;
	struct bpf_prog_info pi;
	int fd;

	ck_assert_int_eq(tu_obj_info(bpf_link__fd(it->link[p]), &li, sizeof(li)), 0);
	ck_assert_int_eq(li.type, BPF_LINK_TYPE_ITER);
	fd = bpf_prog_get_fd_by_id(li.prog_id);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(tu_obj_info(fd, &pi, sizeof(pi)), 0);
	close(fd);
	snprintf(name, len, "%s", pi.name);
}

/*
 * Every program loads and attaches from the embedded objects, named as the
 * exporter's; one read of the holders iterator has this process's map fd
 * (twice: two fds), and none of another kind under its id.
 */
START_TEST(test_load_and_holders)
{
	struct iters it;
	struct iters_holder *recs = NULL;
	size_t nr = 0, alloc = 0, mine = 0;
	char name[32];
	uint32_t id;
	int map;

	iters_load(&it, (1u << ITERS_NR) - 1);
	for (int p = 0; p < ITERS_NR; p++) {
		ck_assert_msg(iters_ready(&it, (enum iters_prog)p), "%s: %s",
			      iters_name((enum iters_prog)p), it.why[p]);
		link_prog_name(&it, (enum iters_prog)p, name, sizeof(name));
		ck_assert_str_eq(name, iters_name((enum iters_prog)p));
	}
	map = keep(tu_map_create(BPF_MAP_TYPE_HASH, "iters_held", 4, 4, 8, 0));
	keep(dup(map));
	id = id_of(map);
	ck_assert_int_eq(iters_read(&it, ITERS_HOLDERS, sizeof(*recs), (void **)&recs, &nr, &alloc), 0);
	ck_assert_uint_gt(nr, 0);
	for (size_t i = 0; i < nr; i++) {
		if (recs[i].tgid != (uint32_t)getpid() || recs[i].id != id)
			continue;
		if (recs[i].kind == ITERS_KIND_MAP)
			ck_assert_msg(recs[i].fd == (uint32_t)map || recs[i].fd == (uint32_t)fds[1],
				      "fd %u", recs[i].fd);
		mine += recs[i].kind == ITERS_KIND_MAP;
	}
	ck_assert_uint_eq(mine, 2);
	/* a second read is a fresh pass: the same records again */
	ck_assert_int_eq(iters_read(&it, ITERS_HOLDERS, sizeof(*recs), (void **)&recs, &nr, &alloc), 0);
	ck_assert_uint_gt(nr, 0);
	free(recs);
	iters_release(&it);
	ck_assert(!iters_ready(&it, ITERS_HOLDERS));
	ck_assert_int_eq(iters_read(&it, ITERS_HOLDERS, sizeof(*recs), (void **)&recs, &nr, &alloc),
			 -ENODEV);
}
END_TEST

/* Not asked for: not loaded, and not an error. */
START_TEST(test_load_nothing)
{
	struct iters it;

	iters_load(&it, 0);
	ck_assert(!iters_ready(&it, ITERS_HOLDERS));
	ck_assert(!iters_ready(&it, ITERS_ENTRIES));
	ck_assert(!iters_ready(&it, ITERS_PROGS));
	ck_assert_int_eq(it.err[ITERS_HOLDERS], -ENODATA);
	ck_assert_int_eq(it.err[ITERS_PROGS], -ENODATA);
	iters_release(&it);
}
END_TEST

/* One map of each claimed type, and what it should count. */
struct counted {
	enum bpf_map_type type;
	const char *type_name;
	uint32_t flags;
	int fd;
	uint32_t id;
	long want;
};

/* The number of keys of fd, by walking them. */
static long walk_keys(int fd)
{
	uint32_t key, next;
	long n = 0;
	int err = bpf_map_get_next_key(fd, NULL, &next);

	while (!err) {
		n++;
		key = next;
		err = bpf_map_get_next_key(fd, &key, &next);
	}
	ck_assert_int_eq(errno, ENOENT);
	return n;
}

/* insert keys 0..ins-1, overwrite the first half, delete del of them */
static void fill(struct counted *c, int inner, uint32_t ins, uint32_t del)
{
	uint64_t val[512];	/* room for a per-CPU value on up to 512 CPUs */

	memset(val, 0, sizeof(val));
	for (uint32_t k = 0; k < ins; k++) {
		if (c->type == BPF_MAP_TYPE_HASH_OF_MAPS)
			ck_assert_int_eq(bpf_map_update_elem(c->fd, &k, &inner, BPF_ANY), 0);
		else
			ck_assert_int_eq(bpf_map_update_elem(c->fd, &k, val, BPF_NOEXIST), 0);
	}
	for (uint32_t k = 0; k < ins / 2; k++) {
		if (c->type == BPF_MAP_TYPE_HASH_OF_MAPS)
			ck_assert_int_eq(bpf_map_update_elem(c->fd, &k, &inner, BPF_EXIST), 0);
		else
			ck_assert_int_eq(bpf_map_update_elem(c->fd, &k, val, BPF_EXIST), 0);
	}
	for (uint32_t k = 0; k < del; k++)
		ck_assert_int_eq(bpf_map_delete_elem(c->fd, &k), 0);
	ck_assert_int_eq(bpf_map_delete_elem(c->fd, &(uint32_t){ ins + 7 }), -ENOENT);
	c->want = (long)(ins - del);
	ck_assert_int_eq(walk_keys(c->fd), c->want);
}

static struct counted maps[] = {
	{ BPF_MAP_TYPE_HASH, "hash", 0 },
	{ BPF_MAP_TYPE_HASH, "hash", BPF_F_NO_PREALLOC },
	{ BPF_MAP_TYPE_PERCPU_HASH, "percpu_hash", 0 },
	{ BPF_MAP_TYPE_PERCPU_HASH, "percpu_hash", BPF_F_NO_PREALLOC },
	{ BPF_MAP_TYPE_LRU_HASH, "lru_hash", 0 },
	{ BPF_MAP_TYPE_LRU_HASH, "lru_hash", BPF_F_NO_COMMON_LRU },
	{ BPF_MAP_TYPE_LRU_PERCPU_HASH, "lru_percpu_hash", 0 },
	{ BPF_MAP_TYPE_HASH_OF_MAPS, "hash_of_maps", 0 },
};
#define NR_MAPS (sizeof(maps) / sizeof(maps[0]))

/* Every claimed type with its elements, an empty hash, an array; their ids. */
static void make_maps(uint32_t *empty_id, uint32_t *array_id)
{
	int inner = keep(tu_map_create(BPF_MAP_TYPE_ARRAY, "iters_inner", 4, 4, 1, 0));

	for (size_t i = 0; i < NR_MAPS; i++) {
		struct counted *c = &maps[i];
		LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = c->flags);
		uint32_t ins = 300 + 17 * (uint32_t)i, del = 100 + (uint32_t)i;

		if (c->type == BPF_MAP_TYPE_HASH_OF_MAPS)
			opts.inner_map_fd = inner;
		c->fd = bpf_map_create(c->type, "iters_count", 4,
				       c->type == BPF_MAP_TYPE_HASH_OF_MAPS ? 4 : 8, 1024, &opts);
		keep(c->fd < 0 ? -errno : c->fd);
		c->id = id_of(c->fd);
		fill(c, inner, ins, del);
	}
	*empty_id = id_of(keep(tu_map_create(BPF_MAP_TYPE_HASH, "iters_empty", 4, 4, 64, 0)));
	*array_id = id_of(keep(tu_map_create(BPF_MAP_TYPE_ARRAY, "iters_array", 4, 4, 64, 0)));
}

/* The iterator's count for id, or -1 when it has no record of it. */
static long count_of(const struct iters_entries *recs, size_t nr, uint32_t id)
{
	for (size_t i = 0; i < nr; i++)
		if (recs[i].id == id)
			return (long)recs[i].count;
	return -1;
}

/* In process: one pass counts every claimed type exactly; the array reads 0. */
START_TEST(test_entries_exact)
{
	struct iters_entries *recs = NULL;
	size_t nr = 0, alloc = 0;
	uint32_t empty, array;
	struct iters it;

	iters_load(&it, 1u << ITERS_ENTRIES);
	ck_assert_msg(iters_ready(&it, ITERS_ENTRIES), "%s", it.why[ITERS_ENTRIES]);
	make_maps(&empty, &array);
	ck_assert_int_eq(iters_read(&it, ITERS_ENTRIES, sizeof(*recs), (void **)&recs, &nr, &alloc), 0);
	for (size_t i = 0; i < NR_MAPS; i++)
		ck_assert_msg(count_of(recs, nr, maps[i].id) == maps[i].want,
			      "%s flags %u: %ld, want %ld", maps[i].type_name, maps[i].flags,
			      count_of(recs, nr, maps[i].id), maps[i].want);
	ck_assert_int_eq(count_of(recs, nr, empty), 0);
	ck_assert_int_eq(count_of(recs, nr, array), 0);
	/* after more deletes, the next pass follows */
	for (uint32_t k = 299; k > 250; k--)
		ck_assert_int_eq(bpf_map_delete_elem(maps[0].fd, &k), 0);
	ck_assert_int_eq(iters_read(&it, ITERS_ENTRIES, sizeof(*recs), (void **)&recs, &nr, &alloc), 0);
	ck_assert_int_eq(count_of(recs, nr, maps[0].id), maps[0].want - 49);
	ck_assert_int_eq(walk_keys(maps[0].fd), maps[0].want - 49);
	free(recs);
	iters_release(&it);
}
END_TEST

static void scrape(int port, struct tu_expo *e)
{
	struct tu_http_resp r;

	ck_assert_int_eq(tu_http(port, "GET", "/metrics", NULL, &r), 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_int_eq(tu_expo_parse(r.body, e), 0);
	tu_http_free(&r);
}

/*
 * From the real binary: bpf_map_entries of each claimed type is exact, with
 * bpf_map_max_entries' labels (id, name, type, type_name); an empty hash is
 * 0; an array has no series.  --no-collector.entries leaves the family out.
 */
START_TEST(test_entries_exporter)
{
	static const char *const off[] = { "--no-collector.entries", NULL };
	uint32_t empty, array;
	struct tu_exporter ex;
	struct tu_expo e;
	char ids[16], want[32];

	make_maps(&empty, &array);
	ck_assert_int_eq(tu_exporter_start(&ex, NULL), 0);
	scrape(ex.port, &e);
	for (size_t i = 0; i < NR_MAPS; i++) {
		const struct tu_sample *s;

		snprintf(ids, sizeof(ids), "%u", maps[i].id);
		s = tu_expo_find(&e, "bpf_map_entries", "id", ids);
		ck_assert_msg(s, "no bpf_map_entries for %s (id %s)", maps[i].type_name, ids);
		snprintf(want, sizeof(want), "%ld", maps[i].want);
		ck_assert_str_eq(s->value, want);
		ck_assert_uint_eq(s->nr_labels, 4);
		ck_assert_str_eq(tu_sample_label(s, "name"), "iters_count");
		ck_assert_str_eq(tu_sample_label(s, "type_name"), maps[i].type_name);
		snprintf(want, sizeof(want), "%d", (int)maps[i].type);
		ck_assert_str_eq(tu_sample_label(s, "type"), want);
		ck_assert_ptr_nonnull(tu_expo_find(&e, "bpf_map_max_entries_total", "id", ids));
	}
	snprintf(ids, sizeof(ids), "%u", empty);
	ck_assert_ptr_nonnull(tu_expo_find(&e, "bpf_map_entries", "id", ids));
	ck_assert_str_eq(tu_expo_find(&e, "bpf_map_entries", "id", ids)->value, "0");
	snprintf(ids, sizeof(ids), "%u", array);
	ck_assert_ptr_null(tu_expo_find(&e, "bpf_map_entries", "id", ids));
	ck_assert_ptr_nonnull(tu_expo_find(&e, "bpf_map_info", "id", ids));
	/* the exporter's own programs are there, under their names */
	ck_assert_ptr_nonnull(tu_expo_find(&e, "bpf_program_info", "name", "bpfme_entries"));
	ck_assert_ptr_nonnull(tu_expo_find(&e, "bpf_program_info", "name", "bpfme_holders"));
	tu_expo_free(&e);
	ck_assert_int_eq(tu_exporter_stop(&ex, 2000, NULL, NULL), 0);

	ck_assert_int_eq(tu_exporter_start(&ex, off), 0);
	scrape(ex.port, &e);
	ck_assert_uint_eq(tu_expo_count(&e, "bpf_map_entries"), 0);
	ck_assert_ptr_null(tu_expo_find(&e, "bpf_program_info", "name", "bpfme_entries"));
	ck_assert_uint_gt(tu_expo_count(&e, "bpf_map_info"), 0);
	tu_expo_free(&e);
	ck_assert_int_eq(tu_exporter_stop(&ex, 2000, NULL, NULL), 0);
}
END_TEST

/* ---- the snapshot's programs from bpfme_progs ---- */

#define TEST_RUNS 1000

/* A socket filter whose main program calls a subprogram (bpf-to-bpf call). */
static int load_with_subprog(void)
{
	struct bpf_insn insns[5];
	int fd;

	memset(insns, 0, sizeof(insns));
	insns[0].code = BPF_JMP | BPF_CALL;	/* call the subprogram at 3 */
	insns[0].src_reg = BPF_PSEUDO_CALL;
	insns[0].imm = 2;
	insns[1].code = BPF_ALU64 | BPF_MOV | BPF_K;	/* r0 = 0 */
	insns[1].dst_reg = BPF_REG_0;
	insns[2].code = BPF_JMP | BPF_EXIT;
	insns[3].code = BPF_ALU64 | BPF_MOV | BPF_K;	/* the subprogram: r0 = 1 */
	insns[3].dst_reg = BPF_REG_0;
	insns[3].imm = 1;
	insns[4].code = BPF_JMP | BPF_EXIT;
	fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "iters_subprog", "GPL", insns, 5, NULL);
	return fd < 0 ? -errno : fd;
}

static const struct snap_prog *prog_by_id(const struct snap *s, uint32_t id)
{
	for (size_t i = 0; i < s->nr_progs; i++)
		if (s->progs[i].id == id)
			return &s->progs[i];
	return NULL;
}

static uint32_t prog_id_of(int fd)
{
	struct bpf_prog_info pi;

	ck_assert_int_eq(tu_obj_info(fd, &pi, sizeof(pi)), 0);
	return pi.id;
}

/*
 * Every field of p (from bpfme_progs) equals a's (from the fds) when a and b
 * (the fds again, after) agree; the run counters, which move while a
 * program runs, lie between a's and b's when they do not.
 */
static void check_same(const struct snap *si, const struct snap_prog *p, const struct snap *sa,
		       const struct snap_prog *a, const struct snap *sb, const struct snap_prog *b)
{
	const char *n = a->name;

	ck_assert_uint_eq(p->type, a->type);
	ck_assert_str_eq(p->name, a->name);
	ck_assert_msg(!memcmp(p->tag, a->tag, sizeof(p->tag)), "%u %s: tag", a->id, n);
	ck_assert_int_eq(p->gpl_compatible, a->gpl_compatible);
	ck_assert_uint_eq(p->load_time_ns, a->load_time_ns);
	ck_assert_msg(p->jited_len == a->jited_len, "%u %s: jited_len %u, info says %u", a->id, n,
		      p->jited_len, a->jited_len);
	ck_assert_msg(p->xlated_len == a->xlated_len, "%u %s: xlated_len %u, info says %u", a->id,
		      n, p->xlated_len, a->xlated_len);
	ck_assert_uint_eq(p->verified_insns, a->verified_insns);
	ck_assert_msg(p->memlock == a->memlock, "%u %s: memlock %" PRIu64 ", fdinfo says %" PRIu64,
		      a->id, n, p->memlock, a->memlock);
	ck_assert_uint_eq(p->nr_map_ids, a->nr_map_ids);
	ck_assert_msg(!memcmp(snap_prog_map_ids(si, p), snap_prog_map_ids(sa, a),
			      a->nr_map_ids * sizeof(uint32_t)), "%u %s: map ids", a->id, n);
	if (a->run_cnt == b->run_cnt && a->run_time_ns == b->run_time_ns &&
	    a->recursion_misses == b->recursion_misses) {
		ck_assert_msg(p->run_cnt == a->run_cnt && p->run_time_ns == a->run_time_ns &&
			      p->recursion_misses == a->recursion_misses,
			      "%u %s: runs %" PRIu64 " %" PRIu64 " ns %" PRIu64 " misses, info says "
			      "%" PRIu64 " %" PRIu64 " %" PRIu64, a->id, n, p->run_cnt,
			      p->run_time_ns, p->recursion_misses, a->run_cnt, a->run_time_ns,
			      a->recursion_misses);
	} else {
		ck_assert_uint_le(a->run_cnt, p->run_cnt);
		ck_assert_uint_le(p->run_cnt, b->run_cnt);
		ck_assert_uint_le(a->run_time_ns, p->run_time_ns);
		ck_assert_uint_le(p->run_time_ns, b->run_time_ns);
	}
	(void)sb;
}

/*
 * The snapshot's programs from bpfme_progs against the walk of fds taken
 * just before and just after, for every program in the kernel: a program
 * with a subprogram (its jited length is the sum of its functions'), one
 * using two maps, and one that ran TEST_RUNS times with stats on (then off:
 * quiet during the compare, so its counters must be equal exactly).
 */
START_TEST(test_progs_exact)
{
	struct snap a, it_snap, b;
	struct iters it;
	const struct snap_prog *p, *pa, *pb;
	struct bpf_prog_info info;
	uint32_t sub_id, maps_id, ran_id;
	size_t compared = 0;
	int pmaps[2], sub, with_maps, ran, stats;
	char pkt[64] = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = sizeof(pkt),
		    .repeat = TEST_RUNS);

	iters_load(&it, 1u << ITERS_PROGS);
	ck_assert_msg(iters_ready(&it, ITERS_PROGS), "bpfme_progs: %s", it.why[ITERS_PROGS]);
	pmaps[0] = keep(tu_map_create(BPF_MAP_TYPE_HASH, "iters_pm1", 4, 4, 8, 0));
	pmaps[1] = keep(tu_map_create(BPF_MAP_TYPE_ARRAY, "iters_pm2", 4, 8, 4, 0));
	sub = keep(load_with_subprog());
	with_maps = keep(tu_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "iters_maps", "Apache-2.0",
				      pmaps, 2));
	ran = keep(tu_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "iters_ran", "GPL", NULL, 0));
	sub_id = prog_id_of(sub);
	maps_id = prog_id_of(with_maps);
	ran_id = prog_id_of(ran);
	stats = bpf_enable_stats(BPF_STATS_RUN_TIME);
	ck_assert_msg(stats >= 0, "BPF_ENABLE_STATS: %s", strerror(errno));
	ck_assert_int_eq(bpf_prog_test_run_opts(ran, &opts), 0);
	close(stats);

	snap_init(&a);
	snap_init(&it_snap);
	snap_init(&b);
	it_snap.iters = &it;
	ck_assert_int_eq(snap_take(&a), 0);
	ck_assert_int_eq(snap_take(&it_snap), 0);
	ck_assert_int_eq(snap_take(&b), 0);
	ck_assert(!a.progs_by_iter);
	ck_assert(it_snap.progs_by_iter);

	/* what the test made is what it should be (so the compare below covers it) */
	ck_assert_int_eq(tu_obj_info(sub, &info, sizeof(info)), 0);
	ck_assert_uint_eq(info.nr_jited_func_lens, 2);	/* the JIT made two functions */
	pa = prog_by_id(&a, maps_id);
	ck_assert_ptr_nonnull(pa);
	ck_assert_uint_eq(pa->nr_map_ids, 2);
	ck_assert_uint_eq(snap_prog_map_ids(&a, pa)[0], id_of(pmaps[0]));
	ck_assert_uint_eq(snap_prog_map_ids(&a, pa)[1], id_of(pmaps[1]));
	pa = prog_by_id(&a, ran_id);
	ck_assert_ptr_nonnull(pa);
	ck_assert_uint_ge(pa->run_cnt, TEST_RUNS);
	ck_assert_uint_gt(pa->run_time_ns, 0);

	for (size_t i = 0; i < a.nr_progs; i++) {
		pa = &a.progs[i];
		pb = prog_by_id(&b, pa->id);
		if (!pb)
			continue;	/* someone else's, gone meanwhile */
		p = prog_by_id(&it_snap, pa->id);
		ck_assert_msg(p != NULL, "program %u (%s) is not in bpfme_progs's snapshot", pa->id,
			      pa->name);
		check_same(&it_snap, p, &a, pa, &b, pb);
		compared++;
	}
	/* ours and the iterator itself, compared like the rest */
	ck_assert_ptr_nonnull(prog_by_id(&it_snap, sub_id));
	ck_assert_ptr_nonnull(prog_by_id(&it_snap, maps_id));
	ck_assert_uint_eq(prog_by_id(&it_snap, ran_id)->run_cnt, prog_by_id(&a, ran_id)->run_cnt);
	ck_assert_uint_eq(prog_by_id(&it_snap, ran_id)->run_cnt,
			  prog_by_id(&b, ran_id)->run_cnt);
	{
		bool self = false;

		for (size_t i = 0; i < it_snap.nr_progs; i++)
			self |= !strcmp(it_snap.progs[i].name, "bpfme_progs");
		ck_assert_msg(self, "the iterator's own program is not in its snapshot");
	}
	ck_assert_uint_ge(compared, 4);
	/* maps and links are walked as before (maps by two threads, merged in id order) */
	ck_assert_uint_eq(it_snap.nr_maps, a.nr_maps);
	for (size_t i = 0; i < a.nr_maps; i++) {
		const struct snap_map *mi = &it_snap.maps[i], *ma = &a.maps[i];

		ck_assert_uint_eq(mi->id, ma->id);
		ck_assert_str_eq(mi->name, ma->name);
		ck_assert_uint_eq(mi->type, ma->type);
		ck_assert_uint_eq(mi->key_size, ma->key_size);
		ck_assert_uint_eq(mi->value_size, ma->value_size);
		ck_assert_uint_eq(mi->max_entries, ma->max_entries);
		ck_assert_uint_eq(mi->flags, ma->flags);
		ck_assert_uint_eq(mi->memlock, ma->memlock);
	}
	ck_assert_uint_eq(it_snap.nr_links, a.nr_links);
	for (size_t i = 0; i < a.nr_links; i++)
		ck_assert_uint_eq(it_snap.links[i].id, a.links[i].id);
	snap_release(&a);
	snap_release(&it_snap);
	snap_release(&b);
	iters_release(&it);
}
END_TEST

/*
 * The exporter reads its programs from bpfme_progs by default and with
 * --bpf.snapshot.source=syscall opens each instead; the series are the same
 * (the programs this test holds, quiet, compared sample by sample).
 */
/* How many bpf_program_info samples name the program name. */
static size_t named(const struct tu_expo *e, const char *name)
{
	size_t n = 0;

	for (size_t i = 0; i < e->nr; i++) {
		const char *v = tu_sample_label(&e->samples[i], "name");

		n += !strcmp(e->samples[i].name, "bpf_program_info") && v && !strcmp(v, name);
	}
	return n;
}

START_TEST(test_progs_exporter)
{
	static const char *const syscall_args[] = { "--bpf.snapshot.source=syscall", NULL };
	static const char *const iter_args[] = { "--bpf.snapshot.source=iterator", NULL };
	static const char *const families[] = {
		"bpf_program_info", "bpf_program_load_time", "bpf_program_mem_bytes_total",
		"bpf_program_size_jitted_bytes_total", "bpf_program_size_translated_bytes_total",
		"bpf_program_verified_instructions_total",
	};
	struct tu_exporter ex;
	struct tu_expo e[2];
	int pmaps[1], sub, with_maps;
	char id[2][16];
	char *log;

	pmaps[0] = keep(tu_map_create(BPF_MAP_TYPE_HASH, "iters_pe", 4, 4, 8, 0));
	sub = keep(load_with_subprog());
	with_maps = keep(tu_prog_load(BPF_PROG_TYPE_XDP, "iters_pe_maps", "GPL", pmaps, 1));
	snprintf(id[0], sizeof(id[0]), "%u", prog_id_of(sub));
	snprintf(id[1], sizeof(id[1]), "%u", prog_id_of(with_maps));
	for (int k = 0; k < 2; k++) {
		ck_assert_int_eq(tu_exporter_start(&ex, k ? syscall_args : iter_args), 0);
		scrape(ex.port, &e[k]);
		log = tu_exporter_log(&ex);
		ck_assert_ptr_null(strstr(log, "bpfme_progs did not load"));
		free(log);
		ck_assert_int_eq(tu_exporter_stop(&ex, 2000, NULL, NULL), 0);
	}
	for (size_t f = 0; f < sizeof(families) / sizeof(families[0]); f++) {
		for (int i = 0; i < 2; i++) {
			const struct tu_sample *si = tu_expo_find(&e[0], families[f], "id", id[i]);
			const struct tu_sample *ss = tu_expo_find(&e[1], families[f], "id", id[i]);

			ck_assert_msg(si && ss, "%s{id=%s}: %s with the iterator, %s without",
				      families[f], id[i], si ? "present" : "absent",
				      ss ? "present" : "absent");
			ck_assert_msg(!strcmp(si->value, ss->value), "%s{id=%s}: %s with the "
				      "iterator, %s without", families[f], id[i], si->value, ss->value);
			ck_assert_uint_eq(si->nr_labels, ss->nr_labels);
			for (size_t l = 0; l < si->nr_labels; l++)
				ck_assert_str_eq(tu_sample_label(ss, si->labels[l].key),
						 si->labels[l].value);
		}
	}
	/*
	 * The iterator's own program is a program like any other, and only
	 * the exporter reading from it loads it (counted: another exporter
	 * on the host may hold one of its own).
	 */
	ck_assert_uint_eq(named(&e[0], "bpfme_progs"), named(&e[1], "bpfme_progs") + 1);
	tu_expo_free(&e[0]);
	tu_expo_free(&e[1]);
}
END_TEST

Suite *iters_suite(void)
{
	Suite *s = suite_create("iters");
	TCase *tc = tcase_create("live");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_load_and_holders);
	tcase_add_test(tc, test_load_nothing);
	tcase_add_test(tc, test_entries_exact);
	tcase_add_test(tc, test_entries_exporter);
	tcase_add_test(tc, test_progs_exact);
	tcase_add_test(tc, test_progs_exporter);
	suite_add_tcase(s, tc);
	return s;
}
