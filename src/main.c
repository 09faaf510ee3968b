// SPDX-License-Identifier: Apache-2.0
/*
 * bpf-metrics-exporter - serves the kernel's BPF programs, maps and links as
 * Prometheus metrics.  main() parses flags, loads the web config, checks
 * privileges, opens the listening sockets, starts the HTTP server and waits
 * for SIGINT/SIGTERM (SIGHUP re-reads the web config).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/capability.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

#include <bpf/bpf.h>

#include "audit/audit_reader.h"
#include "bpf/iters.h"
#include "cli.h"
#include "collectors.h"
#include "metrics/coll.h"
#include "audit/ev.h"
#include "http/follow.h"
#include "audit/progcache.h"
#include "flags.h"
#include "http/http.h"
#include "http/listen.h"
#include "lib/log.h"
#include "lib/privs.h"
#include "web/webguard.h"
#include "http/scraper.h"
#include "routes.h"

#include "version.h"	/* generated (Makefile): VERSION, the git revision; only this file uses it */
#include "buildinfo.h"

static void version_details(FILE *out)
{
	const struct buildinfo b = { VERSION_REVISION, VERSION_BRANCH, VERSION_BUILD_USER,
				     VERSION_BUILD_DATE };

	buildinfo_print(out, &b);
}

/*
 * --bpf.enable-stats: the kernel counts program runs and run time while any
 * BPF_ENABLE_STATS fd is open.  This one is never closed: the kernel closes
 * it when the process ends, however it ends (SIGKILL included), and stops
 * counting unless someone else asked for it.  -errno on failure, logged.
 */
static int enable_stats(void)
{
	int fd = bpf_enable_stats(BPF_STATS_RUN_TIME);

	if (fd >= 0)
		return 0;
	if (fd == -EPERM)
		log_errx("--bpf.enable-stats: permission denied; needs CAP_SYS_ADMIN");
	else
		log_errx("--bpf.enable-stats: %s (BPF_ENABLE_STATS needs Linux 5.8 or later)",
			 strerror(-fd));
	return fd;
}

/*
 * CAP_SYS_ADMIN lists BPF objects; CAP_AUDIT_READ keeps the audit
 * subscription; CAP_AUDIT_CONTROL reads the kernel's audit status (AUDIT_GET);
 * CAP_SYS_PTRACE reads other processes' fds (/proc/PID/fd, fdinfo) for the
 * holders collector: without it a process of another uid, or one with
 * capabilities the exporter lacks, is left out (one warning says so).
 */
static const int keep_caps[] = { CAP_SYS_ADMIN, CAP_AUDIT_READ, CAP_AUDIT_CONTROL, CAP_SYS_PTRACE };

/* One clear line on what is missing, before anything is started. */
static int check_bpf_access(void)
{
	__u32 id;
	int err = bpf_prog_get_next_id(0, &id);

	if (!err || err == -ENOENT)
		return 0;
	if (err == -EPERM)
		log_errx("cannot list BPF objects: permission denied; needs CAP_SYS_ADMIN "
			 "(run as root or grant the capability)");
	else
		log_errx("cannot list BPF objects: %s (is BPF enabled in this kernel?)",
			 strerror(-err));
	return err;
}

/*
 * Room for every connection on each of nr_sockets listening sockets (the
 * limit is per socket), plus the fds a scrape opens one at a time.
 */
static void raise_fd_limit(unsigned int *max_connections, size_t nr_sockets)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)*max_connections * nr_sockets + 64;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return;
	if (rl.rlim_cur >= want)
		return;
	rl.rlim_cur = want <= rl.rlim_max ? want : rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	getrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur < want) {
		rlim_t room = rl.rlim_cur > 128 ? (rl.rlim_cur - 64) / nr_sockets : 64;

		*max_connections = room > 2 ? (unsigned int)room : 2;
		log_warnx("open file limit is %llu: serving at most %u connections%s",
			  (unsigned long long)rl.rlim_cur, *max_connections,
			  nr_sockets > 1 ? " on each listening socket" : "");
	}
}

