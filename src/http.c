// SPDX-License-Identifier: Apache-2.0
/* http - libmicrohttpd server and routing; see http.h. */
#include "http.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sys/socket.h>

#include <microhttpd.h>

#include "log.h"
#include "negotiate.h"

struct http_server {
	struct MHD_Daemon *daemon;
	struct http_config cfg;
};

static struct log_ratelimit scrape_fail_rl = LOG_RATELIMIT_INIT(60);

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
	enum om_format fmt = nego_format(accept);
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
	if (nego_accepts_gzip(enc) && nego_gzip(&gz, body.buf, body.len) == 0 && !gz.oom)
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
