// SPDX-License-Identifier: Apache-2.0
/*
 * fuzz_basicauth - the Authorization header's Basic credentials through
 * basicauth_parse: "Basic ", base64, the user:password split.
 *
 * Input: the bytes cut at the first NUL, as the header's value, parsed
 * into a buffer of 64 bytes and of 1025 (the exporter's).  Invariants:
 * 0 or -EINVAL; on 0 the value starts with "Basic " (any case), the user
 * and password lie in the buffer, NUL-terminated, the user holds no ':',
 * neither holds a NUL, and user ":" password is exactly the decoded base64
 * -- checked by encoding it again and comparing with the input, allowing
 * for the bits that padding leaves (a canonical encoder writes them 0).
 * The small buffer never accepts what does not fit it.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz.h"
#include "web/basicauth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int value(char c)
{
	const char *p = c ? strchr(b64, c) : NULL;

	return p ? (int)(p - b64) : -1;
}

/* in (of n bytes) against the base64 text t: equal up to the padding's unused bits. */
static void check_encoding(const unsigned char *in, size_t n, const char *t)
{
	size_t tlen = strlen(t), i, j = 0;

	FUZZ_ASSERT(tlen == (n + 2) / 3 * 4, "%zu bytes from %zu characters", n, tlen);
	for (i = 0; i + 3 <= n; i += 3, j += 4) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];

		for (int k = 0; k < 4; k++)
			FUZZ_ASSERT(t[j + k] == b64[(v >> (18 - 6 * k)) & 63], "byte %zu decoded wrong", i);
	}
	if (n - i == 1) {
		FUZZ_ASSERT(t[j] == b64[in[i] >> 2], "last byte");
		FUZZ_ASSERT(value(t[j + 1]) >> 4 == (in[i] & 3), "last byte's low bits");
		FUZZ_ASSERT(t[j + 2] == '=' && t[j + 3] == '=', "padding");
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)in[i] << 8 | in[i + 1];

		FUZZ_ASSERT(t[j] == b64[v >> 10] && t[j + 1] == b64[(v >> 4) & 63], "last bytes");
		FUZZ_ASSERT(value(t[j + 2]) >> 2 == (int)(v & 15), "last bytes' low bits");
		FUZZ_ASSERT(t[j + 3] == '=', "padding");
	}
}

static void parse(const char *text, size_t room)
{
	unsigned char *creds = malloc(room);	/* exactly room: ASan sees a write past it */
	const char *user = NULL;
	char *password = NULL;
	int ret;

	if (!creds)
		return;
	ret = basicauth_parse(text, creds, room, &user, &password);
	FUZZ_ASSERT(ret == 0 || ret == -EINVAL, "ret %d", ret);
	if (!ret) {
		size_t ulen, plen;
		unsigned char *joined;

		FUZZ_ASSERT(!strncasecmp(text, "Basic ", 6), "not Basic, accepted");
		FUZZ_ASSERT(user == (const char *)creds, "user not at the buffer's start");
		ulen = strlen(user);
		FUZZ_ASSERT(password == (char *)creds + ulen + 1, "password not after user:");
		plen = strlen(password);
		FUZZ_ASSERT(ulen + 1 + plen < room, "past the buffer");
		FUZZ_ASSERT(!memchr(user, ':', ulen), "a ':' in the user");
		joined = malloc(ulen + 1 + plen + 1);
		if (joined) {
			memcpy(joined, user, ulen);
			joined[ulen] = ':';
			memcpy(joined + ulen + 1, password, plen);
			check_encoding(joined, ulen + 1 + plen, text + 6);
			free(joined);
		}
	}
	free(creds);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	parse(text, 64);
	parse(text, 1025);
	free(text);
	return 0;
}
