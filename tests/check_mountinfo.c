// SPDX-License-Identifier: Apache-2.0
/*
 * check_mountinfo - the bpffs mount points of recorded /proc/PID/mountinfo
 * files (tests/data/mountinfo/): a host's with escaped names, a bind mount
 * and a look-alike type, and one of malformed lines; the path length
 * bound reached from both sides; a callback stopping the walk.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/mountinfo.h"
#include "suites.h"

struct found {
	char *paths[16];
	size_t nr;
	int stop_after;		/* return -EINTR after this many; 0: never */
};

static int collect(const char *mount_point, void *arg)
{
	struct found *f = arg;

	ck_assert_uint_lt(f->nr, 16);
	f->paths[f->nr++] = strdup(mount_point);
	return f->stop_after && (int)f->nr == f->stop_after ? -EINTR : 0;
}

static void found_free(struct found *f)
{
	for (size_t i = 0; i < f->nr; i++)
		free(f->paths[i]);
	f->nr = 0;
}

static void read_data(const char *name, struct buf *b)
{
	const char *dir = getenv("BPFME_TEST_DATA");
	char path[512];
	char chunk[4096];
	size_t n;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/mountinfo/%s", dir && *dir ? dir : "tests/data", name);
	fp = fopen(path, "r");
	ck_assert_msg(fp, "cannot read %s", path);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_add(b, chunk, n);
	fclose(fp);
}

START_TEST(test_host)
{
	struct buf b = BUF_INIT;
	struct found f = { .nr = 0 };

	read_data("host.txt", &b);
	ck_assert_int_eq(mountinfo_each(b.buf, b.len, "bpf", collect, &f), 0);
	ck_assert_uint_eq(f.nr, 4);
	ck_assert_str_eq(f.paths[0], "/sys/fs/bpf");
	ck_assert_str_eq(f.paths[1], "/run/cilium/bpffs");
	ck_assert_str_eq(f.paths[2], "/tmp/a dir\twith\\odd\nnames");
	ck_assert_str_eq(f.paths[3], "/mnt/bind-of-bpffs");	/* a bind mount of a bpffs' directory */
	found_free(&f);
	/* another type: exact names, not prefixes */
	ck_assert_int_eq(mountinfo_each(b.buf, b.len, "bpfx", collect, &f), 0);
	ck_assert_uint_eq(f.nr, 1);
	ck_assert_str_eq(f.paths[0], "/mnt/not-bpf");
	found_free(&f);
	buf_release(&b);
}
END_TEST

START_TEST(test_bad_lines)
{
	struct buf b = BUF_INIT;
	struct found f = { .nr = 0 };

	read_data("bad.txt", &b);
	/* no source, a relative path, no "-", too few fields, a NUL: 5 skipped; the empty line is no line */
	ck_assert_int_eq(mountinfo_each(b.buf, b.len, "bpf", collect, &f), 5);
	ck_assert_uint_eq(f.nr, 3);
	ck_assert_str_eq(f.paths[0], "/sys/fs/bpf2");
	ck_assert_str_eq(f.paths[1], "/ok\\7");		/* not an escape: kept as it is */
	ck_assert_str_eq(f.paths[2], "/last/line/without/newline");
	found_free(&f);
	buf_release(&b);
}
END_TEST

/* A line whose mount point is "/" and n - 1 more bytes, written as escapes if escaped. */
static void long_line(struct buf *b, size_t n, int escaped)
{
	buf_addstr(b, "1 2 0:3 / /");
	for (size_t i = 1; i < n; i++)
		buf_addstr(b, escaped ? "\\101" : "a");
	buf_addstr(b, " rw - bpf bpf rw\n");
}

START_TEST(test_path_bound)
{
	struct buf b = BUF_INIT;
	struct found f = { .nr = 0 };

	long_line(&b, MOUNTINFO_PATH_MAX, 0);
	long_line(&b, MOUNTINFO_PATH_MAX, 1);		/* 4 bytes of text each, one of path */
	long_line(&b, MOUNTINFO_PATH_MAX + 1, 0);
	long_line(&b, MOUNTINFO_PATH_MAX + 1, 1);
	ck_assert_int_eq(mountinfo_each(b.buf, b.len, "bpf", collect, &f), 2);
	ck_assert_uint_eq(f.nr, 2);
	ck_assert_uint_eq(strlen(f.paths[0]), MOUNTINFO_PATH_MAX);
	ck_assert_uint_eq(strlen(f.paths[1]), MOUNTINFO_PATH_MAX);
	ck_assert_int_eq(f.paths[1][1], 'A');
	found_free(&f);
	buf_release(&b);
}
END_TEST

START_TEST(test_escape_range)
{
	static const char text[] = "1 2 0:3 / /a\\377b rw - bpf bpf rw\n"
				   "1 2 0:3 / /a\\400b rw - bpf bpf rw\n";
	struct found f = { .nr = 0 };

	ck_assert_int_eq(mountinfo_each(text, sizeof(text) - 1, "bpf", collect, &f), 1);
	ck_assert_uint_eq(f.nr, 1);
	ck_assert_str_eq(f.paths[0], "/a\377b");
	found_free(&f);
}
END_TEST

START_TEST(test_callback_stops)
{
	struct buf b = BUF_INIT;
	struct found f = { .nr = 0, .stop_after = 2 };

	read_data("host.txt", &b);
	ck_assert_int_eq(mountinfo_each(b.buf, b.len, "bpf", collect, &f), -EINTR);
	ck_assert_uint_eq(f.nr, 2);
	found_free(&f);
	ck_assert_int_eq(mountinfo_each("", 0, "bpf", collect, &f), 0);
	ck_assert_uint_eq(f.nr, 0);
	buf_release(&b);
}
END_TEST

Suite *mountinfo_suite(void)
{
	return SUITE_OF("mountinfo", "parse", test_host, test_bad_lines,
			test_path_bound, test_escape_range, test_callback_stops);
}
