// SPDX-License-Identifier: Apache-2.0
/*
 * bpfnames - names of BPF program, map, link and attach types and bpf()
 * commands.  The type names are the project's own tables, up to linux
 * 6.18's uapi: each is its enum constant without the prefix, in lower case,
 * which is how libbpf names them too (tests/check_bpfnames.c holds the two
 * equal for every type the linked libbpf knows), so label values do not
 * change with the libbpf a build links.  A type newer than a table takes
 * the linked libbpf's name if it has one, else its number.
 */
#include "bpf/bpfnames.h"

#include <stdio.h>

#include <bpf/libbpf.h>

#define NR(a) (sizeof(a) / sizeof((a)[0]))

/* enum bpf_prog_type, from BPF_PROG_TYPE_UNSPEC to BPF_PROG_TYPE_NETFILTER */
static const char *const prog_types[] = {
	"unspec", "socket_filter", "kprobe", "sched_cls", "sched_act", "tracepoint", "xdp",
	"perf_event", "cgroup_skb", "cgroup_sock", "lwt_in", "lwt_out", "lwt_xmit", "sock_ops",
	"sk_skb", "cgroup_device", "sk_msg", "raw_tracepoint", "cgroup_sock_addr",
	"lwt_seg6local", "lirc_mode2", "sk_reuseport", "flow_dissector", "cgroup_sysctl",
	"raw_tracepoint_writable", "cgroup_sockopt", "tracing", "struct_ops", "ext", "lsm",
	"sk_lookup", "syscall", "netfilter",
};

/* enum bpf_map_type, from BPF_MAP_TYPE_UNSPEC to BPF_MAP_TYPE_ARENA */
static const char *const map_types[] = {
	"unspec", "hash", "array", "prog_array", "perf_event_array", "percpu_hash",
	"percpu_array", "stack_trace", "cgroup_array", "lru_hash", "lru_percpu_hash",
	"lpm_trie", "array_of_maps", "hash_of_maps", "devmap", "sockmap", "cpumap", "xskmap",
	"sockhash", "cgroup_storage", "reuseport_sockarray", "percpu_cgroup_storage", "queue",
	"stack", "sk_storage", "devmap_hash", "struct_ops", "ringbuf", "inode_storage",
	"task_storage", "bloom_filter", "user_ringbuf", "cgrp_storage", "arena",
};

/* enum bpf_link_type, from BPF_LINK_TYPE_UNSPEC to BPF_LINK_TYPE_SOCKMAP */
static const char *const link_types[] = {
	"unspec", "raw_tracepoint", "tracing", "cgroup", "iter", "netns", "xdp", "perf_event",
	"kprobe_multi", "struct_ops", "netfilter", "tcx", "uprobe_multi", "netkit", "sockmap",
};

/* enum bpf_attach_type, from BPF_CGROUP_INET_INGRESS to BPF_TRACE_UPROBE_SESSION */
static const char *const attach_types[] = {
	"cgroup_inet_ingress", "cgroup_inet_egress", "cgroup_inet_sock_create",
	"cgroup_sock_ops", "sk_skb_stream_parser", "sk_skb_stream_verdict", "cgroup_device",
	"sk_msg_verdict", "cgroup_inet4_bind", "cgroup_inet6_bind", "cgroup_inet4_connect",
	"cgroup_inet6_connect", "cgroup_inet4_post_bind", "cgroup_inet6_post_bind",
	"cgroup_udp4_sendmsg", "cgroup_udp6_sendmsg", "lirc_mode2", "flow_dissector",
	"cgroup_sysctl", "cgroup_udp4_recvmsg", "cgroup_udp6_recvmsg", "cgroup_getsockopt",
	"cgroup_setsockopt", "trace_raw_tp", "trace_fentry", "trace_fexit", "modify_return",
	"lsm_mac", "trace_iter", "cgroup_inet4_getpeername", "cgroup_inet6_getpeername",
	"cgroup_inet4_getsockname", "cgroup_inet6_getsockname", "xdp_devmap",
	"cgroup_inet_sock_release", "xdp_cpumap", "sk_lookup", "xdp", "sk_skb_verdict",
	"sk_reuseport_select", "sk_reuseport_select_or_migrate", "perf_event",
	"trace_kprobe_multi", "lsm_cgroup", "struct_ops", "netfilter", "tcx_ingress",
	"tcx_egress", "trace_uprobe_multi", "cgroup_unix_connect", "cgroup_unix_sendmsg",
	"cgroup_unix_recvmsg", "cgroup_unix_getpeername", "cgroup_unix_getsockname",
	"netkit_primary", "netkit_peer", "trace_kprobe_session", "trace_uprobe_session",
};

