/* SPDX-License-Identifier: Apache-2.0 */
/*
 * webconfig - the web config file (--web.config.file) of the Prometheus
 * exporter-toolkit, the format node_exporter and every official exporter
 * take: tls_server_config, http_server_config and basic_auth_users.  Parsed
 * with libyaml and checked as strictly as the toolkit checks it: an unknown
 * field, a header the toolkit does not allow, a malformed bcrypt hash or a
 * name it does not know is an error naming the field.  Pure: no file but
 * the config itself is read (the certificates are tls.c's business), no
 * global state; thread-safe.
 *
 * Invariants of a parsed struct webconfig: every string is non-NULL and
 * NUL-terminated (an absent one is ""); paths are resolved against the
 * config file's directory; tls is true exactly when the toolkit would
 * serve TLS, and then cert_file and key_file are set; min_version <=
 * max_version; every hash is a well-formed bcrypt hash; header values hold
 * no control characters.
 */
#ifndef BPFME_WEBCONFIG_H
#define BPFME_WEBCONFIG_H

#include <stdbool.h>
#include <stddef.h>

/* tls_server_config.client_auth_type, as Go's crypto/tls names them. */
enum webconfig_client_auth {
	WEBCFG_NO_CLIENT_CERT,
	WEBCFG_REQUEST_CLIENT_CERT,
	WEBCFG_REQUIRE_ANY_CLIENT_CERT,
	WEBCFG_VERIFY_CLIENT_CERT_IF_GIVEN,
	WEBCFG_REQUIRE_AND_VERIFY_CLIENT_CERT,
};

/* TLS versions, min_version and max_version: TLS10 ... TLS13. */
enum webconfig_tls_version { WEBCFG_TLS10 = 10, WEBCFG_TLS11, WEBCFG_TLS12, WEBCFG_TLS13 };

/* A cipher suite by its Go name, and the GnuTLS priority parts it stands for. */
struct webconfig_cipher {
	const char *go_name;		/* e.g. "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" */
	const char *kx;			/* GnuTLS key exchange, e.g. "ECDHE-RSA"; NULL for TLS 1.3 */
	const char *cipher;		/* GnuTLS cipher, e.g. "AES-128-GCM" */
	const char *mac;		/* GnuTLS MAC, e.g. "AEAD" or "SHA1" */
};
/* A curve by its Go name and its GnuTLS group. */
struct webconfig_curve {
	const char *go_name;		/* e.g. "CurveP256" */
	const char *group;		/* e.g. "GROUP-SECP256R1" */
};
/* Every name the toolkit takes (Go's tls.CipherSuites() and its curves). */
extern const struct webconfig_cipher webconfig_ciphers[];
extern const size_t webconfig_nr_ciphers;
extern const struct webconfig_curve webconfig_curves[];
extern const size_t webconfig_nr_curves;

struct webconfig_user {
	char *name;
	char *hash;			/* $2y$, $2b$ or $2a$ bcrypt */
};

struct webconfig_header {
	const char *name;		/* one of the allowed names (static) */
	char *value;
};

#define WEBCFG_MAX_HEADERS 5

struct webconfig {
	/* tls_server_config */
	bool tls;
	char *cert_file, *key_file, *client_ca_file;
	enum webconfig_client_auth client_auth;
	char **allowed_sans;		/* client_allowed_sans; NULL when absent */
	size_t nr_allowed_sans;
	enum webconfig_tls_version min_version, max_version;	/* default TLS12, TLS13 */
	const struct webconfig_cipher **ciphers;	/* in the order given; NULL: GnuTLS's defaults */
	size_t nr_ciphers;
	const struct webconfig_curve **curves;	/* in the order given; NULL: GnuTLS's defaults */
	size_t nr_curves;
	bool prefer_server_cipher_suites;	/* default true */
	/* http_server_config */
	bool http2;			/* accepted as the toolkit does; this server speaks HTTP/1.1 */
	struct webconfig_header headers[WEBCFG_MAX_HEADERS];
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

/* Whether s is a well-formed bcrypt hash: $2y$, $2b$ or $2a$, cost 04-31, 53 characters of salt and hash. */
bool webconfig_bcrypt_ok(const char *s);
/* The names, for messages: "NoClientCert" ...; "TLS10" ... */
const char *webconfig_client_auth_name(enum webconfig_client_auth a);
const char *webconfig_tls_version_name(enum webconfig_tls_version v);

#endif
