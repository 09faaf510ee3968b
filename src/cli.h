/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli - what the command line needs of the subsystems, gathered above
 * them for flags_parse(): the collectors' names, defaults and --help lines
 * (collectors.c), the listen-address check (http/listen.c) and the paths
 * other endpoints take (http/http.h).  flags.c itself includes none of them.
 */
#ifndef BPFME_CLI_H
#define BPFME_CLI_H

#include "flags.h"

/*
 * The exporter's struct flags_env: static, filled at the first call and
 * immutable after it (make that first call from one thread: main's).
 */
const struct flags_env *cli_flags_env(void);

#endif
