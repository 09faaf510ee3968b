// SPDX-License-Identifier: Apache-2.0
/*
 * check_tls - unit tests for the Go -> GnuTLS mapping: the priority string
 * of a config, byte for byte; that GnuTLS accepts the string of every
 * cipher suite and curve the toolkit knows, and of every version range; and
 * that a config with no TLS suite of its own still builds.  Nothing needs
 * root.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>

#include "lib/buf.h"
#include "suites.h"
#include "web/tls.h"
#include "web/webconfig.h"

static void parse(const char *yaml, struct webconfig *c)
{
	char err[512];

	ck_assert_msg(webconfig_parse(yaml, strlen(yaml), NULL, c, err, sizeof(err)) == 0, "%s", err);
}

static void expect_priority(const char *yaml, const char *want)
{
	struct buf b = BUF_INIT;
	struct webconfig c;
	gnutls_priority_t p;
	const char *where = NULL;

	parse(yaml, &c);
	tls_priority_string(&c, &b);
	ck_assert_msg(!strcmp(b.buf, want), "priority string\n  got  %s\n  want %s\n for:\n%s", b.buf, want, yaml);
	ck_assert_msg(gnutls_priority_init(&p, b.buf, &where) == 0, "GnuTLS refuses %s at %s", b.buf, where);
	gnutls_priority_deinit(p);
	buf_release(&b);
	webconfig_release(&c);
}

#define TLS "tls_server_config:\n  cert_file: c\n  key_file: k\n"

START_TEST(test_priority_strings)
{
	expect_priority(TLS, "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:%SERVER_PRECEDENCE");
	expect_priority(TLS "  min_version: TLS10\n  max_version: TLS11\n  prefer_server_cipher_suites: false\n",
			"NORMAL:-VERS-ALL:+VERS-TLS1.1:+VERS-TLS1.0");
	expect_priority(TLS "  min_version: TLS13\n", "NORMAL:-VERS-ALL:+VERS-TLS1.3:%SERVER_PRECEDENCE");
	/* parts shared by suites are named once, in the order of the first suite naming them */
	expect_priority(TLS "  cipher_suites:\n"
			"  - TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\n"
			"  - TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256\n"
			"  - TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA\n"
			"  - TLS_AES_256_GCM_SHA384\n"
			"  curve_preferences: [X25519, CurveP521]\n",
			"NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"
			":-CIPHER-ALL:+AES-128-GCM:+AES-256-CBC:+AES-256-GCM"
			":-MAC-ALL:+AEAD:+SHA1"
			":-KX-ALL:+ECDHE-RSA:+ECDHE-ECDSA"
			":-GROUP-ALL:+GROUP-X25519:+GROUP-SECP521R1:%SERVER_PRECEDENCE");
	/* only TLS 1.3 suites: no key exchange of TLS 1.2 is left */
	expect_priority(TLS "  cipher_suites: [TLS_CHACHA20_POLY1305_SHA256]\n",
			"NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-CIPHER-ALL:+CHACHA20-POLY1305"
			":-MAC-ALL:+AEAD:-KX-ALL:%SERVER_PRECEDENCE");
}
END_TEST

START_TEST(test_every_name_is_accepted_by_gnutls)
{
	char yaml[512];

	for (size_t i = 0; i < tls_names_nr_ciphers; i++) {
		struct buf b = BUF_INIT;
		struct webconfig c;
		gnutls_priority_t p;
		const char *where = NULL;

		snprintf(yaml, sizeof(yaml), TLS "  cipher_suites: [%s]\n  curve_preferences: [%s]\n",
			 tls_names_ciphers[i].go_name, tls_names_curves[i % tls_names_nr_curves].go_name);
		parse(yaml, &c);
		tls_priority_string(&c, &b);
		ck_assert_msg(gnutls_priority_init(&p, b.buf, &where) == 0, "%s: GnuTLS refuses %s at %s",
			      tls_names_ciphers[i].go_name, b.buf, where);
		gnutls_priority_deinit(p);
		ck_assert_msg(strstr(b.buf, tls_names_ciphers[i].cipher) && strstr(b.buf, tls_names_ciphers[i].mac),
			      "%s: %s", tls_names_ciphers[i].go_name, b.buf);
		buf_release(&b);
		webconfig_release(&c);
	}
	for (int lo = WEBCONFIG_TLS10; lo <= WEBCONFIG_TLS13; lo++) {
		for (int hi = lo; hi <= WEBCONFIG_TLS13; hi++) {
			struct buf b = BUF_INIT;
			struct webconfig c;
			gnutls_priority_t p;

			snprintf(yaml, sizeof(yaml), TLS "  min_version: %s\n  max_version: %s\n",
				 webconfig_tls_version_name(lo), webconfig_tls_version_name(hi));
			parse(yaml, &c);
			tls_priority_string(&c, &b);
			ck_assert_msg(gnutls_priority_init(&p, b.buf, NULL) == 0, "GnuTLS refuses %s", b.buf);
			gnutls_priority_deinit(p);
			buf_release(&b);
			webconfig_release(&c);
		}
	}
}
END_TEST

