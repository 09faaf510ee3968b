// SPDX-License-Identifier: Apache-2.0
/* check_bpfnames - program, map, link and attach type names, and bpf() command names. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>
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

/* A type newer than the tables and this libbpf is shown as its number, in the caller's buffer. */
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

typedef const char *(*name_fn)(uint32_t type, char buf[BPFNAMES_LEN]);

static const struct {
	const char *uapi_enum;	/* the kernel's enum */
	const char *prefix;	/* of its constants, left out of the names */
	name_fn name;
} kinds[] = {
	{ "bpf_prog_type", "BPF_PROG_TYPE_", bpfnames_prog_type },
	{ "bpf_map_type", "BPF_MAP_TYPE_", bpfnames_map_type },
	{ "bpf_link_type", "BPF_LINK_TYPE_", bpfnames_link_type },
	{ "bpf_attach_type", "BPF_", bpfnames_attach_type },
};

/*
 * Check the name of value of kind k against its enum constant, constant:
 * the name is the constant without its prefix, in lower case.  Constants
 * that are no type (__MAX_*) or an old alias (*_DEPRECATED) are skipped.
 * Returns whether the constant was checked.
 */
static bool check_constant(size_t k, uint32_t value, const char *constant)
{
	char want[64], tbuf[BPFNAMES_LEN];
	size_t plen = strlen(kinds[k].prefix), i;

	if (!strncmp(constant, "__", 2) || strstr(constant, "_DEPRECATED"))
		return false;
	ck_assert_msg(!strncmp(constant, kinds[k].prefix, plen), "%s", constant);
	for (i = 0; constant[plen + i] && i < sizeof(want) - 1; i++)
		want[i] = (char)tolower((unsigned char)constant[plen + i]);
	want[i] = '\0';
	ck_assert_msg(!strcmp(kinds[k].name(value, tbuf), want), "%s %u (%s): %s, not %s",
		      kinds[k].uapi_enum, value, constant, kinds[k].name(value, tbuf), want);
	return true;
}

/* Every type of linux 6.18's uapi by name (the recorded enums), none as a number. */
START_TEST(test_type_names_uapi_6_18)
{
	const char *dir = getenv("BPFME_TEST_DATA");
	char path[512], line[256], e[64], constant[128];
	size_t checked[4] = { 0 };
	unsigned int value;
	int last_cmd = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/bpf-enums-6.18.txt", dir && *dir ? dir : "tests/data");
	f = fopen(path, "r");
	ck_assert_msg(f, "%s", path);
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#' || sscanf(line, "%63s %u %127s", e, &value, constant) != 3)
			continue;
		for (size_t k = 0; k < 4; k++)
			if (!strcmp(e, kinds[k].uapi_enum) && check_constant(k, value, constant))
				checked[k]++;
		/* a command's first constant (BPF_PROG_RUN is BPF_PROG_TEST_RUN again) */
		if (!strcmp(e, "bpf_cmd") && strncmp(constant, "__", 2) && (int)value > last_cmd &&
		    (last_cmd = (int)value) >= 0)
			ck_assert_msg(bpfnames_cmd(value) && !strcmp(bpfnames_cmd(value), constant),
				      "bpf_cmd %u: %s", value, constant);
	}
	fclose(f);
	/* 6.18: 33 program types, 34 map types, 15 link types, 58 attach types */
	ck_assert_uint_eq(checked[0], 33);
	ck_assert_uint_eq(checked[1], 34);
	ck_assert_uint_eq(checked[2], 15);
	ck_assert_uint_eq(checked[3], 58);
}
END_TEST

/* The running kernel's own enums (its BTF): each of its types by name. */
START_TEST(test_type_names_running_kernel)
{
	struct btf *btf = btf__load_vmlinux_btf();
	size_t found = 0;

	ck_assert_msg(btf, "no kernel BTF: cannot walk the running kernel's enums");
	for (__u32 id = 1; id < btf__type_cnt(btf); id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		const char *tname = btf__name_by_offset(btf, t->name_off);

		if (!btf_is_enum(t))
			continue;
		for (size_t k = 0; k < 4; k++) {
			const struct btf_enum *v = btf_enum(t);

			if (strcmp(tname, kinds[k].uapi_enum))
				continue;
			found++;
			for (__u16 i = 0; i < btf_vlen(t); i++, v++)
				check_constant(k, (uint32_t)v->val, btf__name_by_offset(btf, v->name_off));
		}
	}
	btf__free(btf);
	ck_assert_uint_eq(found, 4);
}
END_TEST

/* Where the linked libbpf names a type, the name is libbpf's: label values do not change. */
START_TEST(test_type_names_as_libbpf)
{
	char tbuf[BPFNAMES_LEN];

	for (uint32_t t = 0; t < 256; t++) {
		const char *p = libbpf_bpf_prog_type_str((enum bpf_prog_type)t);
		const char *m = libbpf_bpf_map_type_str((enum bpf_map_type)t);
		const char *l = libbpf_bpf_link_type_str((enum bpf_link_type)t);
		const char *a = libbpf_bpf_attach_type_str((enum bpf_attach_type)t);

		if (p)
			ck_assert_str_eq(bpfnames_prog_type(t, tbuf), p);
		if (m)
			ck_assert_str_eq(bpfnames_map_type(t, tbuf), m);
		if (l)
			ck_assert_str_eq(bpfnames_link_type(t, tbuf), l);
		if (a)
			ck_assert_str_eq(bpfnames_attach_type(t, tbuf), a);
	}
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
	ck_assert_str_eq(bpfnames_cmd(37), "BPF_PROG_STREAM_READ_BY_FD");
	ck_assert_ptr_null(bpfnames_cmd(38));
	ck_assert_ptr_null(bpfnames_cmd(UINT64_MAX));
}
END_TEST

Suite *bpfnames_suite(void)
{
	return SUITE_OF("bpfnames", "names", test_type_names, test_type_names_unknown,
			test_type_names_uapi_6_18, test_type_names_running_kernel,
			test_type_names_as_libbpf, test_cmd_names);
}
