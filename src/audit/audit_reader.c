// SPDX-License-Identifier: Apache-2.0
/* audit_reader - the audit multicast socket and its thread; see audit_reader.h. */
#include "audit/audit_reader.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include "audit/audit_asm.h"
#include "bpf/bpfnames.h"
#include "proc/cgroupid.h"
#include "lib/log.h"
#include "lib/monotime.h"
#include "bpf/snap.h"

#ifndef AUDIT_NLGRP_READLOG
#define AUDIT_NLGRP_READLOG 1
#endif

#define RECV_SLOT (12 * 1024)	/* a record is at most ~9 kB; room to spare */
#define RECV_BATCH 32		/* datagrams per recvmmsg() */
#define AGE_INTERVAL_MS 250	/* lone records are looked at this often */
#define STATUS_INTERVAL_MS 2000	/* the kernel's audit status is asked this often */
#define STATUS_TIMEOUT_MS 1000	/* ... and waited for at start */
#define RESUBSCRIBE_MIN_MS 1000	/* first delay before subscribing again */
#define RESUBSCRIBE_MAX_MS 30000
#define SPARE_SOCKETS 4		/* opened at start with the buffer asked, for resubscriptions */

struct audit_reader {
	struct audit_reader_config cfg;
	struct audit_asm *asm_;
	struct audit_status_sock *status;
	pthread_mutex_t sock_lock;	/* sock and drops_base: the thread replaces, scrapes read */
	int sock;			/* multicast subscriber, -1 if not subscribed */
	uint64_t drops_base;		/* drops of the sockets closed before this one */
	int rcvbuf;			/* __atomic: sock's SO_RCVBUF, 0 without a socket */
	/*
	 * Unbound sockets opened at start with SO_RCVBUFFORCE (before
	 * CAP_NET_ADMIN is dropped), so that subscribing again after a
	 * failure keeps the buffer asked; unbound, they receive nothing and
	 * hold no memory.  The thread's.
	 */
	int spares[SPARE_SOCKETS];
	int nr_spares;
	int wake_fd;			/* eventfd: shutdown */
	pthread_t thread;
	bool running;
	bool listening;			/* __atomic */
	uint64_t resubscribed;		/* __atomic */
	uint64_t resubscribe_failures;	/* __atomic */
	uint64_t resubscribe_failed;	/* __atomic */
	char *recv_buf;
	/* the audit thread's: the last cgroup_of answer (a burst is one process's) */
	int64_t cg_pid;
	double cg_ms;
	int cg_err;
	char cg_path[CGROUPID_PATH_MAX];
};

#define CGROUP_REUSE_MS 100	/* a process's cgroup read again after this long */

static struct log_ratelimit drop_rl = LOG_RATELIMIT_INIT(60);
static struct log_ratelimit poll_rl = LOG_RATELIMIT_INIT(60);

static uint64_t socket_drops(int sock)
{
	uint32_t mem[SK_MEMINFO_VARS];
	socklen_t len = sizeof(mem);

	memset(mem, 0, sizeof(mem));
	if (sock < 0 || getsockopt(sock, SOL_SOCKET, SO_MEMINFO, mem, &len))
		return 0;
	return mem[SK_MEMINFO_DROPS];
}

/* The program's details as /metrics shows them: what the assembler's fetch asks. */
static int fetch_prog(void *ctx, uint32_t id, struct progcache_prog *out)
{
	struct snap_prog p;
	char tbuf[BPFNAMES_LEN];
	int err;

	(void)ctx;
	err = snap_prog_by_id(id, &p);
	if (err)
		return err;
	memcpy(out->name, p.name, sizeof(out->name));
	snprintf(out->type, sizeof(out->type), "%s", bpfnames_prog_type(p.type, tbuf));
	snap_tag_hex(p.tag, out->tag);
	return 0;
}

/* The cgroup of a process the records name: what the assembler's cgroup_of asks. */
static int cgroup_of(void *ctx, int64_t pid, char *out, size_t outlen)
{
	struct audit_reader *r = ctx;
	double now = monotime_ms();

	if (pid <= 0 || pid > INT32_MAX)
		return -ESRCH;
	/*
	 * A loader's events come in bursts (a load and its probes, a close
	 * of many programs): its cgroup is read once per CGROUP_REUSE_MS,
	 * which halves the audit thread's cost of such a burst.
	 */
	if (pid != r->cg_pid || now - r->cg_ms >= CGROUP_REUSE_MS) {
		r->cg_err = cgroupid_read_pid(AT_FDCWD, (pid_t)pid, r->cg_path, sizeof(r->cg_path));
		r->cg_pid = pid;
		r->cg_ms = now;
	}
	if (r->cg_err)
		return r->cg_err;
	if (strlen(r->cg_path) >= outlen)
		return -ENAMETOOLONG;
	strcpy(out, r->cg_path);
	return 0;
}

