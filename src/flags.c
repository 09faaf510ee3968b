// SPDX-License-Identifier: Apache-2.0
/* flags - command-line parsing with getopt_long; see flags.h. */
#include "flags.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "listen.h"

#ifndef VERSION
#define VERSION "unknown"
#endif

enum {
	OPT_LISTEN = 256, OPT_PATH, OPT_MAX_CONN, OPT_LOG_LEVEL, OPT_LOG_FORMAT,
	OPT_NO_AUDIT, OPT_VERSION, OPT_AUDIT_ENABLE, OPT_AUDIT_BUFFER, OPT_EVENTS_CAPACITY,
};

static const struct option options[] = {
	{ "web.listen-address", required_argument, NULL, OPT_LISTEN },
	{ "web.telemetry-path", required_argument, NULL, OPT_PATH },
	{ "web.max-connections", required_argument, NULL, OPT_MAX_CONN },
	{ "log.level", required_argument, NULL, OPT_LOG_LEVEL },
	{ "log.format", required_argument, NULL, OPT_LOG_FORMAT },
	{ "no-audit", no_argument, NULL, OPT_NO_AUDIT },
	{ "audit.enable", no_argument, NULL, OPT_AUDIT_ENABLE },
	{ "audit.buffer-bytes", required_argument, NULL, OPT_AUDIT_BUFFER },
	{ "events.capacity", required_argument, NULL, OPT_EVENTS_CAPACITY },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

void flags_usage(FILE *out)
{
	fprintf(out,
"Usage: bpf-metrics-exporter [FLAGS]\n"
"Export the kernel's BPF programs, maps and links as Prometheus metrics.\n"
"\n"
"  --web.listen-address=[HOST]:PORT\n"
"                         Address to listen on for HTTP; an empty HOST means\n"
"                         every IPv6 and IPv4 address (default \"%s\")\n"
"  --web.telemetry-path=PATH\n"
"                         Path under which to expose metrics (default \"%s\")\n"
"  --web.max-connections=N\n"
"                         Most HTTP connections served at once; one client\n"
"                         address may hold half of them (default %u)\n"
"  --log.level=LEVEL      Only log messages of this level or above: debug,\n"
"                         info, warn or error (default \"info\")\n"
"  --log.format=FORMAT    Log line format: logfmt or json (default \"logfmt\")\n"
"  --no-audit             Do not read BPF events from the kernel audit socket\n"
"  --audit.enable         Turn the kernel's audit on at start (needs\n"
"                         CAP_AUDIT_CONTROL)\n"
"  --audit.buffer-bytes=N\n"
"                         Receive buffer of the audit socket in bytes\n"
"                         (default %u)\n"
"  --events.capacity=N    Recent BPF events kept for /events (default %u)\n"
"  -h, --help             Show this help and exit\n"
"  --version              Show the version and exit\n"
"\n"
"Needs CAP_SYS_ADMIN (e.g. run as root) to list BPF objects, and\n"
"CAP_AUDIT_READ for BPF events (CAP_AUDIT_CONTROL for the kernel's audit status).\n"
"See bpf-metrics-exporter(8).\n",
		FLAGS_DEFAULT_LISTEN, FLAGS_DEFAULT_PATH, FLAGS_DEFAULT_MAX_CONNECTIONS,
		FLAGS_DEFAULT_AUDIT_BUFFER, FLAGS_DEFAULT_EVENTS_CAPACITY);
}

/* A decimal number from min to max; 0 or -EINVAL. */
static int parse_uint(const char *s, unsigned long min, unsigned long max, unsigned int *out)
{
	unsigned long n;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	n = strtoul(s, &end, 10);
	if (errno || *end || n < min || n > max)
		return -EINVAL;
	*out = (unsigned int)n;
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

enum flags_result flags_parse(struct flags *f, int argc, char **argv,
			      FILE *out, FILE *err)
{
	int c;

	memset(f, 0, sizeof(*f));
	f->listen_address = FLAGS_DEFAULT_LISTEN;
	f->telemetry_path = FLAGS_DEFAULT_PATH;
	f->max_connections = FLAGS_DEFAULT_MAX_CONNECTIONS;
	f->log_level = LOG_INFO;
	f->log_format = LOG_FMT_LOGFMT;
	f->audit_buffer_bytes = FLAGS_DEFAULT_AUDIT_BUFFER;
	f->events_capacity = FLAGS_DEFAULT_EVENTS_CAPACITY;

	opterr = 0;
	optind = 0;	/* glibc: 0 also forgets a half-parsed cluster like -hx */
	while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
		switch (c) {
		case OPT_LISTEN: {
			char host[256], why[256];
			unsigned int port;

			if (listen_split_address(optarg, host, sizeof(host), &port, why, sizeof(why)))
				return usage_error(err, "%s", why);
			f->listen_address = optarg;
			break;
		}
		case OPT_PATH:
			if (optarg[0] != '/' || !strcmp(optarg, "/") || strpbrk(optarg, "?# \"<>"))
				return usage_error(err, "invalid --web.telemetry-path \"%s\": must start "
						   "with /, not be / itself, and hold none of ?#\"<> or spaces",
						   optarg);
			if (http_path_fixed(optarg))
				return usage_error(err, "invalid --web.telemetry-path \"%s\": %s is another "
						   "endpoint's path (" HTTP_PATH_LANDING " and " HTTP_PATH_EVENTS
						   " are taken)",
						   optarg, optarg);
			f->telemetry_path = optarg;
			break;
		case OPT_MAX_CONN:
			if (parse_uint(optarg, 2, 65536, &f->max_connections))
				return usage_error(err, "invalid --web.max-connections \"%s\": "
						   "expected a number from 2 to 65536", optarg);
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
		case OPT_NO_AUDIT:
			f->no_audit = true;
			break;
		case OPT_AUDIT_ENABLE:
			f->audit_enable = true;
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
			flags_usage(out);
			return FLAGS_EXIT_OK;
		case OPT_VERSION:
			fprintf(out, "bpf-metrics-exporter %s\n", VERSION);
			return FLAGS_EXIT_OK;
		case ':':
			return usage_error(err, "flag %s needs a value", argv[optind - 1]);
		default:
			/* inside a cluster (-xy) argv[optind - 1] is not the culprit */
			if (optopt > 0 && optopt < 256 && optopt != 'h')
				return usage_error(err, "unknown flag -%c", optopt);
			return usage_error(err, "unknown flag %s", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error(err, "unexpected argument \"%s\"", argv[optind]);
	return FLAGS_RUN;
}
