// SPDX-License-Identifier: Apache-2.0
/*
 * check_snapshot - unit tests for the pure parts of the snapshot module:
 * boot-time to wall-clock conversion (exact seconds and RFC 3339 strings,
 * rounding down, negative times, the extremes of int64 nanoseconds), the
 * live boot-to-wall offset, kind names and the init/release lifecycle.
 * Snapshots of the real kernel are tested by the integration suite.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bpf/snap.h"
#include "suites.h"

#define NS 1000000000LL

/* 2026-11-25T04:12:07Z */
#define T_2026 1795579927LL

static void expect_wall(uint64_t boot_ns, int64_t offset_ns, int64_t want_sec,
			const char *want_iso)
{
	char iso[32];
	int64_t sec = 0x5a5a5a5a;

	memset(iso, 'X', sizeof(iso));
	snap_boot_to_wall(boot_ns, offset_ns, &sec, iso);
	ck_assert_int_eq(sec, want_sec);
	ck_assert_str_eq(iso, want_iso);
	ck_assert_int_eq(iso[21], 'X');		/* at most 21 bytes written */

	/* iso is optional; the seconds do not depend on it */
	sec = 0x5a5a5a5a;
	snap_boot_to_wall(boot_ns, offset_ns, &sec, NULL);
	ck_assert_int_eq(sec, want_sec);
}

START_TEST(test_known_dates)
{
	/* loaded 5 s after a boot whose wall-clock time was T_2026 - 5 */
	expect_wall(5 * NS, (T_2026 - 5) * NS, T_2026, "2026-11-25T04:12:07Z");
	/* all in the offset, or all in the boot time */
	expect_wall(0, T_2026 * NS, T_2026, "2026-11-25T04:12:07Z");
	expect_wall((uint64_t)T_2026 * NS, 0, T_2026, "2026-11-25T04:12:07Z");
	expect_wall(0, 0, 0, "1970-01-01T00:00:00Z");
	expect_wall(0, 1709208000LL * NS, 1709208000LL, "2024-02-29T12:00:00Z");
	expect_wall(3600 * NS, (946684799LL - 3600) * NS, 946684799LL, "1999-12-31T23:59:59Z");
	expect_wall(3600 * NS, (946684800LL - 3600) * NS, 946684800LL, "2000-01-01T00:00:00Z");
}
END_TEST

/* Fractions of a second are dropped, never rounded up. */
START_TEST(test_rounds_down)
{
	expect_wall(5 * NS + 999999999, (T_2026 - 5) * NS, T_2026, "2026-11-25T04:12:07Z");
	expect_wall(5 * NS + 500000000, (T_2026 - 5) * NS, T_2026, "2026-11-25T04:12:07Z");
	expect_wall(5 * NS + 1, (T_2026 - 5) * NS, T_2026, "2026-11-25T04:12:07Z");
	expect_wall(5 * NS - 1, (T_2026 - 5) * NS, T_2026 - 1, "2026-11-25T04:12:06Z");
	expect_wall(999999999, 0, 0, "1970-01-01T00:00:00Z");
	/* a fractional offset counts too */
	expect_wall(5 * NS, (T_2026 - 5) * NS + 999999999, T_2026, "2026-11-25T04:12:07Z");
	expect_wall(5 * NS + 1, (T_2026 - 5) * NS + 999999999, T_2026 + 1, "2026-11-25T04:12:08Z");
}
END_TEST

/* Before the epoch: floor, not truncation towards zero. */
START_TEST(test_negative)
{
	expect_wall(0, -1, -1, "1969-12-31T23:59:59Z");
	expect_wall(0, -NS, -1, "1969-12-31T23:59:59Z");
	expect_wall(0, -NS - 1, -2, "1969-12-31T23:59:58Z");
	expect_wall(0, -NS / 2, -1, "1969-12-31T23:59:59Z");
	expect_wall(0, -86400 * NS, -86400, "1969-12-31T00:00:00Z");
	expect_wall(10 * NS, -20 * NS, -10, "1969-12-31T23:59:50Z");
	expect_wall(NS / 2, -NS, -1, "1969-12-31T23:59:59Z");
}
END_TEST

/* The ends of what int64 nanoseconds can hold. */
START_TEST(test_extremes)
{
	expect_wall(0, INT64_MAX, 9223372036LL, "2262-04-11T23:47:16Z");
	expect_wall(0, INT64_MIN, -9223372037LL, "1677-09-21T00:12:43Z");
	expect_wall((uint64_t)INT64_MAX, 0, 9223372036LL, "2262-04-11T23:47:16Z");
}
END_TEST

