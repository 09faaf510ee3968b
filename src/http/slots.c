// SPDX-License-Identifier: Apache-2.0
/* slots - the in-flight limit, with a share per client address; see slots.h. */
#include "http/slots.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>

unsigned int slots_share(unsigned int max)
{
	if (!max)
		return 0;
	return max / 4 ? max / 4 : 1;
}

int slots_init(struct slots *s, unsigned int max)
{
	memset(s, 0, sizeof(*s));
	s->max = max;
	s->share = slots_share(max);
	if (max && !(s->addrs = calloc(max, sizeof(*s->addrs))))
		return -ENOMEM;
	pthread_mutex_init(&s->lock, NULL);
	return 0;
}

void slots_release(struct slots *s)
{
	pthread_mutex_destroy(&s->lock);
	free(s->addrs);
	s->addrs = NULL;
}

/* IPv4 as its IPv6-mapped form, so that both spellings of one address are one. */
static void addr_key(const struct sockaddr *sa, uint8_t key[16])
{
	memset(key, 0, 16);
	if (sa && sa->sa_family == AF_INET) {
		key[10] = key[11] = 0xff;
		memcpy(key + 12, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	} else if (sa && sa->sa_family == AF_INET6) {
		memcpy(key, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
	}
}

static struct slots_addr *find(struct slots *s, const uint8_t key[16])
{
	for (unsigned int i = 0; i < s->nr_addrs; i++)
		if (!memcmp(s->addrs[i].key, key, 16))
			return &s->addrs[i];
	return NULL;
}

int slots_take(struct slots *s, const struct sockaddr *addr)
{
	struct slots_addr *a;
	uint8_t key[16];
	int ret = 0;

	if (!s->max)
		return 0;
	addr_key(addr, key);
	pthread_mutex_lock(&s->lock);
	a = find(s, key);
	if (s->used >= s->max) {
		ret = -EBUSY;
	} else if (a && a->held >= s->share) {
		ret = -EUSERS;
	} else {
		if (!a) {	/* nr_addrs <= used < max: there is room */
			a = &s->addrs[s->nr_addrs++];
			memcpy(a->key, key, 16);
			a->held = 0;
		}
		a->held++;
		s->used++;
	}
	pthread_mutex_unlock(&s->lock);
	return ret;
}

void slots_put(struct slots *s, const struct sockaddr *addr)
{
	struct slots_addr *a;
	uint8_t key[16];

	if (!s->max)
		return;
	addr_key(addr, key);
	pthread_mutex_lock(&s->lock);
	a = find(s, key);
	if (a && s->used) {
		s->used--;
		if (!--a->held)
			*a = s->addrs[--s->nr_addrs];	/* keep them packed */
	}
	pthread_mutex_unlock(&s->lock);
}

unsigned int slots_used(struct slots *s)
{
	unsigned int n;

	pthread_mutex_lock(&s->lock);
	n = s->used;
	pthread_mutex_unlock(&s->lock);
	return n;
}
