// SPDX-License-Identifier: Apache-2.0
/*
 * check_collector - unit tests for the metric catalogue: a snapshot built
 * by hand (programs with and without maps, a 16-byte name, an unknown
 * program type; maps of several types incl. an unknown one; links) is
 * rendered by coll_write() in both formats and compared byte for byte with
 * the golden files tests/data/collector.om and tests/data/collector.txt,
 * which are the contract for names, types, HELP, units and label sets.
 *
 * The audit families (bpf_audit_*, absent from the golden files, which
 * render without an event ring as with --no-audit) are checked against
 * exact text from a hand-filled ring.
 *
 * The golden files hold "@LIBBPF_VERSION@" where the exposition has the
 * version of the libbpf the tests run with.  BPFME_UPDATE_GOLDEN=1 rewrites
 * them from the current output (review the diff before committing it);
 * BPFME_TEST_DATA overrides the data directory (default tests/data).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "lib/buf.h"
#include "proc/cgroupid.h"
#include "collectors.h"
#include "metrics/http_stats.h"
#include "metrics/coll.h"
#include "lib/monotime.h"
#include "metrics/om.h"
#include "bpf/snap.h"
#include "suites.h"

#define NS 1000000000ULL
#define T_2026 1795579927ULL	/* 2026-11-25T04:12:07Z */
#define BOOTED_AT (T_2026 - 1000)	/* the recorded machine's boot, wall clock */
#define LIBBPF_PLACEHOLDER "@LIBBPF_VERSION@"

static uint32_t map_ids[] = { 12, 13, 13 };

static struct snap_prog progs[] = {
	{	/* two maps; loaded 1000.123456789 s after boot = T_2026 */
		.id = 7, .type = BPF_PROG_TYPE_SOCKET_FILTER, .name = "sock_counter",
		.tag = { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef },
		.gpl_compatible = 1, .nr_map_ids = 2, .map_ids_off = 0,
		.load_time_ns = 1000 * NS + 123456789, .jited_len = 512, .xlated_len = 800,
		.memlock = 4096, .verified_insns = 100,
		.run_cnt = 123456, .run_time_ns = 1500000001, .recursion_misses = 0,
	},
	{	/* no maps, a name of all 16 bytes, not GPL, no JIT */
		.id = 42, .type = BPF_PROG_TYPE_XDP, .name = "xdp_prog_name_16",
		.tag = { 0xde, 0xad, 0xbe, 0xef, 0x00, 0x11, 0x22, 0x33 },
		.gpl_compatible = 0, .nr_map_ids = 0, .map_ids_off = 2,
		.load_time_ns = 2000 * NS, .jited_len = 0, .xlated_len = 64,
		.memlock = 0, .verified_insns = 8,
		.run_cnt = 18446744073709551615ull, .run_time_ns = 18446744073709551615ull,
		.recursion_misses = 3,
	},
	{	/* a program type libbpf does not know, no name, loaded at boot */
		.id = 99, .type = 999, .name = "",
		.gpl_compatible = 1, .nr_map_ids = 1, .map_ids_off = 2,
		.load_time_ns = 0, .jited_len = 4294967295u, .xlated_len = 16,
		.memlock = 18446744073709551615ull, .verified_insns = 1000000,
	},
};

static struct snap_map maps[] = {
	{ .id = 12, .type = BPF_MAP_TYPE_HASH, .name = "counts", .key_size = 4,
	  .value_size = 8, .max_entries = 1024, .flags = 0, .memlock = 8192 },
	{ .id = 13, .type = BPF_MAP_TYPE_ARRAY, .name = "sock_cou.rodata", .key_size = 4,
	  .value_size = 64, .max_entries = 1, .flags = BPF_F_RDONLY_PROG, .memlock = 4096 },
	{ .id = 14, .type = BPF_MAP_TYPE_RINGBUF, .name = "events", .key_size = 0,
	  .value_size = 0, .max_entries = 262144, .flags = 0, .memlock = 266240 },
	{ .id = 15, .type = 999, .name = "mystery", .key_size = 8,
	  .value_size = 16, .max_entries = 32, .flags = 1, .memlock = 0 },
};

/* The links' targets, back to back as snap_take() keeps them. */
static const char link_strs[] = "\0sched_switch\0lo\0tcp_v4_connect\0/a \"b\"\\c";

static struct snap_link links[] = {
	{ .id = 3, .type = BPF_LINK_TYPE_RAW_TRACEPOINT, .prog_id = 99, .target_off = 1 },
	{ .id = 4, .type = BPF_LINK_TYPE_XDP, .prog_id = 42, .target_off = 14 },
	{ .id = 5, .type = 999, .prog_id = 7 },
	/* tcx_ingress (46): an attach type this libbpf may not name */
	{ .id = 6, .type = 11, .prog_id = 42, .attach_type = 46, .has_attach_type = true,
	  .target_off = 14 },
	{ .id = 8, .type = BPF_LINK_TYPE_TRACING, .prog_id = 99, .attach_type = BPF_TRACE_FENTRY,
	  .has_attach_type = true, .target_off = 17 },
	/* a cgroup path with a quote and a backslash, escaped in the label */
	{ .id = 9, .type = BPF_LINK_TYPE_CGROUP, .prog_id = 7, .attach_type = BPF_CGROUP_INET_INGRESS,
	  .has_attach_type = true, .target_off = 32 },
};

static struct snap_btf btfs[] = {
	{ .id = 1, .size = 5515852, .kernel = 1, .name = "vmlinux" },
	{ .id = 2, .size = 1234, .kernel = 1, .name = "nf_tables" },
	{ .id = 57, .size = 608, .kernel = 0, .name = "" },
};

