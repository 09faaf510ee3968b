// SPDX-License-Identifier: Apache-2.0
/* cli - the exporter's struct flags_env; see cli.h. */
#include "cli.h"

#include "collectors.h"
#include "http/http.h"
#include "http/listen.h"

static int check_listen(const char *address, char *why, size_t whylen)
{
	char host[256];
	unsigned int port;

	return listen_split_address(address, host, sizeof(host), &port, why, whylen);
}

static const char *const taken_paths[] = { HTTP_PATH_LANDING, HTTP_PATH_EVENTS, HTTP_PATH_DOC };

const struct flags_env *cli_flags_env(void)
{
	static struct flags_collector collectors[FLAGS_MAX_COLLECTORS];
	static struct flags_env env = {
		.collectors = collectors,
		.check_listen = check_listen,
		.taken_paths = taken_paths,
		.nr_taken_paths = sizeof(taken_paths) / sizeof(taken_paths[0]),
	};

	if (!env.nr_collectors)
		env.nr_collectors = collectors_flags(collectors, FLAGS_MAX_COLLECTORS);
	return &env;
}
