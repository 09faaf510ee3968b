// SPDX-License-Identifier: Apache-2.0
/*
 * check_openmetrics - unit tests for the exposition writer in both formats:
 * family headers (# HELP, # TYPE, # UNIT, _total), labels and their escaping,
 * UTF-8 handling, values (integers, NaN, infinities), # EOF and the content
 * types.  Every output is compared with an exact expected string.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lib/buf.h"
#include "metrics/om.h"
#include "suites.h"

#define FFFD "\xef\xbf\xbd"	/* U+FFFD in UTF-8 */

static struct buf b;
static struct om_writer om, txt;	/* one writer per format */
static struct buf b_txt;

static void setup(void)
{
	buf_init(&b, 0);
	buf_init(&b_txt, 0);
	om_writer_init(&om, &b, OM_FMT_OPENMETRICS);
	om_writer_init(&txt, &b_txt, OM_FMT_TEXT);
}

static void teardown(void)
{
	buf_release(&b);
	buf_release(&b_txt);
}

static void expect(const struct buf *x, const char *want)
{
	ck_assert(!x->oom);
	ck_assert_uint_eq(x->len, strlen(x->buf));
	ck_assert_str_eq(x->buf, want);
}

START_TEST(test_content_types)
{
	ck_assert_str_eq(om_content_type(OM_FMT_OPENMETRICS),
			 "application/openmetrics-text; version=1.0.0; charset=utf-8");
	ck_assert_str_eq(om_content_type(OM_FMT_TEXT),
			 "text/plain; version=0.0.4; charset=utf-8");
}
END_TEST

START_TEST(test_writer_init)
{
	struct om_writer w;

	memset(&w, 0xa5, sizeof(w));
	om_writer_init(&w, &b, OM_FMT_TEXT);
	ck_assert_ptr_eq(w.out, &b);
	ck_assert_int_eq(w.format, OM_FMT_TEXT);
	ck_assert(!w.in_labels);
	ck_assert_uint_eq(b.len, 0);	/* writes nothing by itself */
}
END_TEST

static void gauge(struct om_writer *w)
{
	om_family(w, "x_things", OM_GAUGE, NULL, "Number of things.");
	om_sample_start(w);
	om_sample_u64(w, 5);
}

START_TEST(test_gauge)
{
	gauge(&om);
	gauge(&txt);
	/* a gauge looks the same in both formats */
	expect(&b, "# HELP x_things Number of things.\n"
		   "# TYPE x_things gauge\n"
		   "x_things 5\n");
	expect(&b_txt, "# HELP x_things Number of things.\n"
		       "# TYPE x_things gauge\n"
		       "x_things 5\n");
}
END_TEST

static void counter(struct om_writer *w)
{
	om_family(w, "x_events", OM_COUNTER, NULL, "Events seen.");
	om_sample_start(w);
	om_sample_u64(w, 3);
	om_sample_start(w);
	om_label(w, "kind", "a");
	om_sample_u64(w, 4);
}

/* OpenMetrics names the family, 0.0.4 the sample, in # HELP and # TYPE. */
START_TEST(test_counter)
{
	counter(&om);
	counter(&txt);
	expect(&b, "# HELP x_events Events seen.\n"
		   "# TYPE x_events counter\n"
		   "x_events_total 3\n"
		   "x_events_total{kind=\"a\"} 4\n");
	expect(&b_txt, "# HELP x_events_total Events seen.\n"
		       "# TYPE x_events_total counter\n"
		       "x_events_total 3\n"
		       "x_events_total{kind=\"a\"} 4\n");
}
END_TEST

static void with_units(struct om_writer *w)
{
	om_family(w, "x_size_bytes", OM_GAUGE, "bytes", "Size in bytes.");
	om_sample_start(w);
	om_sample_u64(w, 1);
	om_family(w, "x_read_bytes", OM_COUNTER, "bytes", "Bytes read.");
	om_sample_start(w);
	om_sample_u64(w, 2);
}