static const char *name_of(const char *const *table, size_t n, const char *libbpf, uint32_t type,
			   char buf[BPFNAMES_LEN])
{
	if (type < n && table[type])
		return table[type];
	if (libbpf)
		return libbpf;
	snprintf(buf, BPFNAMES_LEN, "%u", type);
	return buf;
}

const char *bpfnames_prog_type(uint32_t type, char buf[BPFNAMES_LEN])
{
	return name_of(prog_types, NR(prog_types), libbpf_bpf_prog_type_str((enum bpf_prog_type)type),
		       type, buf);
}

const char *bpfnames_map_type(uint32_t type, char buf[BPFNAMES_LEN])
{
	return name_of(map_types, NR(map_types), libbpf_bpf_map_type_str((enum bpf_map_type)type),
		       type, buf);
}

const char *bpfnames_link_type(uint32_t type, char buf[BPFNAMES_LEN])
{
	return name_of(link_types, NR(link_types), libbpf_bpf_link_type_str((enum bpf_link_type)type),
		       type, buf);
}

const char *bpfnames_attach_type(uint32_t type, char buf[BPFNAMES_LEN])
{
	return name_of(attach_types, NR(attach_types),
		       libbpf_bpf_attach_type_str((enum bpf_attach_type)type), type, buf);
}

/* In the kernel's order (enum bpf_cmd); newer ones than the installed uapi too. */
static const char *const cmds[] = {
	"BPF_MAP_CREATE", "BPF_MAP_LOOKUP_ELEM", "BPF_MAP_UPDATE_ELEM", "BPF_MAP_DELETE_ELEM",
	"BPF_MAP_GET_NEXT_KEY", "BPF_PROG_LOAD", "BPF_OBJ_PIN", "BPF_OBJ_GET",
	"BPF_PROG_ATTACH", "BPF_PROG_DETACH", "BPF_PROG_TEST_RUN", "BPF_PROG_GET_NEXT_ID",
	"BPF_MAP_GET_NEXT_ID", "BPF_PROG_GET_FD_BY_ID", "BPF_MAP_GET_FD_BY_ID",
	"BPF_OBJ_GET_INFO_BY_FD", "BPF_PROG_QUERY", "BPF_RAW_TRACEPOINT_OPEN", "BPF_BTF_LOAD",
	"BPF_BTF_GET_FD_BY_ID", "BPF_TASK_FD_QUERY", "BPF_MAP_LOOKUP_AND_DELETE_ELEM",
	"BPF_MAP_FREEZE", "BPF_BTF_GET_NEXT_ID", "BPF_MAP_LOOKUP_BATCH",
	"BPF_MAP_LOOKUP_AND_DELETE_BATCH", "BPF_MAP_UPDATE_BATCH", "BPF_MAP_DELETE_BATCH",
	"BPF_LINK_CREATE", "BPF_LINK_UPDATE", "BPF_LINK_GET_FD_BY_ID", "BPF_LINK_GET_NEXT_ID",
	"BPF_ENABLE_STATS", "BPF_ITER_CREATE", "BPF_LINK_DETACH", "BPF_PROG_BIND_MAP",
	"BPF_TOKEN_CREATE", "BPF_PROG_STREAM_READ_BY_FD",
};

const char *bpfnames_cmd(uint64_t cmd)
{
	return cmd < NR(cmds) ? cmds[cmd] : NULL;
}
