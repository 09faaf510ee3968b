// SPDX-License-Identifier: Apache-2.0
/*
 * h_landing - the landing page at "/": the exporter's state at a glance as
 * plain HTML, and the newest events, kept up to date by a small inline
 * script with EventSource where JavaScript runs; see handlers.h.
 *
 * Everything on it that comes from the kernel, a flag or the web config
 * goes through html_escape().  The page loads nothing from anywhere: its
 * Content-Security-Policy allows its own inline style and script (by their
 * SHA-256) and connections to the exporter itself, nothing else.
 */
#include "http/handlers.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "audit/audit_reader.h"
#include "audit/ev_json.h"
#include "http/csp.h"
#include "http/follow.h"
#include "lib/html.h"
#include "bpf/snap.h"
#include "web/webguard.h"

/* Rows of the events table. */
#define LANDING_EVENTS 20

static const char style[] =
	"body{font-family:sans-serif;margin:1.5em;max-width:70em}"
	"table{border-collapse:collapse;margin-bottom:1em}"
	"th,td{border:1px solid #ccc;padding:.2em .5em;text-align:left}"
	".bad{color:#b00000}";

/*
 * Prepends each event /events?follow=1 streams (after the newest the page
 * shows, data-since) to the table, and keeps LANDING_EVENTS rows.  Values go
 * in with textContent: never parsed as HTML.
 */
static const char script[] =
	"(function(){"
	"var t=document.getElementById('events');"
	"if(!t||!window.EventSource)return;"
	"var b=t.tBodies[0],n=document.getElementById('newest'),"
	"s=new EventSource(t.getAttribute('data-src')+'&since='+t.getAttribute('data-since'));"
	"s.onopen=function(){t.setAttribute('data-live','open');};"
	"s.onerror=function(){t.setAttribute('data-live','retrying');};"
	"s.onmessage=function(m){var e=JSON.parse(m.data),r=b.insertRow(0);"
	"[e.seq,e.time,e.op,e.prog_id,e.prog_name,e.prog_type,e.pid,e.comm].forEach(function(v){"
	"r.insertCell(-1).textContent=v==null||v===''?'\u2014':String(v);});"
	"r.className='live';"
	"while(b.rows.length>20)b.deleteRow(-1);"
	"if(n)n.textContent=String(e.seq);"
	"var f=document.getElementById('fill');"
	"if(f)f.textContent=String(Math.min(e.seq,+f.getAttribute('data-capacity')));"
	"var z=document.getElementById('none');if(z)z.parentNode.removeChild(z);};"
	"s.addEventListener('missed',function(m){var r=b.insertRow(0),c=r.insertCell(-1);"
	"c.colSpan=8;c.textContent='missed '+JSON.parse(m.data).missed+' events';});"
	"})();";
_Static_assert(LANDING_EVENTS == 20, "the script keeps 20 rows");

static char csp[512];
static pthread_once_t csp_once = PTHREAD_ONCE_INIT;

static void make_csp(void)
{
	char s[CSP_HASH_SIZE], c[CSP_HASH_SIZE];

	csp_hash(style, s);
	csp_hash(script, c);
	snprintf(csp, sizeof(csp), "default-src 'none'; style-src %s; script-src %s; "
		 "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
		 s, c);
}

/* The wall clock in unix ms, as events carry it. */
static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "1 link", "2 links": n and the word, singular for 1. */
static void count_words(struct buf *b, const char *id, size_t n, const char *one, const char *many)
{
	buf_addf(b, "<span id=\"%s\">%zu</span> %s", id, n, n == 1 ? one : many);
}

static void row(struct buf *b, const char *name, const char *value_html)
{
	buf_addstr(b, "<tr><th>");
	buf_addstr(b, name);
	buf_addstr(b, "</th><td>");
	buf_addstr(b, value_html);
	buf_addstr(b, "</td></tr>\n");
}

