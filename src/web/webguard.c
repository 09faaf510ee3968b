// SPDX-License-Identifier: Apache-2.0
/* webguard - the web config at run time: loads, reloads, the request check; see webguard.h. */
#include "web/webguard.h"

#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <time.h>
#include <unistd.h>

#include <sys/stat.h>

#include "web/basicauth.h"
#include "lib/log.h"
#include "lib/workq.h"
#include "web/tls.h"
#include "web/webconfig.h"

/* How often the guard thread looks at the files (a few stat calls). */
#define GUARD_TICK_MS 1000
/* The auth pool's threads at most (fewer on fewer cores). */
#define AUTH_THREADS 2
/* Their nice value: below the exporter's other threads (scrapes, HTTP, audit). */
#define AUTH_NICE 10

/* What tells that a file changed: the config file, cert_file, key_file, client_ca_file. */
enum { ID_CONFIG, ID_CERT, ID_KEY, ID_CA, NR_IDS };

struct file_id {
	int err;		/* 0, or the errno of stat */
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
};

struct webguard_config {
	int refs;			/* __atomic */
	struct webconfig cfg;
	struct tls_creds *tls;		/* NULL without TLS */
	const char *headers[2 * WEBCONFIG_MAX_HEADERS + 1];
	struct file_id ids[NR_IDS];	/* as they were just before this load read them */
};

struct webguard {
	char *path;
	bool tls;
	struct basicauth *ba;
	struct webguard_config *first;	/* its credentials are libmicrohttpd's start options */
	pthread_mutex_t reload_lock;	/* one load at a time */
	pthread_mutex_t lock;		/* cur, bad, have_bad */
	struct webguard_config *cur;
	struct file_id bad[NR_IDS];	/* the files when a reload failed: not retried until they change */
	bool have_bad;
	struct workq *auth;		/* bpfme-auth: the bcrypt checks */
	pthread_t guard;		/* bpfme-guard: looks for changed files */
	bool guard_started;
	pthread_mutex_t guard_lock;	/* guard_stop */
	pthread_cond_t guard_cond;	/* guard_stop was set */
	bool guard_stop;
};

static void file_id_get(const char *path, struct file_id *id)
{
	struct stat st;

	memset(id, 0, sizeof(*id));
	if (!path || !*path)
		return;
	if (stat(path, &st)) {
		id->err = errno;
		return;
	}
	id->dev = st.st_dev;
	id->ino = st.st_ino;
	id->size = st.st_size;
	id->mtime = st.st_mtim;
	id->ctime = st.st_ctim;
}

static bool file_ids_eq(const struct file_id *a, const struct file_id *b)
{
	for (int i = 0; i < NR_IDS; i++)
		if (a[i].err != b[i].err || a[i].dev != b[i].dev || a[i].ino != b[i].ino ||
		    a[i].size != b[i].size || a[i].mtime.tv_sec != b[i].mtime.tv_sec ||
		    a[i].mtime.tv_nsec != b[i].mtime.tv_nsec || a[i].ctime.tv_sec != b[i].ctime.tv_sec ||
		    a[i].ctime.tv_nsec != b[i].ctime.tv_nsec)
			return false;
	return true;
}

/* The files of c as they are now (the config file at path, c's certificate files). */
static void current_ids(const char *path, const struct webguard_config *c, struct file_id ids[NR_IDS])
{
	file_id_get(path, &ids[ID_CONFIG]);
	file_id_get(c->cfg.cert_file, &ids[ID_CERT]);
	file_id_get(c->cfg.key_file, &ids[ID_KEY]);
	file_id_get(c->cfg.client_ca_file, &ids[ID_CA]);
}

void webguard_put(struct webguard_config *c)
{
	if (!c || __atomic_sub_fetch(&c->refs, 1, __ATOMIC_ACQ_REL))
		return;
	tls_creds_unref(c->tls);
	webconfig_release(&c->cfg);
	free(c);
}

static struct webguard_config *config_ref(struct webguard_config *c)
{
	__atomic_add_fetch(&c->refs, 1, __ATOMIC_RELAXED);
	return c;
}

/* Read and check the file; 0 with *out, or -errno with a reason naming the file. */
static int load(const char *path, struct webguard_config **out, char *err, size_t errlen)
{
	struct webguard_config *c = calloc(1, sizeof(*c));
	char why[512];
	int ret;

	if (!c) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	c->refs = 1;
	file_id_get(path, &c->ids[ID_CONFIG]);
	ret = webconfig_load(path, &c->cfg, err, errlen);
	if (ret)
		goto fail;
	file_id_get(c->cfg.cert_file, &c->ids[ID_CERT]);
	file_id_get(c->cfg.key_file, &c->ids[ID_KEY]);
	file_id_get(c->cfg.client_ca_file, &c->ids[ID_CA]);
	if (c->cfg.tls) {
		ret = tls_creds_load(&c->cfg, &c->tls, why, sizeof(why));
		if (ret) {
			snprintf(err, errlen, "%s: %s", path, why);
			goto fail;
		}
	}
	for (size_t i = 0; i < c->cfg.nr_headers; i++) {
		c->headers[2 * i] = c->cfg.headers[i].name;
		c->headers[2 * i + 1] = c->cfg.headers[i].value;
	}
	*out = c;
	return 0;
fail:
	webguard_put(c);
	return ret;
}

