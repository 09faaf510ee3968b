# bpf-metrics-exporter - see README for the two commands that do everything.
#
#   make                    build ./bpf-metrics-exporter
#   make run                install missing packages (apt), build, run on :9435
#   make check              install missing packages, build, run every test
#   make bench              performance and memory figures (needs root)
#   make install            honours DESTDIR and PREFIX
#   make contrib/metrics-stack.yaml   regenerate the podman stack from contrib/
#   make DEVELOPER=1        warnings are errors
#   make SANITIZE=address,undefined check
#   make check-tsan         the threaded unit suites under ThreadSanitizer
#   make fuzz               build the libFuzzer targets (tests/fuzz/) with clang,
#                           ASan and UBSan; run each FUZZ_SECONDS (default 30)
#   make V=1                show the commands

VERSION_BASE = 0.1.0
PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
DATADIR ?= $(PREFIX)/share/bpf-metrics-exporter
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
DESTDIR ?=

CC ?= cc
PKG_CONFIG ?= pkg-config
CFLAGS ?= -O2 -g
LDFLAGS ?=
PYTHON3 ?= /usr/bin/python3

WARNINGS = -Wall -Wextra -Wmissing-prototypes -Wstrict-prototypes -Wshadow \
	   -Wformat=2 -Wundef -Wpointer-arith -Wno-missing-field-initializers
ifdef DEVELOPER
WARNINGS += -Werror
endif
ifdef SANITIZE
SAN_FLAGS = -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=undefined
endif

PKGS = libmicrohttpd libbpf zlib audit auparse yaml-0.1 gnutls libcrypt
TEST_PKGS = check

GIT_REV := $(shell git rev-parse --short HEAD 2>/dev/null)
VERSION = $(VERSION_BASE)$(if $(GIT_REV),+g$(GIT_REV))

PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
TEST_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(TEST_PKGS) 2>/dev/null)
TEST_LIBS := $(shell $(PKG_CONFIG) --libs $(TEST_PKGS) 2>/dev/null)

ALL_CFLAGS = -std=gnu11 -D_GNU_SOURCE $(WARNINGS) $(CFLAGS) $(SAN_FLAGS) \
	     $(PKG_CFLAGS) -Isrc -MMD -MP
ALL_LDFLAGS = $(LDFLAGS) $(SAN_FLAGS)
LIBS = $(PKG_LIBS) -lpthread -lm

BIN = bpf-metrics-exporter
# Every module in src/ but main.c: a new file needs no Makefile change.
LIB_SRCS = $(filter-out src/main.c,$(sort $(wildcard src/*.c src/*/*.c)))
LIB_OBJS = $(LIB_SRCS:%.c=build/%.o)
MAIN_OBJ = build/src/main.o

TEST_SRCS = $(sort $(wildcard tests/check_*.c)) tests/testutil.c tests/loadgen.c
TEST_OBJS = $(TEST_SRCS:%.c=build/%.o)
BENCH_OBJS = build/tests/bench.o build/tests/testutil.o build/tests/loadgen.o

ifneq ($(V),1)
Q = @
QUIET_CC = @echo '   CC ' $@;
QUIET_LINK = @echo ' LINK ' $@;
endif

all: $(BIN)

# Rebuild everything when the compiler flags change (SANITIZE=..., CFLAGS=...).
build/FLAGS: FORCE
	@mkdir -p build
	@echo '$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) $(VERSION)' > build/FLAGS.new
	@cmp -s build/FLAGS.new build/FLAGS && rm build/FLAGS.new || mv build/FLAGS.new build/FLAGS

build/%.o: %.c build/FLAGS
	@mkdir -p $(dir $@)
	$(QUIET_CC)$(CC) $(ALL_CFLAGS) -DVERSION='"$(VERSION)"' -c -o $@ $<

build/tests/%.o: tests/%.c build/FLAGS
	@mkdir -p $(dir $@)
	$(QUIET_CC)$(CC) $(ALL_CFLAGS) $(TEST_CFLAGS) -Itests -c -o $@ $<

$(BIN): $(LIB_OBJS) $(MAIN_OBJ)
	$(QUIET_LINK)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

tests/check_all: $(TEST_OBJS) $(LIB_OBJS)
	$(QUIET_LINK)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(TEST_LIBS) $(LIBS)

