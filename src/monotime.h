/* SPDX-License-Identifier: Apache-2.0 */
/* monotime - milliseconds on the monotonic clock, for timeouts and intervals. */
#ifndef BPFME_MONOTIME_H
#define BPFME_MONOTIME_H

#include <time.h>

/* CLOCK_MONOTONIC in milliseconds (a vDSO read: no system call). */
static inline double monotime_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

#endif