int webguard_open(struct webguard **out, const char *path, char *err, size_t errlen)
{
	struct webguard *wg = calloc(1, sizeof(*wg));
	pthread_condattr_t ca;
	int ret;

	if (!wg) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	pthread_mutex_init(&wg->lock, NULL);
	pthread_mutex_init(&wg->reload_lock, NULL);
	pthread_mutex_init(&wg->guard_lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&wg->guard_cond, &ca);
	pthread_condattr_destroy(&ca);
	if (!(wg->path = strdup(path)) || !(wg->ba = basicauth_new())) {
		webguard_free(wg);
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	ret = load(path, &wg->cur, err, errlen);
	if (ret) {
		webguard_free(wg);
		return ret;
	}
	wg->tls = wg->cur->cfg.tls;
	wg->first = config_ref(wg->cur);
	*out = wg;
	return 0;
}

void webguard_free(struct webguard *wg)
{
	if (!wg)
		return;
	if (wg->guard_started) {
		pthread_mutex_lock(&wg->guard_lock);
		wg->guard_stop = true;
		pthread_cond_signal(&wg->guard_cond);
		pthread_mutex_unlock(&wg->guard_lock);
		pthread_join(wg->guard, NULL);
	}
	workq_stop(wg->auth);	/* runs what is queued: no request waits on it by now */
	pthread_cond_destroy(&wg->guard_cond);
	pthread_mutex_destroy(&wg->guard_lock);
	pthread_mutex_destroy(&wg->lock);
	pthread_mutex_destroy(&wg->reload_lock);
	webguard_put(wg->cur);
	webguard_put(wg->first);
	basicauth_free(wg->ba);
	free(wg->path);
	free(wg);
}

bool webguard_tls(const struct webguard *wg)
{
	return wg->tls;
}

const struct tls_creds *webguard_start_creds(const struct webguard *wg)
{
	return wg->first->tls;
}

static struct webguard_config *current(struct webguard *wg)
{
	struct webguard_config *c;

	pthread_mutex_lock(&wg->lock);
	c = config_ref(wg->cur);
	pthread_mutex_unlock(&wg->lock);
	return c;
}

/*
 * Load the file again, now = the files as they were seen to change (with
 * the current config's paths).  Unless forced, nothing is done when
 * another thread has loaded them meanwhile.
 */
static int reload(struct webguard *wg, const struct file_id now[NR_IDS], bool forced)
{
	struct webguard_config *c, *old;
	char err[768];
	int ret;

	pthread_mutex_lock(&wg->reload_lock);
	if (!forced) {
		struct file_id again[NR_IDS];

		c = current(wg);
		current_ids(wg->path, c, again);
		ret = file_ids_eq(again, c->ids);
		webguard_put(c);
		if (ret) {
			pthread_mutex_unlock(&wg->reload_lock);
			return 0;
		}
	}
	ret = load(wg->path, &c, err, sizeof(err));
	if (!ret && c->cfg.tls != wg->tls) {
		snprintf(err, sizeof(err), "%s: turning TLS %s takes a restart (tls_server_config %s)",
			 wg->path, wg->tls ? "off" : "on", wg->tls ? "is gone" : "is new");
		webguard_put(c);
		ret = -EINVAL;
	}
	pthread_mutex_lock(&wg->lock);
	if (ret) {
		memcpy(wg->bad, now, sizeof(wg->bad));
		wg->have_bad = true;
		old = NULL;
	} else {
		old = wg->cur;
		wg->cur = c;
		wg->have_bad = false;
	}
	pthread_mutex_unlock(&wg->lock);
	webguard_put(old);
	pthread_mutex_unlock(&wg->reload_lock);
	if (ret)
		log_kv(LOG_ERROR, "cannot reload the web config; keeping the previous one", "err", err, NULL);
	else
		log_kv(LOG_INFO, "web config reloaded", "file", wg->path, "tls", wg->tls ? "on" : "off", NULL);
	return ret;
}

struct webguard_config *webguard_get(struct webguard *wg)
{
	return current(wg);
}

/* The guard thread's look: reload when a file changed since the last load (or failed one). */
static void look(struct webguard *wg)
{
	struct webguard_config *c = current(wg);
	struct file_id now[NR_IDS];
	bool same, known_bad;

	current_ids(wg->path, c, now);
	same = file_ids_eq(now, c->ids);
	webguard_put(c);
	if (same)
		return;
	pthread_mutex_lock(&wg->lock);
	known_bad = wg->have_bad && file_ids_eq(now, wg->bad);
	pthread_mutex_unlock(&wg->lock);
	if (!known_bad)
		reload(wg, now, false);
}

static void *guard_run(void *arg)
{
	struct webguard *wg = arg;
	struct timespec at;

	clock_gettime(CLOCK_MONOTONIC, &at);
	pthread_mutex_lock(&wg->guard_lock);
	while (!wg->guard_stop) {
		at.tv_sec += GUARD_TICK_MS / 1000;
		at.tv_nsec += (GUARD_TICK_MS % 1000) * 1000000L;
		if (at.tv_nsec >= 1000000000L) {
			at.tv_sec++;
			at.tv_nsec -= 1000000000L;
		}
		while (!wg->guard_stop && pthread_cond_timedwait(&wg->guard_cond, &wg->guard_lock, &at) == 0)
			;
		if (wg->guard_stop)
			break;
		pthread_mutex_unlock(&wg->guard_lock);
		look(wg);
		pthread_mutex_lock(&wg->guard_lock);
	}
	pthread_mutex_unlock(&wg->guard_lock);
	return NULL;
}

int webguard_start(struct webguard *wg)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned int threads = cores > 0 && cores < AUTH_THREADS ? (unsigned int)cores : AUTH_THREADS;
	int ret;

	/*
	 * Twice the requests' queue: a job still ends while its request is
	 * resumed.  At nice AUTH_NICE: a flood of wrong passwords yields the
	 * CPU to the scrape and HTTP threads.
	 */
	ret = workq_start(&wg->auth, "bpfme-auth", threads, 2 * WEBGUARD_AUTH_QUEUE, AUTH_NICE);
	if (ret)
		return ret;
	ret = -pthread_create(&wg->guard, NULL, guard_run, wg);
	if (ret)
		return ret;
	pthread_setname_np(wg->guard, "bpfme-guard");
	wg->guard_started = true;
	return 0;
}

