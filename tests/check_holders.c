// SPDX-License-Identifier: Apache-2.0
/*
 * check_holders - the holders walk on a recorded /proc tree
 * (tests/data/holders/proc: fd symlinks with the kernel's link targets,
 * fdinfo as the kernel writes it, comm and cgroup files), and its pure
 * parts: the fdinfo ids, the classification of fdinfo
 * alone, the sorting and the dropping of repeats.  The live walk is in
 * check_holders_live.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proc/holders.h"
#include "suites.h"

#define H1 "5f1c0e9a7b3d2f4e6a8c0b1d3e5f7a9c2b4d6e8f0a1c3e5b7d9f2a4c6e8b0d13"
#define H2 "c0ffee00d15ea5e0b1ab1234567890abcdef0123456789abcdef0123456789ab"
#define K8S_CGROUP "/kubepods.slice/kubepods-burstable.slice/" \
	"kubepods-burstable-pod8f3a2c1e_5b7d_4e9f_a0c2_6d4b8e1f3a57.slice/cri-containerd-" H1 ".scope"

static const char *data_dir(void)
{
	const char *d = getenv("BPFME_TEST_DATA");

	return d && *d ? d : "tests/data";
}

START_TEST(test_fdinfo_id)
{
	uint32_t id = 0;

	ck_assert_int_eq(holders_fdinfo_id("pos:\t0\nmap_id:\t12\nfrozen:\t0\n", SNAP_MAP, &id), 0);
	ck_assert_uint_eq(id, 12);
	ck_assert_int_eq(holders_fdinfo_id("prog_id:\t4294967295\n", SNAP_PROG, &id), 0);
	ck_assert_uint_eq(id, UINT32_MAX);
	ck_assert_int_eq(holders_fdinfo_id("prog_id:\t4294967296\n", SNAP_PROG, &id), -EINVAL);
	/* a kind holders do not list (the snapshot's BTF objects): no key, no id */
	ck_assert_int_eq(holders_fdinfo_id("btf_id:\t3\n", SNAP_BTF, &id), -EINVAL);
	ck_assert_int_eq(holders_fdinfo_id("link_id:\t0\n", SNAP_LINK, &id), -EINVAL);
	ck_assert_int_eq(holders_fdinfo_id("link_id:\tx\n", SNAP_LINK, &id), -EINVAL);
	ck_assert_int_eq(holders_fdinfo_id("map_id:\t12\n", SNAP_PROG, &id), -ENOENT);
	ck_assert_int_eq(holders_fdinfo_id("", SNAP_MAP, &id), -ENOENT);
	ck_assert_int_eq(holders_fdinfo_id("map_id:\t1\n", SNAP_NR_KINDS, &id), -EINVAL);
}
END_TEST

START_TEST(test_fdinfo_classify)
{
	enum snap_kind kind;
	uint32_t id;

	/* a link's fdinfo names its program too: the link wins */
	ck_assert_int_eq(holders_fdinfo_classify("link_type:\traw_tracepoint\nlink_id:\t3\n"
						 "prog_tag:\t00\nprog_id:\t99\n", &kind, &id), 0);
	ck_assert_int_eq(kind, SNAP_LINK);
	ck_assert_uint_eq(id, 3);
	ck_assert_int_eq(holders_fdinfo_classify("map_type:\t1\nmemlock:\t4096\nmap_id:\t12\n",
						 &kind, &id), 0);
	ck_assert_int_eq(kind, SNAP_MAP);
	ck_assert_uint_eq(id, 12);
	ck_assert_int_eq(holders_fdinfo_classify("prog_type:\t1\nprog_jited:\t1\nprog_id:\t7\n",
						 &kind, &id), 0);
	ck_assert_int_eq(kind, SNAP_PROG);
	ck_assert_uint_eq(id, 7);
	/* a prog_id without prog_type is no program's fdinfo */
	ck_assert_int_eq(holders_fdinfo_classify("prog_id:\t7\n", &kind, &id), -ENOENT);
	ck_assert_int_eq(holders_fdinfo_classify("pos:\t0\nflags:\t02\neventfd-count:\t0\n",
						 &kind, &id), -ENOENT);
	ck_assert_int_eq(holders_fdinfo_classify("", &kind, &id), -ENOENT);
}
END_TEST

/* Rows sorted by kind, id, pid; a repeat (two fds to one object) kept once. */
START_TEST(test_sort)
{
	struct holders h;
	pid_t pids[] = { 30, 10, 20 };

	holders_init(&h);
	h.procs = calloc(3, sizeof(*h.procs));
	ck_assert_ptr_nonnull(h.procs);
	h.nr_procs = h.alloc_procs = 3;
	for (int i = 0; i < 3; i++)
		h.procs[i].pid = pids[i];
	ck_assert_int_eq(holders_add(&h, SNAP_LINK, 5, 0), 0);
	ck_assert_int_eq(holders_add(&h, SNAP_MAP, 9, 0), 0);
	ck_assert_int_eq(holders_add(&h, SNAP_MAP, 9, 1), 0);
	ck_assert_int_eq(holders_add(&h, SNAP_MAP, 9, 0), 0);
	ck_assert_int_eq(holders_add(&h, SNAP_MAP, 2, 2), 0);
	ck_assert_int_eq(holders_add(&h, SNAP_PROG, 9, 2), 0);
	holders_sort(&h);
	ck_assert_uint_eq(h.nr_rows, 5);
	ck_assert(h.rows[0].kind == SNAP_PROG && h.rows[0].id == 9 && h.rows[0].proc == 2);
	ck_assert(h.rows[1].kind == SNAP_MAP && h.rows[1].id == 2 && h.rows[1].proc == 2);
	ck_assert(h.rows[2].kind == SNAP_MAP && h.rows[2].id == 9 && h.rows[2].proc == 1);
	ck_assert(h.rows[3].kind == SNAP_MAP && h.rows[3].id == 9 && h.rows[3].proc == 0);
	ck_assert(h.rows[4].kind == SNAP_LINK && h.rows[4].id == 5);
	holders_release(&h);
	ck_assert_ptr_null(h.rows);
	ck_assert_uint_eq(h.nr_rows, 0);
}
END_TEST

