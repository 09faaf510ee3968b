// SPDX-License-Identifier: Apache-2.0
/* audit - BPF LOAD/UNLOAD events from the audit multicast socket; see audit.h. */
#include "audit.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <auparse.h>
#include <bpf/bpf.h>
#include <libaudit.h>
/* syslog.h (via libaudit.h) defines these; ours are an enum in log.h */
#undef LOG_DEBUG
#undef LOG_INFO

#include "buf.h"
#include "collector.h"
#include "log.h"
#include "snapshot.h"

#ifndef AUDIT_BPF
#define AUDIT_BPF 1334
#endif
#ifndef AUDIT_NLGRP_READLOG
#define AUDIT_NLGRP_READLOG 1
#endif

#define OPEN_SERIALS 64		/* events with a BPF record still being assembled */
#define PENDING_MAX 4096	/* BPF records waiting to learn whether more follow */
#define LONE_AFTER_MS 500	/* ... and how long they wait */
#define PROG_CACHE 4096		/* programs remembered from LOAD, by id */
#define RECV_SLOT (12 * 1024)	/* a record is at most ~9 kB; room to spare */
#define RECV_BATCH 32		/* datagrams per recvmmsg() */
#define AGE_INTERVAL_MS 250

/* ---- assembler ---- */

struct prog_entry {
	uint32_t id;		/* 0: empty */
	char name[17];
	char type[32];
	char tag[17];
};

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
	struct ev_ring *ring;
	bool log_events;
	auparse_state_t *au;
	unsigned long serials[OPEN_SERIALS];	/* 0: free */
	size_t next_serial;
	struct prog_entry *progs;		/* PROG_CACHE, direct-mapped by id */
	struct pending *pending;		/* PENDING_MAX, a FIFO */
	size_t pending_head, pending_nr;
	struct buf line;
};

static const char *const bpf_cmds[] = {
	"BPF_MAP_CREATE", "BPF_MAP_LOOKUP_ELEM", "BPF_MAP_UPDATE_ELEM", "BPF_MAP_DELETE_ELEM",
	"BPF_MAP_GET_NEXT_KEY", "BPF_PROG_LOAD", "BPF_OBJ_PIN", "BPF_OBJ_GET",
	"BPF_PROG_ATTACH", "BPF_PROG_DETACH", "BPF_PROG_TEST_RUN", "BPF_PROG_GET_NEXT_ID",
	"BPF_MAP_GET_NEXT_ID", "BPF_PROG_GET_FD_BY_ID", "BPF_MAP_GET_FD_BY_ID",
	"BPF_OBJ_GET_INFO_BY_FD", "BPF_PROG_QUERY", "BPF_RAW_TRACEPOINT_OPEN", "BPF_BTF_LOAD",
	"BPF_BTF_GET_FD_BY_ID", "BPF_TASK_FD_QUERY", "BPF_MAP_LOOKUP_AND_DELETE_ELEM",
	"BPF_MAP_FREEZE", "BPF_BTF_GET_NEXT_ID", "BPF_MAP_LOOKUP_BATCH",
	"BPF_MAP_LOOKUP_AND_DELETE_BATCH", "BPF_MAP_UPDATE_BATCH", "BPF_MAP_DELETE_BATCH",
	"BPF_LINK_CREATE", "BPF_LINK_UPDATE", "BPF_LINK_GET_FD_BY_ID", "BPF_LINK_GET_NEXT_ID",
	"BPF_ENABLE_STATS", "BPF_ITER_CREATE", "BPF_LINK_DETACH", "BPF_PROG_BIND_MAP",
	"BPF_TOKEN_CREATE",
};

const char *audit_bpf_cmd_name(unsigned long cmd)
{
	return cmd < sizeof(bpf_cmds) / sizeof(bpf_cmds[0]) ? bpf_cmds[cmd] : NULL;
}

static struct log_ratelimit parse_rl = LOG_RATELIMIT_INIT(60);

static void parse_error(struct audit_asm *a, const char *what, const char *payload, size_t len)
{
	ev_count_parse_error(a->ring);
	if (log_ratelimit_ok(&parse_rl))
		log_warnx("cannot parse audit record (%s): %.*s (further such messages suppressed for 60s)",
			  what, (int)(len > 200 ? 200 : len), payload);
}

