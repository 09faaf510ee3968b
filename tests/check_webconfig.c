// SPDX-License-Identifier: Apache-2.0
/*
 * check_webconfig - unit tests for the web config parser: every field of
 * the exporter-toolkit format, the defaults, relative paths, and each
 * mistake the toolkit refuses (unknown fields, headers, hashes, names),
 * each with the line that names it.  Nothing needs root.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#include "lib/buf.h"
#include "suites.h"
#include "web/tls.h"
#include "web/bcrypt.h"
#include "web/webconfig.h"

#define HASH_A "$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi"
#define HASH_B "$2b$04$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234"

static int parse(const char *yaml, struct webconfig *c, char *err, size_t errlen)
{
	return webconfig_parse(yaml, strlen(yaml), "/etc/bpfme", c, err, errlen);
}

static void parse_ok(const char *yaml, struct webconfig *c)
{
	char err[512] = "";
	int ret = parse(yaml, c, err, sizeof(err));

	ck_assert_msg(ret == 0, "parse failed (%d): %s\n%s", ret, err, yaml);
	ck_assert_msg(!err[0], "a good config left a message: %s", err);
}

START_TEST(test_empty_is_plain_http)
{
	static const char *const empties[] = { "", "\n", "# nothing\n", "---\n", "~\n", "{}\n",
					        "tls_server_config:\nbasic_auth_users:\n" };
	struct webconfig c;

	for (size_t i = 0; i < sizeof(empties) / sizeof(empties[0]); i++) {
		parse_ok(empties[i], &c);
		ck_assert_msg(!c.tls, "\"%s\" turned TLS on", empties[i]);
		ck_assert_int_eq(c.nr_users, 0);
		ck_assert_int_eq(c.nr_headers, 0);
		ck_assert_str_eq(c.cert_file, "");
		ck_assert_int_eq(c.min_version, WEBCONFIG_TLS12);
		ck_assert_int_eq(c.max_version, WEBCONFIG_TLS13);
		ck_assert(c.prefer_server_cipher_suites);
		ck_assert(c.http2);
		webconfig_release(&c);
	}
}
END_TEST

START_TEST(test_every_field)
{
	static const char yaml[] =
		"# as node_exporter takes it\n"
		"tls_server_config:\n"
		"  cert_file: server.crt\n"
		"  key_file: /abs/server.key\n"
		"  client_auth_type: \"RequireAndVerifyClientCert\"\n"
		"  client_ca_file: sub/ca.pem\n"
		"  client_allowed_sans: [\"prometheus\", 10.0.0.1, \"spiffe://x/y\"]\n"
		"  min_version: TLS13\n"
		"  max_version: TLS13\n"
		"  cipher_suites:\n"
		"    - TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384\n"
		"    - TLS_AES_128_GCM_SHA256\n"
		"  curve_preferences: [X25519, CurveP384]\n"
		"  prefer_server_cipher_suites: false\n"
		"http_server_config:\n"
		"  http2: no\n"
		"  headers:\n"
		"    X-Frame-Options: sameorigin\n"
		"    Strict-Transport-Security: max-age=31536000; includeSubDomains\n"
		"    X-Content-Type-Options: nosniff\n"
		"    X-XSS-Protection: 1\n"
		"    Content-Security-Policy: \"default-src 'self'\"\n"
		"basic_auth_users:\n"
		"  alice: " HASH_A "\n"
		"  'bob smith': '" HASH_B "'\n";
	struct webconfig c;

	parse_ok(yaml, &c);
	ck_assert(c.tls);
	ck_assert_str_eq(c.cert_file, "/etc/bpfme/server.crt");
	ck_assert_str_eq(c.key_file, "/abs/server.key");
	ck_assert_str_eq(c.client_ca_file, "/etc/bpfme/sub/ca.pem");
	ck_assert_int_eq(c.client_auth, WEBCONFIG_REQUIRE_AND_VERIFY_CLIENT_CERT);
	ck_assert_int_eq(c.nr_allowed_sans, 3);
	ck_assert_str_eq(c.allowed_sans[1], "10.0.0.1");
	ck_assert_str_eq(c.allowed_sans[2], "spiffe://x/y");
	ck_assert_int_eq(c.min_version, WEBCONFIG_TLS13);
	ck_assert_int_eq(c.max_version, WEBCONFIG_TLS13);
	ck_assert_int_eq(c.nr_ciphers, 2);
	ck_assert_str_eq(c.ciphers[0]->go_name, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");
	ck_assert_str_eq(c.ciphers[0]->kx, "ECDHE-RSA");
	ck_assert_ptr_null(c.ciphers[1]->kx);
	ck_assert_int_eq(c.nr_curves, 2);
	ck_assert_str_eq(c.curves[0]->group, "GROUP-X25519");
	ck_assert_str_eq(c.curves[1]->group, "GROUP-SECP384R1");
	ck_assert(!c.prefer_server_cipher_suites);
	ck_assert(!c.http2);
	ck_assert_int_eq(c.nr_headers, 5);
	ck_assert_str_eq(c.headers[0].name, "X-Frame-Options");
	ck_assert_str_eq(c.headers[0].value, "sameorigin");
	ck_assert_str_eq(c.headers[1].value, "max-age=31536000; includeSubDomains");
	ck_assert_str_eq(c.headers[3].value, "1");
	ck_assert_int_eq(c.nr_users, 2);
	ck_assert_str_eq(c.users[0].name, "alice");
	ck_assert_str_eq(c.users[0].hash, HASH_A);
	ck_assert_str_eq(c.users[1].name, "bob smith");
	webconfig_release(&c);
}
END_TEST

START_TEST(test_client_auth_names)
{
	static const struct { const char *name; enum webconfig_client_auth want; } cases[] = {
		{ "NoClientCert", WEBCONFIG_NO_CLIENT_CERT },
		{ "RequestClientCert", WEBCONFIG_REQUEST_CLIENT_CERT },
		{ "RequireAnyClientCert", WEBCONFIG_REQUIRE_ANY_CLIENT_CERT },
		{ "RequireClientCert", WEBCONFIG_REQUIRE_ANY_CLIENT_CERT },	/* the old name */
		{ "VerifyClientCertIfGiven", WEBCONFIG_VERIFY_CLIENT_CERT_IF_GIVEN },
		{ "RequireAndVerifyClientCert", WEBCONFIG_REQUIRE_AND_VERIFY_CLIENT_CERT },
	};
	char yaml[512];
	struct webconfig c;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(yaml, sizeof(yaml), "tls_server_config:\n  cert_file: c\n  key_file: k\n"
			 "  client_auth_type: %s\n%s", cases[i].name,
			 cases[i].want >= WEBCONFIG_VERIFY_CLIENT_CERT_IF_GIVEN ? "  client_ca_file: ca\n" : "");
		parse_ok(yaml, &c);
		ck_assert_msg(c.client_auth == cases[i].want, "%s: got %d", cases[i].name, c.client_auth);
		if (strcmp(cases[i].name, "RequireClientCert"))
			ck_assert_str_eq(webconfig_client_auth_name(c.client_auth), cases[i].name);
		webconfig_release(&c);
	}
}
END_TEST