static int64_t ns_of(clockid_t clk)
{
	struct timespec ts;

	ck_assert_int_eq(clock_gettime(clk, &ts), 0);
	return (int64_t)ts.tv_sec * NS + ts.tv_nsec;
}

/* CLOCK_REALTIME - CLOCK_BOOTTIME, as read here, within 10 ms. */
START_TEST(test_offset)
{
	int64_t mine, theirs;

	mine = ns_of(CLOCK_REALTIME) - ns_of(CLOCK_BOOTTIME);
	theirs = snap_boot_to_wall_offset();
	ck_assert_int_lt(llabs(theirs - mine), 10000000);
	/* the machine booted after 2020 and is not from the future */
	ck_assert_int_gt(theirs, 1577836800LL * NS);
	ck_assert_int_lt(theirs, ns_of(CLOCK_REALTIME));
}
END_TEST

/* Converting "now" in boot time gives the wall clock now. */
START_TEST(test_offset_round_trip)
{
	int64_t sec;
	time_t before, after;

	before = time(NULL);
	snap_boot_to_wall((uint64_t)ns_of(CLOCK_BOOTTIME), snap_boot_to_wall_offset(), &sec, NULL);
	after = time(NULL);
	ck_assert_int_ge(sec, (int64_t)before - 1);
	ck_assert_int_le(sec, (int64_t)after);
}
END_TEST

START_TEST(test_kind_names)
{
	ck_assert_str_eq(snap_kind_name(SNAP_PROG), "program");
	ck_assert_str_eq(snap_kind_name(SNAP_MAP), "map");
	ck_assert_str_eq(snap_kind_name(SNAP_LINK), "link");
	ck_assert_str_eq(snap_kind_name(SNAP_BTF), "btf");
	ck_assert_str_eq(snap_kind_name(SNAP_NR_KINDS), "unknown");
	ck_assert_str_eq(snap_kind_name((enum snap_kind)99), "unknown");
}
END_TEST

START_TEST(test_init_release)
{
	struct snap s;

	memset(&s, 0x5a, sizeof(s));
	snap_init(&s);
	ck_assert_ptr_null(s.progs);
	ck_assert_ptr_null(s.maps);
	ck_assert_ptr_null(s.links);
	ck_assert_ptr_null(s.map_ids);
	ck_assert_uint_eq(s.nr_progs + s.nr_maps + s.nr_links + s.nr_map_ids, 0);
	ck_assert_uint_eq(s.vanished[SNAP_PROG] + s.failed[SNAP_LINK], 0);
	ck_assert_str_eq(s.error, "");

	/* release frees what a snapshot holds and leaves it initialised */
	s.progs = calloc(2, sizeof(*s.progs));
	s.nr_progs = s.alloc_progs = 2;
	s.map_ids = calloc(4, sizeof(*s.map_ids));
	s.nr_map_ids = s.alloc_map_ids = 4;
	snap_release(&s);
	ck_assert_ptr_null(s.progs);
	ck_assert_ptr_null(s.map_ids);
	ck_assert_uint_eq(s.nr_progs, 0);
	ck_assert_uint_eq(s.alloc_map_ids, 0);
	snap_release(&s);	/* twice is fine */
}
END_TEST

START_TEST(test_prog_map_ids)
{
	uint32_t ids[] = { 7, 12, 13, 40 };
	struct snap s = { .map_ids = ids, .nr_map_ids = 4 };
	struct snap_prog p = { .nr_map_ids = 2, .map_ids_off = 1 };

	ck_assert_ptr_eq(snap_prog_map_ids(&s, &p), &ids[1]);
	ck_assert_uint_eq(snap_prog_map_ids(&s, &p)[0], 12);
	ck_assert_uint_eq(snap_prog_map_ids(&s, &p)[1], 13);
}
END_TEST

Suite *snapshot_suite(void)
{
	Suite *s = suite_create("snapshot");
	TCase *tc;

	tc = tcase_create("time");
	tcase_add_test(tc, test_known_dates);
	tcase_add_test(tc, test_rounds_down);
	tcase_add_test(tc, test_negative);
	tcase_add_test(tc, test_extremes);
	tcase_add_test(tc, test_offset);
	tcase_add_test(tc, test_offset_round_trip);
	suite_add_tcase(s, tc);

	tc = tcase_create("misc");
	tcase_add_test(tc, test_kind_names);
	tcase_add_test(tc, test_init_release);
	tcase_add_test(tc, test_prog_map_ids);
	suite_add_tcase(s, tc);

	return s;
}
