/* SPDX-License-Identifier: Apache-2.0 */
/*
 * webconfig - the web config file (--web.config.file) of the Prometheus
 * exporter-toolkit, the format node_exporter and every official exporter
 * take: tls_server_config, http_server_config and basic_auth_users.  Parsed
 * with libyaml and checked as strictly as the toolkit checks it: an unknown
 * field, a header the toolkit does not allow, a malformed bcrypt hash or a
 * name it does not know is an error naming the field.  Stricter in one
 * point: a bcrypt cost over BCRYPT_MAX_COST (14) is an error too.  Pure: no file but
 * the config itself is read (the certificates are tls.c's business), no
 * global state; thread-safe.
 *
 * Invariants of a parsed struct webconfig: every string is non-NULL and
 * NUL-terminated (an absent one is ""); paths are resolved against the
 * config file's directory; tls is true exactly when the toolkit would
 * serve TLS, and then cert_file and key_file are set; min_version <=
 * max_version; every hash is a well-formed bcrypt hash of a cost at most
 * BCRYPT_MAX_COST; header values hold
 * no control characters.
 */
#ifndef BPFME_WEBCONFIG_H
#define BPFME_WEBCONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "web/tls_names.h"

/* tls_server_config.client_auth_type, as Go's crypto/tls names them. */
enum webconfig_client_auth {
	WEBCONFIG_NO_CLIENT_CERT,
	WEBCONFIG_REQUEST_CLIENT_CERT,
	WEBCONFIG_REQUIRE_ANY_CLIENT_CERT,
	WEBCONFIG_VERIFY_CLIENT_CERT_IF_GIVEN,
	WEBCONFIG_REQUIRE_AND_VERIFY_CLIENT_CERT,
};

/* TLS versions, min_version and max_version: TLS10 ... TLS13. */
enum webconfig_tls_version { WEBCONFIG_TLS10 = 10, WEBCONFIG_TLS11, WEBCONFIG_TLS12, WEBCONFIG_TLS13 };

struct webconfig_user {
	char *name;
	char *hash;			/* $2y$, $2b$ or $2a$ bcrypt */
};

struct webconfig_header {
	const char *name;		/* one of the allowed names (static) */
	char *value;
};

#define WEBCONFIG_MAX_HEADERS 5

struct webconfig {
	/* tls_server_config */
	bool tls;
	char *cert_file, *key_file, *client_ca_file;
	enum webconfig_client_auth client_auth;
	char **allowed_sans;		/* client_allowed_sans; NULL when absent */
	size_t nr_allowed_sans;
	enum webconfig_tls_version min_version, max_version;	/* default TLS12, TLS13 */
	const struct tls_names_cipher **ciphers;	/* in the order given; NULL: GnuTLS's defaults */
	size_t nr_ciphers;
	const struct tls_names_curve **curves;	/* in the order given; NULL: GnuTLS's defaults */
	size_t nr_curves;
	bool prefer_server_cipher_suites;	/* default true */
	/* http_server_config */
	bool http2;			/* accepted as the toolkit does; this server speaks HTTP/1.1 */
	struct webconfig_header headers[WEBCONFIG_MAX_HEADERS];
	size_t nr_headers;
	/* basic_auth_users, in file order */
	struct webconfig_user *users;
	size_t nr_users;
};

/*
 * Parse the len bytes of text (a YAML document) into cfg.  dir is the
 * directory relative paths are resolved against (the config file's; NULL
 * leaves them as given).  Returns 0, -EINVAL with a one-line reason in err
 * (e.g. "line 4: tls_server_config: unknown field \"cert\""), or -ENOMEM.
 * cfg is initialised either way: webconfig_release() it.
 */
int webconfig_parse(const char *text, size_t len, const char *dir, struct webconfig *cfg,
		 char *err, size_t errlen);
/*
 * Read and parse the file at path.  Returns 0 or -errno (-EINVAL for a bad
 * file) with a one-line reason in err that starts with the path.
 */
int webconfig_load(const char *path, struct webconfig *cfg, char *err, size_t errlen);
void webconfig_release(struct webconfig *cfg);

/* The names, for messages: "NoClientCert" ...; "TLS10" ... */
const char *webconfig_client_auth_name(enum webconfig_client_auth a);
const char *webconfig_tls_version_name(enum webconfig_tls_version v);

#endif