/* The serial of "audit(SEC.MS:SERIAL): ...", or 0. */
static unsigned long record_serial(const char *p, size_t len)
{
	const char *end = p + len, *colon;
	unsigned long serial = 0;

	if (len < 7 || memcmp(p, "audit(", 6))
		return 0;
	colon = memchr(p, ':', (size_t)(end - p));
	if (!colon)
		return 0;
	for (p = colon + 1; p < end && *p >= '0' && *p <= '9'; p++)
		serial = serial * 10 + (unsigned long)(*p - '0');
	return p < end && *p == ')' ? serial : 0;
}

/* Value of " key=" in p[0..len) (up to the next space) or NULL; *vlen its length. */
static const char *field(const char *p, size_t len, const char *key, size_t *vlen)
{
	size_t klen = strlen(key);
	const char *end = p + len;

	for (const char *q = p; q + klen < end; q++) {
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

/* Remember a program's name, type and tag while it exists (at LOAD). */
static void prog_remember(struct audit_asm *a, uint32_t id)
{
	struct prog_entry *p = &a->progs[id % PROG_CACHE];
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	char tbuf[32];
	int fd;

	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		return;	/* already gone */
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0) {
		p->id = id;
		memcpy(p->name, info.name, 16);
		p->name[16] = '\0';
		/* the same label values /metrics shows */
		snprintf(p->type, sizeof(p->type), "%s", coll_prog_type_name(info.type, tbuf));
		snap_tag_hex(info.tag, p->tag);
	}
	close(fd);
}

static const struct prog_entry *prog_lookup(struct audit_asm *a, uint32_t id)
{
	const struct prog_entry *p = &a->progs[id % PROG_CACHE];

	return p->id == id ? p : NULL;
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

static double mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Unix ms of "audit(SEC.MS:SERIAL)". */
static int64_t record_time_ms(const char *p)
{
	char *end;
	long long sec = strtoll(p + 6, &end, 10);
	long ms = *end == '.' ? strtol(end + 1, NULL, 10) : 0;

	return sec * 1000 + ms;
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

static void pending_push(struct audit_asm *a, unsigned long serial, const char *payload,
			 size_t len, uint32_t prog_id, enum ev_op op)
{
	struct pending *p;

	if (a->pending_nr == PENDING_MAX)
		pending_pop(a);	/* a flood of lone records: the oldest goes now */
	p = &a->pending[(a->pending_head + a->pending_nr++) % PENDING_MAX];
	p->serial = serial;
	p->arrived_ms = mono_ms();
	p->time_ms = record_time_ms(payload);
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

void audit_asm_record(struct audit_asm *a, int type, const char *payload, size_t len)
{
	unsigned long serial;

	while (len && (payload[len - 1] == '\0' || payload[len - 1] == '\n'))
		len--;
	serial = record_serial(payload, len);
	if (!serial) {
		parse_error(a, "no audit(...) stamp", payload, len);
		return;
	}
	if (type == AUDIT_BPF) {
		const char *id, *op;
		size_t idlen, oplen;
		enum ev_op o;
		char *end;
		unsigned long prog_id;

		id = field(payload, len, "prog-id", &idlen);
		op = field(payload, len, "op", &oplen);
		prog_id = id ? strtoul(id, &end, 10) : 0;
		if (!id || end != id + idlen || !op || parse_op(op, oplen, &o) ||
		    len >= sizeof(a->pending[0].rec)) {
			parse_error(a, "BPF record without prog-id or with an unknown op", payload, len);
			return;
		}
		ev_count_op(a->ring, o);
		if (o == EV_LOAD)
			prog_remember(a, (uint32_t)prog_id);
		if (serial_open(a, serial))
			feed(a, type, payload, len);
		else
			pending_push(a, serial, payload, len, (uint32_t)prog_id, o);
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

void audit_asm_age(struct audit_asm *a)
{
	double now = mono_ms();

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

/* Copy auparse's interpretation (hex decoded, NULs as spaces, raw bytes). */
static char *interpreted(auparse_state_t *au)
{
	const char *v = auparse_interpret_field(au);

	return v ? strdup(v) : NULL;
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
				if (!strcmp(name, "proctitle") && !e->cmdline)
					e->cmdline = interpreted(au);
				continue;
			}
			if (!strcmp(name, "arch"))
				have_arch = to_u64(raw, 16, &arch);
			else if (!strcmp(name, "syscall") && to_u64(raw, 10, &v))
				e->syscall = (int)v, e->has |= EV_HAS_SYSCALL;
			else if (!strcmp(name, "a0"))
				have_a0 = to_u64(raw, 16, &a0);
			else if (!strcmp(name, "pid") && to_u64(raw, 10, &v))
				e->pid = (int64_t)v;
			else if (!strcmp(name, "ppid") && to_u64(raw, 10, &v))
				e->ppid = (int64_t)v;
			else if (!strcmp(name, "uid") && to_u64(raw, 10, &v))
				e->uid = (uint32_t)v;
			else if (!strcmp(name, "auid") && to_u64(raw, 10, &v))
				e->auid = (uint32_t)v;
			else if (!strcmp(name, "gid") && to_u64(raw, 10, &v))
				e->gid = (uint32_t)v;
			else if (!strcmp(name, "euid") && to_u64(raw, 10, &v))
				e->euid = (uint32_t)v;
			else if (!strcmp(name, "comm") && !e->comm)
				e->comm = interpreted(au);
			else if (!strcmp(name, "exe") && !e->exe)
				e->exe = interpreted(au);
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
		const char *cmd = audit_bpf_cmd_name(a0);

		if (cmd)
			snprintf(e->syscall_op, sizeof(e->syscall_op), "%s", cmd);
		else
			snprintf(e->syscall_op, sizeof(e->syscall_op), "%llu", (unsigned long long)a0);
		e->has |= EV_HAS_SYSCALL_OP;
	}
}

/* e has been pushed (its strings moved to the ring); ctx still holds them. */
static void log_event(const struct ev_event *e, const struct ev_event *ctx)
{
	char seq[24], id[16], pid[24], uid[16], when[32];
	const char *kv[40];
	size_t n = 0;

	snprintf(seq, sizeof(seq), "%llu", (unsigned long long)e->seq);
	snprintf(id, sizeof(id), "%u", e->prog_id);
	ev_format_time(e->time_ms, when);
#define KV(k, v) do { kv[n++] = (k); kv[n++] = (v); } while (0)
	KV("op", ev_op_name(e->op));
	KV("prog_id", id);
	if (e->has & EV_HAS_PROG) {
		KV("prog_name", e->prog_name);
		KV("prog_type", e->prog_type);
		KV("prog_tag", e->prog_tag);
	}
	if (e->has & EV_HAS_SYSCALL) {
		snprintf(pid, sizeof(pid), "%lld", (long long)e->pid);
		snprintf(uid, sizeof(uid), "%u", e->uid);
		KV("pid", pid);
		KV("uid", uid);
		if (e->syscall_name[0])
			KV("syscall", e->syscall_name);
	}
	if (ctx->comm)
		KV("comm", ctx->comm);
	if (ctx->exe)
		KV("exe", ctx->exe);
	if (ctx->cmdline)
		KV("cmdline", ctx->cmdline);
	KV("time", when);
	KV("seq", seq);
#undef KV
	kv[n] = NULL;
	log_kv_array(LOG_INFO, "bpf program event", kv);
}

/* Complete e (context copied from ctx, program from the cache), push and log it. */
static void deliver(struct audit_asm *a, struct ev_event *e, const struct ev_event *ctx)
{
	const struct prog_entry *p = prog_lookup(a, e->prog_id);

	e->comm = ctx->comm ? strdup(ctx->comm) : NULL;
	e->exe = ctx->exe ? strdup(ctx->exe) : NULL;
	e->cmdline = ctx->cmdline ? strdup(ctx->cmdline) : NULL;
	if (p) {
		memcpy(e->prog_name, p->name, sizeof(e->prog_name));
		memcpy(e->prog_type, p->type, sizeof(e->prog_type));
		memcpy(e->prog_tag, p->tag, sizeof(e->prog_tag));
		e->has |= EV_HAS_PROG;
		if (e->op == EV_UNLOAD)
			a->progs[e->prog_id % PROG_CACHE].id = 0;
	}
	ev_push(a->ring, e);
	if (a->log_events)
		log_event(e, ctx);
	ev_event_release(e);
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
	ctx.time_ms = (int64_t)stamp->sec * 1000 + stamp->milli;
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
		if (!id || !to_u64(id, 10, &prog_id))
			continue;
		op = auparse_find_field(au, "op");
		e = ctx;
		if (!op || parse_op(op, strlen(op), &e.op))
			continue;	/* counted as a parse error on arrival */
		e.prog_id = (uint32_t)prog_id;
		deliver(a, &e, &ctx);
	} while (auparse_next_record(au) > 0);
out:
	ev_event_release(&ctx);
}

struct audit_asm *audit_asm_new(struct ev_ring *ring, bool log_events)
{
	struct audit_asm *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->ring = ring;
	a->log_events = log_events;
	a->progs = calloc(PROG_CACHE, sizeof(*a->progs));
	a->pending = calloc(PENDING_MAX, sizeof(*a->pending));
	a->au = auparse_init(AUSOURCE_FEED, NULL);
	if (!a->progs || !a->pending || !a->au) {
		audit_asm_free(a);
		return NULL;
	}
	auparse_set_escape_mode(a->au, AUPARSE_ESC_RAW);
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
	free(a->progs);
	free(a->pending);
	buf_release(&a->line);
	free(a);
}

/* ---- reader ---- */

struct audit_reader {
	struct audit_config cfg;
	struct audit_asm *asm_;
	int sock;		/* multicast subscriber, -1 if not subscribed */
	int status_fd;		/* audit_open() socket for AUDIT_GET, -1 if none */
	int wake_fd;		/* eventfd: shutdown */
	pthread_mutex_t status_lock;
	pthread_t thread;
	bool running;
	char *recv_buf;
};

static struct log_ratelimit drop_rl = LOG_RATELIMIT_INIT(60);

static uint64_t socket_drops(int sock)
{
	uint32_t mem[SK_MEMINFO_VARS];
	socklen_t len = sizeof(mem);

	memset(mem, 0, sizeof(mem));
	if (sock < 0 || getsockopt(sock, SOL_SOCKET, SO_MEMINFO, mem, &len))
		return 0;
	return mem[SK_MEMINFO_DROPS];
}

/* Ask the kernel for its audit status; 0 or -errno.  Caller holds status_lock. */
static int kernel_status(struct audit_reader *r, struct audit_status *st)
{
	struct audit_reply rep;
	struct pollfd pfd = { .fd = r->status_fd, .events = POLLIN };
	int ret;

	if (r->status_fd < 0)
		return -ENOTCONN;
	if (audit_request_status(r->status_fd) <= 0)
		return -EIO;
	/* Skip the ACK and anything else until the AUDIT_GET reply; bounded. */
	for (int i = 0; i < 8; i++) {
		if (poll(&pfd, 1, 1000) <= 0)
			return -ETIMEDOUT;
		memset(&rep, 0, sizeof(rep));
		ret = audit_get_reply(r->status_fd, &rep, GET_REPLY_NONBLOCKING, 0);
		if (ret <= 0)
			continue;
		if (rep.type == AUDIT_GET && rep.status) {
			*st = *rep.status;
			return 0;
		}
		if (rep.type == NLMSG_ERROR && rep.error && rep.error->error)
			return rep.error->error;
	}
	return -EIO;
}

/* The initial PID namespace's fixed inode (PROC_PID_INIT_INO in the kernel). */
#define PID_NS_INIT_INO 0xeffffffcU

/*
 * Why the kernel refused an audit status request (-errno).  It answers
 * them only from the initial user namespace (ECONNREFUSED otherwise), and
 * then only from the initial PID namespace with CAP_AUDIT_CONTROL (EPERM
 * for either: a container without hostPID gets it too, so look).
 */
static const char *status_refused(int err)
{
	struct stat st;

	if (err == -ECONNREFUSED)
		return "the kernel answers only in the host's user namespace";
	if (!stat("/proc/self/ns/pid", &st) && st.st_ino != PID_NS_INIT_INO)
		return "the kernel answers only in the host's PID namespace: in a container, "
		       "run with hostPID: true or --pid=host";
	return "needs CAP_AUDIT_CONTROL";
}

void audit_get_metrics(struct audit_reader *r, struct audit_metrics *m)
{
	struct audit_status st;

	memset(m, 0, sizeof(*m));
	if (!r)
		return;
	m->subscribed = r->sock >= 0;
	m->socket_drops = socket_drops(r->sock);
	pthread_mutex_lock(&r->status_lock);
	if (kernel_status(r, &st) == 0) {
		m->have_status = true;
		m->enabled = st.enabled;
		m->lost = st.lost;
		m->backlog = st.backlog;
	}
	pthread_mutex_unlock(&r->status_lock);
}

static int subscribe(struct audit_reader *r)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = 1u << (AUDIT_NLGRP_READLOG - 1) };
	int bytes = r->cfg.buffer_bytes, got = 0, fd, err;
	socklen_t len = sizeof(got);

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_AUDIT);
	if (fd < 0)
		return -errno;
	/*
	 * Beyond rmem_max only with CAP_NET_ADMIN; fall back to what is
	 * allowed, and say what that is (the kernel reports twice what it
	 * grants: it counts its overhead).
	 */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof(bytes))) {
		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes)))
			log_warn("cannot set the audit socket's receive buffer to %d bytes", bytes);
		else if (!getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &got, &len) && got / 2 < bytes)
			log_info("audit socket receive buffer is %d bytes, not the %d asked: net.core.rmem_max caps it without CAP_NET_ADMIN at start",
				 got / 2, bytes);
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		err = -errno;
		close(fd);
		return err;
	}
	r->sock = fd;
	return 0;
}

