// SPDX-License-Identifier: Apache-2.0
/*
 * check_privs - privs_drop and privs_effective for real (root): a forked child drops its
 * capabilities and sends back its return value and its /proc/self/status,
 * whose CapInh, CapPrm, CapEff, CapBnd, CapAmb and NoNewPrivs must show
 * exactly what was kept; and a child that lost CAP_SETPCAP first, so the
 * bounding set cannot shrink, must be told so (-EPERM), not 0.  The
 * binary run without one of the capabilities it keeps is in the suite of
 * the feature it degrades (check_audit_live: CAP_AUDIT_READ;
 * check_holders_live: CAP_SYS_PTRACE).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/capability.h>

#include "lib/privs.h"
#include "suites.h"

#define BIT(cap) (UINT64_C(1) << (cap))

struct outcome {
	int ret;			/* privs_drop's */
	int prep;			/* 0, or the line of the preparation that failed */
	uint64_t inh, prm, eff, bnd, amb;
	int no_new_privs;
	int sys_ptrace_effective, setpcap_effective;	/* privs_effective() after the drop */
};

static int caps_rw(bool set, struct __user_cap_data_struct data[2])
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };

	return (int)syscall(set ? SYS_capset : SYS_capget, &hdr, data);
}

/* This process's bounding set, as a mask. */
static uint64_t bounding_set(void)
{
	uint64_t set = 0;

	for (int cap = 0; cap < 64; cap++)
		if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1)
			set |= BIT(cap);
	return set;
}

static void parse_status(const char *st, struct outcome *o)
{
	static const struct {
		const char *key;
		size_t off;
	} keys[] = {
		{ "\nCapInh:\t", offsetof(struct outcome, inh) },
		{ "\nCapPrm:\t", offsetof(struct outcome, prm) },
		{ "\nCapEff:\t", offsetof(struct outcome, eff) },
		{ "\nCapBnd:\t", offsetof(struct outcome, bnd) },
		{ "\nCapAmb:\t", offsetof(struct outcome, amb) },
	};
	const char *p;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		p = strstr(st, keys[i].key);
		ck_assert_msg(p, "no %s in /proc/self/status", keys[i].key + 1);
		*(uint64_t *)((char *)o + keys[i].off) =
			strtoull(p + strlen(keys[i].key), NULL, 16);
	}
	p = strstr(st, "\nNoNewPrivs:\t");
	ck_assert_ptr_nonnull(p);
	o->no_new_privs = atoi(p + strlen("\nNoNewPrivs:\t"));
}

/*
 * In a child: prep (which returns 0 or its failing line), then
 * privs_drop(keep), then read /proc/self/status; the parent gets all of it.
 */
static void run_child(int (*prep)(void), const int *keep, size_t nr_keep, struct outcome *o)
{
	char status[8192];
	int fds[2], wst;
	ssize_t n, got = 0;
	pid_t pid;

	memset(o, 0, sizeof(*o));
	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int head[4] = { 0, 0, 0, 0 };
		FILE *f;
		size_t len = 0;

		close(fds[0]);
		head[1] = prep ? prep() : 0;
		if (!head[1])
			head[0] = privs_drop(keep, nr_keep);
		head[2] = privs_effective(CAP_SYS_PTRACE);
		head[3] = privs_effective(CAP_SETPCAP);
		f = fopen("/proc/self/status", "r");
		if (f) {
			len = fread(status, 1, sizeof(status) - 1, f);
			fclose(f);
		}
		status[len] = '\0';
		if (write(fds[1], head, sizeof(head)) != sizeof(head) ||
		    write(fds[1], status, len + 1) != (ssize_t)(len + 1))
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	{
		int head[4];

		ck_assert_int_eq(read(fds[0], head, sizeof(head)), sizeof(head));
		o->ret = head[0];
		o->prep = head[1];
		o->sys_ptrace_effective = head[2];
		o->setpcap_effective = head[3];
	}
	while ((n = read(fds[0], status + got, sizeof(status) - 1 - (size_t)got)) > 0)
		got += n;
	status[got] = '\0';
	close(fds[0]);
	ck_assert_int_eq(waitpid(pid, &wst, 0), pid);
	ck_assert_msg(WIFEXITED(wst) && WEXITSTATUS(wst) == 0, "child status %d", wst);
	ck_assert_msg(!o->prep, "the child's preparation failed at line %d", o->prep);
	parse_status(status, o);
}

/*
 * An ambient capability (CAP_SYS_ADMIN, which privs_drop keeps in the other
 * sets) that only PR_CAP_AMBIENT_CLEAR_ALL removes.
 */
static int raise_ambient(void)
{
	struct __user_cap_data_struct data[2];

	if (caps_rw(false, data))
		return __LINE__;
	data[CAP_SYS_ADMIN / 32].inheritable |= 1u << (CAP_SYS_ADMIN % 32);
	if (caps_rw(true, data))
		return __LINE__;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_SYS_ADMIN, 0, 0))
		return __LINE__;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_SYS_ADMIN, 0, 0) != 1)
		return __LINE__;
	return 0;
}

