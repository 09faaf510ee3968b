// SPDX-License-Identifier: Apache-2.0
/* log - one line per message to stderr in logfmt or JSON; see log.h. */
#include "lib/log.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "lib/buf.h"
#include "lib/json.h"
#include "lib/parse.h"
#include "lib/utf8.h"

static enum log_level log_min = LOG_INFO;
static enum log_format log_fmt = LOG_FMT_LOGFMT;
static int log_fd = 2;

static const char *const level_names[] = {
	[LOG_DEBUG] = "debug", [LOG_INFO] = "info",
	[LOG_WARN] = "warn", [LOG_ERROR] = "error",
};

int log_parse_level(const char *s, enum log_level *out)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (!strcmp(s, level_names[i])) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}

int log_parse_format(const char *s, enum log_format *out)
{
	if (!strcmp(s, "logfmt"))
		*out = LOG_FMT_LOGFMT;
	else if (!strcmp(s, "json"))
		*out = LOG_FMT_JSON;
	else
		return -EINVAL;
	return 0;
}

void log_setup(enum log_level level, enum log_format format, int fd)
{
	log_min = level;
	log_fmt = format;
	log_fd = fd;
}

bool log_enabled(enum log_level level)
{
	return level >= log_min;
}

void log_add_logfmt_value(struct buf *b, const char *v)
{
	const unsigned char *s = (const unsigned char *)v;
	bool plain = *s != '\0';

	for (const unsigned char *p = s; *p; p++) {
		if (*p <= ' ' || *p == '"' || *p == '=' || *p == '\\' || *p >= 0x7f) {
			plain = false;
			break;
		}
	}
	if (plain) {
		buf_addstr(b, v);
		return;
	}
	buf_addch(b, '"');
	while (*s) {
		unsigned char c = *s;
		size_t len;
		uint32_t cp;

		switch (c) {
		case '"': buf_addstr(b, "\\\""); break;
		case '\\': buf_addstr(b, "\\\\"); break;
		case '\n': buf_addstr(b, "\\n"); break;
		case '\t': buf_addstr(b, "\\t"); break;
		case '\r': buf_addstr(b, "\\r"); break;
		default:
			if (c < 0x80) {
				if (c < 0x20 || c == 0x7f)
					buf_addf(b, "\\x%02x", c);
				else
					buf_addch(b, (char)c);
				break;
			}
			len = utf8_seq_len(s, 4);	/* it stops at the NUL */
			if (!len) {
				buf_addf(b, "\\x%02x", c);	/* the byte, kept */
				break;
			}
			cp = utf8_decode(s, len);
			if (utf8_breaks_lines(cp))
				buf_addf(b, "\\u%04x", (unsigned int)cp);
			else
				buf_add(b, s, len);
			s += len;
			continue;
		}
		s++;
	}
	buf_addch(b, '"');
}

static void add_field(struct buf *b, const char *key, const char *value, bool first)
{
	if (log_fmt == LOG_FMT_JSON) {
		if (!first)
			buf_addch(b, ',');
		json_add_string(b, key);
		buf_addch(b, ':');
		json_add_string(b, value);
	} else {
		if (!first)
			buf_addch(b, ' ');
		buf_addstr(b, key);
		buf_addch(b, '=');
		log_add_logfmt_value(b, value);
	}
}

/*
 * The queue: a list of lines, guarded by q_lock, which each side holds
 * only to link or unlink lines (O(1): the writer takes the whole list at
 * once and writes it after letting go).
 */
struct qline {
	struct qline *next;
	int fd;
	size_t len;
	char text[];
};

static __thread bool thread_queued;
static pthread_mutex_t q_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t q_more = PTHREAD_COND_INITIALIZER;	/* a line was queued */
static pthread_cond_t q_done = PTHREAD_COND_INITIALIZER;	/* the writer wrote its batch */
static struct qline *q_head, **q_tail = &q_head;
static size_t q_lines, q_bytes;		/* queued, not yet taken by the writer */
static bool q_busy;			/* the writer holds a batch */
static bool q_started;
static unsigned long long q_dropped;	/* under q_lock; log_dropped reads it atomically */
static pthread_once_t q_once = PTHREAD_ONCE_INIT;

static void write_all(int fd, const char *p, size_t len)
{
	ssize_t n = write(fd, p, len);	/* one write(2) per line, as ever */

	(void)n;
}

static void emit_line(enum log_level level, const char *msg, int fd);

