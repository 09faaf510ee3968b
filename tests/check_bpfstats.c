// SPDX-License-Identifier: Apache-2.0
/*
 * check_bpfstats - the stats, btf and pins collectors: the real binary
 * against the real kernel.
 *
 * stats: a socket filter attached to a UDP socket on 127.0.0.1 runs
 * exactly once per datagram; with --bpf.enable-stats the served run count
 * grows by exactly the datagrams sent and the run time grows; after the
 * exporter is killed with SIGKILL the kernel counts no more.  The
 * kernel.bpf_stats_enabled sysctl is turned off for the suite (peers may
 * have left it on) and put back as it was.
 * btf: a BTF blob loaded by the test is served with its id and size, the
 * kernel's vmlinux with kernel="true"; the served set is the kernel's.
 * pins: a bpffs mounted in a temporary directory for the suite, with a map
 * pinned twice (once in a subdirectory), a program and a link, and a
 * second bpffs mounted inside it; each path served once, with its kind
 * and id; the walk's bounds reached (snap_pin_walk in-process).
 * Needs root.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <check.h>

#include "bpf/snap.h"
#include "suites.h"
#include "testutil.h"

#define TCASE_TIMEOUT 60
#define SYSCTL "/proc/sys/kernel/bpf_stats_enabled"
#define RUNS 1000

static struct tu_exporter exporter;

/* ---- the exporter and its samples ---- */

static void exporter_start(const char *const *args)
{
	int ret = tu_exporter_start(&exporter, args);

	if (ret) {
		char *log = tu_exporter_log(&exporter);

		ck_abort_msg("starting %s: %s; its log: %s", tu_bin(), strerror(-ret), log);
	}
}

static void exporter_stop(void)
{
	int status = 0;

	if (exporter.pid <= 0)
		return;
	ck_assert_int_eq(tu_exporter_stop(&exporter, 5000, &status, NULL), 0);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "wait status 0x%x", status);
}

static void scrape(struct tu_expo *e)
{
	struct tu_http_resp r;
	int ret = tu_http(exporter.port, "GET", "/metrics", NULL, &r);

	ck_assert_msg(ret == 0, "GET /metrics: %s", strerror(-ret));
	ck_assert_msg(r.status == 200, "GET /metrics: %d: %.300s", r.status, r.body);
	ck_assert_int_eq(tu_expo_parse(r.body, e), 0);
	tu_http_free(&r);
}

/* The one sample called name with id="id" (and key="value" unless key is NULL). */
static const struct tu_sample *find_id(const struct tu_expo *e, const char *name, uint32_t id,
				       const char *key, const char *value)
{
	const struct tu_sample *found = NULL;
	char idbuf[16];
	size_t n = 0;

	snprintf(idbuf, sizeof(idbuf), "%u", id);
	for (size_t i = 0; i < e->nr; i++) {
		const struct tu_sample *s = &e->samples[i];
		const char *v = tu_sample_label(s, "id"), *kv = key ? tu_sample_label(s, key) : NULL;

		if (strcmp(s->name, name) || !v || strcmp(v, idbuf) || (key && (!kv || strcmp(kv, value))))
			continue;
		found = s;
		n++;
	}
	ck_assert_msg(n == 1, "%zu samples %s{id=\"%u\"%s%s%s%s}, want 1", n, name, id,
		      key ? "," : "", key ? key : "", key ? "=" : "", key ? value : "");
	return found;
}

static double value(const struct tu_sample *s)
{
	char *end;
	double d = strtod(s->value, &end);

	ck_assert_msg(*end == '\0' && end != s->value, "%s: value \"%s\"", s->name, s->value);
	return d;
}

static uint64_t value_u64(const struct tu_sample *s)
{
	char *end;
	unsigned long long v = strtoull(s->value, &end, 10);

	ck_assert_msg(*end == '\0' && end != s->value, "%s: value \"%s\" is not an integer",
		      s->name, s->value);
	return v;
}

static void check_label(const struct tu_sample *s, const char *key, const char *want)
{
	const char *v = tu_sample_label(s, key);

	ck_assert_msg(v && !strcmp(v, want), "%s: %s=\"%s\", want \"%s\"", s->name, key,
		      v ? v : "(none)", want);
}