static void add_state(struct buf *b, const struct http_request *rq)
{
	const struct http_config *cfg = rq->cfg;
	size_t counts[SNAP_NR_KINDS];
	struct buf v = BUF_INIT;
	int err;

	html_escape(&v, cfg->listen_text ? cfg->listen_text : "?");
	row(b, "Listening on", v.buf);
	row(b, "TLS", cfg->web && webguard_tls(cfg->web) ? "on" : "off");
	row(b, "Basic auth", webguard_basic_auth(rq->web) ? "on" : "off");

	buf_reset(&v);
	err = snap_count(counts);
	if (err)
		buf_addf(&v, "<span class=\"bad\">cannot list BPF objects: %s</span>", strerror(-err));
	else {
		count_words(&v, "programs", counts[SNAP_PROG], "program", "programs");
		buf_addstr(&v, ", ");
		count_words(&v, "maps", counts[SNAP_MAP], "map", "maps");
		buf_addstr(&v, ", ");
		count_words(&v, "links", counts[SNAP_LINK], "link", "links");
	}
	row(b, "BPF objects", v.buf);

	buf_reset(&v);
	if (!cfg->audit) {
		row(b, "Audit", "off (--no-collector.audit): no BPF events");
	} else {
		struct audit_reader_state st;

		audit_reader_state(cfg->audit, &st);
		row(b, "Audit listener", st.listening ? "<span id=\"listener\">up</span>" :
		    "<span id=\"listener\" class=\"bad\">down</span>: not subscribed to audit events "
		    "(needs CAP_AUDIT_READ; after a socket failure it subscribes again; see the log)");
		if (!st.kernel.known)
			row(b, "Kernel audit", "<span class=\"bad\">unknown</span>: its status cannot be "
			    "read (needs CAP_AUDIT_CONTROL, and the host's network namespace)");
		else if (!st.kernel.enabled)
			row(b, "Kernel audit", "<span class=\"bad\">disabled</span>: no BPF events until "
			    "it is enabled (start with --audit.enable, or auditctl -e 1; see <a href=\""
			    HTTP_PATH_DOC "#DIAGNOSTICS\">diagnostics</a>)");
		else
			row(b, "Kernel audit", st.kernel.enabled == 2 ? "enabled (locked)" : "enabled");
		buf_addf(&v, "%llu dropped by the exporter's socket, ",
			 (unsigned long long)st.socket_drops);
		if (st.kernel.known)
			buf_addf(&v, "%u lost by the kernel", st.kernel.lost);
		else
			buf_addstr(&v, "lost by the kernel unknown");
		row(b, "Audit records lost", v.buf);
	}
	if (cfg->events) {
		uint64_t last = ev_last_seq(cfg->events);
		uint64_t fill = last < cfg->events->capacity ? last : cfg->events->capacity;

		buf_reset(&v);
		buf_addf(&v, "<span id=\"fill\" data-capacity=\"%zu\">%llu</span> of %zu %s, newest "
			 "seq <span id=\"newest\">%llu</span>", cfg->events->capacity,
			 (unsigned long long)fill, cfg->events->capacity,
			 cfg->events->capacity == 1 ? "event" : "events", (unsigned long long)last);
		row(b, "Event ring", v.buf);
	}
	if (cfg->followers) {
		buf_reset(&v);
		buf_addf(&v, "%u of at most %u", follow_count(cfg->followers), follow_max(cfg->followers));
		row(b, "Followers of /events", v.buf);
	}
	buf_release(&v);
}

/* Unknown or empty: an em dash. */
#define UNKNOWN "\xe2\x80\x94"

static void add_text_cell(struct buf *b, bool known, const char *text)
{
	buf_addstr(b, "</td><td>");
	if (known && text && *text)
		html_escape(b, text);
	else
		buf_addstr(b, UNKNOWN);
}

static void add_event_row(struct buf *b, const struct ev_event *e)
{
	char when[32];

	ev_json_time(e->time_ms, when);
	buf_addstr(b, "<tr><td>");
	buf_addu64(b, e->seq);
	buf_addstr(b, "</td><td>");
	buf_addstr(b, when);
	buf_addstr(b, "</td><td>");
	buf_addstr(b, ev_op_name(e->op));
	buf_addstr(b, "</td><td>");
	buf_addu64(b, e->prog_id);
	add_text_cell(b, e->has & EV_HAS_PROG, e->prog_name);
	add_text_cell(b, e->has & EV_HAS_PROG, e->prog_type);
	buf_addstr(b, "</td><td>");
	if (e->has & EV_HAS_PROCESS)
		buf_addf(b, "%lld", (long long)e->proc.pid);
	else
		buf_addstr(b, UNKNOWN);
	add_text_cell(b, true, e->proc.comm);
	buf_addstr(b, "</td></tr>\n");
}

