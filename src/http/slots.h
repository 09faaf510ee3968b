/* SPDX-License-Identifier: Apache-2.0 */
/*
 * slots - how many expensive requests may be in flight at once
 * (--web.max-requests): max slots, of which one client address may hold a
 * share, a quarter of them (at least one), so that two addresses never
 * hold them all and a third always finds some free.  A request takes a
 * slot before its expensive work and puts it back once its answer has been
 * sent or dropped; one beyond the limit is refused, never queued.
 *
 * Bound: at most max slots taken, at most slots_share(max) by one address,
 * at most max addresses remembered.  max 0 means no limit: every take
 * succeeds and nothing is counted.  Thread-safe.
 */
#ifndef BPFME_SLOTS_H
#define BPFME_SLOTS_H

#include <pthread.h>
#include <stdint.h>

#include <sys/socket.h>

struct slots {
	pthread_mutex_t lock;
	unsigned int max;		/* 0: no limit */
	unsigned int share;		/* most one address may hold */
	unsigned int used;
	unsigned int nr_addrs;		/* addrs[0..nr_addrs) hold a slot each or more */
	struct slots_addr {
		uint8_t key[16];	/* IPv6, or IPv4 as ::ffff:a.b.c.d; zeros: not IP */
		unsigned int held;
	} *addrs;
};

/* The share of one address: max / 4, at least 1; 0 when max is 0. */
unsigned int slots_share(unsigned int max);
/* 0 or -ENOMEM. */
int slots_init(struct slots *s, unsigned int max);
void slots_release(struct slots *s);
/*
 * Take a slot for a request from addr (NULL or not IP: all such requests
 * count as one address).  0; -EBUSY when every slot is taken; -EUSERS when
 * addr holds its share already.
 */
int slots_take(struct slots *s, const struct sockaddr *addr);
/* Give back a slot taken for addr. */
void slots_put(struct slots *s, const struct sockaddr *addr);
/* Slots taken now. */
unsigned int slots_used(struct slots *s);

#endif
