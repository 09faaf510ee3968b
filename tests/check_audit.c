// SPDX-License-Identifier: Apache-2.0
/*
 * check_audit - the assembler fed recorded audit messages (tests/data/audit-NAME.rec:
 * "TYPE PAYLOAD" per line, captured from this kernel's multicast socket)
 * and hand-made variations of them.  Program details come from a fetch
 * callback of the test's own; the assembler makes no kernel calls, which a
 * seccomp filter that kills on bpf(2) and socket(2) proves.
 */
#include <errno.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "audit/audit_asm.h"
#include "audit/ev.h"
#include "audit/ev_json.h"
#include "lib/log.h"
#include "audit/progcache.h"
#include "suites.h"
#include "testutil.h"

#ifndef TEST_DATA
#define TEST_DATA "tests/data"
#endif

#define SELF_PID 4242	/* the exporter's pid, as the assembler is told */

static struct ev_ring ring;
static struct progcache *progs;
static struct audit_asm *as;
static unsigned int fetches;

/* Programs "exist" while fetched: ids below 1000 do, with made-up details. */
static int fake_fetch(void *ctx, uint32_t id, struct progcache_prog *out)
{
	(void)ctx;
	fetches++;
	if (id >= 1000)
		return -ENOENT;
	snprintf(out->name, sizeof(out->name), "prog_%u", id);
	snprintf(out->type, sizeof(out->type), "%s", "socket_filter");
	snprintf(out->tag, sizeof(out->tag), "%016x", id);
	return 0;
}

#define POD_CGROUP "/kubepods.slice/kubepods-burstable.slice/" \
	"kubepods-burstable-pod5c1b2e3a_0d4f_4e6a_9b7c_8d9e0f1a2b3c.slice/" \
	"cri-containerd-aabbccddeeff00112233445566778899aabbccddeeff00112233445566778899.scope"
#define POD_CONTAINER "aabbccddeeff00112233445566778899aabbccddeeff00112233445566778899"
#define POD_UID "5c1b2e3a-0d4f-4e6a-9b7c-8d9e0f1a2b3c"

/* Processes "exist" with a cgroup: 7038 and 111 in a pod, 5 in a unit; others are gone. */
static int fake_cgroup_of(void *ctx, int64_t pid, char *out, size_t outlen)
{
	(void)ctx;
	if (pid == 7038 || pid == 111)
		snprintf(out, outlen, "%s", POD_CGROUP);
	else if (pid == 5)
		snprintf(out, outlen, "%s", "/system.slice/other.service");
	else
		return -ENOENT;
	return 0;
}

static void setup(void)
{
	struct audit_asm_config cfg = {
		.ring = &ring, .log_events = false, .self_pid = SELF_PID, .fetch = fake_fetch,
		.cgroup_of = fake_cgroup_of,
	};

	log_setup(LOG_ERROR, LOG_FMT_LOGFMT, 2);
	ck_assert_int_eq(ev_ring_init(&ring, 64), 0);
	progs = progcache_new(16);
	ck_assert_ptr_nonnull(progs);
	cfg.progs = progs;
	fetches = 0;
	as = audit_asm_new(&cfg);
	ck_assert_ptr_nonnull(as);
}

static void teardown(void)
{
	audit_asm_free(as);
	progcache_free(progs);
	ev_ring_release(&ring);
}

static void feed(const char *line)
{
	char *end;
	long type = strtol(line, &end, 10);

	audit_asm_record(as, (int)type, end + 1, strlen(end + 1));
}

static void feed_file(const char *name)
{
	char path[256], line[16384];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", TEST_DATA, name);
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		feed(line);
	}
	fclose(f);
}

/* The event with the given seq (the ring holds them in slots by seq). */
static const struct ev_event *event(uint64_t seq)
{
	ck_assert_uint_lt(seq, ring.next_seq);
	return &ring.slots[(seq - 1) % ring.capacity];
}

