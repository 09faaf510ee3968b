// SPDX-License-Identifier: Apache-2.0
/* tls - GnuTLS credentials, priorities and client certificate checks; see tls.h. */
#include "web/tls.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <gnutls/x509.h>

/* Larger than any real certificate chain or CA bundle. */
#define MAX_PEM_BYTES (4 * 1024 * 1024)

struct tls_creds {
	int refs;			/* __atomic */
	gnutls_certificate_credentials_t cred;
	gnutls_priority_t prio;
	char *cert_pem, *key_pem, *priorities;
	enum webconfig_client_auth client_auth;
	char **allowed_sans;		/* NULL: any */
	size_t nr_allowed_sans;
};

/* ---- priorities ---- */

static void add_unique(struct buf *out, const char *const *parts, size_t n, const char *part)
{
	for (size_t i = 0; i < n; i++)
		if (parts[i] && !strcmp(parts[i], part))
			return;
	buf_addf(out, ":+%s", part);
}

void tls_priority_string(const struct webconfig *cfg, struct buf *out)
{
	static const char *const vers[] = { "VERS-TLS1.0", "VERS-TLS1.1", "VERS-TLS1.2", "VERS-TLS1.3" };
	const char *seen[64];

	buf_addstr(out, "NORMAL:-VERS-ALL");
	for (int v = cfg->max_version; v >= (int)cfg->min_version; v--)
		buf_addf(out, ":+%s", vers[v - WEBCONFIG_TLS10]);
	if (cfg->nr_ciphers) {
		size_t n = cfg->nr_ciphers < 64 ? cfg->nr_ciphers : 64;

		buf_addstr(out, ":-CIPHER-ALL");
		for (size_t i = 0; i < n; i++) {
			add_unique(out, seen, i, cfg->ciphers[i]->cipher);
			seen[i] = cfg->ciphers[i]->cipher;
		}
		buf_addstr(out, ":-MAC-ALL");
		for (size_t i = 0; i < n; i++) {
			add_unique(out, seen, i, cfg->ciphers[i]->mac);
			seen[i] = cfg->ciphers[i]->mac;
		}
		buf_addstr(out, ":-KX-ALL");
		for (size_t i = 0; i < n; i++) {
			seen[i] = cfg->ciphers[i]->kx;
			if (cfg->ciphers[i]->kx)
				add_unique(out, seen, i, cfg->ciphers[i]->kx);
		}
	}
	if (cfg->nr_curves) {
		size_t n = cfg->nr_curves < 64 ? cfg->nr_curves : 64;

		buf_addstr(out, ":-GROUP-ALL");
		for (size_t i = 0; i < n; i++) {
			add_unique(out, seen, i, cfg->curves[i]->group);
			seen[i] = cfg->curves[i]->group;
		}
	}
	if (cfg->prefer_server_cipher_suites)
		buf_addstr(out, ":%SERVER_PRECEDENCE");
}

/* ---- loading ---- */

/* The file at path, NUL-terminated, into *out (malloc'd); 0 or -errno. */
static int read_pem(const char *path, char **out)
{
	struct buf b = BUF_INIT;
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	ret = buf_read_fd(&b, fd, MAX_PEM_BYTES);
	close(fd);
	if (ret) {
		buf_release(&b);
		return ret;
	}
	*out = buf_detach(&b, NULL);
	return *out ? 0 : -ENOMEM;
}

static void creds_free(struct tls_creds *c)
{
	if (c->cred)
		gnutls_certificate_free_credentials(c->cred);
	if (c->prio)
		gnutls_priority_deinit(c->prio);
	free(c->cert_pem);
	if (c->key_pem) {
		explicit_bzero(c->key_pem, strlen(c->key_pem));
		free(c->key_pem);
	}
	free(c->priorities);
	for (size_t i = 0; i < c->nr_allowed_sans; i++)
		free(c->allowed_sans[i]);
	free(c->allowed_sans);
	free(c);
}

