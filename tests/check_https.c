// SPDX-License-Identifier: Apache-2.0
/*
 * check_https - the real binary with --web.config.file: basic auth (200 with
 * the right credentials, 401 and its challenge without or with wrong
 * ones), TLS with a CA, server and client certificates made with openssl
 * in a temporary directory (a missing, rogue or SAN-less client
 * certificate and plain HTTP refused), versions and cipher suites as
 * negotiated, the extra headers, reloads on change and on SIGHUP (a bad
 * file keeps the old config, SIGHUP never stops the exporter), and every
 * start-up error with its exit status and line.  The client is GnuTLS,
 * so a test sees the handshake's own error and the certificate the
 * server presents.  Needs root (the exporter lists BPF objects).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sys/stat.h>
#include <sys/wait.h>

#include <crypt.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "suites.h"
#include "testutil.h"

static char dir[64];		/* the certificates and configs of the running test */

/* ---- files ---- */

static const char *in_dir(const char *name)
{
	static char paths[8][192];
	static unsigned int next;
	char *p = paths[next++ % 8];

	snprintf(p, sizeof(paths[0]), "%s/%s", dir, name);
	return p;
}

static void write_file(const char *name, const char *text)
{
	char tmp[256];
	FILE *f;

	/* written aside and renamed, as an operator's tools do: never half a file */
	snprintf(tmp, sizeof(tmp), "%s.new", in_dir(name));
	f = fopen(tmp, "w");
	ck_assert_msg(f, "%s: %s", tmp, strerror(errno));
	fputs(text, f);
	ck_assert(fclose(f) == 0);
	ck_assert_msg(rename(tmp, in_dir(name)) == 0, "rename %s: %s", tmp, strerror(errno));
}

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	ck_assert_msg(st == 0, "`%s` failed (status %d)", cmd, st);
}

/*
 * A CA; a server certificate for 127.0.0.1 and localhost; a client
 * certificate with the SANs prometheus and prom@example.org; a second
 * server certificate (server2) from the same CA; and a self-signed rogue
 * client certificate with the same SAN.  EC P-256, valid for a day.
 */
static void make_certs(void)
{
	static const char req[] = "openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes";

	sh("cd %s && %s -x509 -keyout ca.key -out ca.crt -days 1 -subj /CN=bpfme-test-ca 2>/dev/null", dir, req);
	for (int i = 0; i < 2; i++)
		sh("cd %s && %s -keyout server%s.key -out s.csr -subj /CN=localhost 2>/dev/null && "
		   "printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > s.ext && "
		   "openssl x509 -req -in s.csr -CA ca.crt -CAkey ca.key -set_serial %d -days 1 "
		   "-extfile s.ext -out server%s.crt 2>/dev/null", dir, req, i ? "2" : "", 100 + i, i ? "2" : "");
	sh("cd %s && %s -keyout client.key -out c.csr -subj /CN=prometheus 2>/dev/null && "
	   "printf 'subjectAltName=DNS:prometheus,email:prom@example.org\\nextendedKeyUsage=clientAuth\\n' > c.ext && "
	   "openssl x509 -req -in c.csr -CA ca.crt -CAkey ca.key -set_serial 200 -days 1 -extfile c.ext "
	   "-out client.crt 2>/dev/null", dir, req);
	sh("cd %s && %s -x509 -keyout rogue.key -out rogue.crt -days 1 -subj /CN=prometheus "
	   "-addext subjectAltName=DNS:prometheus 2>/dev/null", dir, req);
	/*
	 * A forged one: issued by a CA of the same name with another key, so
	 * that a client sends it to a server asking for that CA's certificates.
	 */
	sh("cd %s && %s -x509 -keyout fakeca.key -out fakeca.crt -days 1 -subj /CN=bpfme-test-ca 2>/dev/null && "
	   "openssl x509 -req -in c.csr -CA fakeca.crt -CAkey fakeca.key -set_serial 300 -days 1 "
	   "-extfile c.ext -out forged.crt 2>/dev/null && cp client.key forged.key", dir, req);
}

static void setup(void)
{
	signal(SIGPIPE, SIG_IGN);	/* a server that closes mid-request */
	strcpy(dir, "/tmp/bpfme-web-XXXXXX");
	ck_assert(mkdtemp(dir));
	make_certs();
}

