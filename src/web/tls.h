/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tls - the GnuTLS side of the web config: the server's certificate and
 * key, the client CAs, the priority string built from min_version,
 * max_version, cipher_suites and curve_preferences, and the client
 * certificate policy.  libmicrohttpd takes a certificate, a key and a
 * priority string once, at start; to reload them without a restart each
 * connection gets the credentials current when it was accepted
 * (tls_session_setup, from MHD's connection notification, before the
 * handshake), and keeps them (a reference) until it closes.
 *
 * libmicrohttpd only asks for a client certificate; the exporter enforces
 * the policy twice: in the handshake (GnuTLS requires the certificate and
 * verifies it against client_ca_file where client_auth_type says so) and
 * on every request (tls_check_client: present, verified, an allowed SAN).
 *
 * Thread-safe: a struct tls_creds is immutable once loaded and
 * reference-counted.
 */
#ifndef BPFME_TLS_H
#define BPFME_TLS_H

#include <stdbool.h>
#include <stddef.h>

#include <gnutls/gnutls.h>

#include "lib/buf.h"
#include "web/webconfig.h"

struct tls_creds;

/*
 * The GnuTLS priority string for cfg's versions, cipher suites and curves,
 * appended to out.  GnuTLS picks ciphers, MACs and key exchanges apart,
 * so a list of Go suites allows the combinations of their parts (never a
 * part that no listed suite has); TLS 1.3 negotiates among the listed
 * ciphers too.  Pure.
 */
void tls_priority_string(const struct webconfig *cfg, struct buf *out);

/*
 * Load cfg's certificate, key and client CAs and build its priorities
 * (cfg->tls must be true).  Returns 0 with a reference in *out, or -errno
 * with a one-line reason naming the field and the file in err.
 */
int tls_creds_load(const struct webconfig *cfg, struct tls_creds **out, char *err, size_t errlen);
struct tls_creds *tls_creds_ref(struct tls_creds *c);
/* Drop a reference; the last one frees.  NULL is fine. */
void tls_creds_unref(struct tls_creds *c);

/* What libmicrohttpd takes at start: PEM certificate and key, priority string (owned by c). */
const char *tls_creds_cert_pem(const struct tls_creds *c);
const char *tls_creds_key_pem(const struct tls_creds *c);
const char *tls_creds_priorities(const struct tls_creds *c);

/*
 * Before a new connection's handshake: put c's credentials and priorities
 * on session, and ask for (or require, and verify) a client certificate
 * as c's client_auth_type says.  0 or -EIO.
 */
int tls_session_setup(struct tls_creds *c, gnutls_session_t session);

/*
 * The name matching of tls_check_client, for one subject alternative name
 * of a client certificate as GnuTLS gives it (type GNUTLS_SAN_*, size
 * bytes at raw, not NUL-terminated): whether it is one of allowed[0..nr)
 * as Go spells a SAN -- an IP address (4 or 16 bytes) as inet_ntop writes
 * it, a DNS name, e-mail address or URI byte for byte.  Other types, and a
 * name with a NUL inside, never match.  shown (shown_len bytes; may be
 * NULL) gets the name as a log line and an answer may show it: cut to
 * shown_len - 1 bytes, every byte that is not printable ASCII, and '"', as
 * '?'; "" for a SAN that can never match.  Pure, thread-safe; fuzzed
 * (tests/fuzz/fuzz_tls_san.c).
 */
bool tls_san_allowed(int type, const unsigned char *raw, size_t size, const char *const *allowed,
		     size_t nr_allowed, char *shown, size_t shown_len);

/*
 * After the handshake, for a request: whether the session's client
 * certificate meets c's policy (required ones present, verified ones
 * verified against client_ca_file, a SAN in client_allowed_sans when that
 * is set).  0, or -EACCES with a one-line reason in why.
 */
int tls_check_client(const struct tls_creds *c, gnutls_session_t session, char *why, size_t len);

#endif
