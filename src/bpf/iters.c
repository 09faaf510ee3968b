// SPDX-License-Identifier: Apache-2.0
/* iters - the exporter's own BPF iterators, embedded skeletons; see iters.h. */
#include "bpf/iters.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/capability.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lib/log.h"
#include "lib/privs.h"

/* Generated from src/bpf/progs/ by the Makefile (bpftool gen skeleton), in build/gen/. */
#include "bpfme_entries.skel.h"
#include "bpfme_holders.skel.h"
#include "bpfme_progs.skel.h"

static const char *const names[ITERS_NR] = {
	[ITERS_HOLDERS] = "bpfme_holders", [ITERS_ENTRIES] = "bpfme_entries",
	[ITERS_PROGS] = "bpfme_progs",
};

const char *iters_name(enum iters_prog p)
{
	return (unsigned int)p < ITERS_NR ? names[p] : "?";
}

bool iters_ready(const struct iters *it, enum iters_prog p)
{
	return (unsigned int)p < ITERS_NR && it->link[p] != NULL;
}

static void set_why(struct iters *it, enum iters_prog p, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void set_why(struct iters *it, enum iters_prog p, int err, const char *fmt, ...)
{
	va_list ap;

	it->err[p] = err;
	va_start(ap, fmt);
	vsnprintf(it->why[p], sizeof(it->why[p]), fmt, ap);
	va_end(ap);
}

/* The kernel lockdown mode in force ("none", "integrity", "confidentiality"), or "". */
static void lockdown_mode(char *mode, size_t size)
{
	char text[128];
	int fd = open("/sys/kernel/security/lockdown", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, text, sizeof(text) - 1) : -1;
	char *a, *b;

	mode[0] = '\0';
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return;
	text[n] = '\0';
	a = strchr(text, '[');
	b = a ? strchr(a, ']') : NULL;
	if (b)
		snprintf(mode, size, "%.*s", (int)(b - a - 1), a + 1);
}

/* Why loading failed with err, in words an operator can act on. */
static void explain(struct iters *it, enum iters_prog p, int err)
{
	char mode[32];

	if (err == -ESRCH && p == ITERS_ENTRIES) {	/* libbpf: an extern ksym not in the kernel */
		set_why(it, p, -ENOENT, "the kernel lacks the kfunc bpf_map_sum_elem_count "
			"(Linux 6.6 or later)");
		return;
	}
	if (err == -EDOM) {
		set_why(it, p, err, "the possible CPUs (/sys/devices/system/cpu/possible) are not "
			"0 to N-1, over which it sums the run counters");
		return;
	}
	if (err == -EPERM || err == -EACCES) {
		lockdown_mode(mode, sizeof(mode));
		if (!strcmp(mode, "confidentiality"))
			set_why(it, p, err, "the kernel is locked down (lockdown=confidentiality): "
				"BPF programs may not read kernel memory");
		else if (!privs_effective(CAP_SYS_ADMIN) &&
			 !(privs_effective(CAP_BPF) && privs_effective(CAP_PERFMON)))
			set_why(it, p, err, "a capability is missing: BPF iterators need CAP_BPF and "
				"CAP_PERFMON, or CAP_SYS_ADMIN");
		else
			set_why(it, p, err, "permission denied (%s) although the capabilities are "
				"there: a security module refuses it", strerror(-err));
		return;
	}
	set_why(it, p, err, "the kernel refused it (%s): BPF iterators need Linux %s or later, "
		"and the verifier must accept the program", strerror(-err),
		p == ITERS_PROGS ? "5.19" : "5.8");	/* bpf_map_lookup_percpu_elem */
}

/* Whether this process is in the initial PID namespace (/proc/self/status's NSpid: one pid). */
static bool initial_pid_ns(void)
{
	char text[4096], *ns;
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, text, sizeof(text) - 1) : -1;

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return true;	/* cannot tell: a kernel without NSpid has no nesting to fear */
	text[n] = '\0';
	ns = strstr(text, "\nNSpid:");
	if (!ns)
		return true;
	ns += strlen("\nNSpid:");
	ns += strspn(ns, " \t");
	ns += strspn(ns, "0123456789");
	return *ns == '\n' || *ns == '\0';
}

/*
 * Before loading: what surely keeps p out, in it->err[p] and why[p]; 0 when
 * nothing does.  The kernel's BTF is not parsed here: libbpf parses it for
 * each object anyway (a missing kfunc is its -ESRCH, see explain()).
 */
static int precheck(struct iters *it, enum iters_prog p)
{
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		int err = -errno;

		set_why(it, p, err, "the kernel has no BTF (/sys/kernel/btf/vmlinux, "
			"CONFIG_DEBUG_INFO_BTF): %s", strerror(-err));
		return err;
	}
	if (p == ITERS_HOLDERS && !initial_pid_ns()) {
		set_why(it, p, -EXDEV, "the exporter runs in a PID namespace of its own, and the "
			"iterator knows processes by the host's pids");
		return -EXDEV;
	}
	return 0;
}