/* A map pinned twice, a program, a link, a path with a quote and a backslash. */
static char pin_paths[] = "/sys/fs/bpf/counts\0/sys/fs/bpf/tc/globals/counts\0/sys/fs/bpf/prog_7\0"
			  "/run/x\"y\\z/link\0";
static struct snap_pin pins[] = {
	{ .kind = SNAP_MAP, .id = 12, .path_off = 0 },
	{ .kind = SNAP_MAP, .id = 12, .path_off = 19 },
	{ .kind = SNAP_PROG, .id = 7, .path_off = 49 },
	{ .kind = SNAP_LINK, .id = 3, .path_off = 68 },
};

/* The recorded snapshot; it points at the static arrays and owns nothing. */
static void recorded_snap(struct snap *s)
{
	snap_init(s);
	s->progs = progs;
	s->nr_progs = s->alloc_progs = sizeof(progs) / sizeof(progs[0]);
	s->maps = maps;
	s->nr_maps = s->alloc_maps = sizeof(maps) / sizeof(maps[0]);
	s->links = links;
	s->nr_links = s->alloc_links = sizeof(links) / sizeof(links[0]);
	s->strs.buf = (char *)link_strs;
	s->strs.len = sizeof(link_strs);
	s->map_ids = map_ids;
	s->nr_map_ids = s->alloc_map_ids = sizeof(map_ids) / sizeof(map_ids[0]);
	s->boot_to_wall_ns = (int64_t)(BOOTED_AT * NS);
	s->btfs = btfs;
	s->nr_btfs = s->alloc_btfs = sizeof(btfs) / sizeof(btfs[0]);
	s->pins = pins;
	s->nr_pins = s->alloc_pins = sizeof(pins) / sizeof(pins[0]);
	s->pin_paths = pin_paths;
	s->pin_paths_len = s->alloc_pin_paths = sizeof(pin_paths);
}

static const char *data_dir(void);

static void answered(struct http_stats *st, enum http_stats_handler h, unsigned int code)
{
	http_stats_begin(st);
	http_stats_end(st, h, code);
}

/* Requests as a server would have counted them. */
static struct http_stats recorded_requests(void)
{
	struct http_stats st;

	memset(&st, 0, sizeof(st));
	for (int i = 0; i < 7; i++)
		answered(&st, HTTP_STATS_METRICS, 200);
	answered(&st, HTTP_STATS_METRICS, 400);
	answered(&st, HTTP_STATS_LANDING, 200);
	answered(&st, HTTP_STATS_OTHER, 404);
	answered(&st, HTTP_STATS_OTHER, 404);
	answered(&st, HTTP_STATS_OTHER, 414);
	/* what no handler answered, or answered out of range, is not counted */
	answered(&st, HTTP_STATS_EVENTS, 0);
	answered(&st, HTTP_STATS_EVENTS, 600);
	answered(&st, HTTP_STATS_EVENTS, 99);
	http_stats_begin(&st);	/* this scrape */
	return st;
}

static void recorded_collector(struct collector *c)
{
	static char proc_dir[512], holders_proc[512];
	static struct http_stats requests;

	coll_init(c, "1.2.3-test", &collectors_table);
	snprintf(proc_dir, sizeof(proc_dir), "%s/proc", data_dir());
	c->proc_dir = proc_dir;		/* process_* from recorded files */
	/* the holders from a recorded /proc (see check_holders.c); 300 is "the exporter" */
	snprintf(holders_proc, sizeof(holders_proc), "%s/holders/proc", data_dir());
	c->holders_proc = holders_proc;
	c->holders_self = 300;
	c->proc_boot_to_wall_ns = (int64_t)(BOOTED_AT * NS);
	requests = recorded_requests();
	c->http_stats = &requests;
	c->scrapes = 5;
	c->scrape_errors = 1;
	c->vanished[SNAP_PROG] = 2;
	c->vanished[SNAP_LINK] = 3;
	c->failed[SNAP_MAP] = 1;
	/* every collector on: btf and pins too (off by default) */
	coll_set_on(c, coll_find(c, "btf"), true);
	coll_set_on(c, coll_find(c, "pins"), true);
	c->stats_sysctl = "/dev/null";	/* no value: bpf_stats_enabled 0, unless an fd is held */
	c->stats_fd_held = true;
}

static void render(enum om_format fmt, struct buf *out)
{
	struct collector c;
	struct om_writer w;
	struct snap s;

	recorded_snap(&s);
	recorded_collector(&c);
	om_writer_init(&w, out, fmt);
	coll_write(&c, &s, &w, 0.0125);
	ck_assert(!out->oom);
}

static const char *data_dir(void)
{
	const char *d = getenv("BPFME_TEST_DATA");

	return d && *d ? d : "tests/data";
}

static int read_file(const char *path, struct buf *out)
{
	char chunk[4096];
	size_t n;
	FILE *f = fopen(path, "r");

	if (!f)
		return -errno;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(out, chunk, n);
	fclose(f);
	return 0;
}

/* Replace every from with to in b. */
static void replace_all(struct buf *b, const char *from, const char *to)
{
	struct buf r = BUF_INIT;
	const char *p = b->buf, *hit;

	while ((hit = strstr(p, from)) != NULL) {
		buf_add(&r, p, (size_t)(hit - p));
		buf_addstr(&r, to);
		p = hit + strlen(from);
	}
	buf_addstr(&r, p);
	buf_release(b);
	*b = r;
}

static void libbpf_version(char *v, size_t len)
{
	snprintf(v, len, "%u.%u", libbpf_major_version(), libbpf_minor_version());
}