static const struct holders_proc *proc_of(const struct holders *h, pid_t pid)
{
	for (size_t i = 0; i < h->nr_procs; i++)
		if (h->procs[i].pid == pid)
			return &h->procs[i];
	return NULL;
}

/* The recorded tree: who holds what, once each, and each process's labels. */
START_TEST(test_recorded_walk)
{
	static const struct {
		enum snap_kind kind;
		uint32_t id;
		pid_t pid;
	} want[] = {
		{ SNAP_PROG, 7, 100 }, { SNAP_PROG, 7, 500 }, { SNAP_PROG, 42, 500 },
		{ SNAP_PROG, 99, 700 },
		{ SNAP_MAP, 12, 100 }, { SNAP_MAP, 13, 200 }, { SNAP_MAP, 14, 700 },
		{ SNAP_LINK, 3, 100 }, { SNAP_LINK, 3, 200 }, { SNAP_LINK, 4, 700 },
	};
	const struct holders_proc *p;
	char dir[512];
	struct holders h;

	snprintf(dir, sizeof(dir), "%s/holders/proc", data_dir());
	holders_init(&h);
	/* 300 is "the exporter": left out, though it holds map 12 */
	ck_assert_int_eq(holders_take(&h, dir, 300), 0);
	ck_assert_uint_eq(h.processes, 6);	/* 100, 200, 400, 500, 600, 700 */
	ck_assert_uint_eq(h.denied, 0);
	ck_assert_uint_eq(h.nr_rows, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < h.nr_rows; i++) {
		ck_assert_int_eq(h.rows[i].kind, want[i].kind);
		ck_assert_uint_eq(h.rows[i].id, want[i].id);
		ck_assert_int_eq(h.procs[h.rows[i].proc].pid, want[i].pid);
	}
	/*
	 * 400 holds nothing of BPF, 600 exited before its comm was read; 700
	 * holds 20 fds to map 14, then a link (whose fdinfo names its program
	 * too), a socket and a program: past the first 16, all BPF, it is read
	 * by fdinfo alone, and the link is still a link, the socket nothing.
	 */
	ck_assert_uint_eq(h.nr_procs, 4);
	ck_assert_uint_eq(h.by_fdinfo, 6);	/* 700's maps 19 to 22, its link and its program */
	ck_assert_ptr_null(proc_of(&h, 400));
	ck_assert_ptr_null(proc_of(&h, 600));

	p = proc_of(&h, 100);
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(p->comm, "cilium-agent");
	ck_assert_str_eq(p->cgroup, K8S_CGROUP);
	ck_assert_str_eq(p->container_id, H1);
	ck_assert_str_eq(p->pod_uid, "8f3a2c1e-5b7d-4e9f-a0c2-6d4b8e1f3a57");
	p = proc_of(&h, 200);
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(p->comm, "bpftool");
	ck_assert_str_eq(p->cgroup, "/docker/" H2);
	ck_assert_str_eq(p->container_id, H2);
	ck_assert_str_eq(p->pod_uid, "");
	p = proc_of(&h, 500);
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(p->comm, "abcdefghijklmno");	/* TASK_COMM_LEN - 1 bytes */
	ck_assert_str_eq(p->cgroup, "/system.slice/we\\\"ird.service");	/* v1 name=systemd */
	ck_assert_str_eq(p->container_id, "");

	/* a second walk into the same struct replaces the first */
	ck_assert_int_eq(holders_take(&h, dir, 100), 0);
	ck_assert_ptr_null(proc_of(&h, 100));
	ck_assert_ptr_nonnull(proc_of(&h, 300));
	ck_assert_uint_eq(h.nr_procs, 4);	/* 200, 300, 500, 700 */
	holders_release(&h);
}
END_TEST

START_TEST(test_no_proc)
{
	struct holders h;

	holders_init(&h);
	ck_assert_int_eq(holders_take(&h, "/nonexistent/proc", 1), -ENOENT);
	ck_assert_uint_eq(h.nr_rows, 0);
	holders_release(&h);
}
END_TEST

Suite *holders_suite(void)
{
	Suite *s = suite_create("holders");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_fdinfo_id);
	tcase_add_test(tc, test_fdinfo_classify);
	tcase_add_test(tc, test_sort);
	suite_add_tcase(s, tc);
	tc = tcase_create("recorded");
	tcase_add_test(tc, test_recorded_walk);
	tcase_add_test(tc, test_no_proc);
	suite_add_tcase(s, tc);
	return s;
}