START_TEST(test_recorded_loader)
{
	const struct ev_event *e;

	feed_file("audit-loader.rec");
	/* counted on arrival, before any event completed */
	ck_assert_uint_eq(ev_ops(&ring, EV_LOAD), 5);
	ck_assert_uint_eq(ev_ops(&ring, EV_UNLOAD), 5);
	audit_asm_flush(as);
	ck_assert_uint_eq(ring.next_seq - 1, 10);
	ck_assert_uint_eq(ev_parse_errors(&ring), 0);

	e = event(1);
	ck_assert_uint_eq(e->seq, 1);
	ck_assert_uint_eq(e->prog_id, 110);
	ck_assert_int_eq(e->op, EV_LOAD);
	ck_assert_uint_eq(e->audit_serial, 15);
	ck_assert_int_eq(e->time_ms, 1795582365863LL);
	ck_assert(e->has & EV_HAS_SYSCALL);
	ck_assert_int_eq(e->syscall, 321);
	ck_assert_str_eq(e->syscall_name, "bpf");
	ck_assert_str_eq(e->syscall_op, "BPF_PROG_LOAD");
	ck_assert_int_eq(e->proc.pid, 7038);
	ck_assert_int_eq(e->proc.ppid, 6995);
	ck_assert_uint_eq(e->proc.uid, 0);
	ck_assert_uint_eq(e->proc.auid, 4294967295u);
	/* hex-encoded in the record (they hold a space) */
	ck_assert_str_eq(e->proc.comm, "my loader");
	ck_assert_str_eq(e->proc.exe, "/tmp/cap/my loader");
	ck_assert_str_eq(e->proc.cmdline, "/tmp/cap/my loader arg1 arg two");
	/* the cgroup read when the event was assembled, and what its name says */
	ck_assert(e->has & EV_HAS_CGROUP);
	ck_assert_str_eq(e->proc.cgroup, POD_CGROUP);
	ck_assert_str_eq(e->proc.container_id, POD_CONTAINER);
	ck_assert_str_eq(e->proc.pod_uid, POD_UID);

	e = event(2);
	ck_assert_uint_eq(e->prog_id, 110);
	ck_assert_int_eq(e->op, EV_UNLOAD);
	ck_assert_str_eq(e->syscall_name, "close");
	ck_assert(!(e->has & EV_HAS_SYSCALL_OP));	/* only for bpf() */

	/* the last three UNLOADs came at exit: lone BPF records, no task context */
	for (uint64_t seq = 8; seq <= 10; seq++) {
		e = event(seq);
		ck_assert_int_eq(e->op, EV_UNLOAD);
		ck_assert(!(e->has & EV_HAS_SYSCALL));
		ck_assert_ptr_null(e->proc.comm);
		ck_assert_ptr_null(e->proc.exe);
		ck_assert_ptr_null(e->proc.cmdline);
		ck_assert(!(e->has & EV_HAS_CGROUP));	/* no process, no cgroup */
		ck_assert_ptr_null(e->proc.cgroup);
	}
	ck_assert_uint_eq(event(8)->prog_id, 113);
	ck_assert_uint_eq(event(10)->prog_id, 114);
}
END_TEST

/* A SYSCALL record; an event is identified by time and serial, so both must match. */
#define SC(stamp, pid, comm, sc, a0) \
	"1300 audit(" stamp "): arch=c000003e syscall=" sc " success=yes exit=3 a0=" a0 \
	" a1=7ffe a2=74 a3=10 items=0 ppid=1 pid=" pid " auid=1000 uid=1000 gid=1000 euid=1000 suid=0" \
	" fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=3 comm=\"" comm "\" exe=\"/usr/bin/" comm "\" key=(null)"