/* A NETLINK_AUDIT socket, not bound yet, with the buffer asked if allowed; *forced: beyond rmem_max. */
static int open_socket(int bytes, bool *forced)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_AUDIT);

	*forced = false;
	if (fd < 0)
		return -errno;
	/* beyond rmem_max only with CAP_NET_ADMIN; else what is allowed */
	if (!setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof(bytes)))
		*forced = true;
	else if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes)))
		log_warn("cannot set the audit socket's receive buffer to %d bytes", bytes);
	return fd;
}

static int rcvbuf_of(int fd)
{
	int got = 0;
	socklen_t len = sizeof(got);

	if (fd < 0 || getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &got, &len))
		return 0;
	return got;
}

/*
 * A new multicast socket in *out: a spare if one is left (it has the
 * buffer asked), else a new one; 0 or -errno.  again: a resubscription.
 * Says when the buffer is smaller than asked, and why, unless quiet.
 */
static int subscribe(struct audit_reader *r, int *out, bool again, bool quiet)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = 1u << (AUDIT_NLGRP_READLOG - 1) };
	int bytes = r->cfg.buffer_bytes, fd, err, got;
	bool forced = false, spare = r->nr_spares > 0;

	if (spare) {
		fd = r->spares[--r->nr_spares];
	} else {
		fd = open_socket(bytes, &forced);
		if (fd < 0)
			return fd;
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		err = -errno;
		if (spare)
			r->spares[r->nr_spares++] = fd;	/* still unbound: kept for the next try */
		else
			close(fd);
		return err;
	}
	/* the kernel reports twice what it grants: it counts its overhead */
	got = rcvbuf_of(fd);
	if (!quiet && !spare && !forced && got / 2 < bytes) {
		if (!again)
			log_info("audit socket receive buffer is %d bytes, not the %d asked: "
				 "net.core.rmem_max caps it without CAP_NET_ADMIN at start", got / 2, bytes);
		else
			log_warnx("audit socket receive buffer is %d bytes, not the %d asked: the socket "
				  "opened again after a failure has no spare left from the start (%d were "
				  "kept) and net.core.rmem_max caps it; raise net.core.rmem_max to at least "
				  "%d, or restart the exporter", got / 2, bytes, SPARE_SOCKETS, bytes);
	}
	*out = fd;
	return 0;
}

/* Keep SPARE_SOCKETS sockets with the buffer forced, if the first one was. */
static void open_spares(struct audit_reader *r)
{
	while (r->nr_spares < SPARE_SOCKETS) {
		bool forced;
		int fd = open_socket(r->cfg.buffer_bytes, &forced);

		if (fd < 0)
			return;
		if (!forced) {
			close(fd);	/* no better than a socket opened later */
			return;
		}
		r->spares[r->nr_spares++] = fd;
	}
}

static void set_sock(struct audit_reader *r, int fd)
{
	pthread_mutex_lock(&r->sock_lock);
	if (r->sock >= 0) {
		r->drops_base += socket_drops(r->sock);
		close(r->sock);
	}
	r->sock = fd;
	pthread_mutex_unlock(&r->sock_lock);
	__atomic_store_n(&r->rcvbuf, rcvbuf_of(fd), __ATOMIC_RELAXED);
	__atomic_store_n(&r->listening, fd >= 0 && r->running, __ATOMIC_RELAXED);
}

struct audit_reader *audit_reader_open(const struct audit_reader_config *cfg)
{
	struct audit_reader *r = calloc(1, sizeof(*r));
	struct audit_asm_config ac = {
		.ring = cfg->ring,
		.progs = cfg->progs,
		.log_events = cfg->log_events,
		.self_pid = getpid(),
		.fetch = fetch_prog,
	};
	bool host_pidns = audit_status_in_host_pidns();
	char token[48];
	int err, fd;

	if (!host_pidns) {
		/* learn the pid the records show from a record of our own (below) */
		snprintf(token, sizeof(token), "bpfme-self-%08lx%08lx", (unsigned long)getpid(),
			 (unsigned long)time(NULL) ^ (unsigned long)(uintptr_t)&token);
		ac.self_pid = -1;
		ac.self_token = token;
	} else {
		ac.cgroup_of = cgroup_of;	/* the records' pids are /proc's */
		ac.cgroup_ctx = r;
	}

	if (!r)
		return NULL;
	r->cfg = *cfg;
	r->sock = -1;
	pthread_mutex_init(&r->sock_lock, NULL);
	r->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	err = r->wake_fd < 0 ? errno : ENOMEM;	/* EMFILE, ENFILE: the open file limit */
	r->recv_buf = malloc((size_t)RECV_SLOT * RECV_BATCH);
	r->asm_ = audit_asm_new(&ac);
	r->status = audit_status_open();
	if (r->wake_fd < 0 || !r->recv_buf || !r->asm_ || !r->status) {
		audit_reader_stop(r);
		errno = err;
		return NULL;
	}