static int read_field(const char *field, const char *path, char **out, char *err, size_t errlen)
{
	int ret = read_pem(path, out);

	if (ret)
		snprintf(err, errlen, "tls_server_config: %s %s: cannot read: %s", field, path,
			 ret == -EFBIG ? "larger than 4 MiB" : strerror(-ret));
	return ret;
}

/* Check that pem holds a certificate, and that key_pem holds a private key, to name the culprit. */
static int check_pair(const struct webconfig *cfg, const char *cert_pem, const char *key_pem,
		      char *err, size_t errlen)
{
	gnutls_datum_t d = { (unsigned char *)cert_pem, (unsigned int)strlen(cert_pem) };
	gnutls_x509_crt_t *crts = NULL;
	gnutls_x509_privkey_t key;
	unsigned int n = 0;
	int r;

	r = gnutls_x509_crt_list_import2(&crts, &n, &d, GNUTLS_X509_FMT_PEM, 0);
	if (r < 0 || !n) {
		snprintf(err, errlen, "tls_server_config: cert_file %s: no PEM certificate in it%s%s",
			 cfg->cert_file, r < 0 ? ": " : "", r < 0 ? gnutls_strerror(r) : "");
		return -EINVAL;
	}
	for (unsigned int i = 0; i < n; i++)
		gnutls_x509_crt_deinit(crts[i]);
	gnutls_free(crts);
	if (gnutls_x509_privkey_init(&key))
		return -ENOMEM;
	d.data = (unsigned char *)key_pem;
	d.size = (unsigned int)strlen(key_pem);
	r = gnutls_x509_privkey_import2(key, &d, GNUTLS_X509_FMT_PEM, NULL, 0);
	gnutls_x509_privkey_deinit(key);
	if (r < 0) {
		snprintf(err, errlen, "tls_server_config: key_file %s: no PEM private key in it (an "
			 "encrypted key needs its passphrase removed): %s", cfg->key_file, gnutls_strerror(r));
		return -EINVAL;
	}
	return 0;
}

static bool requires_cert(const struct tls_creds *c)
{
	return c->client_auth == WEBCONFIG_REQUIRE_ANY_CLIENT_CERT ||
	       c->client_auth == WEBCONFIG_REQUIRE_AND_VERIFY_CLIENT_CERT || c->allowed_sans;
}

static bool verifies_cert(const struct tls_creds *c)
{
	return c->client_auth == WEBCONFIG_VERIFY_CLIENT_CERT_IF_GIVEN ||
	       c->client_auth == WEBCONFIG_REQUIRE_AND_VERIFY_CLIENT_CERT;
}

/*
 * GnuTLS's verify callback of credentials that verify client certificates:
 * a certificate that was sent must verify against client_ca_file, or the
 * handshake fails.  (Whether one must be sent is the certificate request's
 * business; tls_check_client checks it all again per request.)
 */
static int verify_in_handshake(gnutls_session_t session)
{
	unsigned int n = 0, status = 0;

	if (!gnutls_certificate_get_peers(session, &n) || !n)
		return 0;
	if (gnutls_certificate_verify_peers2(session, &status) < 0 || status)
		return GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR;
	return 0;
}