/* ---- the sysctl, off for the suite and put back ---- */

static int sysctl_saved = -1;

static int sysctl_get(void)
{
	char c = 0;
	int fd = open(SYSCTL, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (read(fd, &c, 1) != 1)
		c = 0;
	close(fd);
	return c == '1';
}

static int sysctl_set(int on)
{
	int fd = open(SYSCTL, O_WRONLY | O_CLOEXEC);
	int ok;

	if (fd < 0)
		return -errno;
	ok = write(fd, on ? "1\n" : "0\n", 2) == 2;
	close(fd);
	return ok ? 0 : -EIO;
}

static void stats_setup(void)
{
	sysctl_saved = sysctl_get();
	if (sysctl_saved == 1)
		sysctl_set(0);
}

/* As it was, whatever a failed test left it at. */
static void stats_teardown(void)
{
	if (sysctl_saved >= 0)
		sysctl_set(sysctl_saved);
}

/* ---- a socket filter on a UDP socket ---- */

struct udp_pair {
	int prog, rx, tx;
	struct sockaddr_in to;
};

/* "r0 = 0xffff; exit": keep the whole datagram, so that it can be read back. */
static int load_keep_all(void)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0xffff },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts);
	int fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "bpfme_runs", "GPL", insns, 2, &opts);

	return fd < 0 ? -errno : fd;
}

static void udp_pair_open(struct udp_pair *u)
{
	socklen_t len = sizeof(u->to);
	struct timeval tv = { .tv_sec = 5 };

	u->prog = load_keep_all();
	ck_assert_msg(u->prog >= 0, "loading a socket filter: %s", strerror(-u->prog));
	u->rx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	u->tx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert(u->rx >= 0 && u->tx >= 0);
	memset(&u->to, 0, sizeof(u->to));
	u->to.sin_family = AF_INET;
	u->to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(u->rx, (struct sockaddr *)&u->to, sizeof(u->to)), 0);
	ck_assert_int_eq(getsockname(u->rx, (struct sockaddr *)&u->to, &len), 0);
	ck_assert_int_eq(setsockopt(u->rx, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	ck_assert_int_eq(setsockopt(u->rx, SOL_SOCKET, SO_ATTACH_BPF, &u->prog, sizeof(u->prog)), 0);
}

static void udp_pair_close(struct udp_pair *u)
{
	close(u->rx);
	close(u->tx);
	close(u->prog);
}

/* Send n datagrams and read each back: the filter ran n times when this returns. */
static void run_filter(struct udp_pair *u, int n)
{
	char b = 'x';

	for (int i = 0; i < n; i++) {
		ck_assert_int_eq(sendto(u->tx, &b, 1, 0, (struct sockaddr *)&u->to, sizeof(u->to)), 1);
		ck_assert_msg(recv(u->rx, &b, 1, 0) == 1, "datagram %d not received: %s", i,
			      strerror(errno));
	}
}

static struct bpf_prog_info prog_info(int fd)
{
	struct bpf_prog_info info;

	ck_assert_int_eq(tu_obj_info(fd, &info, sizeof(info)), 0);
	return info;
}

START_TEST(test_run_stats)
{
	const char *const args[] = { "--bpf.enable-stats", NULL };
	struct udp_pair u;
	struct tu_expo e1, e2;
	struct bpf_prog_info info;
	const struct tu_sample *s;
	uint64_t count1, count2;
	double time1, time2;
	int status = 0;

	ck_assert_msg(sysctl_get() == 0, "kernel.bpf_stats_enabled is on: the test cannot tell "
		      "its counting from the sysctl's");
	udp_pair_open(&u);
	info = prog_info(u.prog);

	/* stats off: the kernel does not count */
	run_filter(&u, 10);
	ck_assert_uint_eq(prog_info(u.prog).run_cnt, 0);

	exporter_start(args);
	scrape(&e1);
	ck_assert_double_eq(value(tu_expo_find(&e1, "bpf_stats_enabled", NULL, NULL)), 1);
	s = find_id(&e1, "bpf_program_run_count_total", info.id, NULL, NULL);
	check_label(s, "name", "bpfme_runs");
	check_label(s, "type", "socket_filter");
	/* the same label values as the core collector's */
	check_label(find_id(&e1, "bpf_program_info", info.id, NULL, NULL), "type", "socket_filter");
	count1 = value_u64(s);
	time1 = value(find_id(&e1, "bpf_program_run_time_seconds_total", info.id, NULL, NULL));
	ck_assert_uint_eq(value_u64(find_id(&e1, "bpf_program_recursion_misses_total", info.id,
					    NULL, NULL)), 0);

	run_filter(&u, RUNS);
	scrape(&e2);
	count2 = value_u64(find_id(&e2, "bpf_program_run_count_total", info.id, NULL, NULL));
	time2 = value(find_id(&e2, "bpf_program_run_time_seconds_total", info.id, NULL, NULL));
	ck_assert_msg(count2 == count1 + RUNS, "run count %" PRIu64 " -> %" PRIu64 ", want +%d",
		      count1, count2, RUNS);
	ck_assert_msg(time2 > time1, "run time %g -> %g: did not grow", time1, time2);
	info = prog_info(u.prog);
	ck_assert_uint_eq(info.run_cnt, count2);	/* the kernel's own count */
	ck_assert_double_eq_tol(time2, (double)info.run_time_ns / 1e9, 1e-9);

	/* SIGKILL: the kernel closes the stats fd and counts no more */
	kill(exporter.pid, SIGKILL);
	tu_exporter_stop(&exporter, 5000, &status, NULL);
	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "status 0x%x", status);
	info = prog_info(u.prog);
	run_filter(&u, RUNS);
	ck_assert_uint_eq(prog_info(u.prog).run_cnt, info.run_cnt);
	ck_assert_uint_eq(prog_info(u.prog).run_time_ns, info.run_time_ns);
	ck_assert_int_eq(sysctl_get(), 0);

	tu_expo_free(&e1);
	tu_expo_free(&e2);
	udp_pair_close(&u);
}
END_TEST