/* How many more fds this process can open now, up to max (at most 16): opened and closed. */
static int fds_left(int max)
{
	int fds[16], n = 0;

	while (n < max && n < 16 && (fds[n] = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0)
		n++;
	for (int i = 0; i < n; i++)
		close(fds[i]);
	return n;
}

/*
 * A start-up failure of what (err: an errno value), in one line.  When the
 * open file limit is what ran out -- EMFILE, or a failure (libmicrohttpd's
 * answers only -EIO) with fewer than 8 fds left below the limit -- the line
 * says so and names the limit, not what the failing call made of it.
 */
static void log_start_error(const char *what, int err)
{
	struct rlimit rl;

	if ((err == EMFILE || fds_left(8) < 8) && !getrlimit(RLIMIT_NOFILE, &rl))
		log_errx("%s: %s: the open file limit (%llu) is too low; raise it (ulimit -n, "
			 "LimitNOFILE= in a systemd unit)", what, strerror(EMFILE),
			 (unsigned long long)rl.rlim_cur);
	else
		log_errx("%s: %s", what, strerror(err));
}

/* fd's address, "HOST:PORT" or "[HOST]:PORT", into addr. */
static void socket_address(int fd, char *addr, size_t size)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned int port = 0;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0) {
		if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

			inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
			port = ntohs(s6->sin6_port);
			snprintf(addr, size, "[%s]:%u", host, port);
		} else {
			struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

			inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
			port = ntohs(s4->sin_port);
			snprintf(addr, size, "%s:%u", host, port);
		}
	} else {
		snprintf(addr, size, "?");
	}
}

static void log_listening(int fd, const char *path, bool from_systemd)
{
	char addr[INET6_ADDRSTRLEN + 16];

	socket_address(fd, addr, sizeof(addr));
	if (from_systemd)
		log_kv(LOG_INFO, "listening", "address", addr, "path", path, "version", VERSION,
		       "socket", "systemd", NULL);
	else
		log_kv(LOG_INFO, "listening", "address", addr, "path", path, "version", VERSION, NULL);
}

/*
 * The exporter's own BPF iterators, loaded while every capability is still
 * there: bpfme_holders for the holders collector (unless
 * --collector.holders.source=procfs), bpfme_entries for bpf_map_entries,
 * bpfme_progs for the snapshot's programs (unless --bpf.snapshot.source=
 * syscall).  One log line for each that does not load; the exporter goes
 * on without.
 */
static void load_iters(struct iters *it, const struct flags *f, struct collector *c)
{
	int holders = coll_find(c, "holders"), entries = coll_find(c, "entries");
	unsigned int want = 0;

	if (holders >= 0 && c->on[holders] && f->holders_source != FLAGS_HOLDERS_PROCFS)
		want |= 1u << ITERS_HOLDERS;
	if (entries >= 0 && c->on[entries])
		want |= 1u << ITERS_ENTRIES;
	if (f->snapshot_source != FLAGS_SNAPSHOT_SYSCALL)
		want |= 1u << ITERS_PROGS;
	iters_load(it, want);
	c->iters = it;
	c->holders_by_iter = iters_ready(it, ITERS_HOLDERS);
	if ((want & (1u << ITERS_HOLDERS)) && !c->holders_by_iter)
		log_msg(f->holders_source == FLAGS_HOLDERS_ITERATOR ? LOG_WARN : LOG_INFO,
			"holders: reading /proc/PID/fd instead of the task_file BPF iterator: "
			"bpfme_holders did not load: %s", it->why[ITERS_HOLDERS]);
	if ((want & (1u << ITERS_ENTRIES)) && !iters_ready(it, ITERS_ENTRIES))
		log_msg(it->err[ITERS_ENTRIES] == -ENOENT ? LOG_INFO : LOG_WARN,
			"entries: bpf_map_entries is left out: the BPF iterator bpfme_entries "
			"did not load: %s", it->why[ITERS_ENTRIES]);
	if ((want & (1u << ITERS_PROGS)) && !iters_ready(it, ITERS_PROGS))
		log_msg(f->snapshot_source == FLAGS_SNAPSHOT_ITERATOR ? LOG_WARN : LOG_INFO,
			"snapshot: opening each BPF program instead of reading the bpf_prog BPF "
			"iterator: bpfme_progs did not load: %s", it->why[ITERS_PROGS]);
}

/* Written by the HTTP threads, read by scrapes; 16 KiB, so not on the stack. */
static struct http_stats request_stats;

