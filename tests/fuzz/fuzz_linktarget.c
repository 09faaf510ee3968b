// SPDX-License-Identifier: Apache-2.0
/*
 * fuzz_linktarget - kernel text linktarget parses: /proc/self/mountinfo
 * through linktarget_cgroup2_mount, a kprobe_multi link's fdinfo through
 * linktarget_kprobe_multi_names, and the names found through linktarget_format.
 *
 * Input: the text (cut at its first NUL), read as both a mountinfo and an
 * fdinfo.  Invariants: linktarget_cgroup2_mount returns 0, -ENOENT or
 * -ENAMETOOLONG, writes nothing past its buffer (of 8 bytes and of 512),
 * leaves "" on an error and on 0 a mount point no longer than the text;
 * linktarget_kprobe_multi_names gives at most max names, each non-empty,
 * NUL-terminated within LT_FUNC_LEN, of [A-Za-z0-9_.$] only, and
 * writes no name past max; linktarget_format of those names (and of the input as
 * a name, for every link type) is one line unless the input has one, and
 * shows at most LT_MULTI_NAMES names.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "bpf/linkinfo.h"
#include "bpf/linktarget.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define GUARD 16

static void check_mount(const char *text, size_t outlen)
{
	char out[512 + GUARD];
	int err;

	memset(out, 0xa5, sizeof(out));
	err = linktarget_cgroup2_mount(text, out, outlen);
	for (size_t i = outlen; i < outlen + GUARD; i++)
		FUZZ_ASSERT(out[i] == (char)0xa5, "mount point written past %zu bytes", outlen);
	FUZZ_ASSERT(err == 0 || err == -ENOENT || err == -ENAMETOOLONG, "error %d", err);
	FUZZ_ASSERT(strnlen(out, outlen) < outlen, "mount point not terminated");
	if (err)
		FUZZ_ASSERT(out[0] == '\0', "\"%s\" left on error %d", out, err);
	else	/* unescaping only shortens (\012, a newline, is a real name's) */
		FUZZ_ASSERT(strlen(out) <= strlen(text), "mount point longer than its line");
}

static void check_names(const char *text)
{
	char names[LT_MULTI_NAMES + 2][LT_FUNC_LEN];
	const char *ptrs[LT_MULTI_NAMES + 1];
	struct linktarget_target t = { .link_type = LI_KPROBE_MULTI, .count = 1000 };
	struct buf b = BUF_INIT;
	size_t n, commas = 0;

	memset(names, 0xa5, sizeof(names));
	n = linktarget_kprobe_multi_names(text, names, LT_MULTI_NAMES + 1);
	FUZZ_ASSERT(n <= LT_MULTI_NAMES + 1, "%zu names", n);
	for (size_t i = 0; i < LT_FUNC_LEN; i++)
		FUZZ_ASSERT(names[LT_MULTI_NAMES + 1][i] == (char)0xa5, "a name past max");
	for (size_t i = 0; i < n; i++) {
		size_t len = strnlen(names[i], LT_FUNC_LEN);

		FUZZ_ASSERT(len > 0 && len < LT_FUNC_LEN, "name %zu: length %zu", i, len);
		FUZZ_ASSERT(strspn(names[i], "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				   "0123456789_.$") == len, "name %zu: \"%s\"", i, names[i]);
		ptrs[i] = names[i];
	}
	t.names = ptrs;
	t.nr_names = n;
	linktarget_format(&b, &t);
	FUZZ_ASSERT(!b.oom, "out of memory");
	FUZZ_ASSERT(!strchr(b.buf, '\n'), "\"%s\" on two lines", b.buf);
	for (const char *p = b.buf; (p = strchr(p, ',')); p++)
		commas++;
	FUZZ_ASSERT(commas <= LT_MULTI_NAMES, "%zu names shown", commas + 1);
	buf_release(&b);
}

static void check_format(const char *text)
{
	for (uint32_t type = 0; type <= LI_SOCKMAP + 1; type++) {
		struct linktarget_target t = {
			.link_type = type, .name = text, .id = strlen(text), .count = 2,
			.perf_type = (uint32_t)strlen(text) % 8, .pf = (uint32_t)strlen(text) % 12,
			.hooknum = (uint32_t)strlen(text) % 7, .priority = -1,
		};
		struct buf b = BUF_INIT;

		linktarget_format(&b, &t);
		FUZZ_ASSERT(!b.oom, "out of memory");
		if (!strchr(text, '\n'))
			FUZZ_ASSERT(!strchr(b.buf, '\n'), "type %u: on two lines", type);
		buf_release(&b);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	check_mount(text, 8);
	check_mount(text, 512);
	check_names(text);
	check_format(text);
	free(text);
	return 0;
}
