// SPDX-License-Identifier: Apache-2.0
/*
 * check_linktarget - the pure parts of linktarget: the target text of every
 * link type (and its fallbacks to numbers), the cgroup2 mount found in
 * mountinfo text, and the cache of targets by link id: its sweep and its
 * bound.  The kernel side is tested by the links suite.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>

#include "bpf/linkinfo.h"
#include "bpf/linktarget.h"
#include "suites.h"

static void expect(const struct linktarget_target *t, const char *want)
{
	struct buf b = BUF_INIT;

	buf_addstr(&b, "<");	/* appends, does not replace */
	linktarget_format(&b, t);
	ck_assert(!b.oom);
	ck_assert_str_eq(b.buf + 1, want);
	buf_release(&b);
}

START_TEST(test_named_kinds)
{
	expect(&(struct linktarget_target){ .link_type = LI_RAW_TRACEPOINT, .name = "sched_switch" },
	       "sched_switch");
	expect(&(struct linktarget_target){ .link_type = LI_RAW_TRACEPOINT }, "");
	expect(&(struct linktarget_target){ .link_type = LI_ITER, .name = "bpf_map_elem" }, "bpf_map_elem");
	expect(&(struct linktarget_target){ .link_type = LI_TRACING, .name = "tcp_v4_connect", .id = 1,
				    .btf_id = 7 }, "tcp_v4_connect");
	expect(&(struct linktarget_target){ .link_type = LI_TRACING, .id = 1, .btf_id = 7 }, "btf:1:7");
	expect(&(struct linktarget_target){ .link_type = LI_TRACING, .target_prog = true, .id = 42,
				    .btf_id = 3, .name = "handle" }, "prog:42:handle");
	expect(&(struct linktarget_target){ .link_type = LI_TRACING, .target_prog = true, .id = 42,
				    .btf_id = 3 }, "prog:42:3");
	expect(&(struct linktarget_target){ .link_type = LI_CGROUP, .id = 5, .name = "/a/b" }, "/a/b");
	expect(&(struct linktarget_target){ .link_type = LI_CGROUP, .id = 5 }, "5");
	expect(&(struct linktarget_target){ .link_type = LI_NETNS, .id = 4026531840u }, "net:[4026531840]");
	expect(&(struct linktarget_target){ .link_type = LI_XDP, .id = 1, .name = "lo" }, "lo");
	expect(&(struct linktarget_target){ .link_type = LI_TCX, .id = 9 }, "9");
	expect(&(struct linktarget_target){ .link_type = LI_NETKIT, .id = 3, .name = "nk0" }, "nk0");
	/* detached: the cgroup, device or namespace is gone */
	expect(&(struct linktarget_target){ .link_type = LI_CGROUP }, "");
	expect(&(struct linktarget_target){ .link_type = LI_XDP }, "");
	expect(&(struct linktarget_target){ .link_type = LI_NETNS }, "");
	expect(&(struct linktarget_target){ .link_type = LI_STRUCT_OPS, .id = 17 }, "map:17");
	expect(&(struct linktarget_target){ .link_type = LI_SOCKMAP, .id = 18 }, "map:18");
	expect(&(struct linktarget_target){ .link_type = 999, .id = 18, .name = "x" }, "");
}
END_TEST

