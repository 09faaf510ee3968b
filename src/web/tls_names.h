/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tls_names - the TLS cipher suites and curves a web config may name, by
 * their Go names (the exporter-toolkit's), each with the GnuTLS priority
 * parts it stands for.  Constant tables: thread-safe.  webconfig.c looks
 * names up here, tls.c builds priority strings from them.
 */
#ifndef BPFME_TLS_NAMES_H
#define BPFME_TLS_NAMES_H

#include <stddef.h>

/* A cipher suite by its Go name, and the GnuTLS priority parts it stands for. */
struct tls_names_cipher {
	const char *go_name;		/* e.g. "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" */
	const char *kx;			/* GnuTLS key exchange, e.g. "ECDHE-RSA"; NULL for TLS 1.3 */
	const char *cipher;		/* GnuTLS cipher, e.g. "AES-128-GCM" */
	const char *mac;		/* GnuTLS MAC, e.g. "AEAD" or "SHA1" */
};
/* A curve by its Go name and its GnuTLS group. */
struct tls_names_curve {
	const char *go_name;		/* e.g. "CurveP256" */
	const char *group;		/* e.g. "GROUP-SECP256R1" */
};
/* Every name the toolkit takes (Go's tls.CipherSuites() and its curves). */
extern const struct tls_names_cipher tls_names_ciphers[];
extern const size_t tls_names_nr_ciphers;
extern const struct tls_names_curve tls_names_curves[];
extern const size_t tls_names_nr_curves;

#endif