/* Without the flag the gauge follows the sysctl; the families are there with stats off too. */
START_TEST(test_stats_enabled_sysctl)
{
	struct udp_pair u;
	struct tu_expo e;
	struct bpf_prog_info info;

	udp_pair_open(&u);
	info = prog_info(u.prog);
	exporter_start(NULL);
	scrape(&e);
	ck_assert_double_eq(value(tu_expo_find(&e, "bpf_stats_enabled", NULL, NULL)), 0);
	ck_assert_uint_eq(value_u64(find_id(&e, "bpf_program_run_count_total", info.id, NULL, NULL)), 0);
	tu_expo_free(&e);

	ck_assert_int_eq(sysctl_set(1), 0);
	run_filter(&u, 5);
	scrape(&e);
	sysctl_set(0);
	ck_assert_double_eq(value(tu_expo_find(&e, "bpf_stats_enabled", NULL, NULL)), 1);
	ck_assert_uint_eq(value_u64(find_id(&e, "bpf_program_run_count_total", info.id, NULL, NULL)), 5);
	tu_expo_free(&e);
	exporter_stop();
	udp_pair_close(&u);
}
END_TEST

/* ---- BTF ---- */

START_TEST(test_btf)
{
	const char *const args[] = { "--collector.btf", NULL };
	struct bpf_btf_info info, kinfo;
	struct btf *btf = btf__new_empty();
	const struct tu_sample *s;
	struct tu_expo e;
	size_t kernel_count = 0;
	__u32 id = 0;
	int fd, int_id;

	ck_assert_ptr_nonnull(btf);
	int_id = btf__add_int(btf, "bpfme_int", 4, BTF_INT_SIGNED);
	ck_assert_int_gt(int_id, 0);
	ck_assert_int_gt(btf__add_struct(btf, "bpfme_pair", 8), 0);
	ck_assert_int_eq(btf__add_field(btf, "a", int_id, 0, 0), 0);
	ck_assert_int_eq(btf__add_field(btf, "b", int_id, 32, 0), 0);
	ck_assert_int_eq(btf__load_into_kernel(btf), 0);
	fd = btf__fd(btf);
	ck_assert_int_eq(tu_obj_info(fd, &info, sizeof(info)), 0);

	exporter_start(args);
	scrape(&e);
	s = find_id(&e, "bpf_btf_info", info.id, NULL, NULL);
	check_label(s, "name", "");
	check_label(s, "kernel", "false");
	ck_assert_uint_eq(value_u64(find_id(&e, "bpf_btf_size_bytes", info.id, NULL, NULL)),
			  info.btf_size);

	/* every BTF object the kernel lists, vmlinux among them with its size */
	while (!bpf_btf_get_next_id(id, &id)) {
		char name[64] = "";
		int kfd = bpf_btf_get_fd_by_id(id);

		if (kfd < 0)
			continue;
		memset(&kinfo, 0, sizeof(kinfo));
		kinfo.name = (__u64)(uintptr_t)name;
		kinfo.name_len = sizeof(name);
		__u32 len = sizeof(kinfo);
		ck_assert_int_eq(bpf_obj_get_info_by_fd(kfd, &kinfo, &len), 0);
		close(kfd);
		kernel_count++;
		s = find_id(&e, "bpf_btf_info", id, "name", name);
		check_label(s, "kernel", kinfo.kernel_btf ? "true" : "false");
		ck_assert_uint_eq(value_u64(find_id(&e, "bpf_btf_size_bytes", id, NULL, NULL)),
				  kinfo.btf_size);
		if (!strcmp(name, "vmlinux"))
			ck_assert(kinfo.kernel_btf);
	}
	ck_assert_uint_eq(tu_expo_count(&e, "bpf_btf_info"), kernel_count);
	s = tu_expo_find(&e, "bpf_btf_info", "name", "vmlinux");
	ck_assert_msg(s, "no vmlinux BTF served (is /sys/kernel/btf/vmlinux there?)");
	check_label(s, "kernel", "true");
	tu_expo_free(&e);
	exporter_stop();
	btf__free(btf);
}
END_TEST

