// SPDX-License-Identifier: Apache-2.0
/*
 * fuzz_cgroupid - /proc/PID/cgroup text through cgroupid_path, and cgroup
 * paths through cgroupid_parse.
 *
 * Input: the text of a /proc/PID/cgroup (cut at its first NUL).  The path
 * cgroupid_path finds, and the input itself as one path, go through
 * cgroupid_parse.  Invariants: cgroupid_path returns 0, -ENOENT, -EINVAL
 * or -ENAMETOOLONG, writes nothing past outlen, leaves "" on an error and
 * on 0 a path starting with '/' on one line; container_id is "" or 64
 * lowercase hex digits found in the path; pod_uid is "" or a lowercase
 * 8-4-4-4-12 uuid with dashes found in the path (with dashes or
 * underscores); nothing is written past either buffer.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proc/cgroupid.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define GUARD 16
#define PATH_BYTES 512

static bool lower_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static void check_guard(const char *g, const char *what)
{
	for (size_t i = 0; i < GUARD; i++)
		FUZZ_ASSERT(g[i] == (char)0xa5, "%s: written past its end", what);
}

static void check_parse(const char *path)
{
	char id[CGROUPID_ID_LEN + 1 + GUARD], uid[CGROUPID_UID_LEN + 1 + GUARD];
	size_t n;

	memset(id, 0xa5, sizeof(id));
	memset(uid, 0xa5, sizeof(uid));
	cgroupid_parse(path, id, uid);
	check_guard(id + CGROUPID_ID_LEN + 1, "container_id");
	check_guard(uid + CGROUPID_UID_LEN + 1, "pod_uid");
	n = strnlen(id, CGROUPID_ID_LEN + 1);
	FUZZ_ASSERT(n == 0 || n == CGROUPID_ID_LEN, "container_id of %zu bytes", n);
	for (size_t i = 0; i < n; i++)
		FUZZ_ASSERT(lower_hex(id[i]), "container_id byte %zu: 0x%02x", i, (unsigned char)id[i]);
	FUZZ_ASSERT(n == 0 || strstr(path, id), "container_id %s not in the path", id);
	n = strnlen(uid, CGROUPID_UID_LEN + 1);
	FUZZ_ASSERT(n == 0 || n == CGROUPID_UID_LEN, "pod_uid of %zu bytes", n);
	if (n) {
		char under[CGROUPID_UID_LEN + 1];

		for (size_t i = 0; i < n; i++) {
			bool dash = i == 8 || i == 13 || i == 18 || i == 23;

			FUZZ_ASSERT(dash ? uid[i] == '-' : lower_hex(uid[i]), "pod_uid %s", uid);
			under[i] = dash ? '_' : uid[i];
		}
		under[n] = '\0';
		FUZZ_ASSERT(strstr(path, uid) || strstr(path, under), "pod_uid %s not in the path", uid);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), out[PATH_BYTES + GUARD], small[8 + GUARD];
	int ret;

	if (!text)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';

	memset(small, 0xa5, sizeof(small));
	ret = cgroupid_path(text, small, 8);
	check_guard(small + 8, "out");
	FUZZ_ASSERT(ret == 0 || ret == -ENOENT || ret == -EINVAL || ret == -ENAMETOOLONG,
		    "returned %d", ret);
	FUZZ_ASSERT(ret == 0 ? small[0] == '/' && strnlen(small, 8) < 8 : !small[0],
		    "returned %d with \"%.8s\"", ret, small);

	memset(out, 0xa5, sizeof(out));
	ret = cgroupid_path(text, out, PATH_BYTES);
	check_guard(out + PATH_BYTES, "out");
	FUZZ_ASSERT(ret == 0 || ret == -ENOENT || ret == -EINVAL || ret == -ENAMETOOLONG,
		    "returned %d", ret);
	if (ret == 0) {
		FUZZ_ASSERT(out[0] == '/' && !strchr(out, '\n'), "path \"%s\"", out);
		check_parse(out);
	} else {
		FUZZ_ASSERT(!out[0], "returned %d with \"%s\"", ret, out);
	}
	check_parse(text);
	free(text);
	return 0;
}
