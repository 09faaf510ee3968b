/* SPDX-License-Identifier: Apache-2.0 */
/*
 * routes - the exporter's route table: which handler (http/h_*.c) answers
 * which path.  It sits above the HTTP framework and its handlers so that
 * neither names the other: http.c serves whatever table it is given.
 */
#ifndef BPFME_ROUTES_H
#define BPFME_ROUTES_H

#include "http/http.h"

/* The rows of the table, its NULL end included. */
#define ROUTES_MAX 5

/*
 * Fill table with the exporter's routes: telemetry_path (the metrics), "/"
 * (the landing page), "/events" and "/doc" (the manual), ended by a NULL
 * path.  telemetry_path
 * is pointed to, not copied: it must outlive the table.
 */
void routes_init(struct http_route table[ROUTES_MAX], const char *telemetry_path);

#endif