tests/bench: $(BENCH_OBJS) $(LIB_OBJS)
	$(QUIET_LINK)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

# ---- fuzzing: each tests/fuzz/fuzz_*.c is a libFuzzer target ----
# The modules are compiled again with clang and the sanitizers under
# build/fuzz/ (coverage without libFuzzer's main: fuzzer-no-link); each
# target links them with libFuzzer.  tests/fuzz/run runs them one by one
# from their corpora, tests/fuzz/corpus/<target>/; see tests/fuzz/README.
# FUZZ_TARGETS="fuzz_escape fuzz_flags" runs a part.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 30
FUZZ_SAN = address,undefined
FUZZ_CFLAGS = -std=gnu11 -D_GNU_SOURCE $(WARNINGS) -O1 -g -fno-omit-frame-pointer \
	      -fno-sanitize-recover=undefined $(PKG_CFLAGS) -Isrc -MMD -MP
FUZZ_TARGETS ?= $(patsubst tests/fuzz/%.c,%,$(sort $(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_BINS = $(addprefix build/fuzz/,$(FUZZ_TARGETS))
FUZZ_LIB_OBJS = $(LIB_SRCS:%.c=build/fuzz/%.o)

build/fuzz/FLAGS: FORCE
	@mkdir -p build/fuzz
	@echo '$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SAN) $(VERSION)' > build/fuzz/FLAGS.new
	@cmp -s build/fuzz/FLAGS.new build/fuzz/FLAGS && rm build/fuzz/FLAGS.new || \
		mv build/fuzz/FLAGS.new build/fuzz/FLAGS

build/fuzz/src/%.o: src/%.c build/fuzz/FLAGS
	@mkdir -p $(dir $@)
	$(QUIET_CC)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,$(FUZZ_SAN) \
		-DVERSION='"$(VERSION)"' -c -o $@ $<

build/fuzz/tests/fuzz/%.o: tests/fuzz/%.c build/fuzz/FLAGS
	@mkdir -p $(dir $@)
	$(QUIET_CC)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer,$(FUZZ_SAN) -c -o $@ $<

build/fuzz/fuzz_%: build/fuzz/tests/fuzz/fuzz_%.o $(FUZZ_LIB_OBJS)
	$(QUIET_LINK)$(FUZZ_CC) $(LDFLAGS) -fsanitize=fuzzer,$(FUZZ_SAN) -o $@ $^ $(LIBS)

fuzz-build: $(FUZZ_BINS)
# made by a pattern rule's chain, yet worth keeping between runs
.SECONDARY: $(FUZZ_LIB_OBJS) $(patsubst %,build/fuzz/tests/fuzz/%.o,$(FUZZ_TARGETS))

fuzz: deps-build deps-fuzz
	@$(MAKE) --no-print-directory fuzz-build
	$(Q)FUZZ_SECONDS=$(FUZZ_SECONDS) sh tests/fuzz/run $(FUZZ_BINS)

# ---- dependencies (Debian/Ubuntu) ----
DEB_BUILD = gcc make pkg-config libmicrohttpd-dev libbpf-dev libaudit-dev \
	    libauparse-dev zlib1g-dev libyaml-dev libgnutls28-dev libcrypt-dev
DEB_TEST = check python3 python3-prometheus-client python3-yaml prometheus chromium \
	   bpftool mandoc valgrind procps systemd strace openssl prometheus-node-exporter
# clang 14 and its libFuzzer runtime (libclang_rt.fuzzer), for make fuzz
DEB_FUZZ = clang libclang-rt-14-dev
deps-build:
	@sh tests/install-deps.sh $(DEB_BUILD)
deps-fuzz:
	@sh tests/install-deps.sh $(DEB_FUZZ)
deps: deps-build
	@sh tests/install-deps.sh $(DEB_TEST)

# ---- the README's commands ----
run: deps-build
	@$(MAKE) --no-print-directory all
	./$(BIN) $(ARGS)

check: deps
	@$(MAKE) --no-print-directory test

test: $(BIN) tests/check_all
	$(Q)mandoc -T lint -W warning man/$(BIN).8
	$(Q)BPFME_BIN=./$(BIN) PYTHON3=$(PYTHON3) ./tests/check_all
	$(Q)BPFME_BIN=$(CURDIR)/$(BIN) PYTHON3=$(PYTHON3) ./tests/check_contrib

# The threaded unit suites (event ring, program cache, assembler, basic auth,
# slots, deadlines, scraper, followers) under ThreadSanitizer.
check-tsan: deps
	@$(MAKE) --no-print-directory SANITIZE=thread tests/check_all
	$(Q)CK_RUN_SUITE=events ./tests/check_all
	$(Q)CK_RUN_SUITE=progcache ./tests/check_all
	$(Q)CK_RUN_SUITE=audit ./tests/check_all
	$(Q)CK_RUN_SUITE=basicauth ./tests/check_all
	$(Q)CK_RUN_SUITE=workq ./tests/check_all
	$(Q)CK_RUN_SUITE=slots ./tests/check_all
	$(Q)CK_RUN_SUITE=deadline ./tests/check_all
	$(Q)CK_RUN_SUITE=scraper ./tests/check_all
	$(Q)CK_RUN_SUITE=follow ./tests/check_all

bench: deps
	@$(MAKE) --no-print-directory tests/bench $(BIN)
	BPFME_BIN=./$(BIN) ./tests/bench

# contrib/metrics-stack.yaml embeds these files; test_stack.py checks it is current.
STACK_SRCS = contrib/prometheus/prometheus.yml \
	     contrib/prometheus/bpf-metrics-exporter.rules.yml \
	     contrib/grafana/ebpf-subsystem-metrics.json \
	     contrib/grafana/provisioning/datasources/bpf-metrics-exporter.yml \
	     contrib/grafana/provisioning/dashboards/bpf-metrics-exporter.yml
contrib/metrics-stack.yaml: contrib/gen-metrics-stack $(STACK_SRCS)
	$(PYTHON3) contrib/gen-metrics-stack > $@.new && mv $@.new $@

# Installed under $(DATADIR), directory by directory (the units go to SYSTEMDUNITDIR).
CONTRIB_DIRS = prometheus grafana grafana/provisioning grafana/provisioning/datasources \
	       grafana/provisioning/dashboards kubernetes
CONTRIB_FILES = $(STACK_SRCS) contrib/prometheus/bpf-metrics-exporter.rules.test.yml \
		$(wildcard contrib/kubernetes/*) contrib/metrics-stack.yaml
UNIT = contrib/systemd/$(BIN).service
SOCKET_UNIT = contrib/systemd/$(BIN).socket

install: $(BIN)
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(SYSTEMDUNITDIR)
	install -m 0755 $(BIN) $(DESTDIR)$(SBINDIR)/$(BIN)
	install -m 0644 man/$(BIN).8 $(DESTDIR)$(MANDIR)/man8/$(BIN).8
	sed 's|^ExecStart=/usr/local/sbin/|ExecStart=$(SBINDIR)/|' $(UNIT) > $(DESTDIR)$(SYSTEMDUNITDIR)/$(BIN).service
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/$(BIN).service
	install -m 0644 $(SOCKET_UNIT) $(DESTDIR)$(SYSTEMDUNITDIR)/$(BIN).socket
	for d in $(CONTRIB_DIRS); do install -d $(DESTDIR)$(DATADIR)/$$d || exit; done
	for f in $(CONTRIB_FILES:contrib/%=%); do \
		install -m 0644 contrib/$$f $(DESTDIR)$(DATADIR)/$$f || exit; done

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/$(BIN) $(DESTDIR)$(MANDIR)/man8/$(BIN).8 \
	      $(DESTDIR)$(SYSTEMDUNITDIR)/$(BIN).service $(DESTDIR)$(SYSTEMDUNITDIR)/$(BIN).socket
	rm -f $(addprefix $(DESTDIR)$(DATADIR)/,$(CONTRIB_FILES:contrib/%=%))
	for d in $(sort $(CONTRIB_DIRS)) ''; do echo $$d; done | sort -r | \
		while read d; do rmdir $(DESTDIR)$(DATADIR)/$$d 2>/dev/null || :; done

clean:
	rm -rf build $(BIN) tests/check_all tests/bench

.PHONY: all run check check-tsan test bench install uninstall clean deps deps-build FORCE \
	fuzz fuzz-build deps-fuzz

-include $(wildcard build/src/*.d build/src/*/*.d build/tests/*.d build/fuzz/src/*.d build/fuzz/src/*/*.d build/fuzz/tests/fuzz/*.d)