/* # UNIT exists only in OpenMetrics, and names the family (no _total). */
START_TEST(test_unit)
{
	with_units(&om);
	with_units(&txt);
	expect(&b, "# HELP x_size_bytes Size in bytes.\n"
		   "# TYPE x_size_bytes gauge\n"
		   "# UNIT x_size_bytes bytes\n"
		   "x_size_bytes 1\n"
		   "# HELP x_read_bytes Bytes read.\n"
		   "# TYPE x_read_bytes counter\n"
		   "# UNIT x_read_bytes bytes\n"
		   "x_read_bytes_total 2\n");
	expect(&b_txt, "# HELP x_size_bytes Size in bytes.\n"
		       "# TYPE x_size_bytes gauge\n"
		       "x_size_bytes 1\n"
		       "# HELP x_read_bytes_total Bytes read.\n"
		       "# TYPE x_read_bytes_total counter\n"
		       "x_read_bytes_total 2\n");
	ck_assert_ptr_null(strstr(b_txt.buf, "UNIT"));
}
END_TEST

/* A family with no samples is just its header. */
START_TEST(test_empty_family)
{
	om_family(&om, "x", OM_COUNTER, NULL, "H.");
	om_eof(&om);
	expect(&b, "# HELP x H.\n# TYPE x counter\n# EOF\n");
}
END_TEST

START_TEST(test_labels)
{
	om_family(&om, "x", OM_GAUGE, NULL, "H.");
	om_sample_start(&om);
	om_label(&om, "name", "prog");
	om_sample_u64(&om, 1);
	om_sample_start(&om);
	om_label_u64(&om, "id", 42);
	om_label(&om, "name", "");
	om_label_u64(&om, "big", UINT64_MAX);
	om_label_u64(&om, "zero", 0);
	om_sample_u64(&om, UINT64_MAX);
	om_sample_start(&om);	/* labels do not leak into the next sample */
	om_sample_u64(&om, 0);
	expect(&b, "# HELP x H.\n# TYPE x gauge\n"
		   "x{name=\"prog\"} 1\n"
		   "x{id=\"42\",name=\"\",big=\"18446744073709551615\",zero=\"0\"} 18446744073709551615\n"
		   "x 0\n");
}
END_TEST

START_TEST(test_label_escaping)
{
	om_family(&om, "x", OM_GAUGE, NULL, "H.");
	om_sample_start(&om);
	om_label(&om, "v", "a\\b\"c\nd");
	om_sample_u64(&om, 1);
	om_family(&txt, "x", OM_GAUGE, NULL, "H.");
	om_sample_start(&txt);
	om_label(&txt, "v", "a\\b\"c\nd");
	om_sample_u64(&txt, 1);
	/* the same escapes in both formats */
	expect(&b, "# HELP x H.\n# TYPE x gauge\nx{v=\"a\\\\b\\\"c\\nd\"} 1\n");
	expect(&b_txt, "# HELP x H.\n# TYPE x gauge\nx{v=\"a\\\\b\\\"c\\nd\"} 1\n");
}
END_TEST

static void expect_escaped(const char *in, const char *want)
{
	buf_reset(&b);
	om_escape_label_value(&b, in);
	expect(&b, want);
}

START_TEST(test_escape_label_value)
{
	expect_escaped("", "");
	expect_escaped("plain text", "plain text");
	expect_escaped("\\", "\\\\");
	expect_escaped("\"", "\\\"");
	expect_escaped("\n", "\\n");
	expect_escaped("\\n", "\\\\n");		/* a backslash and an n, not a newline */
	expect_escaped("\"\"\\\\\n\n", "\\\"\\\"\\\\\\\\\\n\\n");
	/* other control bytes are legal in label values and kept */
	expect_escaped("tab\there\rcr\x01", "tab\there\rcr\x01");
	/* appends to what is there */
	buf_reset(&b);
	buf_addstr(&b, "k=\"");
	om_escape_label_value(&b, "v\"");
	ck_assert_str_eq(b.buf, "k=\"v\\\"");
}
END_TEST

