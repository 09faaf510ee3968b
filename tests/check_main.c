// SPDX-License-Identifier: Apache-2.0
/*
 * check_main - the test runner: every suite in one srunner, so one closing
 * line counts every test.  Root suites are skipped with a reason when not
 * root, except under CI (CI=true), where a skip is a failure.
 * CK_RUN_SUITE=name / CK_RUN_CASE=name run a part (check's own variables).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "suites.h"
#include "testutil.h"

static const struct {
	Suite *(*make)(void);
	bool root;
	const char *name;
} suites[] = {
	{ buf_suite, false, "buf" },
	{ array_suite, false, "array" },
	{ json_suite, false, "json" },
	{ log_suite, false, "log" },
	{ openmetrics_suite, false, "openmetrics" },
	{ flags_suite, false, "flags" },
	{ listen_suite, false, "listen" },
	{ negotiate_suite, false, "negotiate" },
	{ http_suite, false, "http" },
	{ snapshot_suite, false, "snapshot" },
	{ collector_suite, false, "collector" },
	{ events_suite, false, "events" },
	{ h_events_suite, false, "h_events" },
	{ html_suite, false, "html" },
	{ follow_suite, false, "follow" },
	{ audit_suite, false, "audit" },
	{ bpfnames_suite, false, "bpfnames" },
	{ fdinfo_suite, false, "fdinfo" },
	{ cgroupid_suite, false, "cgroupid" },
	{ holders_suite, false, "holders" },
	{ procstat_suite, false, "procstat" },
	{ progcache_suite, false, "progcache" },
	{ audit_status_suite, false, "audit_status" },
	{ webconfig_suite, false, "webconfig" },
	{ basicauth_suite, false, "basicauth" },
	{ workq_suite, false, "workq" },
	{ tls_suite, false, "tls" },
	{ slots_suite, false, "slots" },
	{ deadline_suite, false, "deadline" },
	{ scraper_suite, false, "scraper" },
	{ mountinfo_suite, false, "mountinfo" },
	{ linktarget_suite, false, "linktarget" },
	{ bpffd_suite, false, "bpffd" },
	{ coll_labels_suite, false, "coll_labels" },
	{ parse_suite, false, "parse" },
	{ integration_suite, true, "integration" },
	{ format_suite, true, "format" },
	{ server_suite, true, "server" },
	{ audit_live_suite, true, "audit_live" },
	{ privs_suite, true, "privs" },
	{ https_suite, true, "https" },
	{ web_suite, true, "web" },
	{ holders_live_suite, true, "holders_live" },
	{ iters_suite, true, "iters" },
	{ bpfstats_suite, true, "bpfstats" },
	{ links_suite, true, "links" },
	{ live_suite, true, "live" },
};

Suite *suite_of_tests(const char *name, const char *tcase, const TTest *const *tests, size_t n)
{
	Suite *s = suite_create(name);
	TCase *tc = tcase_create(tcase);

	for (size_t i = 0; i < n; i++)
		tcase_add_test(tc, tests[i]);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	bool root = geteuid() == 0;
	SRunner *sr = NULL;
	int failed, skipped = 0;

	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		if (suites[i].root && !root) {
			if (tu_in_ci()) {
				fprintf(stderr, "FAIL: suite %s needs root and CI=true forbids skipping it\n",
					suites[i].name);
				return 1;
			}
			printf("SKIP: suite %s: needs root (the real kernel: BPF objects, audit, capabilities); run: sudo make check\n",
			       suites[i].name);
			skipped++;
			continue;
		}
		if (!sr)
			sr = srunner_create(suites[i].make());
		else
			srunner_add_suite(sr, suites[i].make());
	}
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	if (skipped)
		printf("%d root suite(s) skipped: not root\n", skipped);
	return failed ? 1 : 0;
}
