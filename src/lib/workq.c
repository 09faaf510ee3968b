// SPDX-License-Identifier: Apache-2.0
/* workq - named worker threads with a bounded queue; see workq.h. */
#include "lib/workq.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <sys/resource.h>
#include <sys/syscall.h>

struct workq {
	pthread_mutex_t lock;		/* head, tail, pending, stopping */
	pthread_cond_t cond;		/* a job was queued, or stopping */
	struct workq_job *head, *tail;
	unsigned int pending, max;	/* waiting or running; the bound */
	bool stopping;
	unsigned int nr_threads;
	pthread_t *threads;
	int nice;
};

static void *run(void *arg)
{
	struct workq *q = arg;

	/* Linux: a thread's nice value is its own (setpriority on its tid) */
	if (q->nice && setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), q->nice))
		(void)0;	/* a policy that forbids it: run at the process's */

	pthread_mutex_lock(&q->lock);
	for (;;) {
		struct workq_job *job = q->head;

		if (!job) {
			if (q->stopping)
				break;
			pthread_cond_wait(&q->cond, &q->lock);
			continue;
		}
		q->head = job->next;
		if (!q->head)
			q->tail = NULL;
		pthread_mutex_unlock(&q->lock);
		job->run(job);	/* job may be gone after this */
		pthread_mutex_lock(&q->lock);
		q->pending--;
	}
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

int workq_start(struct workq **out, const char *name, unsigned int threads, unsigned int max,
		int nice)
{
	struct workq *q = calloc(1, sizeof(*q));
	int ret;

	if (!q)
		return -ENOMEM;
	q->max = max ? max : 1;
	q->nice = nice;
	q->threads = calloc(threads ? threads : 1, sizeof(*q->threads));
	if (!q->threads) {
		free(q);
		return -ENOMEM;
	}
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->cond, NULL);
	for (unsigned int i = 0; i < (threads ? threads : 1); i++) {
		ret = -pthread_create(&q->threads[i], NULL, run, q);
		if (ret) {
			workq_stop(q);
			return ret;
		}
		pthread_setname_np(q->threads[i], name);
		q->nr_threads++;
	}
	*out = q;
	return 0;
}

int workq_submit(struct workq *q, struct workq_job *job)
{
	int ret = 0;

	job->next = NULL;
	pthread_mutex_lock(&q->lock);
	if (q->stopping) {
		ret = -ESHUTDOWN;
	} else if (q->pending >= q->max) {
		ret = -EBUSY;
	} else {
		if (q->tail)
			q->tail->next = job;
		else
			q->head = job;
		q->tail = job;
		q->pending++;
		pthread_cond_signal(&q->cond);
	}
	pthread_mutex_unlock(&q->lock);
	return ret;
}

unsigned int workq_pending(struct workq *q)
{
	unsigned int n;

	pthread_mutex_lock(&q->lock);
	n = q->pending;
	pthread_mutex_unlock(&q->lock);
	return n;
}

void workq_stop(struct workq *q)
{
	if (!q)
		return;
	pthread_mutex_lock(&q->lock);
	q->stopping = true;
	pthread_cond_broadcast(&q->cond);
	pthread_mutex_unlock(&q->lock);
	for (unsigned int i = 0; i < q->nr_threads; i++)
		pthread_join(q->threads[i], NULL);
	pthread_cond_destroy(&q->cond);
	pthread_mutex_destroy(&q->lock);
	free(q->threads);
	free(q);
}
