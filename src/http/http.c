// SPDX-License-Identifier: Apache-2.0
/* http - the libmicrohttpd daemons, each connection and request from accept to free; see http.h. */
#include "http/http_server.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <netinet/in.h>

#include <microhttpd.h>

#include "http/deadline.h"
#include "http/http_limits.h"
#include "lib/log.h"
#include "lib/workq.h"
#include "web/tls.h"
#include "web/webguard.h"
#include "http/slots.h"

/*
 * Per-request limits, answered 414 and 431 in text/plain.  libmicrohttpd
 * reads the request line and headers into a per-connection pool of
 * POOL_BYTES, which also holds a record (about 64 bytes) per query
 * parameter and per header, and then the answer's headers: a request at
 * every limit at once (MAX_TARGET_BYTES with MAX_PARAMS parameters, and
 * MAX_HEADER_BYTES in MAX_HEADERS lines) still fits, with room to answer.
 * Beyond the pool libmicrohttpd answers itself (an HTML 414 or 431) or, in
 * 0.9.75 when the parameters do not fit, leaves the connection hanging: so
 * the parameters are counted, and cut, before it parses them.
 */
#define MAX_TARGET_BYTES HTTP_LIMITS_TARGET_BYTES
#define MAX_PARAMS HTTP_LIMITS_PARAMS
#define MAX_HEADER_BYTES HTTP_LIMITS_HEADER_BYTES
#define MAX_HEADERS HTTP_LIMITS_HEADERS
#define POOL_BYTES ((size_t)32 * 1024)
_Static_assert(MAX_TARGET_BYTES + MAX_HEADER_BYTES + (MAX_PARAMS + MAX_HEADERS) * 64 + 4096 <=
	       POOL_BYTES, "a request at every limit must fit the pool, with its answer");
/* How often the deadlines are looked at: a connection is dropped at most this late. */
#define DEADLINE_TICK_MS 100

/* ---- the per-request context ---- */

const char *http_query(const struct http_request *rq, const char *key)
{
	return MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, key);
}

struct query_all {
	const char *key;
	const char **values;
	size_t max, n;
};

static enum MHD_Result add_query_value(void *cls, enum MHD_ValueKind kind, const char *key,
				       const char *value)
{
	struct query_all *q = cls;

	(void)kind;
	if (strcmp(key, q->key))
		return MHD_YES;
	if (q->n < q->max)
		q->values[q->n] = value ? value : "";
	q->n++;
	return MHD_YES;
}

size_t http_query_all(const struct http_request *rq, const char *key, const char **values,
		      size_t max)
{
	struct query_all q = { .key = key, .values = values, .max = max };

	MHD_get_connection_values(rq->conn, MHD_GET_ARGUMENT_KIND, add_query_value, &q);
	return q.n;
}

const char *http_header(const struct http_request *rq, const char *name)
{
	return MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, name);
}

/*
 * MHD's URI callback: the request line is in, its query not yet parsed.
 * uri points into MHD's read buffer, which MHD parses the parameters from
 * once we return.  When the target is over the limits, end it at its '?':
 * MHD then parses no parameters (and cannot run out of pool doing so), and
 * the request is answered 414 once its headers are in.  A path with an
 * encoded NUL is answered 400: MHD decodes it, and the path it passes on
 * would end there.
 */
static void *request_new(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct http_server *srv = cls;
	struct request *r = calloc(1, sizeof(*r));
	const union MHD_ConnectionInfo *ci;

	if (!r)
		return NULL;	/* the access handler closes the connection */
	r->rq.cfg = &srv->cfg;
	r->rq.conn = conn;
	r->srv = srv;
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	r->dl = ci && ci->socket_context ? ((struct conn_ctx *)ci->socket_context)->dl : NULL;
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	r->fd = ci ? ci->connect_fd : -1;
	r->path_has_nul = uri && http_limits_path_has_nul(uri);
	if (uri && http_limits_target_too_long(uri)) {
		char *query = strchr(uri, '?');

		r->target_too_long = true;
		if (query)
			query[1] = '\0';
	}
	return r;
}

static enum MHD_Result add_header_bytes(void *cls, enum MHD_ValueKind kind,
					const char *key, const char *value)
{
	(void)kind;
	http_limits_add_header(cls, key, value);
	return MHD_YES;
}

/*
 * MHD is done with a request: answered (toe OK), or not (timed out, reset,
 * dropped, shut down).  Its slot goes back; after an answer the connection
 * waits for the next request, which must arrive by the read deadline; after
 * anything else the close is abortive, so that the kernel does not keep
 * what was left to send for a client that will not read it.
 */
