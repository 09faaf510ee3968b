// SPDX-License-Identifier: Apache-2.0
/* bpfnames - names of BPF program, map, link and attach types and bpf() commands. */
#include "bpf/bpfnames.h"

#include <stdio.h>

#include <bpf/libbpf.h>

static const char *number(const char *known, uint32_t type, char buf[BPFNAMES_LEN])
{
	if (known)
		return known;
	snprintf(buf, BPFNAMES_LEN, "%u", type);
	return buf;
}

const char *bpfnames_prog_type(uint32_t type, char buf[BPFNAMES_LEN])
{
	return number(libbpf_bpf_prog_type_str((enum bpf_prog_type)type), type, buf);
}

const char *bpfnames_map_type(uint32_t type, char buf[BPFNAMES_LEN])
{
	return number(libbpf_bpf_map_type_str((enum bpf_map_type)type), type, buf);
}

const char *bpfnames_link_type(uint32_t type, char buf[BPFNAMES_LEN])
{
	return number(libbpf_bpf_link_type_str((enum bpf_link_type)type), type, buf);
}

const char *bpfnames_attach_type(uint32_t type, char buf[BPFNAMES_LEN])
{
	return number(libbpf_bpf_attach_type_str((enum bpf_attach_type)type), type, buf);
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
	"BPF_TOKEN_CREATE",
};

const char *bpfnames_cmd(uint64_t cmd)
{
	return cmd < sizeof(cmds) / sizeof(cmds[0]) ? cmds[cmd] : NULL;
}