/* Root keeps what the exporter keeps (main.c's keep_caps): exactly those, in every set. */
START_TEST(test_keeps_only_those)
{
	static const int keep[] = { CAP_SYS_ADMIN, CAP_AUDIT_READ, CAP_AUDIT_CONTROL, CAP_SYS_PTRACE };
	const uint64_t want = BIT(CAP_SYS_ADMIN) | BIT(CAP_AUDIT_READ) | BIT(CAP_AUDIT_CONTROL) |
			      BIT(CAP_SYS_PTRACE);
	struct outcome o;

	/* the test's own process has them all, else it proves nothing */
	ck_assert_int_eq(prctl(PR_CAPBSET_READ, CAP_NET_ADMIN, 0, 0, 0), 1);
	ck_assert_int_eq(prctl(PR_CAPBSET_READ, CAP_SETPCAP, 0, 0, 0), 1);

	run_child(raise_ambient, keep, sizeof(keep) / sizeof(keep[0]), &o);
	ck_assert_int_eq(o.ret, 0);
	ck_assert_uint_eq(o.eff, want);
	ck_assert_uint_eq(o.prm, want);
	ck_assert_uint_eq(o.bnd, want);
	ck_assert_uint_eq(o.amb, 0);
	ck_assert_uint_eq(o.inh & ~want, 0);
	ck_assert_int_eq(o.no_new_privs, 1);
	ck_assert_int_eq(o.sys_ptrace_effective, 1);	/* privs_effective() sees what is kept */
	ck_assert_int_eq(o.setpcap_effective, 0);	/* and what is not */
}
END_TEST

/* CAP_SETPCAP, if asked for, stays; nothing kept means nothing left. */
START_TEST(test_keep_setpcap_and_none)
{
	static const int keep[] = { CAP_SETPCAP };
	struct outcome o;

	run_child(NULL, keep, 1, &o);
	ck_assert_int_eq(o.ret, 0);
	ck_assert_uint_eq(o.eff, BIT(CAP_SETPCAP));
	ck_assert_uint_eq(o.bnd, BIT(CAP_SETPCAP));
	ck_assert_int_eq(o.no_new_privs, 1);

	run_child(NULL, NULL, 0, &o);
	ck_assert_int_eq(o.ret, 0);
	ck_assert_uint_eq(o.eff, 0);
	ck_assert_uint_eq(o.prm, 0);
	ck_assert_uint_eq(o.bnd, 0);
	ck_assert_uint_eq(o.amb, 0);
	ck_assert_int_eq(o.no_new_privs, 1);
}
END_TEST

/* Without CAP_SETPCAP (effective and permitted) the bounding set cannot shrink. */
static int lose_setpcap(void)
{
	struct __user_cap_data_struct data[2];

	if (caps_rw(false, data))
		return __LINE__;
	data[0].effective &= ~(1u << CAP_SETPCAP);
	data[0].permitted &= ~(1u << CAP_SETPCAP);
	if (caps_rw(true, data))
		return __LINE__;
	return 0;
}

/*
 * The bounding set's drop fails with EPERM: privs_drop says so rather than
 * 0, and still drops what it can (effective, permitted) and sets
 * no_new_privs.
 */
START_TEST(test_failed_bounding_drop_is_reported)
{
	static const int keep[] = { CAP_SYS_ADMIN };
	struct outcome o;

	run_child(lose_setpcap, keep, 1, &o);
	ck_assert_int_eq(o.ret, -EPERM);
	ck_assert_uint_eq(o.bnd, bounding_set());	/* the parent's: it could not shrink */
	ck_assert_uint_eq(o.eff, BIT(CAP_SYS_ADMIN));
	ck_assert_uint_eq(o.prm, BIT(CAP_SYS_ADMIN));
	ck_assert_uint_eq(o.amb, 0);
	ck_assert_int_eq(o.no_new_privs, 1);
}
END_TEST

/* A bounding set that holds only what is kept needs no CAP_SETPCAP (systemd's unit). */
static int bound_to_sys_admin(void)
{
	for (int cap = 0; cap < 64 && prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; cap++)
		if (cap != CAP_SYS_ADMIN && cap != CAP_SETPCAP &&
		    prctl(PR_CAPBSET_DROP, cap, 0, 0, 0))
			return __LINE__;
	if (prctl(PR_CAPBSET_DROP, CAP_SETPCAP, 0, 0, 0))
		return __LINE__;
	return lose_setpcap();
}

START_TEST(test_nothing_to_drop_from_bounding)
{
	static const int keep[] = { CAP_SYS_ADMIN, CAP_AUDIT_READ };
	struct outcome o;

	run_child(bound_to_sys_admin, keep, 2, &o);
	ck_assert_int_eq(o.ret, 0);
	ck_assert_uint_eq(o.bnd, BIT(CAP_SYS_ADMIN));
	/* the bounding set limits what exec grants, not what is permitted now */
	ck_assert_uint_eq(o.eff, BIT(CAP_SYS_ADMIN) | BIT(CAP_AUDIT_READ));
	ck_assert_int_eq(o.no_new_privs, 1);
}
END_TEST

Suite *privs_suite(void)
{
	Suite *s = suite_create("privs");
	TCase *tc = tcase_create("drop");

	tcase_add_test(tc, test_keeps_only_those);
	tcase_add_test(tc, test_keep_setpcap_and_none);
	tcase_add_test(tc, test_failed_bounding_drop_is_reported);
	tcase_add_test(tc, test_nothing_to_drop_from_bounding);
	suite_add_tcase(s, tc);
	return s;
}