int tls_creds_load(const struct webconfig *cfg, struct tls_creds **out, char *err, size_t errlen)
{
	struct tls_creds *c = calloc(1, sizeof(*c));
	struct buf prio = BUF_INIT;
	char *ca_pem = NULL;
	const char *where = NULL;
	gnutls_datum_t cert, key;
	int ret, r;

	if (!c)
		goto nomem;
	c->refs = 1;
	c->client_auth = cfg->client_auth;
	if ((ret = read_field("cert_file", cfg->cert_file, &c->cert_pem, err, errlen)) ||
	    (ret = read_field("key_file", cfg->key_file, &c->key_pem, err, errlen)))
		goto fail;
	if ((ret = check_pair(cfg, c->cert_pem, c->key_pem, err, errlen)))
		goto fail;
	if (gnutls_certificate_allocate_credentials(&c->cred))
		goto nomem;
	cert.data = (unsigned char *)c->cert_pem;
	cert.size = (unsigned int)strlen(c->cert_pem);
	key.data = (unsigned char *)c->key_pem;
	key.size = (unsigned int)strlen(c->key_pem);
	r = gnutls_certificate_set_x509_key_mem2(c->cred, &cert, &key, GNUTLS_X509_FMT_PEM, NULL, 0);
	if (r < 0) {
		snprintf(err, errlen, "tls_server_config: cert_file %s and key_file %s: %s",
			 cfg->cert_file, cfg->key_file, gnutls_strerror(r));
		ret = -EINVAL;
		goto fail;
	}
	if (*cfg->client_ca_file) {
		gnutls_datum_t ca;

		if ((ret = read_field("client_ca_file", cfg->client_ca_file, &ca_pem, err, errlen)))
			goto fail;
		ca.data = (unsigned char *)ca_pem;
		ca.size = (unsigned int)strlen(ca_pem);
		r = gnutls_certificate_set_x509_trust_mem(c->cred, &ca, GNUTLS_X509_FMT_PEM);
		if (r <= 0) {
			snprintf(err, errlen, "tls_server_config: client_ca_file %s: no PEM certificate in it%s%s",
				 cfg->client_ca_file, r < 0 ? ": " : "", r < 0 ? gnutls_strerror(r) : "");
			ret = -EINVAL;
			goto fail;
		}
	}
	if (verifies_cert(c))
		gnutls_certificate_set_verify_function(c->cred, verify_in_handshake);
	tls_priority_string(cfg, &prio);
	if (prio.oom || !(c->priorities = buf_detach(&prio, NULL)))
		goto nomem;
	r = gnutls_priority_init(&c->prio, c->priorities, &where);
	if (r < 0) {
		snprintf(err, errlen, "tls_server_config: GnuTLS refuses the priorities \"%s\"%s%s: %s",
			 c->priorities, where ? " at " : "", where ? where : "", gnutls_strerror(r));
		c->prio = NULL;
		ret = -EINVAL;
		goto fail;
	}
	if (cfg->allowed_sans) {
		c->allowed_sans = calloc(cfg->nr_allowed_sans ? cfg->nr_allowed_sans : 1, sizeof(char *));
		if (!c->allowed_sans)
			goto nomem;
		for (; c->nr_allowed_sans < cfg->nr_allowed_sans; c->nr_allowed_sans++)
			if (!(c->allowed_sans[c->nr_allowed_sans] = strdup(cfg->allowed_sans[c->nr_allowed_sans])))
				goto nomem;
	}
	free(ca_pem);
	*out = c;
	return 0;
nomem:
	snprintf(err, errlen, "tls_server_config: out of memory");
	ret = -ENOMEM;
fail:
	buf_release(&prio);
	free(ca_pem);
	if (c)
		creds_free(c);
	return ret;
}

struct tls_creds *tls_creds_ref(struct tls_creds *c)
{
	__atomic_add_fetch(&c->refs, 1, __ATOMIC_RELAXED);
	return c;
}

void tls_creds_unref(struct tls_creds *c)
{
	if (c && __atomic_sub_fetch(&c->refs, 1, __ATOMIC_ACQ_REL) == 0)
		creds_free(c);
}

const char *tls_creds_cert_pem(const struct tls_creds *c)
{
	return c->cert_pem;
}

const char *tls_creds_key_pem(const struct tls_creds *c)
{
	return c->key_pem;
}

const char *tls_creds_priorities(const struct tls_creds *c)
{
	return c->priorities;
}

/* ---- sessions ---- */

int tls_session_setup(struct tls_creds *c, gnutls_session_t session)
{
	gnutls_certificate_request_t req = GNUTLS_CERT_IGNORE;

	if (gnutls_priority_set(session, c->prio) ||
	    gnutls_credentials_set(session, GNUTLS_CRD_CERTIFICATE, c->cred))
		return -EIO;
	if (c->client_auth != WEBCONFIG_NO_CLIENT_CERT)
		req = requires_cert(c) ? GNUTLS_CERT_REQUIRE : GNUTLS_CERT_REQUEST;
	gnutls_certificate_server_set_request(session, req);
	return 0;
}

