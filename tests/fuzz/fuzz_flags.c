// SPDX-License-Identifier: Apache-2.0
/*
 * fuzz_flags - flags_parse on any command line: the input split at NULs and
 * newlines is argv[1..] (argv[0] is the program's name).  Whatever it
 * holds, the answer must keep flags_parse's contract: FLAGS_RUN with every
 * value in its documented range and nothing printed; FLAGS_EXIT_OK with
 * something printed to out and nothing to err; FLAGS_USAGE with exactly
 * the error line and the pointer to --help on err.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "flags.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ARGS 64

static size_t count(const char *s, size_t n, char c)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		k += s[i] == c;
	return k;
}

/* p points into the argument text, or is the default (another copy of the literal). */
static bool ours(const char *p, const char *def, const char *text, size_t n)
{
	return (p >= text && p < text + n) || !strcmp(p, def);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *argv[MAX_ARGS + 2];
	char *out_s = NULL, *err_s = NULL;
	size_t out_n = 0, err_n = 0;
	int argc = 0;
	FILE *out, *err;
	struct flags f;
	enum flags_result r;

	if (!text)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	argv[argc++] = (char *)"bpf-metrics-exporter";
	for (size_t i = 0; i <= size && argc <= MAX_ARGS; ) {
		size_t end = i;

		while (end < size && text[end] && text[end] != '\n')
			end++;
		text[end] = '\0';
		if (end < size || end > i)	/* no empty argument from the final end */
			argv[argc++] = text + i;
		i = end + 1;
	}
	argv[argc] = NULL;

	out = open_memstream(&out_s, &out_n);
	err = open_memstream(&err_s, &err_n);
	if (!out || !err)
		abort();
	r = flags_parse(&f, cli_flags_env(), argc, argv, out, err);
	fclose(out);
	fclose(err);

	switch (r) {
	case FLAGS_RUN:
		FUZZ_ASSERT(out_n == 0 && err_n == 0, "RUN but printed: %s%s", out_s, err_s);
		FUZZ_ASSERT(f.nr_listen_addresses >= 1 && f.nr_listen_addresses <= FLAGS_MAX_LISTEN,
			    "%zu listen addresses", f.nr_listen_addresses);
		for (size_t i = 0; i < f.nr_listen_addresses; i++)
			FUZZ_ASSERT(ours(f.listen_addresses[i], FLAGS_DEFAULT_LISTEN, text, size + 1),
				    "listen address points elsewhere");
		FUZZ_ASSERT(ours(f.telemetry_path, FLAGS_DEFAULT_PATH, text, size + 1),
			    "telemetry path points elsewhere");
		FUZZ_ASSERT(f.telemetry_path[0] == '/' && f.telemetry_path[1] &&
			    !strpbrk(f.telemetry_path, "?# \"<>"),
			    "telemetry path \"%s\" accepted", f.telemetry_path);
		FUZZ_ASSERT(f.max_connections >= 2 && f.max_connections <= 65536,
			    "max connections %u", f.max_connections);
		FUZZ_ASSERT(f.max_requests <= 65536, "max requests %u", f.max_requests);
		FUZZ_ASSERT(f.max_followers <= FLAGS_MAX_FOLLOWERS, "max followers %u", f.max_followers);
		FUZZ_ASSERT(f.read_timeout_ms >= FLAGS_MIN_TIMEOUT_MS &&
			    f.read_timeout_ms <= FLAGS_MAX_TIMEOUT_MS &&
			    f.write_timeout_ms >= FLAGS_MIN_TIMEOUT_MS &&
			    f.write_timeout_ms <= FLAGS_MAX_TIMEOUT_MS,
			    "timeouts %u, %u ms", f.read_timeout_ms, f.write_timeout_ms);
		FUZZ_ASSERT(f.audit_buffer_bytes >= 65536 && f.audit_buffer_bytes <= 1u << 30,
			    "audit buffer %u", f.audit_buffer_bytes);
		FUZZ_ASSERT(f.events_capacity >= 1 && f.events_capacity <= 1000000,
			    "events capacity %u", f.events_capacity);
		FUZZ_ASSERT(f.log_level >= LOG_DEBUG && f.log_level <= LOG_ERROR, "log level");
		FUZZ_ASSERT(f.log_format == LOG_FMT_LOGFMT || f.log_format == LOG_FMT_JSON,
			    "log format");
		break;
	case FLAGS_EXIT_OK:
		FUZZ_ASSERT(out_n > 0 && err_n == 0, "EXIT_OK: out %zu bytes, err %zu", out_n, err_n);
		break;
	case FLAGS_USAGE:
		FUZZ_ASSERT(out_n == 0, "USAGE but printed to out: %s", out_s);
		FUZZ_ASSERT(err_n > 0 && !strncmp(err_s, "bpf-metrics-exporter: ", 22) &&
			    count(err_s, err_n, '\n') == 2 && err_s[err_n - 1] == '\n' &&
			    strstr(err_s, "\nTry 'bpf-metrics-exporter --help' for more information.\n"),
			    "USAGE: err is not the error line and the pointer to --help: %s", err_s);
		break;
	default:
		FUZZ_ASSERT(0, "unknown result %d", (int)r);
	}
	free(out_s);
	free(err_s);
	free(text);
	return 0;
}