/* The newest LANDING_EVENTS events, newest first; the seq of the newest in *newest. */
static void add_events(struct buf *b, struct ev_ring *ring, uint64_t *newest)
{
	struct ev_event ev[LANDING_EVENTS];
	struct ev_query q = { .limit = LANDING_EVENTS };
	uint64_t cursor;
	size_t n = 0, got;

	*newest = ev_last_seq(ring);	/* first: an event after it is streamed, not lost */
	q.since = 0;
	cursor = ev_start(ring, &q);
	while (n < LANDING_EVENTS && (got = ev_copy(ring, &q, &cursor, ev + n, LANDING_EVENTS - n)))
		n += got;
	/* events pushed after *newest are left to the stream */
	while (n && ev[n - 1].seq > *newest)
		ev_event_release(&ev[--n]);
	if (!n)
		buf_addstr(b, "<tr id=\"none\"><td colspan=\"8\">no events yet</td></tr>\n");
	for (size_t i = n; i-- > 0;) {
		add_event_row(b, &ev[i]);
		ev_event_release(&ev[i]);
	}
}

int h_landing(struct http_request *rq)
{
	const struct http_config *cfg = rq->cfg;
	const char *const headers[] = { "Content-Security-Policy", csp, "Cache-Control", "no-cache",
					NULL };
	struct buf body = BUF_INIT;
	char started[32];
	uint64_t newest = 0;

	pthread_once(&csp_once, make_csp);
	buf_addstr(&body, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		   "<title>BPF Metrics Exporter</title>\n<style>");
	buf_addstr(&body, style);
	buf_addstr(&body, "</style></head>\n<body>\n<h1>BPF Metrics Exporter</h1>\n"
		   "<p>Prometheus metrics about the kernel's BPF programs, maps and links. Version <b "
		   "id=\"version\">");
	html_escape(&body, cfg->version ? cfg->version : "unknown");
	buf_addstr(&body, "</b>");
	if (cfg->start_time_ms) {
		ev_json_time(cfg->start_time_ms, started);
		buf_addf(&body, ", started <span id=\"started\">%s</span>", started);
	}
	buf_addstr(&body, ".</p>\n<ul>\n<li><a href=\"");
	html_escape(&body, cfg->telemetry_path);
	buf_addstr(&body, "\">Metrics</a> (");
	html_escape(&body, cfg->telemetry_path);
	buf_addstr(&body, ")</li>\n");
	if (cfg->events)
		buf_addstr(&body, "<li><a href=\"" HTTP_PATH_EVENTS "\">Recent BPF program LOAD/UNLOAD "
			   "events</a> (JSON; live: <a href=\"" HTTP_PATH_EVENTS "?follow=1\">"
			   HTTP_PATH_EVENTS "?follow=1</a>, NDJSON)</li>\n");
	buf_addstr(&body, "<li><a href=\"" HTTP_PATH_DOC "\">Documentation</a> (the manual, "
		   "<code>man 8 bpf-metrics-exporter</code>): <a href=\"" HTTP_PATH_DOC "#OPTIONS\">"
		   "flags</a>, <a href=\"" HTTP_PATH_DOC "#ENDPOINTS\">endpoints</a>, <a href=\""
		   HTTP_PATH_DOC "#METRICS\">metrics</a>, <a href=\"" HTTP_PATH_DOC "#PRIVILEGES\">"
		   "privileges</a>, <a href=\"" HTTP_PATH_DOC "#DIAGNOSTICS\">diagnostics</a></li>\n"
		   "</ul>\n<h2>State</h2>\n");
	ev_json_time(now_ms(), started);
	buf_addf(&body, "<p id=\"state-time\">As of %s; reload for newer.%s</p>\n<table "
		 "id=\"state\">\n", started, cfg->events && cfg->followers ? " The event ring's "
		 "count and newest seq follow the events live." : "");
	add_state(&body, rq);
	buf_addstr(&body, "</table>\n");
	if (cfg->events) {
		struct buf rows = BUF_INIT;

		add_events(&rows, cfg->events, &newest);
		buf_addf(&body, "<h2>Newest events</h2>\n<table id=\"events\" data-src=\""
			 HTTP_PATH_EVENTS "?follow=1\" data-since=\"%llu\">\n<thead><tr><th>seq</th>"
			 "<th>time</th><th>op</th><th>prog id</th><th>name</th><th>type</th><th>pid</th>"
			 "<th>comm</th></tr></thead>\n<tbody>\n", (unsigned long long)newest);
		buf_add(&body, rows.buf, rows.len);
		buf_addstr(&body, "</tbody></table>\n");
		buf_release(&rows);
		if (cfg->followers) {
			buf_addstr(&body, "<script>");
			buf_addstr(&body, script);
			buf_addstr(&body, "</script>\n");
		}
	}
	buf_addstr(&body, "</body></html>\n");
	return http_reply(rq, 200, "text/html; charset=utf-8", &body, headers);
}
