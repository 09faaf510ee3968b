// SPDX-License-Identifier: GPL-2.0
/*
 * bpfme_progs - an iter/bpf_prog program: for every BPF program, one record
 * (struct iters_prog, src/bpf/iters.h) followed by its nr_map_ids map ids
 * (__u32 each), written to the iterator's reader (src/bpf/snap_prog.c).
 * Every field is read where bpf_prog_get_info_by_fd() and the program's
 * fdinfo read it (kernel/bpf/syscall.c), so the values are the same:
 *
 *   id, name, load_time, verified_insns    prog->aux
 *   type, tag, gpl_compatible, len         prog
 *   jited length   prog->jited_len, or with subprograms the sum of
 *                  aux->func[i]->jited_len over aux->func_cnt
 *   map ids        aux->used_maps[i]->id over aux->used_map_cnt
 *   memlock        prog->pages (fdinfo prints pages << PAGE_SHIFT)
 *   run counters   prog->stats summed over the possible CPUs, as
 *                  bpf_prog_get_stats() sums them
 *
 * The run counters are per-CPU memory, and a CPU's copy is at prog->stats
 * plus that CPU's per-CPU offset.  Kernels whose BTF does not tag
 * prog->stats __percpu (this project's 6.18 among them) let no helper take
 * it, and without CONFIG_KALLSYMS_ALL no per-CPU variable (this_cpu_off)
 * can be named either; so the offsets are measured on a per-CPU array of
 * our own: bpf_map_lookup_percpu_elem() (Linux 5.19) gives its element's
 * address on each CPU, less the element's per-CPU base (the array's
 * pptrs[0]) that is the CPU's offset.  Addresses become numbers by a trip
 * through a global (a privileged program may store a pointer in a map).
 *
 * Local, minimal kernel structs relocated against the running kernel's BTF
 * (CO-RE): nothing of the build machine's kernel is used.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#include "bpfme_iter.h"

#define MAX_MAP_IDS 64		/* MAX_USED_MAPS */
#define MAX_FUNCS 256		/* BPF_MAX_SUBPROGS */
#define MAX_CPUS 8192

/* u64_stats_t on a 64-bit kernel: struct { local64_t v; }; only its offset is used */
struct bpf_prog_stats {
	struct { __u64 v; } cnt;
	struct { __u64 v; } nsecs;
	struct { __u64 v; } misses;
} __attribute__((preserve_access_index));

struct bpf_prog_aux {
	__u32 used_map_cnt;
	__u32 id;
	__u32 func_cnt;
	struct bpf_prog **func;
	struct bpf_map **used_maps;
	__u64 load_time;
	__u32 verified_insns;
	char name[16];
} __attribute__((preserve_access_index));

struct bpf_prog {
	__u16 pages;
	__u16 jited:1, jit_requested:1, gpl_compatible:1;
	enum bpf_prog_type type;	/* an enum as the kernel's, for CO-RE */
	__u32 len;
	__u32 jited_len;
	__u8 tag[8];
	struct bpf_prog_stats *stats;
	struct bpf_prog_aux *aux;
} __attribute__((preserve_access_index));

struct bpf_iter__bpf_prog {
	struct bpf_iter_meta *meta;
	struct bpf_prog *prog;
} __attribute__((preserve_access_index));

/* one per-CPU element, whose address on each CPU gives that CPU's per-CPU offset */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} bpfme_pcpu SEC(".maps");

/* a per-CPU array's elements: the per-CPU base address of each */
struct bpf_array {
	void *pptrs[0];
} __attribute__((preserve_access_index));

/* where an address is stored to be read back as a number */
__u64 bpfme_addr;

static __always_inline __u64 addr_of(const void *p)
{
	*(volatile __u64 *)&bpfme_addr = (__u64)p;
	return *(volatile __u64 *)&bpfme_addr;
}

/* set by the loader: the number of possible CPUs (0..nr_cpus-1, no holes) */
const volatile __u32 nr_cpus = 1;

