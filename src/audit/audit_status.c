// SPDX-License-Identifier: Apache-2.0
/* audit_status - the kernel's audit state, asked over netlink; see audit_status.h. */
#include "audit/audit_status.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "lib/log.h"
#include "lib/monotime.h"

#define MISSED_MAX 3		/* unanswered requests before the state is unknown */

struct audit_status_sock {
	int fd;
	uint32_t seq;			/* of the latest request */
	bool waiting;			/* for its answer */
	int missed;			/* requests in a row left unanswered */
	pthread_mutex_t lock;		/* guards cur */
	struct audit_kstatus cur;
	/* what was logged last, so each change is logged once */
	bool reported;
	int last_err;			/* 0: answered */
	uint32_t last_enabled;
};

/* The initial PID namespace's fixed inode (PROC_PID_INIT_INO in the kernel). */
#define PID_NS_INIT_INO 0xeffffffcU

/*
 * The kernel answers only from the initial user namespace (ECONNREFUSED
 * otherwise), and then only from the initial PID namespace with
 * CAP_AUDIT_CONTROL (EPERM for either: a container without hostPID gets it
 * too, so look).
 */
bool audit_status_in_host_pidns(void)
{
	struct stat st;

	return stat("/proc/self/ns/pid", &st) || st.st_ino == PID_NS_INIT_INO;
}

const char *audit_status_refused(int err)
{
	if (err == -ECONNREFUSED)
		return "the kernel answers only in the host's user namespace";
	if (err != -EPERM && err != -EACCES)
		return strerror(-err);
	if (!audit_status_in_host_pidns())
		return "the kernel answers only in the host's PID namespace: in a container, "
		       "run with hostPID: true or --pid=host";
	return "needs CAP_AUDIT_CONTROL";
}

struct audit_status_sock *audit_status_open(void)
{
	struct audit_status_sock *st = calloc(1, sizeof(*st));
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };

	if (!st)
		return NULL;
	pthread_mutex_init(&st->lock, NULL);
	st->seq = (uint32_t)time(NULL);	/* not 0, and new after a restart */
	st->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_AUDIT);
	if (st->fd >= 0 && bind(st->fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(st->fd);
		st->fd = -1;
	}
	if (st->fd < 0)
		log_warn("cannot open a socket to ask the kernel's audit status; bpf_audit_kernel_* metrics are absent");
	return st;
}

void audit_status_close(struct audit_status_sock *st)
{
	if (!st)
		return;
	if (st->fd >= 0)
		close(st->fd);
	pthread_mutex_destroy(&st->lock);
	free(st);
}

int audit_status_fd(const struct audit_status_sock *st)
{
	return st ? st->fd : -1;
}