static void teardown(void)
{
	if (dir[0] && strncmp(dir, "/tmp/bpfme-web-", 15) == 0) {
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd))
			fprintf(stderr, "could not remove %s\n", dir);
	}
}

/* bcrypt of password at cost 4 with $2y$; static. */
static const char *bcrypt(const char *password)
{
	static char out[8][64];
	static unsigned int next;
	char salt[CRYPT_GENSALT_OUTPUT_SIZE], *o = out[next++ % 8];
	struct crypt_data data;
	const char *h;

	memset(&data, 0, sizeof(data));
	ck_assert(crypt_gensalt_rn("$2y$", 4, NULL, 0, salt, sizeof(salt)));
	h = crypt_rn(password, salt, &data, sizeof(data));
	ck_assert(h);
	snprintf(o, sizeof(out[0]), "%s", h);
	return o;
}

/* "Authorization: Basic ...\r\n" for user:password; static. */
static const char *auth(const char *user, const char *password)
{
	static char out[64 + (TU_BASIC_AUTH_MAX + 2) / 3 * 4];

	snprintf(out, sizeof(out), "Authorization: %s\r\n", tu_basic_auth(user, password));
	return out;
}

/* ---- the exporter ---- */

static void start(struct tu_exporter *e, const char *config_name)
{
	char flag[256];
	const char *args[] = { flag, NULL };
	int ret;

	snprintf(flag, sizeof(flag), "--web.config.file=%s", in_dir(config_name));
	ret = tu_exporter_start(e, args);
	if (ret) {
		char *log = tu_exporter_log(e);

		ck_abort_msg("exporter did not start with %s (%s): %s", config_name, strerror(-ret), log);
	}
}

static void stop(struct tu_exporter *e)
{
	int st = 0;

	ck_assert_int_eq(tu_exporter_stop(e, 5000, &st, NULL), 0);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "exit status 0x%x", st);
}

static void assert_alive(struct tu_exporter *e, const char *when)
{
	int st;

	ck_assert_msg(waitpid(e->pid, &st, WNOHANG) == 0, "the exporter died %s (status 0x%x)", when, st);
}

/* Wait up to 5 s for words in the exporter's log. */
static void wait_log(struct tu_exporter *e, const char *words)
{
	double deadline = tu_now_ms() + 5000;
	char *log;

	for (;;) {
		log = tu_exporter_log(e);
		if (strstr(log, words) || tu_now_ms() > deadline)
			break;
		free(log);
		usleep(20000);
	}
	ck_assert_msg(strstr(log, words), "the log does not say \"%s\":\n%s", words, log);
	free(log);
}

static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* Until the log says words n times, at most 5 s (a change is looked for every second). */
static void wait_log_n(struct tu_exporter *e, const char *words, int n)
{
	double deadline = tu_now_ms() + 5000;
	char *log;

	for (;;) {
		log = tu_exporter_log(e);
		if (count(log, words) >= n || tu_now_ms() > deadline)
			break;
		free(log);
		usleep(20000);
	}
	ck_assert_msg(count(log, words) >= n, "the log does not say \"%s\" %d times:\n%s", words, n, log);
	free(log);
}

/* ---- a GnuTLS client ---- */

struct client {
	const char *cert, *key;		/* file names in dir, or NULL */
	const char *priority;		/* NULL: "NORMAL" */
};

struct tls_resp {
	int handshake;			/* 0, or GnuTLS's error */
	int io;				/* 0, or GnuTLS's error sending or receiving (an alert) */
	int status;			/* -1 without an answer */
	char head[4096];
	char *body;
	char version[32], cipher[64];
	unsigned int serial;		/* of the server's certificate */
};

static void tls_resp_free(struct tls_resp *r)
{
	free(r->body);
	r->body = NULL;
}

/*
 * One GET over TLS to 127.0.0.1:port, trusting dir/ca.crt, with the
 * client's certificate if any and extra headers.  Fills r; a failed
 * handshake leaves r->handshake < 0 and r->status -1.
 */
