// SPDX-License-Identifier: Apache-2.0
/*
 * cgroupid - cgroup path, container id and pod uid of a process; see
 * cgroupid.h.  The runtimes' cgroup names are rows of two tables, one for
 * container ids and one for pod uids, each matched against every component
 * of the path; tests/check_cgroupid.c says where each shape comes from.
 */
#include "proc/cgroupid.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* ---- /proc/PID/cgroup: "hierarchy-id:controllers:path" lines ---- */

enum { PICK_NONE, PICK_SYSTEMD, PICK_V2 };

struct pick {
	int found;	/* PICK_*: the best line taken so far */
	int ret;	/* what cgroupid_path returns for it */
};

static int store(char *out, size_t outlen, const char *path, size_t len)
{
	if (len == 0 || path[0] != '/')
		return -EINVAL;
	if (len >= outlen)
		return -ENAMETOOLONG;
	memcpy(out, path, len);
	out[len] = '\0';
	return 0;
}

/* Does the comma-separated controller list [s, s + len) name "name=systemd"? */
static bool names_systemd(const char *s, size_t len)
{
	static const char want[] = "name=systemd";
	const size_t wlen = sizeof(want) - 1;

	while (len) {
		const char *comma = memchr(s, ',', len);
		size_t n = comma ? (size_t)(comma - s) : len;

		if (n == wlen && !memcmp(s, want, wlen))
			return true;
		if (!comma)
			break;
		len -= n + 1;
		s = comma + 1;
	}
	return false;
}

/* Take one line (without its newline) into out if it beats what p holds. */
static void take_line(struct pick *p, const char *line, size_t len, char *out, size_t outlen)
{
	static const char deleted[] = " (deleted)";
	const size_t dlen = sizeof(deleted) - 1;
	const char *c1 = memchr(line, ':', len), *c2, *path;
	size_t plen;
	int kind;

	if (!c1)
		return;
	c2 = memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - line));
	if (!c2)
		return;
	path = c2 + 1;
	plen = len - (size_t)(path - line);
	if (c1 - line == 1 && line[0] == '0' && c2 == c1 + 1) {
		kind = PICK_V2;
		/* the kernel marks a removed v2 cgroup so (proc_cgroup_show) */
		if (plen > dlen && !memcmp(path + plen - dlen, deleted, dlen))
			plen -= dlen;
	} else if (names_systemd(c1 + 1, (size_t)(c2 - c1 - 1))) {
		kind = PICK_SYSTEMD;
	} else {
		return;
	}
	if (kind <= p->found)
		return;
	p->found = kind;
	p->ret = store(out, outlen, path, plen);
	if (p->ret && outlen)
		out[0] = '\0';
}

static int pick_result(const struct pick *p, char *out, size_t outlen)
{
	if (p->found == PICK_NONE) {
		if (outlen)
			out[0] = '\0';
		return -ENOENT;
	}
	return p->ret;
}

int cgroupid_path(const char *text, char *out, size_t outlen)
{
	struct pick p = { PICK_NONE, 0 };

	while (*text) {
		const char *nl = strchr(text, '\n');
		size_t len = nl ? (size_t)(nl - text) : strlen(text);

		take_line(&p, text, len, out, outlen);
		if (!nl)
			break;
		text = nl + 1;
	}
	return pick_result(&p, out, outlen);
}

/* A line is "N:controllers:" and a path of at most PATH_MAX bytes. */
#define LINE_MAX_BYTES (PATH_MAX + 256)

int cgroupid_read_pid(int procfd, pid_t pid, char *out, size_t outlen)
{
	char name[64], buf[LINE_MAX_BYTES];
	struct pick p = { PICK_NONE, 0 };
	size_t have = 0;
	int fd, ret = 0;

	if (outlen)
		out[0] = '\0';
	if (procfd == AT_FDCWD)
		snprintf(name, sizeof(name), "/proc/%d/cgroup", (int)pid);
	else
		snprintf(name, sizeof(name), "%d/cgroup", (int)pid);
	fd = openat(procfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t n = read(fd, buf + have, sizeof(buf) - have);
		size_t start = 0;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			goto out;
		}
		have += (size_t)n;
		for (;;) {	/* every whole line, or the last one at the end */
			char *nl = memchr(buf + start, '\n', have - start);

			if (!nl && (n > 0 || start == have))
				break;
			take_line(&p, buf + start, nl ? (size_t)(nl - buf) - start : have - start,
				  out, outlen);
			start = nl ? (size_t)(nl - buf) + 1 : have;
		}
		memmove(buf, buf + start, have - start);
		have -= start;
		if (n == 0)
			break;
		if (have == sizeof(buf)) {
			ret = -ENAMETOOLONG;
			goto out;
		}
	}
	ret = pick_result(&p, out, outlen);
out:
	close(fd);
	if (ret && outlen)
		out[0] = '\0';
	return ret;
}

/* ---- the runtimes' cgroup names ---- */

/* What the component before a container's must be, for bare ids. */
enum parent {
	PARENT_ANY,
	PARENT_RUNTIME,	/* "docker", a kubelet "pod<uid>", or ".." (outside our namespace) */
};

/*
 * Container cgroups: prefix, 64 hex digits, suffix.  Only the shapes, here;
 * which runtime and driver writes each is said in tests/check_cgroupid.c.
 */
