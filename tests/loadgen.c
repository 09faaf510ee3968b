// SPDX-License-Identifier: Apache-2.0
/* loadgen - the load behind the serving targets; see loadgen.h. */
#include "loadgen.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <linux/bpf.h>

#include "lib/parse.h"
#include "testutil.h"

#define LINK_TP "task_rename"	/* fires on exec and prctl(PR_SET_NAME) only */

int lg_connect(const char *src, int port, int rcvbuf, int timeout_ms)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct timeval tv = { .tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000 };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), err;

	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (rcvbuf > 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (src) {
		struct sockaddr_in from = { .sin_family = AF_INET };

		if (inet_pton(AF_INET, src, &from.sin_addr) != 1) {
			close(fd);
			return -EINVAL;
		}
		if (bind(fd, (struct sockaddr *)&from, sizeof(from)))
			goto fail;
	}
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)))
		goto fail;
	return fd;
fail:
	err = -errno;
	close(fd);
	return err;
}

double lg_get(int port, const char *src, const char *path, const char *headers, int timeout_ms,
	      int *status, size_t *bytes)
{
	double start = tu_now_ms(), deadline = start + timeout_ms;
	char req[1024], head[32] = "";
	size_t got = 0;
	int fd, len;

	*status = -1;
	len = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n%s\r\n",
		       path, port, headers ? headers : "");
	fd = lg_connect(src, port, 0, timeout_ms);
	if (fd < 0 || len < 0 || (size_t)len >= sizeof(req))
		goto out;
	if (send(fd, req, (size_t)len, MSG_NOSIGNAL) != len)
		goto out;
	for (;;) {
		char buf[65536];
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int left = (int)(deadline - tu_now_ms());
		ssize_t n;

		if (left <= 0 || poll(&pfd, 1, left) <= 0)
			break;
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			break;
		if (got < sizeof(head) - 1) {
			size_t take = (size_t)n < sizeof(head) - 1 - got ? (size_t)n : sizeof(head) - 1 - got;

			memcpy(head + got, buf, take);
			head[got + take] = '\0';
		}
		got += (size_t)n;
	}
	if (sscanf(head, "HTTP/1.%*d %d", status) != 1)
		*status = -1;
out:
	if (fd >= 0)
		close(fd);
	if (bytes)
		*bytes = got;
	return tu_now_ms() - start;
}

/* ---- objects ---- */

static int objs_add(struct lg_objs *o, int fd)
{
	int *n = realloc(o->fds, (o->nr + 1) * sizeof(*n));

	if (!n) {
		close(fd);
		return -ENOMEM;
	}
	o->fds = n;
	o->fds[o->nr++] = fd;
	return 0;
}

int lg_objs_load(struct lg_objs *o, size_t progs, size_t maps, size_t links)
{
	size_t first_map, every = links ? progs / links : 0, nr_links = 0;
	char name[16];
	int fd, ret = 0;

	o->fds = NULL;
	o->nr = 0;
	first_map = o->nr;
	for (size_t i = 0; i < maps && !ret; i++) {
		snprintf(name, sizeof(name), "lg_m%05u", (unsigned int)(i % 100000));
		fd = tu_map_create(i % 2 ? BPF_MAP_TYPE_ARRAY : BPF_MAP_TYPE_HASH, name, 4, 8, 16, 0);
		ret = fd < 0 ? fd : objs_add(o, fd);
	}
	for (size_t i = 0; i < progs && !ret; i++) {
		bool tp = every && i % every == 0 && nr_links < links;
		int map = maps && i % 4 == 1 ? o->fds[first_map + i % maps] : -1;

		snprintf(name, sizeof(name), "lg_p%05u", (unsigned int)(i % 100000));
		fd = tu_prog_load(tp ? BPF_PROG_TYPE_RAW_TRACEPOINT : BPF_PROG_TYPE_SOCKET_FILTER, name,
				  "GPL", &map, map >= 0 && !tp ? 1 : 0);
		ret = fd < 0 ? fd : objs_add(o, fd);
		if (!ret && tp) {
			int link = tu_raw_tp_link(fd, LINK_TP);

			ret = link < 0 ? link : objs_add(o, link);
			nr_links++;
		}
	}
	if (ret)
		lg_objs_release(o);
	return ret;
}

void lg_objs_release(struct lg_objs *o)
{
	for (size_t i = o->nr; i-- > 0;)
		close(o->fds[i]);
	free(o->fds);
	o->fds = NULL;
	o->nr = 0;
}

/* ---- scrapers ---- */

