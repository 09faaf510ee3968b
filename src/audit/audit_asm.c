// SPDX-License-Identifier: Apache-2.0
/* audit_asm - audit records -> BPF program events; see audit_asm.h. */
#include "audit/audit_asm.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/audit.h>

#include <auparse.h>
#include <libaudit.h>
/* syslog.h (via libaudit.h) defines these; ours are an enum in log.h */
#undef LOG_DEBUG
#undef LOG_INFO

#include "bpf/bpfnames.h"
#include "lib/buf.h"
#include "audit/ev_json.h"
#include "lib/log.h"
#include "lib/monotime.h"
#include "lib/parse.h"

#ifndef AUDIT_BPF
#define AUDIT_BPF 1334
#endif

#define OPEN_SERIALS 64		/* events with a BPF record still being assembled */
#define PENDING_MAX 4096	/* BPF records waiting to learn whether more follow */
#define LONE_AFTER_MS 500	/* ... and how long they wait */
#define MAX_STAMP_SEC 253402300799ULL	/* 9999-12-31T23:59:59Z: beyond is absurd */

/*
 * A BPF record not yet handed to libauparse.  A record from a task in a
 * syscall is followed by SYSCALL, PROCTITLE and EOE of the same serial
 * within microseconds; one from a context without audit context (an
 * UNLOAD at exit, or deferred) is alone forever.  libauparse would hold
 * such a lone record, and every event after it, until its EOE timeout, so
 * BPF records wait here instead: a record of the same serial sends them to
 * libauparse; LONE_AFTER_MS without one makes them events on their own.
 */
struct pending {
	unsigned long serial;	/* 0: already taken */
	double arrived_ms;
	int64_t time_ms;
	uint32_t prog_id;
	enum ev_op op;
	uint16_t len;
	char rec[160];
};

struct audit_asm {
	struct audit_asm_config cfg;
	char self_token[64];		/* "" once the pid is learned, or never asked */
	struct ev_ring *ring;
	auparse_state_t *au;
	unsigned long serials[OPEN_SERIALS];	/* 0: free */
	size_t next_serial;
	struct pending *pending;		/* PENDING_MAX, a FIFO */
	size_t pending_head, pending_nr;
	struct buf line;
	/* --log.events' rate limit: lines in the window that began at log_window_start */
	double log_window_start;
	unsigned int log_lines;
	unsigned long log_suppressed;
};

static struct log_ratelimit parse_rl = LOG_RATELIMIT_INIT(60);

static void parse_error(struct audit_asm *a, const char *what, const char *payload, size_t len)
{
	ev_count_parse_error(a->ring);
	if (log_ratelimit_ok(&parse_rl))
		log_warnx("cannot parse audit record (%s): %.*s (further such messages suppressed for 60s)",
			  what, (int)(len > 200 ? 200 : len), payload);
}

/*
 * The stamp of "audit(SEC.MS:SERIAL): ..." in p[0..len): unix ms and
 * serial.  0, or -EINVAL when there is none (or an absurd one).
 */
static int parse_stamp(const char *p, size_t len, int64_t *time_ms, unsigned long *serial)
{
	const char *end = p + len;
	uint64_t sec, ms = 0, ser;

	if (len < 6 || memcmp(p, "audit(", 6))
		return -EINVAL;
	p += 6;
	/* seconds up to the end of the year 9999: no overflow in ms below */
	if (parse_dec(&p, end, MAX_STAMP_SEC, &sec))
		return -EINVAL;
	if (p < end && *p == '.') {
		p++;
		if (parse_dec(&p, end, 999, &ms))
			return -EINVAL;
	}
	if (p >= end || *p++ != ':' || parse_dec(&p, end, ULONG_MAX, &ser) ||
	    p >= end || *p != ')' || !ser)
		return -EINVAL;
	*time_ms = (int64_t)(sec * 1000 + ms);
	*serial = (unsigned long)ser;
	return 0;
}

