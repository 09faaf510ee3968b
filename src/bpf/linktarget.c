// SPDX-License-Identifier: Apache-2.0
/* linktarget - what a BPF link is attached to, in words (see linktarget.h). */
#include "bpf/linktarget.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <linux/bpf.h>

#include "bpf/bpffd.h"
#include "bpf/linkinfo.h"
#include "lib/mountinfo.h"

/* ---- the text ---- */

static const char *netfilter_pf(uint32_t pf)
{
	switch (pf) {
	case 1: return "inet";		/* NFPROTO_INET */
	case 2: return "ipv4";
	case 3: return "arp";
	case 5: return "netdev";
	case 7: return "bridge";
	case 10: return "ipv6";
	default: return NULL;
	}
}

/* The hook names of nft(8), per family. */
static const char *netfilter_hook(uint32_t pf, uint32_t hook)
{
	static const char *const inet[] = {
		"prerouting", "input", "forward", "output", "postrouting", "ingress",
	};
	static const char *const arp[] = { "input", "output", "forward" };
	static const char *const netdev[] = { "ingress", "egress" };

	switch (pf) {
	case 3:
		return hook < 3 ? arp[hook] : NULL;
	case 5:
		return hook < 2 ? netdev[hook] : NULL;
	default:
		return hook < 6 ? inet[hook] : NULL;
	}
}

static void add_name_or_u64(struct buf *out, const char *name, uint64_t v)
{
	if (name)
		buf_addstr(out, name);
	else
		buf_addu64(out, v);
}

static void format_perf_event(struct buf *out, const struct linktarget_target *t, const char *name)
{
	switch (t->perf_type) {
	case LI_PERF_TRACEPOINT:
		if (name)
			buf_addstr(out, name);
		break;
	case LI_PERF_KPROBE:
	case LI_PERF_KRETPROBE:
		if (name)
			buf_addf(out, "%s+0x%" PRIx64, name, t->offset);
		else	/* a probe on an address: id holds it */
			buf_addf(out, "0x%" PRIx64, t->id);
		break;
	case LI_PERF_UPROBE:
	case LI_PERF_URETPROBE:
		buf_addf(out, "%s:0x%" PRIx64, name ? name : "", t->offset);
		break;
	case LI_PERF_EV:
		buf_addf(out, "event:%" PRIu64 ":%" PRIu64, t->id, t->offset);
		break;
	}
}

void linktarget_format(struct buf *out, const struct linktarget_target *t)
{
	const char *name = t->name && *t->name ? t->name : NULL;
	const char *s;

	switch (t->link_type) {
	case LI_RAW_TRACEPOINT:
	case LI_ITER:
		if (name)
			buf_addstr(out, name);
		break;
	case LI_TRACING:
		if (t->target_prog) {
			buf_addf(out, "prog:%" PRIu64 ":", t->id);
			add_name_or_u64(out, name, t->btf_id);
		} else if (name) {
			buf_addstr(out, name);
		} else {
			buf_addf(out, "btf:%" PRIu64 ":%" PRIu32, t->id, t->btf_id);
		}
		break;
	case LI_CGROUP:
	case LI_XDP:
	case LI_TCX:
	case LI_NETKIT:
		if (name || t->id)	/* 0: detached (its cgroup or device is gone) */
			add_name_or_u64(out, name, t->id);
		break;
	case LI_NETNS:
		if (t->id)
			buf_addf(out, "net:[%" PRIu64 "]", t->id);
		break;
	case LI_PERF_EVENT:
		format_perf_event(out, t, name);
		break;
	case LI_KPROBE_MULTI:
		buf_addf(out, "%" PRIu32 " function%s", t->count, t->count == 1 ? "" : "s");
		for (size_t i = 0; i < t->nr_names && i < LT_MULTI_NAMES; i++) {
			buf_addstr(out, i ? "," : ": ");
			buf_addstr(out, t->names[i]);
		}
		if (t->nr_names && t->count > (t->nr_names < LT_MULTI_NAMES ? t->nr_names
								  : LT_MULTI_NAMES))
			buf_addstr(out, ",...");
		break;
	case LI_UPROBE_MULTI:
		buf_addf(out, "%" PRIu32 " probe%s", t->count, t->count == 1 ? "" : "s");
		if (name) {
			buf_addstr(out, ": ");
			buf_addstr(out, name);
		}
		break;
	case LI_NETFILTER:
		add_name_or_u64(out, netfilter_pf(t->pf), t->pf);
		buf_addch(out, '/');
		s = netfilter_hook(t->pf, t->hooknum);
		add_name_or_u64(out, s, t->hooknum);
		buf_addf(out, "/%" PRId32, t->priority);
		break;
	case LI_STRUCT_OPS:
	case LI_SOCKMAP:
		buf_addf(out, "map:%" PRIu64, t->id);
		break;
	}
}

