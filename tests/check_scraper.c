// SPDX-License-Identifier: Apache-2.0
/*
 * check_scraper - scrapes in rounds with a fake collector: scrapes that
 * arrive while a snapshot is being taken share it and share one answer per
 * format and encoding; one that arrives while a round renders waits for the
 * next; a failed snapshot fails its whole round with the reason; stopping
 * answers the waiting scrapes and refuses new ones.  Threads throughout
 * (make check-tsan).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http/scraper.h"
#include "suites.h"
#include "testutil.h"

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool snap_shut, render_shut;	/* gates: a snapshot / rendering waits while shut */
	int snapshots, renders, releases, in_render;
	unsigned int scrapes, errors;
	int fail;			/* snapshot returns this */
} fake = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER };

/* Wait while *gate (at most 10 s); the lock is held. */
static void wait_gate(bool *gate)
{
	double deadline = tu_now_ms() + 10000;

	while (*gate && tu_now_ms() < deadline) {
		pthread_mutex_unlock(&fake.lock);
		usleep(500);
		pthread_mutex_lock(&fake.lock);
	}
}

static int f_snapshot(void *ctx, void **snap, char *err, size_t errlen)
{
	int ret;

	(void)ctx;
	pthread_mutex_lock(&fake.lock);
	fake.snapshots++;
	*snap = malloc(16);	/* released by f_release, which ASan checks */
	wait_gate(&fake.snap_shut);
	ret = fake.fail;
	pthread_mutex_unlock(&fake.lock);
	if (ret)
		snprintf(err, errlen, "listing BPF maps: permission denied");
	return ret;
}

static void f_count(void *ctx, unsigned int scrapes, unsigned int errors)
{
	(void)ctx;
	pthread_mutex_lock(&fake.lock);
	fake.scrapes += scrapes;
	fake.errors += errors;
	pthread_mutex_unlock(&fake.lock);
}

static int f_render(void *ctx, void *snap, enum om_format fmt, unsigned int select, struct buf *out,
		    char *err, size_t errlen)
{
	(void)ctx;
	(void)select;
	(void)snap;
	(void)err;
	(void)errlen;
	pthread_mutex_lock(&fake.lock);
	fake.renders++;
	fake.in_render = 1;
	wait_gate(&fake.render_shut);
	fake.in_render = 0;
	pthread_mutex_unlock(&fake.lock);
	for (int i = 0; i < 1000; i++)
		buf_addf(out, "%s_sample{i=\"%d\"} 1\n", fmt == OM_FMT_TEXT ? "text" : "om", i);
	return 0;
}

static void f_release(void *ctx, void *snap)
{
	(void)ctx;
	pthread_mutex_lock(&fake.lock);
	fake.releases++;
	pthread_mutex_unlock(&fake.lock);
	free(snap);
}

static const struct scraper_ops ops = { f_snapshot, f_count, f_render, f_release };

struct job {
	struct scraper_job j;
	bool done;
};

static void on_done(struct scraper_job *j)
{
	pthread_mutex_lock(&fake.lock);
	((struct job *)j)->done = true;
	pthread_cond_broadcast(&fake.cond);
	pthread_mutex_unlock(&fake.lock);
}

static void job_init(struct job *job, enum om_format fmt, bool gzip)
{
	memset(job, 0, sizeof(*job));
	job->j.fmt = fmt;
	job->j.gzip = gzip;
	job->j.done = on_done;
}

/* Wait (at most 5 s) until *counter >= n, or job done if counter is NULL. */
static void wait_for(const int *counter, int n, const struct job *job)
{
	double deadline = tu_now_ms() + 5000;

	pthread_mutex_lock(&fake.lock);
	while ((counter ? *counter < n : !job->done) && tu_now_ms() < deadline) {
		pthread_mutex_unlock(&fake.lock);
		usleep(500);
		pthread_mutex_lock(&fake.lock);
	}
	ck_assert_msg(counter ? *counter >= n : job->done, "timed out waiting");
	pthread_mutex_unlock(&fake.lock);
}

static struct scraper *start(void)
{
	struct scraper *s;

	pthread_mutex_lock(&fake.lock);
	fake.snap_shut = fake.render_shut = false;
	fake.snapshots = fake.renders = fake.releases = fake.in_render = 0;
	fake.scrapes = fake.errors = 0;
	fake.fail = 0;
	pthread_mutex_unlock(&fake.lock);
	ck_assert_int_eq(scraper_start(&s, &ops, NULL), 0);
	return s;
}

