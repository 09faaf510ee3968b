// SPDX-License-Identifier: Apache-2.0
/*
 * check_progcache - programs remembered from LOAD: lookups, the bound and
 * who leaves first, id reuse, loaders, removal under churn, and readers
 * beside a writer (run under ThreadSanitizer by make check-tsan).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/monotime.h"
#include "audit/progcache.h"
#include "suites.h"

static struct progcache_prog prog(uint32_t id)
{
	struct progcache_prog p;

	memset(&p, 0, sizeof(p));
	snprintf(p.name, sizeof(p.name), "p%u", id);
	snprintf(p.type, sizeof(p.type), "xdp");
	snprintf(p.tag, sizeof(p.tag), "%016x", id);
	return p;
}

/* The name remembered for id, or "" (a static buffer). */
static const char *name_of(struct progcache *pc, uint32_t id)
{
	static struct ev_event e;

	memset(&e, 0, sizeof(e));
	return progcache_fill_prog(pc, id, &e) ? e.prog_name : "";
}

START_TEST(test_add_fill_remove)
{
	struct progcache *pc = progcache_new(8);
	struct progcache_prog p = prog(7);
	struct ev_event e;

	ck_assert_ptr_nonnull(pc);
	progcache_add(pc, 7, &p);
	progcache_add(pc, 8, NULL);	/* gone before it could be read */
	ck_assert_uint_eq(progcache_count(pc), 2);
	memset(&e, 0, sizeof(e));
	ck_assert(progcache_fill_prog(pc, 7, &e));
	ck_assert(e.has & EV_HAS_PROG);
	ck_assert_str_eq(e.prog_name, "p7");
	ck_assert_str_eq(e.prog_type, "xdp");
	ck_assert_str_eq(e.prog_tag, "0000000000000007");
	memset(&e, 0, sizeof(e));
	ck_assert(!progcache_fill_prog(pc, 8, &e));
	ck_assert(!(e.has & EV_HAS_PROG));
	ck_assert(!progcache_fill_prog(pc, 9, &e));
	progcache_remove(pc, 7);
	progcache_remove(pc, 7);	/* twice is harmless */
	progcache_remove(pc, 1234);
	ck_assert_str_eq(name_of(pc, 7), "");
	ck_assert_uint_eq(progcache_count(pc), 1);
	progcache_free(pc);
	progcache_free(NULL);
}
END_TEST

/* Full: the oldest added leaves first, whatever the ids' hash order. */
START_TEST(test_bound_oldest_out)
{
	struct progcache *pc = progcache_new(4);
	uint32_t ids[] = { 900, 3, 4096, 17, 5 };	/* 3 and 4096 ... collide in small tables */

	for (size_t i = 0; i < 5; i++) {
		struct progcache_prog p = prog(ids[i]);

		progcache_add(pc, ids[i], &p);
	}
	ck_assert_uint_eq(progcache_count(pc), 4);
	ck_assert_str_eq(name_of(pc, 900), "");
	for (size_t i = 1; i < 5; i++) {
		char want[16];

		snprintf(want, sizeof(want), "p%u", ids[i]);
		ck_assert_str_eq(name_of(pc, ids[i]), want);
	}
	/* removing one makes room: nothing else leaves */
	progcache_remove(pc, 4096);
	{
		struct progcache_prog p = prog(6);

		progcache_add(pc, 6, &p);
	}
	ck_assert_str_eq(name_of(pc, 3), "p3");
	ck_assert_str_eq(name_of(pc, 6), "p6");
	ck_assert_uint_eq(progcache_count(pc), 4);
	progcache_free(pc);
}
END_TEST

/* A new program under an old id: nothing of the old one is left, loader included. */
START_TEST(test_id_reuse)
{
	struct progcache *pc = progcache_new(4);
	struct progcache_prog a = prog(10), b = prog(10);
	struct ev_event load, e;

	strcpy(b.name, "newer");
	memset(&load, 0, sizeof(load));
	load.proc.pid = 77;
	load.proc.comm = "old loader";
	load.has = EV_HAS_PROCESS;
	progcache_add(pc, 10, &a);
	progcache_set_loader(pc, 10, &load);
	progcache_add(pc, 20, NULL);
	progcache_add(pc, 10, &b);
	ck_assert_uint_eq(progcache_count(pc), 2);
	ck_assert_str_eq(name_of(pc, 10), "newer");
	memset(&e, 0, sizeof(e));
	ck_assert(!progcache_fill_loader(pc, 10, &e));
	ck_assert_ptr_null(e.proc.comm);
	/* the re-add made 10 newer than 20: 20 leaves first */
	for (uint32_t id = 21; id < 23; id++) {
		struct progcache_prog p = prog(id);

		progcache_add(pc, id, &p);
	}
	progcache_add(pc, 30, NULL);
	ck_assert_str_eq(name_of(pc, 10), "newer");
	{
		struct ev_event e2;

		memset(&e2, 0, sizeof(e2));
		ck_assert(!progcache_fill_prog(pc, 20, &e2));
	}
	ck_assert_uint_eq(progcache_count(pc), 4);
	progcache_free(pc);
}
END_TEST

