/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bpfnames - the names the exporter shows for BPF numbers: program, map,
 * link and attach types (libbpf's names, so /metrics and /events agree with
 * bpftool), and bpf(2) command names.  Pure lookups: no kernel calls, no
 * state, thread-safe.
 */
#ifndef BPFME_BPFNAMES_H
#define BPFME_BPFNAMES_H

#include <stdint.h>

/* Room for any name below, or the decimal number of an unknown type. */
#define BPFNAMES_LEN 32

/*
 * libbpf's name for the type ("socket_filter", "hash", "raw_tracepoint",
 * "cgroup_inet_ingress"), or, for a type this libbpf does not know (a newer
 * kernel), its decimal number written into buf.  Returns buf or a static
 * string; never NULL.
 */
const char *bpfnames_prog_type(uint32_t type, char buf[BPFNAMES_LEN]);
const char *bpfnames_map_type(uint32_t type, char buf[BPFNAMES_LEN]);
const char *bpfnames_link_type(uint32_t type, char buf[BPFNAMES_LEN]);
const char *bpfnames_attach_type(uint32_t type, char buf[BPFNAMES_LEN]);

/* The bpf(2) command's name ("BPF_PROG_LOAD" for 5), or NULL if unknown. */
const char *bpfnames_cmd(uint64_t cmd);

#endif