static void https(int port, const struct client *c, const char *path, const char *headers,
		  struct tls_resp *r)
{
	gnutls_certificate_credentials_t cred;
	gnutls_session_t s;
	char req[1024], buf[16384], *sep;
	size_t len = 0;
	int fd, ret;

	memset(r, 0, sizeof(*r));
	r->status = -1;
	ck_assert(gnutls_certificate_allocate_credentials(&cred) == 0);
	ck_assert(gnutls_certificate_set_x509_trust_file(cred, in_dir("ca.crt"), GNUTLS_X509_FMT_PEM) == 1);
	if (c && c->cert)
		ck_assert(gnutls_certificate_set_x509_key_file(cred, in_dir(c->cert), in_dir(c->key),
							       GNUTLS_X509_FMT_PEM) == 0);
	ck_assert(gnutls_init(&s, GNUTLS_CLIENT) == 0);
	ck_assert(gnutls_priority_set_direct(s, c && c->priority ? c->priority : "NORMAL", NULL) == 0);
	gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred);
	gnutls_session_set_verify_cert(s, "127.0.0.1", 0);
	fd = tu_connect(port, 5000);
	ck_assert_msg(fd >= 0, "connect: %s", strerror(-fd));
	gnutls_transport_set_int(s, fd);
	gnutls_handshake_set_timeout(s, 5000);
	do {
		ret = gnutls_handshake(s);
	} while (ret < 0 && !gnutls_error_is_fatal(ret));
	r->handshake = ret < 0 ? ret : 0;
	if (ret < 0)
		goto out;
	snprintf(r->version, sizeof(r->version), "%s", gnutls_protocol_get_name(gnutls_protocol_get_version(s)));
	snprintf(r->cipher, sizeof(r->cipher), "%s", gnutls_cipher_get_name(gnutls_cipher_get(s)));
	{
		unsigned int n = 0;
		const gnutls_datum_t *peer = gnutls_certificate_get_peers(s, &n);
		gnutls_x509_crt_t crt;
		unsigned char serial[16];
		size_t slen = sizeof(serial);

		ck_assert(peer && n);
		ck_assert(gnutls_x509_crt_init(&crt) == 0);
		ck_assert(gnutls_x509_crt_import(crt, &peer[0], GNUTLS_X509_FMT_DER) == 0);
		ck_assert(gnutls_x509_crt_get_serial(crt, serial, &slen) == 0);
		for (size_t i = 0; i < slen; i++)
			r->serial = r->serial << 8 | serial[i];
		gnutls_x509_crt_deinit(crt);
	}
	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n%s\r\n",
		 path, headers ? headers : "");
	ret = (int)gnutls_record_send(s, req, strlen(req));
	if (ret < 0)
		r->io = ret;
	for (; ret >= 0;) {
		ssize_t n = gnutls_record_recv(s, buf + len, sizeof(buf) - 1 - len);

		if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
			continue;
		if (n < 0)
			r->io = (int)n;	/* an alert, or closed without close_notify */
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len == sizeof(buf) - 1)
			break;	/* enough for any test's purpose */
	}
	buf[len] = '\0';
	if (sscanf(buf, "HTTP/1.%*d %d", &r->status) != 1)
		r->status = -1;
	sep = strstr(buf, "\r\n\r\n");
	if (sep) {
		snprintf(r->head, sizeof(r->head), "%.*s", (int)(sep - buf), buf);
		r->body = strdup(sep + 4);
	}
out:
	if (!r->body)
		r->body = strdup("");
	gnutls_bye(s, GNUTLS_SHUT_RDWR);
	close(fd);
	gnutls_deinit(s);
	gnutls_certificate_free_credentials(cred);
}

static void expect_https(int port, const struct client *c, const char *path, const char *headers,
			 int want, const char *what)
{
	struct tls_resp r;

	https(port, c, path, headers, &r);
	ck_assert_msg(r.handshake == 0, "%s: handshake failed: %s", what, gnutls_strerror(r.handshake));
	ck_assert_msg(r.status == want, "%s: status %d, want %d: %.200s", what, r.status, want, r.body);
	tls_resp_free(&r);
}

/*
 * The handshake fails: in TLS 1.2 the client's handshake returns the
 * error; in TLS 1.3 the client finishes first, and instead of an answer
 * the server closes the connection (libmicrohttpd sends no alert).
 */
