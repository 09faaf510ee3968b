// SPDX-License-Identifier: GPL-2.0
/*
 * bpfme_holders - an iter/task_file program: for every fd of every process
 * that is a BPF program, map or link, one struct iters_holder record
 * (tgid, fd, kind, id) written to the iterator's reader (src/bpf/iters.c).
 *
 * An fd is a BPF object's when its file's dentry is named "bpf-prog",
 * "bpf-map" or "bpf-link" ("bpf_link" before Linux 5.x renamed it), as
 * /proc/PID/fd's "anon_inode:bpf-map" links say; the id is read from the
 * object its private_data points to.  Every kernel struct below is a local,
 * minimal definition relocated at load time against the running kernel's
 * BTF (CO-RE, preserve_access_index): nothing of the build machine's kernel
 * is used.  The kernel skips threads sharing their leader's file table;
 * only leaders (pid == tgid) are written, so that a thread that unshared
 * its table is left out, as /proc/TGID/fd leaves it out.
 *
 * GPL: the iterator helpers are GPL-only.  The exporter is Apache-2.0; this
 * object is loaded into the kernel, not linked with it.
 */
#include <linux/types.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#include "bpfme_iter.h"

struct qstr {
	const unsigned char *name;
} __attribute__((preserve_access_index));

struct dentry {
	struct qstr d_name;
} __attribute__((preserve_access_index));

struct path {
	struct dentry *dentry;
} __attribute__((preserve_access_index));

struct file {
	struct path f_path;
	void *private_data;
} __attribute__((preserve_access_index));

struct task_struct {
	int pid;
	int tgid;
} __attribute__((preserve_access_index));

struct bpf_iter__task_file {
	struct bpf_iter_meta *meta;
	struct task_struct *task;
	__u32 fd;
	struct file *file;
} __attribute__((preserve_access_index));

struct bpf_prog_aux {
	__u32 id;
} __attribute__((preserve_access_index));

struct bpf_prog {
	struct bpf_prog_aux *aux;
} __attribute__((preserve_access_index));

struct bpf_link {
	__u32 id;
} __attribute__((preserve_access_index));

/* As struct iters_holder (src/bpf/iters.h); kind 1 program, 2 map, 3 link. */
struct rec {
	__u32 tgid;
	__u32 fd;
	__u32 kind;
	__u32 id;
};

SEC("iter/task_file")
int bpfme_holders(struct bpf_iter__task_file *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;
	struct rec r = {};
	char name[9] = {};
	void *priv;

	if (!file || !task || task->pid != task->tgid)
		return 0;
	bpf_probe_read_kernel_str(name, sizeof(name), BPF_CORE_READ(file, f_path.dentry, d_name.name));
	if (name[0] != 'b' || name[1] != 'p' || name[2] != 'f' || (name[3] != '-' && name[3] != '_'))
		return 0;
	priv = BPF_CORE_READ(file, private_data);
	if (name[3] == '_' && name[4] != 'l')
		return 0;	/* only links have had the name with '_' */
	if (name[4] == 'p' && name[5] == 'r' && name[6] == 'o' && name[7] == 'g' && !name[8]) {
		r.kind = 1;
		r.id = BPF_CORE_READ((struct bpf_prog *)priv, aux, id);
	} else if (name[4] == 'm' && name[5] == 'a' && name[6] == 'p' && !name[7]) {
		r.kind = 2;
		r.id = BPF_CORE_READ((struct bpf_map *)priv, id);
	} else if (name[4] == 'l' && name[5] == 'i' && name[6] == 'n' && name[7] == 'k' && !name[8]) {
		r.kind = 3;
		r.id = BPF_CORE_READ((struct bpf_link *)priv, id);
	} else {
		return 0;
	}
	if (!r.id)
		return 0;
	r.tgid = (__u32)task->tgid;
	r.fd = ctx->fd;
	bpf_seq_write(seq, &r, sizeof(r));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
