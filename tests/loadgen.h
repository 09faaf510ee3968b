/* SPDX-License-Identifier: Apache-2.0 */
/*
 * loadgen - the load behind the serving targets of issue 9, shared by the
 * root suite (check_server) and `make bench`: the BPF objects a heavy
 * scrape walks, clients that scrape back to back, a slowloris, clients
 * that never read their answer, and the figures they are judged by (the
 * exporter's RSS, the kernel memory its sockets hold).
 *
 * Every client talks to 127.0.0.1 from an address of 127.0.0.0/8, which
 * Linux routes to loopback without configuration.  Everything is bounded:
 * counts are the caller's, every wait has a deadline.  Functions return 0
 * or -errno (or an fd); what they hand out is freed by the matching call.
 */
#ifndef BPFME_TESTS_LOADGEN_H
#define BPFME_TESTS_LOADGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * A TCP connection to 127.0.0.1:port from src (an address of 127.0.0.0/8,
 * NULL: any), with send and receive timeouts of timeout_ms; rcvbuf > 0
 * shrinks the receive buffer before connecting.  fd or -errno.
 */
int lg_connect(const char *src, int port, int rcvbuf, int timeout_ms);

/*
 * One GET of path from src on a fresh connection, read to the end (at most
 * timeout_ms); headers is "Name: value\r\n..." or NULL.  Returns the time
 * it took in ms, *status the answer's status (-1: none); *bytes (may be
 * NULL) what was received.
 */
double lg_get(int port, const char *src, const char *path, const char *headers, int timeout_ms,
	      int *status, size_t *bytes);

/* ---- the objects a heavy scrape walks ---- */

struct lg_objs {
	int *fds;
	size_t nr;
};

/*
 * Create maps, load programs (one in ten a raw tracepoint program with a
 * link, the rest socket filters, a quarter of them using a map) and
 * links.  On failure everything made so far is released.
 */
int lg_objs_load(struct lg_objs *o, size_t progs, size_t maps, size_t links);
void lg_objs_release(struct lg_objs *o);

/* ---- clients that scrape back to back ---- */

struct lg_scrapers;

struct lg_scrape_stats {
	unsigned long ok;		/* 200 with the whole answer */
	unsigned long refused;		/* 503 (or 429) */
	unsigned long unauthorized;	/* 401 */
	unsigned long failed;		/* anything else */
	double max_ms;			/* the slowest answer */
};

/*
 * n threads, client i from 127.0.0.(first_octet + i), each scraping path
 * back to back (every other one asking for gzip, as Prometheus does).
 */
int lg_scrapers_start(struct lg_scrapers **out, int port, const char *path, int n,
		      int first_octet);
/*
 * A flood: n threads, client i from 127.0.0.(first_octet + i), each GETting
 * path with headers ("Name: value\r\n...", e.g. a wrong password) back to
 * back, never backing off.  Stopped and summed up as scrapers.
 */
int lg_flood_start(struct lg_scrapers **out, int port, const char *path, const char *headers, int n,
		   int first_octet);
/* Answers the clients have had so far (to wait for a load to be under way). */
unsigned long lg_scrapers_answered(struct lg_scrapers *s);
/* Stop them (each finishes its scrape, at most 10 s) and sum up. */
void lg_scrapers_stop(struct lg_scrapers *s, struct lg_scrape_stats *st);

/* ---- slowloris ---- */

struct lg_slowloris;

struct lg_slowloris_stats {
	size_t opened;		/* connections made */
	size_t refused;		/* closed by the server within 1 s of opening */
	size_t held;		/* still open */
	size_t dropped;		/* closed later, while the client kept sending */
	double first_drop_s;	/* of those, the earliest and the latest close, in */
	double last_drop_s;	/* seconds after its connection opened */
};

/*
 * per_src connections from each of the nr_srcs addresses, each sending a
 * request line and then one header line every period_ms, never ending the
 * request.  Runs on a thread of its own until stopped.
 */
int lg_slowloris_start(struct lg_slowloris **out, int port, const char *const *srcs,
		       size_t nr_srcs, size_t per_src, int period_ms);
void lg_slowloris_stats(struct lg_slowloris *l, struct lg_slowloris_stats *st);
void lg_slowloris_stop(struct lg_slowloris *l);

/* ---- clients that never read ---- */

struct lg_non_readers {
	int *fds;
	size_t nr;
};

/*
 * per_src connections from each of the nr_srcs addresses, each with a 4 KiB
 * receive buffer, each sending request (a whole GET) and never reading.
 */
int lg_non_readers_open(struct lg_non_readers *nr, int port, const char *const *srcs,
			size_t nr_srcs, size_t per_src, const char *request);
/*
 * How many have an answer waiting with status 200, with 503, and how many
 * the server has closed (answered or not), looking without reading.
 */
void lg_non_readers_count(const struct lg_non_readers *nr, size_t *ok, size_t *refused,
			  size_t *closed);
void lg_non_readers_close(struct lg_non_readers *nr);

/* ---- figures ---- */

/* VmRSS of pid in KiB, -1 if unknown. */
long lg_rss_kb(pid_t pid);
/*
 * The number on the line "key:" of /proc/PID/status (kB for the Vm* and
 * Rss* lines, a count for Threads), -1 if unknown.
 */
long lg_status_kb(pid_t pid, const char *key);
/*
 * Bytes in the send queues of the server's side of every connection to
 * 127.0.0.1:port (/proc/net/tcp), and how many of those sockets hold some.
 */
long lg_send_queue_bytes(int port, size_t *sockets);
/* The kernel's TCP memory in use, in bytes (/proc/net/sockstat "TCP: ... mem"), -1 if unknown. */
long lg_tcp_mem_bytes(void);

#endif
