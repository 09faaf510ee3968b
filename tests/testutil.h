/* SPDX-License-Identifier: Apache-2.0 */
/*
 * testutil - what the root suites and the benchmark share: real BPF objects
 * from hand-written instructions, the real binary started on a free
 * 127.0.0.1 port, a small HTTP/1.1 client, and a parser for the exposition
 * it serves.  Functions return 0 / -errno (or an fd) like the project's own;
 * memory they hand out is freed by the matching *_free().
 */
#ifndef BPFME_TESTUTIL_H
#define BPFME_TESTUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include <linux/bpf.h>

/* ---- BPF objects ---- */

/*
 * Load a program of the given type: one ld_imm64 per map fd (so the kernel
 * records them as the program's maps, in that order), then "r0 = ret; exit"
 * with ret 2 (XDP_PASS) for XDP and 0 otherwise.  Returns the fd or -errno.
 */
int tu_prog_load(enum bpf_prog_type type, const char *name, const char *license,
		 const int *map_fds, size_t nr_maps);
/* Create a map; returns the fd or -errno. */
int tu_map_create(enum bpf_map_type type, const char *name, uint32_t key_size,
		  uint32_t value_size, uint32_t max_entries, uint32_t flags);
/* Attach a BPF_PROG_TYPE_RAW_TRACEPOINT program; returns the link fd or -errno. */
int tu_raw_tp_link(int prog_fd, const char *tracepoint);
/* bpf_obj_get_info_by_fd into a zeroed info of len bytes; 0 or -errno. */
int tu_obj_info(int fd, void *info, uint32_t len);
/* The "memlock:" value of /proc/self/fdinfo/<fd>, or 0. */
uint64_t tu_fdinfo_memlock(int fd);
/* Raise RLIMIT_NOFILE to at least n (for tests that hold many objects). */
void tu_raise_nofile(rlim_t n);
/*
 * Where this mount namespace has the cgroup v2 hierarchy (/sys/fs/cgroup,
 * or /sys/fs/cgroup/unified on hybrid hosts), into out (size bytes).
 * 0, or -errno (-ENOENT: none).
 */
int tu_cgroup2_mount(char *out, size_t size);

/*
 * A roomy kernel audit queue (backlog limit TU_AUDIT_BACKLOG, as one sets
 * with auditctl -b): with audit on and the boot default of 64, a process
 * making many audited syscalls (a BPF churn loop) sleeps up to
 * backlog_wait_time in each, and records made where it cannot sleep (BPF
 * records) are lost.  If enable, also turn audit on.  0 or -errno.
 */
#define TU_AUDIT_BACKLOG 65536
int tu_audit_prepare(bool enable);

/* ---- the binary ---- */

/* $BPFME_BIN, or ./bpf-metrics-exporter. */
const char *tu_bin(void);
/* A TCP port on 127.0.0.1 that was free a moment ago. */
int tu_free_port(void);

struct tu_exporter {
	pid_t pid;
	int port;
	char log_path[64];	/* the exporter's stderr */
	pid_t guard_pid;	/* watchdog: kills pid if the test process dies */
	int guard_fd;
};

/*
 * Start the binary with --web.listen-address=127.0.0.1:<free port> (unless
 * args has its own) and the NULL-terminated extra args, stderr to a temp
 * file; wait up to 5 s until the port accepts connections.  Returns 0, or
 * -ECHILD if the process exited first, -ETIMEDOUT.  Retries once with a new
 * port if the port was taken meanwhile.  A watchdog process SIGKILLs the
 * exporter (and removes its log) if the caller dies without stopping it:
 * check ends a test at its first failed assertion, before any teardown.
 */
int tu_exporter_start(struct tu_exporter *e, const char *const *args);
/* tu_exporter_start() with setup (NULL: none) run in the child before exec, e.g. to drop a capability. */
int tu_exporter_start_setup(struct tu_exporter *e, const char *const *args, void (*setup)(void));
/*
 * SIGTERM, then wait up to timeout_ms (SIGKILL after that).  *status gets
 * the wait status, *ms the time it took to exit (either may be NULL).
 * Stops the watchdog, removes the log file.  Returns 0, or -ETIMEDOUT if it
 * had to be killed.  e->pid 0 (stopped already): only the cleanup.
 */
int tu_exporter_stop(struct tu_exporter *e, int timeout_ms, int *status, double *ms);
/*
 * tu_exporter_stop with sig instead of SIGTERM; *ms counts from the signal,
 * and with log not NULL *log gets the exporter's stderr (malloc'd) read
 * before its file is removed.
 */
int tu_exporter_stop_with(struct tu_exporter *e, int sig, int timeout_ms, int *status, double *ms,
			  char **log);
/*
 * Wait for the child pid to exit, at most timeout_ms (then SIGKILL it and
 * wait again), without polling on a timer (a pidfd).  *status (may be
 * NULL) gets its wait status.  0 (also when pid is no child to wait for),
 * or -ETIMEDOUT if it had to be killed.
 */
