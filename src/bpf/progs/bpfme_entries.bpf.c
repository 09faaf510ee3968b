// SPDX-License-Identifier: GPL-2.0
/*
 * bpfme_entries - an iter/bpf_map program: for every BPF map, one struct
 * iters_entries record (id, element count) written to the iterator's reader
 * (src/bpf/iters.c).  The count is the kfunc bpf_map_sum_elem_count()'s
 * (Linux 6.6): the sum of the per-CPU element counters every hash-kind map
 * keeps; 0 for a map that keeps none (arrays and the rest), which the
 * reader tells apart by the map's type.
 *
 * Local, minimal kernel structs relocated against the running kernel's BTF
 * (CO-RE): nothing of the build machine's kernel is used.
 */
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

#include "bpfme_iter.h"

struct bpf_iter__bpf_map {
	struct bpf_iter_meta *meta;
	struct bpf_map *map;
} __attribute__((preserve_access_index));

extern __s64 bpf_map_sum_elem_count(const struct bpf_map *map) __ksym;

/* As struct iters_entries (src/bpf/iters.h). */
struct rec {
	__u32 id;
	__u32 pad;
	__s64 count;
};

SEC("iter/bpf_map")
int bpfme_entries(struct bpf_iter__bpf_map *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct bpf_map *map = ctx->map;
	struct rec r = {};

	if (!map)
		return 0;
	r.id = map->id;
	r.count = bpf_map_sum_elem_count(map);
	bpf_seq_write(seq, &r, sizeof(r));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