static void expect_handshake_fails(int port, const struct client *c, const char *what)
{
	struct tls_resp r;

	https(port, c, "/metrics", auth("prometheus", "secret"), &r);
	ck_assert_msg((r.handshake < 0 || r.io < 0) && r.status == -1, "%s: handshake %s, then %s, status %d: %.200s",
		      what, r.handshake ? gnutls_strerror(r.handshake) : "succeeded",
		      r.io ? gnutls_strerror(r.io) : "no error", r.status, r.body);
	tls_resp_free(&r);
}

static const struct client with_cert = { "client.crt", "client.key", NULL };
static const struct client with_rogue = { "rogue.crt", "rogue.key", NULL };
static const struct client with_forged = { "forged.crt", "forged.key", NULL };

/* ======================================================================
 * basic auth
 * ====================================================================== */

START_TEST(test_basic_auth_plain_http)
{
	struct tu_exporter e;
	struct tu_http_resp r;
	char yaml[512], *v;
	const char *paths[] = { "/metrics", "/", "/events", "/nope" };

	snprintf(yaml, sizeof(yaml),
		 "basic_auth_users:\n  prometheus: %s\n  other: %s\n"
		 "http_server_config:\n  headers:\n    X-Content-Type-Options: nosniff\n"
		 "    Content-Security-Policy: \"default-src 'none'\"\n",
		 bcrypt("secret"), bcrypt("x"));
	write_file("web.yml", yaml);
	start(&e, "web.yml");
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		ck_assert_int_eq(tu_http(e.port, "GET", paths[i], NULL, &r), 0);
		ck_assert_msg(r.status == 401, "GET %s without credentials: %d", paths[i], r.status);
		v = tu_http_header(&r, "WWW-Authenticate");
		ck_assert_msg(v && !strcmp(v, "Basic realm=\"bpf-metrics-exporter\", charset=\"UTF-8\""),
			      "WWW-Authenticate: %s", v ? v : "(missing)");
		free(v);
		v = tu_http_header(&r, "X-Content-Type-Options");
		ck_assert_msg(v && !strcmp(v, "nosniff"), "the 401 lacks the configured header");
		free(v);
		tu_http_free(&r);
	}
	ck_assert_int_eq(tu_http(e.port, "GET", "/metrics", auth("prometheus", "wrong"), &r), 0);
	ck_assert_int_eq(r.status, 401);
	ck_assert_msg(strstr(r.body, "wrong user name or password"), "%s", r.body);
	tu_http_free(&r);
	ck_assert_int_eq(tu_http(e.port, "GET", "/metrics", auth("nobody", "secret"), &r), 0);
	ck_assert_int_eq(r.status, 401);
	tu_http_free(&r);
	ck_assert_int_eq(tu_http(e.port, "GET", "/metrics", "Authorization: Bearer secret\r\n", &r), 0);
	ck_assert_int_eq(r.status, 401);
	tu_http_free(&r);
	/* the right credentials, twice (the second from the cache) */
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(tu_http(e.port, "GET", "/metrics", auth("prometheus", "secret"), &r), 0);
		ck_assert_msg(r.status == 200, "right credentials: %d %s", r.status, r.body);
		ck_assert_msg(r.body_len > 6 && !strcmp(r.body + r.body_len - 6, "# EOF\n"), "not a whole exposition");
		v = tu_http_header(&r, "Content-Security-Policy");
		ck_assert_msg(v && !strcmp(v, "default-src 'none'"), "Content-Security-Policy: %s", v ? v : "(missing)");
		free(v);
		tu_http_free(&r);
	}
	ck_assert_int_eq(tu_http(e.port, "GET", "/nope", auth("other", "x"), &r), 0);
	ck_assert_msg(r.status == 404, "an authenticated request to an unknown path: %d", r.status);
	tu_http_free(&r);
	stop(&e);
}
END_TEST

/* ======================================================================
 * TLS
 * ====================================================================== */