struct audit_reader *audit_open_reader(const struct audit_config *cfg)
{
	struct audit_reader *r = calloc(1, sizeof(*r));
	struct audit_status st;
	int err;

	if (!r)
		return NULL;
	r->cfg = *cfg;
	r->sock = r->status_fd = -1;
	pthread_mutex_init(&r->status_lock, NULL);
	r->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	r->recv_buf = malloc((size_t)RECV_SLOT * RECV_BATCH);
	r->asm_ = audit_asm_new(cfg->ring, true);
	if (r->wake_fd < 0 || !r->recv_buf || !r->asm_) {
		audit_stop(r);
		return NULL;
	}
	set_aumessage_mode(MSG_QUIET, DBG_NO);	/* libaudit's complaints: we log our own */

	r->status_fd = audit_open();
	if (r->status_fd >= 0)
		fcntl(r->status_fd, F_SETFD, FD_CLOEXEC);
	if (cfg->enable) {
		err = r->status_fd < 0 ? r->status_fd : audit_set_enabled(r->status_fd, 1);
		if (err <= 0)
			log_warnx("cannot enable kernel audit (--audit.enable): %s; "
				  "BPF events will only appear once it is enabled (auditctl -e 1)",
				  status_refused(err));
		else
			log_info("kernel audit enabled (--audit.enable)");
	}

