/* SPDX-License-Identifier: Apache-2.0 */
/*
 * negotiate - what a client's request headers ask for: the exposition
 * format from Accept (and Server-Sent Events for /events), gzip from
 * Accept-Encoding; and the gzip encoding itself.  Fuzzed:
 * tests/fuzz/fuzz_negotiate.c.  Pure functions of their arguments, thread-safe.
 */
#ifndef BPFME_NEGOTIATE_H
#define BPFME_NEGOTIATE_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/buf.h"
#include "metrics/om.h"

/*
 * The format for an Accept header (NULL: none sent).  OpenMetrics 1.0.0
 * when the header names it (application/openmetrics-text, version 1.0.0 or
 * none, or application/ *) with a q at least text/plain's, as Prometheus
 * does; otherwise 0.0.4 text, which every client reads (no header, * / *
 * alone, as curl sends: promtool check metrics reads only 0.0.4) -- unless
 * text/plain is refused and OpenMetrics is not.
 */
enum om_format negotiate_format(const char *accept);
/*
 * Whether an Accept header (NULL: none sent) asks /events for Server-Sent
 * Events: it names text/event-stream (in any case, anywhere).
 */
bool negotiate_wants_sse(const char *accept);
/* Whether an Accept-Encoding header (NULL: none sent) allows gzip. */
bool negotiate_accepts_gzip(const char *accept_encoding);
/* gzip src into dst (replacing its content), of any length; 0 or -ENOMEM/-EIO. */
int negotiate_gzip(struct buf *dst, const char *src, size_t len);
/*
 * negotiate_gzip, with zlib (whose counts are 32-bit) given at most chunk
 * bytes of input and of output room at a time; negotiate_gzip's chunk is
 * UINT_MAX.  For tests of the chunking.  -EINVAL when chunk is 0 or over
 * UINT_MAX.
 */
int negotiate_gzip_chunked(struct buf *dst, const char *src, size_t len, size_t chunk);

#endif
