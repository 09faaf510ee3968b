/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scraper - runs scrapes off the HTTP thread, coalesced.
 *
 * One thread (bpfme-scrape) serves scrapes in rounds.  A round starts when
 * a scrape waits: it takes one snapshot; every scrape that arrives while
 * that snapshot is being taken joins the round (the snapshot is no older
 * than its request); then the round renders each format its scrapes ask
 * for once, gzips it once if any of them accepts gzip, and hands each
 * scrape its answer, shared (reference-counted, never copied).  A scrape
 * that arrives while a round renders waits for the next one.  So N scrapes
 * at once cost one snapshot and at most one rendering per format and
 * encoding, and scraping uses at most the one thread (and the snapshot's
 * own helper), however many clients scrape: the HTTP thread, the audit
 * thread and the rest of the host keep their CPU.
 *
 * How many scrapes may wait is the caller's to bound (the HTTP server's
 * --web.max-requests slots); this queue holds whatever it is given.
 *
 * Thread-safety: scraper_submit() and scraper_answer_put() from any thread;
 * the rest from the thread that owns the scraper.
 */
#ifndef BPFME_SCRAPER_H
#define BPFME_SCRAPER_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/buf.h"
#include "metrics/om.h"

/* What the scraper needs of the collectors; every call is on the scrape thread. */
struct scraper_ops {
	/* Take a snapshot for one round into *snap (opaque); 0, or -errno with a one-line reason. */
	int (*snapshot)(void *ctx, void **snap, char *err, size_t errlen);
	/*
	 * Count the scrapes a round serves: scrapes in all, errors of them
	 * failed.  Called once per round before rendering, again (scrapes 0)
	 * if a rendering fails.
	 */
	void (*count)(void *ctx, unsigned int scrapes, unsigned int errors);
	/* Render snap in fmt, of the collectors select picks, into out; 0, or -errno with a reason. */
	int (*render)(void *ctx, void *snap, enum om_format fmt, unsigned int select, struct buf *out,
		      char *err, size_t errlen);
	/* Free what snapshot() made (also after it failed). */
	void (*release)(void *ctx, void *snap);
	/*
	 * A scrape's selection from its collect[] names (nr of them; 0: the
	 * default, *select 0): 0, or -EINVAL with the reason in why.  Any
	 * thread.
	 */
	int (*select)(void *ctx, const char *const *names, size_t nr, unsigned int *select,
		      struct buf *why);
};

/* An answer, shared by the scrapes of a round that asked the same. */
struct scraper_answer {
	int refs;		/* __atomic */
	int err;		/* 0, or -errno: the scrape failed, reason says why */
	char reason[160];
	enum om_format fmt;
	bool gzip;		/* data is gzip'd */
	char *data;
	size_t len;
};

/* One scrape, embedded in the submitter's request state. */
struct scraper_job {
	enum om_format fmt;
	bool gzip;		/* the client accepts gzip */
	unsigned int select;	/* the collectors (scraper_select()); scrapes share answers only alike */
	/*
	 * Called once, on the scrape thread, when answer is set (a reference
	 * the job owns: put it with scraper_answer_put()).  After it returns
	 * the scraper never touches the job again.
	 */
	void (*done)(struct scraper_job *job);
	struct scraper_answer *answer;
	struct scraper_job *next;	/* the scraper's */
};

struct scraper;

/* Start the thread; 0 or -errno. */
int scraper_start(struct scraper **out, const struct scraper_ops *ops, void *ctx);
/*
 * Queue job (fmt, gzip and done set).  0, or -ESHUTDOWN once
 * scraper_stop() has begun (done is then never called).
 */
int scraper_submit(struct scraper *s, struct scraper_job *job);
/*
 * Refuse new jobs, answer the waiting ones with -ESHUTDOWN, let the round
 * under way finish, and stop the thread: when it returns every job
 * submitted has had done() called.  NULL is fine; a second call does nothing.
 */
void scraper_stop(struct scraper *s);
/* Stop if not stopped, and free. */
void scraper_free(struct scraper *s);
/* ops->select(): a job's select from a request's collect[] values. */
int scraper_select(struct scraper *s, const char *const *names, size_t nr, unsigned int *select,
		   struct buf *why);
/* Rounds run so far (snapshots taken). */
unsigned long scraper_rounds(struct scraper *s);

/* Drop a reference to an answer.  NULL is fine. */
void scraper_answer_put(struct scraper_answer *a);

#endif
