// SPDX-License-Identifier: Apache-2.0
/* snap - one enumeration pass over the kernel's BPF programs, maps and links. */
#include "bpf/snap.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "bpf/iters.h"
#include "lib/array.h"
#include "lib/log.h"
#include "lib/monotime.h"
#include "bpf/snap_ops.h"

static struct log_ratelimit failed_rl = LOG_RATELIMIT_INIT(60);
static struct log_ratelimit iter_rl = LOG_RATELIMIT_INIT(60);

static const char *const kind_names[SNAP_NR_KINDS] = {
	[SNAP_PROG] = "program", [SNAP_MAP] = "map", [SNAP_LINK] = "link", [SNAP_BTF] = "btf",
};

const char *snap_kind_name(enum snap_kind k)
{
	return k < SNAP_NR_KINDS ? kind_names[k] : "unknown";
}

void snap_tag_hex(const uint8_t tag[8], char *out)
{
	static const char hex[] = "0123456789abcdef";

	for (int i = 0; i < 8; i++) {
		out[2 * i] = hex[tag[i] >> 4];
		out[2 * i + 1] = hex[tag[i] & 15];
	}
	out[16] = '\0';
}

void snap_init(struct snap *s)
{
	memset(s, 0, sizeof(*s));
	s->want = SNAP_WANT_OBJECTS;
	buf_init(&s->strs, 0);
}

static const struct snap_kind_ops *const snap_kinds[SNAP_NR_KINDS] = {
	[SNAP_PROG] = &snap_prog_ops, [SNAP_MAP] = &snap_map_ops, [SNAP_LINK] = &snap_link_ops,
	[SNAP_BTF] = &snap_btf_ops,
};

void snap_release(struct snap *s)
{
	free(s->progs);
	free(s->maps);
	free(s->links);
	free(s->map_ids);
	free(s->btfs);
	free(s->pins);
	free(s->pin_paths);
	free(s->iter_buf);
	buf_release(&s->strs);
	snap_init(s);
}

int64_t snap_boot_to_wall_offset(void)
{
	struct timespec r1, b, r2;
	int64_t real;

	clock_gettime(CLOCK_REALTIME, &r1);
	clock_gettime(CLOCK_BOOTTIME, &b);
	clock_gettime(CLOCK_REALTIME, &r2);
	real = ((int64_t)r1.tv_sec * 1000000000 + r1.tv_nsec) / 2 +
	       ((int64_t)r2.tv_sec * 1000000000 + r2.tv_nsec) / 2;
	return real - ((int64_t)b.tv_sec * 1000000000 + b.tv_nsec);
}

void snap_boot_to_wall(uint64_t boot_ns, int64_t offset_ns, int64_t *sec, char *iso)
{
	int64_t wall = (int64_t)boot_ns + offset_ns;
	int64_t s = wall / 1000000000;
	struct tm tm;
	time_t t;

	if (wall < 0 && wall % 1000000000)
		s--;	/* floor, not truncation */
	*sec = s;
	if (!iso)
		return;
	t = (time_t)s;
	if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 > 9999 || tm.tm_year + 1900 < 0 ||
	    !strftime(iso, 21, "%Y-%m-%dT%H:%M:%SZ", &tm))
		strcpy(iso, "1970-01-01T00:00:00Z");
}

static void set_error(char *error, size_t len, enum snap_kind kind, const char *what, int err)
{
	if (err == -EPERM)
		snprintf(error, len,
			 "%s BPF %ss: permission denied (needs CAP_SYS_ADMIN)", what,
			 kind_names[kind]);
	else
		snprintf(error, len, "%s BPF %ss: %s", what,
			 kind_names[kind], strerror(-err));
}

static void note_failure(struct snap *s, enum snap_kind kind, uint32_t id,
			 const char *what, int err)
{
	s->failed[kind]++;
	if (log_ratelimit_ok(&failed_rl))
		log_warnx("skipping BPF %s %u: %s: %s (further such messages suppressed for 60s)",
			  kind_names[kind], id, what, strerror(-err));
}

/*
 * One thread's walks: programs (and, when they come from bpfme_progs, the
 * links and half the maps too) run on a thread of their own beside the rest.
 */
struct walk {
	struct snap *s;
	int dirfd;
	bool by_iter;		/* programs from bpfme_progs, then links, odd maps */
	struct snap *odd;	/* by_iter: where the maps of odd ids go */
	int err;
	char error[sizeof(((struct snap *)0)->error)];
};

/* Walk kind into w->s; with halves, only the ids whose parity is odd's. */
static int walk_some(struct walk *w, enum snap_kind kind, bool halves, unsigned int odd)
{
	struct snap *s = w->s;
	__u32 id = 0;
	int err, fd;

	for (;;) {
		err = snap_kinds[kind]->next_id(id, &id);
		if (!err && halves && (id & 1) != odd)
			continue;
		if (err == -ENOENT && snap_kinds[kind]->finish) {
			err = snap_kinds[kind]->finish(s);
			if (err)
				set_error(w->error, sizeof(w->error), kind, "naming", err);
			return err;
		}
		if (err == -ENOENT)
			return 0;
		if (err) {
			set_error(w->error, sizeof(w->error), kind, "listing", err);
			return err;
		}
		fd = snap_kinds[kind]->fd_by_id(id);
		if (fd < 0) {
			if (fd == -ENOENT)
				s->vanished[kind]++;
			else
				note_failure(s, kind, id, "opening", fd);
			continue;
		}
		err = snap_kinds[kind]->add(s, fd, w->dirfd);
		close(fd);
		if (err == -ENOMEM) {
			set_error(w->error, sizeof(w->error), kind, "reading", err);
			return err;
		}
		if (err)
			note_failure(s, kind, id, "reading info", err);
	}
}

