/* SPDX-License-Identifier: Apache-2.0 */
/*
 * privs - least privilege: once the sockets are open, keep only the
 * capabilities the exporter still uses and drop every other one from the
 * effective, permitted, inheritable, ambient and bounding sets.
 */
#ifndef BPFME_PRIVS_H
#define BPFME_PRIVS_H

#include <stddef.h>

/*
 * Keep the capabilities in keep[] (those the process has), drop the rest,
 * and set no_new_privs.  Returns 0 or -errno.  Call before other threads
 * start: capabilities are per thread.
 */
int privs_drop(const int *keep, size_t nr_keep);

#endif