START_TEST(test_tls_client_certificate)
{
	struct tu_exporter e;
	struct tu_http_resp r;
	struct tls_resp t;
	char yaml[1024];
	int ret;

	snprintf(yaml, sizeof(yaml),
		 "tls_server_config:\n  cert_file: server.crt\n  key_file: %s\n"
		 "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\n"
		 "basic_auth_users:\n  prometheus: %s\n", in_dir("server.key"), bcrypt("secret"));
	write_file("web.yml", yaml);
	start(&e, "web.yml");
	https(e.port, &with_cert, "/metrics", auth("prometheus", "secret"), &t);
	ck_assert_msg(t.handshake == 0, "handshake: %s", gnutls_strerror(t.handshake));
	ck_assert_msg(t.status == 200, "a client certificate and credentials: %d %s", t.status, t.body);
	ck_assert_msg(strstr(t.body, "bpf_exporter_build_info"), "not the metrics: %s", t.body);
	ck_assert_msg(t.serial == 100, "the server presented certificate %u, not server.crt", t.serial);
	ck_assert_msg(!strcmp(t.version, "TLS1.3") || !strcmp(t.version, "TLS1.2"), "version %s", t.version);
	tls_resp_free(&t);
	expect_https(e.port, &with_cert, "/metrics", NULL, 401, "a client certificate, no credentials");
	expect_https(e.port, &with_cert, "/metrics", auth("prometheus", "nope"), 401,
		     "a client certificate, wrong credentials");
	expect_handshake_fails(e.port, NULL, "no client certificate");
	expect_handshake_fails(e.port, &with_rogue, "a self-signed client certificate");
	expect_handshake_fails(e.port, &with_forged, "a client certificate from a forged CA");
	/* TLS 1.2 as well: the certificate is required there too */
	expect_handshake_fails(e.port, &(struct client){ NULL, NULL, "NORMAL:-VERS-ALL:+VERS-TLS1.2" },
			       "TLS 1.2 without a client certificate");
	/* plain HTTP gets no HTTP answer */
	ret = tu_http(e.port, "GET", "/metrics", auth("prometheus", "secret"), &r);
	ck_assert_msg(ret != 0 || r.status <= 0, "plain HTTP was answered %d", r.status);
	if (!ret)
		tu_http_free(&r);
	assert_alive(&e, "after refused clients");
	expect_https(e.port, &with_cert, "/", auth("prometheus", "secret"), 200, "after refused clients");
	{
		/* failed handshakes are the clients' doing: debug lines, not warnings */
		char *log = tu_exporter_log(&e);

		ck_assert_msg(!tu_log_warning(log) && !strstr(log, "out of context"),
			      "refused clients made warnings:\n%s", log);
		free(log);
	}
	stop(&e);
}
END_TEST

START_TEST(test_client_auth_modes)
{
	struct tu_exporter e;
	char yaml[1024];

	/* RequestClientCert: asked for, not required, not checked */
	write_file("web.yml", "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
		   "  client_auth_type: RequestClientCert\n");
	start(&e, "web.yml");
	expect_https(e.port, NULL, "/metrics", NULL, 200, "RequestClientCert, none given");
	expect_https(e.port, &with_rogue, "/metrics", NULL, 200, "RequestClientCert, a rogue one");
	stop(&e);

	/* RequireAnyClientCert: required, not checked */
	write_file("web.yml", "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
		   "  client_auth_type: RequireAnyClientCert\n");
	start(&e, "web.yml");
	expect_handshake_fails(e.port, NULL, "RequireAnyClientCert, none given");
	expect_https(e.port, &with_rogue, "/metrics", NULL, 200, "RequireAnyClientCert, a rogue one");
	stop(&e);

	/* VerifyClientCertIfGiven: optional, checked when given */
	write_file("web.yml", "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
		   "  client_auth_type: VerifyClientCertIfGiven\n  client_ca_file: ca.crt\n");
	start(&e, "web.yml");
	expect_https(e.port, NULL, "/metrics", NULL, 200, "VerifyClientCertIfGiven, none given");
	expect_https(e.port, &with_cert, "/metrics", NULL, 200, "VerifyClientCertIfGiven, a good one");
	expect_handshake_fails(e.port, &with_forged, "VerifyClientCertIfGiven, a forged one");
	stop(&e);

	/* client_allowed_sans: checked per request, 403 with the reason */
	snprintf(yaml, sizeof(yaml), "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
		 "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\n"
		 "  client_allowed_sans: [grafana, \"prom@example.org\"]\n");
	write_file("web.yml", yaml);
	start(&e, "web.yml");
	expect_https(e.port, &with_cert, "/metrics", NULL, 200, "an allowed SAN (the email address)");
	write_file("web.yml", "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
		   "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\n"
		   "  client_allowed_sans: [grafana]\n");
	{
		struct tls_resp t;

		wait_log_n(&e, "web config reloaded", 1);	/* the guard thread looks every second */
		https(e.port, &with_cert, "/metrics", NULL, &t);
		ck_assert_msg(t.status == 403, "a SAN not allowed: status %d: %.300s", t.status, t.body);
		ck_assert_msg(strstr(t.body, "no SAN of the client certificate is in client_allowed_sans") &&
			      strstr(t.body, "prometheus"), "403 body: %s", t.body);
		tls_resp_free(&t);
	}
	wait_log(&e, "no SAN of the client certificate");
	stop(&e);
}
END_TEST

