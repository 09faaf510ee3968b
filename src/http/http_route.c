// SPDX-License-Identifier: Apache-2.0
/* http_route - a request's route from its path, and the answers of no route (404) and a wrong method (405). */
#include <string.h>

#include <microhttpd.h>

#include "http/http_server.h"

static const char *const fixed_paths[] = { HTTP_PATH_LANDING, HTTP_PATH_EVENTS };

bool http_path_fixed(const char *path)
{
	for (size_t i = 0; i < sizeof(fixed_paths) / sizeof(fixed_paths[0]); i++)
		if (!strcmp(path, fixed_paths[i]))
			return true;
	return false;
}

static int not_found(struct http_request *rq)
{
	if (!rq->cfg->telemetry_path)
		return http_reply_text(rq, MHD_HTTP_NOT_FOUND, NULL, "not found");
	return http_reply_text(rq, MHD_HTTP_NOT_FOUND, NULL, "not found; metrics are at %s",
			       rq->cfg->telemetry_path);
}

static const struct http_route no_route = { NULL, HTTP_GET | HTTP_HEAD, not_found, HTTP_STATS_OTHER };

unsigned int http_route_method_bit(const char *method)
{
	if (!strcmp(method, MHD_HTTP_METHOD_GET))
		return HTTP_GET;
	if (!strcmp(method, MHD_HTTP_METHOD_HEAD))
		return HTTP_HEAD;
	return 0;
}

const struct http_route *http_route_find(const struct http_route *table, const char *url)
{
	for (; table->path; table++)
		if (!strcmp(url, table->path))
			return table;
	return &no_route;
}

int http_route_refuse(struct http_request *rq, unsigned int methods)
{
	const char *allow = methods == HTTP_GET ? "GET" : methods == HTTP_HEAD ? "HEAD" : "GET, HEAD";
	const char *const headers[] = { MHD_HTTP_HEADER_ALLOW, allow, NULL };

	return http_reply_text(rq, MHD_HTTP_METHOD_NOT_ALLOWED, headers,
			       "method not allowed: use %s", methods == (HTTP_GET | HTTP_HEAD) ?
			       "GET or HEAD" : allow);
}