static void shut(bool *gate, bool v)
{
	pthread_mutex_lock(&fake.lock);
	*gate = v;
	pthread_mutex_unlock(&fake.lock);
}

START_TEST(test_coalesce)
{
	struct scraper *s = start();
	struct job a, b, c, d;
	char *plain;
	size_t len;

	job_init(&a, OM_FMT_OPENMETRICS, false);
	job_init(&b, OM_FMT_OPENMETRICS, false);
	job_init(&c, OM_FMT_OPENMETRICS, true);
	job_init(&d, OM_FMT_TEXT, false);
	shut(&fake.snap_shut, true);
	ck_assert_int_eq(scraper_submit(s, &a.j), 0);
	wait_for(&fake.snapshots, 1, NULL);
	/* while the snapshot is being taken: they join it */
	ck_assert_int_eq(scraper_submit(s, &b.j), 0);
	ck_assert_int_eq(scraper_submit(s, &c.j), 0);
	ck_assert_int_eq(scraper_submit(s, &d.j), 0);
	/* joined under the scraper's lock as submit returned: nothing can answer them while it is shut */
	ck_assert(!a.done && !b.done && !c.done && !d.done);
	shut(&fake.snap_shut, false);
	wait_for(NULL, 0, &a);
	wait_for(NULL, 0, &b);
	wait_for(NULL, 0, &c);
	wait_for(NULL, 0, &d);

	ck_assert_int_eq(fake.snapshots, 1);
	ck_assert_int_eq(fake.renders, 2);	/* one per format */
	ck_assert_uint_eq(fake.scrapes, 4);
	ck_assert_uint_eq(fake.errors, 0);
	ck_assert_uint_eq(scraper_rounds(s), 1);
	ck_assert_ptr_eq(a.j.answer, b.j.answer);	/* shared, not copied */
	ck_assert_int_eq(a.j.answer->refs, 2);
	ck_assert(!a.j.answer->gzip && !a.j.answer->err && a.j.answer->fmt == OM_FMT_OPENMETRICS);
	ck_assert(c.j.answer->gzip && c.j.answer != a.j.answer);
	ck_assert_int_eq(tu_gunzip(c.j.answer->data, c.j.answer->len, &plain, &len), 0);
	ck_assert_uint_eq(len, a.j.answer->len);
	ck_assert(!memcmp(plain, a.j.answer->data, len));
	free(plain);
	ck_assert(d.j.answer->fmt == OM_FMT_TEXT && !strncmp(d.j.answer->data, "text_sample", 11));
	scraper_answer_put(a.j.answer);
	scraper_answer_put(b.j.answer);
	scraper_answer_put(c.j.answer);
	scraper_answer_put(d.j.answer);
	scraper_free(s);
	ck_assert_int_eq(fake.releases, 1);
}
END_TEST

/* A scrape that arrives while a round renders gets a snapshot of its own, after it. */
START_TEST(test_next_round)
{
	struct scraper *s = start();
	struct job a, b;

	job_init(&a, OM_FMT_OPENMETRICS, false);
	job_init(&b, OM_FMT_OPENMETRICS, false);
	shut(&fake.render_shut, true);
	ck_assert_int_eq(scraper_submit(s, &a.j), 0);
	wait_for(&fake.in_render, 1, NULL);
	ck_assert_int_eq(scraper_submit(s, &b.j), 0);
	shut(&fake.render_shut, false);
	wait_for(NULL, 0, &a);
	wait_for(NULL, 0, &b);
	ck_assert_int_eq(fake.snapshots, 2);
	ck_assert_ptr_ne(a.j.answer, b.j.answer);
	scraper_answer_put(a.j.answer);
	scraper_answer_put(b.j.answer);
	scraper_free(s);
}
END_TEST