START_TEST(test_versions_and_ciphers)
{
	struct tu_exporter e;
	struct tls_resp t;

	write_file("web.yml", "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
		   "  min_version: TLS13\n");
	start(&e, "web.yml");
	https(e.port, NULL, "/", NULL, &t);
	ck_assert_msg(t.status == 200 && !strcmp(t.version, "TLS1.3"), "min_version TLS13: %d %s", t.status, t.version);
	tls_resp_free(&t);
	expect_handshake_fails(e.port, &(struct client){ NULL, NULL, "NORMAL:-VERS-ALL:+VERS-TLS1.2" },
			       "a TLS 1.2 client, min_version TLS13");
	stop(&e);

	/* the default minimum is TLS 1.2 */
	write_file("web.yml", "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n");
	start(&e, "web.yml");
	expect_handshake_fails(e.port, &(struct client){ NULL, NULL, "NORMAL:-VERS-ALL:+VERS-TLS1.1:+VERS-TLS1.0" },
			       "a TLS 1.1 client, the default minimum");
	expect_https(e.port, &(struct client){ NULL, NULL, "NORMAL:-VERS-ALL:+VERS-TLS1.2" }, "/", NULL, 200,
		     "a TLS 1.2 client, the default minimum");
	stop(&e);

	write_file("web.yml", "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
		   "  max_version: TLS12\n  cipher_suites: [TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256]\n"
		   "  curve_preferences: [CurveP384]\n");
	start(&e, "web.yml");
	https(e.port, NULL, "/", NULL, &t);
	ck_assert_msg(t.status == 200 && !strcmp(t.version, "TLS1.2") && !strcmp(t.cipher, "CHACHA20-POLY1305"),
		      "max_version TLS12, one suite: %d %s %s", t.status, t.version, t.cipher);
	tls_resp_free(&t);
	expect_handshake_fails(e.port, &(struct client){ NULL, NULL, "NORMAL:-CIPHER-ALL:+AES-128-GCM" },
			       "a client without the listed cipher");
	expect_handshake_fails(e.port, &(struct client){ NULL, NULL, "NORMAL:-GROUP-ALL:+GROUP-SECP256R1" },
			       "a client without the listed curve");
	stop(&e);
}
END_TEST

/* ======================================================================
 * reloads
 * ====================================================================== */

