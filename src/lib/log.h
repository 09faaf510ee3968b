/* SPDX-License-Identifier: Apache-2.0 */
/*
 * log - the one logger.  Every message of the exporter, libbpf and
 * libmicrohttpd goes through here to stderr, one line each, as logfmt
 *   ts=2026-11-25T04:12:07.123Z level=warn msg="..." [key=value ...]
 * or JSON
 *   {"ts":"...","level":"warn","msg":"..."}
 * Every line is valid UTF-8 and holds no line break, whatever the values
 * hold (see log_add_logfmt_value and json.h).
 * Thread-safe: each line is built in its own buffer and written with one
 * write(2) -- by the thread that logs it, or, for a thread that called
 * log_thread_queued() (the audit thread), by the log's own thread: such a
 * thread only puts the line on a bounded queue and never waits on the log.
 */
#ifndef BPFME_LOG_H
#define BPFME_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <time.h>

struct buf;

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };
enum log_format { LOG_FMT_LOGFMT, LOG_FMT_JSON };

/* Parse "debug", "info", "warn" or "error"; returns 0 or -EINVAL. */
int log_parse_level(const char *s, enum log_level *out);
/* Parse "logfmt" or "json"; returns 0 or -EINVAL. */
int log_parse_format(const char *s, enum log_format *out);

/* Set once at start-up, before other threads exist. */
void log_setup(enum log_level level, enum log_format format, int fd);
bool log_enabled(enum log_level level);

/* Send libbpf's and libmicrohttpd's diagnostics through this logger. */
void log_route_libbpf(void);
/*
 * An MHD_OPTION_EXTERNAL_LOGGER callback, rate-limited.  Its own answers to
 * clients' bad requests (4xx) log at debug, by status, without their HTML.
 */
void log_mhd(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void log_vmsg(enum log_level level, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/*
 * Append key=value fields: log_kv(LOG_INFO, "scrape done", "objects", "42", NULL).
 * Pairs of strings end with NULL; values are quoted/escaped as the format needs.
 */
#define LOG_MAX_FIELDS 32
void log_kv(enum log_level level, const char *msg, ...) __attribute__((sentinel));
/* The same with the pairs in an array ending with NULL (key NULL). */
void log_kv_array(enum log_level level, const char *msg, const char *const *kv);

/*
 * Append v as a logfmt value: bare when it is a non-empty run of printable
 * ASCII other than space, ", = and \; else quoted, the way Go's
 * strconv.Quote writes it (strconv.Unquote reads it back): \" \\ \n \t \r;
 * \xNN for the other ASCII controls and DEL and for each byte that is not
 * part of valid UTF-8 (the byte is kept, where JSON can only say \ufffd);
 * \u0085, \u2028 and so on for the C1 controls and U+2028/U+2029
 * (utf8_breaks_lines), as JSON writes them.  So the value is valid UTF-8 and
 * never spans lines.  Public for the fuzz target; log lines use it.
 */
void log_add_logfmt_value(struct buf *b, const char *v);

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
/* log_warnx: the message as given; log_warn: appends ": strerror(errno)". */
#define log_warnx(...) log_msg(LOG_WARN, __VA_ARGS__)
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define log_errx(...)  log_msg(LOG_ERROR, __VA_ARGS__)

/*
 * From now on the calling thread's lines go through the log's queue: it
 * never blocks on write(2).  The queue holds at most LOG_QUEUE_LINES lines
 * and LOG_QUEUE_BYTES bytes; a line that does not fit is dropped and
 * counted (log_dropped), and the log's thread (bpfme-log, started at the
 * first queued line) says how many once it catches up.  Lines keep their
 * order; each goes to the fd log_setup gave when it was logged.
 */
#define LOG_QUEUE_LINES 4096
#define LOG_QUEUE_BYTES (4 << 20)
void log_thread_queued(void);
/* Lines dropped because the queue was full, since start.  Any thread. */
unsigned long long log_dropped(void);
/*
 * Wait until every line queued so far is written, at most timeout_ms.
 * 0, or -ETIMEDOUT.  Any thread (shutdown, tests).
 */
int log_flush(int timeout_ms);

/*
 * A rate limit for messages that would otherwise repeat on every scrape:
 * log_ratelimit_ok() is true at most once per interval seconds per state.
 * Thread-safe.
 */
struct log_ratelimit {
	time_t interval;
	time_t next;		/* monotonic seconds; accessed atomically */
};
#define LOG_RATELIMIT_INIT(sec) { .interval = (sec), .next = 0 }
bool log_ratelimit_ok(struct log_ratelimit *rl);

#endif