START_TEST(test_interleaved_serials)
{
	feed("1334 audit(1795582365.100:501): prog-id=7 op=LOAD");
	feed("1334 audit(1795582365.100:502): prog-id=8 op=LOAD");
	feed(SC("1795582365.100:502", "222", "second", "321", "5"));
	feed(SC("1795582365.100:501", "111", "first", "321", "5"));
	feed("1327 audit(1795582365.100:502): proctitle=7365636F6E64002D78");
	feed("1320 audit(1795582365.100:502): ");
	feed("1327 audit(1795582365.100:501): proctitle=\"first\"");
	feed("1320 audit(1795582365.100:501): ");
	audit_asm_flush(as);
	ck_assert_uint_eq(ring.next_seq - 1, 2);
	for (uint64_t seq = 1; seq <= 2; seq++) {
		const struct ev_event *e = event(seq);

		if (e->prog_id == 7) {
			ck_assert_int_eq(e->proc.pid, 111);
			ck_assert_str_eq(e->proc.comm, "first");
			ck_assert_str_eq(e->proc.cmdline, "first");
		} else {
			ck_assert_uint_eq(e->prog_id, 8);
			ck_assert_int_eq(e->proc.pid, 222);
			ck_assert_str_eq(e->proc.comm, "second");
			ck_assert_str_eq(e->proc.cmdline, "second -x");	/* NUL shown as a space */
		}
		ck_assert_uint_eq(e->proc.uid, 1000);
		ck_assert_uint_eq(e->proc.auid, 1000);
	}
}
END_TEST

START_TEST(test_missing_eoe_and_unrelated)
{
	/* records of other events never reach the ring */
	feed(SC("1795582365.100:600", "1", "sshd", "59", "0"));
	feed("1320 audit(1795582365.100:600): ");
	/* a BPF event whose EOE never comes completes on flush (or when it ages) */
	feed("1334 audit(1795582365.200:601): prog-id=9 op=LOAD");
	feed(SC("1795582365.200:601", "333", "loader", "321", "5"));
	ck_assert_uint_eq(ev_ops(&ring, EV_LOAD), 1);
	audit_asm_flush(as);
	ck_assert_uint_eq(ring.next_seq - 1, 1);
	ck_assert_uint_eq(event(1)->prog_id, 9);
	ck_assert_int_eq(event(1)->proc.pid, 333);
	ck_assert_ptr_null(event(1)->proc.cmdline);	/* no PROCTITLE came */
}
END_TEST

START_TEST(test_bad_records)
{
	feed("1334 audit(1795582365.100:700): prog-id=10 op=RELOAD");
	feed("1334 audit(1795582365.100:701): op=LOAD");
	feed("1334 audit(1795582365.100:702): prog-id=x1 op=LOAD");
	feed("1334 hello world");
	feed("1300 garbage without a stamp");
	feed("1334 audit(1795582365.100): prog-id=10 op=LOAD");
	ck_assert_uint_eq(ev_parse_errors(&ring), 6);
	ck_assert_uint_eq(ev_ops(&ring, EV_LOAD), 0);
	ck_assert_uint_eq(ev_ops(&ring, EV_UNLOAD), 0);
	audit_asm_flush(as);
	ck_assert_uint_eq(ring.next_seq, 1);
}
END_TEST

START_TEST(test_oversize_and_unknown_cmd)
{
	/* a SYSCALL record of ~9 kB (the kernel's maximum) with an unknown bpf() command */
	static char line[12000];
	size_t n;

	n = (size_t)snprintf(line, sizeof(line), "%s", "1300 audit(1795582365.300:800): arch=c000003e "
			     "syscall=321 success=yes exit=3 a0=ff a1=0 a2=0 a3=0 items=0 ppid=1 pid=44 "
			     "auid=0 uid=0 gid=0 euid=0 comm=\"");
	memset(line + n, 'A', 9000);
	strcpy(line + n + 9000, "\" exe=\"/x\" key=(null)");
	feed("1334 audit(1795582365.300:800): prog-id=11 op=LOAD");
	feed(line);
	feed("1320 audit(1795582365.300:800): ");
	audit_asm_flush(as);
	ck_assert_uint_eq(ring.next_seq - 1, 1);
	ck_assert_str_eq(event(1)->syscall_op, "255");
	ck_assert_uint_eq(strlen(event(1)->proc.comm), 9000);
	ck_assert_str_eq(event(1)->proc.exe, "/x");
}
END_TEST

