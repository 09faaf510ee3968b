// SPDX-License-Identifier: Apache-2.0
/* collectors - the table of the collectors, handed to the framework and the flags; see collectors.h. */
#include "collectors.h"

static const struct coll_def defs[] = {
	{ "core", true, "every BPF program, map and link (bpf_program_*, bpf_map_*, bpf_link_*)",
	  &coll_core_ops },
	{ "audit", true, "BPF program LOAD/UNLOAD events from the kernel audit log (bpf_audit_*, /events)",
	  &coll_audit_ops },
	{ "loaders", true, "the process that loaded each program, from its LOAD event (bpf_program_loader_info)",
	  &coll_loaders_ops },
	{ "holders", true, "the processes holding each BPF program, map and link (bpf_*_holder_info)",
	  &coll_holders_ops },
	{ "entries", true, "the number of elements of every hash-kind BPF map, as the kernel counts "
	  "them (bpf_map_entries; Linux 6.6 or later)", &coll_entries_ops },
	{ "stats", true, "run count, run time and recursion misses of every BPF program, counted while "
	  "the kernel's BPF stats are on (bpf_program_run_*, bpf_program_recursion_misses, "
	  "bpf_stats_enabled)", &coll_stats_ops },
	{ "btf", false, "every BTF object: the kernel's, its modules', those programs load "
	  "(bpf_btf_*)", &coll_btf_ops },
	{ "pins", false, "every object pinned in a bpffs mounted in the exporter's mount namespace "
	  "(bpf_pin_info)", &coll_pins_ops },
};
#define NR_DEFS (sizeof(defs) / sizeof(defs[0]))
_Static_assert(NR_DEFS <= COLL_MAX, "raise COLL_MAX");
_Static_assert(NR_DEFS <= FLAGS_MAX_COLLECTORS, "raise FLAGS_MAX_COLLECTORS");

static const struct coll_ops *const exporter[] = { &coll_http_ops, &coll_process_ops };

const struct coll_table collectors_table = {
	.defs = defs,
	.nr_defs = NR_DEFS,
	.own = &coll_exporter_ops,
	.exporter = exporter,
	.nr_exporter = sizeof(exporter) / sizeof(exporter[0]),
};

size_t collectors_flags(struct flags_collector *out, size_t max)
{
	for (size_t i = 0; i < NR_DEFS && i < max; i++)
		out[i] = (struct flags_collector){ defs[i].name, defs[i].default_on, defs[i].help };
	return NR_DEFS;
}
