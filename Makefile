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
#                           the same tests built with ASan and UBSan, in
#                           build/san-address-undefined/ (binaries there too)
#   make check-tsan         the threaded unit suites under ThreadSanitizer
#                           (build/san-thread/)
#   make CC=clang           the binary built with clang, in build/clang/
#   make check-layering     no circle between modules, includes follow the
#                           layers (tests/module-cycles, tests/include-direction)
#   make fuzz               build the libFuzzer targets (tests/fuzz/) with clang,
#                           ASan and UBSan (build/fuzz/); run each FUZZ_SECONDS
#                           (default 30)
#   make clean              every flavour: rm -rf build and the binaries
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
GIT_BRANCH := $(shell git rev-parse --abbrev-ref HEAD 2>/dev/null)
# --version's build date: the commit's (or SOURCE_DATE_EPOCH), the same for
# every build of one commit, so the header below changes only with it
BUILD_EPOCH := $(or $(SOURCE_DATE_EPOCH),$(shell git log -1 --format=%ct 2>/dev/null))
BUILD_DATE := $(if $(BUILD_EPOCH),$(shell date -u -d @$(BUILD_EPOCH) +%Y%m%d-%H:%M:%S),unknown)
BUILD_USER := $(shell id -un 2>/dev/null)@$(shell hostname 2>/dev/null)
VERSION = $(VERSION_BASE)$(if $(GIT_REV),+g$(GIT_REV))

PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
TEST_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(TEST_PKGS) 2>/dev/null)
TEST_LIBS := $(shell $(PKG_CONFIG) --libs $(TEST_PKGS) 2>/dev/null)

ALL_CFLAGS = -std=gnu11 -D_GNU_SOURCE $(WARNINGS) $(CFLAGS) $(SAN_FLAGS) \
	     $(PKG_CFLAGS) -Isrc -Ibuild/gen -MMD -MP
ALL_LDFLAGS = $(LDFLAGS) $(SAN_FLAGS)
LIBS = $(PKG_LIBS) -lpthread -lm

# Each flavour builds in a folder of its own, so that none rebuilds over
# another: build/ for the plain build (./bpf-metrics-exporter and
# tests/check_all, as the README says), build/san-address-undefined/ for
# SANITIZE=address,undefined, build/san-thread/ for check-tsan,
# build/clang/ for CC=clang, build/fuzz/ for the fuzz targets.  A
# flavour's binaries stay in its folder (B/bpf-metrics-exporter,
# B/check_all, B/bench); its test and bench targets run those.
comma := ,
empty :=
space := $(empty) $(empty)
CC_FLAVOUR := $(filter-out cc gcc,$(notdir $(firstword $(CC))))
SAN_FLAVOUR := $(if $(SANITIZE),san-$(subst $(comma),-,$(SANITIZE)))
FLAVOUR := $(subst $(space),-,$(strip $(CC_FLAVOUR) $(SAN_FLAVOUR)))
B := build$(if $(FLAVOUR),/$(FLAVOUR))

BIN = bpf-metrics-exporter
ifeq ($(FLAVOUR),)
BIN_OUT = $(BIN)
CHECK_ALL = tests/check_all
BENCH = tests/bench
else
BIN_OUT = $(B)/$(BIN)
CHECK_ALL = $(B)/check_all
BENCH = $(B)/bench
endif
# Every module in src/ but main.c: a new file needs no Makefile change.
LIB_SRCS = $(filter-out src/main.c,$(sort $(wildcard src/*.c src/*/*.c)))
LIB_OBJS = $(LIB_SRCS:%.c=$(B)/%.o)
MAIN_OBJ = $(B)/src/main.o

TEST_SRCS = $(sort $(wildcard tests/check_*.c)) tests/testutil.c tests/loadgen.c
TEST_OBJS = $(TEST_SRCS:%.c=$(B)/%.o)
BENCH_OBJS = $(B)/tests/bench.o $(B)/tests/testutil.o $(B)/tests/loadgen.o