	if (cfg->enable)
		audit_status_enable(r->status, STATUS_TIMEOUT_MS);

	err = subscribe(r, &fd, false, false);
	if (!err)
		open_spares(r);	/* while CAP_NET_ADMIN, if any, is there */
	if (err == -EPERM || err == -EACCES)
		log_warnx("cannot subscribe to audit events: permission denied (needs CAP_AUDIT_READ); "
			  "/events stays empty and bpf_audit_listener_up is 0");
	else if (err)
		log_warnx("cannot subscribe to audit events: %s; /events stays empty and "
			  "bpf_audit_listener_up is 0", strerror(-err));
	else
		set_sock(r, fd);
	if (!host_pidns && r->sock >= 0) {
		char text[96];

		snprintf(text, sizeof(text), "bpf-metrics-exporter learns its pid: %s", token);
		err = audit_status_send_user(r->status, text);
		if (err)
			log_warnx("outside the host's PID namespace the exporter cannot learn its own pid "
				  "(sending a USER audit message: %s; needs CAP_AUDIT_WRITE): UNLOADs "
				  "its own lookups cause may name the exporter; run with hostPID: true "
				  "or --pid=host, or grant CAP_AUDIT_WRITE", strerror(-err));
	}
	/* logs what it finds: audit off, or the status refused */
	audit_status_query(r->status, STATUS_TIMEOUT_MS);
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

/* The socket dropped messages: say how many, and what would help now. */
static void log_overflow(struct audit_reader *r)
{
	unsigned long long drops = r->drops_base + socket_drops(r->sock);
	int has = __atomic_load_n(&r->rcvbuf, __ATOMIC_RELAXED) / 2;

	if (has >= r->cfg.buffer_bytes)
		log_warnx("audit socket overflowed: %llu messages dropped so far "
			  "(raise --audit.buffer-bytes)", drops);
	else
		log_warnx("audit socket overflowed: %llu messages dropped so far (its receive buffer is "
			  "%d bytes, not the %d asked: raise net.core.rmem_max, or start the exporter "
			  "with CAP_NET_ADMIN)", drops, has, r->cfg.buffer_bytes);
}

/* Read what is waiting, bounded; 0, or -errno when the socket failed. */
static int read_burst(struct audit_reader *r)
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
					log_overflow(r);
				continue;
			}
			if (errno == EAGAIN || errno == EINTR)
				return 0;
			return -errno;
		}
		for (int i = 0; i < n; i++) {
			if (sa[i].nl_pid != 0)
				continue;	/* only the kernel speaks here */
			handle_datagram(r, iov[i].iov_base, msgs[i].msg_len,
					msgs[i].msg_hdr.msg_flags & MSG_TRUNC);
		}
		if (n < RECV_BATCH)
			return 0;	/* drained */
	}
	return 0;
}