static void *writer_main(void *arg)
{
	unsigned long long told = 0;

	(void)arg;
	pthread_mutex_lock(&q_lock);
	for (;;) {
		struct qline *batch;
		unsigned long long dropped;

		while (!q_head)
			pthread_cond_wait(&q_more, &q_lock);
		batch = q_head;
		q_head = NULL;
		q_tail = &q_head;
		q_lines = q_bytes = 0;
		q_busy = true;
		dropped = q_dropped;
		pthread_mutex_unlock(&q_lock);
		for (struct qline *l = batch, *next; l; l = next) {
			next = l->next;
			write_all(l->fd, l->text, l->len);
			if (!next && dropped > told) {
				char msg[160];

				snprintf(msg, sizeof(msg), "the log's queue was full: %llu lines of the "
					 "audit thread dropped so far (bpf_audit_log_lines_dropped_total)",
					 dropped);
				emit_line(LOG_WARN, msg, l->fd);
				told = dropped;
			}
			free(l);
		}
		pthread_mutex_lock(&q_lock);
		q_busy = false;
		pthread_cond_broadcast(&q_done);
	}
	return NULL;
}

static void start_writer(void)
{
	pthread_t t;
	pthread_attr_t attr;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (!pthread_create(&t, &attr, writer_main, NULL)) {
		pthread_setname_np(t, "bpfme-log");
		__atomic_store_n(&q_started, true, __ATOMIC_RELEASE);
	}
	pthread_attr_destroy(&attr);
}

/* Queue a line of the calling thread; false when it could not be (write it directly). */
static bool enqueue(const char *text, size_t len, int fd)
{
	struct qline *l;

	pthread_once(&q_once, start_writer);
	if (!__atomic_load_n(&q_started, __ATOMIC_ACQUIRE))
		return false;	/* no thread: write it directly */
	l = malloc(sizeof(*l) + len);
	if (l) {
		l->next = NULL;
		l->fd = fd;
		l->len = len;
		memcpy(l->text, text, len);
	}
	pthread_mutex_lock(&q_lock);
	if (!l || q_lines >= LOG_QUEUE_LINES || q_bytes + len > LOG_QUEUE_BYTES) {
		__atomic_add_fetch(&q_dropped, 1, __ATOMIC_RELAXED);
		pthread_mutex_unlock(&q_lock);
		free(l);
		return true;
	}
	*q_tail = l;
	q_tail = &l->next;
	q_lines++;
	q_bytes += len;
	pthread_cond_signal(&q_more);
	pthread_mutex_unlock(&q_lock);
	return true;
}

void log_thread_queued(void)
{
	thread_queued = true;
}

unsigned long long log_dropped(void)
{
	return __atomic_load_n(&q_dropped, __ATOMIC_RELAXED);
}

int log_flush(int timeout_ms)
{
	struct timespec until;
	int err = 0;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&q_lock);
	while ((q_head || q_busy) && !err)
		err = pthread_cond_timedwait(&q_done, &q_lock, &until);
	pthread_mutex_unlock(&q_lock);
	return err ? -ETIMEDOUT : 0;
}

static void emit_kv(enum log_level level, const char *msg, const char *const *kv, int fd)
{
	struct buf line = BUF_INIT;
	struct timespec ts;
	struct tm tm;
	char when[40];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(when + 19, sizeof(when) - 19, ".%03dZ", (int)(ts.tv_nsec / 1000000) % 1000);

	buf_grow(&line, 128 + strlen(msg));
	if (log_fmt == LOG_FMT_JSON)
		buf_addch(&line, '{');
	add_field(&line, "ts", when, true);
	add_field(&line, "level", level_names[level], false);
	add_field(&line, "msg", msg, false);
	for (; kv && kv[0]; kv += 2)
		add_field(&line, kv[0], kv[1] ? kv[1] : "", false);
	if (log_fmt == LOG_FMT_JSON)
		buf_addch(&line, '}');
	buf_addch(&line, '\n');
	if (!line.oom && !(thread_queued && enqueue(line.buf, line.len, fd)))
		write_all(fd, line.buf, line.len);
	buf_release(&line);
}

static void emit(enum log_level level, const char *msg, const char *const *kv)
{
	emit_kv(level, msg, kv, log_fd);
}

/* A line of the log's own thread: written straight to fd. */
static void emit_line(enum log_level level, const char *msg, int fd)
{
	emit_kv(level, msg, NULL, fd);
}

void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	struct buf msg = BUF_INIT;

	if (level < log_min)
		return;
	buf_vaddf(&msg, fmt, ap);
	/* Library messages end in newlines; a log line must not. */
	while (msg.len && (msg.buf[msg.len - 1] == '\n' || msg.buf[msg.len - 1] == ' '))
		msg.buf[--msg.len] = '\0';
	emit(level, msg.buf, NULL);
	buf_release(&msg);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