/* Value of " key=" in p[0..len) (up to the next space) or NULL; *vlen its length. */
static const char *field(const char *p, size_t len, const char *key, size_t *vlen)
{
	size_t klen = strlen(key);
	const char *end = p + len;

	/* " key=" is klen + 2 bytes: q[0] to q[klen + 1] */
	for (const char *q = p; q + klen + 2 <= end; q++) {
		const char *v, *e;

		if (q[0] != ' ' || memcmp(q + 1, key, klen) || q[1 + klen] != '=')
			continue;
		v = q + klen + 2;
		for (e = v; e < end && *e != ' ' && *e != '\n' && *e; e++)
			;
		*vlen = (size_t)(e - v);
		return v;
	}
	return NULL;
}

static bool serial_open(struct audit_asm *a, unsigned long serial)
{
	for (size_t i = 0; i < OPEN_SERIALS; i++)
		if (a->serials[i] == serial)
			return true;
	return false;
}

static void serial_add(struct audit_asm *a, unsigned long serial)
{
	if (serial_open(a, serial))
		return;
	a->serials[a->next_serial] = serial;	/* the oldest gives way */
	a->next_serial = (a->next_serial + 1) % OPEN_SERIALS;
}

static void serial_close(struct audit_asm *a, unsigned long serial)
{
	for (size_t i = 0; i < OPEN_SERIALS; i++)
		if (a->serials[i] == serial)
			a->serials[i] = 0;
}

static int parse_op(const char *v, size_t len, enum ev_op *op)
{
	if (len == 4 && !memcmp(v, "LOAD", 4))
		*op = EV_LOAD;
	else if (len == 6 && !memcmp(v, "UNLOAD", 6))
		*op = EV_UNLOAD;
	else
		return -EINVAL;
	return 0;
}

static void feed(struct audit_asm *a, int type, const char *payload, size_t len)
{
	const char *name = audit_msg_type_to_name(type);

	buf_reset(&a->line);
	if (name)
		buf_addf(&a->line, "type=%s msg=", name);
	else
		buf_addf(&a->line, "type=UNKNOWN[%d] msg=", type);
	buf_add(&a->line, payload, len);
	buf_addch(&a->line, '\n');
	if (!a->line.oom)
		auparse_feed(a->au, a->line.buf, a->line.len);
}

static void deliver(struct audit_asm *a, struct ev_event *e, const struct ev_event *ctx);
static void remember(struct audit_asm *a, uint32_t id);

/* The oldest pending record becomes an event of its own. */
static void pending_pop(struct audit_asm *a)
{
	struct pending *p = &a->pending[a->pending_head];

	if (p->serial) {
		struct ev_event e, ctx;

		memset(&e, 0, sizeof(e));
		e.time_ms = p->time_ms;
		e.audit_serial = p->serial;
		e.prog_id = p->prog_id;
		e.op = p->op;
		memset(&ctx, 0, sizeof(ctx));
		deliver(a, &e, &ctx);
	}
	a->pending_head = (a->pending_head + 1) % PENDING_MAX;
	a->pending_nr--;
}

static void pending_push(struct audit_asm *a, unsigned long serial, int64_t time_ms,
			 const char *payload, size_t len, uint32_t prog_id, enum ev_op op)
{
	struct pending *p;

	if (a->pending_nr == PENDING_MAX)
		pending_pop(a);	/* a flood of lone records: the oldest goes now */
	p = &a->pending[(a->pending_head + a->pending_nr++) % PENDING_MAX];
	p->serial = serial;
	p->arrived_ms = monotime_ms();
	p->time_ms = time_ms;
	p->prog_id = prog_id;
	p->op = op;
	p->len = (uint16_t)len;
	memcpy(p->rec, payload, len);
}

/*
 * Hand the pending BPF records of serial to libauparse; false if there were
 * none.  They are among the newest: look at PENDING_SCAN of them at most.
 */
#define PENDING_SCAN 256
static bool pending_take(struct audit_asm *a, unsigned long serial)
{
	size_t first = a->pending_nr > PENDING_SCAN ? a->pending_nr - PENDING_SCAN : 0;
	bool found = false;

	for (size_t i = first; i < a->pending_nr; i++) {	/* oldest first: keep their order */
		struct pending *p = &a->pending[(a->pending_head + i) % PENDING_MAX];

		if (p->serial != serial)
			continue;
		feed(a, AUDIT_BPF, p->rec, p->len);
		p->serial = 0;
		found = true;
	}
	while (a->pending_nr && !a->pending[a->pending_head].serial)
		pending_pop(a);	/* taken ones at the head just leave */
	return found;
}

