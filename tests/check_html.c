// SPDX-License-Identifier: Apache-2.0
/*
 * check_html - html_escape(): the five characters as entities, control
 * characters and invalid UTF-8 as U+FFFD, everything else as it is.
 */
#include <string.h>

#include "lib/html.h"
#include "suites.h"

static void assert_escaped(const char *in, size_t n, const char *want)
{
	struct buf b = BUF_INIT;

	html_escapen(&b, in, n);
	ck_assert_msg(!strcmp(b.buf, want), "escaped \"%s\", want \"%s\"", b.buf, want);
	buf_release(&b);
}

START_TEST(test_entities)
{
	assert_escaped("", 0, "");
	assert_escaped("plain bpftool 1.0", 17, "plain bpftool 1.0");
	assert_escaped("<script>alert(\"x\")</script>", 27,
		       "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
	assert_escaped("a&b'c", 5, "a&amp;b&#39;c");
	assert_escaped("&amp;", 5, "&amp;amp;");	/* escaped again: text, not markup */
}
END_TEST

START_TEST(test_bytes)
{
	/* tab, LF and CR stay; other controls, DEL and NUL become U+FFFD */
	assert_escaped("a\tb\nc\rd", 7, "a\tb\nc\rd");
	assert_escaped("\x01x\x7f\x1b", 4, "\xef\xbf\xbdx\xef\xbf\xbd\xef\xbf\xbd");
	assert_escaped("a\0b", 3, "a\xef\xbf\xbd" "b");
	/* valid UTF-8 stays; each byte of an invalid sequence is one U+FFFD */
	assert_escaped("caf\xc3\xa9 \xe2\x82\xac", 9, "caf\xc3\xa9 \xe2\x82\xac");
	assert_escaped("\xff\xc3", 2, "\xef\xbf\xbd\xef\xbf\xbd");
	assert_escaped("\xc0\xaf", 2, "\xef\xbf\xbd\xef\xbf\xbd");	/* overlong '/' */
	assert_escaped("\xed\xa0\x80", 3, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");	/* a surrogate */
}
END_TEST

START_TEST(test_null_and_appends)
{
	struct buf b = BUF_INIT;

	buf_addstr(&b, "<p>");
	html_escape(&b, NULL);
	html_escape(&b, "1<2");
	buf_addstr(&b, "</p>");
	ck_assert_str_eq(b.buf, "<p>1&lt;2</p>");
	buf_release(&b);
}
END_TEST

Suite *html_suite(void)
{
	return SUITE_OF("html", "escape", test_entities, test_bytes, test_null_and_appends);
}