#define SYMBOL_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.$"

size_t linktarget_kprobe_multi_names(const char *fdinfo, char (*names)[LT_FUNC_LEN], size_t max)
{
	const char *p = strstr(fdinfo, "\ncookie\t func\n");
	size_t n = 0;

	if (!p)
		return 0;
	p += strlen("\ncookie\t func\n");
	while (n < max && *p) {
		const char *end = strchr(p, '\n'), *sym;
		size_t len;

		if (!end)
			break;	/* cut short: the last line may be partial */
		sym = p + strspn(p, "0123456789");
		if (sym == p || strncmp(sym, "\t ", 2))
			break;
		sym += 2;
		/* a symbol's characters, up to "+0x" (or " [module]") */
		len = strspn(sym, SYMBOL_CHARS);
		if (len && len < LT_FUNC_LEN && strchr("+ \n", sym[len])) {
			memcpy(names[n], sym, len);
			names[n++][len] = '\0';
		}
		p = end + 1;
	}
	return n;
}

/* ---- cgroup paths ---- */

struct first_mount {
	char *out;
	size_t size;
	int err;
};

static int take_first(const char *mount_point, void *arg)
{
	struct first_mount *f = arg;
	size_t len = strlen(mount_point);

	if (len >= f->size) {
		f->err = -ENAMETOOLONG;
	} else {
		memcpy(f->out, mount_point, len + 1);
		f->err = 0;
	}
	return -1;	/* the first one is the one */
}

int linktarget_cgroup2_mount(const char *mountinfo, char *out, size_t size)
{
	struct first_mount f = { out, size, -ENOENT };

	*out = '\0';
	mountinfo_each(mountinfo, strlen(mountinfo), "cgroup2", take_first, &f);
	if (f.err)
		*out = '\0';
	return f.err;
}

struct cg_walk {
	const uint64_t *ids;
	size_t n, left;
	char **paths;
	size_t visited, max_dirs;
	char path[4096];
	size_t len;
};

static void cg_match(struct cg_walk *w, uint64_t ino)
{
	for (size_t i = 0; i < w->n; i++) {
		if (w->ids[i] != ino || w->paths[i])
			continue;
		w->paths[i] = strdup(w->len ? w->path : "/");
		if (w->paths[i])
			w->left--;
	}
}

/* Walk the directory dfd (closed here) whose path is w->path. */
static void cg_walk_dir(struct cg_walk *w, int dfd, int depth)
{
	DIR *d = fdopendir(dfd);
	struct dirent *de;

	if (!d) {
		close(dfd);
		return;
	}
	while (w->left && w->visited < w->max_dirs && (de = readdir(d))) {
		size_t nlen, saved = w->len;
		int sub;

		if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		nlen = strlen(de->d_name);
		if (w->len + 1 + nlen >= sizeof(w->path))
			continue;
		w->visited++;
		w->path[w->len++] = '/';
		memcpy(w->path + w->len, de->d_name, nlen + 1);
		w->len += nlen;
		cg_match(w, de->d_ino);
		if (w->left && depth + 1 < LT_CGROUP_DEPTH_MAX) {
			sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (sub >= 0)
				cg_walk_dir(w, sub, depth + 1);
		}
		w->len = saved;
		w->path[saved] = '\0';
	}
	closedir(d);
}