START_TEST(test_snapshot_fails)
{
	struct scraper *s = start();
	struct job a, b;

	job_init(&a, OM_FMT_OPENMETRICS, false);
	job_init(&b, OM_FMT_TEXT, true);
	fake.fail = -EPERM;
	shut(&fake.snap_shut, true);
	ck_assert_int_eq(scraper_submit(s, &a.j), 0);
	wait_for(&fake.snapshots, 1, NULL);
	ck_assert_int_eq(scraper_submit(s, &b.j), 0);
	shut(&fake.snap_shut, false);
	wait_for(NULL, 0, &a);
	wait_for(NULL, 0, &b);
	ck_assert_int_eq(a.j.answer->err, -EPERM);
	ck_assert_str_eq(a.j.answer->reason, "listing BPF maps: permission denied");
	ck_assert_ptr_eq(a.j.answer, b.j.answer);
	ck_assert_uint_eq(fake.scrapes, 2);
	ck_assert_uint_eq(fake.errors, 2);
	ck_assert_int_eq(fake.renders, 0);
	scraper_answer_put(a.j.answer);
	scraper_answer_put(b.j.answer);
	scraper_free(s);
	ck_assert_int_eq(fake.releases, 1);	/* released after a failure too */
}
END_TEST

static void *stopper(void *arg)
{
	scraper_stop(arg);
	return NULL;
}

/* Scrapes submitted until one is refused (the stop has begun): each a job of its own. */
#define PROBES 256
struct probes {
	struct scraper *s;
	struct job j[PROBES];
	int n, ret;
};

static bool probe_refused(void *arg)
{
	struct probes *p = arg;

	if (p->n == PROBES)
		return true;	/* out of jobs: the caller's assertion fails */
	job_init(&p->j[p->n], OM_FMT_TEXT, false);
	p->ret = scraper_submit(p->s, &p->j[p->n].j);
	if (p->ret == -ESHUTDOWN)
		return true;
	p->n++;			/* accepted: it waits for the next round */
	return false;
}

/* Stopping: the round under way finishes, the waiting scrapes are answered -ESHUTDOWN, new ones refused. */
START_TEST(test_stop)
{
	struct scraper *s = start();
	struct job a, b, c;
	struct probes *late = calloc(1, sizeof(*late));
	pthread_t t;

	job_init(&a, OM_FMT_OPENMETRICS, false);
	job_init(&b, OM_FMT_OPENMETRICS, false);
	job_init(&c, OM_FMT_TEXT, false);
	ck_assert_ptr_nonnull(late);
	late->s = s;
	shut(&fake.render_shut, true);
	ck_assert_int_eq(scraper_submit(s, &a.j), 0);
	wait_for(&fake.in_render, 1, NULL);
	ck_assert_int_eq(scraper_submit(s, &b.j), 0);	/* waiting for the next round */
	ck_assert_int_eq(scraper_submit(s, &c.j), 0);
	ck_assert_int_eq(pthread_create(&t, NULL, stopper, s), 0);
	/* once the stop has begun (the round under way still shut), a scrape is refused at once */
	ck_assert_msg(tu_wait_until(probe_refused, late, 5000) && late->ret == -ESHUTDOWN,
		      "scrapes still accepted 5 s after the stop began (%d accepted)", late->n);
	ck_assert(!late->j[late->n].done);
	shut(&fake.render_shut, false);
	pthread_join(t, NULL);
	ck_assert(a.done && b.done && c.done);
	for (int i = 0; i < late->n; i++) {	/* accepted before the stop: answered as waiting ones */
		ck_assert(late->j[i].done);
		ck_assert_int_eq(late->j[i].j.answer->err, -ESHUTDOWN);
		scraper_answer_put(late->j[i].j.answer);
	}
	free(late);
	ck_assert_int_eq(a.j.answer->err, 0);
	ck_assert_int_eq(b.j.answer->err, -ESHUTDOWN);
	ck_assert_int_eq(c.j.answer->err, -ESHUTDOWN);
	ck_assert_int_eq(fake.snapshots, 1);
	scraper_answer_put(a.j.answer);
	scraper_answer_put(b.j.answer);
	scraper_answer_put(c.j.answer);
	scraper_stop(s);	/* a second stop does nothing */
	scraper_free(s);
}
END_TEST

Suite *scraper_suite(void)
{
	Suite *s = suite_create("scraper");
	TCase *tc = tcase_create("scraper");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_coalesce);
	tcase_add_test(tc, test_next_round);
	tcase_add_test(tc, test_snapshot_fails);
	tcase_add_test(tc, test_stop);
	suite_add_tcase(s, tc);
	return s;
}
