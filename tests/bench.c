// SPDX-License-Identifier: Apache-2.0
/*
 * bench - `make bench`: performance and memory figures on the real kernel.
 *
 * Loads 2000 programs, 2000 maps and 200 links (half of them first, to check
 * that the cost is linear in the object count), starts the real binary, and
 * prints: the median of full HTTP scrapes (plain and gzip, as Prometheus
 * asks), the exporter's own scrape_duration, the syscall floor (a minimal
 * enumerate -> open -> info -> fdinfo -> close loop over every object, run
 * here, best of 10: 5 between scrapes, 5 back to back), `bpftool {prog,map,link} show -j`, the ratios, and the
 * exporter's RSS idle and peak.  It also times the library's own stages in
 * this process (snapshot, rendering, gzip) so that a miss can be located.
 *
 * Then serving under that load (issue 9, tests/loadgen.c): the landing page
 * while 20 clients scrape back to back, a scrape from a third address under
 * a 1040-connection slowloris from two others, and what 300 clients that
 * never read their answer pin (the exporter's RSS and its send queues) with
 * a real scrape beside them.  BPFME_BENCH=serving runs only this part.
 *
 * Then a flood of wrong passwords (an exporter of its own with basic auth,
 * bcrypt cost 10, 16 clients): the landing page and a scrape with the right
 * password meanwhile, median and max, and the CPU the exporter and its auth
 * pool take.  BPFME_BENCH=flood runs only this part.
 *
 * Then what the stats, btf and pins collectors cost per scrape at the full
 * size (in this process: their part of the snapshot and their rendering,
 * with NR_PINS maps pinned in a bpffs mounted for the bench), and what the
 * kernel's BPF stats cost per program run: a socket filter run
 * STATS_REPEAT times by BPF_PROG_TEST_RUN with stats off and with a
 * BPF_ENABLE_STATS fd held, as --bpf.enable-stats does, the kernel's own
 * average per run.  BPFME_BENCH=collectors runs only this part.
 *
 * Then the audit side: one process loads and unloads 20,000 programs as
 * fast as it can, alone, and (issue 16) while 20 clients scrape with every
 * collector on: the audit thread's CPU per event, drops, kernel loss, and
 * a probe's scrape latency idle and during the churn.  BPFME_BENCH=audit
 * runs only the latter.
 * Then the exporter's own BPF iterators (issue 17): what bpf_map_entries
 * adds to a scrape at the full size (an exporter with it against one with
 * --no-collector.entries) and what one read of the bpfme_entries iterator
 * costs; the exporter's idle RSS with and without the iterators loaded;
 * and, on a node-shaped process table made by a forking helper (NODE_PROCS
 * processes of NODE_FDS fds each, NODE_HOLDERS of them holding one BPF map;
 * killed and reaped at the end), the holders through the task_file
 * iterator against the bare iterator walk and against the walk of /proc,
 * both sources checked equal.  BPFME_BENCH=iters runs only this part.
 * Then the snapshot's programs from the bpf_prog iterator (bpfme_progs)
 * against the walk of their fds, at the full size, interleaved: snap_take
 * and the programs alone, in this process; what the maps' info call costs
 * (all an iter/bpf_map program could spare: memlock needs the fd); and
 * HTTP scrapes with holders on, from the iterator and with
 * --bpf.snapshot.source=syscall, against the single-thread syscall floor.
 * BPFME_BENCH=snap runs only this part.
 *
 * The targets are informational: the exit status is 0 whether they are met
 * or not, and 1 only when something fails (loading, a scrape, a missing
 * object).  Needs root.  The whole run is bounded by an alarm.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>

#include <crypt.h>

#include "collectors.h"
#include "metrics/coll.h"
#include "bpf/fdinfo.h"
#include "bpf/iters.h"
#include "proc/holders.h"
#include "loadgen.h"
#include "http/negotiate.h"
#include "metrics/om.h"
#include "bpf/snap.h"
#include "testutil.h"

#define NR_PROGS	2000
#define NR_MAPS		2000
#define NR_LINKS	200
#define RAW_TP_EVERY	(NR_PROGS / NR_LINKS)	/* every 10th program is a raw_tp, one link each */
#define NR_SCRAPES	21	/* per size and encoding; the spec asks for >= 15 */
#define NR_FLOOR	5	/* floor runs between scrapes, and as many back to back */
#define NR_STAGE	5	/* in-process stage runs, best taken */
#define NR_BPFTOOL	5	/* bpftool triples, median and best */
#define LINK_TP		"task_rename"	/* fires on exec and prctl(PR_SET_NAME) only */
#define TIME_LIMIT_S	240
#define MAP_IDS_MAX	64
#define NR_PINS		(NR_MAPS / 10)	/* maps pinned for the pins collector's figure */
#define NR_BTFS		(NR_PROGS / 10)	/* BTF objects loaded for the btf collector's, as CO-RE loaders do */
#define STATS_REPEAT	2000000	/* runs of the socket filter per BPF_PROG_TEST_RUN */
#define STATS_ROUNDS	5	/* stats off and on alternately, best of each */

/* Targets from the issue. */
#define TARGET_RATIO	1.2
#define TARGET_IDLE_KB	(4 * 1024)
#define TARGET_PEAK_KB	(16 * 1024)
#define LINEAR_LO	0.8	/* per-object cost full / half */
#define LINEAR_HI	1.25

/* Prometheus' own Accept header (2.x) and encoding. */
#define PROM_HEADERS "Accept: application/openmetrics-text;version=1.0.0," \
	"application/openmetrics-text;version=0.0.1;q=0.75," \
	"text/plain;version=0.0.4;q=0.5,*/*;q=0.1\r\nAccept-Encoding: gzip\r\n"

static struct tu_exporter exporter;	/* --no-collector.holders: the issue 9 figures */
static struct tu_exporter holders_exporter;	/* every collector at its default */
static struct tu_exporter entries_exporter;	/* --no-collector.holders --no-collector.entries */
/* bpf_audit_kernel_enabled from the last scrape: -1 when the family is absent */
static int audit_enabled = -1;

struct objs {
	int map_fds[NR_MAPS];
	int prog_fds[NR_PROGS];
	int link_fds[NR_LINKS];
	size_t nr_maps, nr_progs, nr_links;
};

static struct objs objs;

/* ---- plumbing ---- */

static void release_all(void)
{
	if (exporter.pid > 0)
		tu_exporter_stop(&exporter, 5000, NULL, NULL);
	if (holders_exporter.pid > 0)
		tu_exporter_stop(&holders_exporter, 5000, NULL, NULL);
	if (entries_exporter.pid > 0)
		tu_exporter_stop(&entries_exporter, 5000, NULL, NULL);
	for (size_t i = 0; i < objs.nr_links; i++)
		close(objs.link_fds[i]);
	for (size_t i = 0; i < objs.nr_progs; i++)
		close(objs.prog_fds[i]);
	for (size_t i = 0; i < objs.nr_maps; i++)
		close(objs.map_fds[i]);
	objs.nr_links = objs.nr_progs = objs.nr_maps = 0;
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("bench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (exporter.pid > 0) {
		char *log = tu_exporter_log(&exporter);

		size_t len = log ? strlen(log) : 0;

		/* the tail only: it logs every audit event */
		if (len)
			fprintf(stderr, "bench: exporter log%s:\n%s", len > 4096 ? " (end)" : "",
				log + (len > 4096 ? len - 4096 : 0));
		free(log);
	}
	release_all();
	exit(1);
}

static void on_alarm(int sig)
{
	static const char msg[] = "bench: time limit exceeded, giving up\n";

	(void)sig;
	if (exporter.pid > 0)
		kill(exporter.pid, SIGKILL);
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(1);
	_exit(1);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median of v[0..n) (sorts v). */
static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double minimum(const double *v, size_t n)
{
	double m = v[0];

	for (size_t i = 1; i < n; i++)
		if (v[i] < m)
			m = v[i];
	return m;
}

static double maximum(const double *v, size_t n)
{
	double m = v[0];

	for (size_t i = 1; i < n; i++)
		if (v[i] > m)
			m = v[i];
	return m;
}

static void loadavg(char *out, size_t len)
{
	FILE *f = fopen("/proc/loadavg", "re");

	double a[3];

	if (f && fscanf(f, "%lf %lf %lf", &a[0], &a[1], &a[2]) == 3)
		snprintf(out, len, "%.2f %.2f %.2f", a[0], a[1], a[2]);
	else
		snprintf(out, len, "?");
	if (f)
		fclose(f);
}

static double mib(long kb)
{
	return (double)kb / 1024.0;
}

static const char *verdict(int ok)
{
	return ok ? "PASS" : "MISS";
}

/* ---- loading ---- */

static void load_maps(size_t upto)
{
	static const struct {
		enum bpf_map_type type;
		const char *tag;
		uint32_t key, value, entries;
	} kinds[] = {
		{ BPF_MAP_TYPE_HASH, "h", 4, 8, 64 },
		{ BPF_MAP_TYPE_ARRAY, "a", 4, 8, 16 },
		{ BPF_MAP_TYPE_LRU_HASH, "l", 8, 16, 64 },
		{ BPF_MAP_TYPE_PERCPU_ARRAY, "p", 4, 8, 8 },
	};

	for (size_t i = objs.nr_maps; i < upto; i++) {
		const size_t k = i % (sizeof(kinds) / sizeof(kinds[0]));
		char name[16];
		int fd;

		snprintf(name, sizeof(name), "bench_%s%05zu", kinds[k].tag, i);
		fd = tu_map_create(kinds[k].type, name, kinds[k].key, kinds[k].value,
				   kinds[k].entries, 0);
		if (fd < 0)
			die("creating map %zu (%s): %s", i, name, strerror(-fd));
		objs.map_fds[objs.nr_maps++] = fd;
	}
}

/*
 * Program i: every RAW_TP_EVERY-th a raw_tracepoint program (one link each),
 * the rest socket filters and XDP; a quarter use one map, an eighth two.
 */
static void load_progs(size_t upto)
{
	for (size_t i = objs.nr_progs; i < upto; i++) {
		enum bpf_prog_type type;
		const char *tag;
		char name[16];
		int maps[2];
		size_t nr_maps = 0;
		int fd;

		if (i % RAW_TP_EVERY == 0)
			type = BPF_PROG_TYPE_RAW_TRACEPOINT, tag = "r";
		else if (i % RAW_TP_EVERY <= 5)
			type = BPF_PROG_TYPE_SOCKET_FILTER, tag = "s";
		else
			type = BPF_PROG_TYPE_XDP, tag = "x";
		if (i % 4 == 1)
			maps[nr_maps++] = objs.map_fds[i % objs.nr_maps];
		if (i % 8 == 3) {
			maps[nr_maps++] = objs.map_fds[i % objs.nr_maps];
			maps[nr_maps++] = objs.map_fds[(i * 7 + 1) % objs.nr_maps];
		}
		snprintf(name, sizeof(name), "bench_%s%05zu", tag, i);
		fd = tu_prog_load(type, name, i % 3 ? "GPL" : "Apache-2.0", maps, nr_maps);
		if (fd < 0)
			die("loading program %zu (%s): %s", i, name, strerror(-fd));
		objs.prog_fds[objs.nr_progs++] = fd;
	}
}

static void load_links(size_t upto)
{
	for (size_t i = objs.nr_links; i < upto; i++) {
		size_t prog = i * RAW_TP_EVERY;
		int fd;

		if (prog >= objs.nr_progs)
			die("link %zu: program %zu not loaded", i, prog);
		fd = tu_raw_tp_link(objs.prog_fds[prog], LINK_TP);
		if (fd < 0)
			die("attaching link %zu to raw tracepoint %s: %s", i, LINK_TP,
			    strerror(-fd));
		objs.link_fds[objs.nr_links++] = fd;
	}
}

/* ---- what the stats, btf and pins collectors cost ---- */

/* Best of NR_STAGE: snap_take with want, and rendering with only collector name on. */
static void collector_cost(unsigned int want, const char *name, double *snap_ms, double *render_ms,
			   size_t *count)
{
	struct buf out = BUF_INIT;
	double snap[NR_STAGE], render[NR_STAGE];

	for (int i = 0; i < NR_STAGE; i++) {
		struct collector coll;
		struct om_writer w;
		struct snap s;
		double t0, t1, t2;

		coll_init(&coll, "bench", &collectors_table);
		coll.exporter_metrics = false;
		for (size_t k = 0; k < collectors_table.nr_defs; k++)
			coll_set_on(&coll, (int)k, name && !strcmp(collectors_table.defs[k].name, name));
		snap_init(&s);
		s.want = want;
		buf_reset(&out);
		t0 = tu_now_ms();
		if (snap_take(&s))
			die("snap_take: %s", s.error);
		t1 = tu_now_ms();
		om_writer_init(&w, &out, OM_FMT_OPENMETRICS);
		coll_write(&coll, &s, &w, 0);
		t2 = tu_now_ms();
		if (out.oom)
			die("rendering: out of memory");
		*count = want & SNAP_WANT_BTF ? s.nr_btfs : want & SNAP_WANT_PINS ? s.nr_pins : s.nr_progs;
		snap_release(&s);
		snap[i] = t1 - t0;
		render[i] = t2 - t1;
	}
	*snap_ms = minimum(snap, NR_STAGE);
	*render_ms = minimum(render, NR_STAGE);
	buf_release(&out);
}

static int stats_sysctl(int set)
{
	const char *path = "/proc/sys/kernel/bpf_stats_enabled";
	char c = '0';
	int fd = open(path, set < 0 ? O_RDONLY : O_WRONLY);

	if (fd < 0)
		return -1;
	if (set < 0) {
		if (read(fd, &c, 1) != 1)
			c = '0';
	} else if (write(fd, set ? "1" : "0", 1) != 1) {
		c = '?';
	}
	close(fd);
	return c == '1';
}

/* The kernel's average ns per run of prog over STATS_REPEAT runs (BPF_PROG_TEST_RUN). */
static double test_run_ns(int prog)
{
	char pkt[64] = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = sizeof(pkt),
		    .repeat = STATS_REPEAT);

	if (bpf_prog_test_run_opts(prog, &opts))
		die("BPF_PROG_TEST_RUN: %s", strerror(errno));
	return (double)opts.duration;
}

