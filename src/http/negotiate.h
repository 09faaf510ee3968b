/* SPDX-License-Identifier: Apache-2.0 */
/*
 * negotiate - what a client's request headers ask for: the exposition
 * format from Accept, gzip from Accept-Encoding; and the gzip encoding
 * itself.  Pure functions of their arguments, thread-safe.
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
/* Whether an Accept-Encoding header (NULL: none sent) allows gzip. */
bool negotiate_accepts_gzip(const char *accept_encoding);
/* gzip src into dst (replacing its content); 0 or -ENOMEM/-EIO. */
int negotiate_gzip(struct buf *dst, const char *src, size_t len);

#endif
