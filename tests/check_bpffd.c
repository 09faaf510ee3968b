// SPDX-License-Identifier: Apache-2.0
/*
 * check_bpffd - BPF fds classified by their /proc/PID/fd link target, with
 * every spelling the kernel uses and the near misses around them.  The
 * spellings are met live by the holders_live and bpfstats (pins) suites.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <linux/bpf.h>

#include <bpf/bpf.h>

#include "bpf/bpffd.h"
#include "suites.h"

static int kind_of(const char *s)
{
	return bpffd_kind(s, strlen(s));
}

START_TEST(test_kernel_spellings)
{
	/* bpf_prog_new_fd(), bpf_map_new_fd() */
	ck_assert_int_eq(kind_of("anon_inode:bpf-prog"), SNAP_PROG);
	ck_assert_int_eq(kind_of("anon_inode:bpf-map"), SNAP_MAP);
	/* bpf_link_prime() names a new link "bpf_link", bpf_link_new_fd() (by id, from a pin) "bpf-link" */
	ck_assert_int_eq(kind_of("anon_inode:bpf_link"), SNAP_LINK);
	ck_assert_int_eq(kind_of("anon_inode:bpf-link"), SNAP_LINK);
	/* BPF fds that are none of the three: BTF, an iterator's reading end */
	ck_assert_int_eq(kind_of("anon_inode:btf"), -1);
	ck_assert_int_eq(kind_of("anon_inode:bpf_iter"), -1);
}
END_TEST

START_TEST(test_near_misses)
{
	static const char *const others[] = {
		"anon_inode:bpf-mapx", "anon_inode:bpf-ma", "anon_inode:bpf_prog", "anon_inode:bpf_map",
		"anon_inode:bpf-Link", "anon_inode:[bpf-map]", "anon_inode: bpf-map", "anon_inode:bpf-map ",
		"anon_inode:[eventfd]", "anon_inode:", "anon_inode", "/dev/bpf-map", "bpf-map",
		"/sys/fs/bpf/anon_inode:bpf-map", "socket:[1]", "pipe:[2]", "",
	};

	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		ck_assert_msg(kind_of(others[i]) == -1, "\"%s\" classified", others[i]);
	/* the length given, not the NUL, ends the target */
	ck_assert_int_eq(bpffd_kind("anon_inode:bpf-mapXYZ", 18), SNAP_MAP);
	ck_assert_int_eq(bpffd_kind("anon_inode:bpf-map", 17), -1);
	ck_assert_int_eq(bpffd_kind("anon_inode:bpf-prog", 11), -1);
}
END_TEST

/* Stand-ins for bpf_*_get_fd_by_id: an fd that is no BPF object's, and none. */
static int pipe_fd;

static int fd_not_bpf(__u32 id)
{
	(void)id;
	return dup(pipe_fd);
}

static int fd_gone(__u32 id)
{
	(void)id;
	errno = ENOENT;
	return -ENOENT;
}

/* The fd it opens is closed on every path; errors come back as -errno. */
START_TEST(test_info_by_id)
{
	struct bpf_prog_info info;
	int fds[2], before;

	ck_assert_int_eq(pipe2(fds, O_CLOEXEC), 0);
	pipe_fd = fds[0];
	before = dup(0);	/* the lowest free fd now */
	close(before);
	memset(&info, 0, sizeof(info));
	ck_assert_int_eq(bpffd_info_by_id(fd_not_bpf, 1, &info, sizeof(info)), -EINVAL);
	ck_assert_int_eq(bpffd_info_by_id(fd_gone, 1, &info, sizeof(info)), -ENOENT);
	ck_assert_int_eq(dup(0), before);	/* nothing left open */
	close(before);
	/* the real one: no program has id 2^32 - 1 (or this is no root) */
	int err = bpffd_info_by_id(bpf_prog_get_fd_by_id, UINT32_MAX, &info, sizeof(info));

	ck_assert_msg(err == -ENOENT || err == -EPERM, "%d", err);
	close(fds[0]);
	close(fds[1]);
}
END_TEST

Suite *bpffd_suite(void)
{
	return SUITE_OF("bpffd", "bpffd", test_kernel_spellings, test_near_misses, test_info_by_id);
}
