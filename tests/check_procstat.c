// SPDX-License-Identifier: Apache-2.0
/*
 * check_procstat - unit tests for the /proc parsers behind process_*: a
 * stat line whose command name holds spaces and parentheses, signed
 * fields, malformed lines; the "Max open files" line of limits; and
 * procstat_read() on the recorded directory tests/data/proc/ and on the
 * test's own /proc/self.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/resource.h>

#include "proc/procstat.h"
#include "suites.h"

/* The fields up to rss; utime 150, stime 50, starttime 258024, vsize 105033728, rss 1422. */
#define TAIL " S 1 9987 21868 0 -1 4194560 511 0 2 0 150 50 0 0 20 0 3 0 258024 105033728 1422 " \
	"18446744073709551615 94252381450240 0 17 0\n"

START_TEST(test_stat)
{
	static const char *const comms[] = {
		"(bpf-metrics-exp)", "((a) (b))", "(x) S 1 2 3)", "( )", "()",
	};

	for (size_t i = 0; i < sizeof(comms) / sizeof(comms[0]); i++) {
		char line[512];
		struct procstat ps;

		memset(&ps, 0xff, sizeof(ps));
		snprintf(line, sizeof(line), "4242 %s" TAIL, comms[i]);
		ck_assert_msg(procstat_parse_stat(line, 100, 4096, &ps) == 0, "%s", line);
		ck_assert_double_eq_tol(ps.cpu_seconds, 2.0, 1e-12);
		ck_assert_uint_eq(ps.start_ticks, 258024);
		ck_assert_uint_eq(ps.virtual_bytes, 105033728);
		ck_assert_uint_eq(ps.resident_bytes, 1422 * 4096);
	}
}
END_TEST

START_TEST(test_stat_signed)
{
	/* tpgid -1 and a negative priority and nice: fine */
	static const char line[] = "7 (k) R 0 0 0 0 -1 1 2 3 4 5 1 3 -7 -8 -20 -19 1 0 12 4096 2 0\n";
	struct procstat ps;

	ck_assert_int_eq(procstat_parse_stat(line, 100, 4096, &ps), 0);
	ck_assert_double_eq_tol(ps.cpu_seconds, 0.04, 1e-12);
	ck_assert_uint_eq(ps.start_ticks, 12);
	ck_assert_uint_eq(ps.virtual_bytes, 4096);
	ck_assert_uint_eq(ps.resident_bytes, 8192);
}
END_TEST

START_TEST(test_stat_bad)
{
	static const char *const bad[] = {
		"", "4242", "4242 (x", "4242 x) S 1", "4242 (x) S 1 2 3",	/* cut short */
		"4242 (x)  S 1 9987 21868 0 -1 4194560 511 0 2 0 150 50 0 0 20 0 3 0 258024 105033728 1422",
		"4242 (x) S 1 9987 21868 0 -1 4194560 511 0 2 0 -150 50 0 0 20 0 3 0 258024 105033728 1422",
		"4242 (x) S 1 9987 21868 0 -1 4194560 511 0 2 0 150 50 0 0 20 0 3 0 -258024 105033728 1422",
		"4242 (x) S 1 9987 21868 0 -1 4194560 511 0 2 0 15x 50 0 0 20 0 3 0 258024 105033728 1422",
		"4242 (x) S 1 9987 21868 0 -1 4194560 511 0 2 0 150 50 0 0 20 0 3 0 258024 105033728 1422x",
		"4242 (x) S 1 9987 21868 0 -1 4194560 511 0 2 0 99999999999999999999 50 0 0 20 0 3 0 1 2 3",
	};
	struct procstat ps;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(procstat_parse_stat(bad[i], 100, 4096, &ps) == -EINVAL, "accepted: %s", bad[i]);
	ck_assert_int_eq(procstat_parse_stat("1 (x)" TAIL, 0, 4096, &ps), -EINVAL);
	ck_assert_int_eq(procstat_parse_stat("1 (x)" TAIL, 100, 0, &ps), -EINVAL);
}
END_TEST

START_TEST(test_limits)
{
	static const char head[] = "Limit                     Soft Limit           Hard Limit           Units     \n"
				   "Max cpu time              unlimited            unlimited            seconds   \n";
	char text[512];
	double max = 0;

	snprintf(text, sizeof(text), "%sMax open files            1088                 524288               files     \n", head);
	ck_assert_int_eq(procstat_parse_limits(text, &max), 0);
	ck_assert_double_eq(max, 1088);
	snprintf(text, sizeof(text), "%sMax open files            unlimited            unlimited            files     \n", head);
	ck_assert_int_eq(procstat_parse_limits(text, &max), 0);
	ck_assert(isinf(max) && max > 0);
	ck_assert_int_eq(procstat_parse_limits(head, &max), -ENOENT);
	ck_assert_int_eq(procstat_parse_limits("Max open filesx 5 5\n", &max), -ENOENT);
	ck_assert_int_eq(procstat_parse_limits("Max open files   x 5\n", &max), -EINVAL);
	ck_assert_int_eq(procstat_parse_limits("Max open files   12x 5\n", &max), -EINVAL);
	ck_assert_int_eq(procstat_parse_limits("Max open files   unlimitedx 5\n", &max), -EINVAL);
}
END_TEST

static const char *data_dir(void)
{
	const char *d = getenv("BPFME_TEST_DATA");

	return d && *d ? d : "tests/data";
}

START_TEST(test_read_recorded)
{
	char dir[512];
	struct procstat ps;
	long ticks = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);

	snprintf(dir, sizeof(dir), "%s/proc", data_dir());
	ck_assert_int_eq(procstat_read(dir, 1000.5, &ps), 0);
	ck_assert_double_eq_tol(ps.cpu_seconds, 200.0 / (double)ticks, 1e-12);
	ck_assert_double_eq_tol(ps.start_time_s, 1000.5 + 258024.0 / (double)ticks, 1e-6);
	ck_assert_uint_eq(ps.resident_bytes, 1422 * (uint64_t)page);
	ck_assert(ps.has_max_fds && ps.max_fds == 1088);
	ck_assert(ps.has_open_fds);
	ck_assert_uint_eq(ps.open_fds, 7);

	ck_assert_int_eq(procstat_read("/nonexistent", 0, &ps), -ENOENT);
}
END_TEST

START_TEST(test_read_self)
{
	struct procstat ps;
	struct rlimit rl;

	ck_assert_int_eq(procstat_read("/proc/self", 0, &ps), 0);
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	ck_assert(ps.has_max_fds);
	ck_assert_double_eq(ps.max_fds, (double)rl.rlim_cur);
	ck_assert(ps.has_open_fds && ps.open_fds >= 4);	/* 0, 1, 2 and the directory's own */
	ck_assert_uint_gt(ps.virtual_bytes, ps.resident_bytes);
	ck_assert_uint_gt(ps.resident_bytes, 0);
	ck_assert_uint_gt(ps.start_ticks, 0);
}
END_TEST

Suite *procstat_suite(void)
{
	return SUITE_OF("procstat", "parse", test_stat, test_stat_signed,
			test_stat_bad, test_limits, test_read_recorded, test_read_self);
}
