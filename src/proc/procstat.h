/* SPDX-License-Identifier: Apache-2.0 */
/*
 * procstat - what a process's /proc directory says of it, for the standard
 * process_* metrics: CPU time, virtual and resident memory and start time
 * from stat, the open-file limit from limits, the open fds from fd/.  The
 * parsers are pure (recorded files in tests/data/proc/); procstat_read()
 * reads a directory such as /proc/self.
 */
#ifndef BPFME_PROCSTAT_H
#define BPFME_PROCSTAT_H

#include <stdbool.h>
#include <stdint.h>

struct procstat {
	double cpu_seconds;		/* utime + stime */
	uint64_t virtual_bytes;		/* vsize */
	uint64_t resident_bytes;	/* rss pages * page size */
	uint64_t start_ticks;		/* starttime: clock ticks after boot */
	double start_time_s;		/* unix seconds: boot time + start_ticks */
	bool has_max_fds;
	double max_fds;			/* soft "Max open files"; INFINITY if unlimited */
	bool has_open_fds;
	uint64_t open_fds;		/* entries of fd/ (the one reading it included) */
};

/*
 * Parse the text of /proc/PID/stat with ticks clock ticks a second and
 * pages of page_size bytes into cpu_seconds, virtual_bytes,
 * resident_bytes and start_ticks.  The command name may hold anything,
 * spaces and parentheses included.  0, or -EINVAL for text that is not a
 * stat line.
 */
int procstat_parse_stat(const char *text, long ticks, long page_size, struct procstat *ps);

/*
 * The soft limit of "Max open files" in the text of /proc/PID/limits: 0 and
 * *max (INFINITY for "unlimited"), -ENOENT without such a line, -EINVAL
 * when its value is not a number.
 */
int procstat_parse_limits(const char *text, double *max);

/*
 * Read dir ("/proc/self", or recorded files): stat (required), limits and
 * fd/ (each optional: has_max_fds, has_open_fds).  boot_wall_s is the wall
 * clock time of boot in unix seconds, for start_time_s.  0, or -errno when
 * stat cannot be read or parsed.
 */
int procstat_read(const char *dir, double boot_wall_s, struct procstat *ps);

#endif