START_TEST(test_several_programs_in_one_event)
{
	/* closing one fd can free several programs: one event each, same context */
	feed("1334 audit(1795582365.400:900): prog-id=20 op=UNLOAD");
	feed("1334 audit(1795582365.400:900): prog-id=21 op=UNLOAD");
	feed(SC("1795582365.400:900", "55", "closer", "3", "4"));
	feed("1320 audit(1795582365.400:900): ");
	audit_asm_flush(as);
	ck_assert_uint_eq(ev_ops(&ring, EV_UNLOAD), 2);
	ck_assert_uint_eq(ring.next_seq - 1, 2);
	ck_assert_uint_eq(event(1)->prog_id, 20);
	ck_assert_uint_eq(event(2)->prog_id, 21);
	ck_assert_str_eq(event(2)->syscall_name, "close");
	ck_assert_str_eq(event(2)->proc.comm, "closer");
}
END_TEST

/* The row of label comm (zeros if none). */
static struct ev_comm_count row(const char *comm)
{
	struct ev_comm_count rows[EV_COMM_ROWS], none = { .n = { 0 } };
	size_t n = ev_comm_counts(&ring, rows);

	for (size_t i = 0; i < n; i++)
		if (!strcmp(rows[i].comm, comm))
			return rows[i];
	return none;
}

/* Sum over the rows of op: equal to bpf_audit_events_total once events are delivered. */
static uint64_t row_sum(enum ev_op op)
{
	struct ev_comm_count rows[EV_COMM_ROWS];
	size_t n = ev_comm_counts(&ring, rows);
	uint64_t sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += rows[i].n[op];
	return sum;
}

START_TEST(test_recorded_loader_by_comm)
{
	feed_file("audit-loader.rec");
	/* the lone UNLOADs wait to learn whether more records follow: not counted by comm yet */
	ck_assert_uint_eq(row("my loader").n[EV_LOAD], 5);
	ck_assert_uint_eq(row("my loader").n[EV_UNLOAD], 2);
	ck_assert_uint_eq(row_sum(EV_UNLOAD), 2);
	ck_assert_uint_lt(row_sum(EV_UNLOAD), ev_ops(&ring, EV_UNLOAD));
	audit_asm_flush(as);
	/* comm was hex-encoded (it holds a space); no row for python3's unrelated event */
	ck_assert_uint_eq(row("my loader").n[EV_LOAD], 5);
	ck_assert_uint_eq(row("my loader").n[EV_UNLOAD], 2);
	ck_assert_uint_eq(row(EV_COMM_NONE).n[EV_LOAD], 0);
	ck_assert_uint_eq(row(EV_COMM_NONE).n[EV_UNLOAD], 3);
	{
		struct ev_comm_count rows[EV_COMM_ROWS];

		ck_assert_uint_eq(ev_comm_counts(&ring, rows), 2);
	}
	for (int op = 0; op < EV_NR_OPS; op++)
		ck_assert_uint_eq(row_sum((enum ev_op)op), ev_ops(&ring, (enum ev_op)op));
}
END_TEST

/* Any byte but NUL can be in a comm; the kernel hex-encodes such a comm. */
START_TEST(test_comm_bytes)
{
	/* "a\xff\rb\"" */
	feed("1334 audit(1795582365.500:950): prog-id=30 op=LOAD");
	feed("1300 audit(1795582365.500:950): arch=c000003e syscall=321 success=yes exit=3 a0=5 a1=0 "
	     "a2=0 a3=0 items=0 ppid=1 pid=77 auid=0 uid=0 gid=0 euid=0 comm=61FF0D6222 "
	     "exe=\"/x\" key=(null)");
	feed("1320 audit(1795582365.500:950): ");
	audit_asm_flush(as);
	ck_assert_uint_eq(ring.next_seq - 1, 1);
	ck_assert_str_eq(event(1)->proc.comm, "a\xff\rb\"");	/* /events shows the bytes */
	ck_assert_uint_eq(row("a\xef\xbf\xbd\xef\xbf\xbd" "b\"").n[EV_LOAD], 1);
}
END_TEST