#define PROM_HEADERS "Accept: application/openmetrics-text;version=1.0.0," \
	"text/plain;version=0.0.4;q=0.5,*/*;q=0.1\r\nAccept-Encoding: gzip\r\n"

struct scraper {
	pthread_t thread;
	struct lg_scrapers *all;
	char src[INET_ADDRSTRLEN];
	bool gzip;
	struct lg_scrape_stats st;
};

struct lg_scrapers {
	int port;
	const char *path;
	const char *headers;	/* a flood's: every request sends them, none backs off */
	unsigned long answered;	/* __atomic: answers so far, all clients */
	int stop;		/* __atomic */
	int n;
	struct scraper *s;
};

static void *scrape_loop(void *arg)
{
	struct scraper *sc = arg;

	while (!__atomic_load_n(&sc->all->stop, __ATOMIC_RELAXED)) {
		const char *headers = sc->all->headers ? sc->all->headers : sc->gzip ? PROM_HEADERS : NULL;
		int status;
		double ms = lg_get(sc->all->port, sc->src, sc->all->path, headers, 10000, &status, NULL);

		if (status == 200)
			sc->st.ok++;
		else if (status == 503 || status == 429)
			sc->st.refused++;
		else if (status == 401)
			sc->st.unauthorized++;
		else
			sc->st.failed++;
		if (ms > sc->st.max_ms)
			sc->st.max_ms = ms;
		__atomic_add_fetch(&sc->all->answered, 1, __ATOMIC_RELAXED);
		if (status == 503 && !sc->all->headers)
			usleep(20 * 1000);	/* as a client that backs off would; a flood does not */
	}
	return NULL;
}

int lg_scrapers_start(struct lg_scrapers **out, int port, const char *path, int n,
		      int first_octet)
{
	return lg_flood_start(out, port, path, NULL, n, first_octet);
}

unsigned long lg_scrapers_answered(struct lg_scrapers *s)
{
	return __atomic_load_n(&s->answered, __ATOMIC_RELAXED);
}

int lg_flood_start(struct lg_scrapers **out, int port, const char *path, const char *headers, int n,
		   int first_octet)
{
	struct lg_scrapers *s = calloc(1, sizeof(*s));

	if (!s || !(s->s = calloc((size_t)n, sizeof(*s->s)))) {
		free(s);
		return -ENOMEM;
	}
	s->port = port;
	s->path = path;
	s->headers = headers;
	for (int i = 0; i < n; i++) {
		struct scraper *sc = &s->s[i];

		sc->all = s;
		sc->gzip = i % 2;
		snprintf(sc->src, sizeof(sc->src), "127.0.0.%d", first_octet + i);
		if (pthread_create(&sc->thread, NULL, scrape_loop, sc)) {
			int err = -errno;

			s->n = i;
			lg_scrapers_stop(s, NULL);
			return err ? err : -EAGAIN;
		}
	}
	s->n = n;
	*out = s;
	return 0;
}

void lg_scrapers_stop(struct lg_scrapers *s, struct lg_scrape_stats *st)
{
	if (st)
		memset(st, 0, sizeof(*st));
	__atomic_store_n(&s->stop, 1, __ATOMIC_RELAXED);
	for (int i = 0; i < s->n; i++) {
		pthread_join(s->s[i].thread, NULL);
		if (st) {
			st->ok += s->s[i].st.ok;
			st->refused += s->s[i].st.refused;
			st->failed += s->s[i].st.failed;
			st->unauthorized += s->s[i].st.unauthorized;
			if (s->s[i].st.max_ms > st->max_ms)
				st->max_ms = s->s[i].st.max_ms;
		}
	}
	free(s->s);
	free(s);
}

/* ---- slowloris ---- */

struct lg_slowloris {
	pthread_t thread;
	pthread_mutex_t lock;
	int stop_pipe[2];
	int period_ms;
	size_t nr, cap;		/* nr under lock: the opener adds, the thread reads */
	int *fds;		/* -1 once closed by the server */
	double *opened_ms, *closed_ms;
	unsigned long *lines;	/* header lines sent on each */
};

/* Whether the server has closed fd (read whatever it sent: a 4xx, or nothing). */
static bool server_closed(int fd)
{
	char buf[4096];

	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n > 0)
			continue;
		return n == 0 || (errno != EAGAIN && errno != EINTR);
	}
}

static void slow_mark_closed(struct lg_slowloris *l, size_t i)
{
	pthread_mutex_lock(&l->lock);
	close(l->fds[i]);
	l->fds[i] = -1;
	l->closed_ms[i] = tu_now_ms();
	pthread_mutex_unlock(&l->lock);
}

