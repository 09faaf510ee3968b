/* SPDX-License-Identifier: Apache-2.0 */
/*
 * iters - the exporter's own BPF programs: BPF iterators built from
 * src/bpf/progs/ and embedded in the binary (bpftool gen skeleton: the ELF
 * object is a byte array of the binary; nothing is read from disk).
 *
 *   bpfme_holders  iter/task_file: (tgid, fd, kind, id) of every BPF fd of
 *                  every process, in one read (the holders collector)
 *   bpfme_entries  iter/bpf_map: the element count of every map, from the
 *                  kfunc bpf_map_sum_elem_count (Linux 6.6; bpf_map_entries)
 *   bpfme_progs    iter/bpf_prog: every program's info, map ids, memlock and
 *                  run counters, as bpf_obj_get_info_by_fd and fdinfo give
 *                  them (the snapshot's programs, snap_prog.c)
 *
 * iters_load() loads and attaches each once, at start, while the exporter
 * still has the capabilities it takes (CAP_BPF and CAP_PERFMON, or
 * CAP_SYS_ADMIN); each read makes a fresh iterator fd from the held link
 * (BPF_ITER_CREATE, which needs no capability) and reads it to its end.
 * A program that does not load or verify (old kernel, no BTF, lockdown,
 * a missing kfunc or capability) is only absent; iters_load() says why,
 * for the caller's one log line.
 * The programs and links are real BPF objects and appear in the exporter's
 * own snapshot under these names.
 *
 * After iters_load(), reading is thread-safe (each read has its own fd).
 */
#ifndef BPFME_ITERS_H
#define BPFME_ITERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum iters_prog { ITERS_HOLDERS, ITERS_ENTRIES, ITERS_PROGS, ITERS_NR };

/* What bpfme_holders writes for each BPF fd. */
struct iters_holder {
	uint32_t tgid;
	uint32_t fd;
	uint32_t kind;		/* ITERS_KIND_* */
	uint32_t id;
};
#define ITERS_KIND_PROG 1
#define ITERS_KIND_MAP 2
#define ITERS_KIND_LINK 3

/* What bpfme_entries writes for each map. */
struct iters_entries {
	uint32_t id;
	uint32_t pad;
	int64_t count;		/* 0 for a map that counts no elements */
};

/*
 * What bpfme_progs writes for each program, followed by its nr_map_ids map
 * ids (uint32_t each); the records are packed back to back (8-byte fields
 * fall on 8-byte boundaries only when nr_map_ids is even: read them with
 * memcpy).  Each field is the one bpf_prog_get_info_by_fd() gives; pages
 * is what fdinfo's memlock counts (memlock = pages * the page size).
 */
struct iters_prog_rec {
	uint32_t id;
	uint32_t type;
	char name[16];		/* not always NUL-terminated */
	uint8_t tag[8];
	uint32_t gpl_compatible;
	uint32_t jited_len;
	uint32_t xlated_len;
	uint32_t verified_insns;
	uint32_t pages;
	uint32_t nr_map_ids;
	uint64_t load_time;	/* ns since boot */
	uint64_t run_cnt;
	uint64_t run_time_ns;
	uint64_t misses;
};

struct iters {
	void *skel[ITERS_NR];		/* struct bpfme_<name> *, NULL: not loaded */
	struct bpf_link *link[ITERS_NR];
	int err[ITERS_NR];		/* 0 loaded; -errno why not; -ENODATA: not asked for */
	char why[ITERS_NR][160];	/* the reason logged when it did not load */
};

/* The program's name, "bpfme_holders", "bpfme_entries" or "bpfme_progs". */
const char *iters_name(enum iters_prog p);

/*
 * Load and attach the programs of want (a bit set, 1u << ITERS_*) into it
 * (zeroed first).  Never fails as a whole: each program that cannot load
 * has it->err[p] set and it->why[p] a reason for the caller's one log line
 * ("the kernel lacks the kfunc ...").  libbpf's own messages (the
 * verifier's) are logged at debug level meanwhile.  Call it once,
 * single-threaded, before dropping capabilities.
 */
void iters_load(struct iters *it, unsigned int want);

/* Whether p is loaded. */
bool iters_ready(const struct iters *it, enum iters_prog p);

/*
 * One pass of program p: a fresh iterator fd, read to its end into *recs
 * (a malloc'd array of rec_size-byte records, grown as needed; *alloc
 * records of room), *nr records.  0, -ENODEV when p is not loaded, or the
 * -errno of creating or reading the iterator (-ENOMEM).
 */
int iters_read(const struct iters *it, enum iters_prog p, size_t rec_size, void **recs,
	       size_t *nr, size_t *alloc);

/* Detach and unload every program (it may be zeroed or partly loaded). */
void iters_release(struct iters *it);

#endif
