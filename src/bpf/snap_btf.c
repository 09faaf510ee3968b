// SPDX-License-Identifier: Apache-2.0
/* snap_btf - the snapshot's BTF objects: the kernel's (vmlinux, modules') and those programs load. */
#include <errno.h>
#include <string.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "lib/array.h"
#include "bpf/snap_ops.h"

static int add_btf(struct snap *s, int fd, int dirfd)
{
	struct bpf_btf_info info;
	char name[SNAP_BTF_NAME_LEN];
	struct snap_btf *b;
	__u32 len = sizeof(info);
	int err;

	(void)dirfd;	/* a BTF object's fdinfo says nothing of its size */
	memset(&info, 0, sizeof(info));
	memset(name, 0, sizeof(name));
	info.name = (__u64)(uintptr_t)name;
	info.name_len = sizeof(name);
	err = bpf_obj_get_info_by_fd(fd, &info, &len);
	if (err && err != -ENOSPC)	/* -ENOSPC: a longer name, cut (the kernel NUL-terminates it) */
		return err;
	err = array_grow((void **)&s->btfs, &s->alloc_btfs, s->nr_btfs + 1, sizeof(*s->btfs));
	if (err)
		return err;
	b = &s->btfs[s->nr_btfs++];
	b->id = info.id;
	b->size = info.btf_size;
	b->kernel = info.kernel_btf != 0;
	memcpy(b->name, name, sizeof(b->name));
	b->name[sizeof(b->name) - 1] = '\0';
	return 0;
}

const struct snap_kind_ops snap_btf_ops = {
	.next_id = bpf_btf_get_next_id,
	.fd_by_id = bpf_btf_get_fd_by_id,
	.add = add_btf,
};
