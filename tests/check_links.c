// SPDX-License-Identifier: Apache-2.0
/*
 * check_links - what each BPF link is attached to (issue 11): the
 * type_name, attach_type and target labels of bpf_link_info, served by the
 * real binary, against what the kernel says of the link in its own fdinfo
 * (/proc/self/fdinfo of the link fd) and against what the test attached.
 * One test per link kind this kernel can make: raw_tracepoint, xdp and tcx
 * on lo, cgroup_skb on a cgroup the test makes, sk_lookup on the test's
 * network namespace, perf_event on a tracepoint (tracefs mounted if it is
 * not) and on a uprobe, uprobe_multi, netfilter, fentry on a kernel
 * function found in vmlinux BTF (and the BTF naming of kernel and program
 * functions by itself, for kernels that refuse fentry), an iterator.
 * kprobe and kprobe_multi need CONFIG_KPROBES/CONFIG_FPROBE, which the test
 * machine's kernel lacks; their texts are unit-tested (check_linktarget).
 * Every link, program, cgroup, mount and file is removed.  Needs root.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/perf_event.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/btf.h>
#include <check.h>

#include "bpf/linkinfo.h"
#include "bpf/linktarget.h"
#include "bpf/snap_ops.h"
#include "suites.h"
#include "testutil.h"

#define TCASE_TIMEOUT 60

/* Newer than the installed uapi header (linux 6.1) */
#define PROG_TYPE_NETFILTER 32
#define ATTACH_NETFILTER 45
#define ATTACH_TCX_INGRESS 46

static struct tu_exporter exporter;

/*
 * What a test made outside its fds: check ends a test at its first failed
 * assertion with exit(), before any teardown, so an atexit() hook removes
 * these in the test's process whatever happens.
 */
static char made_cgroup[1200], made_mount[256], made_file[64];

static void remove_made(void)
{
	if (*made_mount && umount(made_mount) == 0)
		rmdir(made_mount);
	if (*made_cgroup)
		rmdir(made_cgroup);
	if (*made_file)
		unlink(made_file);
	*made_mount = *made_cgroup = *made_file = '\0';
}

static void setup(void)
{
	int ret;

	ck_assert_int_eq(tu_audit_prepare(false), 0);
	atexit(remove_made);
	ret = tu_exporter_start(&exporter, NULL);
	if (ret) {
		char *log = tu_exporter_log(&exporter);

		ck_abort_msg("starting %s: %s; its log: %s", tu_bin(), strerror(-ret), log);
	}
}

static void teardown(void)
{
	int status = 0;

	if (exporter.pid > 0)
		ck_assert_int_eq(tu_exporter_stop(&exporter, 5000, &status, NULL), 0);
}

/* "r0 = ret; exit" of type, with an expected attach type and BTF id; fd or -errno. */
static int load(enum bpf_prog_type type, enum bpf_attach_type eat, uint32_t btf_id, int ret)
{
	struct bpf_insn insns[2];
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = eat,
		    .attach_btf_id = btf_id);
	int fd;

	memset(insns, 0, sizeof(insns));
	insns[0].code = BPF_ALU64 | BPF_MOV | BPF_K;
	insns[0].dst_reg = BPF_REG_0;
	insns[0].imm = ret;
	insns[1].code = BPF_JMP | BPF_EXIT;
	fd = bpf_prog_load(type, "ltest", "GPL", insns, 2, &opts);
	return fd < 0 ? -errno : fd;
}

/*
 * The value of "key:\t" in the link's own fdinfo, or "" (out holds 256).
 * Lines are "key:\tvalue", or several such pairs joined by tabs (netfilter).
 */
static const char *fdinfo(int fd, const char *key, char *out)
{
	char path[64], line[512];
	size_t klen = strlen(key);
	FILE *f;

	*out = '\0';
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	ck_assert_ptr_nonnull(f);
	while (!*out && fgets(line, sizeof(line), f)) {
		for (char *p = line; p; p = strchr(p, '\t') ? strchr(p, '\t') + 1 : NULL) {
			if (strncmp(p, key, klen) || strncmp(p + klen, ":\t", 2))
				continue;
			snprintf(out, 256, "%s", p + klen + 2);
			out[strcspn(out, "\t\n")] = '\0';
			break;
		}
	}
	fclose(f);
	return out;
}