START_TEST(test_loader)
{
	struct progcache *pc = progcache_new(4);
	struct ev_event load, e;

	memset(&load, 0, sizeof(load));
	load.proc.pid = 111;
	load.proc.ppid = 1;
	load.proc.uid = 1000;
	load.proc.auid = 1001;
	load.proc.gid = 100;
	load.proc.euid = 0;
	load.proc.comm = "churner";
	load.proc.exe = "/usr/bin/churner";
	load.proc.cmdline = NULL;
	load.has = EV_HAS_PROCESS | EV_HAS_SYSCALL;
	progcache_set_loader(pc, 5, &load);	/* not remembered: nothing happens */
	memset(&e, 0, sizeof(e));
	ck_assert(!progcache_fill_loader(pc, 5, &e));
	progcache_add(pc, 5, NULL);
	progcache_set_loader(pc, 5, &load);
	memset(&e, 0, sizeof(e));
	e.proc.comm = strdup("bpfme-audit");	/* replaced and freed */
	e.proc.pid = 4242;
	ck_assert(progcache_fill_loader(pc, 5, &e));
	ck_assert(e.has & EV_HAS_PROCESS);
	ck_assert(!(e.has & EV_HAS_SYSCALL));	/* only the process is the loader's */
	ck_assert_int_eq(e.proc.pid, 111);
	ck_assert_int_eq(e.proc.ppid, 1);
	ck_assert_uint_eq(e.proc.uid, 1000);
	ck_assert_uint_eq(e.proc.auid, 1001);
	ck_assert_uint_eq(e.proc.gid, 100);
	ck_assert_str_eq(e.proc.comm, "churner");
	ck_assert_str_eq(e.proc.exe, "/usr/bin/churner");
	ck_assert_ptr_null(e.proc.cmdline);
	ev_event_release(&e);
	progcache_free(pc);	/* frees the loader's strings (LeakSanitizer) */
}
END_TEST

/*
 * The loader's cgroup goes with it; progcache_loaders() copies the known
 * loaders in id order; progcache_retain() forgets only what was added
 * before the snapshot and is not in it.
 */
