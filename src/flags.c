// SPDX-License-Identifier: Apache-2.0
/* flags - command-line parsing with getopt_long; see flags.h. */
#include "flags.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/parse.h"

enum {
	OPT_LISTEN = 256, OPT_PATH, OPT_MAX_CONN, OPT_MAX_REQUESTS, OPT_READ_TIMEOUT,
	OPT_WRITE_TIMEOUT, OPT_LOG_LEVEL, OPT_LOG_FORMAT, OPT_LOG_EVENTS,
	OPT_NO_AUDIT, OPT_VERSION, OPT_AUDIT_ENABLE, OPT_AUDIT_BUFFER, OPT_EVENTS_CAPACITY,
	OPT_SYSTEMD_SOCKET, OPT_DISABLE_EXPORTER_METRICS,
	OPT_WEB_CONFIG, OPT_ENABLE_STATS, OPT_MAX_FOLLOWERS, OPT_HOLDERS_SOURCE,
	OPT_DISABLE_DEFAULTS,
	OPT_NO_DISABLE_DEFAULTS,
	OPT_SNAPSHOT_SOURCE,
	/* --collector.NAME is OPT_COLLECTOR + 2 * index, --no-collector.NAME the next one */
	OPT_COLLECTOR = 512,
};

#define COLLECTOR_PREFIX "collector."
#define NO_COLLECTOR_PREFIX "no-collector."
#define DISABLE_DEFAULTS_NAME "disable-defaults"
#define DISABLE_DEFAULTS COLLECTOR_PREFIX DISABLE_DEFAULTS_NAME
#define NO_DISABLE_DEFAULTS NO_COLLECTOR_PREFIX DISABLE_DEFAULTS_NAME

static const struct option base_options[] = {
	{ "web.listen-address", required_argument, NULL, OPT_LISTEN },
	{ "web.systemd-socket", no_argument, NULL, OPT_SYSTEMD_SOCKET },
	{ "web.telemetry-path", required_argument, NULL, OPT_PATH },
	{ "web.max-connections", required_argument, NULL, OPT_MAX_CONN },
	{ "web.disable-exporter-metrics", no_argument, NULL, OPT_DISABLE_EXPORTER_METRICS },
	{ "web.config.file", required_argument, NULL, OPT_WEB_CONFIG },
	{ "web.max-requests", required_argument, NULL, OPT_MAX_REQUESTS },
	{ "web.max-followers", required_argument, NULL, OPT_MAX_FOLLOWERS },
	{ "web.read-timeout", required_argument, NULL, OPT_READ_TIMEOUT },
	{ "web.write-timeout", required_argument, NULL, OPT_WRITE_TIMEOUT },
	{ "log.level", required_argument, NULL, OPT_LOG_LEVEL },
	{ "log.format", required_argument, NULL, OPT_LOG_FORMAT },
	{ "log.events", no_argument, NULL, OPT_LOG_EVENTS },
	{ "no-audit", no_argument, NULL, OPT_NO_AUDIT },
	{ "audit.enable", no_argument, NULL, OPT_AUDIT_ENABLE },
	{ "audit.buffer-bytes", required_argument, NULL, OPT_AUDIT_BUFFER },
	{ "events.capacity", required_argument, NULL, OPT_EVENTS_CAPACITY },
	{ "bpf.enable-stats", no_argument, NULL, OPT_ENABLE_STATS },
	{ "collector.holders.source", required_argument, NULL, OPT_HOLDERS_SOURCE },
	{ DISABLE_DEFAULTS, no_argument, NULL, OPT_DISABLE_DEFAULTS },
	{ NO_DISABLE_DEFAULTS, no_argument, NULL, OPT_NO_DISABLE_DEFAULTS },
	{ "bpf.snapshot.source", required_argument, NULL, OPT_SNAPSHOT_SOURCE },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
};
#define NR_BASE_OPTIONS (sizeof(base_options) / sizeof(base_options[0]))

/*
 * base_options, then two for each collector, then the end.  Their names live
 * in collector_names[] (a collector's name is a short word from the table;
 * check_flags parses each collector's two flags).
 */
static struct option options[NR_BASE_OPTIONS + 2 * FLAGS_MAX_COLLECTORS + 1];
static char collector_names[FLAGS_MAX_COLLECTORS][2][64];

static size_t nr_collectors(const struct flags_env *env)
{
	return env->nr_collectors < FLAGS_MAX_COLLECTORS ? env->nr_collectors : FLAGS_MAX_COLLECTORS;
}