	err = subscribe(r);
	if (err == -EPERM || err == -EACCES)
		log_warnx("cannot subscribe to audit events: permission denied (needs CAP_AUDIT_READ); "
			  "/events stays empty and bpf_audit_listener_up is 0");
	else if (err)
		log_warnx("cannot subscribe to audit events: %s; /events stays empty", strerror(-err));

	if (r->sock >= 0) {
		pthread_mutex_lock(&r->status_lock);
		err = kernel_status(r, &st);
		pthread_mutex_unlock(&r->status_lock);
		if (!err && !st.enabled)
			log_warnx("kernel audit is disabled: no BPF events until it is enabled "
				  "(auditctl -e 1, or start with --audit.enable)");
		else if (err)
			log_warnx("cannot read the kernel's audit status: %s; "
				  "bpf_audit_kernel_* metrics are absent", status_refused(err));
	}
	return r;
}

/* One datagram from the kernel: one audit record. */
static void handle_datagram(struct audit_reader *r, const char *data, size_t n, bool truncated)
{
	const struct nlmsghdr *nh = (const struct nlmsghdr *)data;
	size_t len;

	if (truncated || n < NLMSG_HDRLEN) {
		ev_count_parse_error(r->cfg.ring);
		return;
	}
	if (nh->nlmsg_type == NLMSG_DONE || nh->nlmsg_type == NLMSG_ERROR ||
	    nh->nlmsg_type == NLMSG_NOOP)
		return;
	len = nh->nlmsg_len >= NLMSG_HDRLEN && nh->nlmsg_len <= n ? nh->nlmsg_len : n;
	audit_asm_record(r->asm_, nh->nlmsg_type, NLMSG_DATA(nh), len - NLMSG_HDRLEN);
}