/* Details fetched at LOAD arrival, shown on the LOAD and on the UNLOAD after the program is gone. */
START_TEST(test_prog_details)
{
	feed("1334 audit(1795582365.600:960): prog-id=31 op=LOAD");
	ck_assert_uint_eq(fetches, 1);	/* on arrival, before the event completes */
	feed(SC("1795582365.600:960", "77", "loader", "321", "5"));
	feed("1320 audit(1795582365.600:960): ");
	feed("1334 audit(1795582365.700:961): prog-id=31 op=UNLOAD");
	feed(SC("1795582365.700:961", "77", "loader", "3", "4"));
	feed("1320 audit(1795582365.700:961): ");
	/* a program gone before it could be looked at: no details */
	feed("1334 audit(1795582365.800:962): prog-id=1001 op=LOAD");
	feed("1320 audit(1795582365.800:962): ");
	audit_asm_flush(as);
	ck_assert_uint_eq(fetches, 2);	/* never for an UNLOAD */
	ck_assert_uint_eq(ring.next_seq - 1, 3);
	for (uint64_t seq = 1; seq <= 2; seq++) {
		ck_assert(event(seq)->has & EV_HAS_PROG);
		ck_assert_str_eq(event(seq)->prog_name, "prog_31");
		ck_assert_str_eq(event(seq)->prog_type, "socket_filter");
		ck_assert_str_eq(event(seq)->prog_tag, "000000000000001f");
		ck_assert(!event(seq)->released_by_exporter);
	}
	ck_assert(!(event(3)->has & EV_HAS_PROG));
	/* the UNLOAD is delivered: only the program whose details never came is left */
	ck_assert_uint_eq(progcache_count(progs), 1);
}
END_TEST

/*
 * The exporter's own lookup held the last reference: the kernel recorded
 * the UNLOAD against the exporter.  It is the loader's, marked as such;
 * never counted under the exporter's comm.
 */
