// SPDX-License-Identifier: Apache-2.0
/* om - OpenMetrics 1.0.0 / Prometheus 0.0.4 text writer; see om.h. */
#include "metrics/om.h"
#include "lib/utf8.h"

#include <math.h>
#include <string.h>

const char *om_content_type(enum om_format format)
{
	return format == OM_FMT_OPENMETRICS ?
		"application/openmetrics-text; version=1.0.0; charset=utf-8" :
		"text/plain; version=0.0.4; charset=utf-8";
}

void om_writer_init(struct om_writer *w, struct buf *out, enum om_format format)
{
	memset(w, 0, sizeof(*w));
	w->out = out;
	w->format = format;
}

static void escape(struct buf *b, const char *value, bool quote)
{
	const unsigned char *s = (const unsigned char *)value;
	const unsigned char *run = s;

	for (;;) {
		unsigned char c = *s;
		size_t len;

		if (c && c != '\\' && c != '"' && c != '\n' && c < 0x80) {
			s++;
			continue;
		}
		if (c == '"' && !quote) {
			s++;
			continue;
		}
		if (c >= 0x80 && (len = utf8_seq_len(s, 4)) != 0) {
			s += len;
			continue;
		}
		buf_add(b, run, (size_t)(s - run));
		if (!c)
			return;
		if (c == '\\')
			buf_addstr(b, "\\\\");
		else if (c == '"')
			buf_addstr(b, "\\\"");
		else if (c == '\n')
			buf_addstr(b, "\\n");
		else
			buf_addstr(b, "\xef\xbf\xbd");	/* U+FFFD for a stray byte */
		run = ++s;
	}
}

void om_escape_label_value(struct buf *b, const char *value)
{
	escape(b, value, true);
}

static void add_name(struct om_writer *w, bool sample)
{
	buf_addstr(w->out, w->family);
	/* 0.0.4 has no family/sample distinction: a counter is named ..._total. */
	if (w->type == OM_COUNTER && (sample || w->format == OM_FMT_TEXT))
		buf_addstr(w->out, "_total");
}

void om_family(struct om_writer *w, const char *name, enum om_type type,
	       const char *unit, const char *help)
{
	w->family = name;
	w->type = type;
	w->in_labels = false;

	buf_addstr(w->out, "# HELP ");
	add_name(w, false);
	buf_addch(w->out, ' ');
	escape(w->out, help, w->format == OM_FMT_OPENMETRICS);
	buf_addstr(w->out, "\n# TYPE ");
	add_name(w, false);
	buf_addstr(w->out, type == OM_COUNTER ? " counter\n" : " gauge\n");
	if (unit && w->format == OM_FMT_OPENMETRICS) {
		buf_addstr(w->out, "# UNIT ");
		add_name(w, false);
		buf_addch(w->out, ' ');
		buf_addstr(w->out, unit);
		buf_addch(w->out, '\n');
	}
}

void om_sample_start(struct om_writer *w)
{
	add_name(w, true);
	w->in_labels = false;
}

static void label_key(struct om_writer *w, const char *key)
{
	buf_addch(w->out, w->in_labels ? ',' : '{');
	w->in_labels = true;
	buf_addstr(w->out, key);
	buf_addstr(w->out, "=\"");
}

void om_label(struct om_writer *w, const char *key, const char *value)
{
	label_key(w, key);
	escape(w->out, value, true);
	buf_addch(w->out, '"');
}

void om_label_u64(struct om_writer *w, const char *key, uint64_t value)
{
	label_key(w, key);
	buf_addu64(w->out, value);
	buf_addch(w->out, '"');
}

void om_labels_raw(struct om_writer *w, const char *labels, size_t len)
{
	if (!len)
		return;
	buf_addch(w->out, w->in_labels ? ',' : '{');
	w->in_labels = true;
	buf_add(w->out, labels, len);
}

static void value_start(struct om_writer *w)
{
	if (w->in_labels)
		buf_addch(w->out, '}');
	w->in_labels = false;
	buf_addch(w->out, ' ');
}

void om_sample_u64(struct om_writer *w, uint64_t value)
{
	value_start(w);
	buf_addu64(w->out, value);
	buf_addch(w->out, '\n');
}

void om_sample_double(struct om_writer *w, double value)
{
	value_start(w);
	if (isnan(value))
		buf_addstr(w->out, "NaN");
	else if (isinf(value))
		buf_addstr(w->out, value > 0 ? "+Inf" : "-Inf");
	else	/* 15 digits: a unix time keeps its hundredths (process_start_time_seconds) */
		buf_addf(w->out, "%.15g", value);
	buf_addch(w->out, '\n');
}

void om_eof(struct om_writer *w)
{
	if (w->format == OM_FMT_OPENMETRICS)
		buf_addstr(w->out, "# EOF\n");
}
