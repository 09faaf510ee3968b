/* SPDX-License-Identifier: Apache-2.0 */
/*
 * linkinfo - struct bpf_link_info as newer kernels define it.
 *
 * The installed uapi header (Debian 12: linux 6.1) stops at the xdp member;
 * kernels since add struct_ops (6.4), netfilter (6.4), kprobe_multi (6.4),
 * perf_event (6.5), tcx (6.6), uprobe_multi (6.8), netkit (6.7) and sockmap
 * (6.10) members, and trailing members (cookie, missed) to older ones.  The
 * layout below is the kernel's include/uapi/linux/bpf.h of linux 6.18, the
 * members this exporter reads; the union has room beyond the kernel's 48
 * bytes (the kernel wants those zero).
 *
 * Use: zero the whole struct, pass sizeof() as the length (a kernel accepts
 * a larger struct as long as the bytes it does not know are zero) and trust
 * a member only when the info_len the kernel returns covers it
 * (LINKINFO_END()).  An older kernel leaves newer members zero.
 */
#ifndef BPFME_LINKINFO_H
#define BPFME_LINKINFO_H

#include <stddef.h>

#include <linux/types.h>

/* enum bpf_link_type of linux 6.18 (the installed header stops at 9) */
enum {
	LI_RAW_TRACEPOINT = 1, LI_TRACING = 2, LI_CGROUP = 3, LI_ITER = 4, LI_NETNS = 5,
	LI_XDP = 6, LI_PERF_EVENT = 7, LI_KPROBE_MULTI = 8, LI_STRUCT_OPS = 9,
	LI_NETFILTER = 10, LI_TCX = 11, LI_UPROBE_MULTI = 12, LI_NETKIT = 13,
	LI_SOCKMAP = 14,
};

/* enum bpf_perf_event_type (linux 6.5); LI_PERF_EV is BPF_PERF_EVENT_EVENT */
enum {
	LI_PERF_UPROBE = 1, LI_PERF_URETPROBE = 2, LI_PERF_KPROBE = 3,
	LI_PERF_KRETPROBE = 4, LI_PERF_TRACEPOINT = 5, LI_PERF_EV = 6,
};

struct linkinfo {
	__u32 type;
	__u32 id;
	__u32 prog_id;
	union {
		struct {
			__aligned_u64 tp_name;		/* in: buffer, out: filled */
			__u32 tp_name_len;		/* in: size, out: strlen + 1 */
		} raw_tracepoint;
		struct {
			__u32 attach_type;
			__u32 target_obj_id;		/* program id, or BTF object id */
			__u32 target_btf_id;		/* type id in that object */
		} tracing;
		struct {
			__u64 cgroup_id;
			__u32 attach_type;
		} cgroup;
		struct {
			__aligned_u64 target_name;	/* in: buffer, out: filled */
			__u32 target_name_len;		/* in: size, out: strlen + 1 */
			__u32 map_id;
		} iter;
		struct {
			__u32 netns_ino;
			__u32 attach_type;
		} netns;
		struct {
			__u32 ifindex;
		} xdp;
		struct {
			__u32 map_id;
		} struct_ops;
		struct {
			__u32 pf;
			__u32 hooknum;
			__s32 priority;
			__u32 flags;
		} netfilter;
		struct {
			__aligned_u64 addrs;		/* in: buffer of count u64 */
			__u32 count;			/* in: room, out: functions */
			__u32 flags;
		} kprobe_multi;
		struct {
			__aligned_u64 path;		/* in: buffer, out: filled */
			__aligned_u64 offsets;
			__aligned_u64 ref_ctr_offsets;
			__aligned_u64 cookies;
			__u32 path_size;		/* in: size, out: strlen + 1 */
			__u32 count;			/* out: probes */
			__u32 flags;
			__u32 pid;
		} uprobe_multi;
		struct {
			__u32 type;			/* LI_PERF_* */
			__u32 :32;
			union {
				struct {
					__aligned_u64 file_name;
					__u32 name_len;
					__u32 offset;
				} uprobe;
				struct {
					__aligned_u64 func_name;
					__u32 name_len;
					__u32 offset;
					__u64 addr;
				} kprobe;
				struct {
					__aligned_u64 tp_name;
					__u32 name_len;
				} tracepoint;
				struct {
					__u64 config;
					__u32 type;
				} event;
			};
		} perf_event;
		struct {
			__u32 ifindex;
			__u32 attach_type;
		} tcx, netkit;
		struct {
			__u32 map_id;
			__u32 attach_type;
		} sockmap;
		__u64 pad[8];				/* 64 bytes: room beyond the kernel's 48 */
	};
} __attribute__((aligned(8)));

/* Where member m of struct linkinfo ends: an answer (info_len) covers m if it is at least that. */
#define LINKINFO_END(m) (offsetof(struct linkinfo, m) + sizeof(((struct linkinfo *)0)->m))

#endif