/* The scrape thread's view of the collectors (collector.h). */
static const struct scraper_ops coll_scraper_ops = {
	.snapshot = coll_round_take,
	.count = coll_round_count,
	.render = coll_round_render,
	.release = coll_round_release,
	.select = coll_select_mask,
};

int main(int argc, char **argv)
{
	struct http_server *srv = NULL;
	struct webguard *web = NULL;
	struct scraper *scraper = NULL;
	struct audit_reader *audit = NULL;
	struct progcache *progs = NULL;
	struct follow_hub *followers = NULL;
	struct buf listen_text = BUF_INIT;
	struct timespec started;
	struct ev_ring ring = { .slots = NULL };
	struct http_config hc;
	struct http_route routes[ROUTES_MAX];
	struct collector coll;
	struct iters iters;
	struct flags_env env;
	struct flags f;
	sigset_t sigs;
	int fds[FLAGS_MAX_LISTEN];
	size_t nr_fds = 0;
	char err[256];
	int sig = 0, ret;

	/*
	 * Signals are taken by sigwait() at the end, and every thread inherits
	 * the mask; block them first so a SIGTERM during start-up is a clean
	 * exit, not a kill.  SIGHUP re-reads the web config and never stops
	 * the exporter.
	 */
	clock_gettime(CLOCK_REALTIME, &started);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	env = *cli_flags_env();
	env.version = VERSION;
	env.version_details = version_details;
	switch (flags_parse(&f, &env, argc, argv, stdout, stderr)) {
	case FLAGS_EXIT_OK:
		return 0;
	case FLAGS_USAGE:
		return 2;
	case FLAGS_RUN:
		break;
	}
	log_setup(f.log_level, f.log_format, STDERR_FILENO);
	log_route_libbpf();

	if (f.web_config_file) {
		char why[1024];

		if (webguard_open(&web, f.web_config_file, why, sizeof(why))) {
			log_kv(LOG_ERROR, "bad web config (--web.config.file)", "err", why, NULL);
			return 1;
		}
		log_kv(LOG_INFO, "web config loaded", "file", f.web_config_file,
		       "tls", webguard_tls(web) ? "on" : "off", NULL);
	}
	if (check_bpf_access())
		return 1;
	if (f.systemd_socket) {
		ret = listen_systemd(fds, sizeof(fds) / sizeof(fds[0]), err, sizeof(err));
		if (ret < 0) {
			log_errx("%s", err);
			return 1;
		}
		nr_fds = (size_t)ret;
		if (f.listen_address_given)
			log_warnx("--web.listen-address is ignored: --web.systemd-socket serves the "
				  "sockets systemd passed");
	}
	for (; !f.systemd_socket && nr_fds < f.nr_listen_addresses; nr_fds++) {
		ret = listen_open(f.listen_addresses[nr_fds], &fds[nr_fds], err, sizeof(err));
		if (ret) {
			log_errx("%s", err);	/* names the address */
			while (nr_fds)
				close(fds[--nr_fds]);
			return ret == -EINVAL ? 2 : 1;	/* -EINVAL: a HOST that names nothing */
		}
	}
	raise_fd_limit(&f.max_connections, nr_fds);
	if (f.enable_stats && enable_stats())
		return 1;

	coll_init(&coll, VERSION, &collectors_table);
	for (size_t i = 0; i < collectors_table.nr_defs; i++)
		coll_set_on(&coll, (int)i, f.collector_on[i]);
	memset(&hc, 0, sizeof(hc));
	coll.exporter_metrics = !f.disable_exporter_metrics;
	coll.stats_fd_held = f.enable_stats;
	if (coll.exporter_metrics) {
		coll.http_stats = &request_stats;
		hc.stats = &request_stats;
	}
	if (!f.no_audit) {
		struct audit_reader_config ac = {
			.ring = &ring,
			.buffer_bytes = (int)f.audit_buffer_bytes,
			.enable = f.audit_enable,
			.log_events = f.log_events,
		};

		if (ev_ring_init(&ring, f.events_capacity) || !(progs = progcache_new(PROGCACHE_DEFAULT))) {
			log_errx("out of memory");
			return 1;
		}
		ac.progs = progs;
		audit = audit_reader_open(&ac);
		if (!audit) {
			log_start_error("cannot open the audit reader", errno);
			return 1;
		}
		coll_set_audit(&coll, &ring, audit, progs);
		hc.events = &ring;
		hc.audit = audit;
	}
	load_iters(&iters, &f, &coll);

	/* The sockets are open: keep only what is still needed. */
	ret = privs_drop(keep_caps, sizeof(keep_caps) / sizeof(keep_caps[0]));
	if (ret == -EPERM)
		/* A container's or a unit's extra capabilities, without CAP_SETPCAP. */
		log_info("unneeded capabilities stay in the bounding set: removing them takes "
			 "CAP_SETPCAP; they are gone from every other set and no_new_privs is set, "
			 "so nothing regains them");
	else if (ret)
		log_warnx("could not drop unneeded capabilities: %s", strerror(-ret));

	/* Threads after the drop: capabilities are each thread's own. */
	if (web) {
		ret = webguard_start(web);
		if (ret) {
			log_start_error("cannot start the web config's threads", -ret);
			return 1;
		}
	}
	if (hc.events && f.max_followers) {
		ret = follow_start(&followers, &ring, f.max_followers, f.write_timeout_ms);
		if (ret) {
			log_start_error("cannot start the follow thread", -ret);
			return 1;
		}
		hc.followers = followers;
	}
	hc.listen_fds = fds;
	hc.nr_listen_fds = nr_fds;
	hc.telemetry_path = f.telemetry_path;
	routes_init(routes, f.telemetry_path);
	hc.routes = routes;
	hc.max_connections = f.max_connections;
	hc.max_requests = f.max_requests;
	hc.read_timeout_ms = f.read_timeout_ms;
	hc.write_timeout_ms = f.write_timeout_ms;
	ret = scraper_start(&scraper, &coll_scraper_ops, &coll);
	if (ret) {
		log_start_error("cannot start the scrape thread", -ret);
		return 1;
	}
	hc.scraper = scraper;
	hc.web = web;
	for (size_t i = 0; i < nr_fds; i++) {
		char addr[INET6_ADDRSTRLEN + 16];

		log_listening(fds[i], f.telemetry_path, f.systemd_socket);
		socket_address(fds[i], addr, sizeof(addr));
		buf_addf(&listen_text, "%s%s", i ? ", " : "", addr);
	}
	hc.listen_text = listen_text.buf;
	hc.version = VERSION;
	hc.start_time_ms = (int64_t)started.tv_sec * 1000 + started.tv_nsec / 1000000;
	ret = http_start(&srv, &hc);
	if (ret) {
		log_start_error("cannot start the HTTP server", -ret);
		return 1;
	}
	ret = audit_reader_start(audit);
	if (ret)
		log_warnx("cannot start the audit thread: %s; /events stays empty", strerror(-ret));
	if (f.no_audit)
		log_debug("the audit collector is off: BPF audit events are not read");
	if (f.no_audit && flags_collector_on(&f, "loaders"))
		log_info("loaders: bpf_program_loader_info is left out: it needs the audit "
			 "collector's LOAD events (--no-collector.loaders turns it off)");

	for (;;) {
		ret = sigwait(&sigs, &sig);
		if (ret == EINTR)
			continue;
		if (ret) {
			/* sig is not set: stop, as for SIGTERM, rather than wait on nothing */
			log_errx("sigwait: %s", strerror(ret));
			sig = 0;
			break;
		}
		if (sig != SIGHUP)
			break;
		if (web)
			webguard_reload(web);	/* logs the outcome; a bad file keeps the old config */
		else
			log_info("SIGHUP: no --web.config.file to re-read");
	}
	log_kv(LOG_INFO, "shutting down", "signal",
	       sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "none", NULL);
	scraper_stop(scraper);	/* every scrape answered: none left suspended */
	follow_stop(followers);	/* every follower resumed to end */
	http_stop(srv);
	webguard_free(web);
	scraper_free(scraper);
	iters_release(&iters);	/* no scrape left to read them */
	audit_reader_stop(audit);
	follow_free(followers);	/* after the ring's writer: it wakes the hub's eventfd */
	buf_release(&listen_text);
	progcache_free(progs);
	ev_ring_release(&ring);
	return 0;
}
