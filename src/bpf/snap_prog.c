// SPDX-License-Identifier: Apache-2.0
/*
 * snap_prog - the snapshot's programs: their info and map ids, from the
 * walk of fds or from one read of bpfme_progs; and one program by id.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "bpf/bpffd.h"
#include "bpf/fdinfo.h"
#include "bpf/iters.h"
#include "lib/array.h"
#include "bpf/snap_ops.h"

#define MAP_IDS_GUESS 64	/* map ids asked for in the first info call */

/* What a program's info says, without its map ids and memlock. */
static void from_info(struct snap_prog *p, const struct bpf_prog_info *info)
{
	memset(p, 0, sizeof(*p));
	p->id = info->id;
	p->type = info->type;
	memcpy(p->name, info->name, SNAP_NAME_LEN);
	p->name[SNAP_NAME_LEN] = '\0';
	memcpy(p->tag, info->tag, sizeof(p->tag));
	p->gpl_compatible = info->gpl_compatible;
	p->load_time_ns = info->load_time;
	p->jited_len = info->jited_prog_len;
	p->xlated_len = info->xlated_prog_len;
	p->verified_insns = info->verified_insns;
	p->run_cnt = info->run_cnt;
	p->run_time_ns = info->run_time_ns;
	p->recursion_misses = info->recursion_misses;
}

static int add_prog(struct snap *s, int fd, int dirfd)
{
	struct bpf_prog_info info;
	struct snap_prog *p;
	__u32 len, want = MAP_IDS_GUESS;
	int err;

	for (;;) {
		err = array_grow((void **)&s->map_ids, &s->alloc_map_ids,
			   s->nr_map_ids + want, sizeof(*s->map_ids));
		if (err)
			return err;
		memset(&info, 0, sizeof(info));
		/* zeroed like every info struct: tools like valgrind cannot see the kernel fill it */
		memset(s->map_ids + s->nr_map_ids, 0, want * sizeof(*s->map_ids));
		info.nr_map_ids = want;
		info.map_ids = (__u64)(uintptr_t)(s->map_ids + s->nr_map_ids);
		len = sizeof(info);
		err = bpf_obj_get_info_by_fd(fd, &info, &len);
		if (err)
			return err;
		if (info.nr_map_ids <= want)
			break;
		want = info.nr_map_ids;	/* more maps than guessed: ask again */
	}
	err = array_grow((void **)&s->progs, &s->alloc_progs, s->nr_progs + 1, sizeof(*s->progs));
	if (err)
		return err;
	p = &s->progs[s->nr_progs++];
	from_info(p, &info);
	p->nr_map_ids = info.nr_map_ids;
	p->map_ids_off = s->nr_map_ids;
	s->nr_map_ids += info.nr_map_ids;
	p->memlock = fdinfo_memlock(dirfd, fd);
	return 0;
}

_Static_assert(sizeof(struct iters_prog_rec) == 88, "bpfme_progs's record (bpfme_progs.bpf.c)");

int snap_prog_iter(struct snap *s)
{
	const size_t saved_progs = s->nr_progs, saved_ids = s->nr_map_ids;
	const uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	size_t bytes, off = 0;
	int err;

	if (!s->iters)
		return -ENODEV;
	err = iters_read(s->iters, ITERS_PROGS, 1, &s->iter_buf, &bytes, &s->iter_alloc);
	if (err)
		return err;
	while (off < bytes) {
		const char *at = (const char *)s->iter_buf + off;
		struct iters_prog_rec r;
		struct snap_prog *p;

		if (bytes - off < sizeof(r)) {
			err = -EPROTO;
			goto undo;
		}
		memcpy(&r, at, sizeof(r));
		if (r.nr_map_ids > 64 || bytes - off - sizeof(r) < r.nr_map_ids * sizeof(uint32_t)) {
			err = -EPROTO;
			goto undo;
		}
		err = array_grow((void **)&s->progs, &s->alloc_progs, s->nr_progs + 1,
				 sizeof(*s->progs));
		if (!err)
			err = array_grow((void **)&s->map_ids, &s->alloc_map_ids,
					 s->nr_map_ids + r.nr_map_ids, sizeof(*s->map_ids));
		if (err)
			goto undo;
		p = &s->progs[s->nr_progs++];
		memset(p, 0, sizeof(*p));
		p->id = r.id;
		p->type = r.type;
		memcpy(p->name, r.name, SNAP_NAME_LEN);
		p->name[SNAP_NAME_LEN] = '\0';
		memcpy(p->tag, r.tag, sizeof(p->tag));
		p->gpl_compatible = (int)r.gpl_compatible;
		p->load_time_ns = r.load_time;
		p->jited_len = r.jited_len;
		p->xlated_len = r.xlated_len;
		p->verified_insns = r.verified_insns;
		p->run_cnt = r.run_cnt;
		p->run_time_ns = r.run_time_ns;
		p->recursion_misses = r.misses;
		p->memlock = (uint64_t)r.pages * page;
		p->nr_map_ids = r.nr_map_ids;
		p->map_ids_off = s->nr_map_ids;
		if (r.nr_map_ids)	/* s->map_ids may be NULL yet */
			memcpy(s->map_ids + s->nr_map_ids, at + sizeof(r),
			       r.nr_map_ids * sizeof(uint32_t));
		s->nr_map_ids += r.nr_map_ids;
		off += sizeof(r) + r.nr_map_ids * sizeof(uint32_t);
	}
	return 0;
undo:
	s->nr_progs = saved_progs;
	s->nr_map_ids = saved_ids;
	return err;
}

const struct snap_kind_ops snap_prog_ops = {
	.next_id = bpf_prog_get_next_id,
	.fd_by_id = bpf_prog_get_fd_by_id,
	.add = add_prog,
};

int snap_prog_by_id(uint32_t id, struct snap_prog *out)
{
	struct bpf_prog_info info;
	int err;

	memset(&info, 0, sizeof(info));
	err = bpffd_info_by_id(bpf_prog_get_fd_by_id, id, &info, sizeof(info));
	if (err)
		return err;
	from_info(out, &info);
	return 0;
}