ifneq ($(V),1)
Q = @
QUIET_CC = @echo '   CC ' $@;
QUIET_LINK = @echo ' LINK ' $@;
QUIET_BPF = @echo '  BPF ' $@;
QUIET_GEN = @echo '  GEN ' $@;
endif

all: $(BIN_OUT)

# ---- the exporter's own BPF programs (src/bpf/progs/*.bpf.c) ----
# Compiled with clang for the BPF target (CO-RE: local struct definitions,
# relocated at load time against the running kernel's BTF; nothing of the
# build machine's kernel is read), stripped of DWARF (bpftool gen object
# keeps .BTF and .BTF.ext), and embedded in src/bpf/iters.c as a byte array
# by bpftool gen skeleton: build/gen/NAME.skel.h, not committed.
BPF_CLANG ?= clang
BPFTOOL ?= $(firstword $(wildcard /usr/sbin/bpftool /sbin/bpftool) bpftool)
BPF_MULTIARCH := $(shell $(BPF_CLANG) -print-multiarch 2>/dev/null)
BPF_CFLAGS = -target bpf -g -O2 -Wall $(if $(BPF_MULTIARCH),-I/usr/include/$(BPF_MULTIARCH))
BPF_PROGS = $(patsubst src/bpf/progs/%.bpf.c,%,$(sort $(wildcard src/bpf/progs/*.bpf.c)))
BPF_SKELS = $(BPF_PROGS:%=build/gen/%.skel.h)

build/bpf/%.bpf.o: src/bpf/progs/%.bpf.c $(wildcard src/bpf/progs/*.h)
	@mkdir -p build/bpf
	$(QUIET_BPF)$(BPF_CLANG) $(BPF_CFLAGS) -c -o $@ $<

build/gen/%.skel.h: build/bpf/%.bpf.o
	@mkdir -p build/gen
	$(QUIET_GEN)$(BPFTOOL) gen object build/bpf/$*.o $< && \
		$(BPFTOOL) gen skeleton build/bpf/$*.o name $* > $@.new && mv $@.new $@

# Only iters.c includes the skeletons; the first build needs them before it.
$(B)/src/bpf/iters.o build/fuzz/src/bpf/iters.o: $(BPF_SKELS)

# Rebuild a flavour's objects when its compiler flags change (CFLAGS=...,
# DEVELOPER=1).
$(B)/FLAGS: FORCE
	@mkdir -p $(B)
	@echo '$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS)' > $(B)/FLAGS.new
	@cmp -s $(B)/FLAGS.new $(B)/FLAGS && rm $(B)/FLAGS.new || mv $(B)/FLAGS.new $(B)/FLAGS

# The version (the git revision) is a generated header, rewritten only when
# it changes, that only main.c includes: a commit rebuilds main.o alone.
build/gen/version.h: FORCE
	@mkdir -p build/gen
	@{ echo '#define VERSION "$(VERSION)"'; \
	   echo '#define VERSION_REVISION "$(GIT_REV)"'; \
	   echo '#define VERSION_BRANCH "$(GIT_BRANCH)"'; \
	   echo '#define VERSION_BUILD_USER "$(BUILD_USER)"'; \
	   echo '#define VERSION_BUILD_DATE "$(BUILD_DATE)"'; } > $@.new
	@cmp -s $@.new $@ && rm $@.new || mv $@.new $@

# The manual page as HTML for /doc (src/http/h_doc.c, the one includer):
# mandoc's fragment as a C string.
MANDOC ?= mandoc
build/gen/man_html.h: man/$(BIN).8
	@mkdir -p build/gen
	$(QUIET_GEN)$(MANDOC) -T html -O fragment $< > $@.html && \
		{ echo '/* generated from man/$(BIN).8 by $(MANDOC) -T html -O fragment: do not edit */'; \
		  echo 'static const char man_html[] ='; \
		  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' $@.html; \
		  echo ';'; } > $@.new && rm $@.html && mv $@.new $@ || \
		{ rm -f $@.html $@.new; exit 1; }
$(B)/src/http/h_doc.o build/fuzz/src/http/h_doc.o: build/gen/man_html.h

$(B)/%.o: %.c $(B)/FLAGS | build/gen/version.h
	@mkdir -p $(dir $@)
	$(QUIET_CC)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/tests/%.o: tests/%.c $(B)/FLAGS
	@mkdir -p $(dir $@)
	$(QUIET_CC)$(CC) $(ALL_CFLAGS) $(TEST_CFLAGS) -Itests -c -o $@ $<

$(BIN_OUT): $(LIB_OBJS) $(MAIN_OBJ)
	$(QUIET_LINK)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(CHECK_ALL): $(TEST_OBJS) $(LIB_OBJS)
	$(QUIET_LINK)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(TEST_LIBS) $(LIBS)

$(BENCH): $(BENCH_OBJS) $(LIB_OBJS)
	$(QUIET_LINK)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

ifneq ($(FLAVOUR),)
# In a flavour, the plain names build the flavour's binaries, never the plain ones.
$(BIN): $(BIN_OUT)
tests/check_all: $(CHECK_ALL)
tests/bench: $(BENCH)
.PHONY: $(BIN) tests/check_all tests/bench
endif

# No circle between modules; every #include follows the layers (HACKING).
check-layering: $(LIB_OBJS) $(MAIN_OBJ)
	$(Q)$(PYTHON3) tests/module-cycles $(B)/src $(LIB_OBJS) $(MAIN_OBJ)
	$(Q)$(PYTHON3) tests/include-direction src

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
	      -fno-sanitize-recover=undefined $(PKG_CFLAGS) -Isrc -Ibuild/gen -MMD -MP
FUZZ_TARGETS ?= $(patsubst tests/fuzz/%.c,%,$(sort $(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_BINS = $(addprefix build/fuzz/,$(FUZZ_TARGETS))
FUZZ_LIB_OBJS = $(LIB_SRCS:%.c=build/fuzz/%.o)

build/fuzz/FLAGS: FORCE
	@mkdir -p build/fuzz
	@echo '$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SAN)' > build/fuzz/FLAGS.new
	@cmp -s build/fuzz/FLAGS.new build/fuzz/FLAGS && rm build/fuzz/FLAGS.new || \
		mv build/fuzz/FLAGS.new build/fuzz/FLAGS

build/fuzz/src/%.o: src/%.c build/fuzz/FLAGS | build/gen/version.h
	@mkdir -p $(dir $@)
	$(QUIET_CC)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,$(FUZZ_SAN) -c -o $@ $<

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
# clang and bpftool build the exporter's own BPF programs (src/bpf/progs/),
# mandoc the manual's HTML that /doc serves (build/gen/man_html.h)
DEB_BUILD = gcc make pkg-config libmicrohttpd-dev libbpf-dev libaudit-dev \
	    libauparse-dev zlib1g-dev libyaml-dev libgnutls28-dev libcrypt-dev clang bpftool \
	    mandoc
DEB_TEST = check python3 python3-prometheus-client python3-yaml prometheus chromium \
	   valgrind procps systemd strace openssl prometheus-node-exporter
# clang 14 and its libFuzzer runtime (libclang_rt.fuzzer), for make fuzz
DEB_FUZZ = clang libclang-rt-14-dev
deps-build:
	@sh tests/install-deps.sh $(DEB_BUILD)
deps-fuzz:
	@sh tests/install-deps.sh $(DEB_FUZZ)
deps: deps-build
	@sh tests/install-deps.sh $(DEB_TEST)

# ---- the Debian package (debian/): make deb ----
# dpkg-buildpackage writes next to the tree it builds, so it builds a copy in
# build/deb/src and the .deb lands in build/deb/.  debian/rules runs the
# upstream build with dpkg-buildflags' hardening flags and not the test suite
# (it needs root and the real kernel: tests/contrib/test_deb.py installs the
# package and runs it).  lintian checks the result; an error fails.  No
# fakeroot: debian/control says Rules-Requires-Root: no.
DEB_PKG = debhelper lintian
DEB_TEST += $(DEB_PKG)
DEB_OUT = build/deb
deps-deb:
	@sh tests/install-deps.sh $(DEB_BUILD) $(DEB_PKG)
deb: deps-deb
	@v=$$(dpkg-parsechangelog -S Version); [ "$${v%-*}" = "$(VERSION_BASE)" ] || { \
		echo "debian/changelog is at $$v, VERSION_BASE at $(VERSION_BASE): add an entry for $(VERSION_BASE)-1 at its top" >&2; \
		exit 1; }
	rm -rf $(DEB_OUT) && mkdir -p $(DEB_OUT)/src
	tar -c --exclude=./build --exclude=./.git --exclude=./$(BIN) --exclude=./tests/check_all \
		--exclude=./tests/bench . | tar -x -C $(DEB_OUT)/src
	cd $(DEB_OUT)/src && dpkg-buildpackage -b --no-sign -J2
	lintian --fail-on error $(DEB_OUT)/*.changes
	@ls $(DEB_OUT)/*.deb
.PHONY: deb deps-deb

# ---- the README's commands ----
run: deps-build
	@$(MAKE) --no-print-directory all
	./$(BIN_OUT) $(ARGS)

check: deps
	@$(MAKE) --no-print-directory test

# The layering check last: a circle is a finding, not a reason to skip the suites.
test: $(BIN_OUT) $(CHECK_ALL)
	$(Q)mandoc -T lint -W warning man/$(BIN).8
	$(Q)BPFME_BIN=./$(BIN_OUT) PYTHON3=$(PYTHON3) ./$(CHECK_ALL)
	$(Q)BPFME_BIN=$(CURDIR)/$(BIN_OUT) PYTHON3=$(PYTHON3) ./tests/check_contrib
	@$(MAKE) --no-print-directory check-layering

# The threaded unit suites (event ring, program cache, assembler, basic auth,
# slots, deadlines, scraper, followers) under ThreadSanitizer.
TSAN_CHECK_ALL = build/san-thread/check_all
check-tsan: deps
	@$(MAKE) --no-print-directory SANITIZE=thread $(TSAN_CHECK_ALL)
	$(Q)CK_RUN_SUITE=events ./$(TSAN_CHECK_ALL)
	$(Q)CK_RUN_SUITE=progcache ./$(TSAN_CHECK_ALL)
	$(Q)CK_RUN_SUITE=log ./$(TSAN_CHECK_ALL)
	$(Q)CK_RUN_SUITE=audit ./$(TSAN_CHECK_ALL)
	$(Q)CK_RUN_SUITE=basicauth ./$(TSAN_CHECK_ALL)
	$(Q)CK_RUN_SUITE=workq ./$(TSAN_CHECK_ALL)
	$(Q)CK_RUN_SUITE=slots ./$(TSAN_CHECK_ALL)
	$(Q)CK_RUN_SUITE=deadline ./$(TSAN_CHECK_ALL)
	$(Q)CK_RUN_SUITE=scraper ./$(TSAN_CHECK_ALL)
	$(Q)CK_RUN_SUITE=follow ./$(TSAN_CHECK_ALL)

bench: deps
	@$(MAKE) --no-print-directory $(BENCH) $(BIN_OUT)
	BPFME_BIN=./$(BIN_OUT) ./$(BENCH)

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

install: $(BIN_OUT)
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(SYSTEMDUNITDIR)
	install -m 0755 $(BIN_OUT) $(DESTDIR)$(SBINDIR)/$(BIN)
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

.PHONY: all run check check-tsan check-layering test bench install uninstall clean deps \
	deps-build FORCE fuzz fuzz-build deps-fuzz

-include $(wildcard $(B)/src/*.d $(B)/src/*/*.d $(B)/tests/*.d build/fuzz/src/*.d \
	build/fuzz/src/*/*.d build/fuzz/tests/fuzz/*.d)