START_TEST(test_perf_event)
{
	expect(&(struct linktarget_target){ .link_type = LI_PERF_EVENT, .perf_type = LI_PERF_TRACEPOINT,
				    .name = "sched_switch" }, "sched_switch");
	expect(&(struct linktarget_target){ .link_type = LI_PERF_EVENT, .perf_type = LI_PERF_KPROBE,
				    .name = "vfs_read", .offset = 16 }, "vfs_read+0x10");
	expect(&(struct linktarget_target){ .link_type = LI_PERF_EVENT, .perf_type = LI_PERF_KRETPROBE,
				    .name = "vfs_read" }, "vfs_read+0x0");
	expect(&(struct linktarget_target){ .link_type = LI_PERF_EVENT, .perf_type = LI_PERF_KPROBE,
				    .id = 0xffffffff81000000ull }, "0xffffffff81000000");
	expect(&(struct linktarget_target){ .link_type = LI_PERF_EVENT, .perf_type = LI_PERF_UPROBE,
				    .name = "/usr/bin/bash", .offset = 0x4f2c0 },
	       "/usr/bin/bash:0x4f2c0");
	expect(&(struct linktarget_target){ .link_type = LI_PERF_EVENT, .perf_type = LI_PERF_URETPROBE,
				    .name = "/a b", .offset = 1 }, "/a b:0x1");
	expect(&(struct linktarget_target){ .link_type = LI_PERF_EVENT, .perf_type = LI_PERF_EV,
				    .id = 1, .offset = 0 }, "event:1:0");
	expect(&(struct linktarget_target){ .link_type = LI_PERF_EVENT, .perf_type = 99 }, "");
}
END_TEST

START_TEST(test_multi)
{
	static const char *const names[] = { "a", "b", "c", "d" };

	expect(&(struct linktarget_target){ .link_type = LI_KPROBE_MULTI, .count = 1 }, "1 function");
	expect(&(struct linktarget_target){ .link_type = LI_KPROBE_MULTI, .count = 2, .names = names,
				    .nr_names = 2 }, "2 functions: a,b");
	/* at most LT_MULTI_NAMES names, then "..." */
	expect(&(struct linktarget_target){ .link_type = LI_KPROBE_MULTI, .count = 9, .names = names,
				    .nr_names = 4 }, "9 functions: a,b,c,...");
	expect(&(struct linktarget_target){ .link_type = LI_KPROBE_MULTI, .count = 3, .names = names,
				    .nr_names = 3 }, "3 functions: a,b,c");
	expect(&(struct linktarget_target){ .link_type = LI_KPROBE_MULTI, .count = 4, .names = names,
				    .nr_names = 4 }, "4 functions: a,b,c,...");
	expect(&(struct linktarget_target){ .link_type = LI_UPROBE_MULTI, .count = 2,
				    .name = "/usr/bin/bash" }, "2 probes: /usr/bin/bash");
	expect(&(struct linktarget_target){ .link_type = LI_UPROBE_MULTI, .count = 1 }, "1 probe");
}
END_TEST

START_TEST(test_kprobe_multi_fdinfo)
{
	char names[5][LT_FUNC_LEN], text[2048], longname[LT_FUNC_LEN + 1];
	/* linux 6.17's fdinfo of a kprobe_multi link */
	const char *recorded =
		"pos:\t0\nflags:\t02000000\nmnt_id:\t15\nino:\t2094\n"
		"link_type:\tkprobe_multi\nlink_id:\t1\nprog_tag:\td0e56c21c8f7c6a6\n"
		"prog_id:\t21\nkprobe_cnt:\t5\nmissed:\t0\ncookie\t func\n"
		"1\t bpf_fentry_test1+0x0/0x20\n"
		"0\t nf_hook_slow+0x4/0x100 [nf_tables]\n"
		"7\t +0x0/0x1\n"	/* no name: left out */
		"7\t a,b+0x0/0x1\n"	/* not a symbol: left out */
		"9\t do_sys_open+0x0/0x10\n"
		"9\t vfs_read+0x0/0x10\n";

	/* and a name too long for LT_FUNC_LEN: left out */
	memset(longname, 'f', LT_FUNC_LEN);
	longname[LT_FUNC_LEN] = '\0';
	snprintf(text, sizeof(text), "%s9\t %s+0x0/0x10\n", recorded, longname);
	ck_assert_uint_eq(linktarget_kprobe_multi_names(text, names, 5), 4);
	longname[LT_FUNC_LEN - 1] = '\0';	/* the longest that fits */
	snprintf(text, sizeof(text), "%s9\t %s+0x0/0x10\n", recorded, longname);
	ck_assert_uint_eq(linktarget_kprobe_multi_names(text, names, 5), 5);
	ck_assert_str_eq(names[4], longname);

	ck_assert_uint_eq(linktarget_kprobe_multi_names(text, names, 4), 4);
	ck_assert_str_eq(names[0], "bpf_fentry_test1");
	ck_assert_str_eq(names[1], "nf_hook_slow");
	ck_assert_str_eq(names[2], "do_sys_open");
	ck_assert_str_eq(names[3], "vfs_read");
	ck_assert_uint_eq(linktarget_kprobe_multi_names(text, names, 1), 1);
	/* cut by the reader's buffer: the partial last line is not a name */
	ck_assert_uint_eq(linktarget_kprobe_multi_names("x\ncookie\t func\n1\t abc+0x0/0x1\n2\t de", names, 4),
			  1);
	/* older kernels say no names */
	ck_assert_uint_eq(linktarget_kprobe_multi_names("link_type:\tkprobe_multi\nlink_id:\t1\n", names, 4),
			  0);
	ck_assert_uint_eq(linktarget_kprobe_multi_names("", names, 4), 0);
	ck_assert_uint_eq(linktarget_kprobe_multi_names("\ncookie\t func\nnot a line\n", names, 4), 0);
}
END_TEST