static void collectors(void)
{
	char dir[] = "/tmp/bpfme-bench-pins-XXXXXX", path[96];
	double base_snap, base_render, snap_ms, render_ms, stats_render, off[STATS_ROUNDS],
	       on[STATS_ROUNDS];
	static struct btf *btfs[NR_BTFS];
	size_t n, nr_pinned = 0;
	int prog, sysctl_was;
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0xffff },
		{ .code = BPF_JMP | BPF_EXIT },
	};

	printf("\ncollectors at full size: their part of a scrape in this process, best of %d\n",
	       NR_STAGE);
	collector_cost(SNAP_WANT_OBJECTS, NULL, &base_snap, &base_render, &n);
	collector_cost(SNAP_WANT_OBJECTS, "stats", &snap_ms, &stats_render, &n);
	printf("  snapshot of programs, maps, links %7.2f ms (what core and stats share)\n", base_snap);
	printf("  stats: rendering                  %7.2f ms for %zu programs (%zu series), no syscall\n",
	       stats_render - base_render, n, 3 * n + 1);
	for (size_t i = 0; i < NR_BTFS; i++) {
		btfs[i] = btf__new_empty();
		if (!btfs[i] || btf__add_int(btfs[i], "bench_int", 4, BTF_INT_SIGNED) < 0 ||
		    btf__load_into_kernel(btfs[i]))
			die("loading BTF %zu: %s", i, strerror(errno));
	}
	collector_cost(SNAP_WANT_BTF, "btf", &snap_ms, &render_ms, &n);
	printf("  btf:   walk %7.2f ms + rendering %5.2f ms for %zu BTF objects (%d loaded here)\n",
	       snap_ms, render_ms > base_render ? render_ms - base_render : 0, n, NR_BTFS);
	for (size_t i = 0; i < NR_BTFS; i++)
		btf__free(btfs[i]);
	if (!mkdtemp(dir) || mount("bpf", dir, "bpf", 0, "mode=700")) {
		printf("  pins:  not measured (cannot mount a bpffs in /tmp: %s)\n", strerror(errno));
	} else {
		for (size_t i = 0; i < NR_PINS && i < objs.nr_maps; i++) {
			snprintf(path, sizeof(path), "%s/m%zu", dir, i);
			if (bpf_obj_pin(objs.map_fds[i * (objs.nr_maps / NR_PINS)], path) == 0)
				nr_pinned++;
		}
		collector_cost(SNAP_WANT_PINS, "pins", &snap_ms, &render_ms, &n);
		printf("  pins:  walk %7.2f ms + rendering %5.2f ms for %zu pins (%zu pinned here)\n",
		       snap_ms, render_ms > base_render ? render_ms - base_render : 0, n, nr_pinned);
		umount2(dir, MNT_DETACH);	/* the pins go with the mount */
	}
	rmdir(dir);

	prog = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "bench_stats", "GPL", insns, 2, NULL);
	if (prog < 0)
		die("loading the socket filter: %s", strerror(errno));
	sysctl_was = stats_sysctl(-1);
	if (sysctl_was == 1)
		stats_sysctl(0);	/* "off" must be off; put back below */
	test_run_ns(prog);	/* warm-up */
	for (int i = 0; i < STATS_ROUNDS; i++) {
		int fd;

		off[i] = test_run_ns(prog);
		fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
		if (fd < 0)
			die("BPF_ENABLE_STATS: %s", strerror(errno));
		on[i] = test_run_ns(prog);
		close(fd);
	}
	if (sysctl_was == 1)
		stats_sysctl(1);
	close(prog);
	printf("kernel BPF stats (--bpf.enable-stats), a socket filter run %d times by "
	       "BPF_PROG_TEST_RUN, %d rounds:\n", STATS_REPEAT, STATS_ROUNDS);
	printf("  per run: stats off best %.1f ns (median %.1f), on best %.1f ns (median %.1f): "
	       "%.1f ns more per run (medians %.1f)\n", minimum(off, STATS_ROUNDS),
	       median(off, STATS_ROUNDS), minimum(on, STATS_ROUNDS), median(on, STATS_ROUNDS),
	       minimum(on, STATS_ROUNDS) - minimum(off, STATS_ROUNDS),
	       median(on, STATS_ROUNDS) - median(off, STATS_ROUNDS));
}

/* ---- the syscall floor ---- */

/* memlock from fdinfo, the way the exporter reads it (fdinfo.c: openat, one read, close). */
static uint64_t floor_memlock(int dirfd, int fd)
{
	char text[FDINFO_SIZE];
	uint64_t v;

	if (fdinfo_read(dirfd, fd, text, sizeof(text)) <= 0 || fdinfo_u64(text, "memlock", &v))
		return 0;
	return v;
}

struct counts {
	size_t progs, maps, links;
};

static volatile uint64_t floor_sink;

static size_t counts_total(const struct counts *c)
{
	return c->progs + c->maps + c->links;
}

/*
 * One minimal pass: for each kind get_next_id -> get_fd_by_id -> info (for
 * programs with their map ids, as the exporter asks) -> fdinfo memlock for
 * programs and maps (unless !fdinfo, to show what that part costs) -> close.
 * Returns the time in ms; *c gets what it saw.
 */