static void request_free(void *cls, struct MHD_Connection *conn, void **req_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct http_server *srv = cls;
	struct request *r = *req_cls;

	(void)conn;
	if (!r)
		return;
	if (r->counted)
		http_stats_end(srv->cfg.stats, http_route_find(srv->cfg.routes, r->rq.url ? r->rq.url : "")->stats,
			   r->rq.status);
	free(r->auth);	/* a check is never under way here: the request was suspended for it */
	webguard_put(r->rq.web);
	if (r->rq.priv_free)
		r->rq.priv_free(r->rq.priv);
	if (r->has_slot)
		slots_put(&srv->slots, r->rq.client);
	if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
		deadline_set(srv->deadlines, r->dl, DEADLINE_READ,
			     deadline_now_ms() + srv->cfg.read_timeout_ms);
	else if (r->fd >= 0)
		deadline_abortive_close(r->fd);
	free(r);
	*req_cls = NULL;
}

/*
 * A connection opens or closes.  Opening: cap its kernel buffers, and its
 * first request must arrive by the read deadline.  Closing (before MHD
 * closes the fd): forget its deadline.
 */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	struct http_server *srv = cls;
	struct conn_ctx *cc = *socket_context;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		int size = HTTP_SOCKET_BUFFER;

		if (!ci || ci->connect_fd < 0 || !(cc = calloc(1, sizeof(*cc))))
			return;
		setsockopt(ci->connect_fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
		setsockopt(ci->connect_fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
		cc->dl = deadline_add(srv->deadlines, ci->connect_fd);
		deadline_set(srv->deadlines, cc->dl, DEADLINE_READ,
			     deadline_now_ms() + srv->cfg.read_timeout_ms);
		if (srv->cfg.web) {
			/* the web config sets up the TLS session before its handshake */
			const union MHD_ConnectionInfo *tls =
				MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);

			cc->web = webguard_conn_start(srv->cfg.web, tls ? tls->tls_session : NULL);
		}
		*socket_context = cc;
	} else if (code == MHD_CONNECTION_NOTIFY_CLOSED && cc) {
		deadline_remove(srv->deadlines, cc->dl);
		webguard_conn_end(cc->web);
		free(cc);
		*socket_context = NULL;
	}
}

/* ---- slots and suspension ---- */

int http_take_slot(struct http_request *rq)
{
	struct request *r = request_of(rq);
	int ret;

	if (r->has_slot)
		return 0;
	ret = slots_take(&r->srv->slots, rq->client);
	r->has_slot = !ret;
	return ret;
}

int http_suspend(struct http_request *rq)
{
	__atomic_add_fetch(&request_of(rq)->srv->suspended, 1, __ATOMIC_RELAXED);
	MHD_suspend_connection(rq->conn);
	return 0;
}

void http_resume(struct http_request *rq)
{
	struct http_server *srv = request_of(rq)->srv;	/* rq may be gone once resumed */

	MHD_resume_connection(rq->conn);
	__atomic_sub_fetch(&srv->suspended, 1, __ATOMIC_RELEASE);
}

/* A request's password check on the web config's auth pool (webguard.h). */
struct auth_wait {
	struct webguard_auth a;
	struct request *r;
	int err;	/* webguard_auth_submit's, resumed at once: it never ran */
};

static int reply_unauthorized(struct http_request *rq, const char *why)
{
	static const char *const challenge[] = { "WWW-Authenticate", WEBGUARD_CHALLENGE, NULL };

	log_debug("refused %s %s: %s", rq->method, rq->url, why);
	return http_reply_text(rq, MHD_HTTP_UNAUTHORIZED, challenge, "unauthorized: %s", why);
}

/* No room for a password check (err -EBUSY: the queue is full; -EUSERS: the address's quarter). */
static int reply_auth_busy(struct http_request *rq, int err)
{
	static const char *const retry[] = { "Retry-After", "1", NULL };

	return http_reply_text(rq, MHD_HTTP_SERVICE_UNAVAILABLE, retry, "%s",
			       err == -EUSERS ? "too many password checks from your address at once" :
			       "too many password checks at once");
}

/* On a pool thread: the check is done; its slot goes back, the request goes on. */
static void auth_done(struct webguard_auth *a)
{
	struct request *r = ((struct auth_wait *)a)->r;

	slots_put(&r->srv->auth_slots, r->rq.client);
	http_resume(&r->rq);
}