static void read_burst(struct audit_reader *r)
{
	struct mmsghdr msgs[RECV_BATCH];
	struct iovec iov[RECV_BATCH];
	struct sockaddr_nl sa[RECV_BATCH];

	/* Bounded, so aging and shutdown get their turn during a flood. */
	for (int round = 0; round < 128; round++) {
		int n;

		for (int i = 0; i < RECV_BATCH; i++) {
			iov[i].iov_base = r->recv_buf + (size_t)i * RECV_SLOT;
			iov[i].iov_len = RECV_SLOT;
			memset(&msgs[i], 0, sizeof(msgs[i]));
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
			msgs[i].msg_hdr.msg_name = &sa[i];
			msgs[i].msg_hdr.msg_namelen = sizeof(sa[i]);
		}
		/* many records per system call: a burst costs far fewer of them */
		n = recvmmsg(r->sock, msgs, RECV_BATCH, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno == ENOBUFS) {
				if (log_ratelimit_ok(&drop_rl))
					log_warnx("audit socket overflowed: %llu messages dropped so far "
						  "(raise --audit.buffer-bytes)",
						  (unsigned long long)socket_drops(r->sock));
				continue;
			}
			return;	/* EAGAIN, or nothing we can act on */
		}
		for (int i = 0; i < n; i++) {
			if (sa[i].nl_pid != 0)
				continue;	/* only the kernel speaks here */
			handle_datagram(r, iov[i].iov_base, msgs[i].msg_len,
					msgs[i].msg_hdr.msg_flags & MSG_TRUNC);
		}
		if (n < RECV_BATCH)
			return;	/* drained */
	}
}