START_TEST(test_every_go_name)
{
	struct webconfig c;
	char *yaml = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&yaml, &len);

	fprintf(f, "tls_server_config:\n  cert_file: c\n  key_file: k\n  cipher_suites:\n");
	for (size_t i = 0; i < tls_names_nr_ciphers; i++)
		fprintf(f, "  - %s\n", tls_names_ciphers[i].go_name);
	fprintf(f, "  curve_preferences:\n");
	for (size_t i = 0; i < tls_names_nr_curves; i++)
		fprintf(f, "  - %s\n", tls_names_curves[i].go_name);
	fclose(f);
	parse_ok(yaml, &c);
	ck_assert_int_eq(c.nr_ciphers, 17);	/* Go's tls.CipherSuites() */
	ck_assert_int_eq(c.nr_curves, 4);
	for (size_t i = 0; i < tls_names_nr_ciphers; i++)
		ck_assert_ptr_eq(c.ciphers[i], &tls_names_ciphers[i]);
	webconfig_release(&c);
	free(yaml);
}
END_TEST

/*
 * Every single suite with every version range: what the config check
 * accepts, GnuTLS takes (it refuses TLS13 alone with only CBC suites, which
 * fuzz_webconfig found accepted); what it refuses can make no handshake
 * (TLS 1.0 and 1.1 have no AEAD suites, TLS 1.2 needs a key exchange the
 * TLS 1.3 suites do not name), which GnuTLS would take and fail on later.
 */
