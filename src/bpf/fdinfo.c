// SPDX-License-Identifier: Apache-2.0
/* fdinfo - /proc/PID/fdinfo/FD reading and "key:\tvalue" parsing; see fdinfo.h. */
#include "bpf/fdinfo.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/parse.h"

ssize_t fdinfo_read(int dirfd, int fd, char *text, size_t size)
{
	char name[16];
	ssize_t n;
	int f;

	if (size == 0)
		return -EINVAL;
	text[0] = '\0';
	snprintf(name, sizeof(name), "%d", fd);
	f = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (f < 0)
		return -errno;
	n = read(f, text, size - 1);	/* one read: the kernel fills it whole */
	if (n < 0)
		n = -errno;
	close(f);
	text[n > 0 ? n : 0] = '\0';
	return n;
}

int fdinfo_u64(const char *text, const char *key, uint64_t *out)
{
	size_t klen = strlen(key);
	const char *p = text;
	uint64_t v = 0;

	for (;;) {
		if (!strncmp(p, key, klen) && p[klen] == ':')
			break;
		p = strchr(p, '\n');
		if (!p)
			return -ENOENT;
		p++;
	}
	p += klen + 1;
	while (*p == ' ' || *p == '\t')
		p++;
	if (parse_dec(&p, NULL, UINT64_MAX, &v))
		return -EINVAL;	/* none, or overflow */
	if (*p && *p != '\n')
		return -EINVAL;
	*out = v;
	return 0;
}

uint64_t fdinfo_memlock(int dirfd, int fd)
{
	char text[FDINFO_SIZE];
	uint64_t v;

	if (dirfd < 0 || fdinfo_read(dirfd, fd, text, sizeof(text)) <= 0 ||
	    fdinfo_u64(text, "memlock", &v))
		return 0;
	return v;
}