START_TEST(test_released_by_exporter)
{
	const struct ev_event *e;
	struct buf b = BUF_INIT;

	feed("1334 audit(1795582366.000:970): prog-id=40 op=LOAD");
	feed(SC("1795582366.000:970", "111", "churner", "321", "5"));
	feed("1327 audit(1795582366.000:970): proctitle=636875726E6572002D2D6E3D33");
	feed("1320 audit(1795582366.000:970): ");
	/* the exporter's close(): pid SELF_PID */
	feed("1334 audit(1795582366.100:971): prog-id=40 op=UNLOAD");
	feed(SC("1795582366.100:971", "4242", "bpfme-audit", "3", "9"));
	feed("1327 audit(1795582366.100:971): proctitle=\"./bpf-metrics-exporter\"");
	feed("1320 audit(1795582366.100:971): ");
	/* the same for a program whose LOAD the exporter never saw */
	feed("1334 audit(1795582366.200:972): prog-id=41 op=UNLOAD");
	feed(SC("1795582366.200:972", "4242", "MHD-worker", "3", "9"));
	feed("1320 audit(1795582366.200:972): ");
	/* another process's UNLOAD is its own */
	feed("1334 audit(1795582366.300:973): prog-id=42 op=UNLOAD");
	feed(SC("1795582366.300:973", "5", "other", "3", "9"));
	feed("1320 audit(1795582366.300:973): ");
	audit_asm_flush(as);
	ck_assert_uint_eq(ring.next_seq - 1, 4);

	e = event(2);
	ck_assert_int_eq(e->op, EV_UNLOAD);
	ck_assert(e->released_by_exporter);
	ck_assert(e->has & EV_HAS_PROCESS);
	ck_assert(!(e->has & (EV_HAS_SYSCALL | EV_HAS_SYSCALL_OP)));
	ck_assert_int_eq(e->proc.pid, 111);
	ck_assert_uint_eq(e->proc.uid, 1000);
	ck_assert_str_eq(e->proc.comm, "churner");
	ck_assert_str_eq(e->proc.exe, "/usr/bin/churner");
	ck_assert_str_eq(e->proc.cmdline, "churner --n=3");
	ck_assert_str_eq(e->prog_name, "prog_40");
	ev_json_event(e, &b);
	ck_assert_ptr_nonnull(strstr(b.buf, "\"released_by_exporter\":true"));
	ck_assert_ptr_nonnull(strstr(b.buf, "\"syscall\":null"));
	ck_assert_ptr_nonnull(strstr(b.buf, "\"pid\":111,"));
	/* the loader's cgroup, not the exporter's (the fake knows no 4242) */
	ck_assert_ptr_nonnull(strstr(b.buf, "\"cgroup\":\"" POD_CGROUP "\",\"container_id\":\""
					    POD_CONTAINER "\",\"pod_uid\":\"" POD_UID "\","));
	buf_release(&b);

	e = event(3);
	ck_assert(e->released_by_exporter);
	ck_assert(!(e->has & EV_HAS_PROCESS));
	ck_assert_ptr_null(e->proc.comm);
	ck_assert_ptr_null(e->proc.exe);
	ck_assert_ptr_null(e->proc.cmdline);

	ck_assert(!(e->has & EV_HAS_CGROUP));

	e = event(4);
	ck_assert(!e->released_by_exporter);
	ck_assert_int_eq(e->proc.pid, 5);
	ev_json_event(e, &b);
	ck_assert_ptr_nonnull(strstr(b.buf, "\"released_by_exporter\":false"));
	ck_assert_ptr_nonnull(strstr(b.buf, "\"cgroup\":\"/system.slice/other.service\","
					    "\"container_id\":\"\",\"pod_uid\":\"\","));
	buf_release(&b);

	ck_assert_uint_eq(row("churner").n[EV_LOAD], 1);
	ck_assert_uint_eq(row("churner").n[EV_UNLOAD], 1);
	ck_assert_uint_eq(row(EV_COMM_NONE).n[EV_UNLOAD], 1);
	ck_assert_uint_eq(row("bpfme-audit").n[EV_UNLOAD], 0);
	ck_assert_uint_eq(row("MHD-worker").n[EV_UNLOAD], 0);
	ck_assert_uint_eq(row("other").n[EV_UNLOAD], 1);
}
END_TEST

/*
 * Outside the host's PID namespace the exporter learns the pid records show
 * from a USER record of its own holding a token; UNLOADs with that pid are
 * then released by the exporter.
 */
START_TEST(test_learns_self_pid)
{
	struct audit_asm_config cfg = {
		.ring = &ring, .progs = progs, .self_pid = -1, .self_token = "bpfme-self-tok42",
		.fetch = fake_fetch,
	};
	struct audit_asm *a2;

	audit_asm_free(as);
	as = a2 = audit_asm_new(&cfg);
	ck_assert_ptr_nonnull(a2);
	feed("1334 audit(1795582367.000:980): prog-id=60 op=LOAD");
	feed(SC("1795582367.000:980", "300", "loader", "321", "5"));
	feed("1320 audit(1795582367.000:980): ");
	/* before the pid is known, the exporter's UNLOAD is taken as it stands */
	feed("1334 audit(1795582367.100:981): prog-id=61 op=UNLOAD");
	feed(SC("1795582367.100:981", "9001", "bpfme-audit", "3", "9"));
	feed("1320 audit(1795582367.100:981): ");
	audit_asm_flush(as);
	/* someone else's USER record, then ours */
	feed("1005 audit(1795582367.200:982): pid=5 uid=0 auid=0 ses=1 msg='bpfme-self-other'");
	feed("1005 audit(1795582367.300:983): pid=9001 uid=0 auid=4294967295 ses=4294967295 "
	     "msg='bpf-metrics-exporter learns its pid: bpfme-self-tok42'");
	feed("1334 audit(1795582367.400:984): prog-id=60 op=UNLOAD");
	feed(SC("1795582367.400:984", "9001", "MHD-worker", "3", "9"));
	feed("1320 audit(1795582367.400:984): ");
	audit_asm_flush(as);
	ck_assert_uint_eq(ring.next_seq - 1, 3);
	ck_assert(!event(2)->released_by_exporter);
	ck_assert_int_eq(event(2)->proc.pid, 9001);
	ck_assert(event(3)->released_by_exporter);
	ck_assert_int_eq(event(3)->proc.pid, 300);
	ck_assert_str_eq(event(3)->proc.comm, "loader");
	ck_assert_uint_eq(ev_parse_errors(&ring), 0);
}
END_TEST

