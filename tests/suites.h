/* SPDX-License-Identifier: Apache-2.0 */
/*
 * suites - every check suite of tests/check_all.  Unit suites run anywhere;
 * root suites talk to the real kernel and the real binary and are skipped
 * (with a reason) only for non-root runs outside CI.
 */
#ifndef BPFME_TESTS_SUITES_H
#define BPFME_TESTS_SUITES_H

#include <check.h>

/*
 * A suite called name of one test case called tcase, running the tests
 * (check's START_TEST names) in order, for the suites that need no fixture
 * or timeout: return SUITE_OF("parse", "parse", test_a, test_b);
 * Defined in check_main.c.
 */
Suite *suite_of_tests(const char *name, const char *tcase, const TTest *const *tests, size_t n);
#define SUITE_OF(name, tcase, ...) suite_of_tests(name, tcase, (const TTest *const[]){ __VA_ARGS__ }, \
	sizeof((const TTest *const[]){ __VA_ARGS__ }) / sizeof(const TTest *))

/* unit suites (tests/check_<module>.c) */
Suite *buf_suite(void);
Suite *array_suite(void);
Suite *json_suite(void);
Suite *log_suite(void);
Suite *openmetrics_suite(void);
Suite *flags_suite(void);
Suite *listen_suite(void);
Suite *negotiate_suite(void);
Suite *http_suite(void);
Suite *snapshot_suite(void);
Suite *collector_suite(void);
Suite *events_suite(void);
Suite *h_events_suite(void);
Suite *html_suite(void);
Suite *follow_suite(void);
Suite *audit_suite(void);	/* the assembler, fed recorded records */
Suite *bpfnames_suite(void);
Suite *fdinfo_suite(void);
Suite *cgroupid_suite(void);
Suite *holders_suite(void);	/* the /proc walk on a recorded tree, its pure parts */
Suite *procstat_suite(void);
Suite *progcache_suite(void);
Suite *audit_status_suite(void);
Suite *webconfig_suite(void);
Suite *basicauth_suite(void);
Suite *workq_suite(void);	/* check_workq.c: the worker pool (auth, /events renders) */
Suite *tls_suite(void);
Suite *slots_suite(void);
Suite *deadline_suite(void);	/* loopback sockets, no root */
Suite *scraper_suite(void);
Suite *mountinfo_suite(void);
Suite *linktarget_suite(void);
Suite *bpffd_suite(void);	/* BPF fds by their link target */
Suite *coll_labels_suite(void);	/* label sets rendered once per scrape */
Suite *parse_suite(void);	/* the one decimal parser (lib/parse) */

/* root suites: real kernel, real binary, real capabilities */
Suite *integration_suite(void);	/* check_integration.c: /metrics vs the kernel */
Suite *format_suite(void);	/* check_format.c: strict OpenMetrics parser, promtool */
Suite *server_suite(void);	/* check_server.c: HTTP behaviour, limits, start-up, signals */
Suite *audit_live_suite(void);	/* check_audit_live.c: kernel audit events end to end */
Suite *privs_suite(void);	/* check_privs.c: capabilities really dropped, in a child */
Suite *web_suite(void);		/* check_web.c: listen addresses, systemd sockets, collect[], exporter metrics */
Suite *https_suite(void);	/* check_https.c: --web.config.file: TLS, basic auth, reloads */
Suite *iters_suite(void);	/* check_iters.c: the exporter's own BPF iterators, bpf_map_entries */
Suite *holders_live_suite(void);	/* check_holders_live.c: holders in made-up containers, uids, caps */
Suite *bpfstats_suite(void);	/* check_bpfstats.c: run statistics, BTF, pins against the kernel */
Suite *links_suite(void);	/* check_links.c: each link kind's target vs its fdinfo */
Suite *live_suite(void);	/* check_live.c: /events follow, SSE, filters, the landing page */

#endif
