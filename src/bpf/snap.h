/* SPDX-License-Identifier: Apache-2.0 */
/*
 * snap - one pass over every BPF program, map and link in the kernel:
 * get_next_id -> get_fd_by_id -> bpf_obj_get_info_by_fd -> memlock from
 * /proc/self/fdinfo -> close.  It produces plain structs and owns nothing
 * else; every fd it opens is closed before snap_take() returns.  The walk
 * is here; what it reads of each kind is in snap_prog.c, snap_map.c,
 * snap_link.c and snap_btf.c.  BTF objects and the objects pinned in bpffs
 * (snap_pin.c) are walked only when asked for (struct snap.want).
 *
 * The programs can come instead from one read of the exporter's own
 * iter/bpf_prog program (struct snap.iters with bpfme_progs loaded): the
 * same fields, read where the kernel's info and fdinfo read them, with no
 * fd opened per program (iters.h, src/bpf/progs/bpfme_progs.bpf.c).  When
 * that read fails, the programs are walked as above (logged, rate-limited).
 * Maps and links are always walked: a map's memlock is its map_mem_usage()
 * callback's, which a BPF program cannot call, and a link's target is read
 * per link type (linktarget.h).
 *
 * An object that disappears between listing and opening (ENOENT) is normal
 * churn: it is skipped and counted in vanished[], never an error.
 */
#ifndef BPFME_SNAPSHOT_H
#define BPFME_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "lib/buf.h"

#define SNAP_NAME_LEN 16	/* BPF_OBJ_NAME_LEN */

enum snap_kind { SNAP_PROG, SNAP_MAP, SNAP_LINK, SNAP_BTF, SNAP_NR_KINDS };

/* What snap_take() walks (struct snap.want); snap_init() sets SNAP_WANT_OBJECTS. */
#define SNAP_WANT_OBJECTS (1u << 0)	/* programs, maps, links */
#define SNAP_WANT_BTF (1u << 1)		/* BTF objects */
#define SNAP_WANT_PINS (1u << 2)	/* objects pinned in every bpffs mounted */

/* Bounds of the walk of the bpffs mounts (snap_pin.c). */
#define SNAP_PIN_MAX_DEPTH 16		/* directories below a mount point */
#define SNAP_PIN_MAX_PINS 100000	/* pinned objects listed, all mounts */
#define SNAP_BTF_NAME_LEN 64		/* module names are at most 56 bytes */

struct snap_prog {
	uint32_t id;
	uint32_t type;
	char name[SNAP_NAME_LEN + 1];
	uint8_t tag[8];
	int gpl_compatible;
	uint32_t nr_map_ids;
	size_t map_ids_off;		/* index into snap.map_ids */
	uint64_t load_time_ns;		/* kernel: ns since boot (CLOCK_BOOTTIME) */
	uint32_t jited_len;
	uint32_t xlated_len;
	uint64_t memlock;		/* bytes, from fdinfo; 0 if unknown */
	uint32_t verified_insns;
	/* counted only while the kernel's BPF stats are on (bpf_stats_enabled) */
	uint64_t run_cnt;
	uint64_t run_time_ns;
	uint64_t recursion_misses;	/* runs skipped: the program was already running on the CPU */
};

struct snap_map {
	uint32_t id;
	uint32_t type;
	char name[SNAP_NAME_LEN + 1];
	uint32_t key_size;
	uint32_t value_size;
	uint32_t max_entries;
	uint32_t flags;
	uint64_t memlock;
};

struct snap_link {
	uint32_t id;
	uint32_t type;
	uint32_t prog_id;
	uint32_t attach_type;		/* BPF_* attach type, when has_attach_type */
	bool has_attach_type;		/* the kernel says one for this link type */
	size_t target_off;		/* what it is attached to: snap_link_target() */
	/* for the walk's last step only (snap_link.c) */
	bool target_pending;
	uint64_t target_id;
	uint32_t target_btf_id;
};

struct snap_btf {
	uint32_t id;
	uint32_t size;			/* bytes of BTF data */
	int kernel;			/* vmlinux or a module's, not a program's */
	char name[SNAP_BTF_NAME_LEN];	/* "vmlinux", the module's name, or "" */
};

/* One path under a bpffs mount at which an object is pinned. */
struct snap_pin {
	enum snap_kind kind;		/* SNAP_PROG, SNAP_MAP or SNAP_LINK */
	uint32_t id;
	size_t path_off;		/* index into snap.pin_paths: the absolute path */
};

struct iters;				/* bpf/iters.h */

