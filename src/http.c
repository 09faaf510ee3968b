// SPDX-License-Identifier: Apache-2.0
/* http - libmicrohttpd server, routing, negotiation and gzip; see http.h. */
#include "http.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sys/socket.h>

#include <microhttpd.h>
#include <zlib.h>

#include "log.h"

struct http_server {
	struct MHD_Daemon *daemon;
	struct http_config cfg;
};

static struct log_ratelimit scrape_fail_rl = LOG_RATELIMIT_INIT(60);

/* ---- negotiation ---- */

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

static size_t trim_len(const char *p, const char *end)
{
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	return (size_t)(end - p);
}

static bool token_eq(const char *p, size_t len, const char *word)
{
	return strlen(word) == len && !strncasecmp(p, word, len);
}

struct range {
	const char *value;	/* media range or coding, trimmed */
	size_t len;
	double q;
	const char *version;	/* the version= parameter, or NULL */
	size_t version_len;
};

/*
 * Split one element of a comma-separated header (p..end) into its value and
 * the q and version parameters.
 */
static void parse_element(const char *p, const char *end, struct range *r)
{
	const char *semi = memchr(p, ';', (size_t)(end - p));

	p = skip_ws(p, end);
	r->value = p;
	r->len = trim_len(p, semi ? semi : end);
	r->q = 1.0;
	r->version = NULL;
	r->version_len = 0;
	while (semi) {
		const char *param = skip_ws(semi + 1, end), *eq, *val;
		size_t vlen;

		semi = memchr(param, ';', (size_t)(end - param));
		eq = memchr(param, '=', (size_t)((semi ? semi : end) - param));
		if (!eq)
			continue;
		val = skip_ws(eq + 1, end);
		vlen = trim_len(val, semi ? semi : end);
		if (vlen >= 2 && val[0] == '"' && val[vlen - 1] == '"')
			val++, vlen -= 2;
		if (token_eq(param, trim_len(param, eq), "q")) {
			char tmp[16];

			if (vlen >= sizeof(tmp))
				vlen = sizeof(tmp) - 1;
			memcpy(tmp, val, vlen);
			tmp[vlen] = '\0';
			r->q = strtod(tmp, NULL);
			if (r->q < 0 || r->q != r->q)
				r->q = 0;
		} else if (token_eq(param, trim_len(param, eq), "version")) {
			r->version = val;
			r->version_len = vlen;
		}
	}
}

/*
 * The q a header gives to type/sub (with our version): the q of the most
 * specific matching range, 0 when none matches.
 */
static double media_q(const char *accept, const char *type, const char *sub,
		      const char *version)
{
	const char *p = accept, *end = accept + strlen(accept);
	int best = 0;
	double q = 0;

	while (p < end) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *elem_end = comma ? comma : end;
		struct range r;
		const char *slash;
		int spec = 0;

		parse_element(p, elem_end, &r);
		p = comma ? comma + 1 : end;
		slash = memchr(r.value, '/', r.len);
		if (!slash)
			continue;
		size_t tlen = (size_t)(slash - r.value), slen = r.len - tlen - 1;

		if (token_eq(r.value, tlen, "*") && token_eq(slash + 1, slen, "*"))
			spec = 1;
		else if (token_eq(r.value, tlen, type) && token_eq(slash + 1, slen, "*"))
			spec = 2;
		else if (token_eq(r.value, tlen, type) && token_eq(slash + 1, slen, sub)) {
			if (r.version && !token_eq(r.version, r.version_len, version))
				continue;	/* a version we do not produce */
			spec = r.version ? 4 : 3;
		}
		if (spec > best) {
			best = spec;
			q = r.q;
		}
	}
	return q;
}

enum om_format http_negotiate(const char *accept)
{
	double om, text;

	if (!accept || !*skip_ws(accept, accept + strlen(accept)))
		return OM_FMT_OPENMETRICS;
	om = media_q(accept, "application", "openmetrics-text", "1.0.0");
	text = media_q(accept, "text", "plain", "0.0.4");
	if (om > 0 && om >= text)
		return OM_FMT_OPENMETRICS;
	return OM_FMT_TEXT;
}