START_TEST(test_netfilter)
{
	expect(&(struct linktarget_target){ .link_type = LI_NETFILTER, .pf = 2, .hooknum = 1,
				    .priority = -128 }, "ipv4/input/-128");
	expect(&(struct linktarget_target){ .link_type = LI_NETFILTER, .pf = 10, .hooknum = 4,
				    .priority = 0 }, "ipv6/postrouting/0");
	expect(&(struct linktarget_target){ .link_type = LI_NETFILTER, .pf = 5, .hooknum = 1,
				    .priority = 1 }, "netdev/egress/1");
	expect(&(struct linktarget_target){ .link_type = LI_NETFILTER, .pf = 3, .hooknum = 2,
				    .priority = 1 }, "arp/forward/1");
	expect(&(struct linktarget_target){ .link_type = LI_NETFILTER, .pf = 99, .hooknum = 77,
				    .priority = 2147483647 }, "99/77/2147483647");
}
END_TEST

START_TEST(test_cgroup2_mount)
{
	char out[64];
	const char *mi =
		"22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
		"30 25 0:26 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
		"36 25 0:30 / /sys/fs/cgroup/uni\\040fied rw,relatime shared:10 - cgroup2 cgroup2 rw\n"
		"37 25 0:31 / /other rw - cgroup2 cgroup2 rw\n";

	ck_assert_int_eq(linktarget_cgroup2_mount(mi, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "/sys/fs/cgroup/uni fied");	/* the first, unescaped */
	ck_assert_int_eq(linktarget_cgroup2_mount("22 1 8:1 / / rw - ext4 /dev/sda1 rw\n", out,
					  sizeof(out)), -ENOENT);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(linktarget_cgroup2_mount("", out, sizeof(out)), -ENOENT);
	ck_assert_int_eq(linktarget_cgroup2_mount(mi, out, 10), -ENAMETOOLONG);
	/* no newline at the end; lines too short to be mountinfo's (mountinfo.c reads them) */
	ck_assert_int_eq(linktarget_cgroup2_mount("1 2 0:1 / /cg rw - cgroup2 x rw", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "/cg");
	ck_assert_int_eq(linktarget_cgroup2_mount("1 - cgroup2 x rw\n", out, sizeof(out)), -ENOENT);
	ck_assert_int_eq(linktarget_cgroup2_mount("1 2 0:1 / /cg - cgroup2 x rw", out, sizeof(out)), -ENOENT);
}
END_TEST

/* A tree under a temporary directory: a/b/c, a/d, and a chain 70 deep under e. */
static char tree[64];

static uint64_t ino_of(const char *rel)
{
	char path[1024];
	struct stat st;

	snprintf(path, sizeof(path), "%s%s", tree, rel);
	ck_assert_msg(stat(path, &st) == 0, "%s: %s", path, strerror(errno));
	return st.st_ino;
}

static void mkdir_rel(const char *rel)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s%s", tree, rel);
	ck_assert_msg(mkdir(path, 0700) == 0, "%s: %s", path, strerror(errno));
}

START_TEST(test_find_dirs)
{
	static const char *const dirs[] = { "/a", "/a/b", "/a/b/c", "/a/d", "/e" };
	char deep[1024] = "/e", *paths[4];
	uint64_t ids[4];
	char cmd[128];

	snprintf(tree, sizeof(tree), "/tmp/bpfme-lt-tree-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tree));
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		mkdir_rel(dirs[i]);
	for (int i = 0; i < 70; i++) {
		strcat(deep, "/x");
		mkdir_rel(deep);
	}
	ids[0] = ino_of("/a/b/c");
	ids[1] = ino_of("");
	ids[2] = ino_of("/a/d");
	ids[3] = 1;	/* no such directory */
	memset(paths, 0, sizeof(paths));
	ck_assert_int_eq(linktarget_find_dirs(tree, ids, 4, paths, 1000), 0);
	ck_assert_str_eq(paths[0], "/a/b/c");
	ck_assert_str_eq(paths[1], "/");
	ck_assert_str_eq(paths[2], "/a/d");
	ck_assert_ptr_null(paths[3]);
	for (int i = 0; i < 4; i++)
		free(paths[i]);

	/* the bound on directories looked at: one is not enough for a/b/c */
	memset(paths, 0, sizeof(paths));
	ck_assert_int_eq(linktarget_find_dirs(tree, ids, 1, paths, 1), 0);
	ck_assert_ptr_null(paths[0]);
	/* a/b/c is the third directory of its branch: three are enough if a comes first */
	ck_assert_int_eq(linktarget_find_dirs(tree, ids, 1, paths, 2), 0);
	ck_assert_ptr_null(paths[0]);

	/* the depth bound: found at LT_CGROUP_DEPTH_MAX, not past it */
	deep[2 + 2 * (LT_CGROUP_DEPTH_MAX - 1)] = '\0';	/* /e + 63 x: depth 64 */
	ids[0] = ino_of(deep);
	deep[2 + 2 * (LT_CGROUP_DEPTH_MAX - 1)] = '/';
	deep[2 + 2 * LT_CGROUP_DEPTH_MAX] = '\0';	/* depth 65 */
	ids[1] = ino_of(deep);
	memset(paths, 0, sizeof(paths));
	ck_assert_int_eq(linktarget_find_dirs(tree, ids, 2, paths, 1000), 0);
	ck_assert_ptr_nonnull(paths[0]);
	ck_assert_uint_eq(strlen(paths[0]), 2 + 2 * (LT_CGROUP_DEPTH_MAX - 1));
	ck_assert_ptr_null(paths[1]);
	free(paths[0]);

	ck_assert_int_eq(linktarget_find_dirs("/nonexistent-bpfme", ids, 1, paths, 10), -ENOENT);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tree);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

static void expect_cached(uint32_t id, const char *want)
{
	struct buf b = BUF_INIT;
	bool found = linktarget_cache_get(id, &b);

	if (want) {
		ck_assert_msg(found, "link %u not cached", id);
		ck_assert_str_eq(b.buf, want);
	} else {
		ck_assert_msg(!found, "link %u cached", id);
	}
	buf_release(&b);
}

/* Remember text for id, as the snapshot does: from its buffer. */
static void put(uint32_t id, const char *text)
{
	struct buf b = BUF_INIT;

	buf_addstr(&b, "x");
	buf_add(&b, "", 1);
	buf_addstr(&b, text);
	ck_assert(!b.oom);
	linktarget_cache_put(id, &b, 2);
	buf_release(&b);
}

START_TEST(test_cache_sweep)
{
	linktarget_cache_clear();
	put(7, "seven");
	put(3, "three");
	put(7, "again");	/* the first stays */
	ck_assert_uint_eq(linktarget_cache_size(), 2);
	expect_cached(7, "seven");
	expect_cached(3, "three");
	expect_cached(5, NULL);
	linktarget_cache_sweep();		/* both were seen in this generation */
	ck_assert_uint_eq(linktarget_cache_size(), 2);
	expect_cached(3, "three");	/* only 3 seen in the next */
	linktarget_cache_sweep();
	ck_assert_uint_eq(linktarget_cache_size(), 1);
	expect_cached(7, NULL);
	expect_cached(3, "three");
	linktarget_cache_sweep();
	linktarget_cache_sweep();		/* not seen since: gone */
	ck_assert_uint_eq(linktarget_cache_size(), 0);
	linktarget_cache_clear();
}
END_TEST

START_TEST(test_cache_bound)
{
	char text[16];

	linktarget_cache_clear();
	/* in descending order: each put goes to the front of the sorted array */
	for (uint32_t i = LT_CACHE_MAX + 10; i > 0; i--) {
		snprintf(text, sizeof(text), "t%u", i);
		put(i, text);
	}
	ck_assert_uint_eq(linktarget_cache_size(), LT_CACHE_MAX);
	linktarget_cache_sweep();		/* all put in this generation: kept */
	ck_assert_uint_eq(linktarget_cache_size(), LT_CACHE_MAX);
	expect_cached(LT_CACHE_MAX + 10, "t4106");
	expect_cached(11, "t11");
	expect_cached(10, NULL);	/* past the bound: not kept */
	linktarget_cache_sweep();
	ck_assert_uint_eq(linktarget_cache_size(), 2);	/* only the two got since */
	put(10, "t10");	/* room again */
	expect_cached(10, "t10");
	linktarget_cache_clear();
	ck_assert_uint_eq(linktarget_cache_size(), 0);
}
END_TEST

/*
 * A text the buffer ran out of memory for is never remembered: it would be
 * the link's target (empty, or cut short) for as long as the link lives.
 */
START_TEST(test_cache_not_oom)
{
	struct buf b = BUF_INIT;

	linktarget_cache_clear();
	buf_addstr(&b, "vfs_read");
	b.oom = true;		/* an append after these failed */
	linktarget_cache_put(42, &b, 0);
	ck_assert_uint_eq(linktarget_cache_size(), 0);
	expect_cached(42, NULL);
	b.oom = false;
	linktarget_cache_put(42, &b, b.len + 1);	/* past the text: nothing */
	expect_cached(42, NULL);
	linktarget_cache_put(42, &b, 0);
	expect_cached(42, "vfs_read");
	buf_release(&b);
	linktarget_cache_clear();
}
END_TEST

Suite *linktarget_suite(void)
{
	Suite *s = suite_create("linktarget");
	TCase *tc = tcase_create("format");

	tcase_add_test(tc, test_named_kinds);
	tcase_add_test(tc, test_perf_event);
	tcase_add_test(tc, test_multi);
	tcase_add_test(tc, test_netfilter);
	tcase_add_test(tc, test_kprobe_multi_fdinfo);
	tcase_add_test(tc, test_cgroup2_mount);
	tcase_add_test(tc, test_find_dirs);
	suite_add_tcase(s, tc);
	tc = tcase_create("cache");
	tcase_add_test(tc, test_cache_sweep);
	tcase_add_test(tc, test_cache_bound);
	tcase_add_test(tc, test_cache_not_oom);
	suite_add_tcase(s, tc);
	return s;
}