int linktarget_find_dirs(const char *root, const uint64_t *ids, size_t n, char **paths,
		 size_t max_dirs)
{
	struct cg_walk *w;
	struct stat st;
	int fd, err = 0;

	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->ids = ids, w->n = w->left = n, w->paths = paths, w->max_dirs = max_dirs;
	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	if (fstat(fd, &st) == 0)
		cg_match(w, st.st_ino);
	cg_walk_dir(w, fd, 0);
out:
	free(w);
	return err;
}

int linktarget_cgroup_paths(const uint64_t *ids, size_t n, char **paths)
{
	char mnt[4096];
	struct buf mi = BUF_INIT;
	int fd, err;

	fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = buf_read_fd(&mi, fd, 4 << 20);
	close(fd);
	if (!err)
		err = linktarget_cgroup2_mount(mi.buf, mnt, sizeof(mnt));
	buf_release(&mi);
	if (err)
		return err;
	return linktarget_find_dirs(mnt, ids, n, paths, LT_CGROUP_WALK_MAX);
}

/* ---- BTF names ---- */

struct linktarget_btf {
	bool prog;
	uint32_t id;
	struct btf *btf;
};

struct linktarget_btfs {
	struct btf *vmlinux;		/* the base of module BTF */
	bool vmlinux_tried;
	struct linktarget_btf *v;
	size_t n;
};

struct linktarget_btfs *linktarget_btfs_new(void)
{
	return calloc(1, sizeof(struct linktarget_btfs));
}

void linktarget_btfs_free(struct linktarget_btfs *b)
{
	if (!b)
		return;
	/* split BTF (modules) before its base */
	for (size_t i = b->n; i-- > 0;)
		btf__free(b->v[i].btf);
	free(b->v);
	btf__free(b->vmlinux);
	free(b);
}

/* Is BTF object id the kernel's vmlinux?  (Its name says so.) */
static int btf_is_vmlinux(uint32_t id, bool *vmlinux)
{
	struct bpf_btf_info info;
	char name[64] = "";
	int err;

	memset(&info, 0, sizeof(info));
	info.name = (__u64)(uintptr_t)name;
	info.name_len = sizeof(name);
	err = bpffd_info_by_id(bpf_btf_get_fd_by_id, id, &info, sizeof(info));
	name[sizeof(name) - 1] = '\0';
	*vmlinux = info.kernel_btf && !strcmp(name, "vmlinux");
	return err;
}

/* The BTF id of program id; 0 or -errno. */
static int prog_btf_id(uint32_t prog_id, uint32_t *btf_id)
{
	struct bpf_prog_info info;
	int err;

	memset(&info, 0, sizeof(info));
	err = bpffd_info_by_id(bpf_prog_get_fd_by_id, prog_id, &info, sizeof(info));
	if (!err && !info.btf_id)
		err = -ENOENT;
	*btf_id = info.btf_id;
	return err;
}

static struct btf *load_btf(struct linktarget_btfs *b, bool prog, uint32_t id, int *err)
{
	struct linktarget_btf *v;
	struct btf *btf = NULL;
	uint32_t btf_id = 0;
	bool vmlinux = false;

	for (size_t i = 0; i < b->n; i++)
		if (b->v[i].prog == prog && b->v[i].id == id)
			return b->v[i].btf;
	if (prog) {
		*err = prog_btf_id(id, &btf_id);
		if (!*err)
			btf = btf__load_from_kernel_by_id(btf_id);
	} else {
		*err = btf_is_vmlinux(id, &vmlinux);
		if (*err)
			return NULL;
		if (vmlinux) {
			btf = btf__load_from_kernel_by_id(id);
		} else {
			if (!b->vmlinux_tried) {
				b->vmlinux_tried = true;
				b->vmlinux = btf__load_vmlinux_btf();
			}
			if (!b->vmlinux) {
				*err = -ENOENT;
				return NULL;
			}
			btf = btf__load_from_kernel_by_id_split(id, b->vmlinux);
		}
	}
	if (*err)
		return NULL;
	if (!btf) {
		*err = -ENOENT;
		return NULL;
	}
	v = realloc(b->v, (b->n + 1) * sizeof(*b->v));
	if (!v) {
		btf__free(btf);
		*err = -ENOMEM;
		return NULL;
	}
	b->v = v;
	b->v[b->n++] = (struct linktarget_btf){ .prog = prog, .id = id, .btf = btf };
	return btf;
}