START_TEST(test_suites_against_gnutls)
{
	static const char *const vers[] = { "TLS10", "TLS11", "TLS12", "TLS13" };
	unsigned int accepted = 0, refused = 0;

	for (size_t i = 0; i < tls_names_nr_ciphers; i++) {
		for (int lo = 0; lo < 4; lo++) {
			for (int hi = lo; hi < 4; hi++) {
				char yaml[512], err[512] = "";
				struct webconfig c;
				int ret;

				snprintf(yaml, sizeof(yaml), "tls_server_config:\n  cert_file: c\n  key_file: k\n"
					 "  min_version: %s\n  max_version: %s\n  cipher_suites: [%s]\n",
					 vers[lo], vers[hi], tls_names_ciphers[i].go_name);
				ret = parse(yaml, &c, err, sizeof(err));
				if (!ret) {
					struct buf b = BUF_INIT;
					gnutls_priority_t p;
					const char *where = NULL;

					tls_priority_string(&c, &b);
					ck_assert_msg(gnutls_priority_init(&p, b.buf, &where) == 0,
						      "accepted, but GnuTLS refuses %s", b.buf);
					gnutls_priority_deinit(p);
					buf_release(&b);
					accepted++;
				} else {
					ck_assert_msg(strstr(err, "no cipher_suites entry can be used"), "%s", err);
					refused++;
				}
				webconfig_release(&c);
			}
		}
	}
	ck_assert_uint_gt(accepted, 0);
	ck_assert_uint_gt(refused, 0);
}
END_TEST

START_TEST(test_plain_http_with_users)
{
	struct webconfig c;

	parse_ok("basic_auth_users:\n  u: " HASH_A "\n", &c);
	ck_assert(!c.tls);
	ck_assert_int_eq(c.nr_users, 1);
	webconfig_release(&c);
	/* min_version alone is no TLS, as with the toolkit */
	parse_ok("tls_server_config:\n  min_version: TLS13\n", &c);
	ck_assert(!c.tls);
	webconfig_release(&c);
}
END_TEST

