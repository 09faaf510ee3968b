/* SPDX-License-Identifier: Apache-2.0 */
/*
 * webguard - the web config (--web.config.file) at run time: the loaded
 * config, its reloads, and the check every request passes.
 *
 * A struct webguard_config is one load of the file: the parsed config, its TLS
 * credentials, its extra headers; immutable and reference-counted, so a
 * request keeps the one it started with while a reload swaps in the next.
 * The file is re-read when it changes (the guard thread, bpfme-guard,
 * compares the config file's and the certificate files' inode, size and
 * times with those of the last load every second: a few stat calls) and on
 * SIGHUP (webguard_reload, on main).  A request only takes a reference to
 * the current config (webguard_get: a short lock), never stats or loads.  A bad
 * file at reload keeps the previous config, logs the reason once, and is
 * not tried again until a file changes again.  Turning TLS on or off takes
 * a restart (libmicrohttpd's TLS mode is fixed at start); everything else
 * (certificates, client CAs and policy, versions, ciphers, users, headers)
 * applies to the next connection or request.
 *
 * Password checks that need a bcrypt (≈50 ms at cost 10, a cache miss or
 * an unknown user) run on the auth pool (bpfme-auth, two threads, or one
 * on one core) with at most WEBGUARD_AUTH_QUEUE checks waiting or running:
 * webguard_check says WG_BCRYPT, the caller submits the check
 * (webguard_auth_submit) and is called back on a pool thread.  So a flood
 * of wrong passwords takes at most the pool's threads of CPU.
 *
 * Threads: bpfme-guard and the bcrypt pool bpfme-auth, started by
 * webguard_start (after the capability drop: a thread keeps the
 * capabilities it had when it was made) and joined by webguard_free.  Locks: reload_lock (one load
 * at a time: guard thread or SIGHUP), lock (the current config, a short
 * hold), basicauth's cache lock (a lookup).  No lock is held across a
 * bcrypt.
 *
 * Thread-safe: every function may be called from any thread.
 */
#ifndef BPFME_WEBGUARD_H
#define BPFME_WEBGUARD_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/workq.h"

/* Password checks waiting or running on the auth pool at once; a quarter per client address (http.c). */
#define WEBGUARD_AUTH_QUEUE 16

struct webguard;
struct webguard_config;
struct tls_creds;

/*
 * Load the file at path (start-up).  Returns 0, or -errno with one line
 * naming the file and the problem in err (the exporter exits 1).
 */
int webguard_open(struct webguard **out, const char *path, char *err, size_t errlen);
/*
 * Start the bcrypt pool (bpfme-auth) and the guard thread (bpfme-guard),
 * before serving and after capabilities are dropped.  0 or -errno.
 */
int webguard_start(struct webguard *wg);
/* Free everything; no request or connection may still use it.  NULL is fine. */
void webguard_free(struct webguard *wg);

/* Whether the server speaks TLS (fixed at start). */
bool webguard_tls(const struct webguard *wg);
/*
 * The credentials libmicrohttpd starts with (certificate, key, priorities
 * of the first load); valid until webguard_free.  NULL without TLS.
 */
const struct tls_creds *webguard_start_creds(const struct webguard *wg);

/* The current config, a reference for webguard_put (a short lock; no file is looked at). */
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
	WG_BCRYPT,		/* only a bcrypt can tell: webguard_auth_submit */
};

/*
 * Check one request served under c on a connection (conn_ctx from
 * webguard_conn_start, tls_session its gnutls_session_t; both NULL for
 * plain HTTP): its client certificate, then its Authorization header
 * (NULL if absent).  Anything but WG_ALLOW comes with a one-line reason
 * in why.  Never runs a bcrypt: WG_BCRYPT when only one can tell (the
 * certificate passed; basic auth given for a user whose good check is not
 * cached, or for an unknown user).
 */
enum webguard_verdict webguard_check(struct webguard *wg, const struct webguard_config *c, void *conn_ctx,
			       void *tls_session, const char *authorization, char *why, size_t len);

/* A password check on the auth pool: the caller's, valid until done() is called. */
struct webguard_auth {
	struct workq_job job;
	struct webguard *wg;
	const struct webguard_config *c;
	char *authorization;	/* a copy, wiped once checked */
	bool ok;		/* the verdict, set before done() */
	void (*done)(struct webguard_auth *a);
};

/*
 * Check authorization against c's users on the auth pool; done(a) is called
 * on a pool thread once a->ok is set (then a is the caller's again).  c
 * must stay referenced until then.  0; -EBUSY when the pool has its queue
 * full; -ESHUTDOWN after webguard_free began; -ENOMEM.  On error done is
 * never called.
 */
int webguard_auth_submit(struct webguard *wg, struct webguard_auth *a, const struct webguard_config *c,
			 const char *authorization, void (*done)(struct webguard_auth *a));
/* The verdict of a finished check: WG_ALLOW, or WG_UNAUTHORIZED with why. */
enum webguard_verdict webguard_auth_verdict(const struct webguard_auth *a, char *why, size_t len);

/* The WWW-Authenticate value of a 401. */
#define WEBGUARD_CHALLENGE "Basic realm=\"bpf-metrics-exporter\", charset=\"UTF-8\""

/* Whether c asks for basic auth (it has basic_auth_users). */
bool webguard_basic_auth(const struct webguard_config *c);
/* c's http_server_config.headers: name, value, ..., NULL. */
const char *const *webguard_headers(const struct webguard_config *c);

#endif
