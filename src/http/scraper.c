// SPDX-License-Identifier: Apache-2.0
/* scraper - scrapes in rounds on their own thread, coalesced; see scraper.h. */
#include "http/scraper.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/negotiate.h"

#define NR_FORMATS (OM_FMT_TEXT + 1)

struct scraper {
	const struct scraper_ops *ops;
	void *ctx;
	pthread_t thread;
	bool started;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	/* under lock: */
	bool stopping;
	bool snapshotting;		/* a round's snapshot is being taken: submit joins it */
	struct scraper_job *waiting;	/* for the next round, in order */
	struct scraper_job **waiting_tail;
	struct scraper_job *joining;	/* joined the round under way */
	struct scraper_job **joining_tail;
	unsigned long rounds;
};

static void append(struct scraper_job ***tail, struct scraper_job *job)
{
	job->next = NULL;
	**tail = job;
	*tail = &job->next;
}

void scraper_answer_put(struct scraper_answer *a)
{
	if (a && __atomic_sub_fetch(&a->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		free(a->data);
		free(a);
	}
}

static struct scraper_answer *answer_new(enum om_format fmt)
{
	struct scraper_answer *a = calloc(1, sizeof(*a));

	if (a)
		a->fmt = fmt;
	return a;
}

/* Hand each job of list its answer (taking a reference) and call done; list is gone after. */
static void finish(struct scraper_job *list, struct scraper_answer *a)
{
	while (list) {
		struct scraper_job *next = list->next;

		if (a)
			__atomic_add_fetch(&a->refs, 1, __ATOMIC_RELAXED);
		list->answer = a;
		list->done(list);
		list = next;
	}
}

/*
 * The answer for jobs that cannot get one: err and reason.  If even that
 * cannot be allocated, the jobs get a NULL answer (the caller treats it as
 * out of memory).
 */
static void fail_all(struct scraper_job *list, int err, const char *reason)
{
	struct scraper_answer *a = answer_new(OM_FMT_OPENMETRICS);

	if (a) {
		a->err = err;
		snprintf(a->reason, sizeof(a->reason), "%s", reason);
		a->refs = 1;
	}
	finish(list, a);
	scraper_answer_put(a);
}

static unsigned int count_jobs(const struct scraper_job *list)
{
	unsigned int n = 0;

	for (; list; list = list->next)
		n++;
	return n;
}

/* One format of a round: render it, gzip it if asked, answer its jobs. */
static void render_format(struct scraper *s, void *snap, enum om_format fmt, unsigned int select,
			  struct scraper_job *plain, struct scraper_job *zipped)
{
	struct scraper_answer *a = answer_new(fmt), *z = NULL;
	struct buf body = BUF_INIT, gz = BUF_INIT;
	char err[160] = "";
	int ret;

	if (!a) {
		s->ops->count(s->ctx, 0, count_jobs(plain) + count_jobs(zipped));
		fail_all(plain, -ENOMEM, "out of memory");
		fail_all(zipped, -ENOMEM, "out of memory");
		return;
	}
	a->refs = 1;
	ret = s->ops->render(s->ctx, snap, fmt, select, &body, err, sizeof(err));
	if (!ret && body.oom) {
		ret = -ENOMEM;
		snprintf(err, sizeof(err), "out of memory");
	}
	if (ret) {
		s->ops->count(s->ctx, 0, count_jobs(plain) + count_jobs(zipped));
		buf_release(&body);
		a->err = ret;
		snprintf(a->reason, sizeof(a->reason), "%s", err);
		finish(plain, a);
		finish(zipped, a);
		scraper_answer_put(a);
		return;
	}
	if (zipped && negotiate_gzip(&gz, body.buf, body.len) == 0 && !gz.oom && (z = answer_new(fmt))) {
		z->refs = 1;
		z->gzip = true;
		z->data = buf_detach(&gz, &z->len);
	}
	buf_release(&gz);
	a->data = buf_detach(&body, &a->len);
	finish(plain, a);
	finish(zipped, z ? z : a);	/* gzip failed: plain is an answer too */
	scraper_answer_put(a);
	scraper_answer_put(z);
}

static void run_round(struct scraper *s, struct scraper_job *round, void *snap)
{
	s->ops->count(s->ctx, count_jobs(round), 0);
	/* one selection at a time (nearly always the one: collect[] is rare) */
	while (round) {
		struct scraper_job *plain[NR_FORMATS] = { NULL }, *zipped[NR_FORMATS] = { NULL };
		struct scraper_job *rest = NULL, *job = round;
		unsigned int select = round->select;

		while (job) {
			struct scraper_job *next = job->next;
			struct scraper_job **list = job->select != select ? &rest :
						    job->gzip ? &zipped[job->fmt] : &plain[job->fmt];

			job->next = *list;	/* order within a list does not matter */
			*list = job;
			job = next;
		}
		for (int f = 0; f < NR_FORMATS; f++)
			if (plain[f] || zipped[f])
				render_format(s, snap, (enum om_format)f, select, plain[f], zipped[f]);
		round = rest;
	}
}

int scraper_select(struct scraper *s, const char *const *names, size_t nr, unsigned int *select,
		   struct buf *why)
{
	*select = 0;
	if (!nr)
		return 0;
	if (!s->ops->select) {
		buf_addstr(why, "collect[] is not supported here");
		return -EINVAL;
	}
	return s->ops->select(s->ctx, names, nr, select, why);
}

static void *run(void *arg)
{
	struct scraper *s = arg;

	pthread_mutex_lock(&s->lock);
	for (;;) {
		struct scraper_job *round;
		char err[160] = "";
		void *snap = NULL;
		int ret;

		while (!s->waiting && !s->stopping)
			pthread_cond_wait(&s->wake, &s->lock);
		if (s->stopping)
			break;
		/* the waiting jobs open the round; those that come during the snapshot join it */
		s->joining = s->waiting;
		s->joining_tail = s->waiting_tail;
		s->waiting = NULL;
		s->waiting_tail = &s->waiting;
		s->snapshotting = true;
		s->rounds++;
		pthread_mutex_unlock(&s->lock);

		ret = s->ops->snapshot(s->ctx, &snap, err, sizeof(err));

		pthread_mutex_lock(&s->lock);
		s->snapshotting = false;
		round = s->joining;
		s->joining = NULL;
		s->joining_tail = &s->joining;
		pthread_mutex_unlock(&s->lock);

		if (ret) {
			unsigned int n = count_jobs(round);

			s->ops->count(s->ctx, n, n);
			fail_all(round, ret, err);
		} else {
			run_round(s, round, snap);
		}
		s->ops->release(s->ctx, snap);
		pthread_mutex_lock(&s->lock);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

int scraper_start(struct scraper **out, const struct scraper_ops *ops, void *ctx)
{
	struct scraper *s = calloc(1, sizeof(*s));
	int ret;

	if (!s)
		return -ENOMEM;
	s->ops = ops;
	s->ctx = ctx;
	s->waiting_tail = &s->waiting;
	s->joining_tail = &s->joining;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->wake, NULL);
	ret = pthread_create(&s->thread, NULL, run, s);
	if (ret) {
		pthread_cond_destroy(&s->wake);
		pthread_mutex_destroy(&s->lock);
		free(s);
		return -ret;
	}
	pthread_setname_np(s->thread, "bpfme-scrape");
	s->started = true;
	*out = s;
	return 0;
}

int scraper_submit(struct scraper *s, struct scraper_job *job)
{
	int ret = 0;

	job->answer = NULL;
	pthread_mutex_lock(&s->lock);
	if (s->stopping) {
		ret = -ESHUTDOWN;
	} else if (s->snapshotting) {
		append(&s->joining_tail, job);
	} else {
		append(&s->waiting_tail, job);
		pthread_cond_signal(&s->wake);
	}
	pthread_mutex_unlock(&s->lock);
	return ret;
}

void scraper_stop(struct scraper *s)
{
	struct scraper_job *left;

	if (!s || !s->started)
		return;
	pthread_mutex_lock(&s->lock);
	s->stopping = true;
	pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->lock);
	pthread_join(s->thread, NULL);	/* after the round under way */
	s->started = false;
	left = s->waiting;
	s->waiting = NULL;
	s->waiting_tail = &s->waiting;
	fail_all(left, -ESHUTDOWN, "the exporter is shutting down");
}

void scraper_free(struct scraper *s)
{
	if (!s)
		return;
	scraper_stop(s);
	pthread_cond_destroy(&s->wake);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

unsigned long scraper_rounds(struct scraper *s)
{
	unsigned long n;

	pthread_mutex_lock(&s->lock);
	n = s->rounds;
	pthread_mutex_unlock(&s->lock);
	return n;
}