/* Index of the collector called name among env's, or -1. */
static int find_collector(const struct flags_collector *collectors, size_t nr, const char *name)
{
	for (size_t i = 0; i < nr; i++)
		if (!strcmp(collectors[i].name, name))
			return (int)i;
	return -1;
}

static void build_options(const struct flags_env *env)
{
	size_t n = NR_BASE_OPTIONS;

	memcpy(options, base_options, sizeof(base_options));
	for (size_t i = 0; i < nr_collectors(env); i++) {
		for (int no = 0; no < 2; no++) {
			snprintf(collector_names[i][no], sizeof(collector_names[i][no]), "%s%s",
				 no ? NO_COLLECTOR_PREFIX : COLLECTOR_PREFIX, env->collectors[i].name);
			options[n].name = collector_names[i][no];
			options[n].has_arg = no_argument;
			options[n].flag = NULL;
			options[n].val = OPT_COLLECTOR + 2 * (int)i + no;
			n++;
		}
	}
	memset(&options[n], 0, sizeof(options[n]));
}

bool flags_collector_on(const struct flags *f, const char *name)
{
	int i = find_collector(f->collectors, f->nr_collectors, name);

	return i >= 0 && f->collector_on[i];
}

/* Print text from column indent, wrapped at spaces to end before column 80. */
static void print_wrapped(FILE *out, const char *text, int col, int indent)
{
	while (*text) {
		int len = (int)strcspn(text, " ");

		if (col > indent && col + 1 + len > 80) {
			fprintf(out, "\n%*s", indent, "");
			col = indent;
		} else if (col > indent) {
			fputc(' ', out);
			col++;
		} else {
			fprintf(out, "%*s", indent - col, "");
			col = indent;
		}
		fprintf(out, "%.*s", len, text);
		col += len;
		text += len;
		text += strspn(text, " ");
	}
	fputc('\n', out);
}