START_TEST(test_reload_on_change)
{
	struct tu_exporter e;
	struct tu_http_resp r;
	char yaml[512];
	char *log;

	snprintf(yaml, sizeof(yaml), "basic_auth_users:\n  prometheus: %s\n", bcrypt("old"));
	write_file("web.yml", yaml);
	start(&e, "web.yml");
	ck_assert_int_eq(tu_http(e.port, "GET", "/", auth("prometheus", "old"), &r), 0);
	ck_assert_int_eq(r.status, 200);
	tu_http_free(&r);

	/* a new password: taken within a second (the guard thread looks), no signal */
	snprintf(yaml, sizeof(yaml), "basic_auth_users:\n  prometheus: %s\n"
		 "http_server_config:\n  headers:\n    X-Frame-Options: deny\n", bcrypt("new"));
	write_file("web.yml", yaml);
	wait_log_n(&e, "web config reloaded", 1);
	ck_assert_int_eq(tu_http(e.port, "GET", "/", auth("prometheus", "old"), &r), 0);
	ck_assert_msg(r.status == 401, "the old password still works after the change: %d", r.status);
	tu_http_free(&r);
	ck_assert_int_eq(tu_http(e.port, "GET", "/", auth("prometheus", "new"), &r), 0);
	ck_assert_msg(r.status == 200, "the new password does not work: %d", r.status);
	ck_assert_msg(strstr(r.head, "X-Frame-Options: deny"), "the new header is missing: %s", r.head);
	tu_http_free(&r);

	/* a bad file keeps the previous config, and says so once */
	write_file("web.yml", "basic_auth_users:\n  prometheus: notahash\n");
	wait_log(&e, "cannot reload the web config; keeping the previous one");
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(tu_http(e.port, "GET", "/", auth("prometheus", "new"), &r), 0);
		ck_assert_msg(r.status == 200, "a bad file changed the config: %d", r.status);
		tu_http_free(&r);
	}
	wait_log(&e, "cannot reload the web config; keeping the previous one");
	log = tu_exporter_log(&e);
	ck_assert_msg(count(log, "cannot reload the web config") == 1,
		      "the bad file was reported more than once:\n%s", log);
	ck_assert_msg(strstr(log, "not a bcrypt hash") && strstr(log, "web.yml: line 2"), "%s", log);
	free(log);

	/* a removed file: the same */
	unlink(in_dir("web.yml"));
	ck_assert_int_eq(tu_http(e.port, "GET", "/", auth("prometheus", "new"), &r), 0);
	ck_assert_msg(r.status == 200, "a removed file changed the config: %d", r.status);
	tu_http_free(&r);
	assert_alive(&e, "after bad files");
	stop(&e);
}
END_TEST

START_TEST(test_reload_sighup_and_certificates)
{
	struct tu_exporter e;
	struct tls_resp t;
	char *log;

	write_file("web.yml", "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n");
	start(&e, "web.yml");
	https(e.port, NULL, "/", NULL, &t);
	ck_assert_msg(t.status == 200 && t.serial == 100, "status %d, certificate %u", t.status, t.serial);
	tls_resp_free(&t);

	/* a renewed certificate in place: the next connection once it is seen (within a second) gets it */
	sh("cd %s && cp server2.crt server.crt.new && cp server2.key server.key.new && "
	   "mv server.key.new server.key && mv server.crt.new server.crt", dir);
	wait_log_n(&e, "web config reloaded", 1);
	https(e.port, NULL, "/", NULL, &t);
	ck_assert_msg(t.status == 200 && t.serial == 101, "after renewal: status %d, certificate %u (want 101)",
		      t.status, t.serial);
	tls_resp_free(&t);

	/* SIGHUP re-reads; a good file is logged, a bad one kept out */
	kill(e.pid, SIGHUP);
	wait_log_n(&e, "web config reloaded", 2);
	write_file("web.yml", "tls_server_config:\n  cert_file: server.crt\n  key_file: ca.key\n");
	kill(e.pid, SIGHUP);
	wait_log(&e, "keeping the previous one");
	assert_alive(&e, "after SIGHUP with a bad file");
	https(e.port, NULL, "/", NULL, &t);
	ck_assert_msg(t.status == 200 && t.serial == 101, "after a bad reload: status %d, certificate %u",
		      t.status, t.serial);
	tls_resp_free(&t);
	log = tu_exporter_log(&e);
	ck_assert_msg(strstr(log, "cert_file") && strstr(log, "key_file"), "the reason does not name the "
		      "certificate and the key:\n%s", log);
	free(log);

	/* turning TLS off takes a restart */
	write_file("web.yml", "basic_auth_users: {}\n");
	kill(e.pid, SIGHUP);
	wait_log(&e, "turning TLS off takes a restart");
	expect_https(e.port, NULL, "/", NULL, 200, "TLS after a refused switch to plain HTTP");
	stop(&e);
}
END_TEST