void log_warn(const char *fmt, ...)
{
	struct buf msg = BUF_INIT;
	int saved = errno;
	va_list ap;

	if (LOG_WARN < log_min)
		return;
	va_start(ap, fmt);
	buf_vaddf(&msg, fmt, ap);
	va_end(ap);
	buf_addf(&msg, ": %s", strerror(saved));
	emit(LOG_WARN, msg.buf, NULL);
	buf_release(&msg);
	errno = saved;
}

void log_kv(enum log_level level, const char *msg, ...)
{
	const char *kv[2 * LOG_MAX_FIELDS + 1];
	size_t n = 0;
	va_list ap;

	if (level < log_min)
		return;
	va_start(ap, msg);
	while (n < 2 * LOG_MAX_FIELDS && (kv[n] = va_arg(ap, const char *)) != NULL) {
		kv[n + 1] = va_arg(ap, const char *);
		n += 2;
	}
	va_end(ap);
	kv[n] = NULL;
	emit(level, msg, kv);
}

void log_kv_array(enum log_level level, const char *msg, const char *const *kv)
{
	if (level >= log_min)
		emit(level, msg, kv);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	enum log_level l = level == LIBBPF_WARN ? LOG_WARN :
			   level == LIBBPF_INFO ? LOG_INFO : LOG_DEBUG;

	/* libbpf's info chatter is debug detail for an exporter. */
	if (l == LOG_INFO)
		l = LOG_DEBUG;
	log_vmsg(l, fmt, ap);
	return 0;
}

void log_route_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}

/* How libmicrohttpd says it answered a request itself; its HTML body follows. */
static const char mhd_refused[] = "Error processing request (HTTP response code is ";

void log_mhd(void *cls, const char *fmt, va_list ap)
{
	/* Mostly complaints about clients (bad requests, resets): keep a flood quiet. */
	static struct log_ratelimit rl = LOG_RATELIMIT_INIT(10);
	static unsigned long suppressed;
	enum log_level level = LOG_WARN;
	struct buf msg = BUF_INIT;
	unsigned long n;

	(void)cls;
	buf_vaddf(&msg, fmt, ap);
	if (!strncmp(msg.buf, mhd_refused, sizeof(mhd_refused) - 1)) {
		/* The status says it; a client's bad request is no warning. */
		const char *digits = msg.buf + sizeof(mhd_refused) - 1;
		uint64_t code = 0;

		parse_dec(&digits, NULL, UINT64_MAX, &code);	/* none: 0 */

		buf_reset(&msg);
		buf_addf(&msg, "libmicrohttpd answered %" PRIu64 " to a request itself and closed the connection",
			 code);
		if (code >= 400 && code < 500)
			level = LOG_DEBUG;
	} else if (!strncmp(msg.buf, "Not enough memory in pool", 25)) {
		level = LOG_DEBUG;	/* a request head too large for the connection's pool */
	} else if (!strncmp(msg.buf, "Error: received handshake message out of context", 48)) {
		/* what 0.9.75 says of every failed TLS handshake: the client's doing */
		buf_reset(&msg);
		buf_addstr(&msg, "a TLS handshake failed and the connection was closed (plain HTTP, "
			   "a missing or untrusted client certificate, or no common version or cipher)");
		level = LOG_DEBUG;
	} else if (!strncmp(msg.buf, "Connection socket is closed", 27) ||
		   strstr(msg.buf, "closed by remote peer") ||
		   strstr(msg.buf, "no longer available for sending")) {
		/* a client left (while its scrape ran, say), or was dropped at a deadline */
		level = LOG_DEBUG;
	}
	if (!log_enabled(level))
		goto out;
	if (!log_ratelimit_ok(&rl)) {
		__atomic_add_fetch(&suppressed, 1, __ATOMIC_RELAXED);
		goto out;
	}
	n = __atomic_exchange_n(&suppressed, 0, __ATOMIC_RELAXED);
	if (n)
		log_msg(LOG_WARN, "libmicrohttpd: %lu similar messages suppressed", n);
	log_msg(level, "%s", msg.buf);
out:
	buf_release(&msg);
}

bool log_ratelimit_ok(struct log_ratelimit *rl)
{
	struct timespec ts;
	time_t next;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	next = __atomic_load_n(&rl->next, __ATOMIC_RELAXED);
	if (ts.tv_sec < next)
		return false;
	return __atomic_compare_exchange_n(&rl->next, &next, ts.tv_sec + rl->interval,
					   false, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
}