/* Payloads in buffers of exactly their size, so a read past the end is caught (ASan). */
static void feed_exact(int type, const char *text)
{
	size_t len = strlen(text);
	char *p = malloc(len ? len : 1);

	ck_assert_ptr_nonnull(p);
	memcpy(p, text, len);
	audit_asm_record(as, type, p, len);
	free(p);
}

/* What fuzzing found: each once read past the payload or overflowed. */
START_TEST(test_hostile_records)
{
	feed_exact(AUDIT_BPF, "audit(99999999999999999.5:1): prog-id=1 op=LOAD");
	feed_exact(AUDIT_BPF, "audit(1795582365.100:2): op=LOAD prog-id");
	feed_exact(AUDIT_BPF, "audit(1795582365.100:3): op=LOAD prog-id=12");
	feed_exact(AUDIT_BPF, "audit(1795582365.100:4): op=LOAD prog-id=99999999999");
	feed_exact(AUDIT_BPF, "audit(1795582365.99999:5): prog-id=1 op=LOAD");
	feed_exact(AUDIT_BPF, "audit(1795582365");
	feed_exact(AUDIT_BPF, "audit(");
	feed_exact(AUDIT_BPF, "");
	ck_assert_uint_eq(ev_ops(&ring, EV_LOAD), 1);	/* only prog-id=12 */
	ck_assert_uint_eq(ev_parse_errors(&ring), 7);
	audit_asm_flush(as);
	ck_assert_uint_eq(ring.next_seq - 1, 1);
	ck_assert_uint_eq(event(1)->prog_id, 12);
	ck_assert_int_eq(event(1)->time_ms, 1795582365100LL);
}
END_TEST

/* The log's lines so far (a temporary file the logger writes to), whole. */
static char *log_text(int fd)
{
	off_t len = lseek(fd, 0, SEEK_END);
	char *text = calloc(1, (size_t)len + 1);

	ck_assert_ptr_nonnull(text);
	ck_assert_int_eq(pread(fd, text, (size_t)len, 0), len);
	return text;
}