/* Each bad config and words its message must hold (and its line, if any). */
static const struct bad {
	const char *yaml;
	const char *words;
} bad[] = {
	{ "tls_server_config:\n  cert: x\n", "line 2: tls_server_config: unknown field \"cert\"" },
	{ "tls_config:\n  cert_file: x\n", "line 1: unknown field \"tls_config\"" },
	{ "rate_limit:\n  burst: 1\n", "unknown field \"rate_limit\"" },
	{ "http_server_config:\n  header: {}\n", "http_server_config: unknown field \"header\"" },
	{ "http_server_config:\n  headers:\n    Server: x\n",
	  "line 3: http_server_config: headers: \"Server\" cannot be configured" },
	{ "http_server_config:\n  headers:\n    x-frame-options: deny\n", "\"x-frame-options\" cannot be configured" },
	{ "http_server_config:\n  headers:\n    X-Frame-Options: allow\n",
	  "invalid value for X-Frame-Options: expected deny or sameorigin, not \"allow\"" },
	{ "http_server_config:\n  headers:\n    X-Content-Type-Options: sniff\n",
	  "invalid value for X-Content-Type-Options" },
	{ "http_server_config:\n  headers:\n    X-XSS-Protection: \"1\\r\\nSet-Cookie: a\"\n", "control character" },
	{ "http_server_config:\n  http2: \"true\"\n", "http2: expected true or false" },
	{ "basic_auth_users:\n  alice: secret\n", "line 2: basic_auth_users: user \"alice\": not a bcrypt hash" },
	{ "basic_auth_users:\n  alice:\n", "user \"alice\": not a bcrypt hash" },
	{ "basic_auth_users:\n  alice: $1$abc$defghijklmnopqrstuvwxyz\n", "not a bcrypt hash" },
	{ "basic_auth_users:\n  alice: $2x$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi\n", "not a bcrypt hash" },
	{ "basic_auth_users:\n  alice: $2y$03$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi\n", "not a bcrypt hash" },
	{ "basic_auth_users:\n  alice: $2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeS\n", "not a bcrypt hash" },
	{ "basic_auth_users:\n  alice: $2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeS!\n", "not a bcrypt hash" },
	/* well formed, but a cost over BCRYPT_MAX_COST: a check would take seconds */
	{ "basic_auth_users:\n  alice: $2y$15$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi\n",
	  "line 2: basic_auth_users: user \"alice\": bcrypt cost 15 is over the most the exporter accepts, 14" },
	{ "basic_auth_users:\n  alice: $2a$31$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi\n",
	  "bcrypt cost 31 is over the most the exporter accepts, 14" },
	{ "basic_auth_users:\n  a:b: " HASH_A "\n", "a name with a colon" },
	{ "basic_auth_users:\n  alice: " HASH_A "\n  alice: " HASH_B "\n", "line 3: basic_auth_users: \"alice\" is given twice" },
	{ "basic_auth_users: [alice]\n", "basic_auth_users: expected a mapping" },
	{ "tls_server_config:\n  cert_file: c\n  key_file: k\n  min_version: TLS14\n", "unknown TLS version \"TLS14\"" },
	{ "tls_server_config:\n  cert_file: c\n  key_file: k\n  max_version: tls12\n", "unknown TLS version \"tls12\"" },
	{ "tls_server_config:\n  cert_file: c\n  key_file: k\n  min_version: TLS13\n  max_version: TLS12\n",
	  "min_version TLS13 is above max_version TLS12" },
	{ "tls_server_config:\n  cert_file: c\n  key_file: k\n  cipher_suites: [TLS_RSA_WITH_RC4_128_SHA]\n",
	  "line 4: tls_server_config: cipher_suites: unknown cipher \"TLS_RSA_WITH_RC4_128_SHA\"" },
	{ "tls_server_config:\n  cert_file: c\n  key_file: k\n  cipher_suites: TLS_AES_128_GCM_SHA256\n", "expected a list" },
	{ "tls_server_config:\n  cert_file: c\n  key_file: k\n  min_version: TLS13\n"
	  "  cipher_suites: [TLS_RSA_WITH_AES_128_CBC_SHA]\n",
	  "no cipher_suites entry can be used from min_version TLS13 to max_version TLS13" },
	{ "tls_server_config:\n  cert_file: c\n  key_file: k\n  curve_preferences: [P256]\n", "unknown curve \"P256\"" },
	{ "tls_server_config:\n  cert_file: c\n  key_file: k\n  client_auth_type: RequireAll\n",
	  "client_auth_type: unknown \"RequireAll\"" },
	{ "tls_server_config:\n  cert_file: c\n", "tls_server_config: missing key_file" },
	{ "tls_server_config:\n  key_file: k\n", "tls_server_config: missing cert_file" },
	{ "tls_server_config:\n  client_auth_type: RequireAnyClientCert\n", "missing cert_file" },
	{ "tls_server_config:\n  cert_file: c\n  key_file: k\n  client_ca_file: ca\n",
	  "client_ca_file is set without a client_auth_type" },
	{ "tls_server_config:\n  cert_file: c\n  key_file: k\n  client_auth_type: RequireAndVerifyClientCert\n",
	  "RequireAndVerifyClientCert needs client_ca_file" },
	{ "tls_server_config:\n  cert_file: c\n  key_file: k\n  client_allowed_sans: [a]\n",
	  "client_allowed_sans is set without a client_auth_type" },
	{ "tls_server_config:\n  cipher_suites: [TLS_AES_128_GCM_SHA256]\n", "without cert_file and key_file" },
	{ "tls_server_config:\n  cert_file: [a, b]\n", "line 2: tls_server_config: cert_file: expected a string" },
	{ "tls_server_config: yes\n", "tls_server_config: expected a mapping" },
	{ "tls_server_config:\n  cert_file: c\n  cert_file: d\n", "\"cert_file\" is given twice" },
	{ "- tls_server_config\n", "expected a mapping of tls_server_config" },
	{ "tls_server_config:\n  cert_file: \"a\n", "not YAML" },
	{ "tls_server_config:\n\tcert_file: a\n", "not YAML" },
	{ "a: *nowhere\n", "not YAML" },
	{ "? [a, b]\n: c\n", "a key is not a string" },
	{ "tls_server_config:\n  cert_file: \"a\\0b\"\n  key_file: k\n", "holds a NUL byte" },
};