START_TEST(test_btf_off_by_default)
{
	struct tu_expo e;

	exporter_start(NULL);
	scrape(&e);
	ck_assert_uint_eq(tu_expo_count(&e, "bpf_btf_info"), 0);
	ck_assert_uint_eq(tu_expo_count(&e, "bpf_pin_info"), 0);
	ck_assert_ptr_nonnull(tu_expo_find(&e, "bpf_stats_enabled", NULL, NULL));
	tu_expo_free(&e);
	exporter_stop();
}
END_TEST

/* ---- pins ---- */

static char bpffs[64];		/* a bpffs mounted for the suite */
static char inner[128];		/* a second bpffs mounted inside it */

static void pins_setup(void)
{
	strcpy(bpffs, "/tmp/bpfme-pins-XXXXXX");
	if (!mkdtemp(bpffs) || mount("bpf", bpffs, "bpf", 0, "mode=700")) {
		bpffs[0] = '\0';
		return;
	}
	snprintf(inner, sizeof(inner), "%s/inner", bpffs);
	if (mkdir(inner, 0700) || mount("bpf", inner, "bpf", 0, "mode=700"))
		inner[0] = '\0';
}

static void pins_teardown(void)
{
	if (inner[0])
		umount2(inner, MNT_DETACH);
	if (bpffs[0]) {
		umount2(bpffs, MNT_DETACH);
		rmdir(bpffs);
	}
	bpffs[0] = inner[0] = '\0';
}

/* The bpf_pin_info samples whose path starts with prefix must be want. */
static void check_pins_under(const struct tu_expo *e, const char *prefix, size_t want)
{
	char list[2048] = "";
	size_t n = 0, used = 0;

	for (size_t i = 0; i < e->nr; i++) {
		const char *p = tu_sample_label(&e->samples[i], "path");

		if (strcmp(e->samples[i].name, "bpf_pin_info") || !p || strncmp(p, prefix, strlen(prefix)))
			continue;
		n++;
		if (used < sizeof(list))
			used += (size_t)snprintf(list + used, sizeof(list) - used, " %s", p);
	}
	ck_assert_msg(n == want, "%zu pins under %s, want %zu:%s", n, prefix, want, list);
}