START_TEST(test_sighup_without_config)
{
	struct tu_exporter e;
	struct tu_http_resp r;

	ck_assert_int_eq(tu_exporter_start(&e, NULL), 0);
	for (int i = 0; i < 3; i++)
		kill(e.pid, SIGHUP);
	wait_log(&e, "SIGHUP: no --web.config.file to re-read");
	assert_alive(&e, "after SIGHUP");
	ck_assert_int_eq(tu_http(e.port, "GET", "/", NULL, &r), 0);
	ck_assert_int_eq(r.status, 200);
	tu_http_free(&r);
	stop(&e);
}
END_TEST

/* ======================================================================
 * start-up errors
 * ====================================================================== */

static const struct bad_start {
	const char *yaml;	/* NULL: no file at all */
	const char *words;
} bad_starts[] = {
	{ NULL, "web.yml: cannot open: No such file or directory" },
	{ "basic_auth_users:\n  prometheus: $2y$15$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi\n",
	  "web.yml: line 2: basic_auth_users: user \\\"prometheus\\\": bcrypt cost 15 is over the most the exporter accepts, 14" },
	{ "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  certfile: x\n",
	  "web.yml: line 4: tls_server_config: unknown field \\\"certfile\\\"" },
	{ "http_server_config:\n  headers:\n    Access-Control-Allow-Origin: \"*\"\n",
	  "\\\"Access-Control-Allow-Origin\\\" cannot be configured" },
	{ "basic_auth_users:\n  prometheus: secret\n", "line 2: basic_auth_users: user \\\"prometheus\\\": not a bcrypt hash" },
	{ "tls_server_config:\n  cert_file: missing.crt\n  key_file: server.key\n",
	  "tls_server_config: cert_file " },
	{ "tls_server_config:\n  cert_file: server.crt\n  key_file: server2.key\n",
	  "cert_file" },
	{ "tls_server_config:\n  cert_file: server.key\n  key_file: server.key\n",
	  "no PEM certificate in it" },
	{ "tls_server_config:\n  cert_file: server.crt\n  key_file: server.crt\n",
	  "key_file" },
	{ "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
	  "  client_auth_type: VerifyClientCertIfGiven\n  client_ca_file: s.ext\n", "client_ca_file" },
	{ "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  min_version: TLS14\n",
	  "unknown TLS version" },
	{ "tls_server_config:\n  cert_file: server.crt\n", "missing key_file" },
	{ "tls_server_config: [\n", "not YAML" },
};

START_TEST(test_startup_errors)
{
	const struct bad_start *b = &bad_starts[_i];
	char flag[256], *out = NULL, *argv[4];
	int st = 0, ret;

	if (b->yaml)
		write_file("web.yml", b->yaml);
	snprintf(flag, sizeof(flag), "--web.config.file=%s", in_dir("web.yml"));
	argv[0] = (char *)tu_bin();
	argv[1] = flag;
	argv[2] = "--web.listen-address=127.0.0.1:0";
	argv[3] = NULL;
	ret = tu_run(argv, 10000, NULL, &st, &out);
	ck_assert_msg(ret == 0, "the exporter did not exit: %s", strerror(-ret));
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 1, "exit status 0x%x, want 1; output:\n%s", st, out);
	ck_assert_msg(count(out, "\n") == 1, "want one line, got:\n%s", out);
	ck_assert_msg(strstr(out, "level=error msg=\"bad web config (--web.config.file)\"") &&
		      strstr(out, in_dir("web.yml")) && strstr(out, b->words),
		      "the line does not name the file and \"%s\":\n%s", b->words, out);
	free(out);
}
END_TEST

Suite *https_suite(void)
{
	Suite *s = suite_create("https");
	TCase *tc = tcase_create("web");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_basic_auth_plain_http);
	tcase_add_test(tc, test_tls_client_certificate);
	tcase_add_test(tc, test_client_auth_modes);
	tcase_add_test(tc, test_versions_and_ciphers);
	tcase_add_test(tc, test_reload_on_change);
	tcase_add_test(tc, test_reload_sighup_and_certificates);
	tcase_add_test(tc, test_sighup_without_config);
	tcase_add_loop_test(tc, test_startup_errors, 0, sizeof(bad_starts) / sizeof(bad_starts[0]));
	suite_add_tcase(s, tc);
	return s;
}
