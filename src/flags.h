/* SPDX-License-Identifier: Apache-2.0 */
/*
 * flags - command-line parsing.  Flag names follow the Prometheus exporter
 * convention (--web.listen-address=...); "--flag value" works as well.
 */
#ifndef BPFME_FLAGS_H
#define BPFME_FLAGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "lib/log.h"

#define FLAGS_DEFAULT_LISTEN ":9435"
#define FLAGS_DEFAULT_PATH "/metrics"
#define FLAGS_DEFAULT_MAX_CONNECTIONS 1024
#define FLAGS_DEFAULT_MAX_REQUESTS 40
#define FLAGS_DEFAULT_READ_TIMEOUT_MS 10000
#define FLAGS_DEFAULT_WRITE_TIMEOUT_MS 30000
/* The range of --web.read-timeout and --web.write-timeout. */
#define FLAGS_MIN_TIMEOUT_MS 100
#define FLAGS_MAX_TIMEOUT_MS (3600 * 1000)
#define FLAGS_DEFAULT_AUDIT_BUFFER (64 * 1024 * 1024)
#define FLAGS_DEFAULT_EVENTS_CAPACITY 1024
#define FLAGS_DEFAULT_MAX_FOLLOWERS 16
#define FLAGS_MAX_FOLLOWERS 1024

/* Room for the collectors of struct flags_env (src/collectors.c's table). */
#define FLAGS_MAX_COLLECTORS 16
/* Most --web.listen-address flags (each address is one more listening socket). */
#define FLAGS_MAX_LISTEN 16

/*
 * A collector as the flags know it, plain data: the NAME of its two flags
 * (--collector.NAME, --no-collector.NAME), its default and its --help line.
 */
struct flags_collector {
	const char *name;
	bool default_on;
	const char *help;
};

/*
 * What parsing needs of the rest of the exporter, handed over by main (and
 * the tests) as plain data and one check, so that flags names no subsystem.
 */
struct flags_env {
	const struct flags_collector *collectors;	/* in --help's order */
	size_t nr_collectors;				/* the first FLAGS_MAX_COLLECTORS count */
	/* --web.listen-address's syntax: 0, or -EINVAL with a one-line reason in why */
	int (*check_listen)(const char *address, char *why, size_t whylen);
	/* other endpoints' paths, which --web.telemetry-path may not be */
	const char *const *taken_paths;
	size_t nr_taken_paths;
	const char *version;	/* what --version prints; NULL: "unknown" */
	/* --version's lines after the first (how it was built, what it finds); NULL: none */
	void (*version_details)(FILE *out);
};

/* --collector.holders.source: where the holders collector finds BPF fds. */
enum flags_holders_source {
	FLAGS_HOLDERS_AUTO,	/* the task_file iterator where it loads, else /proc */
	FLAGS_HOLDERS_ITERATOR,	/* the same, with a warning when it does not load */
	FLAGS_HOLDERS_PROCFS,	/* the walk of /proc/PID/fd; the iterator is not loaded */
};

/* --bpf.snapshot.source: where the snapshot reads the programs from. */
enum flags_snapshot_source {
	FLAGS_SNAPSHOT_AUTO,	/* the bpf_prog iterator where it loads, else an fd each */
	FLAGS_SNAPSHOT_ITERATOR,	/* the same, with a warning when it does not load */
	FLAGS_SNAPSHOT_SYSCALL,	/* an fd, its info and fdinfo each; the iterator is not loaded */
};

struct flags {
	/* --web.listen-address, in the order given; FLAGS_DEFAULT_LISTEN alone if none was */
	const char *listen_addresses[FLAGS_MAX_LISTEN];
	size_t nr_listen_addresses;
	bool listen_address_given;	/* not the default */
	bool systemd_socket;		/* serve systemd's sockets instead (--web.systemd-socket) */
	bool disable_exporter_metrics;	/* no process_* nor request families */
	const char *telemetry_path;
	const char *web_config_file;	/* --web.config.file; NULL: plain HTTP, no auth */
	unsigned int max_connections;
	unsigned int max_requests;	/* 0: no limit */
	unsigned int max_followers;	/* /events?follow=1 at once; 0: following is off */
	unsigned int read_timeout_ms;
	unsigned int write_timeout_ms;
	enum log_level log_level;
	enum log_format log_format;
	bool log_events;		/* --log.events: a line per BPF event, rate-limited */
	bool no_audit;		/* the audit collector is off (--no-audit, --no-collector.audit) */
	bool audit_enable;
	unsigned int audit_buffer_bytes;
	unsigned int events_capacity;
	bool enable_stats;	/* --bpf.enable-stats: hold a BPF_ENABLE_STATS fd while running */
	enum flags_holders_source holders_source;	/* --collector.holders.source */
	enum flags_snapshot_source snapshot_source;	/* --bpf.snapshot.source */
	/*
	 * by index in env->collectors: --collector.NAME, --no-collector.NAME,
	 * the last one wins; --collector.disable-defaults (anywhere) turns off
	 * those for which neither was given
	 */
	bool collector_on[FLAGS_MAX_COLLECTORS];
	const struct flags_collector *collectors;	/* env's, for flags_collector_on() */
	size_t nr_collectors;
};

enum flags_result { FLAGS_RUN, FLAGS_EXIT_OK, FLAGS_USAGE };

/*
 * Parse argv into f (defaults first), with the collectors and checks of env
 * (kept by f: it must outlive f).  FLAGS_RUN: go on; FLAGS_EXIT_OK: --help
 * or --version was printed to out; FLAGS_USAGE: a one-line error and a
 * pointer to --help were printed to err (exit status 2).  Not reentrant
 * (getopt).
 */
enum flags_result flags_parse(struct flags *f, const struct flags_env *env, int argc, char **argv,
			      FILE *out, FILE *err);
/* The --help text, env's collectors included, to out. */
void flags_usage(const struct flags_env *env, FILE *out);
/*
 * A duration as Prometheus flags write it: one or more NUMBER UNIT with
 * UNIT ms, s, m or h ("10s", "1m30s", "500ms"), or a bare NUMBER of
 * seconds; from min_ms to max_ms.  0 and *ms, or -EINVAL.
 */
int flags_parse_duration(const char *s, unsigned int min_ms, unsigned int max_ms, unsigned int *ms);
/* Whether the collector called name is on; false for a name not among f's collectors. */
bool flags_collector_on(const struct flags *f, const char *name);

#endif