START_TEST(test_utf8_kept)
{
	static const char *const ok[] = {
		"\xc3\xa9t\xc3\xa9",			/* été */
		"\xd0\xbf\xd1\x80\xd0\xbe\xd0\xb3",	/* прог */
		"\xe2\x82\xac" "100",			/* €100 */
		"\xe6\x97\xa5\xe6\x9c\xac",		/* 日本 */
		"\xf0\x9f\x98\x80",			/* 😀 */
		"\xc2\x80\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf\xf0\x90\x80\x80\xf4\x8f\xbf\xbf",
	};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		expect_escaped(ok[i], ok[i]);
	/* and in a sample */
	buf_reset(&b);
	om_family(&om, "x", OM_GAUGE, NULL, "H.");
	om_sample_start(&om);
	om_label(&om, "name", "\xd0\xbf\xd1\x80\xd0\xbe\xd0\xb3 \"\xc3\xa9\"");
	om_sample_u64(&om, 1);
	expect(&b, "# HELP x H.\n# TYPE x gauge\n"
		   "x{name=\"\xd0\xbf\xd1\x80\xd0\xbe\xd0\xb3 \\\"\xc3\xa9\\\"\"} 1\n");
}
END_TEST

START_TEST(test_utf8_invalid)
{
	expect_escaped("\x80", FFFD);				/* lone continuation */
	expect_escaped("a\xff" "b", "a" FFFD "b");
	expect_escaped("\xfe\xff", FFFD FFFD);
	expect_escaped("\xc0\xaf", FFFD FFFD);			/* overlong '/' */
	expect_escaped("\xe0\x80\xaf", FFFD FFFD FFFD);		/* overlong, 3 bytes */
	expect_escaped("\xf0\x80\x80\xaf", FFFD FFFD FFFD FFFD);
	expect_escaped("\xed\xa0\x80", FFFD FFFD FFFD);		/* surrogate U+D800 */
	expect_escaped("\xed\xbf\xbf", FFFD FFFD FFFD);		/* surrogate U+DFFF */
	expect_escaped("\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD);	/* > U+10FFFF */
	expect_escaped("\xe2\x82", FFFD FFFD);			/* truncated at the end */
	expect_escaped("\xf0\x9f\x98", FFFD FFFD FFFD);
	expect_escaped("\xe2\x82" "a", FFFD FFFD "a");		/* cut by ASCII */
	expect_escaped("\xe2\x82\"", FFFD FFFD "\\\"");		/* cut by a quote */
	expect_escaped("\xc3\xc3\xa9", FFFD "\xc3\xa9");	/* cut by a valid one */
	expect_escaped("ok\xc3\xa9\x80\\", "ok\xc3\xa9" FFFD "\\\\");
}
END_TEST

/* OpenMetrics escapes " in HELP; 0.0.4 does not (its HELP has no quotes). */
START_TEST(test_help_escaping)
{
	static const char help[] = "A \"quoted\" \\ back\nslash.";

	om_family(&om, "x", OM_GAUGE, NULL, help);
	om_family(&txt, "x", OM_GAUGE, NULL, help);
	expect(&b, "# HELP x A \\\"quoted\\\" \\\\ back\\nslash.\n# TYPE x gauge\n");
	expect(&b_txt, "# HELP x A \"quoted\" \\\\ back\\nslash.\n# TYPE x gauge\n");
}
END_TEST

START_TEST(test_help_utf8)
{
	om_family(&om, "x", OM_GAUGE, NULL, "caf\xc3\xa9 bad\xff.");
	om_family(&txt, "x", OM_GAUGE, NULL, "caf\xc3\xa9 bad\xff.");
	expect(&b, "# HELP x caf\xc3\xa9 bad" FFFD ".\n# TYPE x gauge\n");
	expect(&b_txt, "# HELP x caf\xc3\xa9 bad" FFFD ".\n# TYPE x gauge\n");
}
END_TEST

static void expect_double(double v, const char *want)
{
	char line[64];

	buf_reset(&b);
	om_family(&om, "x", OM_GAUGE, NULL, "H.");
	buf_reset(&b);
	om_sample_start(&om);
	om_sample_double(&om, v);
	snprintf(line, sizeof(line), "x %s\n", want);
	expect(&b, line);
}

START_TEST(test_double)
{
	expect_double(NAN, "NaN");
	expect_double(-NAN, "NaN");
	expect_double(INFINITY, "+Inf");
	expect_double(-INFINITY, "-Inf");
	expect_double(0.0, "0");
	expect_double(1.0, "1");
	expect_double(1.5, "1.5");
	expect_double(-2.25, "-2.25");
	expect_double(0.001234, "0.001234");
	expect_double(123456, "123456");
	expect_double(1e21, "1e+21");
	expect_double(1e-7, "1e-07");
	expect_double(1795579927.12, "1795579927.12");	/* a unix time, to the hundredth */
	expect_double(0.0125, "0.0125");
}
END_TEST

START_TEST(test_double_with_labels)
{
	om_family(&txt, "x_seconds", OM_GAUGE, "seconds", "H.");
	om_sample_start(&txt);
	om_label(&txt, "a", "b");
	om_sample_double(&txt, 0.5);
	om_sample_start(&txt);
	om_label(&txt, "a", "c");
	om_sample_double(&txt, NAN);
	expect(&b_txt, "# HELP x_seconds H.\n# TYPE x_seconds gauge\n"
		       "x_seconds{a=\"b\"} 0.5\nx_seconds{a=\"c\"} NaN\n");
}
END_TEST

START_TEST(test_eof)
{
	om_eof(&om);
	om_eof(&txt);
	expect(&b, "# EOF\n");
	expect(&b_txt, "");
}
END_TEST

static void exposition(struct om_writer *w)
{
	om_family(w, "a_info", OM_GAUGE, NULL, "Info.");
	om_sample_start(w);
	om_label_u64(w, "id", 1);
	om_label(w, "name", "n");
	om_sample_u64(w, 1);
	om_family(w, "b_bytes", OM_COUNTER, "bytes", "Bytes.");
	om_sample_start(w);
	om_label_u64(w, "id", 1);
	om_sample_u64(w, 100);
	om_family(w, "c_seconds", OM_GAUGE, "seconds", "Time.");
	om_sample_start(w);
	om_sample_double(w, 0.25);
	om_eof(w);
}

/* A whole exposition, byte for byte, in both formats. */
START_TEST(test_exposition)
{
	exposition(&om);
	exposition(&txt);
	expect(&b, "# HELP a_info Info.\n"
		   "# TYPE a_info gauge\n"
		   "a_info{id=\"1\",name=\"n\"} 1\n"
		   "# HELP b_bytes Bytes.\n"
		   "# TYPE b_bytes counter\n"
		   "# UNIT b_bytes bytes\n"
		   "b_bytes_total{id=\"1\"} 100\n"
		   "# HELP c_seconds Time.\n"
		   "# TYPE c_seconds gauge\n"
		   "# UNIT c_seconds seconds\n"
		   "c_seconds 0.25\n"
		   "# EOF\n");
	expect(&b_txt, "# HELP a_info Info.\n"
		       "# TYPE a_info gauge\n"
		       "a_info{id=\"1\",name=\"n\"} 1\n"
		       "# HELP b_bytes_total Bytes.\n"
		       "# TYPE b_bytes_total counter\n"
		       "b_bytes_total{id=\"1\"} 100\n"
		       "# HELP c_seconds Time.\n"
		       "# TYPE c_seconds gauge\n"
		       "c_seconds 0.25\n");
}
END_TEST

Suite *openmetrics_suite(void)
{
	Suite *s = suite_create("openmetrics");
	TCase *tc;

	tc = tcase_create("families");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_content_types);
	tcase_add_test(tc, test_writer_init);
	tcase_add_test(tc, test_gauge);
	tcase_add_test(tc, test_counter);
	tcase_add_test(tc, test_unit);
	tcase_add_test(tc, test_empty_family);
	tcase_add_test(tc, test_help_escaping);
	tcase_add_test(tc, test_help_utf8);
	tcase_add_test(tc, test_eof);
	tcase_add_test(tc, test_exposition);
	suite_add_tcase(s, tc);

	tc = tcase_create("labels");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_labels);
	tcase_add_test(tc, test_label_escaping);
	tcase_add_test(tc, test_escape_label_value);
	tcase_add_test(tc, test_utf8_kept);
	tcase_add_test(tc, test_utf8_invalid);
	suite_add_tcase(s, tc);

	tc = tcase_create("values");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_double);
	tcase_add_test(tc, test_double_with_labels);
	suite_add_tcase(s, tc);

	return s;
}