static uint64_t fdinfo_num(int fd, const char *key)
{
	char v[256];

	fdinfo(fd, key, v);
	ck_assert_msg(*v, "fdinfo of the link has no %s", key);
	return strtoull(v, NULL, 10);
}

/*
 * The kernel's own name of value in enum uapi_enum (its BTF): the constant
 * without prefix, in lower case, into out; false if the kernel has none.
 */
static bool kernel_enum_name(const char *uapi_enum, const char *prefix, uint32_t value, char *out,
			     size_t len)
{
	struct btf *btf = btf__load_vmlinux_btf();
	bool found = false;

	ck_assert_msg(btf, "no kernel BTF");
	for (__u32 id = 1; id < btf__type_cnt(btf) && !found; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		const struct btf_enum *v;

		if (!btf_is_enum(t) || strcmp(btf__name_by_offset(btf, t->name_off), uapi_enum))
			continue;
		v = btf_enum(t);
		for (__u16 i = 0; i < btf_vlen(t) && !found; i++, v++) {
			const char *c = btf__name_by_offset(btf, v->name_off);
			size_t j, plen = strlen(prefix);

			if ((uint32_t)v->val != value || strncmp(c, prefix, plen) || strstr(c, "_DEPRECATED"))
				continue;
			for (j = 0; c[plen + j] && j < len - 1; j++)
				out[j] = (char)tolower((unsigned char)c[plen + j]);
			out[j] = '\0';
			found = true;
		}
	}
	btf__free(btf);
	return found;
}

/*
 * Scrape the exporter and check the link's labels: the id is the one fdinfo
 * says, type_name the running kernel's name of the link's type (its enum
 * constant in lower case), attach_type the kernel's name of want_attach ("" for
 * -1: the link type says none), target want_target.
 */