static double floor_once(struct counts *c, bool fdinfo)
{
	static __u32 map_ids[MAP_IDS_MAX];
	uint64_t sum = 0;
	double start = tu_now_ms();
	int dirfd, err, fd;
	__u32 id;

	memset(c, 0, sizeof(*c));
	dirfd = open("/proc/self/fdinfo", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		die("opening /proc/self/fdinfo: %s", strerror(errno));

	for (id = 0; !(err = bpf_prog_get_next_id(id, &id));) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);

		fd = bpf_prog_get_fd_by_id(id);
		if (fd < 0)
			continue;	/* vanished (someone else's), or not ours to open */
		memset(&info, 0, sizeof(info));
		info.nr_map_ids = MAP_IDS_MAX;
		info.map_ids = (__u64)(uintptr_t)map_ids;
		if (!bpf_obj_get_info_by_fd(fd, &info, &len)) {
			sum += info.jited_prog_len;
			c->progs++;
		}
		if (fdinfo)
			sum += floor_memlock(dirfd, fd);
		close(fd);
	}
	if (err != -ENOENT)
		die("floor: listing programs: %s", strerror(-err));

	for (id = 0; !(err = bpf_map_get_next_id(id, &id));) {
		struct bpf_map_info info;
		__u32 len = sizeof(info);

		fd = bpf_map_get_fd_by_id(id);
		if (fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		if (!bpf_obj_get_info_by_fd(fd, &info, &len)) {
			sum += info.max_entries;
			c->maps++;
		}
		if (fdinfo)
			sum += floor_memlock(dirfd, fd);
		close(fd);
	}
	if (err != -ENOENT)
		die("floor: listing maps: %s", strerror(-err));

	for (id = 0; !(err = bpf_link_get_next_id(id, &id));) {
		struct bpf_link_info info;
		__u32 len = sizeof(info);

		fd = bpf_link_get_fd_by_id(id);
		if (fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		if (!bpf_obj_get_info_by_fd(fd, &info, &len)) {
			sum += info.prog_id;
			c->links++;
		}
		close(fd);
	}
	if (err != -ENOENT)
		die("floor: listing links: %s", strerror(-err));

	close(dirfd);
	floor_sink = sum;	/* keeps the reads honest */
	return tu_now_ms() - start;
}

/* ---- HTTP ---- */

struct rbuf {
	char *p;
	size_t len, cap;
};

static struct rbuf rbuf;

/*
 * GET /metrics into rbuf (raw response, NUL-terminated), reusing its memory
 * so that the client costs as little as possible.  0 or -errno.
 */
static int http_get_raw(int port, const char *headers)
{
	char req[512];
	int fd, len;
	ssize_t n;

	len = snprintf(req, sizeof(req),
		       "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n%s\r\n",
		       port, headers);
	if (len < 0 || (size_t)len >= sizeof(req))
		return -EINVAL;
	fd = tu_connect(port, 10000);
	if (fd < 0)
		return fd;
	if (send(fd, req, (size_t)len, MSG_NOSIGNAL) != len) {
		close(fd);
		return -EIO;
	}
	rbuf.len = 0;
	for (;;) {
		if (rbuf.cap - rbuf.len < 64 * 1024) {
			size_t ncap = rbuf.cap ? rbuf.cap * 2 : 8 << 20;
			char *np = realloc(rbuf.p, ncap);

			if (!np) {
				close(fd);
				return -ENOMEM;
			}
			rbuf.p = np;
			rbuf.cap = ncap;
		}
		n = recv(fd, rbuf.p + rbuf.len, rbuf.cap - rbuf.len - 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = -errno;

			close(fd);
			return err;
		}
		if (n == 0)
			break;
		rbuf.len += (size_t)n;
	}
	close(fd);
	rbuf.p[rbuf.len] = '\0';
	return 0;
}

/* A header's value in head (which ends at the blank line), or NULL; *len its length. */
static const char *find_header(const char *head, const char *name, size_t *len)
{
	size_t nlen = strlen(name);
	const char *p = head;

	while ((p = strstr(p, "\r\n")) && p[2] != '\r') {
		p += 2;
		if (!strncasecmp(p, name, nlen) && p[nlen] == ':') {
			const char *v = p + nlen + 1, *e;

			while (*v == ' ')
				v++;
			e = strstr(v, "\r\n");
			*len = (size_t)(e - v);
			return v;
		}
	}
	return NULL;
}

/* Decode a chunked body in place; 0 or -EPROTO. */
static size_t count_lines(const char *text, const char *prefix)
{
	size_t n = 0, plen = strlen(prefix);
	const char *p = text;

	if (!strncmp(p, prefix + 1, plen - 1))
		n++;
	while ((p = strstr(p, prefix))) {
		n++;
		p += plen;
	}
	return n;
}

struct scrape {
	double ms;		/* connect to EOF, as seen by this client */
	double self_s;		/* bpf_exporter_scrape_duration_seconds */
	size_t wire_bytes;	/* body as sent */
	size_t text_bytes;	/* body after gunzip */
	struct counts seen;
	struct counts holders;	/* bpf_*_holder_info series */
};

/* One timed scrape, then its checks (untimed).  Dies on any failure. */
static void scrape_once(int port, bool gzip, struct scrape *s)
{
	double start = tu_now_ms();
	int err = http_get_raw(port, gzip ? PROM_HEADERS : "");
	const char *sep, *v, *dur;
	char *body, *text = NULL;
	size_t body_len, vlen, text_len;
	int status;

	s->ms = tu_now_ms() - start;
	if (err)
		die("scrape failed: %s", strerror(-err));
	if (sscanf(rbuf.p, "HTTP/1.%*d %d", &status) != 1 || !(sep = strstr(rbuf.p, "\r\n\r\n")))
		die("scrape: malformed response");
	if (status != 200)
		die("scrape: HTTP %d: %.200s", status, sep + 4);
	body = (char *)sep + 4;
	body_len = rbuf.len - (size_t)(body - rbuf.p);
	if ((v = find_header(rbuf.p, "Transfer-Encoding", &vlen)) && vlen == 7 &&
	    !strncasecmp(v, "chunked", 7) && tu_dechunk(body, body_len, &body_len))
		die("scrape: bad chunked encoding");
	if ((v = find_header(rbuf.p, "Content-Length", &vlen)) &&
	    strtoull(v, NULL, 10) != body_len)
		die("scrape: Content-Length %.*s but %zu bytes received", (int)vlen, v, body_len);
	s->wire_bytes = body_len;
	v = find_header(rbuf.p, "Content-Encoding", &vlen);
	if (gzip != (v && vlen == 4 && !strncasecmp(v, "gzip", 4)))
		die("scrape: gzip %s but Content-Encoding is %.*s", gzip ? "asked" : "not asked",
		    v ? (int)vlen : 4, v ? v : "none");
	if (gzip) {
		if (tu_gunzip(body, body_len, &text, &text_len))
			die("scrape: body does not gunzip");
		body = text;
		body_len = text_len;
	}
	s->text_bytes = body_len;
	dur = strstr(body, "\nbpf_exporter_scrape_duration_seconds ");
	if (!dur)
		die("scrape: no bpf_exporter_scrape_duration_seconds in the body");
	s->self_s = strtod(dur + strlen("\nbpf_exporter_scrape_duration_seconds "), NULL);
	dur = strstr(body, "\nbpf_audit_kernel_enabled ");
	audit_enabled = dur ? atoi(dur + strlen("\nbpf_audit_kernel_enabled ")) : -1;
	s->seen.progs = count_lines(body, "\nbpf_program_info{");
	s->seen.maps = count_lines(body, "\nbpf_map_info{");
	s->seen.links = count_lines(body, "\nbpf_link_info{");
	s->holders.progs = count_lines(body, "\nbpf_program_holder_info{");
	s->holders.maps = count_lines(body, "\nbpf_map_holder_info{");
	s->holders.links = count_lines(body, "\nbpf_link_holder_info{");
	if (s->seen.progs < objs.nr_progs || s->seen.maps < objs.nr_maps ||
	    s->seen.links < objs.nr_links)
		die("scrape shows %zu programs, %zu maps, %zu links; %zu, %zu, %zu are loaded",
		    s->seen.progs, s->seen.maps, s->seen.links,
		    objs.nr_progs, objs.nr_maps, objs.nr_links);
	free(text);
}

/* ---- bpftool ---- */

/* Run argv with all output to /dev/null; 0 if it exited 0 within timeout_ms. */
static int run_quiet(char *const argv[], int timeout_ms)
{
	int st;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDWR);

		dup2(devnull, 0);
		dup2(devnull, 1);
		dup2(devnull, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (tu_reap(pid, timeout_ms, &st))
		return -ETIMEDOUT;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EIO;
}

/* prog, map and link show -j one after the other; ms, or < 0 if bpftool failed. */
static double bpftool_once(void)
{
	static char *const cmds[][5] = {
		{ "bpftool", "prog", "show", "-j", NULL },
		{ "bpftool", "map", "show", "-j", NULL },
		{ "bpftool", "link", "show", "-j", NULL },
	};
	double start = tu_now_ms();

	for (size_t i = 0; i < 3; i++)
		if (run_quiet(cmds[i], 30000))
			return -1;
	return tu_now_ms() - start;
}

/* ---- one size ---- */

struct result {
	struct counts seen;		/* by the floor */
	double scrape_med, scrape_min;	/* plain, ms */
	double gzip_med, gzip_min;	/* Prometheus' headers, ms */
	double self_med_ms, self_min_ms;	/* exporter's own scrape_duration, plain */
	double floor_best, floor_med;	/* ms, over all floor runs */
	double floor_between, floor_b2b;	/* best between scrapes, back to back */
	double nofdinfo_best;		/* the floor without the fdinfo reads, ms */
	double snap_best, render_best, coll_best, gzip_best;	/* in-process stages, ms */
	size_t text_bytes, gzip_bytes;
	long hwm_kb;			/* exporter's VmHWM after these scrapes */
};

/*
 * The library's stages in this process, best of NR_STAGE each: snap_take,
 * rendering it into a warm buffer, coll_scrape() exactly as the HTTP handler
 * calls it (fresh 64 KiB buffer, fresh snapshot), and gzip of its output.
 */
static void stages(struct result *r)
{
	double snap[NR_STAGE], render[NR_STAGE], scrape[NR_STAGE], gz[NR_STAGE];
	struct buf out = BUF_INIT, zbuf = BUF_INIT;
	struct collector coll;
	char err[160];

	coll_init(&coll, "bench", &collectors_table);
	coll_set_on(&coll, coll_find(&coll, "holders"), false);	/* as the exporter measured with it */
	for (int i = 0; i < NR_STAGE; i++) {
		struct buf body = BUF_INIT;
		struct om_writer w;
		struct snap s;
		double t0, t1, t2, t3, t4;

		snap_init(&s);
		buf_reset(&out);
		t0 = tu_now_ms();
		if (snap_take(&s))
			die("snap_take: %s", s.error);
		t1 = tu_now_ms();
		om_writer_init(&w, &out, OM_FMT_OPENMETRICS);
		coll_write(&coll, &s, &w, (t1 - t0) / 1e3);
		t2 = tu_now_ms();
		snap_release(&s);
		buf_grow(&body, 64 * 1024);
		if (coll_scrape(&coll, &body, OM_FMT_OPENMETRICS, NULL, 0, err, sizeof(err)))
			die("coll_scrape: %s", err);
		t3 = tu_now_ms();
		if (out.oom || body.oom || negotiate_gzip(&zbuf, body.buf, body.len))
			die("rendering or gzip failed (out of memory?)");
		t4 = tu_now_ms();
		buf_release(&body);
		snap[i] = t1 - t0;
		render[i] = t2 - t1;
		scrape[i] = t3 - t2;
		gz[i] = t4 - t3;
	}
	r->snap_best = minimum(snap, NR_STAGE);
	r->render_best = minimum(render, NR_STAGE);
	r->coll_best = minimum(scrape, NR_STAGE);
	r->gzip_best = minimum(gz, NR_STAGE);
	buf_release(&out);
	buf_release(&zbuf);
}

static void measure(int port, struct result *r)
{
	double plain[NR_SCRAPES], gz[NR_SCRAPES], self[NR_SCRAPES], floor_ms[2 * NR_FLOOR];
	struct scrape s;
	int nf = 0;

	memset(r, 0, sizeof(*r));
	scrape_once(port, false, &s);	/* warm-up, not counted */
	/*
	 * Interleave plain, gzip and floor runs so that the machine's noise
	 * falls on all of them alike.
	 */
	for (int i = 0; i < NR_SCRAPES; i++) {
		if (nf < NR_FLOOR && i % (NR_SCRAPES / NR_FLOOR) == 0) {
			struct counts c;

			floor_ms[nf++] = floor_once(&c, true);
			r->seen = c;
		}
		scrape_once(port, false, &s);
		plain[i] = s.ms;
		self[i] = s.self_s * 1e3;
		r->text_bytes = s.text_bytes;
		scrape_once(port, true, &s);
		gz[i] = s.ms;
		r->gzip_bytes = s.wire_bytes;
	}
	/* and back to back, as the exporter's scrapes run */
	while (nf < 2 * NR_FLOOR) {
		struct counts c;

		floor_ms[nf++] = floor_once(&c, true);
	}
	r->nofdinfo_best = 1e9;
	for (int i = 0; i < NR_FLOOR; i++) {
		struct counts c;
		double ms = floor_once(&c, false);

		if (ms < r->nofdinfo_best)
			r->nofdinfo_best = ms;
	}
	if (r->seen.progs < objs.nr_progs || r->seen.maps < objs.nr_maps ||
	    r->seen.links < objs.nr_links)
		die("floor saw %zu programs, %zu maps, %zu links; %zu, %zu, %zu are loaded",
		    r->seen.progs, r->seen.maps, r->seen.links,
		    objs.nr_progs, objs.nr_maps, objs.nr_links);
	r->scrape_min = minimum(plain, NR_SCRAPES);
	r->scrape_med = median(plain, NR_SCRAPES);
	r->gzip_min = minimum(gz, NR_SCRAPES);
	r->gzip_med = median(gz, NR_SCRAPES);
	r->self_min_ms = minimum(self, NR_SCRAPES);
	r->self_med_ms = median(self, NR_SCRAPES);
	r->floor_between = minimum(floor_ms, NR_FLOOR);
	r->floor_b2b = minimum(floor_ms + NR_FLOOR, NR_FLOOR);
	r->floor_best = minimum(floor_ms, 2 * NR_FLOOR);
	r->floor_med = median(floor_ms, 2 * NR_FLOOR);
	stages(r);
	r->hwm_kb = lg_status_kb(exporter.pid, "VmHWM");
}

static void print_result(const char *title, const struct result *r)
{
	double n = (double)counts_total(&r->seen);

	printf("%s: %zu programs, %zu maps, %zu links in the kernel (%zu objects)\n", title,
	       r->seen.progs, r->seen.maps, r->seen.links, counts_total(&r->seen));
	printf("  scrape, HTTP, plain       median %8.2f ms  min %8.2f ms  (%zu bytes)\n",
	       r->scrape_med, r->scrape_min, r->text_bytes);
	printf("  scrape, HTTP, gzip        median %8.2f ms  min %8.2f ms  (%zu bytes)\n",
	       r->gzip_med, r->gzip_min, r->gzip_bytes);
	printf("  exporter's scrape_duration median %6.2f ms  min %8.2f ms  (snapshot + rendering)\n",
	       r->self_med_ms, r->self_min_ms);
	printf("  syscall floor             best   %8.2f ms  median %6.2f ms"
	       "  (best between scrapes %.2f, back to back %.2f)\n",
	       r->floor_best, r->floor_med, r->floor_between, r->floor_b2b);
	printf("  floor without the fdinfo reads   %6.2f ms  (so fdinfo is %.0f%% of the floor)\n",
	       r->nofdinfo_best, 100.0 * (1.0 - r->nofdinfo_best / r->floor_best));
	printf("  in this process, best:    snap_take %.2f ms + render %.2f ms; coll_scrape as "
	       "served %.2f ms; gzip %.2f ms\n",
	       r->snap_best, r->render_best, r->coll_best, r->gzip_best);
	printf("  per object:               scrape %.2f us, floor %.2f us\n",
	       r->scrape_med * 1e3 / n, r->floor_best * 1e3 / n);
	printf("  exporter VmHWM so far     %.2f MiB\n", mib(r->hwm_kb));
}

/* ---- holders: what the /proc walk adds to a scrape (issue 10) ---- */

#define TARGET_HOLDERS	1.5	/* a scrape with holders / one without */

struct holders_cost {
	double with_med, with_min, without_med, without_min;
	struct counts series;	/* holder series in a scrape with holders */
};

/*
 * Scrapes of the exporter with every collector at its default (holders on)
 * and of the one with --no-collector.holders, alternating, after one
 * warm-up each; this process holds every object, so the walk finds them
 * all.
 */
static void holders_measure(struct holders_cost *hc)
{
	double with[NR_SCRAPES], without[NR_SCRAPES];
	struct scrape s;
	int err = tu_exporter_start(&holders_exporter, NULL);

	if (err)
		die("cannot start %s with holders: %s", tu_bin(), strerror(-err));
	scrape_once(holders_exporter.port, false, &s);
	scrape_once(exporter.port, false, &s);
	for (int i = 0; i < NR_SCRAPES; i++) {
		scrape_once(holders_exporter.port, false, &s);
		with[i] = s.ms;
		hc->series = s.holders;
		scrape_once(exporter.port, false, &s);
		without[i] = s.ms;
		if (s.holders.progs || s.holders.maps || s.holders.links)
			die("holder series with --no-collector.holders");
	}
	if (hc->series.progs < objs.nr_progs || hc->series.maps < objs.nr_maps ||
	    hc->series.links < objs.nr_links)
		die("holders: %zu program, %zu map, %zu link series; this process holds %zu, %zu, %zu",
		    hc->series.progs, hc->series.maps, hc->series.links,
		    objs.nr_progs, objs.nr_maps, objs.nr_links);
	hc->with_med = median(with, NR_SCRAPES);
	hc->with_min = minimum(with, NR_SCRAPES);
	hc->without_med = median(without, NR_SCRAPES);
	hc->without_min = minimum(without, NR_SCRAPES);
	tu_exporter_stop(&holders_exporter, 5000, NULL, NULL);
}

static void print_holders(const struct holders_cost *hc)
{
	printf("\nholders (issue 10): this process holds every object; %zu program, %zu map, "
	       "%zu link holder series\n", hc->series.progs, hc->series.maps, hc->series.links);
	printf("  scrape, HTTP, plain, with holders     median %8.2f ms  min %8.2f ms\n",
	       hc->with_med, hc->with_min);
	printf("  scrape, HTTP, plain, without holders  median %8.2f ms  min %8.2f ms\n",
	       hc->without_med, hc->without_min);
	printf("  with / without holders (medians)      %5.2fx   <= %.1fx          %s\n",
	       hc->with_med / hc->without_med, TARGET_HOLDERS,
	       verdict(hc->with_med / hc->without_med <= TARGET_HOLDERS));
}

/* ---- the exporter's own BPF iterators (issue 17) ---- */

#define NODE_PROCS	2000	/* the node-shaped process table */
#define NODE_FDS	50	/* fds each opens (one a BPF map for the holders) */
#define NODE_HOLDERS	200	/* processes holding one BPF map each */
#define NR_ITER_RUNS	21	/* in-process runs, medians */
#define TARGET_HOLDERS_ITER	3.0	/* holders (iterator) / the bare iterator walk */
#define TARGET_ENTRIES_MS	2.0	/* what bpf_map_entries adds to a scrape */
#define TARGET_ITERS_RSS_KB	1024	/* idle RSS the embedded programs add */

struct iters_cost {
	double with_med, without_med;	/* scrapes (HTTP, plain) with and without entries */
	double with_self, without_self;	/* the same, as the exporters time them */
	double read_med, read_min;	/* one read of bpfme_entries, in process */
	double part_ms;			/* the entries collector's part of a scrape, in process */
	size_t records, series;		/* its records; bpf_map_entries series in a scrape */
	long rss_with_kb, rss_without_kb;	/* idle RSS, iterators loaded or not */
	/* the node-shaped table */
	size_t node_fds, node_bpf, node_rows, node_procs;
	double walk_med, iter_med, procfs_med;	/* bare iterator read; holders by each source */
	bool same;			/* both sources gave the same rows */
};

static size_t count_series(int port, const char *prefix)
{
	struct scrape sc;

	scrape_once(port, false, &sc);
	return count_lines(strstr(rbuf.p, "\r\n\r\n"), prefix);
}

/* Idle RSS of the binary started with args, after a moment. */
static long idle_rss(const char *const *args)
{
	struct tu_exporter ex;
	long kb;
	int err = tu_exporter_start(&ex, args);

	if (err)
		die("cannot start %s: %s", tu_bin(), strerror(-err));
	usleep(300 * 1000);
	kb = lg_status_kb(ex.pid, "VmRSS");
	tu_exporter_stop(&ex, 5000, NULL, NULL);
	return kb;
}

/*
 * The entries collector's part of a scrape in this process, best of
 * NR_STAGE: coll_write() of one snapshot with only it on (its gather, the
 * iterator's read, runs on this thread) less coll_write() with none on.
 */
static double entries_part(const struct iters *it)
{
	double with[NR_STAGE], without[NR_STAGE];
	struct buf out = BUF_INIT;
	struct snap s;

	snap_init(&s);
	if (snap_take(&s))
		die("snap_take: %s", s.error);
	for (int i = 0; i < 2 * NR_STAGE; i++) {
		struct collector coll;
		struct om_writer w;
		double t0;

		coll_init(&coll, "bench", &collectors_table);
		coll.exporter_metrics = false;
		coll.iters = it;
		for (size_t k = 0; k < collectors_table.nr_defs; k++)
			coll_set_on(&coll, (int)k, i % 2 && !strcmp(collectors_table.defs[k].name,
								     "entries"));
		buf_reset(&out);
		om_writer_init(&w, &out, OM_FMT_OPENMETRICS);
		t0 = tu_now_ms();
		coll_write(&coll, &s, &w, 0);
		(i % 2 ? with : without)[i / 2] = tu_now_ms() - t0;
		if (out.oom)
			die("rendering: out of memory");
		if (i % 2 && !strstr(out.buf, "\nbpf_map_entries{"))
			die("no bpf_map_entries in process");
	}
	snap_release(&s);
	buf_release(&out);
	return minimum(with, NR_STAGE) - minimum(without, NR_STAGE);
}

/*
 * bpf_map_entries at the full size: scrapes of the main exporter (entries
 * on) and of one with --no-collector.entries, alternating; one read of the
 * iterator in this process; idle RSS with and without the iterators.
 */
static void entries_measure(struct iters_cost *ic)
{
	static const char *const no_entries[] = { "--no-collector.holders", "--no-collector.entries",
						   NULL };
	static const char *const entries_on[] = { "--no-collector.holders", NULL };
	static const char *const none[] = { "--no-collector.entries",
					    "--collector.holders.source=procfs",
					    "--bpf.snapshot.source=syscall", NULL };
	double with[NR_SCRAPES], without[NR_SCRAPES], reads[NR_ITER_RUNS];
	double with_self[NR_SCRAPES], without_self[NR_SCRAPES];
	struct iters_entries *recs = NULL;
	size_t nr = 0, alloc = 0;
	struct iters it;
	struct scrape sc;
	int err = tu_exporter_start(&entries_exporter, no_entries);

	if (err)
		die("cannot start %s without entries: %s", tu_bin(), strerror(-err));
	/* two fresh exporters, the same but for the entries collector */
	err = tu_exporter_start(&holders_exporter, entries_on);
	if (err)
		die("cannot start %s with entries: %s", tu_bin(), strerror(-err));
	ic->series = count_series(holders_exporter.port, "\nbpf_map_entries{");
	if (!ic->series)
		die("no bpf_map_entries series (the kernel lacks bpf_map_sum_elem_count?)");
	scrape_once(entries_exporter.port, false, &sc);
	for (int i = 0; i < NR_SCRAPES; i++) {
		scrape_once(holders_exporter.port, false, &sc);
		with[i] = sc.ms;
		with_self[i] = sc.self_s * 1000;
		scrape_once(entries_exporter.port, false, &sc);
		without[i] = sc.ms;
		without_self[i] = sc.self_s * 1000;
	}
	tu_exporter_stop(&entries_exporter, 5000, NULL, NULL);
	tu_exporter_stop(&holders_exporter, 5000, NULL, NULL);
	ic->with_self = median(with_self, NR_SCRAPES);
	ic->without_self = median(without_self, NR_SCRAPES);
	ic->with_med = median(with, NR_SCRAPES);
	ic->without_med = median(without, NR_SCRAPES);

	iters_load(&it, 1u << ITERS_ENTRIES);
	if (!iters_ready(&it, ITERS_ENTRIES))
		die("bpfme_entries: %s", it.why[ITERS_ENTRIES]);
	for (int i = 0; i < NR_ITER_RUNS; i++) {
		double t0 = tu_now_ms();

		if (iters_read(&it, ITERS_ENTRIES, sizeof(*recs), (void **)&recs, &nr, &alloc))
			die("reading bpfme_entries failed");
		reads[i] = tu_now_ms() - t0;
	}
	ic->records = nr;
	ic->part_ms = entries_part(&it);
	ic->read_med = median(reads, NR_ITER_RUNS);
	ic->read_min = minimum(reads, NR_ITER_RUNS);
	free(recs);
	iters_release(&it);
	ic->rss_with_kb = idle_rss(NULL);
	ic->rss_without_kb = idle_rss(none);
}

static pid_t node_pids[NODE_PROCS];
static size_t nr_node;
static int node_maps[NODE_HOLDERS];

/* Every helper process gone (killed, reaped), their maps closed. */
static void node_stop(void)
{
	for (size_t i = 0; i < nr_node; i++)
		kill(node_pids[i], SIGKILL);
	for (size_t i = 0; i < nr_node; i++)
		waitpid(node_pids[i], NULL, 0);
	nr_node = 0;
	for (int i = 0; i < NODE_HOLDERS; i++)
		if (node_maps[i] > 0)
			close(node_maps[i]);
	memset(node_maps, 0, sizeof(node_maps));
}

/* A helper: its fds (the first a map of ours for the holders), then it waits to be killed. */
static void node_child(int ready, uint32_t map_id)
{
	char c = 1;
	int n = 0;

	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (dup2(ready, 3) < 0 || close_range(4, ~0u, 0))
		_exit(1);
	if (map_id) {
		if (bpf_map_get_fd_by_id(map_id) < 0)
			_exit(1);
		n++;
	}
	for (; n < NODE_FDS; n++)
		if (open("/dev/null", O_RDONLY) < 0)
			_exit(1);
	if (write(3, &c, 1) != 1)
		_exit(1);
	close(3);
	for (;;)
		pause();
}

/* NODE_PROCS helpers holding NODE_FDS fds each, NODE_HOLDERS with a map. */
static void node_start(void)
{
	int ready[2];
	size_t got = 0;

	if (pipe2(ready, O_CLOEXEC))
		die("pipe: %s", strerror(errno));
	for (int i = 0; i < NODE_HOLDERS; i++) {
		char name[16];

		snprintf(name, sizeof(name), "node_%03d", i);
		node_maps[i] = tu_map_create(BPF_MAP_TYPE_HASH, name, 4, 4, 16, 0);
		if (node_maps[i] < 0)
			die("creating the node's map %d: %s", i, strerror(-node_maps[i]));
	}
	for (size_t i = 0; i < NODE_PROCS; i++) {
		struct bpf_map_info mi;
		uint32_t id = 0;
		pid_t pid;

		if (i < NODE_HOLDERS) {
			if (tu_obj_info(node_maps[i], &mi, sizeof(mi)))
				die("map info: %s", strerror(errno));
			id = mi.id;
		}
		pid = fork();
		if (pid < 0) {
			node_stop();
			die("fork (helper %zu of %d): %s", i, NODE_PROCS, strerror(errno));
		}
		if (pid == 0)
			node_child(ready[1], id);
		node_pids[nr_node++] = pid;
	}
	close(ready[1]);
	while (got < nr_node) {
		char buf[256];
		ssize_t n = read(ready[0], buf, sizeof(buf));

		if (n <= 0) {
			close(ready[0]);
			node_stop();
			die("a helper failed before it was ready (%zu of %zu)", got, nr_node);
		}
		got += (size_t)n;
	}
	close(ready[0]);
}

static int row_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(uint32_t) * 3);
}