struct snap {
	unsigned int want;		/* SNAP_WANT_*: what snap_take() walks */
	/* NULL, or the programs from its bpfme_progs when that is loaded */
	const struct iters *iters;
	/* set by snap_take(): the programs came from bpfme_progs */
	bool progs_by_iter;
	void *iter_buf;			/* bpfme_progs's records, reused */
	size_t iter_alloc;
	struct snap_prog *progs;
	size_t nr_progs, alloc_progs;
	struct snap_map *maps;
	size_t nr_maps, alloc_maps;
	struct snap_link *links;
	size_t nr_links, alloc_links;
	uint32_t *map_ids;		/* all programs' map ids, see snap_prog */
	/* NUL-terminated texts back to back (links' targets); offset 0 is "" */
	struct buf strs;
	size_t nr_map_ids, alloc_map_ids;
	struct snap_btf *btfs;		/* SNAP_WANT_BTF */
	size_t nr_btfs, alloc_btfs;
	struct snap_pin *pins;		/* SNAP_WANT_PINS, in walk order */
	size_t nr_pins, alloc_pins;
	char *pin_paths;		/* NUL-terminated paths, back to back */
	size_t pin_paths_len, alloc_pin_paths;
	/* the walk of the bpffs mounts stopped at a bound (SNAP_PIN_MAX_*) */
	int pins_truncated;
	/* objects listed but gone before they could be opened */
	uint64_t vanished[SNAP_NR_KINDS];
	/* objects skipped for another error (logged, rate-limited) */
	uint64_t failed[SNAP_NR_KINDS];
	/* CLOCK_REALTIME - CLOCK_BOOTTIME in ns, taken at the start of snap_take() */
	int64_t boot_to_wall_ns;
	/* CLOCK_MONOTONIC in ns at the start of snap_take() (monotime_ns) */
	uint64_t taken_ns;
	char error[128];		/* one-line reason when snap_take() fails */
};

/* snap_init() zeroes s (iters NULL); snap_release() frees and re-initialises it. */
void snap_init(struct snap *s);
void snap_release(struct snap *s);

/*
 * Fill s (which must be initialised; previous content is discarded but its
 * memory reused) with every program, map and link, and with what else
 * s->want asks for (BTF objects, pinned objects); the programs from
 * s->iters's bpfme_progs when it is loaded (s->progs_by_iter says so).  Returns 0, or -errno
 * when enumeration itself fails (-EPERM without CAP_SYS_ADMIN, -ENOMEM);
 * then s->error holds a one-line reason.  Thread-safe for distinct s.
 */
int snap_take(struct snap *s);

/*
 * How many programs, maps and links there are now, by walking their ids
 * (get_next_id alone: no fd is opened, no info read; about a microsecond
 * an object), for the landing page.  0, or -errno when a walk fails
 * (counts[] then holds what was counted).  Thread-safe.
 */
int snap_count(size_t counts[SNAP_NR_KINDS]);

/*
 * One program by id, without its map ids or memlock (what the audit side
 * remembers at LOAD).  0, or -errno (-ENOENT: gone already).
 */
int snap_prog_by_id(uint32_t id, struct snap_prog *out);

/*
 * The pinned objects under each bpffs mount point named in mountinfo (the
 * text of a /proc/PID/mountinfo, len bytes), appended to s->pins, walking
 * at most max_depth directories deep and listing at most max_pins (beyond
 * either, s->pins_truncated is set and the rest skipped).  snap_take() calls
 * it with /proc/self/mountinfo and SNAP_PIN_MAX_*.  Every fd it opens is
 * closed before it returns.  0, or -ENOMEM.
 */
int snap_pin_walk(struct snap *s, const char *mountinfo, size_t len, unsigned int max_depth,
		   size_t max_pins);

static inline const char *snap_pin_path(const struct snap *s, const struct snap_pin *p)
{
	return s->pin_paths + p->path_off;
}

static inline const uint32_t *snap_prog_map_ids(const struct snap *s,
						const struct snap_prog *p)
{
	return s->map_ids + p->map_ids_off;
}

/*
 * A link's target (linktarget.h says what it is per link type): "" for a
 * link type that names none.  Valid until s is taken again or released.
 */
static inline const char *snap_link_target(const struct snap *s, const struct snap_link *l)
{
	return l->target_off < s->strs.len ? s->strs.buf + l->target_off : "";
}

/* CLOCK_REALTIME - CLOCK_BOOTTIME now, in ns, read so that the two are close. */
int64_t snap_boot_to_wall_offset(void);
/*
 * Convert a kernel boot-time stamp to wall-clock.  *sec gets UTC unix
 * seconds (rounded down), and, if iso is not NULL, an RFC 3339 string
 * "YYYY-MM-DDTHH:MM:SSZ" is written to iso (at least 21 bytes).
 */
void snap_boot_to_wall(uint64_t boot_ns, int64_t offset_ns, int64_t *sec, char *iso);

/* A program tag as 16 lowercase hex digits (out holds 17 bytes). */
void snap_tag_hex(const uint8_t tag[8], char *out);

/* The name of a kind: "program", "map", "link", "btf". */
const char *snap_kind_name(enum snap_kind k);

#endif