START_TEST(test_load_errors)
{
	struct tls_creds *creds = NULL;
	struct webconfig c;
	char err[512];

	parse("tls_server_config:\n  cert_file: /nonexistent/c.pem\n  key_file: /nonexistent/k.pem\n", &c);
	ck_assert_int_lt(tls_creds_load(&c, &creds, err, sizeof(err)), 0);
	ck_assert_msg(strstr(err, "cert_file /nonexistent/c.pem: cannot read: No such file"), "%s", err);
	ck_assert_ptr_null(creds);
	webconfig_release(&c);
	parse("tls_server_config:\n  cert_file: /dev/null\n  key_file: /dev/null\n", &c);
	ck_assert_int_lt(tls_creds_load(&c, &creds, err, sizeof(err)), 0);
	ck_assert_msg(strstr(err, "cert_file /dev/null: no PEM certificate in it"), "%s", err);
	webconfig_release(&c);
}
END_TEST

/* A client certificate's SAN against client_allowed_sans, as Go spells them. */
START_TEST(test_san_allowed)
{
	static const char *const allowed[] = { "client.example.com", "127.0.0.1", "::1" };
	static const unsigned char v4[] = { 127, 0, 0, 1 }, v6[16] = { [15] = 1 }, odd[8] = { 127 };
	char shown[16];

	ck_assert(tls_san_allowed(GNUTLS_SAN_DNSNAME, (const unsigned char *)"client.example.com", 18,
				  allowed, 3, shown, sizeof(shown)));
	ck_assert_str_eq(shown, "client.example.");	/* cut to the buffer */
	ck_assert(!tls_san_allowed(GNUTLS_SAN_DNSNAME, (const unsigned char *)"client.example.co", 17,
				   allowed, 3, NULL, 0));
	ck_assert(tls_san_allowed(GNUTLS_SAN_IPADDRESS, v4, 4, allowed, 3, shown, sizeof(shown)));
	ck_assert_str_eq(shown, "127.0.0.1");
	ck_assert(tls_san_allowed(GNUTLS_SAN_IPADDRESS, v6, 16, allowed, 3, shown, sizeof(shown)));
	ck_assert_str_eq(shown, "::1");
	/* an IP address of neither 4 nor 16 bytes, a name with a NUL: never */
	ck_assert(!tls_san_allowed(GNUTLS_SAN_IPADDRESS, odd, 8, allowed, 3, shown, sizeof(shown)));
	ck_assert_str_eq(shown, "");
	ck_assert(!tls_san_allowed(GNUTLS_SAN_DNSNAME, (const unsigned char *)"127.0.0.1\0x", 11,
				   allowed, 3, shown, sizeof(shown)));
	ck_assert_str_eq(shown, "");
	/* what is shown is printable, without quotes */
	ck_assert(!tls_san_allowed(GNUTLS_SAN_URI, (const unsigned char *)"a\"b\nc\xff", 6,
				   allowed, 3, shown, sizeof(shown)));
	ck_assert_str_eq(shown, "a?b?c?");
	ck_assert(!tls_san_allowed(GNUTLS_SAN_OTHERNAME, (const unsigned char *)"::1", 3,
				   allowed, 3, shown, sizeof(shown)));
}
END_TEST

Suite *tls_suite(void)
{
	Suite *s = suite_create("tls");
	TCase *tc = tcase_create("priorities");

	tcase_add_test(tc, test_priority_strings);
	tcase_add_test(tc, test_every_name_is_accepted_by_gnutls);
	tcase_add_test(tc, test_load_errors);
	tcase_add_test(tc, test_san_allowed);
	suite_add_tcase(s, tc);
	return s;
}