/* (kind, id, pid) of each row of h, sorted, into out (nr_rows of them). */
static void rows_of(const struct holders *h, uint32_t (*out)[3])
{
	for (size_t i = 0; i < h->nr_rows; i++) {
		out[i][0] = h->rows[i].kind;
		out[i][1] = h->rows[i].id;
		out[i][2] = (uint32_t)h->procs[h->rows[i].proc].pid;
	}
	qsort(out, h->nr_rows, sizeof(out[0]), row_cmp);
}

/*
 * On the node-shaped table: the bare iterator read, the holders by the
 * iterator (the read, then comm and cgroup of each holder) and by the walk
 * of /proc, in this process, alternating; both must list the same rows.
 */
static void node_measure(struct iters_cost *ic)
{
	double walk[NR_ITER_RUNS], by_iter[NR_ITER_RUNS], by_proc[NR_ITER_RUNS / 2 + 1];
	struct iters_holder *recs = NULL;
	size_t nr = 0, alloc = 0;
	struct holders hi, hp;
	struct iters it;

	node_start();
	iters_load(&it, 1u << ITERS_HOLDERS);
	if (!iters_ready(&it, ITERS_HOLDERS)) {
		node_stop();
		die("bpfme_holders: %s", it.why[ITERS_HOLDERS]);
	}
	holders_init(&hi);
	holders_init(&hp);
	for (int i = 0; i < NR_ITER_RUNS; i++) {
		double t0 = tu_now_ms();
		int err = iters_read(&it, ITERS_HOLDERS, sizeof(*recs), (void **)&recs, &nr, &alloc);

		walk[i] = tu_now_ms() - t0;
		t0 = tu_now_ms();
		if (!err)
			err = iters_read(&it, ITERS_HOLDERS, sizeof(*recs), (void **)&recs, &nr, &alloc);
		if (!err)
			err = holders_take_fds(&hi, recs, nr, NULL, getpid());
		by_iter[i] = tu_now_ms() - t0;
		if (!err && i % 2 == 0) {	/* the slow one half as often */
			t0 = tu_now_ms();
			err = holders_take(&hp, NULL, getpid());
			by_proc[i / 2] = tu_now_ms() - t0;
		}
		if (err) {
			node_stop();
			die("holders on the node table: %s", strerror(-err));
		}
	}
	ic->node_bpf = nr;
	ic->node_rows = hi.nr_rows;
	ic->node_procs = hi.nr_procs;
	ic->node_fds = (size_t)NODE_PROCS * NODE_FDS;
	ic->walk_med = median(walk, NR_ITER_RUNS);
	ic->iter_med = median(by_iter, NR_ITER_RUNS);
	ic->procfs_med = median(by_proc, NR_ITER_RUNS / 2 + 1);
	/* the same rows either way (this process's own fds excepted by both) */
	ic->same = hi.nr_rows == hp.nr_rows;
	if (ic->same) {
		uint32_t (*a)[3] = calloc(hi.nr_rows + 1, sizeof(*a));
		uint32_t (*b)[3] = calloc(hp.nr_rows + 1, sizeof(*b));

		if (!a || !b)
			die("out of memory");
		rows_of(&hi, a);
		rows_of(&hp, b);
		ic->same = !memcmp(a, b, hi.nr_rows * sizeof(*a));
		free(a);
		free(b);
	}
	holders_release(&hi);
	holders_release(&hp);
	free(recs);
	iters_release(&it);
	node_stop();
}

