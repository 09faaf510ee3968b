// SPDX-License-Identifier: Apache-2.0
/* h_landing - the landing page at "/"; see handlers.h. */
#include "handlers.h"

int h_landing(struct http_request *rq)
{
	struct buf body = BUF_INIT;

	buf_addstr(&body, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
		   "<title>BPF Metrics Exporter</title></head>\n<body>\n"
		   "<h1>BPF Metrics Exporter</h1>\n"
		   "<p>Prometheus metrics about the kernel's BPF programs, maps and links.</p>\n<ul>\n"
		   "<li><a href=\"");
	om_escape_label_value(&body, rq->cfg->telemetry_path);	/* no quotes or newlines */
	buf_addstr(&body, "\">Metrics</a></li>\n");
	if (rq->cfg->events)
		buf_addstr(&body, "<li><a href=\"" HTTP_PATH_EVENTS "\">Recent BPF program LOAD/UNLOAD "
			   "events</a> (JSON)</li>\n");
	buf_addstr(&body, "</ul>\n</body></html>\n");
	return http_reply(rq, 200, "text/html; charset=utf-8", &body, NULL);
}