/* Line number and text of the first difference, for a readable failure. */
static void first_difference(const char *got, const char *want, char *msg, size_t len)
{
	int line = 1;
	const char *gl = got, *wl = want;

	while (*got && *got == *want) {
		if (*got == '\n') {
			line++;
			gl = got + 1;
			wl = want + 1;
		}
		got++;
		want++;
	}
	snprintf(msg, len, "line %d:\n  got:  %.*s\n  want: %.*s", line,
		 (int)strcspn(gl, "\n"), gl, (int)strcspn(wl, "\n"), wl);
}

static void compare_golden(enum om_format fmt, const char *file)
{
	struct buf got = BUF_INIT, want = BUF_INIT;
	char path[512], version[32], label[64], msg[1024];

	render(fmt, &got);
	libbpf_version(version, sizeof(version));
	snprintf(path, sizeof(path), "%s/%s", data_dir(), file);

	if (getenv("BPFME_UPDATE_GOLDEN")) {
		struct buf gold = BUF_INIT;
		FILE *f;

		buf_add(&gold, got.buf, got.len);
		snprintf(label, sizeof(label), "libbpf_version=\"%s\"", version);
		replace_all(&gold, label, "libbpf_version=\"" LIBBPF_PLACEHOLDER "\"");
		f = fopen(path, "w");
		ck_assert_msg(f, "cannot write %s", path);
		ck_assert_uint_eq(fwrite(gold.buf, 1, gold.len, f), gold.len);
		ck_assert_int_eq(fclose(f), 0);
		buf_release(&gold);
	}

	ck_assert_msg(read_file(path, &want) == 0, "cannot read %s (run from the source tree "
		      "or set BPFME_TEST_DATA)", path);
	replace_all(&want, LIBBPF_PLACEHOLDER, version);
	if (got.len != want.len || memcmp(got.buf, want.buf, got.len)) {
		first_difference(got.buf, want.buf, msg, sizeof(msg));
		ck_abort_msg("output differs from %s at %s", path, msg);
	}
	buf_release(&got);
	buf_release(&want);
}

START_TEST(test_golden_openmetrics)
{
	compare_golden(OM_FMT_OPENMETRICS, "collector.om");
}
END_TEST

START_TEST(test_golden_text)
{
	compare_golden(OM_FMT_TEXT, "collector.txt");
}
END_TEST

