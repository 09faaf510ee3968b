/* SPDX-License-Identifier: Apache-2.0 */
/*
 * csp - the Content-Security-Policy source of an inline style or script:
 * 'sha256-BASE64' of its text, so that a page's policy allows its own
 * inline parts and nothing else (the landing page, /doc).
 */
#ifndef BPFME_CSP_H
#define BPFME_CSP_H

/* Room for csp_hash's answer, NUL included. */
#define CSP_HASH_SIZE 64

/*
 * 'sha256-...' of text (its strlen bytes) into out, quotes included; 'none'
 * when the hash cannot be computed (the inline part then does not run or
 * apply, the page still works).  Pure but for GnuTLS; any thread.
 */
void csp_hash(const char *text, char out[CSP_HASH_SIZE]);

#endif
