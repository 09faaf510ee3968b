/* SPDX-License-Identifier: Apache-2.0 */
/*
 * snapshot - one pass over every BPF program, map and link in the kernel:
 * get_next_id -> get_fd_by_id -> bpf_obj_get_info_by_fd -> memlock from
 * /proc/self/fdinfo -> close.  It produces plain structs and owns nothing
 * else; every fd it opens is closed before snap_take() returns.  The walk
 * is here; what it reads of each kind is in snap_prog.c, snap_map.c and
 * snap_link.c.
 *
 * An object that disappears between listing and opening (ENOENT) is normal
 * churn: it is skipped and counted in vanished[], never an error.
 */
#ifndef BPFME_SNAPSHOT_H
#define BPFME_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define SNAP_NAME_LEN 16	/* BPF_OBJ_NAME_LEN */

enum snap_kind { SNAP_PROG, SNAP_MAP, SNAP_LINK, SNAP_NR_KINDS };

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
};

struct snap {
	struct snap_prog *progs;
	size_t nr_progs, alloc_progs;
	struct snap_map *maps;
	size_t nr_maps, alloc_maps;
	struct snap_link *links;
	size_t nr_links, alloc_links;
	uint32_t *map_ids;		/* all programs' map ids, see snap_prog */
	size_t nr_map_ids, alloc_map_ids;
	/* objects listed but gone before they could be opened */
	uint64_t vanished[SNAP_NR_KINDS];
	/* objects skipped for another error (logged, rate-limited) */
	uint64_t failed[SNAP_NR_KINDS];
	/* CLOCK_REALTIME - CLOCK_BOOTTIME in ns, taken at the start of snap_take() */
	int64_t boot_to_wall_ns;
	char error[128];		/* one-line reason when snap_take() fails */
};

void snap_init(struct snap *s);
void snap_release(struct snap *s);

/*
 * Fill s (which must be initialised; previous content is discarded but its
 * memory reused) with every program, map and link.  Returns 0, or -errno
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

static inline const uint32_t *snap_prog_map_ids(const struct snap *s,
						const struct snap_prog *p)
{
	return s->map_ids + p->map_ids_off;
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

/* The name of a kind: "program", "map", "link". */
const char *snap_kind_name(enum snap_kind k);

#endif
