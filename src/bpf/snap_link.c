// SPDX-License-Identifier: Apache-2.0
/*
 * snap_link - the snapshot's links: id, type, program, attach type and
 * target (what the link is attached to, named by linktarget).
 *
 * The info is read into linkinfo.h's struct, larger than the installed
 * header's, zeroed; the kernel returns what it knows.  A link whose target
 * has a name (tracepoint, iterator, probed function or file) takes a second
 * call: the first says the name's length, the second brings it.  Targets
 * that need more than the link's info are named after the walk (finish):
 * cgroup paths in one walk of the cgroup2 mount for all cgroup links, and
 * tracing links' functions from BTF, loaded once per snapshot for those not
 * in linktarget's cache (a tracing link's target never changes).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <net/if.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "bpf/bpffd.h"
#include "bpf/fdinfo.h"
#include "bpf/linkinfo.h"
#include "bpf/linktarget.h"
#include "lib/array.h"
#include "bpf/snap_ops.h"

/* Longest name a second call asks for (uprobe paths: PATH_MAX). */
#define NAME_MAX_LEN 8192

static int link_info(int fd, struct linkinfo *info, __u32 *len)
{
	*len = sizeof(*info);
	return bpf_obj_get_info_by_fd(fd, info, len) ? -errno : 0;
}

/*
 * The second call for a name: info is the first call's answer; set the
 * buffer (ptr, len) members with set_buf and call again.  *name gets the
 * name in buf (or a malloc'd *heap when it is larger), NULL if none.
 */
static int get_name(int fd, const struct linkinfo *first, uint32_t need,
		    void (*set_buf)(struct linkinfo *, char *, uint32_t),
		    char *buf, size_t size, char **heap, const char **name)
{
	struct linkinfo info;
	char *p = buf;
	__u32 len;
	int err;

	*name = NULL;
	if (need <= 1 || need > NAME_MAX_LEN)
		return 0;
	if (need > size) {
		p = *heap = malloc(need);
		if (!p)
			return -ENOMEM;
	}
	/* zeroed: tools (valgrind) do not know the kernel writes it */
	memset(p, 0, need);
	memset(&info, 0, sizeof(info));
	info.type = first->type;
	set_buf(&info, p, need);
	err = link_info(fd, &info, &len);
	if (err == -ENOSPC)	/* renamed meanwhile: keep what fits */
		err = 0;
	if (err)
		return err;
	p[need - 1] = '\0';
	*name = p;
	return 0;
}

static void buf_raw_tp(struct linkinfo *i, char *p, uint32_t n)
{
	i->raw_tracepoint.tp_name = (__u64)(uintptr_t)p;
	i->raw_tracepoint.tp_name_len = n;
}

static void buf_iter(struct linkinfo *i, char *p, uint32_t n)
{
	i->iter.target_name = (__u64)(uintptr_t)p;
	i->iter.target_name_len = n;
}

/* kprobe, uprobe and tracepoint keep their name pointer and length alike */
static void buf_perf(struct linkinfo *i, char *p, uint32_t n)
{
	i->perf_event.kprobe.func_name = (__u64)(uintptr_t)p;
	i->perf_event.kprobe.name_len = n;
}

static void buf_uprobe_multi(struct linkinfo *i, char *p, uint32_t n)
{
	i->uprobe_multi.path = (__u64)(uintptr_t)p;
	i->uprobe_multi.path_size = n;
}

/*
 * The first function names of a kprobe_multi link, from its fdinfo (the
 * kernel formats every function's name there on each read: the caller
 * keeps the result by link id).  One more than shown, to know there are more.
 */
static void kprobe_multi_names(struct linktarget_target *t, int fd, int dirfd,
			       char (*funcs)[LT_FUNC_LEN], const char **ptrs)
{
	char text[4096];

	if (dirfd < 0 || fdinfo_read(dirfd, fd, text, sizeof(text)) <= 0)
		return;
	t->nr_names = linktarget_kprobe_multi_names(text, funcs, LT_MULTI_NAMES + 1);
	for (size_t i = 0; i < t->nr_names; i++)
		ptrs[i] = funcs[i];
	t->names = ptrs;
}

static void set_attach_type(struct snap_link *l, uint32_t attach_type)
{
	l->attach_type = attach_type;
	l->has_attach_type = true;
}

/* Append t's text to s->strs; l's target is it. */
static void add_target(struct snap *s, struct snap_link *l, const struct linktarget_target *t)
{
	l->target_off = s->strs.len;
	linktarget_format(&s->strs, t);
	buf_add(&s->strs, "", 1);
}

/* l's target from the cache of targets by link id, if it is there. */
static bool cached_target(struct snap *s, struct snap_link *l)
{
	size_t off = s->strs.len;

	if (!linktarget_cache_get(l->id, &s->strs))
		return false;
	buf_add(&s->strs, "", 1);
	l->target_off = off;
	return true;
}

