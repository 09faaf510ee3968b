// SPDX-License-Identifier: Apache-2.0
/* follow - /events?follow=1: followers and the thread that wakes them; see follow.h. */
#include "http/follow.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <netinet/in.h>
#include <sys/eventfd.h>

#include "audit/ev_json.h"
#include "http/slots.h"
#include "lib/log.h"
#include "lib/monotime.h"

/* How often the thread looks for heartbeats due when no event wakes it. */
#define TICK_MS 250
/* How long follow_stop() lets the streams send their end. */
#define STOP_WAIT_MS 1000

struct follower {
	struct follow_hub *hub;
	struct follower *prev, *next;
	struct http_stream *stream;	/* set at its first read */
	struct ev_query q;
	uint64_t cursor;		/* the seq before the next to copy */
	bool sse;
	bool report_missed;		/* events gone before a copy are told */
	struct sockaddr_storage client;	/* its address, for its share (a zero family: unknown) */
	bool suspended;			/* under hub->lock: suspended, the thread resumes it */
	bool hangup;			/* under hub->lock: the client closed while suspended */
	double next_beat;		/* monotonic ms */
	struct buf pending;		/* rendered, not handed over yet: one chunk at most */
	size_t sent;			/* bytes of pending handed over */
};

struct follow_hub {
	pthread_mutex_t lock;		/* the list, count, stopping, each follower's suspended */
	struct follower *head;
	unsigned int count, max;
	struct slots shares;		/* max, a quarter per client address (its own lock) */
	bool stopping;
	struct ev_ring *ring;
	double beat_ms;
	int efd;			/* the ring adds to it at each push; follow_stop too */
	pthread_t thread;
	bool started;
	struct http_stream **wake;	/* the thread's list of streams to resume: max */
	struct pollfd *pfd;		/* the thread's: the eventfd, then suspended followers' sockets */
	struct follower **polled;	/* the follower of each pfd[1 + i] */
};

/* ---- framing ---- */

void follow_frame_event(struct buf *out, bool sse, const struct ev_event *e)
{
	if (sse) {
		buf_addstr(out, "id: ");
		buf_addu64(out, e->seq);
		buf_addstr(out, "\ndata: ");
		ev_json_event(e, out);	/* one line: JSON escapes every newline */
		buf_addstr(out, "\n\n");
	} else {
		ev_json_event(e, out);
		buf_addch(out, '\n');
	}
}

void follow_frame_missed(struct buf *out, bool sse, uint64_t n)
{
	buf_addstr(out, sse ? "event: missed\ndata: {\"missed\":" : "{\"missed\":");
	buf_addu64(out, n);
	buf_addstr(out, sse ? "}\n\n" : "}\n");
}

void follow_frame_heartbeat(struct buf *out, bool sse)
{
	buf_addstr(out, sse ? ": keep-alive\n\n" : "\n");
}

/* ---- a follower ---- */

/* Render the next chunk into f->pending; whether there was anything. */
static bool refill(struct follower *f)
{
	struct ev_event chunk[FOLLOW_CHUNK];
	uint64_t missed;
	size_t n = ev_copy_missed(f->hub->ring, &f->q, &f->cursor, chunk, FOLLOW_CHUNK, &missed);

	buf_reset(&f->pending);
	f->sent = 0;
	if (missed && f->report_missed)
		follow_frame_missed(&f->pending, f->sse, missed);
	f->report_missed = true;
	for (size_t i = 0; i < n; i++) {
		follow_frame_event(&f->pending, f->sse, &chunk[i]);
		ev_event_release(&chunk[i]);
	}
	return f->pending.len > 0;
}

/* Wake the thread (the eventfd, as a push does). */
static void poke(struct follow_hub *h)
{
	uint64_t one = 1;

	if (write(h->efd, &one, sizeof(one)) < 0)
		(void)0;	/* EAGAIN: it is awake already */
}