START_TEST(test_bad)
{
	const struct bad *b = &bad[_i];
	char err[512] = "";
	struct webconfig c;
	int ret = parse(b->yaml, &c, err, sizeof(err));

	ck_assert_msg(ret == -EINVAL, "accepted (%d):\n%s", ret, b->yaml);
	ck_assert_msg(strstr(err, b->words), "the message \"%s\" does not say \"%s\"", err, b->words);
	ck_assert_msg(!strchr(err, '\n'), "the message spans lines: %s", err);
	webconfig_release(&c);
}
END_TEST

/* The highest cost accepted loads. */
START_TEST(test_bcrypt_cost_cap)
{
	char err[512] = "";
	struct webconfig c;

	ck_assert_int_eq(BCRYPT_MAX_COST, 14);
	ck_assert_int_eq(bcrypt_cost("$2y$14$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi"), 14);
	ck_assert_msg(parse("basic_auth_users:\n  alice: $2y$14$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi\n",
			    &c, err, sizeof(err)) == 0, "cost 14 refused: %s", err);
	webconfig_release(&c);
}
END_TEST

START_TEST(test_bcrypt_ok)
{
	ck_assert(bcrypt_hash_ok(HASH_A));
	ck_assert(bcrypt_hash_ok(HASH_B));
	ck_assert(bcrypt_hash_ok("$2a$31$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi"));
	ck_assert(!bcrypt_hash_ok("$2y$32$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi"));
	ck_assert(!bcrypt_hash_ok("$2y$1a$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi"));
	ck_assert(!bcrypt_hash_ok("$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi "));
	ck_assert(!bcrypt_hash_ok(""));
}
END_TEST

START_TEST(test_load_file)
{
	char dir[] = "/tmp/bpfme-webcfg-XXXXXX", path[128], err[512];
	struct webconfig c;
	FILE *f;

	ck_assert(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/web.yml", dir);
	f = fopen(path, "w");
	ck_assert(f);
	fprintf(f, "tls_server_config:\n  cert_file: tls/c.pem\n  key_file: k.pem\n");
	fclose(f);
	ck_assert_int_eq(webconfig_load(path, &c, err, sizeof(err)), 0);
	ck_assert(c.tls);
	ck_assert_msg(!strncmp(c.cert_file, dir, strlen(dir)) && !strcmp(c.cert_file + strlen(dir), "/tls/c.pem"),
		      "cert_file %s is not relative to %s", c.cert_file, dir);
	webconfig_release(&c);

	f = fopen(path, "w");
	ck_assert(f);
	fprintf(f, "basic_auth_users:\n  x: nohash\n");
	fclose(f);
	ck_assert_int_eq(webconfig_load(path, &c, err, sizeof(err)), -EINVAL);
	ck_assert_msg(!strncmp(err, path, strlen(path)) && strstr(err, ": line 2: basic_auth_users"),
		      "the message does not name the file and the line: %s", err);
	webconfig_release(&c);
	unlink(path);
	ck_assert_int_eq(webconfig_load(path, &c, err, sizeof(err)), -ENOENT);
	ck_assert_msg(strstr(err, path) && strstr(err, "No such file"), "%s", err);
	webconfig_release(&c);
	rmdir(dir);
}
END_TEST

START_TEST(test_release_twice)
{
	struct webconfig c;
	char err[256];

	/* a failed parse leaves c initialised: release is safe, twice too */
	ck_assert_int_eq(parse("tls_server_config:\n  cert_file: c\n  nope: 1\n", &c, err, sizeof(err)), -EINVAL);
	webconfig_release(&c);
	webconfig_release(&c);
	ck_assert_ptr_null(c.cert_file);
}
END_TEST

Suite *webconfig_suite(void)
{
	Suite *s = suite_create("webconfig");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_empty_is_plain_http);
	tcase_add_test(tc, test_every_field);
	tcase_add_test(tc, test_client_auth_names);
	tcase_add_test(tc, test_every_go_name);
	tcase_add_test(tc, test_suites_against_gnutls);
	tcase_add_test(tc, test_plain_http_with_users);
	tcase_add_loop_test(tc, test_bad, 0, sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, test_bcrypt_ok);
	tcase_add_test(tc, test_bcrypt_cost_cap);
	tcase_add_test(tc, test_load_file);
	tcase_add_test(tc, test_release_twice);
	suite_add_tcase(s, tc);
	return s;
}
