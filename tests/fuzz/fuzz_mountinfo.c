// SPDX-License-Identifier: Apache-2.0
/*
 * fuzz_mountinfo - /proc/PID/mountinfo text through mountinfo_each.
 *
 * Input: the text (any bytes, NULs included), in a buffer of exactly its
 * size.  Invariants: every mount point passed on is an absolute path of at
 * most MOUNTINFO_PATH_MAX bytes; the lines skipped and the mount points
 * passed on are never more than the lines of the input; a callback's
 * negative return stops the walk and is returned as it is.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "lib/mountinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
	size_t calls;
	size_t stop_at;		/* 0: never stop */
};

static int on_mount(const char *mount_point, void *arg)
{
	struct seen *s = arg;
	size_t n = strnlen(mount_point, MOUNTINFO_PATH_MAX + 1);

	FUZZ_ASSERT(mount_point[0] == '/', "mount point \"%s\" is not absolute", mount_point);
	FUZZ_ASSERT(n <= MOUNTINFO_PATH_MAX, "mount point longer than %d", MOUNTINFO_PATH_MAX);
	s->calls++;
	return s->stop_at && s->calls == s->stop_at ? -42 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size ? size : 1);
	struct seen s = { 0, 0 };
	size_t lines = 0;
	int ret;

	if (!text)
		return 0;
	memcpy(text, data, size);
	for (size_t i = 0; i < size; i++)
		if (text[i] == '\n' || i + 1 == size)
			lines++;
	ret = mountinfo_each(text, size, "bpf", on_mount, &s);
	FUZZ_ASSERT(ret >= 0, "returned %d with a callback that never fails", ret);
	FUZZ_ASSERT((size_t)ret + s.calls <= lines, "%d skipped + %zu passed on > %zu lines", ret,
		    s.calls, lines);
	if (s.calls) {
		size_t all = s.calls;

		s.calls = 0;
		s.stop_at = all;
		ret = mountinfo_each(text, size, "bpf", on_mount, &s);
		FUZZ_ASSERT(ret == -42 && s.calls == all, "the callback's stop: %d after %zu", ret,
			    s.calls);
	}
	free(text);
	return 0;
}