static long follower_read(void *cls, struct http_stream *s, char *buf, size_t max)
{
	struct follower *f = cls;
	struct follow_hub *h = f->hub;

	f->stream = s;
	for (;;) {
		size_t left = f->pending.len - f->sent;
		bool go_on;

		if (f->pending.oom)
			return HTTP_STREAM_ERROR;
		if (left) {
			size_t n = left < max ? left : max;

			memcpy(buf, f->pending.buf + f->sent, n);
			f->sent += n;
			if (f->sent == f->pending.len) {	/* keep no more than one chunk's room */
				f->sent = 0;
				buf_reset(&f->pending);
			}
			return (long)n;
		}
		if (__atomic_load_n(&h->stopping, __ATOMIC_ACQUIRE))
			return HTTP_STREAM_END;
		pthread_mutex_lock(&h->lock);
		go_on = !f->hangup;
		pthread_mutex_unlock(&h->lock);
		if (!go_on)
			return HTTP_STREAM_END;	/* the client is gone: end quietly */
		if (refill(f)) {
			f->next_beat = monotime_ms() + h->beat_ms;
			continue;
		}
		if (monotime_ms() >= f->next_beat) {
			follow_frame_heartbeat(&f->pending, f->sse);
			f->next_beat = monotime_ms() + h->beat_ms;
			continue;
		}
		/*
		 * Nothing now: suspend, then hand the stream to the thread.  No
		 * lock of ours is held across libmicrohttpd's calls: suspended
		 * is set only once the stream is, so the thread never resumes
		 * one not yet suspended.  An event pushed in between has woken
		 * the thread already: poke it again; a hub that stopped in
		 * between has had its last pass: resume here.
		 */
		http_stream_suspend(s);
		pthread_mutex_lock(&h->lock);
		go_on = h->stopping;
		if (!go_on)
			f->suspended = true;
		pthread_mutex_unlock(&h->lock);
		if (go_on)
			http_stream_resume(s);
		else if (ev_last_seq(h->ring) > f->cursor)
			poke(h);
		return HTTP_STREAM_WAIT;
	}
}

static void follower_free(void *cls)
{
	struct follower *f = cls;
	struct follow_hub *h = f->hub;

	pthread_mutex_lock(&h->lock);
	if (f->prev)
		f->prev->next = f->next;
	else
		h->head = f->next;
	if (f->next)
		f->next->prev = f->prev;
	h->count--;
	pthread_mutex_unlock(&h->lock);
	slots_put(&h->shares, (struct sockaddr *)&f->client);
	ev_listeners_add(h->ring, -1);
	buf_release(&f->pending);
	free(f);
}

int follow_reply(struct follow_hub *h, struct http_request *rq, const struct ev_query *q,
		 bool sse, bool report_missed)
{
	static const char *const ndjson_headers[] = { "Cache-Control", "no-cache",
						      "X-Accel-Buffering", "no", NULL };
	struct follower *f = calloc(1, sizeof(*f));
	int ret = 0;

	if (!f)
		return -ENOMEM;
	f->hub = h;
	f->q = *q;
	f->q.limit = 0;		/* the limit chose the start; every new event follows */
	f->sse = sse;
	f->report_missed = report_missed;
	f->pending = (struct buf)BUF_INIT;
	f->next_beat = monotime_ms() + h->beat_ms;
	f->cursor = ev_start(h->ring, q);
	if (rq->client)
		memcpy(&f->client, rq->client, rq->client->sa_family == AF_INET6 ?
		       sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in));
	pthread_mutex_lock(&h->lock);
	if (h->stopping)
		ret = -ESHUTDOWN;
	else if (h->count >= h->max)
		ret = -EBUSY;
	else
		ret = slots_take(&h->shares, (struct sockaddr *)&f->client);	/* -EUSERS: its share */
	if (!ret) {
		f->next = h->head;
		if (h->head)
			h->head->prev = f;
		h->head = f;
		h->count++;
	}
	pthread_mutex_unlock(&h->lock);
	if (ret) {
		free(f);
		return ret;
	}
	ev_listeners_add(h->ring, 1);	/* before its first read: no push goes unnoticed */
	if (sse)	/* the browser reconnects after a second, not the default three */
		buf_addstr(&f->pending, "retry: 1000\n\n");
	return http_stream_reply(rq, sse ? "text/event-stream; charset=utf-8" : "application/x-ndjson",
				 ndjson_headers, follower_read, follower_free, f);
}

/* ---- the hub ---- */

/*
 * Take every suspended follower with something to do (all of them when
 * stopping) off the suspended list into h->wake; resumed by the caller
 * after the lock is released.  Caller holds the lock.
 */
static size_t due(struct follow_hub *h)
{
	uint64_t last = ev_last_seq(h->ring);
	double now = monotime_ms();
	size_t n = 0;

	for (struct follower *f = h->head; f; f = f->next) {
		if (!f->suspended ||
		    !(h->stopping || f->hangup || last > f->cursor || now >= f->next_beat))
			continue;
		f->suspended = false;
		h->wake[n++] = f->stream;
	}
	return n;
}

/*
 * Resume what due() took (the lock is not held: a suspended connection
 * cannot end, so each stream stays valid until resumed).
 */
static void resume(struct follow_hub *h, size_t n)
{
	for (size_t i = 0; i < n; i++)
		http_stream_resume(h->wake[i]);
}

/*
 * Caller holds the lock: h->pfd[0] the eventfd, then the socket of each
 * suspended follower (which stays open while suspended: only this thread
 * resumes it), watched for the client's hang-up.  Returns how many.
 */