static const struct id_shape {
	const char *prefix;
	const char *suffix;
	enum parent parent;
} id_shapes[] = {
	{ "docker-", ".scope", PARENT_ANY },		/* docker, systemd driver */
	{ "cri-containerd-", ".scope", PARENT_ANY },	/* containerd CRI, systemd driver */
	{ "crio-", ".scope", PARENT_ANY },		/* CRI-O, systemd driver */
	{ "libpod-", ".scope", PARENT_ANY },		/* podman, systemd driver */
	{ "crio-", "", PARENT_ANY },			/* CRI-O, cgroupfs driver */
	{ "libpod-", "", PARENT_ANY },			/* podman, cgroupfs driver */
	{ "", "", PARENT_RUNTIME },			/* docker, kubelet: cgroupfs driver */
};

/*
 * Pod cgroups: prefix, uuid with sep between its groups, suffix.  systemd
 * reads '-' in a slice name as nesting, so the kubelet writes '_' there.
 */
static const struct uid_shape {
	const char *prefix;
	const char *suffix;
	char sep;
} uid_shapes[] = {
	{ "kubepods-pod", ".slice", '_' },		/* Guaranteed, systemd driver */
	{ "kubepods-burstable-pod", ".slice", '_' },	/* Burstable, systemd driver */
	{ "kubepods-besteffort-pod", ".slice", '_' },	/* BestEffort, systemd driver */
	{ "kubelet-kubepods-pod", ".slice", '_' },	/* the same under --cgroup-root=/kubelet */
	{ "kubelet-kubepods-burstable-pod", ".slice", '_' },
	{ "kubelet-kubepods-besteffort-pod", ".slice", '_' },
	{ "pod", "", '-' },				/* every class, cgroupfs driver */
};

static bool lower_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* The middle of [s, s + n) between prefix and suffix, if it has both. */
static bool strip(const char *s, size_t n, const char *prefix, const char *suffix,
		  const char **mid, size_t *mlen)
{
	size_t pl = strlen(prefix), sl = strlen(suffix);

	if (n < pl + sl || memcmp(s, prefix, pl) || memcmp(s + n - sl, suffix, sl))
		return false;
	*mid = s + pl;
	*mlen = n - pl - sl;
	return true;
}

/* A uuid with sep between its 8-4-4-4-12 groups, into out with dashes. */
static bool uuid_of(const char *s, size_t n, char sep, char out[CGROUPID_UID_LEN + 1])
{
	if (n != CGROUPID_UID_LEN)
		return false;
	for (size_t i = 0; i < n; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? s[i] != sep : !lower_hex(s + i, 1))
			return false;
	}
	for (size_t i = 0; i < n; i++)
		out[i] = s[i] == sep ? '-' : s[i];
	out[n] = '\0';
	return true;
}

static bool is_pod(const char *s, size_t n)
{
	char uid[CGROUPID_UID_LEN + 1];
	const char *mid;
	size_t mlen;

	return strip(s, n, "pod", "", &mid, &mlen) && uuid_of(mid, mlen, '-', uid);
}

static bool parent_ok(enum parent want, const char *par, size_t plen)
{
	if (want == PARENT_ANY)
		return true;
	return (plen == 6 && !memcmp(par, "docker", 6)) || (plen == 2 && !memcmp(par, "..", 2)) ||
	       is_pod(par, plen);
}

static void match_id(const char *s, size_t n, const char *par, size_t plen,
		     char id[CGROUPID_ID_LEN + 1])
{
	for (size_t k = 0; k < sizeof(id_shapes) / sizeof(id_shapes[0]); k++) {
		const struct id_shape *sh = &id_shapes[k];
		const char *mid;
		size_t mlen;

		if (!strip(s, n, sh->prefix, sh->suffix, &mid, &mlen) || mlen != CGROUPID_ID_LEN ||
		    !lower_hex(mid, mlen) || !parent_ok(sh->parent, par, plen))
			continue;
		memcpy(id, mid, CGROUPID_ID_LEN);
		id[CGROUPID_ID_LEN] = '\0';
		return;
	}
}

static void match_uid(const char *s, size_t n, char uid[CGROUPID_UID_LEN + 1])
{
	for (size_t k = 0; k < sizeof(uid_shapes) / sizeof(uid_shapes[0]); k++) {
		const struct uid_shape *sh = &uid_shapes[k];
		const char *mid;
		size_t mlen;

		if (strip(s, n, sh->prefix, sh->suffix, &mid, &mlen) &&
		    uuid_of(mid, mlen, sh->sep, uid))
			return;
	}
}

void cgroupid_parse(const char *path, char container_id[CGROUPID_ID_LEN + 1],
		    char pod_uid[CGROUPID_UID_LEN + 1])
{
	const char *par = "";
	size_t plen = 0;

	container_id[0] = '\0';
	pod_uid[0] = '\0';
	while (*path) {
		size_t n = strcspn(path, "/");

		if (n) {	/* later (inner) matches overwrite earlier ones */
			match_id(path, n, par, plen, container_id);
			match_uid(path, n, pod_uid);
			par = path;
			plen = n;
		}
		path += n;
		if (*path == '/')
			path++;
	}
}