/* The exporter's own USER record: its pid as the kernel writes it ("pid=N"). */
static void learn_self(struct audit_asm *a, const char *payload, size_t len)
{
	size_t vlen;
	const char *v = field(payload, len, "pid", &vlen), *end = v ? v + vlen : NULL;
	uint64_t pid;

	if (!v || parse_dec(&v, end, INT32_MAX, &pid) || v != end) {
		parse_error(a, "the exporter's USER record without a pid", payload, len);
		return;
	}
	a->cfg.self_pid = (int64_t)pid;
	a->self_token[0] = '\0';
	log_info("the exporter is pid %llu in the host's PID namespace: UNLOADs its own lookups "
		 "cause are attributed to the loaders", (unsigned long long)pid);
}

void audit_asm_record(struct audit_asm *a, int type, const char *payload, size_t len)
{
	unsigned long serial;
	int64_t time_ms;

	while (len && (payload[len - 1] == '\0' || payload[len - 1] == '\n'))
		len--;
	if (parse_stamp(payload, len, &time_ms, &serial)) {
		parse_error(a, "no audit(...) stamp", payload, len);
		return;
	}
	if (type == AUDIT_USER && a->self_token[0] &&
	    memmem(payload, len, a->self_token, strlen(a->self_token))) {
		learn_self(a, payload, len);
		return;
	}
	if (type == AUDIT_BPF) {
		const char *id, *idend = NULL, *op;
		size_t idlen, oplen;
		enum ev_op o;
		uint64_t prog_id;

		id = field(payload, len, "prog-id", &idlen);
		if (id)
			idend = id + idlen;
		op = field(payload, len, "op", &oplen);
		if (!id || parse_dec(&id, idend, UINT32_MAX, &prog_id) || id != idend ||
		    !op || parse_op(op, oplen, &o) ||
		    len >= sizeof(a->pending[0].rec)) {
			parse_error(a, "BPF record without prog-id or with an unknown op", payload, len);
			return;
		}
		ev_count_op(a->ring, o);
		if (o == EV_LOAD)
			remember(a, (uint32_t)prog_id);
		if (serial_open(a, serial))
			feed(a, type, payload, len);
		else
			pending_push(a, serial, time_ms, payload, len, (uint32_t)prog_id, o);
		return;
	}
	if (!serial_open(a, serial)) {
		if (!pending_take(a, serial))
			return;	/* not part of a BPF event: libauparse never sees it */
		serial_add(a, serial);
	}
	if (type == AUDIT_EOE)
		serial_close(a, serial);
	feed(a, type, payload, len);
}

/* Say how many event lines the window that ended held back, and start a new one. */
static void log_window_end(struct audit_asm *a, double now)
{
	if (a->log_suppressed)
		log_info("%lu bpf program events not logged in the last %.1f s (--log.events logs at "
			 "most %u a window of %u ms; every event is at /events and in "
			 "bpf_audit_events_total)", a->log_suppressed, (now - a->log_window_start) / 1000,
			 a->cfg.log_events_per_window, a->cfg.log_window_ms);
	a->log_suppressed = 0;
	a->log_lines = 0;
	a->log_window_start = now;
}

void audit_asm_age(struct audit_asm *a)
{
	double now = monotime_ms();

	if (a->log_suppressed && now - a->log_window_start >= a->cfg.log_window_ms)
		log_window_end(a, now);
	while (a->pending_nr) {
		struct pending *p = &a->pending[a->pending_head];

		if (p->serial && now - p->arrived_ms < LONE_AFTER_MS)
			break;
		pending_pop(a);
	}
	auparse_feed_age_events(a->au);
}