static void print_iters(const struct iters_cost *ic, bool entries, bool node)
{
	printf("\nthe exporter's own BPF iterators (issue 17)\n");
	if (entries) {
		printf("  bpf_map_entries: %zu series; one bpfme_entries read (%zu maps) median "
		       "%.3f ms  min %.3f ms\n", ic->series, ic->records, ic->read_med, ic->read_min);
		printf("  scrape, HTTP, plain, entries on / off  median %8.2f / %8.2f ms: %+.2f ms\n",
		       ic->with_med, ic->without_med, ic->with_med - ic->without_med);
		printf("  (as the exporters time their scrapes   median %8.2f / %8.2f ms: %+.2f ms)\n",
		       ic->with_self, ic->without_self, ic->with_self - ic->without_self);
		printf("  its part of a scrape (read + render)   %5.2f ms <= %.1f ms        %s\n",
		       ic->part_ms, TARGET_ENTRIES_MS, verdict(ic->part_ms <= TARGET_ENTRIES_MS));
		printf("  idle RSS with / without the iterators  %.2f / %.2f MiB: %+.2f MiB "
		       "<= %.0f MiB %s\n", mib(ic->rss_with_kb), mib(ic->rss_without_kb),
		       mib(ic->rss_with_kb - ic->rss_without_kb), TARGET_ITERS_RSS_KB / 1024.0,
		       verdict(ic->rss_with_kb - ic->rss_without_kb <= TARGET_ITERS_RSS_KB));
	}
	if (node) {
		printf("  node table: %d processes x %d fds (%zu), %zu BPF fds; %zu holder rows of "
		       "%zu processes, both sources %s\n", NODE_PROCS, NODE_FDS, ic->node_fds,
		       ic->node_bpf, ic->node_rows, ic->node_procs,
		       ic->same ? "the same" : "DIFFERENT (FAIL)");
		printf("  bare task_file iterator read           median %8.2f ms\n", ic->walk_med);
		printf("  holders by the iterator                median %8.2f ms\n", ic->iter_med);
		printf("  holders by the walk of /proc           median %8.2f ms\n", ic->procfs_med);
		printf("  iterator holders / bare walk           %5.2fx   <= %.1fx          %s\n",
		       ic->iter_med / ic->walk_med, TARGET_HOLDERS_ITER,
		       verdict(ic->iter_med / ic->walk_med <= TARGET_HOLDERS_ITER));
		printf("  /proc walk / iterator holders          %5.1fx\n", ic->procfs_med / ic->iter_med);
	}
}

/* ---- the snapshot from BPF iterators (issue 17, item 4) ---- */

#define TARGET_SCRAPE_FLOOR	1.2	/* a scrape with holders on / the syscall floor */

struct snap_cost {
	double sys_med, sys_min, iter_med, iter_min;	/* snap_take, in process, ms */
	size_t nr_progs;			/* programs in either snapshot */
	/* the programs alone: the walk of fds, and one read of bpfme_progs */
	double progs_sys_med, progs_sys_min, progs_iter_med, progs_iter_min;
	/* the maps' walk with their info call, and without (what iter/bpf_map could spare) */
	double maps_info_min, maps_noinfo_min;
	/* HTTP scrapes with every collector at its default (holders on) */
	double scrape_iter_med, scrape_sys_med, floor_best;
};

/* The programs' part of the floor: get_next_id -> fd -> info with map ids -> fdinfo -> close. */
static double progs_walk_once(size_t *n)
{
	static __u32 map_ids[MAP_IDS_MAX];
	uint64_t sum = 0;
	double start = tu_now_ms();
	int dirfd = open("/proc/self/fdinfo", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	__u32 id;
	int err, fd;

	*n = 0;
	if (dirfd < 0)
		die("opening /proc/self/fdinfo: %s", strerror(errno));
	for (id = 0; !(err = bpf_prog_get_next_id(id, &id));) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);

		fd = bpf_prog_get_fd_by_id(id);
		if (fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		info.nr_map_ids = MAP_IDS_MAX;
		info.map_ids = (__u64)(uintptr_t)map_ids;
		if (!bpf_obj_get_info_by_fd(fd, &info, &len)) {
			sum += info.run_cnt + info.jited_prog_len;
			(*n)++;
		}
		sum += floor_memlock(dirfd, fd);
		close(fd);
	}
	if (err != -ENOENT)
		die("listing programs: %s", strerror(-err));
	close(dirfd);
	floor_sink = sum;
	return tu_now_ms() - start;
}

