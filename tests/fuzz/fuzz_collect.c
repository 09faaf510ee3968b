// SPDX-License-Identifier: Apache-2.0
/*
 * fuzz_collect - the collect[] values of a scrape through coll_select.
 *
 * Input: the values, separated by the byte 0x1e (at most 64); the first
 * byte, if the input is not empty, picks which collectors are on (bit i:
 * collectors_table.defs[i]).  Invariants: 0 selects exactly the collectors named, each
 * one that is on; -EINVAL gives a reason that starts "bad collect[]=" and
 * is valid UTF-8 on one line (it becomes a 400 body), and selects nothing.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "collectors.h"
#include "metrics/coll.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SEP 0x1e
#define MAX_VALUES 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1), *names[MAX_VALUES], *p;
	bool sel[COLL_MAX], named[COLL_MAX] = { false };
	struct buf why = BUF_INIT;
	struct collector c;
	size_t n = 0;
	int ret;

	if (!copy)
		abort();
	memcpy(copy, data, size);
	copy[size] = '\0';
	coll_init(&c, "fuzz", &collectors_table);
	p = copy;
	if (size) {
		for (size_t i = 0; i < collectors_table.nr_defs; i++)
			coll_set_on(&c, (int)i, (data[0] >> i) & 1);
		p++;
	}
	while (size && n < MAX_VALUES) {
		char *end = strchr(p, SEP);

		names[n++] = p;
		if (!end)
			break;
		*end = '\0';
		p = end + 1;
	}
	ret = coll_select(&c, (const char *const *)names, n, sel, &why);
	if (ret == 0) {
		for (size_t k = 0; k < n; k++) {
			int i = coll_find(&c, names[k]);

			FUZZ_ASSERT(i >= 0 && c.on[i], "selected \"%s\", which is no collector that is on",
				    names[k]);
			named[i] = true;
		}
		for (size_t i = 0; i < collectors_table.nr_defs; i++)
			FUZZ_ASSERT(sel[i] == (n ? named[i] : c.on[i]), "collector %zu: selected %d",
				    i, sel[i]);
	} else {
		FUZZ_ASSERT(ret == -EINVAL, "returned %d", ret);
		FUZZ_ASSERT(!why.oom && !strncmp(why.buf, "bad collect[]=\"", 15), "reason: %s",
			    why.buf);
		for (size_t i = 0; i < why.len; ) {
			size_t len = fuzz_utf8_len((const unsigned char *)why.buf + i, why.len - i);

			FUZZ_ASSERT(len && why.buf[i] != '\n' && why.buf[i] != '\r' && why.buf[i],
				    "reason not one line of UTF-8 at byte %zu", i);
			i += len;
		}
		for (size_t i = 0; i < collectors_table.nr_defs; i++)
			FUZZ_ASSERT(!sel[i], "collector %zu selected after -EINVAL", i);
	}
	buf_release(&why);
	free(copy);
	return 0;
}