/*
 * A bcrypt must decide: hand the check to the auth pool and suspend (the
 * request goes on in auth_resumed), or answer 503 at once when the pool's
 * queue is full or the client's address holds its quarter of it.  0 or
 * -errno, as a handler.
 */
static int submit_auth(struct http_server *srv, struct request *r)
{
	struct http_request *rq = &r->rq;
	int ret = slots_take(&srv->auth_slots, rq->client);

	if (ret)
		return reply_auth_busy(rq, ret);
	r->auth = calloc(1, sizeof(*r->auth));
	if (!r->auth) {
		slots_put(&srv->auth_slots, rq->client);
		return http_reply_text(rq, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL, "out of memory");
	}
	r->auth->r = r;
	/* suspended first: the pool may be done before submit returns */
	http_suspend(rq);
	ret = webguard_auth_submit(srv->cfg.web, &r->auth->a, rq->web,
				   http_header(rq, MHD_HTTP_HEADER_AUTHORIZATION), auth_done);
	if (ret) {
		r->auth->err = ret;
		slots_put(&srv->auth_slots, rq->client);
		http_resume(rq);
	}
	return 0;
}

/* A request's work on the server's worker thread (http_offload). */
struct offload {
	struct workq_job job;
	struct request *r;
	void (*work)(struct http_request *rq);
};

static void offload_run(struct workq_job *job)
{
	struct offload *o = (struct offload *)job;
	struct request *r = o->r;

	o->work(&r->rq);
	free(o);
	slots_put(&r->srv->work_slots, r->rq.client);
	http_resume(&r->rq);
}

int http_offload(struct http_request *rq, void (*work)(struct http_request *rq))
{
	struct request *r = request_of(rq);
	struct offload *o;
	int ret = slots_take(&r->srv->work_slots, rq->client);

	if (ret)
		return ret;
	o = calloc(1, sizeof(*o));
	if (!o) {
		slots_put(&r->srv->work_slots, rq->client);
		return -ENOMEM;
	}
	o->r = r;
	o->work = work;
	o->job.run = offload_run;
	/* suspended first: the worker may be done before submit returns */
	http_suspend(rq);
	if (workq_submit(r->srv->work, &o->job))
		offload_run(&o->job);	/* cannot be (the queue holds more than the slots): do it here */
	return 0;
}

/*
 * The web config's check (client certificate, basic auth): 0 when the
 * request may go on, 1 when it was answered (401, 403, 503) or suspended
 * for a password check, or -errno.
 */
