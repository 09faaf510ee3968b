/* SPDX-License-Identifier: Apache-2.0 */
/*
 * om - writes metric families in the OpenMetrics 1.0.0 text format
 * or in the Prometheus 0.0.4 text format.  It knows nothing of BPF, audit or
 * HTTP: it turns calls into bytes in a struct buf.
 *
 * Use: om_family() once per family, then for each sample om_sample_start(),
 * any number of om_label*(), and one om_sample_*() with the value; finally
 * om_eof().  Counter samples get "_total" appended to the family name; in the
 * 0.0.4 variant the # TYPE and # HELP lines name the sample ("..._total") and
 * # UNIT lines are left out, as that format has none.
 *
 * Label values and HELP text are escaped (\\, \", \n) and invalid UTF-8 is
 * replaced by U+FFFD, so any input yields a parsable exposition.
 */
#ifndef BPFME_OPENMETRICS_H
#define BPFME_OPENMETRICS_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/buf.h"

enum om_format { OM_FMT_OPENMETRICS, OM_FMT_TEXT };
enum om_type { OM_GAUGE, OM_COUNTER };

struct om_writer {
	struct buf *out;
	enum om_format format;
	const char *family;
	enum om_type type;
	bool in_labels;
};

/* The Content-Type header value for a format. */
const char *om_content_type(enum om_format format);

void om_writer_init(struct om_writer *w, struct buf *out, enum om_format format);
/* unit may be NULL; when set, name must end in "_<unit>" (OpenMetrics rule). */
void om_family(struct om_writer *w, const char *name, enum om_type type,
	       const char *unit, const char *help);
void om_sample_start(struct om_writer *w);
void om_label(struct om_writer *w, const char *key, const char *value);
void om_label_u64(struct om_writer *w, const char *key, uint64_t value);
/* Append labels rendered already ("a=\"1\",b=\"2\"", escaped, len bytes). */
void om_labels_raw(struct om_writer *w, const char *labels, size_t len);
void om_sample_u64(struct om_writer *w, uint64_t value);
void om_sample_double(struct om_writer *w, double value);
/* "# EOF" for OpenMetrics; nothing for 0.0.4. */
void om_eof(struct om_writer *w);

/* Append value escaped for use inside a label value's quotes. */
void om_escape_label_value(struct buf *b, const char *value);

#endif