static void check_served(int fd, int want_attach, const char *want_target)
{
	struct bpf_link_info info;
	struct tu_http_resp r;
	struct tu_expo e;
	const struct tu_sample *s;
	char id[16], type[32], attach[32] = "";
	const char *v;

	ck_assert_int_eq(tu_obj_info(fd, &info, sizeof(info)), 0);
	snprintf(id, sizeof(id), "%u", info.id);
	ck_assert_uint_eq(fdinfo_num(fd, "link_id"), info.id);
	ck_assert(kernel_enum_name("bpf_link_type", "BPF_LINK_TYPE_", info.type, type, sizeof(type)));
	if (want_attach >= 0)
		ck_assert(kernel_enum_name("bpf_attach_type", "BPF_", (uint32_t)want_attach, attach,
					   sizeof(attach)));
	ck_assert_int_eq(tu_http(exporter.port, "GET", "/metrics", NULL, &r), 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_int_eq(tu_expo_parse(r.body, &e), 0);
	s = tu_expo_find(&e, "bpf_link_info", "id", id);
	ck_assert_msg(s != NULL, "no bpf_link_info{id=\"%s\"}", id);
	ck_assert_uint_eq(s->nr_labels, 6);
	v = tu_sample_label(s, "type_name");
	ck_assert_ptr_nonnull(v);
	ck_assert_str_eq(v, type);
	v = tu_sample_label(s, "attach_type");
	ck_assert_ptr_nonnull(v);
	ck_assert_str_eq(v, attach);
	v = tu_sample_label(s, "target");
	ck_assert_ptr_nonnull(v);
	ck_assert_str_eq(v, want_target);
	tu_expo_free(&e);
	tu_http_free(&r);
}

START_TEST(test_raw_tracepoint)
{
	int prog = load(BPF_PROG_TYPE_RAW_TRACEPOINT, 0, 0, 0), link;
	char tp[256];

	ck_assert_int_ge(prog, 0);
	link = tu_raw_tp_link(prog, "sched_switch");
	ck_assert_int_ge(link, 0);
	ck_assert_str_eq(fdinfo(link, "tp_name", tp), "sched_switch");
	check_served(link, -1, tp);
	close(link);
	close(prog);
}
END_TEST

/* lo's ifindex, and its name as this namespace calls it */
static unsigned int lo_index(void)
{
	unsigned int i = if_nametoindex("lo");

	ck_assert_uint_ne(i, 0);
	return i;
}

START_TEST(test_xdp)
{
	int prog = load(BPF_PROG_TYPE_XDP, BPF_XDP, 0, 2 /* XDP_PASS */), link;
	char name[IF_NAMESIZE];

	ck_assert_int_ge(prog, 0);
	link = bpf_link_create(prog, (int)lo_index(), BPF_XDP, NULL);
	ck_assert_msg(link >= 0, "xdp link on lo: %s", strerror(errno));
	ck_assert_uint_eq(fdinfo_num(link, "ifindex"), lo_index());
	ck_assert_ptr_nonnull(if_indextoname((unsigned int)fdinfo_num(link, "ifindex"), name));
	check_served(link, -1, name);
	close(link);
	close(prog);
}
END_TEST

static bool kernel_at_least(int major, int minor)
{
	struct utsname u;
	int ma = 0, mi = 0;

	ck_assert_int_eq(uname(&u), 0);
	sscanf(u.release, "%d.%d", &ma, &mi);
	return ma > major || (ma == major && mi >= minor);
}

START_TEST(test_tcx)
{
	int prog = load(BPF_PROG_TYPE_SCHED_CLS, ATTACH_TCX_INGRESS, 0, -1 /* TCX_NEXT */);
	char name[IF_NAMESIZE], at[256];
	int link;

	ck_assert_int_ge(prog, 0);
	link = bpf_link_create(prog, (int)lo_index(), ATTACH_TCX_INGRESS, NULL);
	if (link < 0 && !kernel_at_least(6, 6) && !tu_in_ci()) {
		printf("SKIP: links: tcx needs linux 6.6 (%s)\n", strerror(errno));
		close(prog);
		return;
	}
	ck_assert_msg(link >= 0, "tcx link on lo: %s", strerror(errno));
	ck_assert_ptr_nonnull(if_indextoname((unsigned int)fdinfo_num(link, "ifindex"), name));
	ck_assert_str_eq(name, "lo");
	/* "46 (ingress)" */
	ck_assert_uint_eq(strtoul(fdinfo(link, "attach_type", at), NULL, 10), ATTACH_TCX_INGRESS);
	check_served(link, ATTACH_TCX_INGRESS, name);
	close(link);
	close(prog);
}
END_TEST

START_TEST(test_cgroup)
{
	char mnt[1024], dir[1200], rel[64];
	int prog, cg, link;
	struct stat st;

	ck_assert_msg(tu_cgroup2_mount(mnt, sizeof(mnt)) == 0, "no cgroup v2 hierarchy mounted");
	snprintf(rel, sizeof(rel), "/bpfme-lt-%d", (int)getpid());
	snprintf(dir, sizeof(dir), "%s%s", mnt, rel);
	ck_assert_msg(mkdir(dir, 0755) == 0 || errno == EEXIST, "mkdir %s: %s", dir, strerror(errno));
	snprintf(made_cgroup, sizeof(made_cgroup), "%s", dir);
	cg = open(dir, O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(cg, 0);
	ck_assert_int_eq(fstat(cg, &st), 0);
	prog = load(BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_INGRESS, 0, 1);
	ck_assert_int_ge(prog, 0);
	link = bpf_link_create(prog, cg, BPF_CGROUP_INET_INGRESS, NULL);
	ck_assert_msg(link >= 0, "cgroup link: %s", strerror(errno));
	/* the kernel's cgroup id is the inode of the cgroup's directory */
	ck_assert_uint_eq(fdinfo_num(link, "cgroup_id"), st.st_ino);
	ck_assert_uint_eq(fdinfo_num(link, "attach_type"), BPF_CGROUP_INET_INGRESS);
	check_served(link, BPF_CGROUP_INET_INGRESS, rel);
	/* the cgroup removed under the link: detached, the kernel says cgroup 0 */
	close(cg);
	ck_assert_int_eq(rmdir(dir), 0);
	*made_cgroup = '\0';
	for (int i = 0; i < 200 && fdinfo_num(link, "cgroup_id") != 0; i++)
		usleep(10 * 1000);
	ck_assert_uint_eq(fdinfo_num(link, "cgroup_id"), 0);
	check_served(link, BPF_CGROUP_INET_INGRESS, "");
	close(link);
	close(prog);
}
END_TEST

START_TEST(test_netns)
{
	int prog = load(BPF_PROG_TYPE_SK_LOOKUP, BPF_SK_LOOKUP, 0, 1 /* SK_PASS */);
	int ns = open("/proc/self/ns/net", O_RDONLY), link;
	char want[64];
	struct stat st;

	ck_assert_int_ge(prog, 0);
	ck_assert_int_ge(ns, 0);
	ck_assert_int_eq(fstat(ns, &st), 0);
	link = bpf_link_create(prog, ns, BPF_SK_LOOKUP, NULL);
	ck_assert_msg(link >= 0, "sk_lookup link: %s", strerror(errno));
	ck_assert_uint_eq(fdinfo_num(link, "netns_ino"), st.st_ino);
	ck_assert_uint_eq(fdinfo_num(link, "attach_type"), BPF_SK_LOOKUP);
	snprintf(want, sizeof(want), "net:[%" PRIu64 "]", fdinfo_num(link, "netns_ino"));
	check_served(link, BPF_SK_LOOKUP, want);
	close(link);
	close(ns);
	close(prog);
}
END_TEST

/* tracefs: where it is mounted, or mounted by the test at a temporary dir. */
static bool tracefs_find(char *out, size_t size, bool *mounted)
{
	static const char *const known[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };
	struct stat st;
	char p[600];

	*mounted = false;
	for (size_t i = 0; i < 2; i++) {
		snprintf(p, sizeof(p), "%s/events/sched/sched_switch/id", known[i]);
		if (stat(p, &st) == 0) {
			snprintf(out, size, "%s", known[i]);
			return true;
		}
	}
	snprintf(out, size, "/tmp/bpfme-lt-tracefs-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(out));
	ck_assert_msg(mount("tracefs", out, "tracefs", 0, NULL) == 0, "mounting tracefs: %s",
		      strerror(errno));
	snprintf(made_mount, sizeof(made_mount), "%s", out);
	*mounted = true;
	return true;
}

START_TEST(test_perf_event_tracepoint)
{
	struct perf_event_attr attr;
	char dir[256], path[600], idtext[32] = "";
	struct linkinfo info;
	char name[64];
	bool mounted;
	int prog, pfd, link;
	__u32 len = sizeof(info);
	FILE *f;

	tracefs_find(dir, sizeof(dir), &mounted);
	snprintf(path, sizeof(path), "%s/events/sched/sched_switch/id", dir);
	f = fopen(path, "re");
	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	ck_assert_ptr_nonnull(fgets(idtext, sizeof(idtext), f));
	fclose(f);
	if (mounted) {
		*made_mount = '\0';
		ck_assert_int_eq(umount(dir), 0);
		ck_assert_int_eq(rmdir(dir), 0);
	}
	memset(&attr, 0, sizeof(attr));
	attr.type = PERF_TYPE_TRACEPOINT;
	attr.size = sizeof(attr);
	attr.config = strtoull(idtext, NULL, 10);
	attr.sample_period = 1;
	pfd = (int)syscall(__NR_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	ck_assert_msg(pfd >= 0, "perf_event_open: %s", strerror(errno));
	prog = load(BPF_PROG_TYPE_TRACEPOINT, 0, 0, 0);
	ck_assert_int_ge(prog, 0);
	link = bpf_link_create(prog, pfd, BPF_PERF_EVENT, NULL);
	ck_assert_msg(link >= 0, "perf_event link: %s", strerror(errno));
	ck_assert_str_eq(fdinfo(link, "link_type", path), "perf");	/* the kernel's name */
	/* the kernel's own answer, asked the way the exporter does not: one call */
	memset(&info, 0, sizeof(info));
	info.perf_event.tracepoint.tp_name = (__u64)(uintptr_t)name;
	info.perf_event.tracepoint.name_len = sizeof(name);
	ck_assert_int_eq(bpf_obj_get_info_by_fd(link, &info, &len), 0);
	ck_assert_uint_eq(info.perf_event.type, LI_PERF_TRACEPOINT);
	ck_assert_str_eq(name, "sched_switch");
	check_served(link, -1, "sched_switch");
	close(link);
	close(prog);
	close(pfd);
}
END_TEST

/*
 * A file to probe: nops nobody maps, so the kernel registers uprobes on it
 * without decoding an instruction.  Its path goes to made_file.
 */
static void probe_file(void)
{
	char nops[256];
	int fd;

	snprintf(made_file, sizeof(made_file), "/tmp/bpfme-lt-uprobe-XXXXXX");
	fd = mkstemp(made_file);
	ck_assert_int_ge(fd, 0);
	memset(nops, 0x90, sizeof(nops));
	ck_assert_int_eq(write(fd, nops, sizeof(nops)), (ssize_t)sizeof(nops));
	close(fd);
}

static int read_int_file(const char *path)
{
	char text[32] = "";
	FILE *f = fopen(path, "re");

	if (!f)
		return -1;
	if (!fgets(text, sizeof(text), f))
		*text = '\0';
	fclose(f);
	return *text ? atoi(text) : -1;
}

START_TEST(test_perf_event_uprobe)
{
	struct perf_event_attr attr;
	int type = read_int_file("/sys/bus/event_source/devices/uprobe/type");
	int prog, pfd, link;
	char want[128];

	if (type < 0 && !tu_in_ci()) {
		printf("SKIP: links: no uprobe PMU (CONFIG_UPROBE_EVENTS)\n");
		return;
	}
	ck_assert_int_ge(type, 0);
	probe_file();
	memset(&attr, 0, sizeof(attr));
	attr.type = (__u32)type;
	attr.size = sizeof(attr);
	attr.uprobe_path = (__u64)(uintptr_t)made_file;
	attr.probe_offset = 0x10;
	pfd = (int)syscall(__NR_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	ck_assert_msg(pfd >= 0, "perf_event_open(uprobe): %s", strerror(errno));
	prog = load(BPF_PROG_TYPE_KPROBE, 0, 0, 0);
	ck_assert_int_ge(prog, 0);
	link = bpf_link_create(prog, pfd, BPF_PERF_EVENT, NULL);
	ck_assert_msg(link >= 0, "perf_event link: %s", strerror(errno));
	snprintf(want, sizeof(want), "%s:0x10", made_file);
	check_served(link, -1, want);
	close(link);
	close(prog);
	close(pfd);
	ck_assert_int_eq(unlink(made_file), 0);
	*made_file = '\0';
}
END_TEST

#define ATTACH_UPROBE_MULTI 48

START_TEST(test_uprobe_multi)
{
	union {
		struct {
			__u32 prog_fd, target_fd, attach_type, flags;
			__u64 path, offsets, ref_ctr_offsets, cookies;
			__u32 cnt, flags2, pid;
		} lc;
		char room[128];
	} attr;
	__u64 offsets[2] = { 0x10, 0x20 };
	char want[128], v[256];
	int prog, link;

	prog = load(BPF_PROG_TYPE_KPROBE, ATTACH_UPROBE_MULTI, 0, 0);
	if (prog < 0 && !kernel_at_least(6, 6) && !tu_in_ci()) {
		printf("SKIP: links: uprobe_multi needs linux 6.6 (%s)\n", strerror(-prog));
		return;
	}
	ck_assert_msg(prog >= 0, "uprobe_multi program: %s", strerror(-prog));
	probe_file();
	memset(&attr, 0, sizeof(attr));
	attr.lc.prog_fd = (__u32)prog;
	attr.lc.attach_type = ATTACH_UPROBE_MULTI;
	attr.lc.path = (__u64)(uintptr_t)made_file;
	attr.lc.offsets = (__u64)(uintptr_t)offsets;
	attr.lc.cnt = 2;
	link = (int)syscall(__NR_bpf, BPF_LINK_CREATE, &attr, sizeof(attr));
	ck_assert_msg(link >= 0, "uprobe_multi link: %s", strerror(errno));
	/* fdinfo names the file since linux 6.15 */
	if (*fdinfo(link, "path", v))
		ck_assert_str_eq(v, made_file);
	if (*fdinfo(link, "uprobe_cnt", v))
		ck_assert_str_eq(v, "2");
	snprintf(want, sizeof(want), "2 probes: %s", made_file);
	check_served(link, -1, want);
	close(link);
	close(prog);
	ck_assert_int_eq(unlink(made_file), 0);
	*made_file = '\0';
}
END_TEST

START_TEST(test_netfilter)
{
	union {
		struct {
			__u32 prog_fd, target_fd, attach_type, flags;
			__u32 pf, hooknum;
			__s32 priority;
			__u32 nf_flags;
		} lc;
		char room[128];
	} attr;
	int prog = load(PROG_TYPE_NETFILTER, ATTACH_NETFILTER, 0, 1 /* NF_ACCEPT */), link;
	char v[256];

	if (prog < 0 && !kernel_at_least(6, 4) && !tu_in_ci()) {
		printf("SKIP: links: netfilter links need linux 6.4 (%s)\n", strerror(-prog));
		return;
	}
	ck_assert_msg(prog >= 0, "netfilter program: %s", strerror(-prog));
	memset(&attr, 0, sizeof(attr));
	attr.lc.prog_fd = (__u32)prog;
	attr.lc.attach_type = ATTACH_NETFILTER;
	attr.lc.pf = 2;		/* NFPROTO_IPV4 */
	attr.lc.hooknum = 1;	/* NF_INET_LOCAL_IN */
	attr.lc.priority = 123;
	link = (int)syscall(__NR_bpf, BPF_LINK_CREATE, &attr, sizeof(attr));
	ck_assert_msg(link >= 0, "netfilter link: %s", strerror(errno));
	ck_assert_uint_eq(fdinfo_num(link, "pf"), 2);
	ck_assert_uint_eq(fdinfo_num(link, "hooknum"), 1);
	ck_assert_str_eq(fdinfo(link, "prio", v), "123");
	check_served(link, -1, "ipv4/input/123");
	close(link);
	close(prog);
}
END_TEST

/* The BTF id of kernel function name in vmlinux. */
static uint32_t vmlinux_func(const char *name)
{
	struct btf *btf = btf__load_vmlinux_btf();
	int id;

	ck_assert_msg(btf != NULL, "vmlinux BTF: %s", strerror(errno));
	id = btf__find_by_name_kind(btf, name, BTF_KIND_FUNC);
	btf__free(btf);
	ck_assert_msg(id > 0, "%s is not in vmlinux BTF", name);
	return (uint32_t)id;
}

START_TEST(test_fentry)
{
	uint32_t func = vmlinux_func("bpf_fentry_test1");
	int prog = load(BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY, func, 0), link;
	struct btf *btf;
	const struct btf_type *t;
	uint32_t obj, type;

	if (prog == -EPERM) {
		/* e.g. a kernel locked down (integrity) refuses trampolines to root too */
		printf("SKIP: links: this kernel refuses fentry programs (%s); "
		       "tracing targets are named in test_btf_names\n", strerror(-prog));
		return;
	}
	ck_assert_msg(prog >= 0, "fentry program: %s", strerror(-prog));
	link = bpf_raw_tracepoint_open(NULL, prog);
	ck_assert_msg(link >= 0, "fentry link: %s", strerror(errno));
	ck_assert_uint_eq(fdinfo_num(link, "attach_type"), BPF_TRACE_FENTRY);
	obj = (uint32_t)fdinfo_num(link, "target_obj_id");
	type = (uint32_t)fdinfo_num(link, "target_btf_id");
	ck_assert_uint_eq(type, func);
	/* the name of what fdinfo says, from that BTF object */
	btf = btf__load_from_kernel_by_id(obj);
	ck_assert_ptr_nonnull(btf);
	t = btf__type_by_id(btf, type);
	ck_assert_ptr_nonnull(t);
	ck_assert_str_eq(btf__name_by_offset(btf, t->name_off), "bpf_fentry_test1");
	btf__free(btf);
	check_served(link, BPF_TRACE_FENTRY, "bpf_fentry_test1");
	/* again: from the exporter's cache of named targets this time */
	check_served(link, BPF_TRACE_FENTRY, "bpf_fentry_test1");
	close(link);
	close(prog);
}
END_TEST

/* The id of the kernel's vmlinux BTF object. */
static uint32_t vmlinux_btf_obj(void)
{
	__u32 id = 0;

	while (bpf_btf_get_next_id(id, &id) == 0) {
		struct bpf_btf_info info;
		char name[64] = "";
		__u32 len = sizeof(info);
		int fd = bpf_btf_get_fd_by_id(id);

		if (fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		info.name = (__u64)(uintptr_t)name;
		info.name_len = sizeof(name);
		if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0 && info.kernel_btf &&
		    !strcmp(name, "vmlinux")) {
			close(fd);
			return id;
		}
		close(fd);
	}
	ck_abort_msg("no vmlinux BTF object");
	return 0;
}

/*
 * What names a tracing link's target, whether or not this kernel lets
 * fentry programs load: a kernel function by its vmlinux BTF object and
 * type id (what the link's info says), and a program's function by the
 * program's id and a type id of the program's own BTF.
 */
START_TEST(test_btf_names)
{
	uint32_t func = vmlinux_func("bpf_fentry_test1");
	struct linktarget_btfs *b = linktarget_btfs_new();
	struct bpf_func_info fi;
	struct bpf_prog_info pinfo;
	struct bpf_insn insns[2];
	struct btf *btf;
	char name[128];
	int int_id, proto, fn, prog;

	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(linktarget_btf_name(b, false, vmlinux_btf_obj(), func, name, sizeof(name)), 0);
	ck_assert_str_eq(name, "bpf_fentry_test1");
	ck_assert_int_eq(linktarget_btf_name(b, false, vmlinux_btf_obj(), 0x7fffffff, name, sizeof(name)),
			 -ENOENT);
	ck_assert_int_eq(linktarget_btf_name(b, false, vmlinux_btf_obj(), func, name, 5), -ENAMETOOLONG);

	/* a program with BTF of its own: "static int linktarget_handler(void)" */
	btf = btf__new_empty();
	ck_assert_ptr_nonnull(btf);
	int_id = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	proto = btf__add_func_proto(btf, int_id);
	fn = btf__add_func(btf, "linktarget_handler", BTF_FUNC_STATIC, proto);
	ck_assert_int_gt(fn, 0);
	ck_assert_int_eq(btf__load_into_kernel(btf), 0);
	memset(insns, 0, sizeof(insns));
	insns[0].code = BPF_ALU64 | BPF_MOV | BPF_K;
	insns[1].code = BPF_JMP | BPF_EXIT;
	fi.insn_off = 0;
	fi.type_id = (__u32)fn;
	{
		LIBBPF_OPTS(bpf_prog_load_opts, opts, .prog_btf_fd = btf__fd(btf),
			    .func_info = &fi, .func_info_rec_size = sizeof(fi), .func_info_cnt = 1);

		prog = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "ltbtf", "GPL", insns, 2, &opts);
	}
	ck_assert_msg(prog >= 0, "a program with BTF: %s", strerror(errno));
	ck_assert_int_eq(tu_obj_info(prog, &pinfo, sizeof(pinfo)), 0);
	ck_assert_int_eq(linktarget_btf_name(b, true, pinfo.id, (uint32_t)fn, name, sizeof(name)), 0);
	ck_assert_str_eq(name, "linktarget_handler");
	/* the set keeps what it loaded: asked again, the same */
	ck_assert_int_eq(linktarget_btf_name(b, true, pinfo.id, (uint32_t)fn, name, sizeof(name)), 0);
	ck_assert_str_eq(name, "linktarget_handler");
	close(prog);
	btf__free(btf);
	linktarget_btfs_free(b);
}
END_TEST

/*
 * A tracing link's target named while the snapshot's buffer has run out
 * of memory is not remembered (issue 16): the cache would give the link an
 * empty target in every later snapshot for as long as it lives.  The link
 * is the snapshot's own record of one (no fentry program needed): the
 * finishing pass names it from the vmlinux BTF object.
 */
START_TEST(test_target_not_cached_on_oom)
{
	const uint32_t link_id = 0x7ffffff0;	/* no real link's: the cache is the process's */
	struct snap s;
	struct snap_link *l;
	struct buf b = BUF_INIT;

	linktarget_cache_clear();
	snap_init(&s);
	s.links = calloc(1, sizeof(*s.links));	/* snap_release frees it */
	ck_assert_ptr_nonnull(s.links);
	s.alloc_links = 1;
	l = &s.links[0];
	l->id = link_id;
	l->type = LI_TRACING;
	l->target_pending = true;
	l->target_id = vmlinux_btf_obj();
	l->target_btf_id = vmlinux_func("bpf_fentry_test1");
	s.nr_links = 1;
	buf_add(&s.strs, "", 1);
	s.strs.oom = true;	/* an append of this snapshot failed */
	ck_assert_int_eq(snap_link_ops.finish(&s), -ENOMEM);
	ck_assert_msg(!linktarget_cache_get(link_id, &b), "a target cut short is cached: \"%s\"", b.buf);

	/* the next snapshot, with memory: named, and remembered */
	buf_reset(&s.strs);
	buf_add(&s.strs, "", 1);
	l->target_pending = true;
	ck_assert_int_eq(snap_link_ops.finish(&s), 0);
	ck_assert_str_eq(snap_link_target(&s, l), "bpf_fentry_test1");
	ck_assert(linktarget_cache_get(link_id, &b));
	ck_assert_str_eq(b.buf, "bpf_fentry_test1");
	buf_release(&b);
	snap_release(&s);
	linktarget_cache_clear();
}
END_TEST

START_TEST(test_iter)
{
	uint32_t func = vmlinux_func("bpf_iter_bpf_link");
	int prog = load(BPF_PROG_TYPE_TRACING, BPF_TRACE_ITER, func, 0), link;
	char v[256];

	ck_assert_msg(prog >= 0, "iterator program: %s", strerror(-prog));
	link = bpf_link_create(prog, 0, BPF_TRACE_ITER, NULL);
	ck_assert_msg(link >= 0, "iterator link: %s", strerror(errno));
	ck_assert_str_eq(fdinfo(link, "target_name", v), "bpf_link");
	check_served(link, -1, v);
	close(link);
	close(prog);
}
END_TEST

Suite *links_suite(void)
{
	Suite *s = suite_create("links");
	TCase *tc = tcase_create("kinds");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, TCASE_TIMEOUT);
	tcase_add_test(tc, test_raw_tracepoint);
	tcase_add_test(tc, test_xdp);
	tcase_add_test(tc, test_tcx);
	tcase_add_test(tc, test_cgroup);
	tcase_add_test(tc, test_netns);
	tcase_add_test(tc, test_perf_event_tracepoint);
	tcase_add_test(tc, test_perf_event_uprobe);
	tcase_add_test(tc, test_uprobe_multi);
	tcase_add_test(tc, test_netfilter);
	tcase_add_test(tc, test_fentry);
	tcase_add_test(tc, test_btf_names);
	tcase_add_test(tc, test_iter);
	suite_add_tcase(s, tc);
	tc = tcase_create("cache");
	tcase_add_test(tc, test_target_not_cached_on_oom);
	suite_add_tcase(s, tc);
	return s;
}
