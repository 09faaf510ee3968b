// SPDX-License-Identifier: Apache-2.0
/* snap_link - the snapshot's links. */
#include <string.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "snap_ops.h"

static int add_link(struct snap *s, int fd, int dirfd)
{
	struct bpf_link_info info;
	struct snap_link *l;
	__u32 len = sizeof(info);
	int err;

	(void)dirfd;
	memset(&info, 0, sizeof(info));
	err = bpf_obj_get_info_by_fd(fd, &info, &len);
	if (err)
		return err;
	err = snap_grow((void **)&s->links, &s->alloc_links, s->nr_links + 1, sizeof(*s->links));
	if (err)
		return err;
	l = &s->links[s->nr_links++];
	l->id = info.id;
	l->type = info.type;
	l->prog_id = info.prog_id;
	return 0;
}

const struct snap_kind_ops snap_ops_link = {
	.next_id = bpf_link_get_next_id,
	.fd_by_id = bpf_link_get_fd_by_id,
	.add = add_link,
};