START_TEST(test_retain_loaders)
{
	struct progcache *pc = progcache_new(1000);
	struct progcache_loader *l;
	struct ev_event load, e;
	uint32_t keep[] = { 3, 500, 700 };
	uint64_t mark;
	size_t n;

	ck_assert_ptr_nonnull(pc);
	memset(&load, 0, sizeof(load));
	load.has = EV_HAS_PROCESS | EV_HAS_CGROUP;
	load.proc.comm = "loader";
	load.proc.cgroup = "/docker/0123";
	strcpy(load.proc.container_id, "c1");
	strcpy(load.proc.pod_uid, "p1");
	for (uint32_t id = 800; id > 0; id--) {	/* grows past its first room */
		progcache_add(pc, id, NULL);
		load.proc.pid = id;
		if (id % 100 == 0 || id == 3)
			progcache_set_loader(pc, id, &load);
	}
	ck_assert_uint_eq(progcache_count(pc), 800);
	memset(&e, 0, sizeof(e));
	ck_assert(progcache_fill_loader(pc, 3, &e));
	ck_assert(e.has & EV_HAS_CGROUP);
	ck_assert_str_eq(e.proc.cgroup, "/docker/0123");
	ck_assert_str_eq(e.proc.container_id, "c1");
	ck_assert_str_eq(e.proc.pod_uid, "p1");
	ev_event_release(&e);
	/* a loader gone before its cgroup was read: an event without one */
	load.has = EV_HAS_PROCESS;
	progcache_set_loader(pc, 700, &load);
	memset(&e, 0, sizeof(e));
	e.proc.cgroup = strdup("/mine");
	e.has = EV_HAS_CGROUP;
	ck_assert(progcache_fill_loader(pc, 700, &e));
	ck_assert(!(e.has & EV_HAS_CGROUP));
	ck_assert_ptr_null(e.proc.cgroup);
	ev_event_release(&e);

	ck_assert_int_eq(progcache_loaders(pc, &l, &n), 0);
	ck_assert_uint_eq(n, 9);	/* 3, 100, ..., 800 */
	ck_assert_uint_eq(l[0].id, 3);
	ck_assert_str_eq(l[0].proc->cgroup, "/docker/0123");
	ck_assert_str_eq(l[0].proc->container_id, "c1");
	ck_assert_str_eq(l[0].proc->comm, "loader");
	ck_assert_int_eq(l[0].proc->pid, 3);
	for (size_t i = 1; i < n; i++) {
		ck_assert_uint_eq(l[i].id, 100 * i);
		ck_assert((l[i].proc->cgroup != NULL) == (l[i].id != 700));
		ck_assert_str_eq(l[i].proc->container_id, l[i].id != 700 ? "c1" : "");
	}
	progcache_loaders_free(l, n);

	mark = monotime_ns() + 1;
	while (monotime_ns() <= mark)
		;
	progcache_add(pc, 900, NULL);	/* after the snapshot started: stays */
	/* missed by one snapshot: its UNLOAD may still come */
	ck_assert_uint_eq(progcache_retain(pc, keep, 3, mark), 0);
	ck_assert_uint_eq(progcache_retain(pc, keep, 3, mark + PROGCACHE_GONE_NS - 1), 0);
	ck_assert_uint_eq(progcache_count(pc), 801);
	/* missed for PROGCACHE_GONE_NS: gone (its UNLOAD record was lost) */
	ck_assert_uint_eq(progcache_retain(pc, keep, 3, mark + PROGCACHE_GONE_NS), 797);
	ck_assert_uint_eq(progcache_count(pc), 4);
	ck_assert_str_eq(name_of(pc, 500), "");	/* no details: added with NULL */
	ck_assert_int_eq(progcache_loaders(pc, &l, &n), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(l[0].id, 3);
	ck_assert_uint_eq(l[1].id, 500);
	ck_assert_uint_eq(l[2].id, 700);
	progcache_loaders_free(l, n);
	/* 900 was missed since mark + PROGCACHE_GONE_NS, the others from now */
	ck_assert_uint_eq(progcache_retain(pc, NULL, 0, mark + 2 * PROGCACHE_GONE_NS), 1);
	ck_assert_uint_eq(progcache_retain(pc, NULL, 0, mark + 3 * PROGCACHE_GONE_NS), 3);
	ck_assert_uint_eq(progcache_count(pc), 0);
	ck_assert_int_eq(progcache_loaders(pc, &l, &n), 0);
	ck_assert_uint_eq(n, 0);
	progcache_loaders_free(l, n);
	progcache_free(pc);
}
END_TEST

/*
 * Many ids through a small table (64: below the first room), and through
 * one that grows (1000: 256, 512, then 1000): every lookup agrees with a
 * plain model.
 */
START_TEST(test_churn_model)
{
	enum { IDS = 1000 };
	const size_t CAP = _i ? 1000 : 64;
	struct progcache *pc = progcache_new(CAP);
	uint32_t order[1000];	/* model: ids in the cache, oldest first */
	uint32_t ids[IDS];	/* half of them multiples of 1024, half anything */
	size_t n = 0;
	unsigned int seed = 1;

	for (uint32_t k = 0; k < IDS; k++)
		ids[k] = k % 2 ? k * 1024 : (uint32_t)rand_r(&seed) * 2u + k;
	for (int step = 0; step < 20000; step++) {
		uint32_t id = ids[rand_r(&seed) % IDS];

		if (rand_r(&seed) % 3) {
			struct progcache_prog p = prog(id);
			size_t i;

			progcache_add(pc, id, &p);
			for (i = 0; i < n && order[i] != id; i++)
				;
			if (i < n)
				memmove(order + i, order + i + 1, (--n - i) * sizeof(*order));
			if (n == CAP)
				memmove(order, order + 1, (--n) * sizeof(*order));
			order[n++] = id;
		} else {
			size_t i;

			progcache_remove(pc, id);
			for (i = 0; i < n && order[i] != id; i++)
				;
			if (i < n)
				memmove(order + i, order + i + 1, (--n - i) * sizeof(*order));
		}
		ck_assert_uint_eq(progcache_count(pc), n);
	}
	for (uint32_t k = 0; k < IDS; k++) {
		uint32_t id = ids[k];
		bool in = false;

		for (size_t i = 0; i < n; i++)
			in |= order[i] == id;
		ck_assert_msg(in == (name_of(pc, id)[0] != '\0'), "id %u", id);
	}
	progcache_free(pc);
}
END_TEST

static struct progcache *shared;
static volatile bool stop;

/* What any thread may call: the loaders' copy, the count, the handoff of a snapshot's ids. */
static void *reader(void *arg)
{
	unsigned long found = 0;

	(void)arg;
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		struct progcache_seen *seen = progcache_seen_new(128);
		struct progcache_loader *l;
		size_t n;

		ck_assert_int_eq(progcache_loaders(shared, &l, &n), 0);
		for (size_t i = 0; i < n; i++) {
			ck_assert_str_eq(l[i].proc->comm, "loader");
			ck_assert_int_eq(l[i].proc->pid, 1000 + l[i].id);
			ck_assert(!i || l[i - 1].id < l[i].id);	/* sorted, each once */
		}
		found += n;
		progcache_loaders_free(l, n);
		ck_assert_uint_le(progcache_count(shared), 64);
		ck_assert_ptr_nonnull(seen);
		for (uint32_t i = 0; i < 128; i++)
			seen->ids[i] = i;
		seen->before_ns = monotime_ns();
		progcache_seen_publish(shared, seen);
		progcache_seen_put(seen);
	}
	return (void *)found;
}

