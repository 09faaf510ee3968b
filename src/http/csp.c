// SPDX-License-Identifier: Apache-2.0
/* csp - Content-Security-Policy hashes of inline parts; see csp.h. */
#include "http/csp.h"

#include <string.h>

#include <gnutls/crypto.h>

static void add_base64(char *out, const unsigned char *in, size_t n)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0;

	for (size_t i = 0; i < n; i += 3) {
		unsigned int v = (unsigned int)in[i] << 16 | (i + 1 < n ? in[i + 1] << 8 : 0) |
				 (i + 2 < n ? in[i + 2] : 0);

		out[o++] = b64[v >> 18 & 63];
		out[o++] = b64[v >> 12 & 63];
		out[o++] = i + 1 < n ? b64[v >> 6 & 63] : '=';
		out[o++] = i + 2 < n ? b64[v & 63] : '=';
	}
	out[o] = '\0';
}

void csp_hash(const char *text, char out[CSP_HASH_SIZE])
{
	unsigned char digest[32];

	_Static_assert(CSP_HASH_SIZE >= 8 + 44 + 2, "'sha256-' and 44 base64 digits and ''' fit");
	memcpy(out, "'sha256-", 8);
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, text, strlen(text), digest)) {
		strcpy(out, "'none'");
		return;
	}
	add_base64(out + 8, digest, sizeof(digest));
	strcat(out, "'");
}