/* The maps' part of the floor, with or without the info call (fdinfo's memlock either way). */
static double maps_walk_once(bool info_too)
{
	uint64_t sum = 0;
	double start = tu_now_ms();
	int dirfd = open("/proc/self/fdinfo", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	__u32 id;
	int err, fd;

	if (dirfd < 0)
		die("opening /proc/self/fdinfo: %s", strerror(errno));
	for (id = 0; !(err = bpf_map_get_next_id(id, &id));) {
		fd = bpf_map_get_fd_by_id(id);
		if (fd < 0)
			continue;
		if (info_too) {
			struct bpf_map_info info;
			__u32 len = sizeof(info);

			memset(&info, 0, sizeof(info));
			if (!bpf_obj_get_info_by_fd(fd, &info, &len))
				sum += info.max_entries;
		}
		sum += floor_memlock(dirfd, fd);
		close(fd);
	}
	if (err != -ENOENT)
		die("listing maps: %s", strerror(-err));
	close(dirfd);
	floor_sink = sum;
	return tu_now_ms() - start;
}

/*
 * The snapshot with its programs from bpfme_progs against the walk of fds,
 * in this process, interleaved run by run: the whole snap_take, and the
 * programs alone; what the maps' info call costs (all an iter/bpf_map
 * program could spare, as a map's memlock still needs its fd and fdinfo);
 * then HTTP scrapes with every collector at its default (holders on) of an
 * exporter reading its programs from the iterator and of one with
 * --bpf.snapshot.source=syscall, against the single-thread syscall floor.
 */
static void snap_measure(struct snap_cost *sc)
{
	static const char *const sys_args[] = { "--bpf.snapshot.source=syscall", NULL };
	double sys[NR_ITER_RUNS], iter[NR_ITER_RUNS], psys[NR_ITER_RUNS], piter[NR_ITER_RUNS];
	double minfo[NR_STAGE], mnoinfo[NR_STAGE];
	double s_iter[NR_SCRAPES], s_sys[NR_SCRAPES], floor_ms[2 * NR_FLOOR];
	struct tu_exporter ex_iter, ex_sys;
	struct snap a, b;
	struct iters it;
	void *recs = NULL;
	size_t nr = 0, alloc = 0, n;
	struct scrape scr;
	int nf = 0, err;

	memset(sc, 0, sizeof(*sc));
	iters_load(&it, 1u << ITERS_PROGS);
	if (!iters_ready(&it, ITERS_PROGS))
		die("bpfme_progs: %s", it.why[ITERS_PROGS]);
	snap_init(&a);
	snap_init(&b);
	b.iters = &it;
	for (int i = 0; i < NR_ITER_RUNS; i++) {
		double t0 = tu_now_ms();

		if (snap_take(&a))
			die("snap_take: %s", a.error);
		sys[i] = tu_now_ms() - t0;
		t0 = tu_now_ms();
		if (snap_take(&b))
			die("snap_take: %s", b.error);
		iter[i] = tu_now_ms() - t0;
		if (!b.progs_by_iter)
			die("snap_take did not read bpfme_progs");
		psys[i] = progs_walk_once(&n);
		t0 = tu_now_ms();
		if (iters_read(&it, ITERS_PROGS, 1, &recs, &nr, &alloc))
			die("reading bpfme_progs failed");
		piter[i] = tu_now_ms() - t0;
	}
	if (a.nr_progs < objs.nr_progs || b.nr_progs != a.nr_progs || b.nr_maps != a.nr_maps ||
	    b.nr_links != a.nr_links)
		die("snapshots differ: %zu/%zu programs, %zu/%zu maps, %zu/%zu links",
		    a.nr_progs, b.nr_progs, a.nr_maps, b.nr_maps, a.nr_links, b.nr_links);
	sc->nr_progs = b.nr_progs;
	for (int i = 0; i < NR_STAGE; i++) {
		minfo[i] = maps_walk_once(true);
		mnoinfo[i] = maps_walk_once(false);
	}
	snap_release(&a);
	snap_release(&b);
	free(recs);
	iters_release(&it);
	sc->sys_med = median(sys, NR_ITER_RUNS);
	sc->sys_min = minimum(sys, NR_ITER_RUNS);
	sc->iter_med = median(iter, NR_ITER_RUNS);
	sc->iter_min = minimum(iter, NR_ITER_RUNS);
	sc->progs_sys_med = median(psys, NR_ITER_RUNS);
	sc->progs_sys_min = minimum(psys, NR_ITER_RUNS);
	sc->progs_iter_med = median(piter, NR_ITER_RUNS);
	sc->progs_iter_min = minimum(piter, NR_ITER_RUNS);
	sc->maps_info_min = minimum(minfo, NR_STAGE);
	sc->maps_noinfo_min = minimum(mnoinfo, NR_STAGE);

	err = tu_exporter_start(&ex_iter, NULL);
	if (err)
		die("cannot start %s: %s", tu_bin(), strerror(-err));
	err = tu_exporter_start(&ex_sys, sys_args);
	if (err)
		die("cannot start %s --bpf.snapshot.source=syscall: %s", tu_bin(), strerror(-err));
	scrape_once(ex_iter.port, false, &scr);	/* warm-up, not counted */
	scrape_once(ex_sys.port, false, &scr);
	for (int i = 0; i < NR_SCRAPES; i++) {
		if (nf < NR_FLOOR && i % (NR_SCRAPES / NR_FLOOR) == 0) {
			struct counts c;

			floor_ms[nf++] = floor_once(&c, true);
		}
		scrape_once(ex_iter.port, false, &scr);
		s_iter[i] = scr.ms;
		if (scr.holders.maps < objs.nr_maps)
			die("holders: %zu map holder series; this process holds %zu",
			    scr.holders.maps, objs.nr_maps);
		scrape_once(ex_sys.port, false, &scr);
		s_sys[i] = scr.ms;
	}
	while (nf < 2 * NR_FLOOR) {
		struct counts c;

		floor_ms[nf++] = floor_once(&c, true);
	}
	tu_exporter_stop(&ex_iter, 5000, NULL, NULL);
	tu_exporter_stop(&ex_sys, 5000, NULL, NULL);
	sc->scrape_iter_med = median(s_iter, NR_SCRAPES);
	sc->scrape_sys_med = median(s_sys, NR_SCRAPES);
	sc->floor_best = minimum(floor_ms, 2 * NR_FLOOR);
}

static void print_snap(const struct snap_cost *sc)
{
	printf("\nthe snapshot's programs from the bpf_prog iterator (issue 17, item 4): "
	       "%zu programs, %zu maps, %zu links loaded here\n", objs.nr_progs, objs.nr_maps,
	       objs.nr_links);
	printf("  snap_take, walk of fds                 median %8.2f ms  min %8.2f ms\n",
	       sc->sys_med, sc->sys_min);
	printf("  snap_take, programs from bpfme_progs   median %8.2f ms  min %8.2f ms\n",
	       sc->iter_med, sc->iter_min);
	printf("  snap_take, fds / iterator              %5.2fx (medians)  %5.2fx (min)\n",
	       sc->sys_med / sc->iter_med, sc->sys_min / sc->iter_min);
	printf("  the %zu programs alone: fds, info, fdinfo  median %8.2f ms  min %8.2f ms\n",
	       sc->nr_progs, sc->progs_sys_med, sc->progs_sys_min);
	printf("  the programs alone: one bpfme_progs read  median %8.2f ms  min %8.2f ms\n",
	       sc->progs_iter_med, sc->progs_iter_min);
	printf("  programs, fds / iterator               %5.1fx (medians)\n",
	       sc->progs_sys_med / sc->progs_iter_med);
	printf("  the maps' walk with / without their info call  %.2f / %.2f ms (at most %.0f%% of "
	       "it for an iter/bpf_map; memlock needs the fd)\n", sc->maps_info_min,
	       sc->maps_noinfo_min, 100.0 * (1.0 - sc->maps_noinfo_min / sc->maps_info_min));
	printf("  scrape, HTTP, plain, holders on, programs by the iterator  median %8.2f ms\n",
	       sc->scrape_iter_med);
	printf("  scrape, HTTP, plain, holders on, --bpf.snapshot.source=syscall  median %8.2f ms\n",
	       sc->scrape_sys_med);
	printf("  single-thread syscall floor            best   %8.2f ms\n", sc->floor_best);
	printf("  scrape (holders on) / floor: iterator  %5.2fx   <= %.1fx          %s\n",
	       sc->scrape_iter_med / sc->floor_best, TARGET_SCRAPE_FLOOR,
	       verdict(sc->scrape_iter_med / sc->floor_best <= TARGET_SCRAPE_FLOOR));
	printf("  (the same with the walk of fds         %5.2fx)\n",
	       sc->scrape_sys_med / sc->floor_best);
}

/* ---- serving: no client can stall the others ---- */

#define TARGET_LANDING_MS	500.0	/* the landing page under 20 scraping clients */
#define TARGET_THIRD_MS		5000.0	/* a scrape from a third address, under attack */
#define TARGET_PINNED_MIB	128.0	/* what 300 non-reading clients pin */
#define SCRAPERS		20
#define SLOW_PER_SRC		520	/* 1040 connections from two addresses */
#define SLOW_PERIOD_MS		3000	/* a header line every 3 s */
#define NON_READERS_PER_SRC	100	/* 300 from three addresses */

static const char *const attackers[] = { "127.0.0.2", "127.0.0.3", "127.0.0.4" };

/* GET from 127.0.0.1 every interval_ms for duration_ms; the slowest answer, and how many were not 200. */
static double probe(const char *path, int duration_ms, int interval_ms, int timeout_ms, double *median_ms,
		    int *not_ok, int *probes)
{
	double ms[512], worst = 0, end = tu_now_ms() + duration_ms;
	int n = 0;

	*not_ok = 0;
	while (tu_now_ms() < end && n < 512) {
		int status;

		ms[n] = lg_get(exporter.port, "127.0.0.1", path, NULL, timeout_ms, &status, NULL);
		if (ms[n] > worst)
			worst = ms[n];
		*not_ok += status != 200;
		n++;
		usleep((useconds_t)interval_ms * 1000);
	}
	*probes = n;
	*median_ms = n ? median(ms, (size_t)n) : -1;
	return worst;
}

static void serving(void)
{
	struct lg_scrapers *scrapers;
	struct lg_scrape_stats ss;
	struct lg_slowloris *slow;
	struct lg_slowloris_stats sl;
	struct lg_non_readers nr;
	double landing_max, landing_med, third_max, third_med, real_ms;
	long rss0, rss, sendq, tcp0, tcp, threads;
	size_t ok, refused, closed, sockets;
	int bad, probes, status, err;

	printf("\nserving: %zu programs, %zu maps, %zu links loaded; clients from 127.0.0.0/8\n",
	       objs.nr_progs, objs.nr_maps, objs.nr_links);

	/* 1. the landing page while 20 clients scrape back to back */
	err = lg_scrapers_start(&scrapers, exporter.port, "/metrics", SCRAPERS, 11);
	if (err)
		die("starting %d scraping clients: %s", SCRAPERS, strerror(-err));
	usleep(300 * 1000);
	landing_max = probe("/", 3000, 50, 10000, &landing_med, &bad, &probes);
	lg_scrapers_stop(scrapers, &ss);
	printf("  %d clients scraping back to back (127.0.0.11-%d, half with gzip), 3 s:\n"
	       "    landing page            median %7.2f ms  max %7.2f ms  (%d probes, %d not 200)\n"
	       "    their scrapes           %lu answered 200, %lu refused 503, %lu failed; slowest %.0f ms\n",
	       SCRAPERS, 10 + SCRAPERS, landing_med, landing_max, probes, bad, ss.ok, ss.refused, ss.failed,
	       ss.max_ms);

	/* 2. slowloris: 1040 connections from two addresses, a header line every 3 s */
	err = lg_slowloris_start(&slow, exporter.port, attackers, 2, SLOW_PER_SRC, SLOW_PERIOD_MS);
	if (err)
		die("starting the slowloris: %s", strerror(-err));
	usleep(500 * 1000);
	third_max = probe("/metrics", 6000, 500, 10000, &third_med, &bad, &probes);
	lg_slowloris_stats(slow, &sl);
	threads = lg_status_kb(exporter.pid, "Threads");
	rss = lg_rss_kb(exporter.pid);
	lg_slowloris_stop(slow);
	printf("  slowloris, %d connections from %s and %s, a header line every %d s:\n"
	       "    held by the exporter    %zu (refused at once %zu, dropped later %zu); its RSS %.2f MiB, "
	       "%ld threads\n"
	       "    scrape from 127.0.0.1   median %7.2f ms  max %7.2f ms  (%d probes, %d not 200)\n",
	       2 * SLOW_PER_SRC, attackers[0], attackers[1], SLOW_PERIOD_MS / 1000, sl.held, sl.refused,
	       sl.dropped, mib(rss), threads, third_med, third_max, probes, bad);
	usleep(500 * 1000);

	/* 3. 300 clients that never read their answer */
	rss0 = lg_rss_kb(exporter.pid);
	tcp0 = lg_tcp_mem_bytes();
	err = lg_non_readers_open(&nr, exporter.port, attackers, 3, NON_READERS_PER_SRC,
				  "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
	if (err)
		die("opening the non-reading clients: %s", strerror(-err));
	for (double end = tu_now_ms() + 15000; tu_now_ms() < end; usleep(100 * 1000)) {
		lg_non_readers_count(&nr, &ok, &refused, &closed);
		if (ok + refused + closed >= nr.nr)
			break;
	}
	usleep(500 * 1000);
	lg_non_readers_count(&nr, &ok, &refused, &closed);
	rss = lg_rss_kb(exporter.pid);
	sendq = lg_send_queue_bytes(exporter.port, &sockets);
	tcp = lg_tcp_mem_bytes();
	real_ms = lg_get(exporter.port, "127.0.0.1", "/metrics", NULL, 10000, &status, NULL);
	lg_non_readers_close(&nr);
	printf("  %zu clients never reading GET /metrics (%d from each of %s, %s, %s):\n"
	       "    answers waiting         %zu with 200, %zu with 503, %zu closed\n"
	       "    exporter RSS            %7.2f MiB (%.2f before)\n"
	       "    its send queues         %7.2f MiB (%zu sockets hold some)\n"
	       "    kernel TCP memory       %+7.2f MiB (sockstat, whole host, both ends)\n"
	       "    a real scrape           %7.2f ms, status %d\n",
	       (size_t)3 * NON_READERS_PER_SRC, NON_READERS_PER_SRC, attackers[0], attackers[1], attackers[2],
	       ok, refused, closed, mib(rss), mib(rss0), (double)sendq / 1048576.0, sockets,
	       tcp0 >= 0 && tcp >= 0 ? (double)(tcp - tcp0) / 1048576.0 : 0.0, real_ms, status);

	printf("targets (informational)\n");
	printf("  landing page under %d scrapers  max %7.2f ms  < %.0f ms        %s\n", SCRAPERS,
	       landing_max, TARGET_LANDING_MS, verdict(landing_max < TARGET_LANDING_MS));
	printf("  third address under slowloris  max %7.2f ms  < %.0f ms       %s\n", third_max,
	       TARGET_THIRD_MS, verdict(third_max < TARGET_THIRD_MS && !bad));
	printf("  300 non-readers pin (RSS + send queues)  %7.2f MiB  < %.0f MiB  %s\n",
	       mib(rss) + (double)sendq / 1048576.0, TARGET_PINNED_MIB,
	       verdict(mib(rss) + (double)sendq / 1048576.0 < TARGET_PINNED_MIB));
	printf("  a real scrape beside them      %7.2f ms  < %.0f ms       %s\n", real_ms,
	       TARGET_THIRD_MS, verdict(real_ms < TARGET_THIRD_MS && status == 200));
}

/* ---- main ---- */

/* ---- audit burst ---- */

#define BURST_PROGS 20000

/* The exporter metric() and cpu_seconds() ask: the bench's, or the audit-under-scrapes one. */
static struct tu_exporter *measured = &exporter;

/* A sample's value from the exporter's /metrics, or -1 when absent. */
static double metric(const char *name, const char *key, const char *value)
{
	struct tu_http_resp r;
	struct tu_expo e;
	const struct tu_sample *s;
	double v = -1;

	if (tu_http(measured->port, "GET", "/metrics", NULL, &r))
		die("audit burst: scrape failed");
	if (r.status != 200 || tu_expo_parse(r.body, &e))
		die("audit burst: bad scrape (status %d)", r.status);
	s = tu_expo_find(&e, name, key, value);
	if (s)
		v = strtod(s->value, NULL);
	tu_expo_free(&e);
	tu_http_free(&r);
	return v;
}

/* utime + stime in seconds of pid's threads called comm (NULL: all). */
static double cpu_seconds_of(pid_t pid, const char *comm)
{
	char path[300], buf[512];
	double ticks = 0;
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		unsigned long ut, st;
		char *p;
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/stat", (int)pid, de->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')) != NULL &&
		    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) == 2) {
			size_t clen = (size_t)(p - strchr(buf, '(') - 1);

			if (!comm || (strlen(comm) == clen && !strncmp(strchr(buf, '(') + 1, comm, clen)))
				ticks += (double)(ut + st);
		}
		fclose(f);
	}
	closedir(d);
	return ticks / (double)sysconf(_SC_CLK_TCK);
}

/* utime + stime in seconds of the exporter's thread called comm (NULL: all). */
static double cpu_seconds(const char *comm)
{
	return cpu_seconds_of(measured->pid, comm);
}

/* ---- a flood of wrong passwords ---- */

#define FLOOD_CLIENTS	16	/* from 127.0.0.21 on */
#define FLOOD_COST	10
#define FLOOD_MS	5000
#define TARGET_FLOOD_MEDIAN_MS	100.0
#define TARGET_FLOOD_MAX_MS	1000.0

/* "Authorization: Basic base64(user:password)\r\n" into out (room for 128). */
static void basic_auth(char *out, const char *user, const char *password)
{
	snprintf(out, 128, "Authorization: %s\r\n", tu_basic_auth(user, password));
}

/*
 * An exporter with basic auth (bcrypt cost 10) under 16 clients sending
 * wrong passwords back to back: the landing page and a scrape with the
 * right password (a cache hit) from 127.0.0.1 meanwhile, and the CPU the
 * exporter and its auth pool take.
 */