bool http_accepts_gzip(const char *accept_encoding)
{
	const char *p, *end;
	double gzip = -1, star = -1;

	if (!accept_encoding)
		return false;
	p = accept_encoding;
	end = p + strlen(p);
	while (p < end) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		struct range r;

		parse_element(p, comma ? comma : end, &r);
		p = comma ? comma + 1 : end;
		if (token_eq(r.value, r.len, "gzip") || token_eq(r.value, r.len, "x-gzip"))
			gzip = r.q;
		else if (token_eq(r.value, r.len, "*"))
			star = r.q;
	}
	return gzip >= 0 ? gzip > 0 : star > 0;
}

int http_gzip(struct buf *dst, const char *src, size_t len)
{
	z_stream zs;
	int ret;

	memset(&zs, 0, sizeof(zs));
	/* Level 1: an exposition compresses about tenfold even so, at a fraction of the cost. */
	if (deflateInit2(&zs, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	buf_reset(dst);
	if (!buf_grow(dst, deflateBound(&zs, len))) {
		deflateEnd(&zs);
		return -ENOMEM;
	}
	zs.next_in = (Bytef *)src;
	zs.avail_in = (uInt)len;
	zs.next_out = (Bytef *)dst->buf;
	zs.avail_out = (uInt)(dst->alloc - 1);
	ret = deflate(&zs, Z_FINISH);
	dst->len = zs.total_out;
	dst->buf[dst->len] = '\0';
	deflateEnd(&zs);
	return ret == Z_STREAM_END ? 0 : -EIO;
}

/* ---- responses ---- */

/*
 * Queue body (handed to MHD, which frees it) with its Content-Type and the
 * extra headers (name, value, ..., NULL; or NULL).
 */
static enum MHD_Result reply(struct MHD_Connection *conn, unsigned int status,
			     const char *type, struct buf *body, const char *const *headers)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	size_t len;
	char *data = buf_detach(body, &len);

	if (!data)
		return MHD_NO;	/* out of memory: drop the connection */
	resp = MHD_create_response_from_buffer_with_free_callback(len, data, free);
	if (!resp) {
		free(data);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	for (; headers && headers[0]; headers += 2)
		MHD_add_response_header(resp, headers[0], headers[1]);
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result reply_text(struct MHD_Connection *conn, unsigned int status,
				  const char *const *headers, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static enum MHD_Result reply_text(struct MHD_Connection *conn, unsigned int status,
				  const char *const *headers, const char *fmt, ...)
{
	struct buf body = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(&body, fmt, ap);
	va_end(ap);
	buf_addch(&body, '\n');
	return reply(conn, status, "text/plain; charset=utf-8", &body, headers);
}

static enum MHD_Result serve_landing(struct http_server *srv, struct MHD_Connection *conn)
{
	struct buf body = BUF_INIT;

	buf_addstr(&body, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
		   "<title>BPF Metrics Exporter</title></head>\n<body>\n"
		   "<h1>BPF Metrics Exporter</h1>\n"
		   "<p>Prometheus metrics about the kernel's BPF programs, maps and links.</p>\n<ul>\n"
		   "<li><a href=\"");
	om_escape_label_value(&body, srv->cfg.telemetry_path);	/* no quotes or newlines */
	buf_addstr(&body, "\">Metrics</a></li>\n");
	if (srv->cfg.events)
		buf_addstr(&body, "<li><a href=\"/events\">Recent BPF program LOAD/UNLOAD events</a> (JSON)</li>\n");
	buf_addstr(&body, "</ul>\n</body></html>\n");
	return reply(conn, MHD_HTTP_OK, "text/html; charset=utf-8", &body, NULL);
}

static enum MHD_Result serve_metrics(struct http_server *srv, struct MHD_Connection *conn)
{
	const char *accept = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
	const char *enc = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						      MHD_HTTP_HEADER_ACCEPT_ENCODING);
	enum om_format fmt = http_negotiate(accept);
	struct buf body = BUF_INIT, gz = BUF_INIT;
	struct buf *send = &body;
	char err[160] = "";
	enum MHD_Result ret;

	buf_grow(&body, 64 * 1024);
	if (srv->cfg.scrape(srv->cfg.scrape_ctx, &body, fmt, err, sizeof(err))) {
		buf_release(&body);
		if (log_ratelimit_ok(&scrape_fail_rl))
			log_warnx("scrape failed: %s", err);
		return reply_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL, "scrape failed: %s", err);
	}
	if (body.oom) {
		buf_release(&body);
		return reply_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL, "scrape failed: out of memory");
	}
	if (http_accepts_gzip(enc) && http_gzip(&gz, body.buf, body.len) == 0 && !gz.oom)
		send = &gz;
	{
		const char *const headers[] = {
			MHD_HTTP_HEADER_VARY, "Accept, Accept-Encoding",
			MHD_HTTP_HEADER_CACHE_CONTROL, "no-store",
			send == &gz ? MHD_HTTP_HEADER_CONTENT_ENCODING : NULL, "gzip",
			NULL,
		};

		ret = reply(conn, MHD_HTTP_OK, om_content_type(fmt), send, headers);
	}
	buf_release(&body);
	buf_release(&gz);
	return ret;
}

static enum MHD_Result serve_events(struct http_server *srv, struct MHD_Connection *conn)
{
	struct buf body = BUF_INIT;
	char err[160] = "";

	if (!srv->cfg.events)
		return reply_text(conn, MHD_HTTP_NOT_FOUND, NULL,
				  "BPF events are off: the exporter runs with --no-audit");
	if (srv->cfg.events(srv->cfg.events_ctx,
			    MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "since"),
			    MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "limit"),
			    MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "op"),
			    &body, err, sizeof(err))) {
		buf_release(&body);
		return reply_text(conn, MHD_HTTP_BAD_REQUEST, NULL, "%s", err);
	}
	return reply(conn, MHD_HTTP_OK, "application/json", &body, NULL);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version,
			      const char *upload_data, size_t *upload_data_size,
			      void **req_cls)
{
	static int seen;
	struct http_server *srv = cls;

	(void)version;
	(void)upload_data;
	if (!*req_cls) {	/* headers are in; wait for (and discard) any body */
		*req_cls = &seen;
		return MHD_YES;
	}
	if (*upload_data_size) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD)) {
		static const char *const allow[] = { MHD_HTTP_HEADER_ALLOW, "GET, HEAD", NULL };

		return reply_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, allow,
				  "method not allowed: use GET or HEAD");
	}
	if (!strcmp(url, srv->cfg.telemetry_path))
		return serve_metrics(srv, conn);
	if (!strcmp(url, "/"))
		return serve_landing(srv, conn);
	if (!strcmp(url, "/events"))
		return serve_events(srv, conn);
	return reply_text(conn, MHD_HTTP_NOT_FOUND, NULL, "not found; metrics are at %s",
			  srv->cfg.telemetry_path);
}

int http_start(struct http_server **out, const struct http_config *cfg)
{
	struct http_server *srv = calloc(1, sizeof(*srv));
	unsigned int per_ip;

	if (!srv) {
		close(cfg->listen_fd);
		return -ENOMEM;
	}
	srv->cfg = *cfg;
	per_ip = cfg->max_connections / 2 ? cfg->max_connections / 2 : 1;
	srv->daemon = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG,
		0, NULL, NULL, handle, srv,
		MHD_OPTION_EXTERNAL_LOGGER, log_mhd, NULL,
		MHD_OPTION_LISTEN_SOCKET, (MHD_socket)cfg->listen_fd,
		MHD_OPTION_CONNECTION_LIMIT, cfg->max_connections,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_ip,
		MHD_OPTION_CONNECTION_TIMEOUT, cfg->timeout_s,
		/* Request line and headers must fit: a 20 kB URL is answered 414. */
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)16 * 1024,
		MHD_OPTION_END);
	if (!srv->daemon) {
		close(cfg->listen_fd);
		free(srv);
		return -EIO;
	}
	*out = srv;
	return 0;
}

void http_stop(struct http_server *srv)
{
	if (!srv)
		return;
	MHD_stop_daemon(srv->daemon);
	free(srv);
}
