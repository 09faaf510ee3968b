/* SPDX-License-Identifier: Apache-2.0 */
/*
 * linktarget - what a BPF link is attached to, in words: the `target` label
 * of bpf_link_info.  Three parts:
 *
 *  - linktarget_format(): the text of a target from what the kernel said of the
 *    link and what was looked up for it.  Pure, allocates nothing but the
 *    caller's buffer, thread-safe.
 *  - lookups the snapshot makes for it: cgroup ids to paths under the
 *    cgroup2 mount (linktarget_cgroup_paths), the BTF name of a tracing link's
 *    target function (linktarget_btf_name).
 *  - a cache of targets by link id (linktarget_cache_*), for kinds whose target
 *    never changes for the link's life but costs a BTF load (tracing) or
 *    a long fdinfo (kprobe_multi) to name.
 *    Bounded (LT_CACHE_MAX entries), swept of links gone after each
 *    snapshot; a mutex makes it thread-safe.
 *
 * The texts, per link type (empty where a kind says nothing):
 *   raw_tracepoint  the tracepoint name             sched_switch
 *   tracing         the target function's BTF name  tcp_v4_connect
 *                   a program's function            prog:42:handle_ingress
 *   cgroup          the cgroup path                 /system.slice/x.service
 *   iter            the iterator's target           bpf_map_elem
 *   netns           the network namespace           net:[4026531840]
 *   xdp, tcx, netkit  the interface name (or index) lo
 *   perf_event      a tracepoint                    sched_switch
 *                   a kprobe (kretprobe)            vfs_read+0x0
 *                   a uprobe (uretprobe)            /usr/bin/bash:0x4f2c0
 *                   a perf event                    event:TYPE:CONFIG
 *   kprobe_multi    count and the first names       3 functions: a,b,c
 *                   (names from the link's fdinfo, linux 6.17+)
 *   uprobe_multi    count and the path              2 probes: /usr/bin/bash
 *   netfilter       protocol family/hook/priority   ipv4/local_in/-128
 *   struct_ops      the struct_ops map              map:17
 *   sockmap         the map                         map:17
 */
#ifndef BPFME_LINKTARGET_H
#define BPFME_LINKTARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"

/* What linktarget_format() needs; fields a link type does not use are ignored. */
struct linktarget_target {
	uint32_t link_type;		/* BPF_LINK_TYPE_* (linkinfo.h: LI_*) */
	/*
	 * The name the kernel gave (tracepoint, iterator target, kprobe
	 * function, uprobe or uprobe_multi file), or the name looked up
	 * (tracing: the BTF name; cgroup: the path; xdp/tcx/netkit: the
	 * interface name).  NULL or "" when unknown: a number is given then.
	 */
	const char *name;
	uint64_t id;			/* cgroup id, ifindex, netns inode, map id,
					   tracing target object id */
	uint32_t btf_id;		/* tracing: type id in the target object */
	bool target_prog;		/* tracing: the target is a program */
	uint32_t perf_type;		/* perf_event: LI_PERF_* */
	uint64_t offset;		/* kprobe/uprobe offset; event config */
	uint32_t count;			/* kprobe_multi / uprobe_multi */
	const char *const *names;	/* kprobe_multi: the first names */
	size_t nr_names;
	uint32_t pf, hooknum;		/* netfilter */
	int32_t priority;
};

/* kprobe_multi names shown at most */
#define LT_MULTI_NAMES 3

/* Append the target's text to out (nothing for a kind that gives none). */
void linktarget_format(struct buf *out, const struct linktarget_target *t);

/* Room for a kprobe_multi function name (longer ones are left out). */
#define LT_FUNC_LEN 128

/*
 * The first function names of a kprobe_multi link from the text of its
 * fdinfo (linux 6.17+: a "cookie\t func" header, then "COOKIE\t SYM+0xOFF/0xSIZE
 * [MODULE]" lines, sorted by address).  Pure.  Returns how many of at most
 * max names it put in names (0 for older kernels' fdinfo); a name is made
 * of [A-Za-z0-9_.$] only (a line with anything else is left out).
 */
size_t linktarget_kprobe_multi_names(const char *fdinfo, char (*names)[LT_FUNC_LEN], size_t max);

/*
 * The cgroup2 mount point of this mount namespace from the text of
 * /proc/self/mountinfo (the first cgroup2 line), into out (size bytes).
 * Pure.  0, -ENOENT when there is none, -ENAMETOOLONG.
 */
int linktarget_cgroup2_mount(const char *mountinfo, char *out, size_t size);

/*
 * Find the path of each cgroup id in ids[n] (cgroup ids are the inode
 * numbers of the cgroup's directory on cgroup2) by walking the cgroup2
 * mount, at most LT_CGROUP_WALK_MAX directories and LT_CGROUP_DEPTH_MAX
 * deep, stopping when all are found.  paths[i] gets a malloc'd path
 * relative to the mount ("/" for the root, "/a/b"), or stays NULL when not
 * found; the caller frees them.
 * 0, or -errno when there is no cgroup2 mount or it cannot be read.
 */
#define LT_CGROUP_WALK_MAX 100000
#define LT_CGROUP_DEPTH_MAX 64
int linktarget_cgroup_paths(const uint64_t *ids, size_t n, char **paths);

/*
 * The walk itself, under any directory root: the paths (relative to root)
 * of the directories whose inode numbers are ids[n], looking at most at
 * max_dirs directories, LT_CGROUP_DEPTH_MAX deep, of paths shorter than
 * 4096 bytes.  As linktarget_cgroup_paths; -errno when root cannot be opened.
 */
int linktarget_find_dirs(const char *root, const uint64_t *ids, size_t n, char **paths,
		 size_t max_dirs);

/* A set of BTF objects loaded for one snapshot's tracing links. */
struct linktarget_btfs;
struct linktarget_btfs *linktarget_btfs_new(void);
void linktarget_btfs_free(struct linktarget_btfs *b);

/*
 * The name of type btf_id in BTF object obj_id (target_prog false: the
 * kernel's vmlinux or a module's BTF, loaded once per set; target_prog
 * true: obj_id is a program id, whose own BTF is used).  Copies the name
 * into out (size bytes).  0, or -errno (-ENOENT: no such object or type).
 * Not thread-safe for one set.
 */
int linktarget_btf_name(struct linktarget_btfs *b, bool target_prog, uint32_t obj_id, uint32_t btf_id,
		char *out, size_t size);

/* ---- targets by link id, across snapshots ---- */

#define LT_CACHE_MAX 4096

/* Append link_id's cached target to out and mark it seen; false if not cached. */
bool linktarget_cache_get(uint32_t link_id, struct buf *out);
/*
 * Remember the NUL-terminated text at offset off of b as link_id's target
 * (ignored when LT_CACHE_MAX are held).  Nothing is remembered when b->oom:
 * a text cut short by a failed append would otherwise be the link's target
 * for as long as it lives.
 */
void linktarget_cache_put(uint32_t link_id, const struct buf *b, size_t off);
/* Forget the links not got or put since the previous sweep. */
void linktarget_cache_sweep(void);
/* Entries held (for tests). */
size_t linktarget_cache_size(void);
/* Forget everything (for tests; at exit). */
void linktarget_cache_clear(void);

#endif
