// SPDX-License-Identifier: Apache-2.0
/* check_fdinfo - fdinfo reading and "key:\tvalue" parsing, on recorded and live text. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "bpf/fdinfo.h"
#include "suites.h"

/* A BPF program's fdinfo as this kernel (6.18) writes it. */
static const char prog_fdinfo[] =
	"pos:\t0\n"
	"flags:\t02000002\n"
	"mnt_id:\t16\n"
	"ino:\t2088\n"
	"prog_type:\t1\n"
	"prog_jited:\t1\n"
	"prog_tag:\tb1a5e2f8a4e51a6e\n"
	"memlock:\t4096\n"
	"prog_id:\t3317\n"
	"run_time_ns:\t0\n"
	"run_cnt:\t0\n"
	"recursion_misses:\t0\n"
	"verified_insns:\t2\n";

START_TEST(test_u64)
{
	uint64_t v = 7;

	ck_assert_int_eq(fdinfo_u64(prog_fdinfo, "memlock", &v), 0);
	ck_assert_uint_eq(v, 4096);
	ck_assert_int_eq(fdinfo_u64(prog_fdinfo, "prog_id", &v), 0);
	ck_assert_uint_eq(v, 3317);
	ck_assert_int_eq(fdinfo_u64(prog_fdinfo, "pos", &v), 0);	/* the first line */
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(fdinfo_u64(prog_fdinfo, "verified_insns", &v), 0);	/* the last */
	ck_assert_uint_eq(v, 2);
	/* a key is a whole key, not a prefix or a suffix of one */
	ck_assert_int_eq(fdinfo_u64(prog_fdinfo, "prog", &v), -ENOENT);
	ck_assert_int_eq(fdinfo_u64(prog_fdinfo, "id", &v), -ENOENT);
	ck_assert_int_eq(fdinfo_u64(prog_fdinfo, "map_id", &v), -ENOENT);
	/* not a number: a tag is hex, flags octal-looking but fine as decimal digits */
	ck_assert_int_eq(fdinfo_u64(prog_fdinfo, "prog_tag", &v), -EINVAL);
	ck_assert_int_eq(fdinfo_u64("a:\t18446744073709551615\n", "a", &v), 0);
	ck_assert_uint_eq(v, UINT64_MAX);
	ck_assert_int_eq(fdinfo_u64("a:\t18446744073709551616\n", "a", &v), -EINVAL);
	ck_assert_int_eq(fdinfo_u64("a:\t12x\n", "a", &v), -EINVAL);
	ck_assert_int_eq(fdinfo_u64("a:\n", "a", &v), -EINVAL);
	ck_assert_int_eq(fdinfo_u64("a:  5", "a", &v), 0);	/* no final newline */
	ck_assert_uint_eq(v, 5);
	ck_assert_int_eq(fdinfo_u64("", "a", &v), -ENOENT);
}
END_TEST

/* A real fd's fdinfo, read through a directory fd as the snapshot does. */
START_TEST(test_read)
{
	char text[FDINFO_SIZE], small[8];
	int dirfd = open("/proc/self/fdinfo", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int fds[2];
	uint64_t v;

	ck_assert_int_ge(dirfd, 0);
	ck_assert_int_eq(pipe2(fds, O_CLOEXEC), 0);
	ck_assert_int_gt(fdinfo_read(dirfd, fds[0], text, sizeof(text)), 0);
	ck_assert_int_eq(fdinfo_u64(text, "pos", &v), 0);
	ck_assert_int_eq(fdinfo_u64(text, "flags", &v), 0);
	/* cut to the buffer, always terminated */
	ck_assert_int_eq(fdinfo_read(dirfd, fds[0], small, sizeof(small)), (ssize_t)sizeof(small) - 1);
	ck_assert_uint_eq(strlen(small), sizeof(small) - 1);
	close(fds[0]);
	close(fds[1]);
	ck_assert_int_eq(fdinfo_read(dirfd, fds[0], text, sizeof(text)), -ENOENT);
	ck_assert_str_eq(text, "");
	close(dirfd);
}
END_TEST

Suite *fdinfo_suite(void)
{
	return SUITE_OF("fdinfo", "fdinfo", test_u64, test_read);
}
