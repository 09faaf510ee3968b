// SPDX-License-Identifier: Apache-2.0
/* procstat - /proc/PID/stat, limits and fd/ for the process_* metrics; see procstat.h. */
#include "proc/procstat.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/parse.h"

/* stat is one line of ~300 bytes (the comm at most 64); limits ~1.4 KB. */
#define PROC_FILE_MAX 4096

/* Field numbers of proc_pid_stat(5), counting pid as 1. */
enum { F_STATE = 3, F_UTIME = 14, F_STIME = 15, F_STARTTIME = 22, F_VSIZE = 23, F_RSS = 24 };

int procstat_parse_stat(const char *text, long ticks, long page_size, struct procstat *ps)
{
	/* the comm is in parentheses and may hold ") (": the last ")" ends it */
	const char *p = strrchr(text, ')');
	uint64_t utime = 0, stime = 0, rss = 0;

	if (!p || !strchr(text, '(') || ticks <= 0 || page_size <= 0)
		return -EINVAL;
	p++;
	for (int field = F_STATE; field <= F_RSS; field++) {
		uint64_t v = 0;

		if (*p != ' ')
			return -EINVAL;
		p++;
		if (field == F_STATE) {		/* one letter */
			if (!*p || *p == ' ')
				return -EINVAL;
			p++;
			continue;
		}
		if (*p == '-') {	/* signed fields (priority, nice, ...), none of ours */
			if (field == F_UTIME || field == F_STIME || field >= F_STARTTIME)
				return -EINVAL;
			p++;
		}
		if (parse_dec(&p, NULL, UINT64_MAX, &v))
			return -EINVAL;
		switch (field) {
		case F_UTIME: utime = v; break;
		case F_STIME: stime = v; break;
		case F_STARTTIME: ps->start_ticks = v; break;
		case F_VSIZE: ps->virtual_bytes = v; break;
		case F_RSS: rss = v; break;
		}
	}
	if (*p && *p != ' ' && *p != '\n')
		return -EINVAL;
	ps->cpu_seconds = (double)(utime + stime) / (double)ticks;
	ps->resident_bytes = rss * (uint64_t)page_size;
	return 0;
}

int procstat_parse_limits(const char *text, double *max)
{
	static const char key[] = "Max open files";
	const char *p = text;
	uint64_t v;

	for (;;) {
		if (!strncmp(p, key, sizeof(key) - 1) && p[sizeof(key) - 1] == ' ')
			break;
		p = strchr(p, '\n');
		if (!p)
			return -ENOENT;
		p++;
	}
	p += sizeof(key) - 1;
	while (*p == ' ')
		p++;
	if (!strncmp(p, "unlimited", 9) && (p[9] == ' ' || p[9] == '\n' || !p[9])) {
		*max = INFINITY;
		return 0;
	}
	if (parse_dec(&p, NULL, UINT64_MAX, &v) || (*p != ' ' && *p != '\n' && *p))
		return -EINVAL;
	*max = (double)v;
	return 0;
}

/* dir/name into text (size bytes, NUL-terminated); the length or -errno. */
static ssize_t read_text(const char *dir, const char *name, char *text, size_t size)
{
	char path[512];
	ssize_t n, len = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while ((size_t)len < size - 1 && (n = read(fd, text + len, size - 1 - (size_t)len)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			len = -errno;
			break;
		}
		len += n;
	}
	close(fd);
	text[len > 0 ? len : 0] = '\0';
	return len;
}

static int count_fds(const char *dir, uint64_t *out)
{
	char path[512];
	struct dirent *de;
	uint64_t n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "%s/fd", dir);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	*out = n;
	return 0;
}

int procstat_read(const char *dir, double boot_wall_s, struct procstat *ps)
{
	char text[PROC_FILE_MAX];
	long ticks = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
	ssize_t n;

	memset(ps, 0, sizeof(*ps));
	n = read_text(dir, "stat", text, sizeof(text));
	if (n < 0)
		return (int)n;
	if (procstat_parse_stat(text, ticks, page, ps))
		return -EINVAL;
	ps->start_time_s = boot_wall_s + (double)ps->start_ticks / (double)ticks;
	if (read_text(dir, "limits", text, sizeof(text)) > 0 &&
	    procstat_parse_limits(text, &ps->max_fds) == 0)
		ps->has_max_fds = true;
	ps->has_open_fds = count_fds(dir, &ps->open_fds) == 0;
	return 0;
}
