// SPDX-License-Identifier: Apache-2.0
/* buildinfo - --version's details; see buildinfo.h. */
#include "buildinfo.h"

#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include <sys/utsname.h>

#include <bpf/libbpf.h>
#include <gnutls/gnutls.h>
#include <microhttpd.h>
#include <yaml.h>
#include <zlib.h>

/* The first line of file path, without its newline, into out; false if unreadable. */
static bool first_line(const char *path, char *out, size_t len)
{
	FILE *f = fopen(path, "re");
	bool ok;

	if (!f)
		return false;
	ok = fgets(out, (int)len, f) != NULL;
	fclose(f);
	if (ok)
		out[strcspn(out, "\n")] = '\0';
	return ok;
}

/* A sysctl's value, or why it is not known. */
static void print_sysctl(FILE *out, const char *key, const char *path)
{
	char v[64];

	fprintf(out, "  %-22s %s\n", key, first_line(path, v, sizeof(v)) ? v : "unreadable");
}

static const char *compiler(void)
{
#if defined(__clang__)
	return "clang " __clang_version__;
#elif defined(__GNUC__)
	return "gcc " __VERSION__;
#else
	return "unknown";
#endif
}

void buildinfo_print(FILE *out, const struct buildinfo *b)
{
	char lockdown[128], *sel, *end;
	struct utsname u;
	bool uts = uname(&u) == 0;

	fprintf(out, "  %-22s %s (branch %s)\n", "revision:", *b->revision ? b->revision : "unknown",
		*b->branch ? b->branch : "unknown");
	fprintf(out, "  %-22s %s\n", "build user:", b->user);
	fprintf(out, "  %-22s %s\n", "build date:", b->date);
	fprintf(out, "  %-22s %s\n", "compiler:", compiler());
	fprintf(out, "  %-22s linux/%s\n", "platform:", uts ? u.machine : "unknown");
	fprintf(out, "  %-22s %u.%u (built with %d.%d)\n", "libbpf:", libbpf_major_version(),
		libbpf_minor_version(), LIBBPF_MAJOR_VERSION, LIBBPF_MINOR_VERSION);
	fprintf(out, "  %-22s %s\n", "libmicrohttpd:", MHD_get_version());
	fprintf(out, "  %-22s %s\n", "GnuTLS:", gnutls_check_version(NULL));
	fprintf(out, "  %-22s %s\n", "zlib:", zlibVersion());
	fprintf(out, "  %-22s %s\n", "libyaml:", yaml_get_version_string());
	fprintf(out, "  %-22s %s\n", "kernel:", uts ? u.release : "unknown");
	fprintf(out, "  %-22s %s\n", "kernel BTF:",
		access("/sys/kernel/btf/vmlinux", R_OK) == 0 ? "yes (/sys/kernel/btf/vmlinux)" : "no");
	/* "none [integrity] confidentiality": the bracketed one is in force */
	if (first_line("/sys/kernel/security/lockdown", lockdown, sizeof(lockdown)) &&
	    (sel = strchr(lockdown, '[')) && (end = strchr(sel, ']'))) {
		*end = '\0';
		fprintf(out, "  %-22s %s\n", "lockdown:", sel + 1);
	} else {
		fprintf(out, "  %-22s %s\n", "lockdown:", "unknown (securityfs is not mounted)");
	}
	print_sysctl(out, "bpf_stats_enabled:", "/proc/sys/kernel/bpf_stats_enabled");
	print_sysctl(out, "unprivileged_bpf:", "/proc/sys/kernel/unprivileged_bpf_disabled");
}