int webguard_reload(struct webguard *wg)
{
	struct webguard_config *c = current(wg);
	struct file_id now[NR_IDS];

	current_ids(wg->path, c, now);
	webguard_put(c);
	return reload(wg, now, true);
}

void *webguard_conn_start(struct webguard *wg, void *tls_session)
{
	struct tls_creds *creds;
	struct webguard_config *c;

	if (!wg->tls || !tls_session)
		return NULL;
	c = webguard_get(wg);
	creds = tls_creds_ref(c->tls);
	webguard_put(c);
	if (tls_session_setup(creds, tls_session)) {
		static struct log_ratelimit rl = LOG_RATELIMIT_INIT(60);

		if (log_ratelimit_ok(&rl))
			log_warnx("cannot set up a TLS session: its requests are refused");
		tls_creds_unref(creds);
		return NULL;
	}
	return creds;
}

void webguard_conn_end(void *conn_ctx)
{
	tls_creds_unref(conn_ctx);
}

enum webguard_verdict webguard_check(struct webguard *wg, const struct webguard_config *c, void *conn_ctx,
			       void *tls_session, const char *authorization, char *why, size_t len)
{
	if (wg->tls) {
		if (!conn_ctx || !tls_session) {
			snprintf(why, len, "the TLS session was not set up");
			return WG_FORBIDDEN;
		}
		if (tls_check_client(conn_ctx, tls_session, why, len))
			return WG_FORBIDDEN;
	}
	if (!c->cfg.nr_users)
		return WG_ALLOW;
	switch (basicauth_quick(wg->ba, c->cfg.users, c->cfg.nr_users, authorization)) {
	case BASICAUTH_YES:
		return WG_ALLOW;
	case BASICAUTH_BCRYPT:
		return WG_BCRYPT;
	default:
		snprintf(why, len, authorization ? "wrong user name or password" :
			 "basic auth credentials are required");
		return WG_UNAUTHORIZED;
	}
}

static void auth_run(struct workq_job *job)
{
	struct webguard_auth *a = (struct webguard_auth *)((char *)job - offsetof(struct webguard_auth, job));

	a->ok = basicauth_check(a->wg->ba, a->c->cfg.users, a->c->cfg.nr_users, a->authorization);
	explicit_bzero(a->authorization, strlen(a->authorization));
	free(a->authorization);
	a->authorization = NULL;
	a->done(a);	/* a may be gone after this */
}

int webguard_auth_submit(struct webguard *wg, struct webguard_auth *a, const struct webguard_config *c,
			 const char *authorization, void (*done)(struct webguard_auth *a))
{
	int ret;

	memset(a, 0, sizeof(*a));
	a->wg = wg;
	a->c = c;
	a->done = done;
	a->job.run = auth_run;
	if (!(a->authorization = strdup(authorization ? authorization : "")))
		return -ENOMEM;
	ret = workq_submit(wg->auth, &a->job);
	if (ret) {
		explicit_bzero(a->authorization, strlen(a->authorization));
		free(a->authorization);
		a->authorization = NULL;
	}
	return ret;
}

enum webguard_verdict webguard_auth_verdict(const struct webguard_auth *a, char *why, size_t len)
{
	if (a->ok)
		return WG_ALLOW;
	snprintf(why, len, "wrong user name or password");
	return WG_UNAUTHORIZED;
}

const char *const *webguard_headers(const struct webguard_config *c)
{
	return c->headers;
}

bool webguard_basic_auth(const struct webguard_config *c)
{
	return c && c->cfg.nr_users > 0;
}
