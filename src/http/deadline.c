// SPDX-License-Identifier: Apache-2.0
/* deadline - per-connection deadlines and the thread that enforces them; see deadline.h. */
#include "http/deadline.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include <sys/ioctl.h>
#include <sys/socket.h>

#include <linux/sockios.h>

#include "lib/log.h"

struct deadline_conn {
	struct deadline_conn *prev, *next;
	int fd;
	enum deadline_kind kind;
	double at_ms;
	bool dropped;		/* shut down already: once is enough */
};

struct deadlines {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;	/* CLOCK_MONOTONIC */
	bool stop;
	unsigned int tick_ms;
	struct deadline_conn *head;
	uint64_t dropped[DEADLINE_NR_KINDS];
};

double deadline_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

void deadline_abortive_close(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
}

static void drop(struct deadlines *d, struct deadline_conn *c)
{
	static struct log_ratelimit rl = LOG_RATELIMIT_INIT(10);

	int queued = 0;

	/* with nothing left to send a plain close will do; otherwise the kernel must let go of it */
	if (ioctl(c->fd, SIOCOUTQ, &queued) || queued > 0)
		deadline_abortive_close(c->fd);
	shutdown(c->fd, SHUT_RDWR);
	c->dropped = true;
	d->dropped[c->kind]++;
	if (log_enabled(LOG_DEBUG) && log_ratelimit_ok(&rl))
		log_debug("dropped a connection: %s", c->kind == DEADLINE_READ ?
			  "its request did not arrive whole before the read timeout" :
			  "its answer was not read whole before the write timeout");
}

static void *run(void *arg)
{
	struct deadlines *d = arg;
	struct timespec at;

	pthread_mutex_lock(&d->lock);
	while (!d->stop) {
		double now = deadline_now_ms();

		for (struct deadline_conn *c = d->head; c; c = c->next)
			if (c->kind != DEADLINE_NONE && !c->dropped && c->at_ms <= now)
				drop(d, c);
		clock_gettime(CLOCK_MONOTONIC, &at);
		at.tv_nsec += (long)(d->tick_ms % 1000) * 1000000L;
		at.tv_sec += d->tick_ms / 1000 + at.tv_nsec / 1000000000L;
		at.tv_nsec %= 1000000000L;
		pthread_cond_timedwait(&d->wake, &d->lock, &at);
	}
	pthread_mutex_unlock(&d->lock);
	return NULL;
}

int deadline_start(struct deadlines **out, unsigned int tick_ms)
{
	struct deadlines *d = calloc(1, sizeof(*d));
	pthread_condattr_t ca;
	int ret;

	if (!d)
		return -ENOMEM;
	d->tick_ms = tick_ms ? tick_ms : 1;
	pthread_mutex_init(&d->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&d->wake, &ca);
	pthread_condattr_destroy(&ca);
	ret = pthread_create(&d->thread, NULL, run, d);
	if (ret) {
		pthread_cond_destroy(&d->wake);
		pthread_mutex_destroy(&d->lock);
		free(d);
		return -ret;
	}
	pthread_setname_np(d->thread, "bpfme-deadline");
	*out = d;
	return 0;
}

void deadline_stop(struct deadlines *d)
{
	if (!d)
		return;
	pthread_mutex_lock(&d->lock);
	d->stop = true;
	pthread_cond_signal(&d->wake);
	pthread_mutex_unlock(&d->lock);
	pthread_join(d->thread, NULL);
	while (d->head) {
		struct deadline_conn *c = d->head;

		d->head = c->next;
		free(c);
	}
	pthread_cond_destroy(&d->wake);
	pthread_mutex_destroy(&d->lock);
	free(d);
}

struct deadline_conn *deadline_add(struct deadlines *d, int fd)
{
	struct deadline_conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->fd = fd;
	pthread_mutex_lock(&d->lock);
	c->next = d->head;
	if (d->head)
		d->head->prev = c;
	d->head = c;
	pthread_mutex_unlock(&d->lock);
	return c;
}

void deadline_set(struct deadlines *d, struct deadline_conn *c, enum deadline_kind kind, double at_ms)
{
	if (!c)
		return;
	pthread_mutex_lock(&d->lock);
	c->kind = kind;
	c->at_ms = at_ms;
	pthread_mutex_unlock(&d->lock);
}

void deadline_remove(struct deadlines *d, struct deadline_conn *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&d->lock);
	if (c->prev)
		c->prev->next = c->next;
	else
		d->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	pthread_mutex_unlock(&d->lock);
	free(c);
}

uint64_t deadline_dropped(struct deadlines *d, enum deadline_kind kind)
{
	uint64_t n;

	pthread_mutex_lock(&d->lock);
	n = kind < DEADLINE_NR_KINDS ? d->dropped[kind] : 0;
	pthread_mutex_unlock(&d->lock);
	return n;
}
