// SPDX-License-Identifier: Apache-2.0
/* check_bpfnames - program, map, link and attach type names, and bpf() command names. */
#include <string.h>

#include <linux/bpf.h>

#include "bpf/bpfnames.h"
#include "suites.h"

START_TEST(test_type_names)
{
	char tbuf[BPFNAMES_LEN];

	ck_assert_str_eq(bpfnames_prog_type(BPF_PROG_TYPE_SOCKET_FILTER, tbuf), "socket_filter");
	ck_assert_str_eq(bpfnames_prog_type(BPF_PROG_TYPE_KPROBE, tbuf), "kprobe");
	ck_assert_str_eq(bpfnames_prog_type(BPF_PROG_TYPE_XDP, tbuf), "xdp");
	ck_assert_str_eq(bpfnames_prog_type(BPF_PROG_TYPE_TRACING, tbuf), "tracing");
	ck_assert_str_eq(bpfnames_map_type(BPF_MAP_TYPE_HASH, tbuf), "hash");
	ck_assert_str_eq(bpfnames_map_type(BPF_MAP_TYPE_ARRAY, tbuf), "array");
	ck_assert_str_eq(bpfnames_map_type(BPF_MAP_TYPE_PERCPU_HASH, tbuf), "percpu_hash");
	ck_assert_str_eq(bpfnames_map_type(BPF_MAP_TYPE_RINGBUF, tbuf), "ringbuf");
	ck_assert_str_eq(bpfnames_link_type(BPF_LINK_TYPE_RAW_TRACEPOINT, tbuf), "raw_tracepoint");
	ck_assert_str_eq(bpfnames_link_type(BPF_LINK_TYPE_TRACING, tbuf), "tracing");
	ck_assert_str_eq(bpfnames_link_type(BPF_LINK_TYPE_XDP, tbuf), "xdp");
	ck_assert_str_eq(bpfnames_attach_type(BPF_CGROUP_INET_INGRESS, tbuf), "cgroup_inet_ingress");
	ck_assert_str_eq(bpfnames_attach_type(BPF_TRACE_FENTRY, tbuf), "trace_fentry");
}
END_TEST

/* A type this libbpf does not know is shown as its number, in the caller's buffer. */
START_TEST(test_type_names_unknown)
{
	char tbuf[BPFNAMES_LEN];

	memset(tbuf, 'X', sizeof(tbuf));
	ck_assert_ptr_eq(bpfnames_prog_type(999, tbuf), tbuf);
	ck_assert_str_eq(tbuf, "999");
	ck_assert_str_eq(bpfnames_map_type(999, tbuf), "999");
	ck_assert_str_eq(bpfnames_link_type(999, tbuf), "999");
	ck_assert_str_eq(bpfnames_prog_type(4294967295u, tbuf), "4294967295");
	ck_assert_str_eq(bpfnames_map_type(4294967295u, tbuf), "4294967295");
	ck_assert_str_eq(bpfnames_link_type(2147483648u, tbuf), "2147483648");
	ck_assert_str_eq(bpfnames_attach_type(4294967295u, tbuf), "4294967295");
}
END_TEST

START_TEST(test_cmd_names)
{
	ck_assert_str_eq(bpfnames_cmd(0), "BPF_MAP_CREATE");
	ck_assert_str_eq(bpfnames_cmd(BPF_PROG_LOAD), "BPF_PROG_LOAD");
	ck_assert_str_eq(bpfnames_cmd(BPF_RAW_TRACEPOINT_OPEN), "BPF_RAW_TRACEPOINT_OPEN");
	ck_assert_str_eq(bpfnames_cmd(BPF_LINK_CREATE), "BPF_LINK_CREATE");
	ck_assert_str_eq(bpfnames_cmd(BPF_PROG_BIND_MAP), "BPF_PROG_BIND_MAP");
	ck_assert_str_eq(bpfnames_cmd(36), "BPF_TOKEN_CREATE");	/* newer than the installed uapi */
	ck_assert_ptr_null(bpfnames_cmd(37));
	ck_assert_ptr_null(bpfnames_cmd(UINT64_MAX));
}
END_TEST

Suite *bpfnames_suite(void)
{
	return SUITE_OF("bpfnames", "names", test_type_names, test_type_names_unknown,
			test_cmd_names);
}