void audit_asm_flush(struct audit_asm *a)
{
	while (a->pending_nr)
		pending_pop(a);
	auparse_flush_feed(a->au);
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 :
	       c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/*
 * A string field's bytes (comm, exe, proctitle), decoded as the kernel
 * encodes them: "quoted" when plain, else hex (audit_log_n_untrustedstring);
 * anything else, such as (null), as it stands.  NULs (between proctitle's
 * arguments) become spaces, trailing ones go.  malloc'd, or NULL.
 *
 * Decoded here rather than by auparse_interpret_field(), which for a
 * malformed hex value hands back a string without its NUL (libauparse
 * 3.0.9; found by fuzz_audit).
 */
static char *decoded(const char *raw)
{
	size_t len = raw ? strlen(raw) : 0, n = 0;
	bool hex = len && len % 2 == 0;
	char *out;

	if (!raw)
		return NULL;
	if (len >= 2 && raw[0] == '"' && raw[len - 1] == '"')
		return strndup(raw + 1, len - 2);
	for (size_t i = 0; hex && i < len; i++)
		hex = hexval(raw[i]) >= 0;
	if (!hex)
		return strdup(raw);
	out = malloc(len / 2 + 1);
	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i += 2)
		out[n++] = (char)(hexval(raw[i]) << 4 | hexval(raw[i + 1]));
	while (n && out[n - 1] == '\0')
		n--;
	for (size_t i = 0; i < n; i++)
		if (!out[i])
			out[i] = ' ';
	out[n] = '\0';
	return out;
}

static bool to_u64(const char *s, int base, uint64_t *out)
{
	char *end;

	if (!s || !*s)
		return false;
	errno = 0;
	*out = strtoull(s, &end, base);
	return !errno && !*end;
}

/* Fill the SYSCALL and PROCTITLE parts of e from the event's records. */
static void read_context(auparse_state_t *au, struct ev_event *e)
{
	uint64_t v, arch = 0, a0 = 0;
	bool have_arch = false, have_a0 = false;

	if (!auparse_first_record(au))
		return;
	do {
		int type = auparse_get_type(au);

		if (type != AUDIT_SYSCALL && type != AUDIT_PROCTITLE)
			continue;
		if (!auparse_first_field(au))
			continue;
		do {
			const char *name = auparse_get_field_name(au);
			const char *raw = auparse_get_field_str(au);

			if (!name)
				continue;
			if (type == AUDIT_PROCTITLE) {
				if (!strcmp(name, "proctitle") && !e->proc.cmdline)
					e->proc.cmdline = decoded(raw);
				continue;
			}
			if (!strcmp(name, "arch"))
				have_arch = to_u64(raw, 16, &arch);
			else if (!strcmp(name, "syscall") && to_u64(raw, 10, &v))
				e->syscall = (int)v, e->has |= EV_HAS_SYSCALL;
			else if (!strcmp(name, "a0"))
				have_a0 = to_u64(raw, 16, &a0);
			else if (!strcmp(name, "pid") && to_u64(raw, 10, &v))
				e->proc.pid = (int64_t)v, e->has |= EV_HAS_PROCESS;
			else if (!strcmp(name, "ppid") && to_u64(raw, 10, &v))
				e->proc.ppid = (int64_t)v;
			else if (!strcmp(name, "uid") && to_u64(raw, 10, &v))
				e->proc.uid = (uint32_t)v;
			else if (!strcmp(name, "auid") && to_u64(raw, 10, &v))
				e->proc.auid = (uint32_t)v;
			else if (!strcmp(name, "gid") && to_u64(raw, 10, &v))
				e->proc.gid = (uint32_t)v;
			else if (!strcmp(name, "euid") && to_u64(raw, 10, &v))
				e->proc.euid = (uint32_t)v;
			else if (!strcmp(name, "comm") && !e->proc.comm)
				e->proc.comm = decoded(raw);
			else if (!strcmp(name, "exe") && !e->proc.exe)
				e->proc.exe = decoded(raw);
		} while (auparse_next_field(au) > 0);
	} while (auparse_next_record(au) > 0);

	if (!(e->has & EV_HAS_SYSCALL))
		return;
	if (have_arch) {
		int machine = audit_elf_to_machine((unsigned int)arch);
		const char *sc = machine >= 0 ? audit_syscall_to_name(e->syscall, machine) : NULL;

		if (sc)
			snprintf(e->syscall_name, sizeof(e->syscall_name), "%s", sc);
	}
	if (!strcmp(e->syscall_name, "bpf") && have_a0) {
		const char *cmd = bpfnames_cmd(a0);

		if (cmd)
			snprintf(e->syscall_op, sizeof(e->syscall_op), "%s", cmd);
		else
			snprintf(e->syscall_op, sizeof(e->syscall_op), "%llu", (unsigned long long)a0);
		e->has |= EV_HAS_SYSCALL_OP;
	}
}

