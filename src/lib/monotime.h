/* SPDX-License-Identifier: Apache-2.0 */
/* monotime - the monotonic clock, for timeouts, intervals and ordering. */
#ifndef BPFME_MONOTIME_H
#define BPFME_MONOTIME_H

#include <stdint.h>
#include <time.h>

/* CLOCK_MONOTONIC in milliseconds (a vDSO read: no system call). */
static inline double monotime_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* CLOCK_MONOTONIC in nanoseconds. */
static inline uint64_t monotime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#endif