static void flood(void)
{
	char cfg_path[] = "/tmp/bpfme-bench-web-XXXXXX", flag[96], good[128], bad[128];
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	const char *args[] = { flag, "--no-collector.holders", NULL };
	double scrape_ms[256], landing_ms[256], cpu0, cpu1, auth0, auth1, t0, t1;
	struct crypt_data data;
	struct tu_exporter fx;
	struct lg_scrapers *fl;
	struct lg_scrape_stats st;
	const char *h;
	int n = 0, bad_probes = 0, status, fd, err;
	FILE *f;

	memset(&data, 0, sizeof(data));
	if (!crypt_gensalt_rn("$2y$", FLOOD_COST, NULL, 0, salt, sizeof(salt)) ||
	    !(h = crypt_rn("secret", salt, &data, sizeof(data))))
		die("flood: cannot make a bcrypt hash");
	fd = mkstemp(cfg_path);
	if (fd < 0 || !(f = fdopen(fd, "w")))
		die("flood: cannot write the web config");
	fprintf(f, "basic_auth_users:\n  prometheus: %s\n", h);
	fclose(f);
	snprintf(flag, sizeof(flag), "--web.config.file=%s", cfg_path);
	basic_auth(good, "prometheus", "secret");
	basic_auth(bad, "prometheus", "wrong");
	err = tu_exporter_start(&fx, args);
	unlink(cfg_path);
	if (err)
		die("flood: cannot start the exporter: %s", strerror(-err));
	lg_get(fx.port, "127.0.0.1", "/metrics", good, 10000, &status, NULL);	/* its one bcrypt */
	if (status != 200)
		die("flood: the right password is refused (%d)", status);
	err = lg_flood_start(&fl, fx.port, "/metrics", bad, FLOOD_CLIENTS, 21);
	if (err)
		die("flood: starting %d clients: %s", FLOOD_CLIENTS, strerror(-err));
	for (double end = tu_now_ms() + 10000; lg_scrapers_answered(fl) < FLOOD_CLIENTS && tu_now_ms() < end;)
		usleep(10 * 1000);
	cpu0 = cpu_seconds_of(fx.pid, NULL);
	auth0 = cpu_seconds_of(fx.pid, "bpfme-auth");
	t0 = tu_now_ms();
	while (tu_now_ms() < t0 + FLOOD_MS && n < 256) {
		scrape_ms[n] = lg_get(fx.port, "127.0.0.1", "/metrics", good, 10000, &status, NULL);
		bad_probes += status != 200;
		landing_ms[n] = lg_get(fx.port, "127.0.0.1", "/", good, 10000, &status, NULL);
		bad_probes += status != 200;
		n++;
		usleep(50 * 1000);
	}
	t1 = tu_now_ms();
	cpu1 = cpu_seconds_of(fx.pid, NULL);
	auth1 = cpu_seconds_of(fx.pid, "bpfme-auth");
	lg_scrapers_stop(fl, &st);
	tu_exporter_stop(&fx, 5000, NULL, NULL);

	printf("\nwrong-password flood: %d clients (127.0.0.21-%d), bcrypt cost %d, %.1f s; "
	       "from 127.0.0.1 with the right password:\n"
	       "    landing page            median %7.2f ms  max %7.2f ms  (%d probes)\n"
	       "    scrape (a cache hit)    median %7.2f ms  max %7.2f ms  (%d not 200 in all)\n"
	       "    the flood               %lu answered 401, %lu refused 503, %lu other; %.0f checks/s\n"
	       "    exporter CPU            %.0f %% of a core (its auth pool %.0f %%)\n",
	       FLOOD_CLIENTS, 20 + FLOOD_CLIENTS, FLOOD_COST, (t1 - t0) / 1000, median(landing_ms, (size_t)n),
	       maximum(landing_ms, (size_t)n), n, median(scrape_ms, (size_t)n), maximum(scrape_ms, (size_t)n),
	       bad_probes, st.unauthorized, st.refused, st.failed + st.ok,
	       (double)st.unauthorized / ((t1 - t0) / 1000), 100 * (cpu1 - cpu0) / ((t1 - t0) / 1000),
	       100 * (auth1 - auth0) / ((t1 - t0) / 1000));
	printf("targets (informational)\n");
	printf("  landing page under the flood   median %7.2f ms < %.0f, max %7.2f ms < %.0f  %s\n",
	       median(landing_ms, (size_t)n), TARGET_FLOOD_MEDIAN_MS, maximum(landing_ms, (size_t)n),
	       TARGET_FLOOD_MAX_MS, verdict(median(landing_ms, (size_t)n) < TARGET_FLOOD_MEDIAN_MS &&
					    maximum(landing_ms, (size_t)n) < TARGET_FLOOD_MAX_MS));
	printf("  scrape under the flood         median %7.2f ms < %.0f, max %7.2f ms < %.0f  %s\n",
	       median(scrape_ms, (size_t)n), TARGET_FLOOD_MEDIAN_MS, maximum(scrape_ms, (size_t)n),
	       TARGET_FLOOD_MAX_MS, verdict(median(scrape_ms, (size_t)n) < TARGET_FLOOD_MEDIAN_MS &&
					    maximum(scrape_ms, (size_t)n) < TARGET_FLOOD_MAX_MS &&
					    !bad_probes));
}

/*
 * One process loads and unloads BURST_PROGS programs as fast as it can;
 * the exporter must count every one and drop nothing.
 */
static void audit_burst(void)
{
	double l0, u0, d0, lost0, cpu0, all0, t0, t_load, t_done, l1 = 0, u1 = 0, cpu1, all1;
	unsigned long loaded = 0;
	int pipefd[2], status, fd;
	pid_t child;

	if (tu_audit_prepare(true)) {
		printf("audit burst: not run (cannot enable kernel audit)\n");
		return;
	}
	/* libbpf probes features with a throwaway program once: not in the count */
	fd = tu_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "bench_warm", "GPL", NULL, 0);
	if (fd >= 0)
		close(fd);
	usleep(1000 * 1000);	/* lone records wait 500 ms before they count as events */
	l0 = metric("bpf_audit_events_total", "op", "LOAD");
	u0 = metric("bpf_audit_events_total", "op", "UNLOAD");
	d0 = metric("bpf_audit_socket_drops_total", NULL, NULL);
	lost0 = metric("bpf_audit_kernel_lost_total", NULL, NULL);
	if (l0 < 0 || u0 < 0)
		die("audit burst: the exporter has no bpf_audit_events_total (audit off?)");
	cpu0 = cpu_seconds("bpfme-audit");
	all0 = cpu_seconds(NULL);

	if (pipe(pipefd))
		die("pipe: %s", strerror(errno));
	t0 = tu_now_ms();
	child = fork();
	if (child < 0)
		die("fork: %s", strerror(errno));
	if (child == 0) {
		unsigned long n = 0;

		for (int i = 0; i < BURST_PROGS; i++) {
			int p = tu_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "bench_burst", "GPL", NULL, 0);

			if (p < 0)
				continue;
			close(p);
			n++;
		}
		if (write(pipefd[1], &n, sizeof(n)) != sizeof(n))
			_exit(1);
		_exit(0);
	}
	close(pipefd[1]);
	if (read(pipefd[0], &loaded, sizeof(loaded)) != sizeof(loaded))
		loaded = 0;
	close(pipefd[0]);
	waitpid(child, &status, 0);
	t_load = tu_now_ms() - t0;

	/* the exporter catches up: every op counted, or 20 s */
	while (tu_now_ms() - t0 < t_load + 20000) {
		l1 = metric("bpf_audit_events_total", "op", "LOAD") - l0;
		u1 = metric("bpf_audit_events_total", "op", "UNLOAD") - u0;
		if (l1 >= (double)loaded && u1 >= (double)loaded)
			break;
		usleep(100 * 1000);
	}
	t_done = tu_now_ms() - t0;
	cpu1 = cpu_seconds("bpfme-audit") - cpu0;
	all1 = cpu_seconds(NULL) - all0;

	printf("\naudit burst: one process loads and unloads %d programs as fast as it can\n",
	       BURST_PROGS);
	printf("  loaded and unloaded         %lu in %.0f ms (%.0f programs/s, %.0f audit events/s)\n",
	       loaded, t_load, (double)loaded / t_load * 1e3, 2.0 * (double)loaded / t_load * 1e3);
	printf("  counted by the exporter     LOAD %.0f  UNLOAD %.0f  (all counted %.0f ms after the start)\n",
	       l1, u1, t_done);
	printf("  exporter socket drops       %.0f\n",
	       metric("bpf_audit_socket_drops_total", NULL, NULL) - d0);
	if (lost0 >= 0)
		printf("  kernel audit lost (all consumers; no auditd here)  +%.0f\n",
		       metric("bpf_audit_kernel_lost_total", NULL, NULL) - lost0);
	printf("  exporter CPU                audit thread %.2f s (%.1f us per event), "
	       "whole process %.2f s, from the start until all were counted (%.2f s)\n",
	       cpu1, cpu1 * 1e6 / (l1 + u1 > 0 ? l1 + u1 : 1), all1, t_done / 1e3);
	printf("  kernel audit backlog limit  %d (set by the bench, as auditctl -b would)\n",
	       TU_AUDIT_BACKLOG);
	printf("targets (informational)\n");
	printf("  exact count                 %s\n",
	       verdict(l1 == (double)loaded && u1 == (double)loaded));
	printf("  zero exporter-side drops    %s\n",
	       verdict(metric("bpf_audit_socket_drops_total", NULL, NULL) - d0 == 0));
	printf("  audit thread < 25%% of a core  %5.1f%% of the time until all were counted    %s\n",
	       100 * cpu1 / (t_done / 1e3), verdict(cpu1 / (t_done / 1e3) < 0.25));
}

/* ---- audit under scrapes ---- */

#define AUS_CLIENTS 20

/* One churn of BURST_PROGS loads and unloads by a child; ms it took, or die. */
static double churn(void)
{
	double t0 = tu_now_ms();
	int status;
	pid_t child = fork();

	if (child < 0)
		die("fork: %s", strerror(errno));
	if (child == 0) {
		for (int i = 0; i < BURST_PROGS; i++) {
			int p = tu_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "bench_aus", "GPL", NULL, 0);

			if (p < 0)
				_exit(1);
			close(p);
		}
		_exit(0);
	}
	if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status))
		die("audit under scrapes: the loader failed");
	return tu_now_ms() - t0;
}

struct aus_phase {
	double churn_ms, cpu_s, events, drops, lost;
	double lat_med, lat_max;		/* of a probe scraping from its own address */
	struct lg_scrape_stats st;
};

/* What a probe client saw while the child churned (or for idle_ms with churn false). */
static void aus_phase(struct aus_phase *ph, bool scrapers, bool do_churn)
{
	static double lat[100000];
	struct lg_scrapers *sc = NULL;
	double l0, u0, d0, lost0, cpu0, t0;
	size_t n = 0;
	pid_t probe_pid;
	int pfd[2];

	memset(ph, 0, sizeof(*ph));
	l0 = metric("bpf_audit_events_total", "op", "LOAD");
	u0 = metric("bpf_audit_events_total", "op", "UNLOAD");
	d0 = metric("bpf_audit_socket_drops_total", NULL, NULL);
	lost0 = metric("bpf_audit_kernel_lost_total", NULL, NULL);
	cpu0 = cpu_seconds("bpfme-audit");
	if (scrapers && lg_scrapers_start(&sc, measured->port, "/metrics", AUS_CLIENTS, 100))
		die("audit under scrapes: cannot start the scrapers");
	/* a probe from 127.0.0.99 scrapes back to back in a child, for as long as the phase */
	if (pipe(pfd))
		die("pipe: %s", strerror(errno));
	probe_pid = fork();
	if (probe_pid == 0) {
		close(pfd[0]);
		for (;;) {
			int status;
			double ms = lg_get(measured->port, "127.0.0.99", "/metrics", NULL, 30000, &status, NULL);

			if (status == 200 && write(pfd[1], &ms, sizeof(ms)) != sizeof(ms))
				_exit(0);
		}
	}
	close(pfd[1]);
	t0 = tu_now_ms();
	if (do_churn) {
		ph->churn_ms = churn();
	} else {
		usleep(2000 * 1000);
		ph->churn_ms = tu_now_ms() - t0;
	}
	kill(probe_pid, SIGKILL);
	waitpid(probe_pid, NULL, 0);
	while (n < sizeof(lat) / sizeof(lat[0]) && read(pfd[0], &lat[n], sizeof(lat[n])) == sizeof(lat[n]))
		n++;
	close(pfd[0]);
	if (sc)
		lg_scrapers_stop(sc, &ph->st);
	if (do_churn) {
		/* every op counted, or 20 s */
		while (tu_now_ms() - t0 < ph->churn_ms + 20000 &&
		       (metric("bpf_audit_events_total", "op", "LOAD") - l0 < BURST_PROGS ||
			metric("bpf_audit_events_total", "op", "UNLOAD") - u0 < BURST_PROGS))
			usleep(100 * 1000);
	}
	ph->events = metric("bpf_audit_events_total", "op", "LOAD") - l0 +
		     metric("bpf_audit_events_total", "op", "UNLOAD") - u0;
	ph->cpu_s = cpu_seconds("bpfme-audit") - cpu0;
	ph->drops = metric("bpf_audit_socket_drops_total", NULL, NULL) - d0;
	ph->lost = lost0 >= 0 ? metric("bpf_audit_kernel_lost_total", NULL, NULL) - lost0 : -1;
	if (n) {
		ph->lat_max = lat[0];
		for (size_t i = 1; i < n; i++)
			if (lat[i] > ph->lat_max)
				ph->lat_max = lat[i];
		ph->lat_med = median(lat, n);
	}
}