/* Send one request of type with payload (flags beyond NLM_F_REQUEST in flags). */
static int send_request(struct audit_status_sock *st, uint16_t type, uint16_t flags,
			const void *data, size_t len)
{
	struct {
		struct nlmsghdr nh;
		struct audit_status s;
	} req;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };

	if (st->fd < 0)
		return -ENOTCONN;
	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = (uint32_t)NLMSG_LENGTH(len);
	req.nh.nlmsg_type = type;
	req.nh.nlmsg_flags = (uint16_t)(NLM_F_REQUEST | flags);
	req.nh.nlmsg_seq = ++st->seq;
	if (len)
		memcpy(&req.s, data, len);
	if (sendto(st->fd, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return -errno;
	return 0;
}

static int receive(struct audit_status_sock *st, uint16_t want, int *err, struct audit_status *ks);

int audit_status_send_user(struct audit_status_sock *st, const char *text)
{
	struct {
		struct nlmsghdr nh;
		char text[256];
	} req;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	size_t len = strlen(text) + 1;
	struct pollfd pfd = { .fd = st->fd, .events = POLLIN };
	struct audit_status ks;
	int err = 0;

	if (st->fd < 0)
		return -ENOTCONN;
	if (len > sizeof(req.text))
		return -EINVAL;
	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = (uint32_t)NLMSG_LENGTH(len);
	req.nh.nlmsg_type = AUDIT_USER;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	req.nh.nlmsg_seq = ++st->seq;
	memcpy(req.text, text, len);
	if (sendto(st->fd, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return -errno;
	/* the ack, or the refusal (EPERM without CAP_AUDIT_WRITE) */
	for (int i = 0; i < 10 && !receive(st, NLMSG_ERROR, &err, &ks); i++)
		if (poll(&pfd, 1, 100) < 0)
			break;
	return err;
}

static void publish(struct audit_status_sock *st, int err, const struct audit_status *ks)
{
	pthread_mutex_lock(&st->lock);
	st->cur.known = !err;
	if (!err) {
		st->cur.enabled = ks->enabled;
		st->cur.lost = ks->lost;
		st->cur.backlog = ks->backlog;
	}
	pthread_mutex_unlock(&st->lock);

	/* log each change once: the first answer, a refusal, audit off or on */
	if (err) {
		if (!st->reported || st->last_err != err)
			log_warnx("cannot read the kernel's audit status: %s; "
				  "bpf_audit_kernel_* metrics are absent",
				  err == -ETIMEDOUT ? "the kernel does not answer" : audit_status_refused(err));
	} else if (!st->reported || st->last_err) {
		if (st->reported)
			log_info("the kernel's audit status is readable again");
		if (!ks->enabled)
			log_warnx("kernel audit is disabled: no BPF events until it is enabled "
				  "(auditctl -e 1, or start with --audit.enable)");
	} else if (!ks->enabled != !st->last_enabled) {
		if (ks->enabled)
			log_info("kernel audit was enabled: BPF events are read again");
		else
			log_warnx("kernel audit was disabled: no BPF events until it is enabled "
				  "again (auditctl -e 1)");
	}
	st->reported = true;
	st->last_err = err;
	if (!err)
		st->last_enabled = ks->enabled;
}

int audit_status_request(struct audit_status_sock *st)
{
	int err;

	if (st->waiting && ++st->missed >= MISSED_MAX) {
		st->missed = 0;
		publish(st, -ETIMEDOUT, NULL);
	}
	err = send_request(st, AUDIT_GET, 0, NULL, 0);
	if (err) {
		st->waiting = false;
		publish(st, err, NULL);
		return err;
	}
	st->waiting = true;
	return 0;
}

/*
 * Read replies; returns 1 when the one to the latest request (of want
 * type; NLMSG_ERROR carries the ack or refusal) was taken, else 0.  *err
 * gets its error (0 for an answer or an ack).
 */
int audit_status_parse(const void *buf, size_t len, uint32_t seq, uint16_t want, int *err,
		       struct audit_status *ks)
{
	int taken = 0;

	for (const struct nlmsghdr *nh = buf; NLMSG_OK(nh, len); nh = NLMSG_NEXT(nh, len)) {
		size_t plen = nh->nlmsg_len - NLMSG_HDRLEN;

		if (nh->nlmsg_seq != seq)
			continue;	/* a late answer to an earlier request */
		if (nh->nlmsg_type == NLMSG_ERROR && plen >= sizeof(int)) {
			const struct nlmsgerr *e = NLMSG_DATA(nh);

			if (!e->error && want != NLMSG_ERROR)
				continue;	/* an ack; the answer follows */
			*err = e->error;
			taken = 1;
		} else if (nh->nlmsg_type == want && want == AUDIT_GET) {
			memset(ks, 0, sizeof(*ks));
			memcpy(ks, NLMSG_DATA(nh), plen < sizeof(*ks) ? plen : sizeof(*ks));
			*err = 0;
			taken = 1;
		}
	}
	return taken;
}

static int receive(struct audit_status_sock *st, uint16_t want, int *err, struct audit_status *ks)
{
	char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
	int taken = 0;

	for (;;) {
		struct sockaddr_nl from;
		socklen_t fromlen = sizeof(from);
		ssize_t n = recvfrom(st->fd, buf, sizeof(buf), MSG_DONTWAIT,
				     (struct sockaddr *)&from, &fromlen);

		if (n < 0)
			return taken;	/* EAGAIN: nothing more for now */
		if (from.nl_pid != 0)
			continue;	/* only the kernel answers */
		taken |= audit_status_parse(buf, (size_t)n, st->seq, want, err, ks);
	}
}

void audit_status_receive(struct audit_status_sock *st)
{
	struct audit_status ks;
	int err = 0;

	if (st->fd < 0 || !receive(st, AUDIT_GET, &err, &ks) || !st->waiting)
		return;
	st->waiting = false;
	st->missed = 0;
	publish(st, err, &ks);
}

/* Wait up to timeout_ms for the answer (want) to the latest request. */
static int wait_answer(struct audit_status_sock *st, uint16_t want, int timeout_ms,
		       struct audit_status *ks)
{
	double deadline = monotime_ms() + timeout_ms;
	struct pollfd pfd = { .fd = st->fd, .events = POLLIN };
	int err = 0;

	for (;;) {
		double left = deadline - monotime_ms();

		if (receive(st, want, &err, ks))
			return err;
		if (left <= 0 || poll(&pfd, 1, (int)left + 1) == 0)
			return -ETIMEDOUT;
	}
}

int audit_status_query(struct audit_status_sock *st, int timeout_ms)
{
	struct audit_status ks;
	int err = send_request(st, AUDIT_GET, 0, NULL, 0);

	if (!err)
		err = wait_answer(st, AUDIT_GET, timeout_ms, &ks);
	st->waiting = false;
	publish(st, err, &ks);
	return err;
}

void audit_status_enable(struct audit_status_sock *st, int timeout_ms)
{
	struct audit_status set, ks;
	int err = send_request(st, AUDIT_GET, 0, NULL, 0);
	bool known_off;

	if (!err)
		err = wait_answer(st, AUDIT_GET, timeout_ms, &ks);
	if (!err && ks.enabled) {
		log_info("kernel audit is enabled already (--audit.enable)");
		return;
	}
	known_off = !err;
	memset(&set, 0, sizeof(set));
	set.mask = AUDIT_STATUS_ENABLED;
	set.enabled = 1;
	err = send_request(st, AUDIT_SET, NLM_F_ACK, &set, sizeof(set));
	if (!err)
		err = wait_answer(st, NLMSG_ERROR, timeout_ms, &ks);
	if (err)
		log_warnx("cannot enable kernel audit (--audit.enable): %s; %s",
			  err == -ETIMEDOUT ? "the kernel does not answer" : audit_status_refused(err),
			  known_off ? "it is off: no BPF events until it is enabled (auditctl -e 1)" :
				      "if it is off, no BPF events appear until it is enabled (auditctl -e 1)");
	else
		log_info("kernel audit enabled (--audit.enable)");
}

void audit_status_get(struct audit_status_sock *st, struct audit_kstatus *out)
{
	if (!st) {
		memset(out, 0, sizeof(*out));
		return;
	}
	pthread_mutex_lock(&st->lock);
	*out = st->cur;
	pthread_mutex_unlock(&st->lock);
}