int tu_reap(pid_t pid, int timeout_ms, int *status);
/* The exporter's stderr so far (malloc'd, NUL-terminated). */
char *tu_exporter_log(const struct tu_exporter *e);
/*
 * The first warning line of an exporter's log (NULL: none), leaving out the
 * holders collector's "cannot read the open files" line: hosts may refuse
 * every reader some process's fds (this test VM's PID 1 does, even to full
 * root), which is that collector's business, not the test's.
 */
const char *tu_log_warning(const char *log);
/* Open fds of a process (entries of /proc/PID/fd), or -errno. */
int tu_fd_count(pid_t pid);

/*
 * Run argv (argv[0] is the program) to completion, at most timeout_ms,
 * capturing stdout and stderr together into *output (malloc'd; may be
 * NULL).  *status gets the wait status.  Returns 0 or -errno/-ETIMEDOUT.
 * If setup is not NULL it runs in the child before exec (e.g. to drop
 * privileges).
 */
int tu_run(char *const argv[], int timeout_ms, void (*setup)(void),
	   int *status, char **output);

/* ---- HTTP ---- */

/* A TCP connection to 127.0.0.1:port with send/receive timeouts; fd or -errno. */
int tu_connect(int port, int timeout_ms);

struct tu_http_resp {
	int status;
	char *head;		/* status line and headers */
	char *body;		/* de-chunked, NUL-terminated */
	size_t body_len;
};

/* The Accept header Prometheus sends, which tu_http() sends unless told otherwise. */
#define TU_ACCEPT_OPENMETRICS "Accept: application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1\r\n"
/*
 * One request to 127.0.0.1:port with "Connection: close"; extra_headers is
 * "Name: value\r\n..." or NULL.  Without an Accept field in extra_headers
 * it asks as Prometheus does (TU_ACCEPT_OPENMETRICS).  Waits at most 10 s.
 * 0 or -errno.
 */
int tu_http(int port, const char *method, const char *path, const char *extra_headers,
	    struct tu_http_resp *r);
/* As tu_http(), with no header but Host, Connection and headers (no Accept of its own). */
int tu_http_as_is(int port, const char *method, const char *path, const char *headers,
		  struct tu_http_resp *r);
/* The newest seq at /events of the exporter on port into *seq (0 when it has none); 0 or -1. */
int tu_events_last_seq(int port, uint64_t *seq);
/* The value of a response header (case-insensitive name), malloc'd, or NULL. */
char *tu_http_header(const struct tu_http_resp *r, const char *name);
void tu_http_free(struct tu_http_resp *r);
/* Undo chunked transfer coding in place; 0 or -EINVAL. */
int tu_dechunk(char *body, size_t len, size_t *out_len);
/* Gunzip in (gzip format) into *out (malloc'd, NUL-terminated). 0 or -EINVAL. */
int tu_gunzip(const char *in, size_t len, char **out, size_t *out_len);

/* ---- exposition parsing ---- */

struct tu_label {
	char *key;
	char *value;		/* unescaped */
};

struct tu_sample {
	char *name;
	struct tu_label *labels;
	size_t nr_labels;
	char *value;		/* as written */
};

struct tu_expo {
	struct tu_sample *samples;
	size_t nr;
};

/* Parse every sample line (comments skipped).  0, or -EINVAL on a malformed line. */
int tu_expo_parse(const char *text, struct tu_expo *out);
void tu_expo_free(struct tu_expo *e);
/* A label's value, or NULL. */
const char *tu_sample_label(const struct tu_sample *s, const char *key);
/* The first sample called name whose label key equals value (key NULL: any). */
const struct tu_sample *tu_expo_find(const struct tu_expo *e, const char *name,
				     const char *key, const char *value);
/* Samples called name. */
size_t tu_expo_count(const struct tu_expo *e, const char *name);

/* Monotonic milliseconds. */
double tu_now_ms(void);

/*
 * Whether this is a CI run: CI set and not "", "false" or "0" (CI=true in
 * .ci/run).  In CI a test that cannot run fails instead of skipping.
 * tests/contrib/ctutil.py's IN_CI is the same rule.
 */
bool tu_in_ci(void);

/*
 * s (NULL: "(null)") cut to its first 1023 bytes, for failure messages
 * (check caps a message at 4 kB).  Returns one of four per-thread static
 * buffers in turn: four clips fit in one message.
 */
const char *tu_clip(const char *s);

/* The longest user:password tu_basic_auth encodes; longer ones are cut. */
#define TU_BASIC_AUTH_MAX 1023
/*
 * "Basic " and the base64 of user:password: an Authorization header's
 * value.  Returns a per-thread static buffer, valid until the thread's
 * next call.
 */
const char *tu_basic_auth(const char *user, const char *password);

/*
 * Wait until cond(arg) holds, at most timeout_ms: true as soon as it does,
 * false at the deadline (cond asked once more there).  cond is asked at
 * once, then every millisecond at first, backing off to every 20 ms.  For
 * what has nothing to block on (another thread's or process's progress,
 * the kernel's state); what gives an fd to poll is better polled.
 */
bool tu_wait_until(bool (*cond)(void *arg), void *arg, int timeout_ms);

#endif
