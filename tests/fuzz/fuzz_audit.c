// SPDX-License-Identifier: Apache-2.0
/*
 * fuzz_audit - audit records through the assembler (audit_asm_record), as
 * the netlink socket would deliver them, then audit_asm_flush, which makes
 * every pending record an event (ev_push, the /events JSON, the log line).
 *
 * Input: records separated by the byte 0x1e (ASCII RS, which the kernel
 * never writes raw); each is 2 bytes choosing its type, then its payload.
 * The 2 bytes, big-endian, are an index into types[] below when smaller
 * than its size, else the type number itself (0x0536 is 1334, AUDIT_BPF).
 * Each payload goes to the assembler without a NUL, as a netlink message's
 * text is, and placed so that it ends where a PROT_NONE page begins, with
 * the memory before it poisoned for ASan: a read past its end faults even
 * when libc makes it (strtoul, which ASan does not intercept, would read
 * past an exactly-sized malloc unseen), and one before its start is an ASan
 * report.  tests/fuzz/rec2seed turns recorded lines ("TYPE
 * payload", as in tests/data/audit-loader.rec) into such inputs.
 *
 * Program details come from a fetch of the harness's own (the assembler
 * makes no kernel calls), and the exporter's pid is 4242, so a record that
 * names it takes the released-by-exporter path.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcntl.h>
#include <sanitizer/asan_interface.h>
#include <sys/mman.h>

#include "audit/audit_asm.h"
#include "audit/ev.h"
#include "fuzz.h"
#include "lib/log.h"
#include "audit/progcache.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REC_SEP 0x1e

static const int types[] = {
	1334,	/* AUDIT_BPF */
	1300,	/* AUDIT_SYSCALL */
	1327,	/* AUDIT_PROCTITLE */
	1320,	/* AUDIT_EOE */
	1309,	/* AUDIT_EXECVE */
	1307,	/* AUDIT_CWD */
	1302,	/* AUDIT_PATH */
	1306,	/* AUDIT_SOCKADDR */
	1305,	/* AUDIT_CONFIG_CHANGE */
	1400,	/* AUDIT_AVC */
};

#define ARENA (1 << 20)	/* the longest payload; libFuzzer's -max_len is far less */
static char *arena;		/* ARENA bytes, poisoned, then a PROT_NONE page */

static void arena_init(void)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	arena = mmap(NULL, ARENA + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (arena == MAP_FAILED || mprotect(arena + ARENA, page, PROT_NONE))
		abort();
	ASAN_POISON_MEMORY_REGION(arena, ARENA);
}

static void one_record(struct audit_asm *a, const uint8_t *rec, size_t len)
{
	unsigned int sel;
	int type;
	char *payload;

	if (len < 2)
		return;
	sel = (unsigned int)rec[0] << 8 | rec[1];
	type = sel < sizeof(types) / sizeof(types[0]) ? types[sel] : (int)sel;
	len -= 2;
	if (len > ARENA)
		len = ARENA;
	payload = arena + ARENA - len;
	ASAN_UNPOISON_MEMORY_REGION(payload, len);
	memcpy(payload, rec + 2, len);
	audit_asm_record(a, type, payload, len);
	ASAN_POISON_MEMORY_REGION(payload, len);
}

/* Programs with an even id exist, the others are gone already. */
static int fetch(void *ctx, uint32_t id, struct progcache_prog *out)
{
	(void)ctx;
	if (id % 2)
		return -2;
	memcpy(out->name, "fuzzed", 7);
	memcpy(out->type, "xdp", 4);
	memcpy(out->tag, "0123456789abcdef", 17);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool logging;
	struct ev_ring ring;
	struct progcache *pc;
	struct audit_asm *a;
	const uint8_t *p = data, *end = data + size;

	if (!arena)
		arena_init();
	if (!logging) {
		/* every log line built (the logfmt escaper on record values), none shown */
		int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);

		if (fd < 0)
			abort();
		log_setup(LOG_DEBUG, LOG_FMT_LOGFMT, fd);
		logging = true;
	}
	if (ev_ring_init(&ring, 8) || !(pc = progcache_new(4)))
		abort();
	{
		struct audit_asm_config cfg = {
			.ring = &ring, .progs = pc, .log_events = true, .self_pid = 4242,
			.fetch = fetch,
		};

		a = audit_asm_new(&cfg);
	}
	if (!a)
		abort();
	while (p < end) {
		const uint8_t *sep = memchr(p, REC_SEP, (size_t)(end - p));
		const uint8_t *rec_end = sep ? sep : end;

		one_record(a, p, (size_t)(rec_end - p));
		p = sep ? sep + 1 : end;
	}
	audit_asm_flush(a);
	audit_asm_free(a);
	progcache_free(pc);
	ev_ring_release(&ring);
	return 0;
}
