// SPDX-License-Identifier: Apache-2.0
/* mountinfo - the mount points of a filesystem type in /proc/PID/mountinfo; see mountinfo.h. */
#include "lib/mountinfo.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* One space-separated field of a line. */
struct field {
	const char *p;
	size_t len;
};

/* The next field of [*p, end), skipping the spaces before it; false at the end. */
static bool next_field(const char **p, const char *end, struct field *f)
{
	const char *s = *p;

	while (s < end && *s == ' ')
		s++;
	if (s == end)
		return false;
	f->p = s;
	while (s < end && *s != ' ')
		s++;
	f->len = (size_t)(s - f->p);
	*p = s;
	return true;
}

static bool is_octal(char c)
{
	return c >= '0' && c <= '7';
}

/* Unescape a mount point into out (MOUNTINFO_PATH_MAX + 1 bytes); false if not a path. */
static bool unescape(const struct field *f, char *out)
{
	size_t n = 0;

	if (!f->len || f->p[0] != '/')
		return false;
	for (size_t i = 0; i < f->len; i++) {
		char c = f->p[i];

		if (c == '\\' && i + 3 < f->len && is_octal(f->p[i + 1]) &&
		    is_octal(f->p[i + 2]) && is_octal(f->p[i + 3])) {
			unsigned int v = (unsigned int)(f->p[i + 1] - '0') * 64 +
					 (unsigned int)(f->p[i + 2] - '0') * 8 +
					 (unsigned int)(f->p[i + 3] - '0');

			if (v > 255)
				return false;
			c = (char)v;
			i += 3;
		}
		if (c == '\0' || n == MOUNTINFO_PATH_MAX)
			return false;
		out[n++] = c;
	}
	out[n] = '\0';
	return true;
}

/* The mount point of one line if its type is fstype: 1, 0 another type, -1 a bad line. */
static int parse_line(const char *p, const char *end, const char *fstype, char *mount_point)
{
	struct field f[5], sep, type;
	bool found = false;

	for (int i = 0; i < 5; i++)	/* ID PARENT MAJ:MIN ROOT MOUNT-POINT */
		if (!next_field(&p, end, &f[i]))
			return -1;
	if (!next_field(&p, end, &sep))	/* OPTIONS */
		return -1;
	while (next_field(&p, end, &sep))
		if (sep.len == 1 && sep.p[0] == '-') {
			found = true;
			break;
		}
	if (!found || !next_field(&p, end, &type) || !next_field(&p, end, &sep))
		return -1;	/* no separator, type or source */
	if (!unescape(&f[4], mount_point))
		return -1;
	return type.len == strlen(fstype) && !memcmp(type.p, fstype, type.len);
}

int mountinfo_each(const char *text, size_t len, const char *fstype,
		   int (*fn)(const char *mount_point, void *arg), void *arg)
{
	const char *p = text, *end = text + len;
	char *mount_point = malloc(MOUNTINFO_PATH_MAX + 1);
	int bad = 0, ret;

	if (!mount_point)
		return -ENOMEM;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;

		if (eol > p) {
			ret = parse_line(p, eol, fstype, mount_point);
			if (ret < 0) {
				bad++;
			} else if (ret) {
				ret = fn(mount_point, arg);
				if (ret < 0) {
					free(mount_point);
					return ret;
				}
			}
		}
		p = nl ? nl + 1 : end;
	}
	free(mount_point);
	return bad;
}