bool tls_san_allowed(int type, const unsigned char *raw, size_t size, const char *const *allowed,
		     size_t nr_allowed, char *shown, size_t shown_len)
{
	char text[INET6_ADDRSTRLEN];
	const char *value;
	size_t len;
	bool ok = false;

	if (shown && shown_len)
		shown[0] = '\0';
	if (type == GNUTLS_SAN_IPADDRESS) {
		if ((size != 4 && size != 16) ||
		    !inet_ntop(size == 4 ? AF_INET : AF_INET6, raw, text, sizeof(text)))
			return false;
		value = text;
		len = strlen(text);
	} else if (type == GNUTLS_SAN_DNSNAME || type == GNUTLS_SAN_RFC822NAME || type == GNUTLS_SAN_URI) {
		if (memchr(raw, '\0', size))
			return false;
		value = (const char *)raw;
		len = size;
	} else {
		return false;
	}
	if (shown && shown_len) {
		size_t n = len < shown_len - 1 ? len : shown_len - 1;

		for (size_t i = 0; i < n; i++)	/* it goes into a log line and an answer */
			shown[i] = value[i] < 0x20 || value[i] >= 0x7f || value[i] == '"' ? '?' : value[i];
		shown[n] = '\0';
	}
	for (size_t j = 0; j < nr_allowed; j++)
		ok |= strlen(allowed[j]) == len && !memcmp(value, allowed[j], len);
	return ok;
}

/* Whether one of the SANs of the DER certificate is in c's allowed list (as Go prints them). */
static bool san_allowed(const struct tls_creds *c, const gnutls_datum_t *der, char *found, size_t foundlen)
{
	gnutls_x509_crt_t crt;
	bool ok = false;

	found[0] = '\0';
	if (gnutls_x509_crt_init(&crt))
		return false;
	if (gnutls_x509_crt_import(crt, der, GNUTLS_X509_FMT_DER) == 0) {
		for (unsigned int i = 0; !ok; i++) {
			unsigned char san[1024];
			size_t size = sizeof(san) - 1;
			unsigned int critical;
			int type = gnutls_x509_crt_get_subject_alt_name(crt, i, san, &size, &critical);

			if (type == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
				break;
			if (type == GNUTLS_E_SHORT_MEMORY_BUFFER)
				continue;
			if (type < 0)
				break;
			/* the first SAN that can match is the one the reason shows */
			ok = tls_san_allowed(type, san, size, (const char *const *)c->allowed_sans,
					     c->nr_allowed_sans, found[0] ? NULL : found, foundlen);
		}
	}
	gnutls_x509_crt_deinit(crt);
	return ok;
}

int tls_check_client(const struct tls_creds *c, gnutls_session_t session, char *why, size_t len)
{
	unsigned int n = 0, status = 0;
	const gnutls_datum_t *certs;
	char first[256];

	if (c->client_auth == WEBCONFIG_NO_CLIENT_CERT)
		return 0;
	certs = gnutls_certificate_get_peers(session, &n);
	if (!certs || !n) {
		if (!requires_cert(c))
			return 0;
		snprintf(why, len, "a client certificate is required (client_auth_type %s%s)",
			 webconfig_client_auth_name(c->client_auth),
			 c->allowed_sans ? ", client_allowed_sans" : "");
		return -EACCES;
	}
	if (verifies_cert(c)) {
		int r = gnutls_certificate_verify_peers2(session, &status);

		if (r < 0 || status) {
			gnutls_datum_t text = { NULL, 0 };

			if (r >= 0)
				gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &text, 0);
			snprintf(why, len, "the client certificate does not verify against client_ca_file: %s",
				 r < 0 ? gnutls_strerror(r) : text.data ? (char *)text.data : "not trusted");
			gnutls_free(text.data);
			return -EACCES;
		}
	}
	if (c->allowed_sans && !san_allowed(c, &certs[0], first, sizeof(first))) {
		snprintf(why, len, "no SAN of the client certificate is in client_allowed_sans%s%s%s",
			 first[0] ? " (it has \"" : " (it has none)", first, first[0] ? "\", ...)" : "");
		return -EACCES;
	}
	return 0;
}
