/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bpfme_iter - what the exporter's BPF iterator programs share: the local,
 * minimal kernel structs every iterator context begins with, relocated at
 * load time against the running kernel's BTF (CO-RE, preserve_access_index).
 */
#ifndef BPFME_ITER_H
#define BPFME_ITER_H

#include <linux/types.h>

struct seq_file;

struct bpf_iter_meta {
	struct seq_file *seq;
	__u64 session_id;
	__u64 seq_num;
} __attribute__((preserve_access_index));

struct bpf_map {
	__u32 id;
} __attribute__((preserve_access_index));

#endif