static nfds_t poll_set(struct follow_hub *h)
{
	nfds_t n = 1;

	h->pfd[0] = (struct pollfd){ .fd = h->efd, .events = POLLIN };
	for (struct follower *f = h->head; f && n <= h->max; f = f->next) {
		if (!f->suspended)
			continue;
		h->pfd[n] = (struct pollfd){ .fd = http_stream_fd(f->stream), .events = POLLRDHUP };
		h->polled[n - 1] = f;
		n++;
	}
	return n;
}

static void *run(void *arg)
{
	struct follow_hub *h = arg;

	for (;;) {
		uint64_t v;
		bool stop;
		nfds_t nfds;
		size_t n;

		pthread_mutex_lock(&h->lock);
		nfds = poll_set(h);
		pthread_mutex_unlock(&h->lock);
		if (poll(h->pfd, nfds, TICK_MS) > 0 && h->pfd[0].revents &&
		    read(h->efd, &v, sizeof(v)) < 0)
			(void)0;	/* EAGAIN: nothing to take */
		pthread_mutex_lock(&h->lock);
		for (nfds_t i = 1; i < nfds; i++)
			if (h->pfd[i].revents & (POLLRDHUP | POLLHUP | POLLERR))
				h->polled[i - 1]->hangup = true;	/* still suspended: ours */
		stop = h->stopping;
		n = due(h);
		pthread_mutex_unlock(&h->lock);
		resume(h, n);	/* outside the lock: libmicrohttpd takes its own */
		if (stop)
			return NULL;
	}
}

int follow_start(struct follow_hub **out, struct ev_ring *ring, unsigned int max,
		 unsigned int write_timeout_ms)
{
	struct follow_hub *h = calloc(1, sizeof(*h));
	int ret;

	if (!h)
		return -ENOMEM;
	h->ring = ring;
	h->max = max;
	ret = slots_init(&h->shares, max);
	if (ret) {
		free(h);
		return ret;
	}
	h->beat_ms = write_timeout_ms / 2 < FOLLOW_HEARTBEAT_MS ? write_timeout_ms / 2 :
		     FOLLOW_HEARTBEAT_MS;
	h->wake = calloc(max ? max : 1, sizeof(*h->wake));
	h->pfd = calloc((size_t)max + 1, sizeof(*h->pfd));
	h->polled = calloc(max ? max : 1, sizeof(*h->polled));
	h->efd = -1;
	if (!h->wake || !h->pfd || !h->polled) {
		ret = -ENOMEM;
		goto fail;
	}
	h->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (h->efd < 0) {
		ret = -errno;
		goto fail;
	}
	pthread_mutex_init(&h->lock, NULL);
	ret = -pthread_create(&h->thread, NULL, run, h);
	if (ret) {
		pthread_mutex_destroy(&h->lock);
		goto fail;
	}
	pthread_setname_np(h->thread, "bpfme-follow");
	h->started = true;
	ev_set_notify(ring, h->efd);
	*out = h;
	return 0;
fail:
	if (h->efd >= 0)
		close(h->efd);
	slots_release(&h->shares);
	free(h->wake);
	free(h->pfd);
	free(h->polled);
	free(h);
	return ret;
}

void follow_stop(struct follow_hub *h)
{
	uint64_t one = 1;

	if (!h || !h->started)
		return;
	pthread_mutex_lock(&h->lock);
	__atomic_store_n(&h->stopping, true, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&h->lock);
	if (write(h->efd, &one, sizeof(one)) < 0)
		log_warn("cannot wake the follow thread");
	pthread_join(h->thread, NULL);	/* its last pass resumed every follower */
	h->started = false;
	/* let each stream send its end; one whose client does not read is cut by http_stop() */
	for (double end = monotime_ms() + STOP_WAIT_MS; follow_count(h) && monotime_ms() < end;)
		usleep(1000);
}

void follow_free(struct follow_hub *h)
{
	if (!h)
		return;
	follow_stop(h);
	if (h->count)
		log_warnx("%u followers left at the end", h->count);
	close(h->efd);
	pthread_mutex_destroy(&h->lock);
	slots_release(&h->shares);
	free(h->wake);
	free(h->pfd);
	free(h->polled);
	free(h);
}

unsigned int follow_count(struct follow_hub *h)
{
	unsigned int n;

	pthread_mutex_lock(&h->lock);
	n = h->count;
	pthread_mutex_unlock(&h->lock);
	return n;
}

unsigned int follow_max(struct follow_hub *h)
{
	return h->max;
}

unsigned int follow_share(struct follow_hub *h)
{
	return slots_share(h->max);
}
