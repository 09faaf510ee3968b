// SPDX-License-Identifier: Apache-2.0
/* http_stats - HTTP request counters, atomic; see http_stats.h. */
#include "metrics/http_stats.h"

#include <stdbool.h>

static const char *const names[HTTP_STATS_NR_HANDLERS] = {
	[HTTP_STATS_OTHER] = "other",
	[HTTP_STATS_METRICS] = "metrics",
	[HTTP_STATS_LANDING] = "landing",
	[HTTP_STATS_EVENTS] = "events",
	[HTTP_STATS_DOC] = "doc",
};

const char *http_stats_handler_name(enum http_stats_handler h)
{
	return (unsigned int)h < HTTP_STATS_NR_HANDLERS ? names[h] : names[HTTP_STATS_OTHER];
}

static bool counted(enum http_stats_handler h, unsigned int code)
{
	return (unsigned int)h < HTTP_STATS_NR_HANDLERS && code >= HTTP_STATS_MIN_CODE &&
	       code <= HTTP_STATS_MAX_CODE;
}

void http_stats_begin(struct http_stats *st)
{
	__atomic_add_fetch(&st->in_flight, 1, __ATOMIC_RELAXED);
}

void http_stats_end(struct http_stats *st, enum http_stats_handler h, unsigned int code)
{
	if (counted(h, code))
		__atomic_add_fetch(&st->requests[h][code - HTTP_STATS_MIN_CODE], 1, __ATOMIC_RELAXED);
	__atomic_sub_fetch(&st->in_flight, 1, __ATOMIC_RELAXED);
}

uint64_t http_stats_requests(const struct http_stats *st, enum http_stats_handler h, unsigned int code)
{
	if (!counted(h, code))
		return 0;
	return __atomic_load_n(&st->requests[h][code - HTTP_STATS_MIN_CODE], __ATOMIC_RELAXED);
}

int64_t http_stats_in_flight(const struct http_stats *st)
{
	return __atomic_load_n(&st->in_flight, __ATOMIC_RELAXED);
}