static size_t count_of(const char *text, const char *needle)
{
	size_t n = 0;

	for (const char *p = text; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

struct summary_wait {
	struct audit_asm *a;
	int fd;
};

/* Whether the window's summary line is in the log (ageing the assembler, as the reader does). */
static bool summary_logged(void *arg)
{
	struct summary_wait *w = arg;
	char *text;
	bool found;

	audit_asm_age(w->a);
	text = log_text(w->fd);
	found = strstr(text, "msg=\"5 bpf program events not logged in the last ") != NULL;
	free(text);
	return found;
}

/*
 * --log.events: a line per event, at most log_events_per_window a window;
 * the rest counted and said once when the window ends, whatever comes next.
 */
START_TEST(test_log_events_rate_limited)
{
	struct audit_asm_config cfg = {
		.ring = &ring, .progs = progs, .log_events = true, .log_events_per_window = 3,
		.log_window_ms = 200, .self_pid = SELF_PID,
	};
	char path[] = "/tmp/bpfme-asm-log-XXXXXX", rec[128];
	struct summary_wait w;
	struct audit_asm *a;
	int fd = mkstemp(path);
	char *text;

	ck_assert_int_ge(fd, 0);
	unlink(path);
	log_setup(LOG_INFO, LOG_FMT_LOGFMT, fd);
	a = audit_asm_new(&cfg);
	ck_assert_ptr_nonnull(a);
	for (int i = 0; i < 8; i++) {
		snprintf(rec, sizeof(rec), "audit(1795582366.%03d:%d): prog-id=%d op=LOAD", i, 700 + i,
			 40 + i);
		audit_asm_record(a, AUDIT_BPF, rec, strlen(rec));
	}
	audit_asm_flush(a);
	ck_assert_uint_eq(ev_ops(&ring, EV_LOAD), 8);	/* every event counted and kept */
	text = log_text(fd);
	ck_assert_uint_eq(count_of(text, "msg=\"bpf program event\""), 3);
	ck_assert_ptr_null(strstr(text, "not logged"));
	free(text);
	w = (struct summary_wait){ .a = a, .fd = fd };
	ck_assert_msg(tu_wait_until(summary_logged, &w, 5000), "no summary of the 5 lines held back");
	text = log_text(fd);
	ck_assert_uint_eq(count_of(text, "not logged"), 1);
	free(text);
	audit_asm_free(a);
	log_setup(LOG_ERROR, LOG_FMT_LOGFMT, 2);
	close(fd);
}
END_TEST

/* Without --log.events no event is logged. */
START_TEST(test_log_events_off)
{
	char path[] = "/tmp/bpfme-asm-log-XXXXXX";
	int fd = mkstemp(path);
	char *text;

	ck_assert_int_ge(fd, 0);
	unlink(path);
	log_setup(LOG_INFO, LOG_FMT_LOGFMT, fd);
	feed("1334 audit(1795582366.900:800): prog-id=60 op=LOAD");
	audit_asm_flush(as);
	ck_assert_uint_eq(ev_ops(&ring, EV_LOAD), 1);
	text = log_text(fd);
	ck_assert_ptr_null(strstr(text, "bpf program event"));
	free(text);
	log_setup(LOG_ERROR, LOG_FMT_LOGFMT, 2);
	close(fd);
}
END_TEST

/* Kill the process on bpf(2) or socket(2): the assembler must need neither. */
static void forbid_kernel_calls(void)
{
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_bpf, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_socket, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
	};
	struct sock_fprog prog = { .len = sizeof(filter) / sizeof(filter[0]), .filter = filter };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
		_exit(3);
}

START_TEST(test_no_kernel_calls)
{
	int status;
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		forbid_kernel_calls();
		/* the filter works: a bpf() call would end here */
		feed_file("audit-loader.rec");
		feed("1334 audit(1795582366.000:990): prog-id=50 op=LOAD");
		feed(SC("1795582366.000:990", "4242", "x", "3", "9"));
		feed("1320 audit(1795582366.000:990): ");
		audit_asm_flush(as);
		_exit(ring.next_seq - 1 == 11 ? 0 : 4);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "the assembler made a forbidden call or lost events (status %#x)", status);
	/* and the filter does kill: the same child making one bpf() call dies */
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		forbid_kernel_calls();
		syscall(__NR_bpf, 0, NULL, 0);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS);
}
END_TEST

Suite *audit_suite(void)
{
	Suite *s = suite_create("audit");
	TCase *tc = tcase_create("assembler");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_recorded_loader);
	tcase_add_test(tc, test_interleaved_serials);
	tcase_add_test(tc, test_missing_eoe_and_unrelated);
	tcase_add_test(tc, test_bad_records);
	tcase_add_test(tc, test_oversize_and_unknown_cmd);
	tcase_add_test(tc, test_several_programs_in_one_event);
	tcase_add_test(tc, test_recorded_loader_by_comm);
	tcase_add_test(tc, test_comm_bytes);
	tcase_add_test(tc, test_prog_details);
	tcase_add_test(tc, test_released_by_exporter);
	tcase_add_test(tc, test_learns_self_pid);
	tcase_add_test(tc, test_hostile_records);
	tcase_add_test(tc, test_log_events_rate_limited);
	tcase_add_test(tc, test_log_events_off);
	tcase_add_test(tc, test_no_kernel_calls);
	suite_add_tcase(s, tc);
	return s;
}