static int check_web(struct http_server *srv, struct request *r)
{
	static struct log_ratelimit rl = LOG_RATELIMIT_INIT(10);
	struct http_request *rq = &r->rq;
	const union MHD_ConnectionInfo *sock =
		MHD_get_connection_info(rq->conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	const union MHD_ConnectionInfo *tls =
		MHD_get_connection_info(rq->conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	const struct conn_ctx *cc = sock ? sock->socket_context : NULL;
	char why[512];
	int ret;

	switch (webguard_check(srv->cfg.web, rq->web, cc ? cc->web : NULL,
			       tls ? tls->tls_session : NULL,
			       http_header(rq, MHD_HTTP_HEADER_AUTHORIZATION), why, sizeof(why))) {
	case WG_ALLOW:
		return 0;
	case WG_BCRYPT:
		ret = submit_auth(srv, r);
		break;
	case WG_UNAUTHORIZED:
		ret = reply_unauthorized(rq, why);
		break;
	default:
		if (log_ratelimit_ok(&rl))
			log_warnx("refused %s %s: %s", rq->method, rq->url, why);
		ret = http_reply_text(rq, MHD_HTTP_FORBIDDEN, NULL, "forbidden: %s", why);
		break;
	}
	return ret ? ret : 1;
}

/* Past every check: the route's handler answers. */
static int route(struct request *r)
{
	struct http_request *rq = &r->rq;
	const struct http_route *route = http_route_find(r->srv->cfg.routes, rq->url);

	if (!(route->methods & http_route_method_bit(rq->method)))
		return http_route_refuse(rq, route->methods);
	r->route = route;
	return route->handler(rq);
}

/* Resumed from the auth pool: its verdict. */
static int auth_resumed(struct request *r)
{
	char why[128];
	int err = r->auth->err;
	enum webguard_verdict v = err ? WG_UNAUTHORIZED : webguard_auth_verdict(&r->auth->a, why, sizeof(why));

	free(r->auth);
	r->auth = NULL;
	if (err == -EBUSY)
		return reply_auth_busy(&r->rq, err);
	if (err == -ESHUTDOWN)
		return http_reply_text(&r->rq, MHD_HTTP_SERVICE_UNAVAILABLE, NULL, "shutting down");
	if (err)
		return http_reply_text(&r->rq, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL, "out of memory");
	if (v != WG_ALLOW)
		return reply_unauthorized(&r->rq, why);
	return route(r);
}

static int dispatch(struct http_server *srv, struct request *r)
{
	struct http_request *rq = &r->rq;
	int ret;

	if (r->target_too_long)
		return http_reply_text(rq, MHD_HTTP_URI_TOO_LONG, NULL, "request target too long: "
				       "at most %d bytes and %d query parameters",
				       MAX_TARGET_BYTES, MAX_PARAMS);
	if (r->headers_too_large)
		return http_reply_text(rq, MHD_HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE, NULL,
				       "request header fields too large: at most %d bytes in %d lines",
				       MAX_HEADER_BYTES, MAX_HEADERS);
	if (r->path_has_nul)
		return http_reply_text(rq, MHD_HTTP_BAD_REQUEST, NULL,
				       "bad request: the path holds an encoded NUL (%%00)");
	if (srv->cfg.web && (ret = check_web(srv, r)))
		return ret < 0 ? ret : 0;
	return route(r);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size,
				  void **req_cls)
{
	struct http_server *srv = cls;
	struct request *r = *req_cls;

	(void)version;
	(void)upload_data;
	if (!r)
		return MHD_NO;	/* no memory for its context: close */
	if (!r->headers_in) {	/* headers are in; wait for (and discard) any body */
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		struct http_limits_headers header_bytes = { 0, 0 };

		MHD_get_connection_values(conn, MHD_HEADER_KIND, add_header_bytes, &header_bytes);
		r->headers_too_large = http_limits_headers_too_large(&header_bytes);
		r->headers_in = true;
		r->rq.method = method;
		r->rq.url = url;
		r->rq.client = ci ? ci->client_addr : NULL;
		r->rq.web = srv->cfg.web ? webguard_get(srv->cfg.web) : NULL;
		return MHD_YES;
	}
	if (*upload_data_size) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (r->route)	/* resumed: its handler answers now */
		return r->route->handler(&r->rq) ? MHD_NO : MHD_YES;
	if (r->auth)	/* resumed: its password was checked */
		return auth_resumed(r) ? MHD_NO : MHD_YES;
	/* the request is in whole: no deadline while the exporter works on it */
	deadline_set(srv->deadlines, r->dl, DEADLINE_NONE, 0);
	if (srv->cfg.stats && !r->counted) {
		http_stats_begin(srv->cfg.stats);	/* in flight until request_free() */
		r->counted = true;
	}
	return dispatch(srv, r) ? MHD_NO : MHD_YES;
}

/* ---- the server ---- */

/*
 * The daemon's options for the web config (opts: room for 6, ended with
 * MHD_OPTION_END) and the flag that turns TLS on (0 without TLS).  The
 * certificate, key and priorities are the first load's: each connection
 * gets the current ones in on_connection.
 */
static unsigned int web_options(struct http_server *srv, struct MHD_OptionItem *opts)
{
	const struct tls_creds *creds;
	size_t n = 0;

	if (srv->cfg.web && webguard_tls(srv->cfg.web)) {
		creds = webguard_start_creds(srv->cfg.web);
		opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0,
						     (void *)tls_creds_cert_pem(creds) };
		opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0,
						     (void *)tls_creds_key_pem(creds) };
		opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_PRIORITIES, 0,
						     (void *)tls_creds_priorities(creds) };
	}
	opts[n] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };
	return n ? MHD_USE_TLS : 0;
}

/* One daemon on one listening socket; every daemon of srv is started alike. */
static struct MHD_Daemon *start_daemon(struct http_server *srv, int listen_fd)
{
	const struct http_config *cfg = &srv->cfg;
	/* two addresses at their limit leave half the connections to the others */
	unsigned int per_ip = cfg->max_connections / 4 ? cfg->max_connections / 4 : 1;
	/*
	 * libmicrohttpd's own idle timeout is only a backstop: the deadlines
	 * drop a connection at its read or its write deadline, whichever it
	 * waits on.  Past the longer of the two (and a second more, for the
	 * deadline thread's tick), so that a stream that stalls is dropped
	 * at the write timeout even when the read timeout is shorter.
	 */
	unsigned int longer_ms = cfg->read_timeout_ms > cfg->write_timeout_ms ? cfg->read_timeout_ms :
				 cfg->write_timeout_ms;
	unsigned int idle_s = (longer_ms + 999) / 1000 + 1;
	struct MHD_OptionItem web_opts[6];
	unsigned int tls_flag = web_options(srv, web_opts);