/* Whether an event line may be logged now, under --log.events' rate limit. */
static bool log_event_allowed(struct audit_asm *a)
{
	double now = monotime_ms();

	if (now - a->log_window_start >= a->cfg.log_window_ms)
		log_window_end(a, now);
	if (a->log_lines < a->cfg.log_events_per_window) {
		a->log_lines++;
		return true;
	}
	a->log_suppressed++;
	return false;
}

/* e has been pushed; its strings, now the ring's, are passed alongside. */
static void log_event(const struct ev_event *e, const char *comm, const char *exe,
		      const char *cmdline, const char *cgroup)
{
	char seq[24], id[16], pid[24], uid[16], when[32];
	const char *kv[40];
	size_t n = 0;

	snprintf(seq, sizeof(seq), "%llu", (unsigned long long)e->seq);
	snprintf(id, sizeof(id), "%u", e->prog_id);
	ev_json_time(e->time_ms, when);
#define KV(k, v) do { kv[n++] = (k); kv[n++] = (v); } while (0)
	KV("op", ev_op_name(e->op));
	KV("prog_id", id);
	if (e->has & EV_HAS_PROG) {
		KV("prog_name", e->prog_name);
		KV("prog_type", e->prog_type);
		KV("prog_tag", e->prog_tag);
	}
	if (e->has & EV_HAS_PROCESS) {
		snprintf(pid, sizeof(pid), "%lld", (long long)e->proc.pid);
		snprintf(uid, sizeof(uid), "%u", e->proc.uid);
		KV("pid", pid);
		KV("uid", uid);
	}
	if ((e->has & EV_HAS_SYSCALL) && e->syscall_name[0])
		KV("syscall", e->syscall_name);
	if (comm)
		KV("comm", comm);
	if (exe)
		KV("exe", exe);
	if (cmdline)
		KV("cmdline", cmdline);
	if (cgroup) {
		KV("cgroup", cgroup);
		KV("container_id", e->proc.container_id);
		KV("pod_uid", e->proc.pod_uid);
	}
	KV("released_by_exporter", e->released_by_exporter ? "true" : "false");
	KV("time", when);
	KV("seq", seq);
#undef KV
	kv[n] = NULL;
	log_kv_array(LOG_INFO, "bpf program event", kv);
}

/*
 * The exporter's own close of a program it looked up dropped the last
 * reference: the kernel recorded the exporter as the process.  Say so,
 * and name the loader instead where its LOAD was seen.
 */
static void blame_loader(struct audit_asm *a, struct ev_event *e)
{
	e->released_by_exporter = true;
	ev_proc_release(&e->proc);
	e->syscall = 0;
	e->syscall_name[0] = e->syscall_op[0] = '\0';
	e->has &= ~(unsigned int)(EV_HAS_PROCESS | EV_HAS_CGROUP | EV_HAS_SYSCALL | EV_HAS_SYSCALL_OP);
	progcache_fill_loader(a->cfg.progs, e->prog_id, e);
}

/* The cgroup of e's process, and the container and pod it names. */
static void read_cgroup(struct audit_asm *a, struct ev_event *e)
{
	char path[CGROUPID_PATH_MAX];

	if (!a->cfg.cgroup_of || e->proc.pid <= 0 ||
	    a->cfg.cgroup_of(a->cfg.cgroup_ctx, e->proc.pid, path, sizeof(path)))
		return;	/* gone already, or no way to know */
	e->proc.cgroup = strdup(path);
	if (!e->proc.cgroup)
		return;
	cgroupid_parse(path, e->proc.container_id, e->proc.pod_uid);
	e->has |= EV_HAS_CGROUP;
}