static void *reader_main(void *arg)
{
	struct audit_reader *r = arg;
	double now = monotime_ms(), next_age = now + AGE_INTERVAL_MS;
	double next_status = now + STATUS_INTERVAL_MS, next_sub = now;
	int backoff = RESUBSCRIBE_MIN_MS;
	bool resub_failed = false;	/* since the last success: logged once */

	log_thread_queued();	/* this thread never waits on the log */

	for (;;) {
		struct pollfd pfd[3] = { { .fd = r->wake_fd, .events = POLLIN } };
		int nfds = 1, isock = -1, istatus = -1, n, fd, err;

		if (r->sock >= 0) {
			isock = nfds;
			pfd[nfds++] = (struct pollfd){ .fd = r->sock, .events = POLLIN };
		}
		if (audit_status_fd(r->status) >= 0) {
			istatus = nfds;
			pfd[nfds++] = (struct pollfd){ .fd = audit_status_fd(r->status), .events = POLLIN };
		}
		n = poll(pfd, (nfds_t)nfds, AGE_INTERVAL_MS);
		if (n < 0 && errno != EINTR) {
			if (log_ratelimit_ok(&poll_rl))
				log_warn("audit thread: poll failed; subscribing again");
			if (r->sock >= 0) {
				set_sock(r, -1);	/* listener down until the new socket */
				next_sub = monotime_ms() + backoff;
			}
			usleep(AGE_INTERVAL_MS * 1000);
		}
		if (n > 0 && pfd[0].revents)
			break;
		if (n > 0 && isock >= 0 && pfd[isock].revents) {
			err = pfd[isock].revents & POLLNVAL ? -EBADF : read_burst(r);
			if (err) {
				log_warnx("audit socket failed: %s; bpf_audit_listener_up is 0 until "
					  "the exporter subscribes again", strerror(-err));
				set_sock(r, -1);
				next_sub = monotime_ms() + backoff;
			}
		}
		if (n > 0 && istatus >= 0 && pfd[istatus].revents)
			audit_status_receive(r->status);
		now = monotime_ms();
		if (now >= next_age) {
			audit_asm_age(r->asm_);
			/* what the newest snapshot shows is gone: this thread forgets it */
			progcache_forget(r->cfg.progs);
			next_age = now + AGE_INTERVAL_MS;
		}
		if (now >= next_status) {
			audit_status_request(r->status);
			next_status = now + STATUS_INTERVAL_MS;
		}
		if (r->sock < 0 && now >= next_sub) {
			/* quiet after a failure: one line for the failure, one when it is back */
			err = subscribe(r, &fd, true, resub_failed);
			if (!err) {
				set_sock(r, fd);
				__atomic_add_fetch(&r->resubscribed, 1, __ATOMIC_RELAXED);
				log_info("subscribed to audit events again");
				backoff = RESUBSCRIBE_MIN_MS;
				resub_failed = false;
			} else {
				if (!resub_failed)
					log_warnx("cannot subscribe to audit events again: %s; "
						  "bpf_audit_listener_up stays 0 and the exporter keeps "
						  "trying, every %d s at most",
						  err == -EPERM || err == -EACCES ?
						  "permission denied (needs CAP_AUDIT_READ)" : strerror(-err),
						  RESUBSCRIBE_MAX_MS / 1000);
				resub_failed = true;
				__atomic_add_fetch(&r->resubscribe_failures, 1, __ATOMIC_RELAXED);
				__atomic_add_fetch(&r->resubscribe_failed, 1, __ATOMIC_RELAXED);
				if (backoff < RESUBSCRIBE_MAX_MS)
					backoff = backoff * 2 < RESUBSCRIBE_MAX_MS ? backoff * 2 :
						  RESUBSCRIBE_MAX_MS;
			}
			next_sub = now + backoff;
		}
	}
	audit_asm_flush(r->asm_);	/* what is pending still becomes events */
	return NULL;
}

int audit_reader_start(struct audit_reader *r)
{
	int err;

	if (!r)
		return 0;
	r->running = true;
	__atomic_store_n(&r->listening, r->sock >= 0, __ATOMIC_RELAXED);
	err = pthread_create(&r->thread, NULL, reader_main, r);
	if (err) {
		r->running = false;
		__atomic_store_n(&r->listening, false, __ATOMIC_RELAXED);
		return -err;
	}
	pthread_setname_np(r->thread, "bpfme-audit");	/* for top -H and the bench */
	return 0;
}

void audit_reader_stop(struct audit_reader *r)
{
	uint64_t one = 1;

	if (!r)
		return;
	if (r->running) {
		if (write(r->wake_fd, &one, sizeof(one)) < 0)
			log_warn("cannot wake the audit thread");
		pthread_join(r->thread, NULL);
		r->running = false;
		log_flush(1000);	/* its last lines are out */
	}
	set_sock(r, -1);
	while (r->nr_spares > 0)
		close(r->spares[--r->nr_spares]);
	if (r->wake_fd >= 0)
		close(r->wake_fd);
	audit_status_close(r->status);
	audit_asm_free(r->asm_);
	free(r->recv_buf);
	pthread_mutex_destroy(&r->sock_lock);
	free(r);
}

void audit_reader_state(struct audit_reader *r, struct audit_reader_state *st)
{
	memset(st, 0, sizeof(*st));
	if (!r)
		return;
	st->listening = __atomic_load_n(&r->listening, __ATOMIC_RELAXED);
	st->resubscribed = __atomic_load_n(&r->resubscribed, __ATOMIC_RELAXED);
	st->resubscribe_failures = __atomic_load_n(&r->resubscribe_failures, __ATOMIC_RELAXED);
	st->receive_buffer_bytes = __atomic_load_n(&r->rcvbuf, __ATOMIC_RELAXED);
	st->resubscribe_failed = __atomic_load_n(&r->resubscribe_failed, __ATOMIC_RELAXED);
	pthread_mutex_lock(&r->sock_lock);
	st->socket_drops = r->drops_base + socket_drops(r->sock);
	pthread_mutex_unlock(&r->sock_lock);
	audit_status_get(r->status, &st->kernel);
}

int audit_reader_fd(struct audit_reader *r)
{
	int fd;

	pthread_mutex_lock(&r->sock_lock);
	fd = r->sock;
	pthread_mutex_unlock(&r->sock_lock);
	return fd;
}