/*
 * How much of the info a link type's target is read from: the end of the
 * last member read.  A kernel's answer shorter than that (info_len) is not
 * trusted for the type's members: the target is left empty.
 */
static size_t info_needed(uint32_t type)
{
	switch (type) {
	case LI_RAW_TRACEPOINT: return LINKINFO_END(raw_tracepoint.tp_name_len);
	case LI_TRACING: return LINKINFO_END(tracing.target_btf_id);
	case LI_CGROUP: return LINKINFO_END(cgroup.attach_type);
	case LI_ITER: return LINKINFO_END(iter.target_name_len);
	case LI_NETNS: return LINKINFO_END(netns.attach_type);
	case LI_XDP: return LINKINFO_END(xdp.ifindex);
	case LI_STRUCT_OPS: return LINKINFO_END(struct_ops.map_id);
	case LI_NETFILTER: return LINKINFO_END(netfilter.priority);
	case LI_KPROBE_MULTI: return LINKINFO_END(kprobe_multi.count);
	case LI_UPROBE_MULTI: return LINKINFO_END(uprobe_multi.count);
	case LI_PERF_EVENT: return LINKINFO_END(perf_event.kprobe.addr);
	case LI_TCX: return LINKINFO_END(tcx.attach_type);
	case LI_NETKIT: return LINKINFO_END(netkit.attach_type);
	case LI_SOCKMAP: return LINKINFO_END(sockmap.attach_type);
	default: return sizeof(struct linkinfo) + 1;	/* a type this file does not read */
	}
}

static int add_link(struct snap *s, int fd, int dirfd)
{
	struct linkinfo info;
	struct linktarget_target t;
	struct snap_link *l;
	char name_buf[256], ifname[IF_NAMESIZE];
	char funcs[LT_MULTI_NAMES + 1][LT_FUNC_LEN];
	const char *func_ptrs[LT_MULTI_NAMES + 1];
	char *heap = NULL;
	const char *name = NULL;
	bool done = false;
	__u32 len;
	int err;

	memset(&info, 0, sizeof(info));
	err = link_info(fd, &info, &len);
	if (err)
		return err;
	err = array_grow((void **)&s->links, &s->alloc_links, s->nr_links + 1, sizeof(*s->links));
	if (err)
		return err;
	l = &s->links[s->nr_links];
	memset(l, 0, sizeof(*l));
	l->id = info.id;
	l->type = info.type;
	l->prog_id = info.prog_id;
	memset(&t, 0, sizeof(t));
	/* a type not known here, or an answer too short for it: no target */
	t.link_type = len >= info_needed(info.type) ? info.type : 0;

	switch (t.link_type) {
	case LI_RAW_TRACEPOINT:
		err = get_name(fd, &info, info.raw_tracepoint.tp_name_len, buf_raw_tp,
			       name_buf, sizeof(name_buf), &heap, &name);
		break;
	case LI_ITER:
		err = get_name(fd, &info, info.iter.target_name_len, buf_iter,
			       name_buf, sizeof(name_buf), &heap, &name);
		break;
	case LI_PERF_EVENT:
		t.perf_type = info.perf_event.type;
		switch (info.perf_event.type) {
		case LI_PERF_KPROBE:
		case LI_PERF_KRETPROBE:
			t.offset = info.perf_event.kprobe.offset;
			t.id = info.perf_event.kprobe.addr;
			break;
		case LI_PERF_UPROBE:
		case LI_PERF_URETPROBE:
			t.offset = info.perf_event.uprobe.offset;
			break;
		case LI_PERF_EV:
			t.id = info.perf_event.event.type;
			t.offset = info.perf_event.event.config;
			break;
		}
		if (info.perf_event.type != LI_PERF_EV)
			err = get_name(fd, &info, info.perf_event.kprobe.name_len, buf_perf,
				       name_buf, sizeof(name_buf), &heap, &name);
		break;
	case LI_UPROBE_MULTI:
		t.count = info.uprobe_multi.count;
		err = get_name(fd, &info, info.uprobe_multi.path_size, buf_uprobe_multi,
			       name_buf, sizeof(name_buf), &heap, &name);
		break;
	case LI_KPROBE_MULTI:
		if ((done = cached_target(s, l)))
			break;
		t.count = info.kprobe_multi.count;
		kprobe_multi_names(&t, fd, dirfd, funcs, func_ptrs);
		add_target(s, l, &t);
		linktarget_cache_put(l->id, &s->strs, l->target_off);
		done = true;
		break;
	case LI_TRACING:
		set_attach_type(l, info.tracing.attach_type);
		if ((done = cached_target(s, l)))
			break;
		l->target_pending = true;
		l->target_id = info.tracing.target_obj_id;
		l->target_btf_id = info.tracing.target_btf_id;
		break;
	case LI_CGROUP:
		set_attach_type(l, info.cgroup.attach_type);
		/* 0: detached (its cgroup is gone): no target, and no walk looking for it */
		l->target_pending = info.cgroup.cgroup_id != 0;
		l->target_id = info.cgroup.cgroup_id;
		break;
	case LI_NETNS:
		set_attach_type(l, info.netns.attach_type);
		t.id = info.netns.netns_ino;
		break;
	case LI_XDP:
	case LI_TCX:
	case LI_NETKIT:
		if (info.type != LI_XDP)
			set_attach_type(l, info.tcx.attach_type);
		t.id = info.xdp.ifindex;
		if (info.xdp.ifindex && if_indextoname(info.xdp.ifindex, ifname))
			name = ifname;
		break;
	case LI_STRUCT_OPS:
		t.id = info.struct_ops.map_id;
		break;
	case LI_SOCKMAP:
		set_attach_type(l, info.sockmap.attach_type);
		t.id = info.sockmap.map_id;
		break;
	case LI_NETFILTER:
		t.pf = info.netfilter.pf;
		t.hooknum = info.netfilter.hooknum;
		t.priority = info.netfilter.priority;
		break;
	}
	if (err == -ENOMEM) {
		free(heap);
		return err;
	}
	/* a name the kernel would not give: the target without it */
	t.name = name;
	if (!l->target_pending && !done)
		add_target(s, l, &t);
	free(heap);
	s->nr_links++;
	return 0;
}

