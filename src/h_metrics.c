// SPDX-License-Identifier: Apache-2.0
/* h_metrics - the metrics at the telemetry path; see handlers.h. */
#include "handlers.h"

#include <errno.h>

#include "log.h"
#include "negotiate.h"

static struct log_ratelimit scrape_fail_rl = LOG_RATELIMIT_INIT(60);

/* The most collect[] values a request may give (the query holds at most 64 parameters). */
#define MAX_COLLECT 64

int h_metrics(struct http_request *rq)
{
	const struct http_config *cfg = rq->cfg;
	enum om_format fmt = nego_format(http_header(rq, "Accept"));
	struct buf body = BUF_INIT, gz = BUF_INIT;
	struct buf *send = &body;
	const char *collect[MAX_COLLECT];
	size_t nr_collect = http_query_all(rq, "collect[]", collect, MAX_COLLECT);
	char err[200] = "";
	int ret;

	if (nr_collect > MAX_COLLECT)	/* cannot be: the request target holds fewer */
		return http_reply_text(rq, 400, NULL, "too many collect[]: at most %d", MAX_COLLECT);
	buf_grow(&body, 64 * 1024);
	ret = cfg->scrape(cfg->scrape_ctx, &body, fmt, collect, nr_collect, err, sizeof(err));
	if (ret == -EINVAL) {		/* not a failure: a collect[] that names nothing to scrape */
		buf_release(&body);
		return http_reply_text(rq, 400, NULL, "%s", err);
	}
	if (ret) {
		buf_release(&body);
		if (log_ratelimit_ok(&scrape_fail_rl))
			log_warnx("scrape failed: %s", err);
		return http_reply_text(rq, 500, NULL, "scrape failed: %s", err);
	}
	if (nego_accepts_gzip(http_header(rq, "Accept-Encoding")) &&
	    nego_gzip(&gz, body.buf, body.len) == 0 && !gz.oom)
		send = &gz;
	{
		const char *const headers[] = {
			"Vary", "Accept, Accept-Encoding",
			"Cache-Control", "no-store",
			send == &gz ? "Content-Encoding" : NULL, "gzip",
			NULL,
		};

		ret = http_reply(rq, 200, om_content_type(fmt), send, headers);
	}
	buf_release(&body);
	buf_release(&gz);
	return ret;
}