static void *reader_main(void *arg)
{
	struct audit_reader *r = arg;
	struct pollfd pfd[2] = {
		{ .fd = r->sock, .events = POLLIN },
		{ .fd = r->wake_fd, .events = POLLIN },
	};
	double next_age = mono_ms() + AGE_INTERVAL_MS;

	for (;;) {
		int n = poll(pfd, 2, AGE_INTERVAL_MS);

		if (n < 0 && errno != EINTR)
			break;
		if (pfd[1].revents)
			break;
		if (n > 0 && pfd[0].revents)
			read_burst(r);
		if (mono_ms() >= next_age) {
			audit_asm_age(r->asm_);
			next_age = mono_ms() + AGE_INTERVAL_MS;
		}
	}
	return NULL;
}

int audit_start(struct audit_reader *r)
{
	int err;

	if (!r || r->sock < 0)
		return 0;
	err = pthread_create(&r->thread, NULL, reader_main, r);
	if (err)
		return -err;
	pthread_setname_np(r->thread, "bpfme-audit");	/* for top -H and the bench */
	r->running = true;
	return 0;
}

void audit_stop(struct audit_reader *r)
{
	uint64_t one = 1;

	if (!r)
		return;
	if (r->running) {
		if (write(r->wake_fd, &one, sizeof(one)) < 0)
			log_warn("cannot wake the audit thread");
		pthread_join(r->thread, NULL);
	}
	if (r->sock >= 0)
		close(r->sock);
	if (r->status_fd >= 0)
		audit_close(r->status_fd);
	if (r->wake_fd >= 0)
		close(r->wake_fd);
	audit_asm_free(r->asm_);
	free(r->recv_buf);
	pthread_mutex_destroy(&r->status_lock);
	free(r);
}