/*
 * The number of possible CPUs when they are 0..N-1 without holes (what
 * bpfme_progs sums the run counters over, as the kernel does over its
 * possible CPUs); -errno when they cannot be read or have holes.
 */
static int possible_cpus(void)
{
	char text[64], *end;
	int fd = open("/sys/devices/system/cpu/possible", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, text, sizeof(text) - 1) : -1;
	unsigned long last;

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return -ENOENT;
	text[n] = '\0';
	if (text[0] != '0')
		return -EINVAL;
	if (text[1] == '\n' || text[1] == '\0')
		return 1;
	if (text[1] != '-')
		return -EINVAL;
	errno = 0;
	last = strtoul(text + 2, &end, 10);
	if (errno || end == text + 2 || (*end != '\n' && *end != '\0') || last >= 8192)
		return -EINVAL;
	return (int)last + 1;
}

static void destroy(enum iters_prog p, void *skel)
{
	if (!skel)
		return;
	if (p == ITERS_HOLDERS)
		bpfme_holders__destroy(skel);
	else if (p == ITERS_ENTRIES)
		bpfme_entries__destroy(skel);
	else
		bpfme_progs__destroy(skel);
}

/* Open, load and attach p's skeleton; 0 or -errno. */
static int load_one(struct iters *it, enum iters_prog p)
{
	struct bpf_program *prog;
	struct bpf_link *link;
	void *skel;
	int err;

	if (p == ITERS_HOLDERS) {
		struct bpfme_holders *s = bpfme_holders__open_and_load();

		skel = s;
		prog = s ? s->progs.bpfme_holders : NULL;
	} else if (p == ITERS_ENTRIES) {
		struct bpfme_entries *s = bpfme_entries__open_and_load();

		skel = s;
		prog = s ? s->progs.bpfme_entries : NULL;
	} else {
		struct bpfme_progs *s = bpfme_progs__open();
		int cpus = possible_cpus();

		if (s && cpus < 0) {
			bpfme_progs__destroy(s);
			return -EDOM;	/* explain(): the possible CPUs */
		}
		if (s) {
			s->rodata->nr_cpus = (__u32)cpus;
			if (bpfme_progs__load(s)) {
				err = -errno ? -errno : -EINVAL;
				bpfme_progs__destroy(s);
				errno = -err;
				s = NULL;
			}
		}
		skel = s;
		prog = s ? s->progs.bpfme_progs : NULL;
	}
	if (!skel)
		return -errno ? -errno : -EINVAL;
	link = bpf_program__attach_iter(prog, NULL);
	if (!link) {
		err = -errno ? -errno : -EINVAL;
		destroy(p, skel);
		return err;
	}
	it->skel[p] = skel;
	it->link[p] = link;
	return 0;
}

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	log_vmsg(LOG_DEBUG, fmt, ap);
	return 0;
}

void iters_load(struct iters *it, unsigned int want)
{
	libbpf_print_fn_t old;

	memset(it, 0, sizeof(*it));
	for (int p = 0; p < ITERS_NR; p++)
		it->err[p] = -ENODATA;
	if (!(want & ((1u << ITERS_NR) - 1)))
		return;
	old = libbpf_set_print(quiet);
	for (int i = 0; i < ITERS_NR; i++) {
		enum iters_prog p = (enum iters_prog)i;
		int err;

		if (!(want & (1u << p)))
			continue;
		err = precheck(it, p);
		if (!err) {
			err = load_one(it, p);
			if (err)
				explain(it, p, err);
			else
				it->err[p] = 0;
		}
	}
	libbpf_set_print(old);
}

int iters_read(const struct iters *it, enum iters_prog p, size_t rec_size, void **recs,
	       size_t *nr, size_t *alloc)
{
	size_t bytes = 0, room = *alloc * rec_size;
	int fd, err = 0;

	*nr = 0;
	if (!iters_ready(it, p))
		return -ENODEV;
	fd = bpf_iter_create(bpf_link__fd(it->link[p]));
	if (fd < 0)
		return fd;
	for (;;) {
		ssize_t n;

		if (room - bytes < 4096) {
			size_t want = room ? room * 2 : 64 * 1024;
			void *grown = realloc(*recs, want);

			if (!grown) {
				err = -ENOMEM;
				break;
			}
			*recs = grown;
			room = want;
			*alloc = room / rec_size;
		}
		n = read(fd, (char *)*recs + bytes, room - bytes);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		if (n == 0)
			break;
		bytes += (size_t)n;
	}
	close(fd);
	if (!err)
		*nr = bytes / rec_size;
	return err;
}

void iters_release(struct iters *it)
{
	for (int p = 0; p < ITERS_NR; p++) {
		if (it->link[p])
			bpf_link__destroy(it->link[p]);
		destroy((enum iters_prog)p, it->skel[p]);
		it->link[p] = NULL;
		it->skel[p] = NULL;
	}
}
