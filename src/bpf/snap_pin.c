// SPDX-License-Identifier: Apache-2.0
/*
 * snap_pin - the snapshot's pinned objects: every bpffs mounted in the
 * exporter's mount namespace (/proc/self/mountinfo), walked with directory
 * fds; each file is opened with BPF_OBJ_GET, its kind read from the fd's
 * link in /proc/self/fd and its id from its info, and closed at once.
 * Opening a pinned object and closing it again does not release it: the
 * pin holds its own reference.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "bpf/bpffd.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/mountinfo.h"
#include "lib/array.h"
#include "bpf/snap_ops.h"

#define MOUNTINFO_MAX (64u << 20)	/* bytes of /proc/self/mountinfo read */

static struct log_ratelimit truncated_rl = LOG_RATELIMIT_INIT(3600);

struct pin_walk {
	struct snap *s;
	unsigned int max_depth;
	size_t max_pins;
	int proc_fd;			/* /proc/self/fd, for an fd's kind */
	char path[PATH_MAX];		/* the directory being walked */
	size_t path_len;
	dev_t dev;			/* the mount's: another filesystem below is not walked */
	char **seen;			/* mount points walked already */
	size_t nr_seen;
	int err;			/* -ENOMEM */
};

/* The kind of a BPF fd from its /proc/self/fd link ("anon_inode:bpf-map"); -1 if none. */
static int fd_kind(int proc_fd, int fd)
{
	char name[16], target[64];
	ssize_t n;

	snprintf(name, sizeof(name), "%d", fd);
	n = readlinkat(proc_fd, name, target, sizeof(target) - 1);
	if (n <= 0)
		return -1;
	return bpffd_kind(target, (size_t)n);
}

/* The object pinned at w->path + "/" + name; 0, or -ENOMEM. Objects that cannot be read are left out. */
static int add_pin(struct pin_walk *w, const char *name)
{
	union {
		struct bpf_prog_info prog;
		struct bpf_map_info map;
		struct bpf_link_info link;
	} info;
	__u32 lens[] = { [SNAP_PROG] = sizeof(info.prog), [SNAP_MAP] = sizeof(info.map),
			 [SNAP_LINK] = sizeof(info.link) };
	struct snap *s = w->s;
	size_t nlen = strlen(name), plen = w->path_len + 1 + nlen;
	struct snap_pin *p;
	int fd, kind, err;
	uint32_t id;

	if (plen >= sizeof(w->path))
		return 0;	/* BPF_OBJ_GET could not take it either */
	w->path[w->path_len] = '/';
	memcpy(w->path + w->path_len + 1, name, nlen + 1);
	fd = bpf_obj_get(w->path);
	w->path[w->path_len] = '\0';
	if (fd < 0)
		return 0;	/* unpinned meanwhile, or not an object */
	kind = fd_kind(w->proc_fd, fd);
	memset(&info, 0, sizeof(info));
	err = kind < 0 ? -EINVAL : bpf_obj_get_info_by_fd(fd, &info, &lens[kind]);
	close(fd);
	if (err)
		return 0;
	id = kind == SNAP_PROG ? info.prog.id : kind == SNAP_MAP ? info.map.id : info.link.id;
	if (array_grow((void **)&s->pins, &s->alloc_pins, s->nr_pins + 1, sizeof(*s->pins)) ||
	    array_grow((void **)&s->pin_paths, &s->alloc_pin_paths, s->pin_paths_len + plen + 1, 1))
		return -ENOMEM;
	p = &s->pins[s->nr_pins++];
	p->kind = (enum snap_kind)kind;
	p->id = id;
	p->path_off = s->pin_paths_len;
	memcpy(s->pin_paths + s->pin_paths_len, w->path, w->path_len);
	s->pin_paths[s->pin_paths_len + w->path_len] = '/';
	memcpy(s->pin_paths + s->pin_paths_len + w->path_len + 1, name, nlen + 1);
	s->pin_paths_len += plen + 1;
	return 0;
}

/* The kernel's own iterators in a bpffs root (CONFIG_BPF_PRELOAD): not pins anyone made. */
static bool kernel_entry(const char *name)
{
	return !strcmp(name, "maps.debug") || !strcmp(name, "progs.debug");
}

