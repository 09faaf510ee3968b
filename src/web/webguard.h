/* SPDX-License-Identifier: Apache-2.0 */
/*
 * webguard - the web config (--web.config.file) at run time: the loaded
 * config, its reloads, and the check every request passes.
 *
 * A struct webguard_config is one load of the file: the parsed config, its TLS
 * credentials, its extra headers; immutable and reference-counted, so a
 * request keeps the one it started with while a reload swaps in the next.
 * The file is re-read when it changes (webguard_get compares the config
 * file's and the certificate files' inode, size and times with those of
 * the last load: a few stat calls) and on SIGHUP (webguard_reload).  A bad
 * file at reload keeps the previous config, logs the reason once, and is
 * not tried again until a file changes again.  Turning TLS on or off takes
 * a restart (libmicrohttpd's TLS mode is fixed at start); everything else
 * (certificates, client CAs and policy, versions, ciphers, users, headers)
 * applies to the next connection or request.
 *
 * Thread-safe: every function may be called from any thread.
 */
#ifndef BPFME_WEBGUARD_H
#define BPFME_WEBGUARD_H

#include <stdbool.h>
#include <stddef.h>

struct webguard;
struct webguard_config;
struct tls_creds;

/*
 * Load the file at path (start-up).  Returns 0, or -errno with one line
 * naming the file and the problem in err (the exporter exits 1).
 */
int webguard_open(struct webguard **out, const char *path, char *err, size_t errlen);
/* Free everything; no request or connection may still use it.  NULL is fine. */
void webguard_free(struct webguard *wg);

/* Whether the server speaks TLS (fixed at start). */
bool webguard_tls(const struct webguard *wg);
/*
 * The credentials libmicrohttpd starts with (certificate, key, priorities
 * of the first load); valid until webguard_free.  NULL without TLS.
 */
const struct tls_creds *webguard_start_creds(const struct webguard *wg);

/* The current config (re-read first if a file changed), a reference for webguard_put. */
struct webguard_config *webguard_get(struct webguard *wg);
/* Drop a reference.  NULL is fine. */
void webguard_put(struct webguard_config *c);
/*
 * Re-read the file now (SIGHUP).  Returns 0 (the new config is in use) or
 * -errno (the previous one stays); either way the outcome is logged.
 */
int webguard_reload(struct webguard *wg);

/*
 * A new connection, before its TLS handshake (libmicrohttpd's
 * MHD_CONNECTION_NOTIFY_STARTED): set up tls_session (a gnutls_session_t)
 * with the current credentials.  Returns what webguard_check and
 * webguard_conn_end take for this connection; NULL without TLS or when
 * the session could not be set up (its requests are then refused).
 */
void *webguard_conn_start(struct webguard *wg, void *tls_session);
void webguard_conn_end(void *conn_ctx);

enum webguard_verdict {
	WG_ALLOW,
	WG_UNAUTHORIZED,	/* 401: basic auth missing or wrong */
	WG_FORBIDDEN,		/* 403: the client certificate does not meet the policy */
};

/*
 * Check one request served under c on a connection (conn_ctx from
 * webguard_conn_start, tls_session its gnutls_session_t; both NULL for
 * plain HTTP): its client certificate, then its Authorization header
 * (NULL if absent).  Anything but WG_ALLOW comes with a one-line reason
 * in why.  A bcrypt may run (≈50 ms) unless the answer is cached.
 */
enum webguard_verdict webguard_check(struct webguard *wg, const struct webguard_config *c, void *conn_ctx,
			       void *tls_session, const char *authorization, char *why, size_t len);

/* The WWW-Authenticate value of a 401. */
#define WEBGUARD_CHALLENGE "Basic realm=\"bpf-metrics-exporter\", charset=\"UTF-8\""

/* Whether c asks for basic auth (it has basic_auth_users). */
bool webguard_basic_auth(const struct webguard_config *c);
/* c's http_server_config.headers: name, value, ..., NULL. */
const char *const *webguard_headers(const struct webguard_config *c);

#endif
