// SPDX-License-Identifier: Apache-2.0
/*
 * h_doc - "/doc": the manual page, man/bpf-metrics-exporter.8, as HTML, so
 * that the landing page's documentation links work where no man page is
 * installed (a container) and without the network; see handlers.h.
 *
 * The HTML is mandoc's (-T html -O fragment), made at build time into
 * build/gen/man_html.h (the Makefile) and served as it is: the same bytes
 * for every request, shared with libmicrohttpd rather than copied.  The
 * page wraps it with a style of its own; its Content-Security-Policy allows
 * that style (by its SHA-256) and nothing else: no script, no image, no
 * connection.  Each section and each flag is an anchor (/doc#OPTIONS,
 * /doc#METRICS, /doc#web.listen-address=), as mandoc names them.
 */
#include "http/handlers.h"

#include <pthread.h>
#include <stdio.h>

#include "http/csp.h"

#include "man_html.h"	/* build/gen: man_html[], the manual's HTML fragment */

static const char style[] =
	"body{font-family:sans-serif;margin:1.5em;max-width:70em}"
	"table.head,table.foot{width:100%}td.head-rtitle,td.foot-os{text-align:right}"
	"td.head-vol{text-align:center}.Nd,.Bf,.Op{display:inline}"
	"code.Nm{font-weight:bold;font-family:inherit}"
	"pre{margin-left:1em}a.permalink{color:inherit;text-decoration:none}";

static const char head[] =
	"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	"<title>bpf-metrics-exporter(8)</title>\n<style>";
static const char body[] =
	"</style></head>\n<body>\n<p><a href=\"" HTTP_PATH_LANDING "\">Back to the exporter</a></p>\n";
static const char tail[] = "</body></html>\n";

static char csp[256];
static char *page;		/* head, man_html, tail: made once, never freed */
static size_t page_len;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void make_page(void)
{
	char s[CSP_HASH_SIZE];
	struct buf b = BUF_INIT;

	csp_hash(style, s);
	snprintf(csp, sizeof(csp), "default-src 'none'; style-src %s; base-uri 'none'; "
		 "form-action 'none'; frame-ancestors 'none'", s);
	buf_addstr(&b, head);
	buf_addstr(&b, style);
	buf_addstr(&b, body);
	buf_add(&b, man_html, sizeof(man_html) - 1);
	buf_addstr(&b, tail);
	page = buf_detach(&b, &page_len);	/* NULL when out of memory: each request answers 500 */
}

static void keep(void *cls)
{
	(void)cls;	/* the page lives as long as the process */
}

int h_doc(struct http_request *rq)
{
	/* the page is this binary's for its lifetime: a browser keeps it an hour */
	const char *const headers[] = { "Content-Security-Policy", csp, "Cache-Control",
					"max-age=3600", NULL };

	pthread_once(&once, make_page);
	if (!page)
		return http_reply_text(rq, 500, NULL, "the manual page could not be made: out of memory");
	return http_reply_shared(rq, 200, "text/html; charset=utf-8", page, page_len, keep, NULL,
				 headers);
}
