/* SPDX-License-Identifier: Apache-2.0 */
/*
 * buildinfo - what --version says below its first line, as node_exporter's
 * does: how the binary was built (revision, branch, user, date, compiler,
 * platform), the libraries it runs with, and what it finds of the running
 * kernel (release, BTF, lockdown, the BPF sysctls).  Reads a few files of
 * /proc and /sys; never fails (what cannot be read says so).
 */
#ifndef BPFME_BUILDINFO_H
#define BPFME_BUILDINFO_H

#include <stdio.h>

/* The build's facts, from the generated version header (main.c's). */
struct buildinfo {
	const char *revision;	/* git's short revision; "" outside a checkout */
	const char *branch;
	const char *user;	/* user@host that built it */
	const char *date;	/* the commit's date (or SOURCE_DATE_EPOCH), UTC */
};

/* Write the lines, each "  key: value", to out. */
void buildinfo_print(FILE *out, const struct buildinfo *b);

#endif
