// SPDX-License-Identifier: Apache-2.0
/* bpffd - BPF fds classified by their link target; see bpffd.h. */
#include "bpf/bpffd.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#define ANON_PREFIX "anon_inode:"

/* The anon-inode names of BPF fds: links have two (anon_inode_getfd's names differ by path). */
static const struct {
	const char *name;
	enum snap_kind kind;
} names[] = {
	{ "bpf-prog", SNAP_PROG },
	{ "bpf-map", SNAP_MAP },
	{ "bpf_link", SNAP_LINK },
	{ "bpf-link", SNAP_LINK },
};

int bpffd_kind(const char *target, size_t len)
{
	size_t plen = sizeof(ANON_PREFIX) - 1;

	if (len <= plen || memcmp(target, ANON_PREFIX, plen))
		return -1;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i].name) == len - plen &&
		    !memcmp(target + plen, names[i].name, len - plen))
			return (int)names[i].kind;
	return -1;
}

int bpffd_info_by_id(int (*fd_by_id)(__u32 id), uint32_t id, void *info, __u32 len)
{
	int fd = fd_by_id(id), err;

	if (fd < 0)
		return -errno;
	err = bpf_obj_get_info_by_fd(fd, info, &len) ? -errno : 0;
	close(fd);
	return err;
}