static void check_pin(const struct tu_expo *e, const char *path, const char *kind, uint32_t id)
{
	const struct tu_sample *s = tu_expo_find(e, "bpf_pin_info", "path", path);
	char idbuf[16];

	ck_assert_msg(s, "no bpf_pin_info{path=\"%s\"}", path);
	snprintf(idbuf, sizeof(idbuf), "%u", id);
	check_label(s, "kind", kind);
	check_label(s, "id", idbuf);
	ck_assert_double_eq(value(s), 1);
}

static uint32_t obj_id(int fd)
{
	struct bpf_map_info info;	/* id sits after type in every kind's info */

	ck_assert_int_eq(tu_obj_info(fd, &info, sizeof(info)), 0);
	return info.id;
}

static uint32_t link_id(int fd)
{
	struct bpf_link_info info;

	ck_assert_int_eq(tu_obj_info(fd, &info, sizeof(info)), 0);
	return info.id;
}

START_TEST(test_pins)
{
	const char *const args[] = { "--collector.pins", NULL };
	char p_map[256], p_map2[256], p_prog[256], p_link[256], p_inner[256], sub[192];
	int map, prog, tp, link, fds_before, fds_after;
	struct tu_expo e;

	ck_assert_msg(bpffs[0] && inner[0], "cannot mount a bpffs in /tmp");
	map = tu_map_create(BPF_MAP_TYPE_ARRAY, "bpfme_pinned", 4, 8, 1, 0);
	prog = tu_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "bpfme_pinprog", "GPL", NULL, 0);
	tp = tu_prog_load(BPF_PROG_TYPE_RAW_TRACEPOINT, "bpfme_pintp", "GPL", NULL, 0);
	ck_assert(map >= 0 && prog >= 0 && tp >= 0);
	link = tu_raw_tp_link(tp, "task_rename");
	ck_assert_int_ge(link, 0);
	snprintf(sub, sizeof(sub), "%s/sub", bpffs);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	snprintf(p_map, sizeof(p_map), "%s/map", bpffs);
	snprintf(p_map2, sizeof(p_map2), "%s/sub/map_again", bpffs);
	snprintf(p_prog, sizeof(p_prog), "%s/prog", bpffs);
	snprintf(p_link, sizeof(p_link), "%s/link", bpffs);
	snprintf(p_inner, sizeof(p_inner), "%s/map_inner", inner);
	ck_assert_int_eq(bpf_obj_pin(map, p_map), 0);
	ck_assert_int_eq(bpf_obj_pin(map, p_map2), 0);
	ck_assert_int_eq(bpf_obj_pin(prog, p_prog), 0);
	ck_assert_int_eq(bpf_obj_pin(link, p_link), 0);
	ck_assert_int_eq(bpf_obj_pin(map, p_inner), 0);

	exporter_start(args);
	scrape(&e);
	check_pins_under(&e, bpffs, 5);
	check_pin(&e, p_map, "map", obj_id(map));
	check_pin(&e, p_map2, "map", obj_id(map));
	check_pin(&e, p_prog, "program", obj_id(prog));
	check_pin(&e, p_link, "link", link_id(link));
	check_pin(&e, p_inner, "map", obj_id(map));	/* once: from the inner mount's walk */
	tu_expo_free(&e);

	/* the walk closes what it opens, and the pins outlive the test's fds */
	fds_before = tu_fd_count(exporter.pid);
	close(map);
	close(prog);
	close(link);
	close(tp);
	scrape(&e);
	fds_after = tu_fd_count(exporter.pid);
	ck_assert_int_eq(fds_after, fds_before);
	check_pins_under(&e, bpffs, 5);
	tu_expo_free(&e);

	/* unpinned: gone from the next scrape */
	ck_assert_int_eq(unlink(p_map2), 0);
	ck_assert_int_eq(unlink(p_inner), 0);
	scrape(&e);
	check_pins_under(&e, bpffs, 3);
	ck_assert_ptr_null(tu_expo_find(&e, "bpf_pin_info", "path", p_map2));
	tu_expo_free(&e);
	exporter_stop();
	unlink(p_map);
	unlink(p_prog);
	unlink(p_link);
	rmdir(sub);
}
END_TEST

