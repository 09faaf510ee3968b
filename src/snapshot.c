// SPDX-License-Identifier: Apache-2.0
/* snapshot - one enumeration pass over the kernel's BPF programs, maps and links. */
#include "snapshot.h"

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

#include "log.h"

#define MAP_IDS_GUESS 64	/* map ids asked for in the first info call */

static struct log_ratelimit failed_rl = LOG_RATELIMIT_INIT(60);

static const char *const kind_names[SNAP_NR_KINDS] = {
	[SNAP_PROG] = "program", [SNAP_MAP] = "map", [SNAP_LINK] = "link",
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
}

void snap_release(struct snap *s)
{
	free(s->progs);
	free(s->maps);
	free(s->links);
	free(s->map_ids);
	snap_init(s);
}

static int grow(void **arr, size_t *alloc, size_t need, size_t size)
{
	size_t n = *alloc ? *alloc : 64;
	void *p;

	if (need <= *alloc)
		return 0;
	while (n < need)
		n *= 2;
	p = realloc(*arr, n * size);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*alloc = n;
	return 0;
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

/* memlock of an fd from /proc/self/fdinfo/<fd>; 0 if the kernel does not say. */
static uint64_t fdinfo_memlock(int dirfd, int fd)
{
	char name[16], text[1024];
	const char *p;
	ssize_t n;
	int f;

	if (dirfd < 0)
		return 0;
	snprintf(name, sizeof(name), "%d", fd);
	f = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (f < 0)
		return 0;
	n = read(f, text, sizeof(text) - 1);
	close(f);
	if (n <= 0)
		return 0;
	text[n] = '\0';
	p = strstr(text, "\nmemlock:");
	if (!p)
		return 0;
	return strtoull(p + 9, NULL, 10);
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

static int add_prog(struct snap *s, int fd, int dirfd)
{
	struct bpf_prog_info info;
	struct snap_prog *p;
	__u32 len, want = MAP_IDS_GUESS;
	int err;

	for (;;) {
		err = grow((void **)&s->map_ids, &s->alloc_map_ids,
			   s->nr_map_ids + want, sizeof(*s->map_ids));
		if (err)
			return err;
		memset(&info, 0, sizeof(info));
		/* zeroed like every info struct: tools like valgrind cannot see the kernel fill it */
		memset(s->map_ids + s->nr_map_ids, 0, want * sizeof(*s->map_ids));
		info.nr_map_ids = want;
		info.map_ids = (__u64)(uintptr_t)(s->map_ids + s->nr_map_ids);
		len = sizeof(info);
		err = bpf_obj_get_info_by_fd(fd, &info, &len);
		if (err)
			return err;
		if (info.nr_map_ids <= want)
			break;
		want = info.nr_map_ids;	/* more maps than guessed: ask again */
	}
	err = grow((void **)&s->progs, &s->alloc_progs, s->nr_progs + 1, sizeof(*s->progs));
	if (err)
		return err;
	p = &s->progs[s->nr_progs++];
	p->id = info.id;
	p->type = info.type;
	memcpy(p->name, info.name, SNAP_NAME_LEN);
	p->name[SNAP_NAME_LEN] = '\0';
	memcpy(p->tag, info.tag, sizeof(p->tag));
	p->gpl_compatible = info.gpl_compatible;
	p->nr_map_ids = info.nr_map_ids;
	p->map_ids_off = s->nr_map_ids;
	s->nr_map_ids += info.nr_map_ids;
	p->load_time_ns = info.load_time;
	p->jited_len = info.jited_prog_len;
	p->xlated_len = info.xlated_prog_len;
	p->verified_insns = info.verified_insns;
	p->memlock = fdinfo_memlock(dirfd, fd);
	return 0;
}

static int add_map(struct snap *s, int fd, int dirfd)
{
	struct bpf_map_info info;
	struct snap_map *m;
	__u32 len = sizeof(info);
	int err;

	memset(&info, 0, sizeof(info));
	err = bpf_obj_get_info_by_fd(fd, &info, &len);
	if (err)
		return err;
	err = grow((void **)&s->maps, &s->alloc_maps, s->nr_maps + 1, sizeof(*s->maps));
	if (err)
		return err;
	m = &s->maps[s->nr_maps++];
	m->id = info.id;
	m->type = info.type;
	memcpy(m->name, info.name, SNAP_NAME_LEN);
	m->name[SNAP_NAME_LEN] = '\0';
	m->key_size = info.key_size;
	m->value_size = info.value_size;
	m->max_entries = info.max_entries;
	m->flags = info.map_flags;
	m->memlock = fdinfo_memlock(dirfd, fd);
	return 0;
}

static int add_link(struct snap *s, int fd, int dirfd)
{
	struct bpf_link_info info;
	struct snap_link *l;
	__u32 len = sizeof(info);
	int err;

	(void)dirfd;
	memset(&info, 0, sizeof(info));
	err = bpf_obj_get_info_by_fd(fd, &info, &len);
	if (err)
		return err;
	err = grow((void **)&s->links, &s->alloc_links, s->nr_links + 1, sizeof(*s->links));
	if (err)
		return err;
	l = &s->links[s->nr_links++];
	l->id = info.id;
	l->type = info.type;
	l->prog_id = info.prog_id;
	return 0;
}

static const struct {
	int (*next_id)(__u32 start, __u32 *next);
	int (*fd_by_id)(__u32 id);
	int (*add)(struct snap *s, int fd, int dirfd);
} ops[SNAP_NR_KINDS] = {
	[SNAP_PROG] = { bpf_prog_get_next_id, bpf_prog_get_fd_by_id, add_prog },
	[SNAP_MAP] = { bpf_map_get_next_id, bpf_map_get_fd_by_id, add_map },
	[SNAP_LINK] = { bpf_link_get_next_id, bpf_link_get_fd_by_id, add_link },
};

/* One kind's walk; programs run on their own thread beside maps and links. */
struct walk {
	struct snap *s;
	int dirfd;
	int err;
	char error[sizeof(((struct snap *)0)->error)];
};

static int walk(struct walk *w, enum snap_kind kind)
{
	struct snap *s = w->s;
	__u32 id = 0;
	int err, fd;

	for (;;) {
		err = ops[kind].next_id(id, &id);
		if (err == -ENOENT)
			return 0;
		if (err) {
			set_error(w->error, sizeof(w->error), kind, "listing", err);
			return err;
		}
		fd = ops[kind].fd_by_id(id);
		if (fd < 0) {
			if (fd == -ENOENT)
				s->vanished[kind]++;
			else
				note_failure(s, kind, id, "opening", fd);
			continue;
		}
		err = ops[kind].add(s, fd, w->dirfd);
		close(fd);
		if (err == -ENOMEM) {
			set_error(w->error, sizeof(w->error), kind, "reading", err);
			return err;
		}
		if (err)
			note_failure(s, kind, id, "reading info", err);
	}
}

static void *walk_progs(void *arg)
{
	struct walk *w = arg;

	w->err = walk(w, SNAP_PROG);
	return NULL;
}

int snap_take(struct snap *s)
{
	struct walk progs = { .s = s }, rest = { .s = s };
	pthread_t thread;
	bool threaded;

	s->nr_progs = s->nr_maps = s->nr_links = s->nr_map_ids = 0;
	memset(s->vanished, 0, sizeof(s->vanished));
	memset(s->failed, 0, sizeof(s->failed));
	s->error[0] = '\0';
	s->boot_to_wall_ns = snap_boot_to_wall_offset();

	/*
	 * The walk is bound by syscalls, not by this thread: programs (and
	 * their map ids) on a second thread halve a scrape's latency on an SMP
	 * machine.  The two walks write disjoint parts of s.
	 */
	progs.dirfd = rest.dirfd = open("/proc/self/fdinfo", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	threaded = pthread_create(&thread, NULL, walk_progs, &progs) == 0;
	if (!threaded)
		walk_progs(&progs);
	rest.err = walk(&rest, SNAP_MAP);
	if (!rest.err)
		rest.err = walk(&rest, SNAP_LINK);
	if (threaded)
		pthread_join(thread, NULL);
	if (progs.dirfd >= 0)
		close(progs.dirfd);
	if (progs.err) {
		memcpy(s->error, progs.error, sizeof(s->error));
		return progs.err;
	}
	if (rest.err)
		memcpy(s->error, rest.error, sizeof(s->error));
	return rest.err;
}