static int walk(struct walk *w, enum snap_kind kind)
{
	return walk_some(w, kind, false, 0);
}

/* The programs from bpfme_progs; when its read fails, from the walk of fds. */
static int progs_by_iter(struct walk *w)
{
	int err = snap_prog_iter(w->s);

	if (!err) {
		w->s->progs_by_iter = true;
		return 0;
	}
	if (log_ratelimit_ok(&iter_rl))
		log_warnx("reading the BPF programs from the iterator bpfme_progs failed (%s): "
			  "opening each instead (further such messages suppressed for 60s)",
			  strerror(-err));
	return walk(w, SNAP_PROG);
}

static void *walk_progs(void *arg)
{
	struct walk *w = arg;

	if (!w->by_iter) {
		w->err = walk(w, SNAP_PROG);
		return NULL;
	}
	w->err = progs_by_iter(w);
	if (!w->err)
		w->err = walk(w, SNAP_LINK);
	if (!w->err) {
		struct walk maps = { .s = w->odd, .dirfd = w->dirfd };

		w->err = walk_some(&maps, SNAP_MAP, true, 1);
		if (w->err)
			memcpy(w->error, maps.error, sizeof(w->error));
	}
	return NULL;
}

/*
 * The maps of odd ids (in odd, by the second thread) merged into s's of
 * even ids, in the order of their ids as one walk lists them.  0 or -ENOMEM.
 */
static int merge_maps(struct snap *s, const struct snap *odd)
{
	size_t i, j, k;
	int err;

	for (int kind = 0; kind < SNAP_NR_KINDS; kind++) {
		s->vanished[kind] += odd->vanished[kind];
		s->failed[kind] += odd->failed[kind];
	}
	if (!odd->nr_maps)
		return 0;
	err = array_grow((void **)&s->maps, &s->alloc_maps, s->nr_maps + odd->nr_maps,
			 sizeof(*s->maps));
	if (err)
		return err;
	/* from the back, so that s's own maps move at most once */
	i = s->nr_maps;
	j = odd->nr_maps;
	k = i + j;
	while (j) {
		if (i && s->maps[i - 1].id > odd->maps[j - 1].id)
			s->maps[--k] = s->maps[--i];
		else
			s->maps[--k] = odd->maps[--j];
	}
	s->nr_maps += odd->nr_maps;
	return 0;
}

int snap_take(struct snap *s)
{
	struct walk progs = { .s = s }, rest = { .s = s };
	struct snap odd;
	pthread_t thread;
	bool threaded;

	s->nr_progs = s->nr_maps = s->nr_links = s->nr_map_ids = s->nr_btfs = 0;
	s->nr_pins = s->pin_paths_len = 0;
	s->pins_truncated = 0;
	s->progs_by_iter = false;
	memset(s->vanished, 0, sizeof(s->vanished));
	memset(s->failed, 0, sizeof(s->failed));
	s->error[0] = '\0';
	buf_reset(&s->strs);
	buf_add(&s->strs, "", 1);	/* offset 0: the empty text */
	s->boot_to_wall_ns = snap_boot_to_wall_offset();
	s->taken_ns = monotime_ns();

	/*
	 * The walk is bound by syscalls, not by this thread: programs (and
	 * their map ids) on a second thread halve a scrape's latency on an SMP
	 * machine.  When the programs are one read of bpfme_progs, that thread
	 * walks the links after it, and the maps of odd ids into a snapshot of
	 * its own (merged after the join); this one the maps of even ids.  The
	 * two threads write disjoint parts of s.
	 */
	snap_init(&odd);
	progs.by_iter = s->iters && iters_ready(s->iters, ITERS_PROGS);
	progs.odd = &odd;
	progs.dirfd = rest.dirfd = open("/proc/self/fdinfo", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	threaded = (s->want & SNAP_WANT_OBJECTS) &&
		   pthread_create(&thread, NULL, walk_progs, &progs) == 0;
	if (!threaded && (s->want & SNAP_WANT_OBJECTS))
		walk_progs(&progs);
	if (s->want & SNAP_WANT_OBJECTS) {
		rest.err = walk_some(&rest, SNAP_MAP, progs.by_iter, 0);
		if (!rest.err && !progs.by_iter)
			rest.err = walk(&rest, SNAP_LINK);
	}
	if (!rest.err && (s->want & SNAP_WANT_BTF))
		rest.err = walk(&rest, SNAP_BTF);
	if (!rest.err && (s->want & SNAP_WANT_PINS)) {
		rest.err = snap_pin_take(s);
		if (rest.err)
			snprintf(rest.error, sizeof(rest.error), "walking the bpffs mounts: %s",
				 strerror(-rest.err));
	}
	if (threaded)
		pthread_join(thread, NULL);
	if (progs.dirfd >= 0)
		close(progs.dirfd);
	if (progs.by_iter && !progs.err && !rest.err) {
		rest.err = merge_maps(s, &odd);
		if (rest.err)
			set_error(rest.error, sizeof(rest.error), SNAP_MAP, "reading", rest.err);
	}
	snap_release(&odd);
	if (progs.err) {
		memcpy(s->error, progs.error, sizeof(s->error));
		return progs.err;
	}
	if (rest.err)
		memcpy(s->error, rest.error, sizeof(s->error));
	return rest.err;
}

int snap_count(size_t counts[SNAP_NR_KINDS])
{
	for (int kind = 0; kind < SNAP_NR_KINDS; kind++) {
		__u32 id = 0;
		int err;

		counts[kind] = 0;
		while (!(err = snap_kinds[kind]->next_id(id, &id)))
			counts[kind]++;
		if (err != -ENOENT)
			return err;
	}
	return 0;
}