/* Is the tracing link's target a program (not a kernel function)?  Asks its program. */
static bool targets_prog(uint32_t prog_id)
{
	struct bpf_prog_info info;
	int err;

	memset(&info, 0, sizeof(info));
	err = bpffd_info_by_id(bpf_prog_get_fd_by_id, prog_id, &info, sizeof(info));
	/* freplace always targets a program; others do when loaded without kernel BTF */
	return !err && (info.type == BPF_PROG_TYPE_EXT || !info.attach_btf_obj_id);
}

static void finish_tracing(struct snap *s)
{
	struct linktarget_btfs *btfs = NULL;
	char name[512];

	for (size_t i = 0; i < s->nr_links; i++) {
		struct snap_link *l = &s->links[i];
		struct linktarget_target t;

		if (!l->target_pending || l->type != LI_TRACING)
			continue;
		memset(&t, 0, sizeof(t));
		t.link_type = LI_TRACING;
		t.id = l->target_id;
		t.btf_id = l->target_btf_id;
		t.target_prog = targets_prog(l->prog_id);
		if (!btfs)
			btfs = linktarget_btfs_new();
		if (btfs && linktarget_btf_name(btfs, t.target_prog, (uint32_t)t.id, t.btf_id,
					name, sizeof(name)) == 0)
			t.name = name;
		add_target(s, l, &t);
		l->target_pending = false;
		/* a name not found now may be found later: only names are kept */
		if (t.name)
			linktarget_cache_put(l->id, &s->strs, l->target_off);
	}
	linktarget_btfs_free(btfs);
}

static int finish_cgroups(struct snap *s)
{
	uint64_t *ids;
	char **paths;
	size_t n = 0, k = 0;

	for (size_t i = 0; i < s->nr_links; i++)
		n += s->links[i].target_pending && s->links[i].type == LI_CGROUP;
	if (!n)
		return 0;
	ids = calloc(n, sizeof(*ids));
	paths = calloc(n, sizeof(*paths));
	if (!ids || !paths) {
		free(ids);
		free(paths);
		return -ENOMEM;
	}
	for (size_t i = 0; i < s->nr_links; i++)
		if (s->links[i].target_pending && s->links[i].type == LI_CGROUP)
			ids[k++] = s->links[i].target_id;
	linktarget_cgroup_paths(ids, n, paths);	/* where none is found: the id */
	k = 0;
	for (size_t i = 0; i < s->nr_links; i++) {
		struct snap_link *l = &s->links[i];
		struct linktarget_target t;

		if (!l->target_pending || l->type != LI_CGROUP)
			continue;
		memset(&t, 0, sizeof(t));
		t.link_type = LI_CGROUP;
		t.id = l->target_id;
		t.name = paths[k];
		add_target(s, l, &t);
		l->target_pending = false;
		free(paths[k++]);
	}
	free(ids);
	free(paths);
	return 0;
}

/* After the walk: the targets that need more than the link's info. */
static int finish(struct snap *s)
{
	int err = finish_cgroups(s);

	finish_tracing(s);
	linktarget_cache_sweep();
	if (!err && s->strs.oom)
		err = -ENOMEM;
	return err;
}

const struct snap_kind_ops snap_link_ops = {
	.next_id = bpf_link_get_next_id,
	.fd_by_id = bpf_link_get_fd_by_id,
	.add = add_link,
	.finish = finish,
};