	return MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
		MHD_USE_ERROR_LOG | tls_flag,
		0, NULL, NULL, on_request, srv,
		MHD_OPTION_EXTERNAL_LOGGER, log_mhd, NULL,
		MHD_OPTION_URI_LOG_CALLBACK, request_new, srv,
		MHD_OPTION_NOTIFY_COMPLETED, request_free, srv,
		MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv,
		MHD_OPTION_LISTEN_SOCKET, (MHD_socket)listen_fd,
		MHD_OPTION_CONNECTION_LIMIT, cfg->max_connections,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_ip,
		MHD_OPTION_CONNECTION_TIMEOUT, idle_s,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, POOL_BYTES,
		MHD_OPTION_ARRAY, web_opts,
		MHD_OPTION_END);
}

static void close_fds(const int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		close(fds[i]);
}

int http_start(struct http_server **out, const struct http_config *cfg)
{
	struct http_server *srv;
	int ret;

	if (!cfg->nr_listen_fds || cfg->nr_listen_fds > HTTP_MAX_LISTEN || !cfg->routes) {
		close_fds(cfg->listen_fds, cfg->nr_listen_fds);
		return -EINVAL;
	}
	srv = calloc(1, sizeof(*srv));
	if (!srv) {
		close_fds(cfg->listen_fds, cfg->nr_listen_fds);
		return -ENOMEM;
	}
	srv->cfg = *cfg;
	srv->cfg.listen_fds = NULL;	/* the daemons hold them */
	srv->cfg.nr_listen_fds = 0;
	ret = slots_init(&srv->slots, cfg->max_requests);
	if (!ret && (ret = slots_init(&srv->auth_slots, WEBGUARD_AUTH_QUEUE)))
		slots_release(&srv->slots);
	if (!ret && (ret = slots_init(&srv->work_slots, HTTP_WORK_QUEUE))) {
		slots_release(&srv->slots);
		slots_release(&srv->auth_slots);
	}
	if (!ret && (ret = workq_start(&srv->work, "bpfme-render", 1, 2 * HTTP_WORK_QUEUE, 0))) {
		slots_release(&srv->slots);
		slots_release(&srv->auth_slots);
		slots_release(&srv->work_slots);
	}
	if (ret) {
		close_fds(cfg->listen_fds, cfg->nr_listen_fds);
		free(srv);
		return ret;
	}
	ret = deadline_start(&srv->deadlines, DEADLINE_TICK_MS);
	if (ret) {
		close_fds(cfg->listen_fds, cfg->nr_listen_fds);
		workq_stop(srv->work);
		slots_release(&srv->slots);
		slots_release(&srv->auth_slots);
		slots_release(&srv->work_slots);
		free(srv);
		return ret;
	}
	for (size_t i = 0; i < cfg->nr_listen_fds; i++) {
		srv->daemons[i] = start_daemon(srv, cfg->listen_fds[i]);
		if (!srv->daemons[i]) {
			/* libmicrohttpd closed socket i itself: close only those after it */
			close_fds(cfg->listen_fds + i + 1, cfg->nr_listen_fds - i - 1);
			http_stop(srv);	/* closes the ones started */
			return -EIO;
		}
		srv->nr_daemons++;
	}
	*out = srv;
	return 0;
}

void http_stop(struct http_server *srv)
{
	double warn_at = deadline_now_ms() + 5000;

	if (!srv)
		return;
	/* libmicrohttpd cannot stop with a request suspended: wait for them to be resumed */
	while (__atomic_load_n(&srv->suspended, __ATOMIC_ACQUIRE)) {
		if (warn_at && deadline_now_ms() > warn_at) {
			log_warnx("shutting down: still waiting for %u suspended request(s)",
				  __atomic_load_n(&srv->suspended, __ATOMIC_RELAXED));
			warn_at = 0;
		}
		usleep(1000);
	}
	for (size_t i = 0; i < srv->nr_daemons; i++)
		MHD_stop_daemon(srv->daemons[i]);
	deadline_stop(srv->deadlines);
	workq_stop(srv->work);	/* idle: no request is suspended on it */
	slots_release(&srv->slots);
	slots_release(&srv->auth_slots);
	slots_release(&srv->work_slots);
	free(srv);
}