void flags_usage(const struct flags_env *env, FILE *out)
{
	struct buf line = BUF_INIT;

	fprintf(out,
"Usage: bpf-metrics-exporter [FLAGS]\n"
"Export the kernel's BPF programs, maps and links as Prometheus metrics.\n"
"\n"
"  --web.listen-address=[HOST]:PORT\n"
"                         Address to listen on for HTTP; an empty HOST means\n"
"                         every IPv6 and IPv4 address (default \"%s\"). Repeat\n"
"                         the flag to listen on several addresses (at most %d)\n"
"  --web.systemd-socket   Serve the sockets systemd passes (socket activation)\n"
"                         instead of --web.listen-address\n"
"  --web.telemetry-path=PATH\n"
"                         Path under which to expose metrics (default \"%s\")\n"
"  --web.max-connections=N\n"
"                         Most HTTP connections served at once; one client\n"
"                         address may hold a quarter of them (default %u)\n"
"  --web.max-requests=N   Most scrapes in flight at once, from the request until\n"
"                         the answer is read; one client address may have a\n"
"                         quarter of them; beyond, a scrape answers 503 at once\n"
"                         (0: no limit; default %u)\n"
"  --web.max-followers=N  Most clients following /events (?follow=1) at once;\n"
"                         they hold no scrape slot; beyond, 503 (0: following\n"
"                         is off; default %u)\n"
"  --web.read-timeout=DURATION\n"
"                         A request must arrive whole within this of its\n"
"                         connection opening or of the previous answer, or the\n"
"                         connection is closed (default %us)\n"
"  --web.write-timeout=DURATION\n"
"                         An answer must be read whole within this of being\n"
"                         ready, or the connection is dropped (default %us)\n"
"  --web.disable-exporter-metrics\n"
"                         Leave out the metrics about the exporter itself:\n"
"                         process_* and bpf_exporter_http_requests*\n"
"  --web.config.file=FILE\n"
"                         Web config (exporter-toolkit format) that turns on\n"
"                         TLS and basic auth; re-read when it changes and on\n"
"                         SIGHUP (default: none, plain HTTP)\n"
"  --log.level=LEVEL      Only log messages of this level or above: debug,\n"
"                         info, warn or error (default \"info\")\n"
"  --log.format=FORMAT    Log line format: logfmt or json (default \"logfmt\")\n"
"  --log.events           Log an info line per BPF program LOAD/UNLOAD event, at\n"
"                         most 10 a second (default: off; every event is at\n"
"                         /events and in the counters)\n"
"  --no-audit             Do not read BPF events from the kernel audit socket;\n"
"                         the same as --no-collector.audit\n"
"  --audit.enable         Turn the kernel's audit on at start (needs\n"
"                         CAP_AUDIT_CONTROL)\n"
"  --audit.buffer-bytes=N\n"
"                         Receive buffer of the audit socket in bytes\n"
"                         (default %u)\n"
"  --events.capacity=N    Recent BPF events kept for /events (default %u)\n"
"  --bpf.enable-stats     Have the kernel count every BPF program's runs and run\n"
"                         time while the exporter runs (a BPF_ENABLE_STATS fd,\n"
"                         given back when it exits, however it exits); costs\n"
"                         about 44 ns on every run of every program (see\n"
"                         bpf-metrics-exporter(8)); needs CAP_SYS_ADMIN\n"
"  --bpf.snapshot.source=SOURCE\n"
"                         Where each scrape reads the BPF programs from: auto\n"
"                         (the kernel's bpf_prog BPF iterator where it loads,\n"
"                         else an fd, its info and fdinfo for each program),\n"
"                         iterator (the same, warning when it does not load)\n"
"                         or syscall (default \"auto\")\n"
"  -h, --help             Show this help and exit\n"
"  --version              Show the version, how it was built and what it finds\n"
"                         of the kernel, and exit\n"
"\n"
"Collectors:\n"
"  --collector.disable-defaults, --no-collector.disable-defaults\n"
"                         Turn off every collector not named by a flag of its\n"
"                         own (--collector.NAME turns it on), wherever the\n"
"                         flag is given (the last of the two wins; default off)\n"
"Each collector below is turned on or off by its two flags (the last one given\n"
"wins):\n",
		FLAGS_DEFAULT_LISTEN, FLAGS_MAX_LISTEN, FLAGS_DEFAULT_PATH, FLAGS_DEFAULT_MAX_CONNECTIONS,
		FLAGS_DEFAULT_MAX_REQUESTS, FLAGS_DEFAULT_MAX_FOLLOWERS, FLAGS_DEFAULT_READ_TIMEOUT_MS / 1000,
		FLAGS_DEFAULT_WRITE_TIMEOUT_MS / 1000, FLAGS_DEFAULT_AUDIT_BUFFER, FLAGS_DEFAULT_EVENTS_CAPACITY);
	for (size_t i = 0; i < nr_collectors(env); i++) {
		const struct flags_collector *fc = &env->collectors[i];

		fprintf(out, "  --collector.%s, --no-collector.%s\n", fc->name, fc->name);
		buf_reset(&line);
		buf_addf(&line, "%s (default %s)", fc->help, fc->default_on ? "on" : "off");
		print_wrapped(out, line.buf, 0, 25);
	}
	buf_release(&line);
	fprintf(out,
"  --collector.holders.source=SOURCE\n"
"                         Where the holders collector finds BPF fds: auto (the\n"
"                         kernel's task_file BPF iterator where it loads, else\n"
"                         a walk of /proc), iterator (the same, warning when\n"
"                         it does not load) or procfs (default \"auto\")\n"
"\n"
"Needs CAP_SYS_ADMIN (e.g. run as root) to list BPF objects and load the\n"
"exporter's own BPF iterators, and\n"
"CAP_AUDIT_READ for BPF events (CAP_AUDIT_CONTROL for the kernel's audit status).\n"
"See bpf-metrics-exporter(8).\n");
}

/* A decimal number from min to max; 0 or -EINVAL. */
static int parse_uint(const char *s, unsigned long min, unsigned long max, unsigned int *out)
{
	uint64_t n;

	if (parse_dec_str(s, max, &n) || n < min)
		return -EINVAL;
	*out = (unsigned int)n;
	return 0;
}

int flags_parse_duration(const char *s, unsigned int min_ms, unsigned int max_ms, unsigned int *ms)
{
	bool bare = s[strspn(s, "0123456789")] == '\0';	/* seconds */
	uint64_t total = 0;
	const char *p = s;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	while (*p) {
		uint64_t n = 0, unit;

		if (parse_dec(&p, NULL, max_ms, &n))
			return -EINVAL;	/* none, or too long in any unit */
		if (bare) {
			unit = 1000;
		} else if (!strncmp(p, "ms", 2)) {
			unit = 1;
			p += 2;
		} else if (*p == 's' || *p == 'm' || *p == 'h') {
			unit = *p == 's' ? 1000 : *p == 'm' ? 60000 : 3600000;
			p++;
		} else {
			return -EINVAL;
		}
		total += n * unit;
		if (total > max_ms)
			return -EINVAL;
	}
	if (total < min_ms)
		return -EINVAL;
	*ms = (unsigned int)total;
	return 0;
}

