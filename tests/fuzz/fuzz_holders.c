// SPDX-License-Identifier: Apache-2.0
/*
 * fuzz_holders - what the holders walk reads of other processes: an fd's
 * link target (for a file, a path its process chose) through
 * bpffd_kind, and fdinfo text through holders_fdinfo_id and
 * holders_fdinfo_classify.
 *
 * Input: the bytes, whole as a link target (no NUL needed) and cut at the
 * first NUL as fdinfo text.  Invariants: bpffd_kind gives -1 or a
 * kind, and a kind only for the four anon-inode names exactly;
 * holders_fdinfo_id gives 0 with an id that is not 0, -ENOENT or -EINVAL;
 * holders_fdinfo_classify gives 0 with a kind and an id that
 * holders_fdinfo_id of that kind agrees with, or -ENOENT.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/bpffd.h"
#include "fuzz.h"
#include "proc/holders.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const names[] = {
	"anon_inode:bpf-prog", "anon_inode:bpf-map", "anon_inode:bpf_link", "anon_inode:bpf-link",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size ? size : 1), *text = malloc(size + 1);
	enum snap_kind kind;
	uint32_t id, again;
	int k, ret;

	if (!copy || !text) {
		free(copy);
		free(text);
		return 0;
	}
	memcpy(copy, data, size);	/* exactly size bytes: reading past them is caught */
	k = bpffd_kind(copy, size);
	FUZZ_ASSERT(k == -1 || (k >= 0 && k < SNAP_NR_KINDS), "kind %d", k);
	if (k >= 0) {
		int named = 0;

		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			named |= strlen(names[i]) == size && !memcmp(names[i], copy, size);
		FUZZ_ASSERT(named, "kind %d for a target that is no BPF name", k);
	}

	memcpy(text, data, size);
	text[size] = '\0';
	for (int kk = 0; kk < SNAP_NR_KINDS; kk++) {
		ret = holders_fdinfo_id(text, (enum snap_kind)kk, &id);
		FUZZ_ASSERT(ret == 0 || ret == -ENOENT || ret == -EINVAL, "fdinfo_id %d", ret);
		FUZZ_ASSERT(ret || id != 0, "id 0 accepted");
	}
	ret = holders_fdinfo_classify(text, &kind, &id);
	FUZZ_ASSERT(ret == 0 || ret == -ENOENT, "classify %d", ret);
	if (!ret) {
		FUZZ_ASSERT(kind >= 0 && kind < SNAP_NR_KINDS, "kind %d", (int)kind);
		FUZZ_ASSERT(!holders_fdinfo_id(text, kind, &again) && again == id,
			    "classify and fdinfo_id disagree");
	}
	free(copy);
	free(text);
	return 0;
}
