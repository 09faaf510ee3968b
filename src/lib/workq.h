/* SPDX-License-Identifier: Apache-2.0 */
/*
 * workq - a small pool of named threads with a bounded queue: work that
 * must not run on a libmicrohttpd polling thread (a bcrypt, a large
 * render) is handed to it, and the job itself says when it is done (it
 * resumes the request it belongs to).
 *
 * Bound: at most max jobs waiting or running at once; one more is refused
 * (-EBUSY), never queued.  Jobs run in the order given, each on one of the
 * pool's threads, so a flood of jobs takes at most that many cores.
 * Thread-safe: every function may be called from any thread.
 */
#ifndef BPFME_WORKQ_H
#define BPFME_WORKQ_H

struct workq;

struct workq_job {
	/* runs on a pool thread; the job may be freed (its request resumed) once it is called */
	void (*run)(struct workq_job *job);
	struct workq_job *next;		/* the queue's */
};

/*
 * Start threads threads named name (at most 15 bytes) taking at most max
 * jobs at once (waiting or running), each at nice value nice (0: the
 * process's; more: yielding the CPU to the process's other threads, which
 * needs no privilege).  0 or -errno.
 */
int workq_start(struct workq **out, const char *name, unsigned int threads, unsigned int max,
		int nice);
/*
 * Queue job (its run set).  0; -EBUSY when max jobs are in already;
 * -ESHUTDOWN once workq_stop has begun.
 */
int workq_submit(struct workq *q, struct workq_job *job);
/* Jobs waiting or running now. */
unsigned int workq_pending(struct workq *q);
/* Run what is queued, stop and join the threads, free.  NULL is fine. */
void workq_stop(struct workq *q);

#endif
