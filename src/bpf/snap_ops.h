/* SPDX-License-Identifier: Apache-2.0 */
/*
 * snap_ops - what the snapshot walk needs of each object kind, one file
 * per kind (snap_prog.c, snap_map.c, snap_link.c, snap_btf.c), as bpftool
 * does; the pinned objects are walked by snap_pin.c.  For
 * the snapshot's files only; the rest of the exporter uses snap.h.
 */
#ifndef BPFME_SNAP_OPS_H
#define BPFME_SNAP_OPS_H

#include <stddef.h>
#include <stdint.h>

#include <linux/types.h>

#include "bpf/snap.h"

struct snap_kind_ops {
	int (*next_id)(__u32 start, __u32 *next);	/* libbpf's: 0, -ENOENT at the end */
	int (*fd_by_id)(__u32 id);			/* the fd or -errno */
	/* Read the object behind fd into s (fdinfo through dirfd); 0 or -errno. */
	int (*add)(struct snap *s, int fd, int dirfd);
	/* Optional: after a whole walk of the kind (no fd open); 0 or -ENOMEM. */
	int (*finish)(struct snap *s);
};

extern const struct snap_kind_ops snap_prog_ops, snap_map_ops, snap_link_ops, snap_btf_ops;

/*
 * The programs from one read of bpfme_progs (s->iters), appended to
 * s->progs and s->map_ids; no fd is opened.  0, -ENODEV when it is not
 * loaded, -EPROTO for a record cut short, or the read's -errno (-ENOMEM).
 * On an error s->progs and s->map_ids are as they were before.
 */
int snap_prog_iter(struct snap *s);

/* The pinned objects of every bpffs in /proc/self/mountinfo (snap_pin.c); 0 or -ENOMEM. */
int snap_pin_take(struct snap *s);

#endif
