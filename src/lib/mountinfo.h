/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mountinfo - the mount points of one filesystem type in the text of
 * /proc/PID/mountinfo (proc(5)): "ID PARENT MAJ:MIN ROOT MOUNT-POINT
 * OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER-OPTIONS" a line, the paths
 * with space, tab, newline and backslash written as \ooo octal.  Pure: it
 * reads only the text it is given.
 */
#ifndef BPFME_MOUNTINFO_H
#define BPFME_MOUNTINFO_H

#include <stddef.h>

/* Longest mount point passed on (PATH_MAX); a longer one is a bad line. */
#define MOUNTINFO_PATH_MAX 4096

/*
 * Call fn(mount_point, arg) for each line of text (len bytes, any bytes;
 * a last line without its newline counts) whose filesystem type is fstype,
 * in order, with the mount point unescaped into a NUL-terminated absolute
 * path.  A line that is not one of mountinfo's (too few fields, no "-"
 * separator, a mount point not starting with '/', holding a NUL or longer
 * than MOUNTINFO_PATH_MAX) is skipped.  Returns the number of lines
 * skipped, or the first negative value fn returned (which stops the walk).
 */
int mountinfo_each(const char *text, size_t len, const char *fstype,
		   int (*fn)(const char *mount_point, void *arg), void *arg);

#endif