static void *slow_loop(void *arg)
{
	struct lg_slowloris *l = arg;
	struct pollfd *pfd = calloc(l->cap + 1, sizeof(*pfd));
	size_t *idx = calloc(l->cap + 1, sizeof(*idx));
	double next_tick = tu_now_ms() + l->period_ms;

	if (!pfd || !idx)
		goto out;
	for (;;) {
		size_t n = 0, nr;
		int left = (int)(next_tick - tu_now_ms()), ret;

		pthread_mutex_lock(&l->lock);
		nr = l->nr;	/* the opener adds more meanwhile */
		pthread_mutex_unlock(&l->lock);
		pfd[n].fd = l->stop_pipe[0];
		pfd[n++].events = POLLIN;
		for (size_t i = 0; i < nr; i++) {
			if (l->fds[i] < 0)
				continue;
			pfd[n].fd = l->fds[i];
			pfd[n].events = POLLIN;
			idx[n++] = i;
		}
		/* short waits while connections are still being opened */
		ret = poll(pfd, n, left <= 0 ? 0 : left < 20 ? left : 20);
		if (ret > 0 && pfd[0].revents)
			break;
		for (size_t k = 1; ret > 0 && k < n; k++)
			if (pfd[k].revents && server_closed(pfd[k].fd))
				slow_mark_closed(l, idx[k]);
		if (tu_now_ms() < next_tick)
			continue;
		next_tick += l->period_ms;
		for (size_t i = 0; i < nr; i++) {
			char line[64];
			int len;

			if (l->fds[i] < 0)
				continue;
			len = snprintf(line, sizeof(line), "X-Slow-%lu: %zu\r\n", ++l->lines[i], i);
			if (send(l->fds[i], line, (size_t)len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 &&
			    errno != EAGAIN)
				slow_mark_closed(l, i);
		}
	}
out:
	free(pfd);
	free(idx);
	return NULL;
}

int lg_slowloris_start(struct lg_slowloris **out, int port, const char *const *srcs,
		       size_t nr_srcs, size_t per_src, int period_ms)
{
	static const char start[] = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n";
	struct lg_slowloris *l = calloc(1, sizeof(*l));
	size_t total = nr_srcs * per_src;

	if (!l)
		return -ENOMEM;
	l->cap = total;
	l->fds = calloc(total, sizeof(*l->fds));
	l->opened_ms = calloc(total, sizeof(double));
	l->closed_ms = calloc(total, sizeof(double));
	l->lines = calloc(total, sizeof(*l->lines));
	if (!l->fds || !l->opened_ms || !l->closed_ms || !l->lines || pipe2(l->stop_pipe, O_CLOEXEC))
		goto nomem;
	pthread_mutex_init(&l->lock, NULL);
	l->period_ms = period_ms;
	/* the thread watches each connection from its opening: a refusal is seen at once */
	if (pthread_create(&l->thread, NULL, slow_loop, l)) {
		l->thread = 0;
		lg_slowloris_stop(l);
		return -EAGAIN;
	}
	for (size_t s = 0; s < nr_srcs; s++) {
		for (size_t k = 0; k < per_src; k++) {
			/* 2 s: a refused connection is reset or closed, not left hanging */
			int fd = lg_connect(srcs[s], port, 0, 2000);

			if (fd < 0)
				continue;	/* not even queued: the attack is that much smaller */
			if (send(fd, start, sizeof(start) - 1, MSG_NOSIGNAL) < 0) {
				close(fd);
				continue;
			}
			pthread_mutex_lock(&l->lock);
			l->opened_ms[l->nr] = tu_now_ms();
			l->fds[l->nr++] = fd;
			pthread_mutex_unlock(&l->lock);
		}
	}
	*out = l;
	return 0;
nomem:
	free(l->fds);
	free(l->opened_ms);
	free(l->closed_ms);
	free(l->lines);
	free(l);
	return -ENOMEM;
}

void lg_slowloris_stats(struct lg_slowloris *l, struct lg_slowloris_stats *st)
{
	memset(st, 0, sizeof(*st));
	pthread_mutex_lock(&l->lock);
	st->opened = l->nr;
	for (size_t i = 0; i < l->nr; i++) {
		double life = (l->closed_ms[i] - l->opened_ms[i]) / 1e3;

		if (l->fds[i] >= 0) {
			st->held++;
		} else if (life < 1.0) {
			st->refused++;
		} else {
			if (!st->dropped || life < st->first_drop_s)
				st->first_drop_s = life;
			if (life > st->last_drop_s)
				st->last_drop_s = life;
			st->dropped++;
		}
	}
	pthread_mutex_unlock(&l->lock);
}

void lg_slowloris_stop(struct lg_slowloris *l)
{
	if (l->thread) {
		if (write(l->stop_pipe[1], "s", 1) != 1)
			pthread_cancel(l->thread);
		pthread_join(l->thread, NULL);
	}
	for (size_t i = 0; i < l->nr; i++)
		if (l->fds[i] >= 0)
			close(l->fds[i]);
	close(l->stop_pipe[0]);
	close(l->stop_pipe[1]);
	pthread_mutex_destroy(&l->lock);
	free(l->fds);
	free(l->opened_ms);
	free(l->closed_ms);
	free(l->lines);
	free(l);
}

/* ---- non-readers ---- */

int lg_non_readers_open(struct lg_non_readers *nr, int port, const char *const *srcs,
			size_t nr_srcs, size_t per_src, const char *request)
{
	size_t len = strlen(request);

	nr->nr = 0;
	nr->fds = calloc(nr_srcs * per_src, sizeof(*nr->fds));
	if (!nr->fds)
		return -ENOMEM;
	for (size_t s = 0; s < nr_srcs; s++) {
		for (size_t k = 0; k < per_src; k++) {
			int fd = lg_connect(srcs[s], port, 4096, 5000);

			if (fd < 0) {
				lg_non_readers_close(nr);
				return fd;
			}
			nr->fds[nr->nr++] = fd;
			if (send(fd, request, len, MSG_NOSIGNAL) != (ssize_t)len) {
				int err = -errno;

				lg_non_readers_close(nr);
				return err ? err : -EIO;
			}
		}
	}
	return 0;
}

void lg_non_readers_count(const struct lg_non_readers *nr, size_t *ok, size_t *refused,
			  size_t *closed)
{
	*ok = *refused = *closed = 0;
	for (size_t i = 0; i < nr->nr; i++) {
		struct pollfd pfd = { .fd = nr->fds[i], .events = POLLIN };
		char head[16] = "";
		int status;
		ssize_t n;

		if (poll(&pfd, 1, 0) <= 0)
			continue;
		n = recv(nr->fds[i], head, sizeof(head) - 1, MSG_PEEK | MSG_DONTWAIT);
		if (n <= 0) {
			*closed += n == 0 || (errno != EAGAIN && errno != EINTR);
			continue;
		}
		head[n] = '\0';
		if (sscanf(head, "HTTP/1.%*d %d", &status) == 1) {
			*ok += status == 200;
			*refused += status == 503;
		}
		if (pfd.revents & (POLLHUP | POLLRDHUP | POLLERR))
			(*closed)++;
	}
}

void lg_non_readers_close(struct lg_non_readers *nr)
{
	for (size_t i = 0; i < nr->nr; i++)
		close(nr->fds[i]);
	free(nr->fds);
	nr->fds = NULL;
	nr->nr = 0;
}

/* ---- figures ---- */

long lg_status_kb(pid_t pid, const char *key)
{
	char path[64], line[256];
	size_t klen = strlen(key);
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		const char *p = line + klen + 1;
		uint64_t n;

		if (strncmp(line, key, klen) || line[klen] != ':')
			continue;
		p += strspn(p, " \t");
		if (!parse_dec(&p, NULL, LONG_MAX, &n))
			v = (long)n;
		break;
	}
	fclose(f);
	return v;
}

long lg_rss_kb(pid_t pid)
{
	return lg_status_kb(pid, "VmRSS");
}

long lg_send_queue_bytes(int port, size_t *sockets)
{
	unsigned int lport, state;
	unsigned long tx;
	char line[512];
	long sum = 0;
	size_t n = 0;
	FILE *f = fopen("/proc/net/tcp", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, " %*u: %*x:%x %*x:%*x %x %lx:%*x", &lport, &state, &tx) == 3 &&
		    lport == (unsigned int)port && state != 0x0A /* LISTEN */) {
			sum += (long)tx;
			n += tx > 0;
		}
	}
	fclose(f);
	if (sockets)
		*sockets = n;
	return sum;
}

long lg_tcp_mem_bytes(void)
{
	char line[256];
	long pages = -1;
	FILE *f = fopen("/proc/net/sockstat", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		const char *m = strstr(line, " mem ");

		if (!strncmp(line, "TCP:", 4) && m)
			pages = strtol(m + 5, NULL, 10);
	}
	fclose(f);
	return pages < 0 ? -1 : pages * sysconf(_SC_PAGESIZE);
}
