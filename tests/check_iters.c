// SPDX-License-Identifier: Apache-2.0
/*
 * check_iters - the exporter's own BPF iterators (bpf/iters.c) against the
 * real kernel (root): both programs load from the objects embedded in the
 * binary, the holders iterator finds this process's BPF fds, and
 * bpf_map_entries is exact for every map type claimed, after inserts,
 * overwrites and deletes (checked against a walk of the keys), in process
 * and from the real binary, with no series for arrays.  Every map made
 * here is closed by the test.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/iters.h"
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
 * Both programs load and attach from the embedded objects, named as the
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

	iters_load(&it, (1u << ITERS_HOLDERS) | (1u << ITERS_ENTRIES));
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
	ck_assert_int_eq(it.err[ITERS_HOLDERS], -ENODATA);
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
	suite_add_tcase(s, tc);
	return s;
}