/* The walk's bounds, each reached: the depth below a mount, the count of pins. */
START_TEST(test_pin_bounds)
{
	char line[256], path[320], dir[192];
	struct snap s;
	int map = tu_map_create(BPF_MAP_TYPE_ARRAY, "bpfme_bound", 4, 8, 1, 0);

	ck_assert_msg(bpffs[0], "cannot mount a bpffs in /tmp");
	ck_assert_int_ge(map, 0);
	snprintf(line, sizeof(line), "1 2 0:99 / %s rw - bpf bpf rw\n", bpffs);
	/* three at the top, one three directories down */
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/top%d", bpffs, i);
		ck_assert_int_eq(bpf_obj_pin(map, path), 0);
	}
	snprintf(dir, sizeof(dir), "%s/d1", bpffs);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	snprintf(dir, sizeof(dir), "%s/d1/d2", bpffs);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	snprintf(dir, sizeof(dir), "%s/d1/d2/d3", bpffs);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	snprintf(path, sizeof(path), "%s/deep", dir);
	ck_assert_int_eq(bpf_obj_pin(map, path), 0);

	snap_init(&s);
	ck_assert_int_eq(snap_pin_walk(&s, line, strlen(line), 3, 100), 0);
	ck_assert_uint_eq(s.nr_pins, 4);
	ck_assert(!s.pins_truncated);
	s.nr_pins = s.pin_paths_len = 0;
	ck_assert_int_eq(snap_pin_walk(&s, line, strlen(line), 2, 100), 0);
	ck_assert_uint_eq(s.nr_pins, 3);	/* d3 is three deep */
	ck_assert(s.pins_truncated);
	s.nr_pins = s.pin_paths_len = 0;
	s.pins_truncated = 0;
	ck_assert_int_eq(snap_pin_walk(&s, line, strlen(line), 3, 4), 0);
	ck_assert_uint_eq(s.nr_pins, 4);
	ck_assert(!s.pins_truncated);
	s.nr_pins = s.pin_paths_len = 0;
	ck_assert_int_eq(snap_pin_walk(&s, line, strlen(line), 3, 2), 0);
	ck_assert_uint_eq(s.nr_pins, 2);
	ck_assert(s.pins_truncated);
	for (size_t i = 0; i < s.nr_pins; i++)
		ck_assert_uint_eq(s.pins[i].id, obj_id(map));
	snap_release(&s);

	unlink(path);
	rmdir(dir);
	snprintf(dir, sizeof(dir), "%s/d1/d2", bpffs);
	rmdir(dir);
	snprintf(dir, sizeof(dir), "%s/d1", bpffs);
	rmdir(dir);
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/top%d", bpffs, i);
		unlink(path);
	}
	close(map);
}
END_TEST

Suite *bpfstats_suite(void)
{
	Suite *s = suite_create("bpfstats");
	TCase *tc = tcase_create("stats");

	tcase_add_unchecked_fixture(tc, stats_setup, stats_teardown);
	tcase_set_timeout(tc, TCASE_TIMEOUT);
	tcase_add_test(tc, test_run_stats);
	tcase_add_test(tc, test_stats_enabled_sysctl);
	suite_add_tcase(s, tc);

	tc = tcase_create("btf");
	tcase_set_timeout(tc, TCASE_TIMEOUT);
	tcase_add_test(tc, test_btf);
	tcase_add_test(tc, test_btf_off_by_default);
	suite_add_tcase(s, tc);

	tc = tcase_create("pins");
	tcase_add_unchecked_fixture(tc, pins_setup, pins_teardown);
	tcase_set_timeout(tc, TCASE_TIMEOUT);
	tcase_add_test(tc, test_pins);
	tcase_add_test(tc, test_pin_bounds);
	suite_add_tcase(s, tc);
	return s;
}
