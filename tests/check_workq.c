// SPDX-License-Identifier: Apache-2.0
/*
 * check_workq - the worker pool: jobs run on its named threads, never more
 * at once than it has threads, its bound refuses the one beyond at once,
 * and stopping runs what is queued.  Threads: run under ThreadSanitizer
 * by make check-tsan.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include <sys/resource.h>
#include <sys/syscall.h>

#include "lib/workq.h"
#include "suites.h"
#include "testutil.h"

struct job {
	struct workq_job job;
	char thread[16];
	int nice;
	int *gate;		/* __atomic: the job waits while it is 0 */
	int *running, *most;	/* __atomic: jobs running now, the most at once */
	int *done;		/* __atomic */
};

static void run(struct workq_job *wj)
{
	struct job *j = (struct job *)wj;
	int now = __atomic_add_fetch(j->running, 1, __ATOMIC_ACQ_REL);
	int most = __atomic_load_n(j->most, __ATOMIC_ACQUIRE);

	while (now > most && !__atomic_compare_exchange_n(j->most, &most, now, false, __ATOMIC_ACQ_REL,
							  __ATOMIC_ACQUIRE))
		;
	pthread_getname_np(pthread_self(), j->thread, sizeof(j->thread));
	errno = 0;
	j->nice = getpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid));
	for (double end = tu_now_ms() + 5000; !__atomic_load_n(j->gate, __ATOMIC_ACQUIRE) && tu_now_ms() < end;)
		usleep(1000);
	__atomic_sub_fetch(j->running, 1, __ATOMIC_ACQ_REL);
	__atomic_add_fetch(j->done, 1, __ATOMIC_ACQ_REL);
}

START_TEST(test_bound_threads_stop)
{
	struct workq *q;
	struct job jobs[6];
	int gate = 0, running = 0, most = 0, done = 0;

	ck_assert_int_eq(workq_start(&q, "bpfme-test", 2, 5, 5), 0);
	for (int i = 0; i < 6; i++) {
		jobs[i] = (struct job){ .job.run = run, .gate = &gate, .running = &running, .most = &most,
					.done = &done };
		ck_assert_int_eq(workq_submit(q, &jobs[i].job), i < 5 ? 0 : -EBUSY);
	}
	ck_assert_uint_eq(workq_pending(q), 5);
	/* two run (the threads), three wait; until the gate opens */
	for (double end = tu_now_ms() + 5000; __atomic_load_n(&running, __ATOMIC_ACQUIRE) < 2 &&
	     tu_now_ms() < end;)
		usleep(1000);
	ck_assert_int_eq(__atomic_load_n(&running, __ATOMIC_ACQUIRE), 2);
	ck_assert_int_eq(done, 0);
	__atomic_store_n(&gate, 1, __ATOMIC_RELEASE);
	workq_stop(q);	/* runs the queued ones first */
	ck_assert_int_eq(done, 5);
	ck_assert_int_eq(most, 2);
	for (int i = 0; i < 5; i++) {
		ck_assert_str_eq(jobs[i].thread, "bpfme-test");
		ck_assert_int_eq(jobs[i].nice, getpriority(PRIO_PROCESS, 0) + 5);
	}
}
END_TEST

START_TEST(test_idle_stop)
{
	struct workq *q;

	ck_assert_int_eq(workq_start(&q, "bpfme-test", 1, 1, 0), 0);
	ck_assert_uint_eq(workq_pending(q), 0);
	workq_stop(q);
	workq_stop(NULL);
}
END_TEST

Suite *workq_suite(void)
{
	Suite *s = suite_create("workq");
	TCase *tc = tcase_create("workq");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_bound_threads_stop);
	tcase_add_test(tc, test_idle_stop);
	suite_add_tcase(s, tc);
	return s;
}
