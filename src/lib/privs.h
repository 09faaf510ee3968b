/* SPDX-License-Identifier: Apache-2.0 */
/*
 * privs - least privilege: once the sockets are open, keep only the
 * capabilities the exporter still uses and drop every other one from the
 * effective, permitted, inheritable, ambient and bounding sets.
 */
#ifndef BPFME_PRIVS_H
#define BPFME_PRIVS_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Keep the capabilities in keep[] (those the process has), drop the rest
 * from every set, clear the ambient set and set no_new_privs.  Returns 0
 * when all of it was done, else the first error as -errno: EPERM when the
 * bounding set holds a capability to drop but CAP_SETPCAP is not effective
 * (as when a container adds capabilities without it).  A failed step does
 * not stop the later ones, so the process keeps as little as it can either
 * way.  A kernel without ambient capabilities (before 4.3, EINVAL) is not
 * an error.  Call before other threads start: capabilities are per thread.
 */
int privs_drop(const int *keep, size_t nr_keep);

/* Whether cap is in the calling thread's effective set (false if unknown). */
bool privs_effective(int cap);

#endif
