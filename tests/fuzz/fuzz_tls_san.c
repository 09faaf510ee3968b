// SPDX-License-Identifier: Apache-2.0
/*
 * fuzz_tls_san - the name matching of a client certificate's subject
 * alternative names (what a client chose) against client_allowed_sans,
 * through tls_san_allowed.
 *
 * Input: a first byte choosing the SAN's type (below 8: an index into the
 * GnuTLS types tried, DNS name, e-mail, URI, IP address, and others), then
 * allowed names separated by 0x1e, the last field being the SAN's raw
 * bytes (exactly its size: a read past them is caught).  shown gets a
 * buffer of 1 + the byte after the type (0 to 255 + 1) bytes.
 * Invariants: a match only for the three text types with no NUL, equal
 * byte for byte to one allowed name, or an IP address of 4 or 16 bytes
 * whose inet_ntop text is one; shown is NUL-terminated within its buffer,
 * printable ASCII without '"', "" when the SAN could never match, else the
 * name's first bytes with '?' for the others.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>

#include "fuzz.h"
#include "web/tls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ALLOWED 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int types[] = {
		GNUTLS_SAN_DNSNAME, GNUTLS_SAN_RFC822NAME, GNUTLS_SAN_URI, GNUTLS_SAN_IPADDRESS,
		GNUTLS_SAN_OTHERNAME, GNUTLS_SAN_DN, GNUTLS_SAN_REGISTERED_ID, 0,
	};
	char *allowed[MAX_ALLOWED], *shown, want[INET6_ADDRSTRLEN];
	const unsigned char *p, *end;
	unsigned char *raw;
	size_t n = 0, raw_len, shown_len, name_len = 0;
	const char *name = NULL;
	bool ok, expect = false;
	int type;

	if (size < 2)
		return 0;
	type = data[0] < 8 ? types[data[0]] : data[0];
	shown_len = (size_t)data[1] + 1;
	p = data + 2;
	end = data + size;
	for (;;) {
		const unsigned char *sep = memchr(p, 0x1e, (size_t)(end - p));

		if (!sep || n == MAX_ALLOWED)
			break;
		allowed[n] = strndup((const char *)p, (size_t)(sep - p));
		if (!allowed[n])
			goto out;
		n++;
		p = sep + 1;
	}
	raw_len = (size_t)(end - p);
	raw = malloc(raw_len ? raw_len : 1);
	shown = malloc(shown_len);
	if (!raw || !shown) {
		free(raw);
		free(shown);
		goto out;
	}
	memcpy(raw, p, raw_len);

	if (type == GNUTLS_SAN_IPADDRESS && (raw_len == 4 || raw_len == 16)) {
		FUZZ_ASSERT(inet_ntop(raw_len == 4 ? AF_INET : AF_INET6, raw, want, sizeof(want)), "ntop");
		name = want;
		name_len = strlen(want);
	} else if ((type == GNUTLS_SAN_DNSNAME || type == GNUTLS_SAN_RFC822NAME ||
		    type == GNUTLS_SAN_URI) && !memchr(raw, 0, raw_len)) {
		name = (const char *)raw;
		name_len = raw_len;
	}
	for (size_t i = 0; name && i < n; i++)
		expect |= strlen(allowed[i]) == name_len && !memcmp(allowed[i], name, name_len);

	memset(shown, 'x', shown_len);
	ok = tls_san_allowed(type, raw, raw_len, (const char *const *)allowed, n, shown, shown_len);
	FUZZ_ASSERT(ok == expect, "matched %d, want %d", ok, expect);
	FUZZ_ASSERT(memchr(shown, 0, shown_len), "shown not NUL-terminated");
	if (!name) {
		FUZZ_ASSERT(!shown[0], "a SAN that never matches is shown");
	} else {
		size_t slen = strlen(shown);

		FUZZ_ASSERT(slen == (name_len < shown_len - 1 ? name_len : shown_len - 1), "shown length");
		for (size_t i = 0; i < slen; i++) {
			unsigned char c = (unsigned char)name[i];
			bool plain = c >= 0x20 && c < 0x7f && c != '"';

			FUZZ_ASSERT(shown[i] == (plain ? (char)c : '?'), "shown byte %zu", i);
		}
	}
	/* without a buffer to show in: the same answer */
	FUZZ_ASSERT(tls_san_allowed(type, raw, raw_len, (const char *const *)allowed, n, NULL, 0) == ok,
		    "answer depends on shown");
	free(raw);
	free(shown);
out:
	for (size_t i = 0; i < n; i++)
		free(allowed[i]);
	return 0;
}