/* Walk the directory fd (taken over and closed) at w->path, depth directories below the mount. */
static void walk_dir(struct pin_walk *w, int fd, unsigned int depth)
{
	DIR *d = fdopendir(fd);
	struct dirent *e;

	if (!d) {
		close(fd);
		return;
	}
	while (!w->err && (e = readdir(d)) != NULL) {
		const char *name = e->d_name;
		unsigned char type = e->d_type;
		struct stat st;

		if (!strcmp(name, ".") || !strcmp(name, "..") || kernel_entry(name))
			continue;
		if (type == DT_UNKNOWN) {
			if (fstatat(dirfd(d), name, &st, AT_SYMLINK_NOFOLLOW))
				continue;
			type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
		}
		if (type == DT_REG) {
			if (w->s->nr_pins >= w->max_pins) {
				w->s->pins_truncated = 1;
				break;
			}
			w->err = add_pin(w, name);
		} else if (type == DT_DIR) {
			size_t nlen = strlen(name), saved = w->path_len;
			int sub;

			if (depth + 1 > w->max_depth) {
				w->s->pins_truncated = 1;
				continue;
			}
			if (saved + 1 + nlen >= sizeof(w->path))
				continue;
			sub = openat(dirfd(d), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0)
				continue;
			if (fstat(sub, &st) || st.st_dev != w->dev) {
				close(sub);	/* another mount: walked on its own if it is a bpffs */
				continue;
			}
			w->path[saved] = '/';
			memcpy(w->path + saved + 1, name, nlen + 1);
			w->path_len = saved + 1 + nlen;
			walk_dir(w, sub, depth + 1);
			w->path_len = saved;
			w->path[saved] = '\0';
		}
	}
	closedir(d);
}

static int walk_mount(const char *mount_point, void *arg)
{
	struct pin_walk *w = arg;
	size_t len = strlen(mount_point);
	struct stat st;
	char **seen;
	int fd;

	for (size_t i = 0; i < w->nr_seen; i++)
		if (!strcmp(w->seen[i], mount_point))
			return 0;	/* mounted over: the top one is what the path shows */
	seen = realloc(w->seen, (w->nr_seen + 1) * sizeof(*seen));
	if (!seen)
		return -ENOMEM;
	w->seen = seen;
	if (!(seen[w->nr_seen] = strdup(mount_point)))
		return -ENOMEM;
	w->nr_seen++;
	if (len >= sizeof(w->path))
		return 0;
	fd = open(mount_point, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return 0;	/* not reachable from here (another root) */
	if (fstat(fd, &st)) {
		close(fd);
		return 0;
	}
	w->dev = st.st_dev;
	memcpy(w->path, mount_point, len + 1);
	/* "/" + name: a mount on / would give "//name" */
	w->path_len = len == 1 ? 0 : len;
	w->path[w->path_len] = '\0';
	walk_dir(w, fd, 0);
	return w->err;
}

int snap_pin_walk(struct snap *s, const char *mountinfo, size_t len, unsigned int max_depth,
		   size_t max_pins)
{
	struct pin_walk *w = calloc(1, sizeof(*w));
	int ret;

	if (!w)
		return -ENOMEM;
	w->s = s;
	w->max_depth = max_depth;
	w->max_pins = max_pins;
	w->proc_fd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ret = mountinfo_each(mountinfo, len, "bpf", walk_mount, w);
	if (w->proc_fd >= 0)
		close(w->proc_fd);
	for (size_t i = 0; i < w->nr_seen; i++)
		free(w->seen[i]);
	free(w->seen);
	free(w);
	return ret < 0 ? ret : 0;
}

int snap_pin_take(struct snap *s)
{
	struct buf text = BUF_INIT;
	int fd, ret;

	fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;	/* no /proc: no mounts to walk */
	ret = buf_read_fd(&text, fd, MOUNTINFO_MAX);
	close(fd);
	if (!ret)
		ret = snap_pin_walk(s, text.buf, text.len, SNAP_PIN_MAX_DEPTH, SNAP_PIN_MAX_PINS);
	else if (ret != -ENOMEM)
		ret = 0;	/* a read error: no pins this time */
	if (s->pins_truncated && log_ratelimit_ok(&truncated_rl))
		log_warnx("pinned objects: the walk of the bpffs mounts stopped at its bound (%d "
			  "directories deep, %d objects); the rest are not listed (logged once an hour)",
			  SNAP_PIN_MAX_DEPTH, SNAP_PIN_MAX_PINS);
	buf_release(&text);
	return ret;
}
