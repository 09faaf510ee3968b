// SPDX-License-Identifier: Apache-2.0
/* privs - drop every capability but the ones still needed; see privs.h. */
#include "lib/privs.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

static int caps_get(struct __user_cap_data_struct data[2])
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };

	memset(data, 0, 2 * sizeof(*data));
	return syscall(SYS_capget, &hdr, data) ? -errno : 0;
}

static bool kept(int cap, const int *keep, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (keep[i] == cap)
			return true;
	return false;
}

/* Take cap out of the bounding set if it is there; 0 or -errno. */
static int bounding_drop(int cap)
{
	int in = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);

	if (in < 0)	/* EINVAL: past the last capability this kernel knows */
		return errno == EINVAL ? 0 : -errno;
	if (in && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0))
		return -errno;	/* EPERM: CAP_SETPCAP is not effective */
	return 0;
}

/* Remember the first error; the later steps still run. */
static void first_error(int *err, int ret)
{
	if (ret && !*err)
		*err = ret;
}

int privs_drop(const int *keep, size_t nr_keep)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];
	int err;

	err = caps_get(data);
	if (err)
		return err;
	for (int cap = 0; cap < 64; cap++) {
		uint32_t bit = 1u << (cap % 32);

		if (kept(cap, keep, nr_keep))
			continue;
		data[cap / 32].effective &= ~bit;
		data[cap / 32].permitted &= ~bit;
		data[cap / 32].inheritable &= ~bit;
		/* The bounding set needs CAP_SETPCAP, which is dropped last. */
		if (cap != CAP_SETPCAP)
			first_error(&err, bounding_drop(cap));
	}
	if (!kept(CAP_SETPCAP, keep, nr_keep))
		first_error(&err, bounding_drop(CAP_SETPCAP));
	/* Ambient capabilities came with Linux 4.3; before, EINVAL and none to clear. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) && errno != EINVAL)
		first_error(&err, -errno);
	if (syscall(SYS_capset, &hdr, data))
		first_error(&err, -errno);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		first_error(&err, -errno);
	return err;
}

bool privs_effective(int cap)
{
	struct __user_cap_data_struct data[2];

	if (cap < 0 || cap >= 64 || caps_get(data))
		return false;
	return data[cap / 32].effective & (1u << (cap % 32));
}