int linktarget_btf_name(struct linktarget_btfs *b, bool target_prog, uint32_t obj_id, uint32_t btf_id,
		char *out, size_t size)
{
	const struct btf_type *t;
	const char *name;
	struct btf *btf;
	int err = 0;

	*out = '\0';
	btf = load_btf(b, target_prog, obj_id, &err);
	if (!btf)
		return err;
	t = btf__type_by_id(btf, btf_id);
	name = t ? btf__name_by_offset(btf, t->name_off) : NULL;
	if (!name || !*name)
		return -ENOENT;
	if (strlen(name) >= size)
		return -ENAMETOOLONG;
	strcpy(out, name);
	return 0;
}

/* ---- targets by link id ---- */

struct linktarget_entry {
	uint32_t link_id;
	uint32_t seen;		/* the sweep generation it was last got or put in */
	char *text;
};

static struct {
	pthread_mutex_t lock;
	struct linktarget_entry *v;	/* sorted by link_id */
	size_t n, alloc;
	uint32_t gen;
} cache = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* The index of link_id, or where it would go; *found says which. */
static size_t cache_find(uint32_t link_id, bool *found)
{
	size_t lo = 0, hi = cache.n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cache.v[mid].link_id < link_id)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < cache.n && cache.v[lo].link_id == link_id;
	return lo;
}

bool linktarget_cache_get(uint32_t link_id, struct buf *out)
{
	bool found;
	size_t i;

	pthread_mutex_lock(&cache.lock);
	i = cache_find(link_id, &found);
	if (found) {
		cache.v[i].seen = cache.gen;
		buf_addstr(out, cache.v[i].text);
	}
	pthread_mutex_unlock(&cache.lock);
	return found;
}

void linktarget_cache_put(uint32_t link_id, const struct buf *b, size_t off)
{
	struct linktarget_entry *v;
	bool found;
	size_t i;
	char *copy;

	if (b->oom || off > b->len)
		return;
	pthread_mutex_lock(&cache.lock);
	i = cache_find(link_id, &found);
	if (found || cache.n >= LT_CACHE_MAX)
		goto out;
	if (cache.n == cache.alloc) {
		size_t alloc = cache.alloc ? 2 * cache.alloc : 64;

		v = realloc(cache.v, alloc * sizeof(*v));
		if (!v)
			goto out;
		cache.v = v;
		cache.alloc = alloc;
	}
	copy = strdup(b->buf + off);
	if (!copy)
		goto out;
	memmove(cache.v + i + 1, cache.v + i, (cache.n - i) * sizeof(*cache.v));
	cache.v[i] = (struct linktarget_entry){ .link_id = link_id, .seen = cache.gen, .text = copy };
	cache.n++;
out:
	pthread_mutex_unlock(&cache.lock);
}

void linktarget_cache_sweep(void)
{
	size_t w = 0;

	pthread_mutex_lock(&cache.lock);
	for (size_t i = 0; i < cache.n; i++) {
		if (cache.v[i].seen == cache.gen)
			cache.v[w++] = cache.v[i];
		else
			free(cache.v[i].text);
	}
	cache.n = w;
	cache.gen++;
	pthread_mutex_unlock(&cache.lock);
}

size_t linktarget_cache_size(void)
{
	size_t n;

	pthread_mutex_lock(&cache.lock);
	n = cache.n;
	pthread_mutex_unlock(&cache.lock);
	return n;
}

void linktarget_cache_clear(void)
{
	pthread_mutex_lock(&cache.lock);
	for (size_t i = 0; i < cache.n; i++)
		free(cache.v[i].text);
	free(cache.v);
	cache.v = NULL;
	cache.n = cache.alloc = 0;
	pthread_mutex_unlock(&cache.lock);
}
