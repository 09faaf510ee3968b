// SPDX-License-Identifier: Apache-2.0
/*
 * fuzz_webconfig - the web config parser (webconfig_parse, libyaml underneath)
 * on any bytes, and the GnuTLS priority string of what it accepts.
 *
 * Invariants: the answer is 0, -EINVAL or -ENOMEM; a refusal comes with a
 * message of printable ASCII on one line (it is logged and names the
 * field); an accepted config keeps webconfig.h's invariants (strings set,
 * TLS only with cert_file and key_file, min_version <= max_version, every
 * hash well-formed, header values free of control characters, relative
 * paths resolved against the directory), and GnuTLS accepts its priority
 * string.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>

#include "lib/buf.h"
#include "fuzz.h"
#include "web/tls.h"
#include "web/bcrypt.h"
#include "web/webconfig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define DIR "/etc/bpfme"

static void check_path(const char *what, const char *p)
{
	FUZZ_ASSERT(p, "%s is NULL", what);
	FUZZ_ASSERT(!*p || *p == '/', "%s \"%s\" was not resolved against " DIR, what, p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct webconfig c;
	char err[512];
	int ret = webconfig_parse((const char *)data, size, DIR, &c, err, sizeof(err));

	FUZZ_ASSERT(ret == 0 || ret == -EINVAL || ret == -ENOMEM, "returned %d", ret);
	if (ret) {
		FUZZ_ASSERT(err[0], "a refusal without a message");
		for (const char *p = err; *p; p++)
			FUZZ_ASSERT(*p >= 0x20 && *p < 0x7f, "the message holds byte 0x%02x: %s",
				    (unsigned char)*p, err);
		webconfig_release(&c);
		return 0;
	}
	check_path("cert_file", c.cert_file);
	check_path("key_file", c.key_file);
	check_path("client_ca_file", c.client_ca_file);
	FUZZ_ASSERT(!c.tls || (*c.cert_file && *c.key_file), "TLS without a certificate and key");
	FUZZ_ASSERT(c.tls || (!*c.cert_file && !*c.key_file && !*c.client_ca_file), "files without TLS");
	FUZZ_ASSERT(c.min_version >= WEBCONFIG_TLS10 && c.min_version <= c.max_version &&
		    c.max_version <= WEBCONFIG_TLS13, "versions %d..%d", c.min_version, c.max_version);
	FUZZ_ASSERT(c.nr_headers <= WEBCONFIG_MAX_HEADERS, "%zu headers", c.nr_headers);
	for (size_t i = 0; i < c.nr_headers; i++) {
		FUZZ_ASSERT(c.headers[i].name && c.headers[i].value, "header %zu unset", i);
		for (const char *p = c.headers[i].value; *p; p++)
			FUZZ_ASSERT((unsigned char)*p >= 0x20 && *p != 0x7f, "a control character in %s",
				    c.headers[i].name);
		for (size_t j = 0; j < i; j++)
			FUZZ_ASSERT(strcmp(c.headers[i].name, c.headers[j].name), "%s twice", c.headers[i].name);
	}
	for (size_t i = 0; i < c.nr_users; i++) {
		FUZZ_ASSERT(c.users[i].name && !strchr(c.users[i].name, ':'), "user %zu's name", i);
		FUZZ_ASSERT(bcrypt_hash_ok(c.users[i].hash), "user %s's hash %s", c.users[i].name,
			    c.users[i].hash);
	}
	for (size_t i = 0; i < c.nr_ciphers; i++)
		FUZZ_ASSERT(c.ciphers[i], "cipher %zu unset", i);
	for (size_t i = 0; i < c.nr_curves; i++)
		FUZZ_ASSERT(c.curves[i], "curve %zu unset", i);
	for (size_t i = 0; i < c.nr_allowed_sans; i++)
		FUZZ_ASSERT(c.allowed_sans[i], "SAN %zu unset", i);
	if (c.tls) {
		struct buf b = BUF_INIT;
		gnutls_priority_t p;
		const char *where = NULL;

		tls_priority_string(&c, &b);
		FUZZ_ASSERT(!b.oom, "out of memory");
		FUZZ_ASSERT(gnutls_priority_init(&p, b.buf, &where) == 0, "GnuTLS refuses %s at %s",
			    b.buf, where ? where : "?");
		gnutls_priority_deinit(p);
		buf_release(&b);
	}
	webconfig_release(&c);
	return 0;
}
