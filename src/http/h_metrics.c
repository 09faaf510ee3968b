// SPDX-License-Identifier: Apache-2.0
/* h_metrics - the metrics at the telemetry path; see handlers.h. */
#include "http/handlers.h"

#include <errno.h>
#include <stdlib.h>

#include "lib/log.h"
#include "http/negotiate.h"
#include "http/scraper.h"

static struct log_ratelimit scrape_fail_rl = LOG_RATELIMIT_INIT(60);

/* The most collect[] values a request may give (the query holds at most 64 parameters). */
#define MAX_COLLECT 64

/* A scrape under way: the job the scraper answers, and the request it resumes. */
struct metrics_req {
	struct scraper_job job;
	struct http_request *rq;
	bool shutdown;		/* the scraper refused it: the exporter is stopping */
};

static void scrape_done(struct scraper_job *job)
{
	struct metrics_req *m = (struct metrics_req *)((char *)job - offsetof(struct metrics_req, job));

	http_resume(m->rq);
}

static void metrics_req_free(void *priv)
{
	struct metrics_req *m = priv;

	scraper_answer_put(m->job.answer);
	free(m);
}

static void answer_release(void *cls)
{
	scraper_answer_put(cls);
}

/* The scraper has answered: the exposition, or 500 with its reason. */
static int answer(struct http_request *rq, struct metrics_req *m)
{
	struct scraper_answer *a = m->job.answer;
	const char *const headers[] = {
		"Vary", "Accept, Accept-Encoding",
		"Cache-Control", "no-store",
		a && a->gzip ? "Content-Encoding" : NULL, "gzip",
		NULL,
	};

	if (m->shutdown || (a && a->err == -ESHUTDOWN))
		return http_reply_text(rq, 503, NULL, "the exporter is shutting down");
	if (!a)
		return http_reply_text(rq, 500, NULL, "scrape failed: out of memory");
	if (a->err) {
		if (log_ratelimit_ok(&scrape_fail_rl))
			log_warnx("scrape failed: %s", a->reason);
		return http_reply_text(rq, 500, NULL, "scrape failed: %s", a->reason);
	}
	m->job.answer = NULL;	/* the response holds the reference now */
	return http_reply_shared(rq, 200, om_content_type(a->fmt), a->data, a->len, answer_release, a,
				 headers);
}

int h_metrics(struct http_request *rq)
{
	struct metrics_req *m = rq->priv;
	int ret;

	const char *collect[MAX_COLLECT];
	size_t nr_collect;
	unsigned int select;

	if (m)
		return answer(rq, m);	/* resumed */
	nr_collect = http_query_all(rq, "collect[]", collect, MAX_COLLECT);
	if (nr_collect > MAX_COLLECT)	/* cannot be: the request target holds fewer */
		return http_reply_text(rq, 400, NULL, "too many collect[]: at most %d", MAX_COLLECT);
	{
		struct buf why = BUF_INIT;

		/* not a scrape: a collect[] that names nothing to scrape */
		if (scraper_select(rq->cfg->scraper, collect, nr_collect, &select, &why)) {
			ret = http_reply_text(rq, 400, NULL, "%s", why.oom ? "out of memory" : why.buf);
			buf_release(&why);
			return ret;
		}
		buf_release(&why);
	}
	ret = http_take_slot(rq);
	if (ret)
		return http_reply_busy(rq, ret);
	m = calloc(1, sizeof(*m));
	if (!m)
		return http_reply_text(rq, 500, NULL, "scrape failed: out of memory");
	m->rq = rq;
	m->job.fmt = negotiate_format(http_header(rq, "Accept"));
	m->job.gzip = negotiate_accepts_gzip(http_header(rq, "Accept-Encoding"));
	m->job.select = select;
	m->job.done = scrape_done;
	rq->priv = m;
	rq->priv_free = metrics_req_free;
	/* suspended first: the scrape thread may answer before submit returns */
	http_suspend(rq);
	if (scraper_submit(rq->cfg->scraper, &m->job)) {
		m->shutdown = true;
		http_resume(rq);
	}
	return 0;
}