static enum flags_result usage_error(FILE *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static enum flags_result usage_error(FILE *err, const char *fmt, ...)
{
	va_list ap;

	fprintf(err, "bpf-metrics-exporter: ");
	va_start(ap, fmt);
	vfprintf(err, fmt, ap);
	va_end(ap);
	fprintf(err, "\nTry 'bpf-metrics-exporter --help' for more information.\n");
	return FLAGS_USAGE;
}

/* The NAME of "--collector.NAME[=...]" or "--no-collector.NAME[=...]", or NULL. */
static const char *collector_arg(const char *arg)
{
	if (!strncmp(arg, "--" COLLECTOR_PREFIX, strlen("--" COLLECTOR_PREFIX)))
		return arg + strlen("--" COLLECTOR_PREFIX);
	if (!strncmp(arg, "--" NO_COLLECTOR_PREFIX, strlen("--" NO_COLLECTOR_PREFIX)))
		return arg + strlen("--" NO_COLLECTOR_PREFIX);
	return NULL;
}

/* Whether getopt refused arg for naming no collector (not for a value given to one). */
static bool is_unknown_collector(const struct flags_env *env, const char *arg)
{
	const char *name = collector_arg(arg);
	char known[64];
	size_t len;

	if (!name)
		return false;
	len = strcspn(name, "=");
	if (len == strlen(DISABLE_DEFAULTS_NAME) && !strncmp(name, DISABLE_DEFAULTS_NAME, len))
		return false;	/* --[no-]collector.disable-defaults=...: a value it does not take */
	if (!name[len] || len >= sizeof(known))
		return true;
	memcpy(known, name, len);
	known[len] = '\0';
	return find_collector(env->collectors, nr_collectors(env), known) < 0;
}

static enum flags_result unknown_collector(const struct flags_env *env, FILE *err, const char *arg)
{
	const char *name = collector_arg(arg);
	struct buf names = BUF_INIT;
	enum flags_result r;

	for (size_t i = 0; i < nr_collectors(env); i++)
		buf_addf(&names, "%s%s", i ? ", " : "", env->collectors[i].name);
	r = usage_error(err, "unknown collector \"%.*s\" in %s: the collectors are %s",
			(int)strcspn(name, "="), name, arg, names.buf);
	buf_release(&names);
	return r;
}

/* Whether path is one of env's taken paths. */
static bool path_taken(const struct flags_env *env, const char *path)
{
	for (size_t i = 0; i < env->nr_taken_paths; i++)
		if (!strcmp(path, env->taken_paths[i]))
			return true;
	return false;
}

/* "invalid --web.telemetry-path ...: ... (/, /events and /doc are taken)" */
static enum flags_result path_taken_error(const struct flags_env *env, FILE *err, const char *path)
{
	struct buf taken = BUF_INIT;
	enum flags_result r;

	for (size_t i = 0; i < env->nr_taken_paths; i++)
		buf_addf(&taken, "%s%s", !i ? "" : i + 1 == env->nr_taken_paths ? " and " : ", ",
			 env->taken_paths[i]);
	r = usage_error(err, "invalid --web.telemetry-path \"%s\": %s is another endpoint's path "
			"(%s %s taken)", path, path, taken.buf, env->nr_taken_paths > 1 ? "are" : "is");
	buf_release(&taken);
	return r;
}

enum flags_result flags_parse(struct flags *f, const struct flags_env *env, int argc, char **argv,
			      FILE *out, FILE *err)
{
	bool named[FLAGS_MAX_COLLECTORS] = { false };	/* a flag of its own was given */
	bool disable_defaults = false;
	int c, longindex = 0;

	memset(f, 0, sizeof(*f));
	f->telemetry_path = FLAGS_DEFAULT_PATH;
	f->max_connections = FLAGS_DEFAULT_MAX_CONNECTIONS;
	f->max_requests = FLAGS_DEFAULT_MAX_REQUESTS;
	f->max_followers = FLAGS_DEFAULT_MAX_FOLLOWERS;
	f->read_timeout_ms = FLAGS_DEFAULT_READ_TIMEOUT_MS;
	f->write_timeout_ms = FLAGS_DEFAULT_WRITE_TIMEOUT_MS;
	f->log_level = LOG_INFO;
	f->log_format = LOG_FMT_LOGFMT;
	f->audit_buffer_bytes = FLAGS_DEFAULT_AUDIT_BUFFER;
	f->events_capacity = FLAGS_DEFAULT_EVENTS_CAPACITY;
	f->collectors = env->collectors;
	f->nr_collectors = nr_collectors(env);
	for (size_t i = 0; i < f->nr_collectors; i++)
		f->collector_on[i] = env->collectors[i].default_on;
	build_options(env);

	opterr = 0;
	optind = 0;	/* glibc: 0 also forgets a half-parsed cluster like -hx */
	while ((c = getopt_long(argc, argv, ":h", options, &longindex)) != -1) {
		switch (c) {
		case OPT_COLLECTOR ... OPT_COLLECTOR + 2 * FLAGS_MAX_COLLECTORS - 1:
			/* a name in full: a new collector must not take over an abbreviation */
			if (strcmp(argv[optind - 1] + 2, options[longindex].name))
				return unknown_collector(env, err, argv[optind - 1]);
			f->collector_on[(c - OPT_COLLECTOR) / 2] = !((c - OPT_COLLECTOR) % 2);
			named[(c - OPT_COLLECTOR) / 2] = true;
			break;
		case OPT_DISABLE_DEFAULTS:
			/* in full, as a collector's flags: it shares their prefix */
			if (strcmp(argv[optind - 1] + 2, DISABLE_DEFAULTS))
				return unknown_collector(env, err, argv[optind - 1]);
			disable_defaults = true;
			break;
		case OPT_NO_DISABLE_DEFAULTS:	/* kingpin's negation, as node_exporter takes it */
			if (strcmp(argv[optind - 1] + 2, NO_DISABLE_DEFAULTS))
				return unknown_collector(env, err, argv[optind - 1]);
			disable_defaults = false;
			break;
		case OPT_LISTEN: {
			char why[256];

			if (env->check_listen && env->check_listen(optarg, why, sizeof(why)))
				return usage_error(err, "%s", why);
			for (size_t i = 0; i < f->nr_listen_addresses; i++)
				if (!strcmp(f->listen_addresses[i], optarg))
					return usage_error(err, "--web.listen-address \"%s\" is given twice",
							   optarg);
			if (f->nr_listen_addresses == FLAGS_MAX_LISTEN)
				return usage_error(err, "too many --web.listen-address flags: at most %d",
						   FLAGS_MAX_LISTEN);
			f->listen_addresses[f->nr_listen_addresses++] = optarg;
			f->listen_address_given = true;
			break;
		case OPT_SYSTEMD_SOCKET:
			f->systemd_socket = true;
			break;
		case OPT_DISABLE_EXPORTER_METRICS:
			f->disable_exporter_metrics = true;
			break;
		}
		case OPT_PATH:
			if (optarg[0] != '/' || !strcmp(optarg, "/") || strpbrk(optarg, "?# \"<>"))
				return usage_error(err, "invalid --web.telemetry-path \"%s\": must start "
						   "with /, not be / itself, and hold none of ?#\"<> or spaces",
						   optarg);
			if (path_taken(env, optarg))
				return path_taken_error(env, err, optarg);
			f->telemetry_path = optarg;
			break;
		case OPT_MAX_CONN:
			if (parse_uint(optarg, 2, 65536, &f->max_connections))
				return usage_error(err, "invalid --web.max-connections \"%s\": "
						   "expected a number from 2 to 65536", optarg);
			break;
		case OPT_WEB_CONFIG:
			if (!*optarg)
				return usage_error(err, "invalid --web.config.file \"\": expected a file");
			f->web_config_file = optarg;
			break;
		case OPT_MAX_REQUESTS:
			if (parse_uint(optarg, 0, 65536, &f->max_requests))
				return usage_error(err, "invalid --web.max-requests \"%s\": "
						   "expected a number from 0 (no limit) to 65536", optarg);
			break;
		case OPT_MAX_FOLLOWERS:
			if (parse_uint(optarg, 0, FLAGS_MAX_FOLLOWERS, &f->max_followers))
				return usage_error(err, "invalid --web.max-followers \"%s\": "
						   "expected a number from 0 (following is off) to %d",
						   optarg, FLAGS_MAX_FOLLOWERS);
			break;
		case OPT_READ_TIMEOUT:
		case OPT_WRITE_TIMEOUT:
			if (flags_parse_duration(optarg, FLAGS_MIN_TIMEOUT_MS, FLAGS_MAX_TIMEOUT_MS,
						 c == OPT_READ_TIMEOUT ? &f->read_timeout_ms :
						 &f->write_timeout_ms))
				return usage_error(err, "invalid --web.%s-timeout \"%s\": expected a "
						   "duration from 100ms to 1h, such as 10s or 1m30s",
						   c == OPT_READ_TIMEOUT ? "read" : "write", optarg);
			break;
		case OPT_LOG_EVENTS:
			f->log_events = true;
			break;
		case OPT_LOG_LEVEL:
			if (log_parse_level(optarg, &f->log_level))
				return usage_error(err, "invalid --log.level \"%s\": "
						   "expected debug, info, warn or error", optarg);
			break;
		case OPT_LOG_FORMAT:
			if (log_parse_format(optarg, &f->log_format))
				return usage_error(err, "invalid --log.format \"%s\": "
						   "expected logfmt or json", optarg);
			break;
		case OPT_NO_AUDIT: {
			int audit = find_collector(f->collectors, f->nr_collectors, "audit");

			if (audit >= 0) {
				f->collector_on[audit] = false;
				named[audit] = true;
			}
			break;
		}
		case OPT_AUDIT_ENABLE:
			f->audit_enable = true;
			break;
		case OPT_ENABLE_STATS:
			f->enable_stats = true;
			break;
		case OPT_HOLDERS_SOURCE:
			if (!strcmp(optarg, "auto"))
				f->holders_source = FLAGS_HOLDERS_AUTO;
			else if (!strcmp(optarg, "iterator"))
				f->holders_source = FLAGS_HOLDERS_ITERATOR;
			else if (!strcmp(optarg, "procfs"))
				f->holders_source = FLAGS_HOLDERS_PROCFS;
			else
				return usage_error(err, "invalid --collector.holders.source \"%s\": "
						   "expected auto, iterator or procfs", optarg);
			break;
		case OPT_SNAPSHOT_SOURCE:
			if (!strcmp(optarg, "auto"))
				f->snapshot_source = FLAGS_SNAPSHOT_AUTO;
			else if (!strcmp(optarg, "iterator"))
				f->snapshot_source = FLAGS_SNAPSHOT_ITERATOR;
			else if (!strcmp(optarg, "syscall"))
				f->snapshot_source = FLAGS_SNAPSHOT_SYSCALL;
			else
				return usage_error(err, "invalid --bpf.snapshot.source \"%s\": "
						   "expected auto, iterator or syscall", optarg);
			break;
		case OPT_AUDIT_BUFFER:
			if (parse_uint(optarg, 65536, 1u << 30, &f->audit_buffer_bytes))
				return usage_error(err, "invalid --audit.buffer-bytes \"%s\": "
						   "expected a number from 65536 to 1073741824", optarg);
			break;
		case OPT_EVENTS_CAPACITY:
			if (parse_uint(optarg, 1, 1000000, &f->events_capacity))
				return usage_error(err, "invalid --events.capacity \"%s\": "
						   "expected a number from 1 to 1000000", optarg);
			break;
		case 'h':
			flags_usage(env, out);
			return FLAGS_EXIT_OK;
		case OPT_VERSION:
			fprintf(out, "bpf-metrics-exporter %s\n", env->version ? env->version : "unknown");
			if (env->version_details)
				env->version_details(out);
			return FLAGS_EXIT_OK;
		case ':':
			return usage_error(err, "flag %s needs a value", argv[optind - 1]);
		default:
			if (is_unknown_collector(env, argv[optind - 1]))
				return unknown_collector(env, err, argv[optind - 1]);
			/* inside a cluster (-xy) argv[optind - 1] is not the culprit */
			if (optopt > 0 && optopt < 256 && optopt != 'h')
				return usage_error(err, "unknown flag -%c", optopt);
			return usage_error(err, "unknown flag %s", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error(err, "unexpected argument \"%s\"", argv[optind]);
	if (!f->nr_listen_addresses)
		f->listen_addresses[f->nr_listen_addresses++] = FLAGS_DEFAULT_LISTEN;
	if (disable_defaults)	/* node_exporter's: wherever it stands among the collectors' flags */
		for (size_t i = 0; i < f->nr_collectors; i++)
			if (!named[i])
				f->collector_on[i] = false;
	f->no_audit = !flags_collector_on(f, "audit");
	return FLAGS_RUN;
}
