// SPDX-License-Identifier: Apache-2.0
/* check_coll_labels - label sets rendered once per scrape: rows, commas, escaping, bounds. */
#include <errno.h>
#include <string.h>

#include "metrics/coll_labels.h"
#include "suites.h"

/* Row i of l as a string, as coll_labels_add() writes it into a sample (after its "{"). */
static const char *row(const struct coll_labels *l, size_t i, struct buf *out)
{
	struct om_writer w;

	buf_reset(out);
	om_writer_init(&w, out, OM_FMT_OPENMETRICS);
	coll_labels_add(&w, l, i);
	if (!out->len)
		return "";
	ck_assert_int_eq(out->buf[0], '{');
	return out->buf + 1;
}

START_TEST(test_rows)
{
	struct coll_labels *l = coll_labels_new(3, 8);
	struct buf out = BUF_INIT;

	ck_assert_ptr_nonnull(l);
	coll_labels_row(l);
	coll_labels_u64(l, "pid", 42);
	coll_labels_str(l, "comm", "a\"b\\c\nd");
	coll_labels_row(l);	/* an empty row */
	coll_labels_row(l);
	coll_labels_str(l, "x", "");
	coll_labels_row(l);	/* one past nr: ignored */
	ck_assert_int_eq(coll_labels_done(l), 0);
	ck_assert_str_eq(row(l, 0, &out), "pid=\"42\",comm=\"a\\\"b\\\\c\\nd\"");
	ck_assert_str_eq(row(l, 1, &out), "");
	ck_assert_str_eq(row(l, 2, &out), "x=\"\"");
	coll_labels_free(l);
	buf_release(&out);
}
END_TEST

START_TEST(test_bounds)
{
	struct coll_labels *l = coll_labels_new(2, 0);
	struct snap s;

	ck_assert_ptr_nonnull(l);
	coll_labels_row(l);
	ck_assert_int_eq(coll_labels_done(l), -EINVAL);	/* one row of two */
	coll_labels_free(l);
	coll_labels_free(NULL);
	l = coll_labels_new(0, 64);
	ck_assert_ptr_nonnull(l);
	ck_assert_int_eq(coll_labels_done(l), 0);
	coll_labels_free(l);
	/* a snapshot without objects: sets of no rows */
	memset(&s, 0, sizeof(s));
	l = coll_labels_objects(&s, SNAP_MAP);
	ck_assert_ptr_nonnull(l);
	ck_assert_uint_eq(l->nr, 0);
	coll_labels_free(l);
}
END_TEST

START_TEST(test_objects)
{
	struct snap_prog progs[2];
	struct snap_map maps[1];
	struct snap s;
	struct buf out = BUF_INIT;
	struct coll_labels *l;

	memset(&s, 0, sizeof(s));
	memset(progs, 0, sizeof(progs));
	memset(maps, 0, sizeof(maps));
	progs[0].id = 7, progs[0].type = 1;	/* socket_filter */
	strcpy(progs[0].name, "p\"q");
	progs[1].id = 9, progs[1].type = 100000;	/* unknown to bpfnames */
	maps[0].id = 3, maps[0].type = 1;	/* hash */
	strcpy(maps[0].name, "m");
	s.progs = progs, s.nr_progs = 2;
	s.maps = maps, s.nr_maps = 1;
	l = coll_labels_objects(&s, SNAP_PROG);
	ck_assert_ptr_nonnull(l);
	ck_assert_str_eq(row(l, 0, &out), "id=\"7\",name=\"p\\\"q\",type=\"socket_filter\"");
	ck_assert_str_eq(row(l, 1, &out), "id=\"9\",name=\"\",type=\"100000\"");
	coll_labels_free(l);
	l = coll_labels_objects(&s, SNAP_MAP);
	ck_assert_ptr_nonnull(l);
	ck_assert_str_eq(row(l, 0, &out), "id=\"3\",name=\"m\",type=\"1\",type_name=\"hash\"");
	coll_labels_free(l);
	buf_release(&out);
}
END_TEST

Suite *coll_labels_suite(void)
{
	return SUITE_OF("coll_labels", "coll_labels", test_rows, test_bounds, test_objects);
}
