// SPDX-License-Identifier: Apache-2.0
/* snap_map - the snapshot's maps. */
#include <string.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "bpf/fdinfo.h"
#include "lib/array.h"
#include "bpf/snap_ops.h"

static int add_map(struct snap *s, int fd, int dirfd)
{
	struct bpf_map_info info;
	struct snap_map *m;
	__u32 len = sizeof(info);
	int err;

	memset(&info, 0, sizeof(info));
	err = bpf_obj_get_info_by_fd(fd, &info, &len);
	if (err)
		return err;
	err = array_grow((void **)&s->maps, &s->alloc_maps, s->nr_maps + 1, sizeof(*s->maps));
	if (err)
		return err;
	m = &s->maps[s->nr_maps++];
	m->id = info.id;
	m->type = info.type;
	memcpy(m->name, info.name, SNAP_NAME_LEN);
	m->name[SNAP_NAME_LEN] = '\0';
	m->key_size = info.key_size;
	m->value_size = info.value_size;
	m->max_entries = info.max_entries;
	m->flags = info.map_flags;
	m->memlock = fdinfo_memlock(dirfd, fd);
	return 0;
}

const struct snap_kind_ops snap_map_ops = {
	.next_id = bpf_map_get_next_id,
	.fd_by_id = bpf_map_get_fd_by_id,
	.add = add_map,
};