/* Checks that hold whatever the golden files say: the spec's own words. */
START_TEST(test_spec_openmetrics)
{
	struct buf b = BUF_INIT;

	render(OM_FMT_OPENMETRICS, &b);
	ck_assert_ptr_nonnull(strstr(b.buf,
		"bpf_program_info{id=\"7\",name=\"sock_counter\",type=\"socket_filter\","
		"tag=\"0123456789abcdef\",gpl_compatible=\"true\",map_ids=\"12,13\","
		"load_time=\"2026-11-25T04:12:07Z\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(b.buf,
		"bpf_program_info{id=\"42\",name=\"xdp_prog_name_16\",type=\"xdp\","
		"tag=\"deadbeef00112233\",gpl_compatible=\"false\",map_ids=\"\","
		"load_time=\"2026-11-25T04:28:47Z\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(b.buf,
		"bpf_program_info{id=\"99\",name=\"\",type=\"999\",tag=\"0000000000000000\","
		"gpl_compatible=\"true\",map_ids=\"13\",load_time=\"2026-11-25T03:55:27Z\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(b.buf,
		"bpf_map_info{id=\"13\",name=\"sock_cou.rodata\",type=\"2\",type_name=\"array\","
		"key_size=\"4\",value_size=\"64\",max_entries=\"1\",flags=\"128\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(b.buf,
		"bpf_map_info{id=\"15\",name=\"mystery\",type=\"999\",type_name=\"999\","));
	ck_assert_ptr_nonnull(strstr(b.buf,
		"bpf_link_info{id=\"3\",prog_id=\"99\",type=\"1\",type_name=\"raw_tracepoint\","
		"attach_type=\"\",target=\"sched_switch\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(b.buf,
		"bpf_link_info{id=\"9\",prog_id=\"7\",type=\"3\",type_name=\"cgroup\","
		"attach_type=\"cgroup_inet_ingress\",target=\"/a \\\"b\\\"\\\\c\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(b.buf,
		"bpf_link_info{id=\"5\",prog_id=\"7\",type=\"999\",type_name=\"999\","
		"attach_type=\"\",target=\"\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(b.buf, "# TYPE bpf_program_load_time gauge\n"));
	ck_assert_ptr_nonnull(strstr(b.buf,
		"bpf_program_load_time{id=\"7\",name=\"sock_counter\",type=\"socket_filter\"} 1795579927\n"));
	ck_assert_ptr_nonnull(strstr(b.buf, "# TYPE bpf_program_size_jitted_bytes counter\n"
					    "# UNIT bpf_program_size_jitted_bytes bytes\n"));
	ck_assert_ptr_nonnull(strstr(b.buf,
		"bpf_program_size_jitted_bytes_total{id=\"7\",name=\"sock_counter\",type=\"socket_filter\"} 512\n"));
	ck_assert_ptr_nonnull(strstr(b.buf,
		"bpf_program_verified_instructions_total{id=\"99\",name=\"\",type=\"999\"} 1000000\n"));
	ck_assert_ptr_nonnull(strstr(b.buf, "# TYPE bpf_map_max_entries counter\n"));
	ck_assert_ptr_nonnull(strstr(b.buf,
		"bpf_map_max_entries_total{id=\"14\",name=\"events\",type=\"27\",type_name=\"ringbuf\"} 262144\n"));
	ck_assert_ptr_nonnull(strstr(b.buf,
		"bpf_exporter_build_info{version=\"1.2.3-test\",libbpf_version=\""));
	ck_assert_ptr_nonnull(strstr(b.buf, "bpf_exporter_scrape_duration_seconds 0.0125\n"));
	ck_assert_ptr_nonnull(strstr(b.buf, "bpf_exporter_scrapes_total 5\n"));
	ck_assert_ptr_nonnull(strstr(b.buf,
		"bpf_exporter_skipped_objects_total{kind=\"link\",reason=\"vanished\"} 3\n"));
	ck_assert_ptr_nonnull(strstr(b.buf,
		"bpf_exporter_skipped_objects_total{kind=\"map\",reason=\"error\"} 1\n"));
	/* ends with exactly one # EOF, and it is the last line */
	ck_assert_uint_ge(b.len, 6);
	ck_assert_str_eq(b.buf + b.len - 6, "# EOF\n");
	ck_assert_ptr_eq(strstr(b.buf, "# EOF"), b.buf + b.len - 6);
	buf_release(&b);
}
END_TEST

START_TEST(test_spec_text)
{
	struct buf b = BUF_INIT;

	render(OM_FMT_TEXT, &b);
	ck_assert_ptr_nonnull(strstr(b.buf, "# TYPE bpf_program_size_jitted_bytes_total counter\n"));
	ck_assert_ptr_nonnull(strstr(b.buf, "# TYPE bpf_map_key_size_total counter\n"));
	ck_assert_ptr_nonnull(strstr(b.buf, "# TYPE bpf_program_info gauge\n"));
	ck_assert_ptr_null(strstr(b.buf, "# UNIT"));
	ck_assert_ptr_null(strstr(b.buf, "# EOF"));
	ck_assert_int_eq(b.buf[b.len - 1], '\n');
	buf_release(&b);
}
END_TEST

/* Every line is a comment or a sample of a family announced before it. */
START_TEST(test_families_precede_samples)
{
	struct buf b = BUF_INIT;
	char family[128] = "";
	const char *line;

	render(OM_FMT_OPENMETRICS, &b);
	for (line = b.buf; *line; line = strchr(line, '\n') + 1) {
		size_t len = strcspn(line, "{ ");

		if (!strncmp(line, "# TYPE ", 7)) {
			snprintf(family, sizeof(family), "%.*s", (int)strcspn(line + 7, " "), line + 7);
			continue;
		}
		if (line[0] == '#')
			continue;
		ck_assert_msg(family[0] && !strncmp(line, family, strlen(family)) &&
			      (len == strlen(family) ||
			       (len == strlen(family) + 6 && !strncmp(line + strlen(family), "_total", 6))),
			      "sample outside its family (%s): %.*s", family,
			      (int)strcspn(line, "\n"), line);
	}
	buf_release(&b);
}
END_TEST

/* An empty snapshot still yields every header and the exporter's own metrics. */
START_TEST(test_empty_snapshot)
{
	struct collector c;
	struct om_writer w;
	struct buf b = BUF_INIT;
	struct snap s;

	snap_init(&s);
	coll_init(&c, "v", &collectors_table);
	om_writer_init(&w, &b, OM_FMT_OPENMETRICS);
	coll_write(&c, &s, &w, 0);
	ck_assert_ptr_nonnull(strstr(b.buf, "# HELP bpf_program_info "));
	ck_assert_ptr_nonnull(strstr(b.buf, "# TYPE bpf_program_info gauge\n"));
	ck_assert_ptr_null(strstr(b.buf, "bpf_program_info{"));
	ck_assert_ptr_null(strstr(b.buf, "bpf_map_info{"));
	ck_assert_ptr_nonnull(strstr(b.buf, "bpf_exporter_scrapes_total 0\n"));
	ck_assert_ptr_nonnull(strstr(b.buf, "bpf_exporter_scrape_duration_seconds 0\n"));
	ck_assert_str_eq(b.buf + b.len - 6, "# EOF\n");
	buf_release(&b);
}
END_TEST

/*
 * A collector whose source fails reports success 0 and leaves its families
 * out; the others stay 1: the holders' /proc walk of a tree that is not
 * there, and a snapshot that skipped an object for an error.
 */
START_TEST(test_collector_success)
{
	struct collector c;
	struct om_writer w;
	struct buf b = BUF_INIT;
	struct snap s;

	recorded_snap(&s);
	recorded_collector(&c);
	c.holders_proc = "/nonexistent-bpfme-proc";
	om_writer_init(&w, &b, OM_FMT_OPENMETRICS);
	coll_write(&c, &s, &w, 0.5);
	ck_assert_ptr_nonnull(strstr(b.buf, "\nbpf_exporter_scrape_collector_success{collector=\"holders\"} 0\n"));
	ck_assert_ptr_null(strstr(b.buf, "\nbpf_program_holder_info{"));
	ck_assert_ptr_nonnull(strstr(b.buf, "\nbpf_exporter_scrape_collector_success{collector=\"core\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(b.buf, "\nbpf_exporter_scrape_collector_success{collector=\"snapshot\"} 1\n"));
	buf_release(&b);

	recorded_collector(&c);
	s.failed[SNAP_LINK] = 1;
	om_writer_init(&w, &b, OM_FMT_OPENMETRICS);
	coll_write(&c, &s, &w, 0.5);
	ck_assert_ptr_nonnull(strstr(b.buf, "\nbpf_exporter_scrape_collector_success{collector=\"snapshot\"} 0\n"));
	ck_assert_ptr_nonnull(strstr(b.buf, "\nbpf_exporter_scrape_collector_success{collector=\"holders\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(b.buf, "\nbpf_program_holder_info{"));
	buf_release(&b);
}
END_TEST

/* --web.disable-exporter-metrics: no process_* nor request families; the exporter's own stay. */
START_TEST(test_no_exporter_metrics)
{
	struct collector c;
	struct om_writer w;
	struct buf b = BUF_INIT;
	struct snap s;

	recorded_snap(&s);
	recorded_collector(&c);
	c.exporter_metrics = false;
	om_writer_init(&w, &b, OM_FMT_OPENMETRICS);
	coll_write(&c, &s, &w, 0.5);
	ck_assert_ptr_null(strstr(b.buf, "process_"));
	ck_assert_ptr_null(strstr(b.buf, "bpf_exporter_http_"));
	ck_assert_ptr_nonnull(strstr(b.buf, "\nbpf_exporter_build_info{"));
	ck_assert_ptr_nonnull(strstr(b.buf, "\nbpf_exporter_scrapes_total 5\n"));
	ck_assert_ptr_nonnull(strstr(b.buf, "\nbpf_exporter_scrape_duration_seconds 0.5\n"));
	ck_assert_ptr_nonnull(strstr(b.buf, "\nbpf_program_info{"));
	ck_assert_str_eq(b.buf + b.len - 6, "# EOF\n");
	buf_release(&b);

	/* on, but without a server's counters: process_* only */
	recorded_collector(&c);
	c.http_stats = NULL;
	om_writer_init(&w, &b, OM_FMT_OPENMETRICS);
	coll_write(&c, &s, &w, 0.5);
	ck_assert_ptr_null(strstr(b.buf, "bpf_exporter_http_"));
	ck_assert_ptr_nonnull(strstr(b.buf, "\nprocess_max_fds 1088\n"));
	buf_release(&b);
}
END_TEST

static int select_names(const struct collector *c, const char *const *names, size_t nr,
			bool sel[COLL_MAX], char *why, size_t len)
{
	struct buf b = BUF_INIT;
	int ret = coll_select(c, names, nr, sel, &b);

	snprintf(why, len, "%s", b.buf);
	buf_release(&b);
	return ret;
}

/* collect[]: only those named, each one that is on; else a one-line 400 reason. */
START_TEST(test_select)
{
	static const char *const core[] = { "core" };
	static const char *const both[] = { "audit", "core", "audit" };
	static const char *const audit[] = { "audit" };
	struct collector c;
	bool sel[COLL_MAX];
	char why[512], longname[200];
	int core_i, audit_i;

	coll_init(&c, "v", &collectors_table);
	core_i = coll_find(&c, "core");
	audit_i = coll_find(&c, "audit");
	ck_assert_int_eq(select_names(&c, NULL, 0, sel, why, sizeof(why)), 0);
	ck_assert(sel[core_i] && sel[audit_i]);
	ck_assert_int_eq(select_names(&c, core, 1, sel, why, sizeof(why)), 0);
	ck_assert(sel[core_i] && !sel[audit_i]);
	ck_assert_int_eq(select_names(&c, both, 3, sel, why, sizeof(why)), 0);
	ck_assert(sel[core_i] && sel[audit_i]);

	{
		const char *names[] = { "core", "bogus" };

		ck_assert_int_eq(select_names(&c, names, 2, sel, why, sizeof(why)), -EINVAL);
		ck_assert_str_eq(why, "bad collect[]=\"bogus\": no such collector (the collectors are core, audit, loaders, holders, entries, stats, btf, pins)");
		ck_assert(!sel[core_i] && !sel[audit_i]);	/* nothing half-selected */
	}
	{
		const char *names[] = { "" };

		ck_assert_int_eq(select_names(&c, names, 1, sel, why, sizeof(why)), -EINVAL);
		ck_assert_str_eq(why, "bad collect[]=\"\": no such collector (the collectors are core, audit, loaders, holders, entries, stats, btf, pins)");
	}
	{
		const char *names[] = { "Core\n\xff" };

		ck_assert_int_eq(select_names(&c, names, 1, sel, why, sizeof(why)), -EINVAL);
		ck_assert_str_eq(why, "bad collect[]=\"Core\\n\\ufffd\": no such collector (the collectors are core, audit, loaders, holders, entries, stats, btf, pins)");
	}
	{
		const char *names[] = { longname };

		memset(longname, 'x', sizeof(longname) - 1);
		longname[sizeof(longname) - 1] = '\0';
		ck_assert_int_eq(select_names(&c, names, 1, sel, why, sizeof(why)), -EINVAL);
		ck_assert_msg(strstr(why, "xxxx\"...: no such collector") && strlen(why) < 200, "%s", why);
	}
	coll_set_on(&c, audit_i, false);
	ck_assert_int_eq(select_names(&c, NULL, 0, sel, why, sizeof(why)), 0);
	ck_assert(sel[core_i] && !sel[audit_i]);
	ck_assert_int_eq(select_names(&c, audit, 1, sel, why, sizeof(why)), -EINVAL);
	ck_assert_str_eq(why, "bad collect[]=\"audit\": the collector is off (--no-collector.audit)");
}
END_TEST

/* A scrape of collect[]=audit takes no snapshot (no root needed); a refused one is no scrape. */
START_TEST(test_scrape_selected)
{
	static const char *const audit[] = { "audit" };
	static const char *const bogus[] = { "bogus" };
	struct collector c;
	struct ev_ring ring;
	struct buf b = BUF_INIT;
	char err[256] = "";

	ck_assert_int_eq(ev_ring_init(&ring, 2), 0);
	coll_init(&c, "v", &collectors_table);
	coll_set_audit(&c, &ring, NULL, NULL);
	ck_assert_int_eq(coll_scrape(&c, &b, OM_FMT_OPENMETRICS, bogus, 1, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "bad collect[]=\"bogus\": no such collector (the collectors are core, audit, loaders, holders, entries, stats, btf, pins)");
	ck_assert_uint_eq(c.scrapes, 0);
	ck_assert_uint_eq(c.scrape_errors, 0);
	ck_assert_int_eq(coll_scrape(&c, &b, OM_FMT_OPENMETRICS, audit, 1, err, sizeof(err)), 0);
	ck_assert_ptr_null(strstr(b.buf, "bpf_program_"));
	ck_assert_ptr_null(strstr(b.buf, "bpf_map_"));
	ck_assert_ptr_nonnull(strstr(b.buf, "\nbpf_audit_events_total{op=\"LOAD\"} 0\n"));
	ck_assert_ptr_nonnull(strstr(b.buf, "\nbpf_exporter_scrapes_total 1\n"));
	ck_assert_ptr_nonnull(strstr(b.buf, "\nprocess_open_fds "));
	ck_assert_str_eq(b.buf + b.len - 6, "# EOF\n");
	buf_release(&b);
	ev_ring_release(&ring);
}
END_TEST

/* The bpf_audit_* part of an exposition of c (from its first family to the next one). */
static char *audit_part(struct collector *c, enum om_format fmt)
{
	struct om_writer w;
	struct buf b = BUF_INIT;
	struct snap s;
	const char *start, *end;
	char *part;

	snap_init(&s);
	om_writer_init(&w, &b, fmt);
	coll_write(c, &s, &w, 0);
	ck_assert(!b.oom);
	start = strstr(b.buf, "# HELP bpf_audit_");
	ck_assert_ptr_nonnull(start);
	/* up to the next family that is not bpf_audit_* */
	for (end = start; (end = strstr(end + 1, "# HELP ")) && !strncmp(end, "# HELP bpf_audit_", 17);)
		;
	ck_assert_ptr_nonnull(end);
	part = strndup(start, (size_t)(end - start));
	buf_release(&b);
	return part;
}

static void push(struct ev_ring *r, enum ev_op op, const char *comm)
{
	struct ev_event e;

	memset(&e, 0, sizeof(e));
	e.op = op;
	e.proc.comm = comm ? strdup(comm) : NULL;
	ev_push(r, &e);
}

#define HELP_BY_COMM "BPF program LOAD and UNLOAD events by the command name of the process " \
	"that caused them (at most 256 names; then comm="

/*
 * Rows sorted by comm, then (none); both ops in each row; comm escaped,
 * invalid UTF-8 as U+FFFD.  bpf_audit_events counts records on arrival,
 * so it may be ahead (here: one LOAD still being assembled).
 */
START_TEST(test_audit_families)
{
	static const char om_want[] =
		"# HELP bpf_audit_events BPF program LOAD and UNLOAD records read from the kernel audit log since the exporter started.\n"
		"# TYPE bpf_audit_events counter\n"
		"bpf_audit_events_total{op=\"LOAD\"} 4\n"
		"bpf_audit_events_total{op=\"UNLOAD\"} 3\n"
		"# HELP bpf_audit_events_by_comm " HELP_BY_COMM "\\\"(other)\\\").\n"
		"# TYPE bpf_audit_events_by_comm counter\n"
		"bpf_audit_events_by_comm_total{op=\"LOAD\",comm=\"bpftool\"} 2\n"
		"bpf_audit_events_by_comm_total{op=\"UNLOAD\",comm=\"bpftool\"} 1\n"
		"bpf_audit_events_by_comm_total{op=\"LOAD\",comm=\"my \\\"loader\\\\\"} 1\n"
		"bpf_audit_events_by_comm_total{op=\"UNLOAD\",comm=\"my \\\"loader\\\\\"} 0\n"
		"bpf_audit_events_by_comm_total{op=\"LOAD\",comm=\"x\xef\xbf\xbd\"} 0\n"
		"bpf_audit_events_by_comm_total{op=\"UNLOAD\",comm=\"x\xef\xbf\xbd\"} 1\n"
		"bpf_audit_events_by_comm_total{op=\"LOAD\",comm=\"(none)\"} 0\n"
		"bpf_audit_events_by_comm_total{op=\"UNLOAD\",comm=\"(none)\"} 1\n"
		"# HELP bpf_audit_listener_up 1 while the exporter is subscribed to the audit log and reading it, else 0.\n"
		"# TYPE bpf_audit_listener_up gauge\n"
		"bpf_audit_listener_up 0\n"
		"# HELP bpf_audit_socket_drops Audit messages dropped because the exporter's audit socket buffer was full.\n"
		"# TYPE bpf_audit_socket_drops counter\n"
		"bpf_audit_socket_drops_total 0\n"
		"# HELP bpf_audit_socket_receive_buffer_bytes The receive buffer the exporter's audit socket has, as the "
		"kernel reports it (SO_RCVBUF: twice the bytes granted, its bookkeeping included); 0 while not subscribed.\n"
		"# TYPE bpf_audit_socket_receive_buffer_bytes gauge\n"
		"bpf_audit_socket_receive_buffer_bytes 0\n"
		"# HELP bpf_audit_parse_errors Audit records the exporter could not parse.\n"
		"# TYPE bpf_audit_parse_errors counter\n"
		"bpf_audit_parse_errors_total 0\n"
		"# HELP bpf_audit_log_lines_dropped Log lines of the audit thread dropped because the log's queue was full "
		"(the audit thread never waits on the log).\n"
		"# TYPE bpf_audit_log_lines_dropped counter\n"
		"bpf_audit_log_lines_dropped_total 0\n";
	struct collector c;
	struct ev_ring ring;
	char *got;

	ck_assert_int_eq(ev_ring_init(&ring, 2), 0);
	coll_init(&c, "v", &collectors_table);
	coll_set_audit(&c, &ring, NULL, NULL);	/* no reader: no bpf_audit_kernel_* */
	for (int i = 0; i < 4; i++)
		ev_count_op(&ring, EV_LOAD);
	for (int i = 0; i < 3; i++)
		ev_count_op(&ring, EV_UNLOAD);
	push(&ring, EV_LOAD, "bpftool");
	push(&ring, EV_UNLOAD, "x\xff");
	push(&ring, EV_LOAD, "my \"loader\\");
	push(&ring, EV_UNLOAD, NULL);
	push(&ring, EV_LOAD, "bpftool");
	push(&ring, EV_UNLOAD, "bpftool");

	got = audit_part(&c, OM_FMT_OPENMETRICS);
	ck_assert_str_eq(got, om_want);
	free(got);

	/* 0.0.4: the family is named after its sample; HELP leaves quotes alone */
	got = audit_part(&c, OM_FMT_TEXT);
	ck_assert_ptr_nonnull(strstr(got,
		"# HELP bpf_audit_events_by_comm_total " HELP_BY_COMM "\"(other)\").\n"
		"# TYPE bpf_audit_events_by_comm_total counter\n"
		"bpf_audit_events_by_comm_total{op=\"LOAD\",comm=\"bpftool\"} 2\n"));
	ck_assert_ptr_nonnull(strstr(got,
		"bpf_audit_events_by_comm_total{op=\"UNLOAD\",comm=\"(none)\"} 1\n"
		"# HELP bpf_audit_listener_up "));
	free(got);
	ev_ring_release(&ring);
}
END_TEST

/* A LOAD event by comm, pid, uid, in cgroup (NULL: the loader was gone). */
static void remember_loader(struct progcache *pc, uint32_t id, const char *comm, int64_t pid,
			    uint32_t uid, const char *cgroup)
{
	struct ev_event e;

	memset(&e, 0, sizeof(e));
	e.op = EV_LOAD;
	e.prog_id = id;
	e.has = EV_HAS_PROCESS;
	e.proc.pid = pid;
	e.proc.uid = uid;
	e.proc.comm = (char *)comm;
	if (cgroup) {
		e.has |= EV_HAS_CGROUP;
		e.proc.cgroup = (char *)cgroup;
		cgroupid_parse(cgroup, e.proc.container_id, e.proc.pod_uid);
	}
	progcache_add(pc, id, NULL);
	progcache_set_loader(pc, id, &e);
}

/*
 * bpf_program_loader_info: one series per program of the snapshot whose
 * loader is known, in id order; a program remembered from before the
 * snapshots that they have not listed for PROGCACHE_GONE_NS is forgotten
 * (its UNLOAD was lost), one added after the snapshot is kept for the next.
 */
START_TEST(test_loader_family)
{
	static const char want[] =
		"# HELP bpf_program_loader_info The process that loaded a BPF program, from its LOAD audit event, "
		"for as long as the program exists; cgroup, container_id and pod_uid as they were at the load.\n"
		"# TYPE bpf_program_loader_info gauge\n"
		"bpf_program_loader_info{id=\"7\",pid=\"4242\",uid=\"0\",comm=\"containerd-shim\","
		"cgroup=\"/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod0f1e2d3c_4b5a_6978_8796_a5b4c3d2e1f0.slice/"
		"cri-containerd-00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff.scope\","
		"container_id=\"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\","
		"pod_uid=\"0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0\"} 1\n"
		"bpf_program_loader_info{id=\"42\",pid=\"17\",uid=\"1000\",comm=\"x\xef\xbf\xbd\","
		"cgroup=\"\",container_id=\"\",pod_uid=\"\"} 1\n";
	const char *cg = "/kubepods.slice/kubepods-besteffort.slice/"
			 "kubepods-besteffort-pod0f1e2d3c_4b5a_6978_8796_a5b4c3d2e1f0.slice/"
			 "cri-containerd-00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff.scope";
	struct progcache *pc = progcache_new(16);
	struct om_writer w;
	struct buf b = BUF_INIT;
	struct collector c;
	struct ev_ring ring;
	struct snap s;
	const char *start, *end;
	char *part;

	ck_assert_ptr_nonnull(pc);
	ck_assert_int_eq(ev_ring_init(&ring, 2), 0);
	remember_loader(pc, 11, "gone", 5, 0, "/");	/* unloaded, its UNLOAD lost */
	remember_loader(pc, 42, "x\x01", 17, 1000, NULL);
	remember_loader(pc, 7, "containerd-shim", 4242, 0, cg);
	progcache_add(pc, 99, NULL);	/* its LOAD event not complete yet */
	recorded_snap(&s);
	s.taken_ns = monotime_ns() + 1;
	while (monotime_ns() <= s.taken_ns)
		;
	remember_loader(pc, 120, "late", 6, 0, "/");	/* after the snapshot started */

	coll_init(&c, "v", &collectors_table);
	coll_set_audit(&c, &ring, NULL, pc);
	om_writer_init(&w, &b, OM_FMT_OPENMETRICS);
	coll_write(&c, &s, &w, 0);
	ck_assert(!b.oom);
	start = strstr(b.buf, "# HELP bpf_program_loader_info");
	ck_assert_ptr_nonnull(start);
	end = strstr(start + 1, "# HELP ");	/* the next family */
	ck_assert_ptr_nonnull(end);
	part = strndup(start, (size_t)(end - start));
	ck_assert_str_eq(part, want);
	free(part);
	ck_assert_uint_eq(progcache_count(pc), 5);
	/* the audit thread's turn: 11 stays, its UNLOAD may be on its way */
	ck_assert_uint_eq(progcache_forget(pc), 0);
	ck_assert_uint_eq(progcache_count(pc), 5);
	buf_release(&b);

	/* a snapshot that skipped a program forgets nothing */
	s.failed[SNAP_PROG] = 1;
	s.taken_ns += PROGCACHE_GONE_NS;
	om_writer_init(&w, &b, OM_FMT_OPENMETRICS);
	coll_write(&c, &s, &w, 0);
	ck_assert_uint_eq(progcache_forget(pc), 0);	/* nothing handed over */
	ck_assert_uint_eq(progcache_count(pc), 5);
	buf_release(&b);

	/* missed for long enough, by whole snapshots: 11 is forgotten, by the audit side */
	s.failed[SNAP_PROG] = 0;
	om_writer_init(&w, &b, OM_FMT_OPENMETRICS);
	coll_write(&c, &s, &w, 0);
	ck_assert_uint_eq(progcache_count(pc), 5);	/* the scrape changes nothing */
	ck_assert_uint_eq(progcache_forget(pc), 1);
	ck_assert_uint_eq(progcache_forget(pc), 0);	/* the set is taken once */
	ck_assert_uint_eq(progcache_count(pc), 4);	/* 7, 42, 99, 120 */
	buf_release(&b);

	/* no program cache (no audit): no family */
	coll_set_audit(&c, &ring, NULL, NULL);
	om_writer_init(&w, &b, OM_FMT_OPENMETRICS);
	coll_write(&c, &s, &w, 0);
	ck_assert_ptr_null(strstr(b.buf, "bpf_program_loader_info"));
	buf_release(&b);
	progcache_free(pc);
	ev_ring_release(&ring);
}
END_TEST

/* Audit on, no event yet: the family is there, without samples; --no-audit: no family. */
START_TEST(test_audit_by_comm_empty)
{
	struct collector c;
	struct ev_ring ring;
	struct buf b = BUF_INIT;
	char *got;

	ck_assert_int_eq(ev_ring_init(&ring, 2), 0);
	coll_init(&c, "v", &collectors_table);
	coll_set_audit(&c, &ring, NULL, NULL);
	got = audit_part(&c, OM_FMT_OPENMETRICS);
	ck_assert_ptr_nonnull(strstr(got,
		"bpf_audit_events_total{op=\"UNLOAD\"} 0\n"
		"# HELP bpf_audit_events_by_comm " HELP_BY_COMM "\\\"(other)\\\").\n"
		"# TYPE bpf_audit_events_by_comm counter\n"
		"# HELP bpf_audit_listener_up "));
	free(got);
	ev_ring_release(&ring);

	render(OM_FMT_OPENMETRICS, &b);	/* no ring, as with --no-audit */
	ck_assert_ptr_null(strstr(b.buf, "bpf_audit_"));
	buf_release(&b);
}
END_TEST

/* A scrape that runs out of memory answers -ENOMEM and is counted as failed. */
START_TEST(test_scrape_out_of_memory)
{
	struct collector c;
	struct buf out = BUF_INIT;
	char err[64] = "";

	coll_init(&c, "v", &collectors_table);
	coll_set_on(&c, coll_find(&c, "core"), false);	/* no snapshot: no kernel needed */
	out.oom = true;	/* as after a failed allocation: every append is dropped */
	ck_assert_int_eq(coll_scrape(&c, &out, OM_FMT_OPENMETRICS, NULL, 0, err, sizeof(err)), -ENOMEM);
	ck_assert_str_eq(err, "out of memory");
	ck_assert_uint_eq(c.scrapes, 1);
	ck_assert_uint_eq(c.scrape_errors, 1);
	buf_release(&out);
	/* and one that does not */
	ck_assert_int_eq(coll_scrape(&c, &out, OM_FMT_OPENMETRICS, NULL, 0, err, sizeof(err)), 0);
	ck_assert_uint_eq(c.scrape_errors, 1);
	ck_assert_ptr_nonnull(strstr(out.buf, "bpf_exporter_scrape_errors_total 1\n"));
	ck_assert_ptr_null(strstr(out.buf, "bpf_program_info"));
	buf_release(&out);
}
END_TEST

Suite *collector_suite(void)
{
	Suite *s = suite_create("collector");
	TCase *tc;

	tc = tcase_create("golden");
	tcase_add_test(tc, test_golden_openmetrics);
	tcase_add_test(tc, test_golden_text);
	tcase_add_test(tc, test_spec_openmetrics);
	tcase_add_test(tc, test_spec_text);
	tcase_add_test(tc, test_families_precede_samples);
	tcase_add_test(tc, test_empty_snapshot);
	tcase_add_test(tc, test_no_exporter_metrics);
	tcase_add_test(tc, test_collector_success);
	tcase_add_test(tc, test_select);
	tcase_add_test(tc, test_scrape_selected);
	tcase_add_test(tc, test_audit_families);
	tcase_add_test(tc, test_audit_by_comm_empty);
	tcase_add_test(tc, test_loader_family);
	tcase_add_test(tc, test_scrape_out_of_memory);
	suite_add_tcase(s, tc);

	return s;
}