/* As struct iters_prog (src/bpf/iters.h). */
struct rec {
	__u32 id;
	__u32 type;
	char name[16];
	__u8 tag[8];
	__u32 gpl_compatible;
	__u32 jited_len;
	__u32 xlated_len;
	__u32 verified_insns;
	__u32 pages;
	__u32 nr_map_ids;
	__u64 load_time;
	__u64 run_cnt;
	__u64 run_time_ns;
	__u64 misses;
};

static __always_inline __u64 read_u64(__u64 addr)
{
	__u64 v = 0;

	bpf_probe_read_kernel(&v, sizeof(v), (const void *)addr);
	return v;
}

SEC("iter/bpf_prog")
int bpfme_progs(struct bpf_iter__bpf_prog *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct bpf_prog *prog = ctx->prog;
	struct bpf_prog_aux *aux;
	struct bpf_map **used;
	struct bpf_prog **func;
	__u32 ids[MAX_MAP_IDS] = {};
	struct rec r = {};
	__u64 stats, base;
	__u32 n, i;

	if (!prog)
		return 0;
	aux = BPF_CORE_READ(prog, aux);
	r.id = BPF_CORE_READ(aux, id);
	r.type = BPF_CORE_READ(prog, type);
	BPF_CORE_READ_STR_INTO(&r.name, aux, name);
	BPF_CORE_READ_INTO(&r.tag, prog, tag);
	r.gpl_compatible = BPF_CORE_READ_BITFIELD_PROBED(prog, gpl_compatible);
	r.xlated_len = BPF_CORE_READ(prog, len) * 8;	/* sizeof(struct bpf_insn) */
	r.verified_insns = BPF_CORE_READ(aux, verified_insns);
	r.pages = BPF_CORE_READ(prog, pages);
	r.load_time = BPF_CORE_READ(aux, load_time);

	n = BPF_CORE_READ(aux, func_cnt);
	if (n) {
		func = BPF_CORE_READ(aux, func);
		for (i = 0; i < MAX_FUNCS && i < n; i++) {
			struct bpf_prog *f = NULL;

			bpf_probe_read_kernel(&f, sizeof(f), func + i);
			r.jited_len += BPF_CORE_READ(f, jited_len);
		}
	} else {
		r.jited_len = BPF_CORE_READ(prog, jited_len);
	}

	n = BPF_CORE_READ(aux, used_map_cnt);
	used = BPF_CORE_READ(aux, used_maps);
	for (i = 0; i < MAX_MAP_IDS && i < n; i++) {
		struct bpf_map *m = NULL;

		bpf_probe_read_kernel(&m, sizeof(m), used + i);
		ids[i] = BPF_CORE_READ(m, id);
	}
	r.nr_map_ids = i;

	stats = (__u64)BPF_CORE_READ(prog, stats);
	base = read_u64(addr_of(&bpfme_pcpu) + bpf_core_field_offset(struct bpf_array, pptrs));
	for (i = 0; i < MAX_CPUS && i < nr_cpus; i++) {
		__u32 zero = 0;
		void *elem = bpf_map_lookup_percpu_elem(&bpfme_pcpu, &zero, i);
		__u64 st;

		if (!elem || !base)
			break;
		st = stats + (addr_of(elem) - base);
		r.run_cnt += read_u64(st + bpf_core_field_offset(struct bpf_prog_stats, cnt));
		r.run_time_ns += read_u64(st + bpf_core_field_offset(struct bpf_prog_stats, nsecs));
		r.misses += read_u64(st + bpf_core_field_offset(struct bpf_prog_stats, misses));
	}

	bpf_seq_write(seq, &r, sizeof(r));
	n = r.nr_map_ids;
	if (n > MAX_MAP_IDS)
		n = MAX_MAP_IDS;
	asm volatile("" : "+r"(n));	/* the verifier must see this bound, not the compiler's */
	if (n > 0 && n <= MAX_MAP_IDS)
		bpf_seq_write(seq, ids, n * sizeof(ids[0]));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