/*
 * Readers beside the writer, which also forgets on the readers' handoffs:
 * what they see is whole (TSan checks the locking and the writer's
 * lock-free reads).
 */
START_TEST(test_concurrent_readers)
{
	pthread_t t[2];
	struct ev_event load;

	memset(&load, 0, sizeof(load));
	load.proc.comm = "loader";
	load.has = EV_HAS_PROCESS;
	shared = progcache_new(64);
	stop = false;
	for (int i = 0; i < 2; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, reader, NULL), 0);
	for (int round = 0; round < 20000; round++) {
		uint32_t id = (uint32_t)round % 256;
		struct progcache_prog p = prog(id);
		struct ev_event e;

		progcache_add(shared, id, &p);
		load.proc.pid = 1000 + id;
		progcache_set_loader(shared, id, &load);
		memset(&e, 0, sizeof(e));
		ck_assert(progcache_fill_loader(shared, id, &e));
		ck_assert_int_eq(e.proc.pid, 1000 + id);
		ev_event_release(&e);
		if (round % 3 == 0)
			progcache_remove(shared, (id + 128) % 256);
		if (round % 100 == 0)
			progcache_forget(shared);
	}
	__atomic_store_n(&stop, true, __ATOMIC_RELAXED);
	for (int i = 0; i < 2; i++)
		ck_assert_int_eq(pthread_join(t[i], NULL), 0);
	ck_assert_uint_le(progcache_count(shared), 64);
	progcache_free(shared);
}
END_TEST

/*
 * The handoff: the newest set published is what the writer takes, once;
 * a set outlives the cache's reference as long as its maker holds one.
 */
START_TEST(test_seen_handoff)
{
	struct progcache *pc = progcache_new(16);
	struct progcache_seen *a = progcache_seen_new(0), *b = progcache_seen_new(1);
	uint64_t mark;

	ck_assert_ptr_nonnull(pc);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	progcache_add(pc, 5, NULL);
	progcache_add(pc, 6, NULL);
	mark = monotime_ns() + 1;
	while (monotime_ns() <= mark)
		;
	ck_assert_uint_eq(progcache_forget(pc), 0);	/* nothing published */
	/* a lists neither, b lists 6; both missed long enough */
	a->before_ns = mark;
	progcache_seen_publish(pc, a);
	ck_assert_uint_eq(progcache_forget(pc), 0);	/* first miss: UNLOADs may be on their way */
	b->ids[0] = 6;
	b->before_ns = mark + PROGCACHE_GONE_NS;
	a->before_ns = mark + PROGCACHE_GONE_NS;	/* (not published again) */
	progcache_seen_publish(pc, b);
	ck_assert_uint_eq(progcache_forget(pc), 1);	/* 5 */
	ck_assert_uint_eq(progcache_forget(pc), 0);	/* taken once */
	ck_assert_uint_eq(progcache_count(pc), 1);
	ck_assert_uint_eq(b->ids[0], 6);	/* the maker's reference keeps it */
	progcache_seen_publish(pc, a);
	progcache_seen_publish(pc, b);	/* replaces a, not yet taken */
	progcache_seen_put(a);
	progcache_seen_put(b);
	progcache_free(pc);	/* drops b (LeakSanitizer) */
	progcache_seen_put(NULL);
}
END_TEST

Suite *progcache_suite(void)
{
	Suite *s = suite_create("progcache");
	TCase *tc = tcase_create("progcache");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_add_fill_remove);
	tcase_add_test(tc, test_bound_oldest_out);
	tcase_add_test(tc, test_id_reuse);
	tcase_add_test(tc, test_loader);
	tcase_add_loop_test(tc, test_churn_model, 0, 2);
	tcase_add_test(tc, test_retain_loaders);
	tcase_add_test(tc, test_concurrent_readers);
	tcase_add_test(tc, test_seen_handoff);
	suite_add_tcase(s, tc);
	return s;
}
