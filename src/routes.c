// SPDX-License-Identifier: Apache-2.0
/* routes - the exporter's route table; see routes.h. */
#include "routes.h"

#include "http/handlers.h"

void routes_init(struct http_route table[ROUTES_MAX], const char *telemetry_path)
{
	const struct http_route own[ROUTES_MAX] = {
		{ telemetry_path, HTTP_GET | HTTP_HEAD, h_metrics, HTTP_STATS_METRICS },
		{ HTTP_PATH_LANDING, HTTP_GET | HTTP_HEAD, h_landing, HTTP_STATS_LANDING },
		{ HTTP_PATH_EVENTS, HTTP_GET | HTTP_HEAD, h_events, HTTP_STATS_EVENTS },
		{ HTTP_PATH_DOC, HTTP_GET | HTTP_HEAD, h_doc, HTTP_STATS_DOC },
		{ NULL, 0, NULL, HTTP_STATS_OTHER },
	};

	for (int i = 0; i < ROUTES_MAX; i++)
		table[i] = own[i];
}