/*
 * The audit side while 20 clients scrape with every collector on (issue
 * 16): an exporter of its own with --collector.btf and --collector.pins
 * (holders on), the bench's objects loaded; BURST_PROGS loads and unloads
 * alone, then under the scrapes.  Cost per event of the audit thread,
 * drops, and a probe's scrape latency idle and during the churn.
 */
static void audit_under_scrapes(void)
{
	static const char *const all_on[] = { "--collector.btf", "--collector.pins",
					      "--events.capacity=100000", NULL };
	struct tu_exporter ex;
	struct aus_phase idle, alone, loaded;
	int fd;

	if (tu_audit_prepare(true)) {
		printf("audit under scrapes: not run (cannot enable kernel audit)\n");
		return;
	}
	if (tu_exporter_start(&ex, all_on))
		die("audit under scrapes: cannot start %s", tu_bin());
	measured = &ex;
	fd = tu_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "bench_warm", "GPL", NULL, 0);
	if (fd >= 0)
		close(fd);
	usleep(1000 * 1000);	/* lone records wait 500 ms before they count as events */
	aus_phase(&idle, true, false);
	aus_phase(&alone, false, true);
	aus_phase(&loaded, true, true);
	measured = &exporter;
	tu_exporter_stop(&ex, 5000, NULL, NULL);

	printf("\naudit under scrapes: %d loads and unloads as fast as one process can, every collector on, "
	       "%d clients scraping back to back (a probe from its own address times scrapes)\n",
	       BURST_PROGS, AUS_CLIENTS);
	printf("                              alone              under %d scrapers\n", AUS_CLIENTS);
	printf("  churn took                  %7.0f ms          %7.0f ms\n", alone.churn_ms, loaded.churn_ms);
	printf("  events counted              %7.0f             %7.0f       (of %d)\n", alone.events,
	       loaded.events, 2 * BURST_PROGS);
	printf("  audit thread CPU per event  %7.2f us          %7.2f us       ratio %.2f\n",
	       alone.cpu_s * 1e6 / (alone.events > 0 ? alone.events : 1),
	       loaded.cpu_s * 1e6 / (loaded.events > 0 ? loaded.events : 1),
	       (loaded.cpu_s / (loaded.events > 0 ? loaded.events : 1)) /
	       (alone.cpu_s > 0 ? alone.cpu_s / (alone.events > 0 ? alone.events : 1) : 1));
	printf("  socket drops                %7.0f             %7.0f\n", alone.drops, loaded.drops);
	printf("  kernel lost                 %7.0f             %7.0f\n", alone.lost, loaded.lost);
	printf("  scrapes by the %d clients                      %lu ok, %lu refused, %lu failed, slowest %.0f ms\n",
	       AUS_CLIENTS, loaded.st.ok, loaded.st.refused, loaded.st.failed, loaded.st.max_ms);
	printf("  probe scrape, scrapers on   idle: median %.1f ms, max %.0f ms; during the churn: "
	       "median %.1f ms, max %.0f ms (ratio of medians %.2f)\n",
	       idle.lat_med, idle.lat_max, loaded.lat_med, loaded.lat_max,
	       idle.lat_med > 0 ? loaded.lat_med / idle.lat_med : 0);
	printf("targets (informational)\n");
	printf("  exact counts under scrapes  %s\n", verdict(loaded.events == 2.0 * BURST_PROGS));
	printf("  zero drops, zero lost       %s\n", verdict(loaded.drops == 0 && loaded.lost <= 0));
}

int main(void)
{
	char load_start[128], load_end[128];
	struct result half, full;
	struct holders_cost hc;
	double bt[NR_BPFTOOL], bpftool_med = -1, bpftool_best = -1, t0;
	long idle_kb, idle_anon_kb, idle_file_kb, idle_after_kb, after_anon_kb;
	int nb = 0, err;
	const char *part = getenv("BPFME_BENCH");
	bool serving_only = part && !strcmp(part, "serving");
	bool holders_only = part && !strcmp(part, "holders");
	bool collectors_only = part && !strcmp(part, "collectors");
	bool audit_only = part && !strcmp(part, "audit");
	bool flood_only = part && !strcmp(part, "flood");
	bool iters_only = part && !strcmp(part, "iters");
	bool snap_only = part && !strcmp(part, "snap");
	struct iters_cost ic;
	struct snap_cost snc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGALRM, on_alarm);
	alarm(TIME_LIMIT_S);
	if (geteuid() != 0)
		die("needs root (CAP_SYS_ADMIN) to load BPF objects");
	loadavg(load_start, sizeof(load_start));
	/* our objects, the floor's transient fds, and the exporter inherits it */
	tu_raise_nofile(16384);
	/* with audit on, the boot default queue of 64 would throttle the loading below */
	if (tu_audit_prepare(false))
		fprintf(stderr, "bench: cannot set the audit backlog limit (not root?)\n");

	{
		static const char *const no_holders[] = { "--no-collector.holders", NULL };

		err = tu_exporter_start(&exporter, no_holders);
	}
	if (err) {
		char *log = exporter.log_path[0] ? tu_exporter_log(&exporter) : NULL;

		if (exporter.log_path[0])
			unlink(exporter.log_path);
		die("cannot start %s: %s%s%s", tu_bin(),
		    err == -ECHILD ? "it exited at once" : strerror(-err),
		    log && *log ? "; its log:\n" : "", log ? log : "");
	}
	usleep(200 * 1000);	/* let it settle; no scrape yet */
	if (holders_only) {
		load_maps(NR_MAPS);
		load_progs(NR_PROGS);
		load_links(NR_LINKS);
		holders_measure(&hc);
		print_holders(&hc);
		alarm(0);
		release_all();
		return 0;
	}
	if (serving_only) {
		load_maps(NR_MAPS);
		load_progs(NR_PROGS);
		load_links(NR_LINKS);
		serving();
		alarm(0);
		release_all();
		return 0;
	}
	if (audit_only) {
		load_maps(NR_MAPS);
		load_progs(NR_PROGS);
		load_links(NR_LINKS);
		audit_under_scrapes();
		alarm(0);
		release_all();
		return 0;
	}
	if (flood_only) {
		load_maps(NR_MAPS);
		load_progs(NR_PROGS);
		load_links(NR_LINKS);
		flood();
		alarm(0);
		release_all();
		return 0;
	}
	if (iters_only) {
		memset(&ic, 0, sizeof(ic));
		load_maps(NR_MAPS);
		load_progs(NR_PROGS);
		load_links(NR_LINKS);
		entries_measure(&ic);
		release_all();
		node_measure(&ic);
		print_iters(&ic, true, true);
		alarm(0);
		return 0;
	}
	if (snap_only) {
		load_maps(NR_MAPS);
		load_progs(NR_PROGS);
		load_links(NR_LINKS);
		snap_measure(&snc);
		print_snap(&snc);
		alarm(0);
		release_all();
		return 0;
	}
	if (collectors_only) {
		load_maps(NR_MAPS);
		load_progs(NR_PROGS);
		load_links(NR_LINKS);
		collectors();
		alarm(0);
		release_all();
		return 0;
	}
	idle_kb = lg_status_kb(exporter.pid, "VmRSS");
	idle_anon_kb = lg_status_kb(exporter.pid, "RssAnon");
	idle_file_kb = lg_status_kb(exporter.pid, "RssFile");
	if (idle_kb < 0)
		die("cannot read /proc/%d/status", (int)exporter.pid);

	printf("bench: loading %d programs, %d maps, %d links (half first)...\n",
	       NR_PROGS / 2, NR_MAPS / 2, NR_LINKS / 2);
	t0 = tu_now_ms();
	load_maps(NR_MAPS / 2);
	load_progs(NR_PROGS / 2);
	load_links(NR_LINKS / 2);
	printf("bench: loaded in %.0f ms; measuring\n", tu_now_ms() - t0);
	measure(exporter.port, &half);

	printf("bench: loading the rest...\n");
	t0 = tu_now_ms();
	load_maps(NR_MAPS);
	load_progs(NR_PROGS);
	load_links(NR_LINKS);
	printf("bench: loaded in %.0f ms; measuring\n", tu_now_ms() - t0);
	measure(exporter.port, &full);
	printf("bench: scrapes with and without holders...\n");
	holders_measure(&hc);
	printf("bench: scrapes with and without bpf_map_entries...\n");
	memset(&ic, 0, sizeof(ic));
	entries_measure(&ic);
	printf("bench: the snapshot's programs from the iterator and from their fds...\n");
	snap_measure(&snc);

	for (int i = 0; i < NR_BPFTOOL; i++) {
		double ms = bpftool_once();

		if (ms < 0)
			break;
		bt[nb++] = ms;
	}
	if (nb) {
		bpftool_best = minimum(bt, (size_t)nb);
		bpftool_med = median(bt, (size_t)nb);
	}

	usleep(200 * 1000);
	idle_after_kb = lg_status_kb(exporter.pid, "VmRSS");
	after_anon_kb = lg_status_kb(exporter.pid, "RssAnon");
	loadavg(load_end, sizeof(load_end));

	{
		double ratio = full.scrape_med / full.floor_best;
		double ratio_gz = full.gzip_med / full.floor_best;
		double per_half = half.scrape_med / (double)counts_total(&half.seen);
		double per_full = full.scrape_med / (double)counts_total(&full.seen);
		double lin = per_full / per_half;
		double flin = (full.floor_best / (double)counts_total(&full.seen)) /
			      (half.floor_best / (double)counts_total(&half.seen));

		printf("\n==== bpf-metrics-exporter bench ====\n");
		printf("machine: %ld CPUs online; loadavg at start %s, at end %s\n",
		       sysconf(_SC_NPROCESSORS_ONLN), load_start, load_end);
		if (audit_enabled >= 0)
			printf("kernel audit: %s (the exporter's audit thread %s the BPF LOAD/UNLOAD "
			       "events this bench causes)\n", audit_enabled ? "enabled" : "disabled",
			       audit_enabled ? "receives" : "gets none of");
		printf("scrapes: %d per size and encoding after one warm-up, medians; "
		       "floor: best of %d (%d between scrapes, %d back to back)\n\n",
		       NR_SCRAPES, 2 * NR_FLOOR, NR_FLOOR, NR_FLOOR);
		print_result("half size", &half);
		printf("\n");
		print_result("full size", &full);
		printf("\n");
		if (nb)
			printf("bpftool prog+map+link show -j:  median %.2f ms  best %.2f ms (%d runs)\n",
			       bpftool_med, bpftool_best, nb);
		else
			printf("bpftool prog+map+link show -j:  not measured (bpftool missing or failed)\n");
		printf("exporter RSS: idle at start %.2f MiB (anonymous %.2f, files %.2f), "
		       "idle after the scrapes %.2f MiB (anonymous %.2f), peak (VmHWM) %.2f MiB\n\n",
		       mib(idle_kb), mib(idle_anon_kb), mib(idle_file_kb), mib(idle_after_kb),
		       mib(after_anon_kb), mib(full.hwm_kb));

		printf("targets (informational)\n");
		printf("  scrape median / floor best      %5.2fx   <= %.1fx          %s\n",
		       ratio, TARGET_RATIO, verdict(ratio <= TARGET_RATIO));
		printf("  (gzip scrape median / floor     %5.2fx)\n", ratio_gz);
		if (nb)
			printf("  scrape median / bpftool median  %5.2fx   (bpftool %.1fx the scrape)\n",
			       full.scrape_med / bpftool_med, bpftool_med / full.scrape_med);
		printf("  RSS idle at start               %5.2f MiB <= %d MiB         %s\n",
		       mib(idle_kb), TARGET_IDLE_KB / 1024, verdict(idle_kb <= TARGET_IDLE_KB));
		printf("  RSS peak                        %5.2f MiB <= %d MiB        %s\n",
		       mib(full.hwm_kb), TARGET_PEAK_KB / 1024,
		       verdict(full.hwm_kb <= TARGET_PEAK_KB));
		printf("  scrape per object, full / half  %5.2f     %.2f..%.2f       %s\n",
		       lin, LINEAR_LO, LINEAR_HI, verdict(lin >= LINEAR_LO && lin <= LINEAR_HI));
		printf("  (floor per object, full / half  %5.2f)\n", flin);
		print_holders(&hc);
		print_snap(&snc);
	}
	serving();
	flood();
	collectors();
	audit_burst();
	audit_under_scrapes();

	release_all();
	printf("bench: the node-shaped process table...\n");
	alarm(TIME_LIMIT_S);
	node_measure(&ic);
	print_iters(&ic, true, true);
	alarm(0);
	free(rbuf.p);
	return 0;
}