/* Complete e (context copied from ctx, program from the cache), push and log it. */
static void deliver(struct audit_asm *a, struct ev_event *e, const struct ev_event *ctx)
{
	struct progcache *pc = a->cfg.progs;

	if (ev_proc_copy(&e->proc, &ctx->proc))
		e->has &= ~(unsigned int)(EV_HAS_PROCESS | EV_HAS_CGROUP);	/* out of memory */
	progcache_fill_prog(pc, e->prog_id, e);
	if (e->op == EV_UNLOAD && (e->has & EV_HAS_PROCESS) && e->proc.pid == a->cfg.self_pid)
		blame_loader(a, e);
	else if (e->has & EV_HAS_PROCESS)
		read_cgroup(a, e);
	if (e->op == EV_LOAD && (e->has & EV_HAS_PROCESS))
		progcache_set_loader(pc, e->prog_id, e);
	else if (e->op == EV_UNLOAD)
		progcache_remove(pc, e->prog_id);
	{
		/*
		 * The ring takes the strings.  Only this thread pushes, so
		 * they stay valid until its next push: log from them.
		 */
		const char *comm = e->proc.comm, *exe = e->proc.exe, *cmdline = e->proc.cmdline;
		const char *cgroup = (e->has & EV_HAS_CGROUP) ? e->proc.cgroup : NULL;

		ev_push(a->ring, e);
		if (a->cfg.log_events && log_event_allowed(a))
			log_event(e, comm, exe, cmdline, cgroup);
	}
	ev_event_release(e);
}

/* A LOAD record arrived: remember the program while it still exists. */
static void remember(struct audit_asm *a, uint32_t id)
{
	struct progcache_prog prog;

	memset(&prog, 0, sizeof(prog));
	if (a->cfg.fetch && a->cfg.fetch(a->cfg.fetch_ctx, id, &prog) == 0)
		progcache_add(a->cfg.progs, id, &prog);
	else
		progcache_add(a->cfg.progs, id, NULL);	/* gone already: the loader still counts */
}

static void on_event(auparse_state_t *au, auparse_cb_event_t type, void *data)
{
	struct audit_asm *a = data;
	const au_event_t *stamp;
	struct ev_event ctx;

	if (type != AUPARSE_CB_EVENT_READY)
		return;
	stamp = auparse_get_timestamp(au);
	if (!stamp)
		return;
	memset(&ctx, 0, sizeof(ctx));
	/* a stamp past the year 9999 is absurd, but must not overflow */
	ctx.time_ms = stamp->sec >= 0 && (uint64_t)stamp->sec <= MAX_STAMP_SEC && stamp->milli < 1000 ?
		      (int64_t)stamp->sec * 1000 + stamp->milli : 0;
	ctx.audit_serial = stamp->serial;
	serial_close(a, stamp->serial);
	read_context(au, &ctx);

	/* One event per BPF record (a close() may free several programs). */
	if (!auparse_first_record(au))
		goto out;
	do {
		const char *id, *op;
		struct ev_event e;
		uint64_t prog_id;

		if (auparse_get_type(au) != AUDIT_BPF)
			continue;
		auparse_first_field(au);
		id = auparse_find_field(au, "prog-id");
		if (!id || !to_u64(id, 10, &prog_id) || prog_id > UINT32_MAX)
			continue;
		op = auparse_find_field(au, "op");
		e = ctx;
		memset(&e.proc, 0, sizeof(e.proc));	/* deliver() copies it from ctx */
		if (!op || parse_op(op, strlen(op), &e.op))
			continue;	/* counted as a parse error on arrival */
		e.prog_id = (uint32_t)prog_id;
		deliver(a, &e, &ctx);
	} while (auparse_next_record(au) > 0);
out:
	ev_event_release(&ctx);
}

struct audit_asm *audit_asm_new(const struct audit_asm_config *cfg)
{
	struct audit_asm *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->cfg = *cfg;
	a->ring = cfg->ring;
	if (cfg->self_token)
		snprintf(a->self_token, sizeof(a->self_token), "%s", cfg->self_token);
	a->cfg.self_token = NULL;
	if (!a->cfg.log_window_ms || !a->cfg.log_events_per_window) {
		a->cfg.log_window_ms = 1000;
		a->cfg.log_events_per_window = AUDIT_ASM_LOG_EVENTS_PER_S;
	}
	a->log_window_start = monotime_ms();
	a->pending = calloc(PENDING_MAX, sizeof(*a->pending));
	a->au = auparse_init(AUSOURCE_FEED, NULL);
	if (!a->pending || !a->au) {
		audit_asm_free(a);
		return NULL;
	}
	auparse_add_callback(a->au, on_event, a, NULL);
	buf_init(&a->line, 512);
	return a;
}

void audit_asm_free(struct audit_asm *a)
{
	if (!a)
		return;
	if (a->au)
		auparse_destroy(a->au);
	free(a->pending);
	buf_release(&a->line);
	free(a);
}
