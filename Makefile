# smbsign - SMB message signing, end to end.
#   make            build the library and the smbsign command (build/)
#   make test       install missing Debian packages, build with ASan/UBSan, run every test tier
#   make run        the main job on its embedded default
#   make asan       build everything under AddressSanitizer + UBSan (build/asan/)
#   make fuzz       build the libFuzzer targets with clang (build/fuzz/)
#   make fuzz-long FUZZ_SECONDS=N [FUZZ_JOBS=J]  every target N s from its kept corpus, new coverage merged back (docs/fuzzing.md)
#   make fuzz-cov   llvm-cov coverage of decoders, server core and authentication over the kept corpora
#   make tsan       build the smbsign command under ThreadSanitizer (build/tsan/smbsign)
#   make bench      run the benchmarks in bench/ (ratios against peers / physical limits)
#   make install    PREFIX=/usr/local DESTDIR= : library, headers, pkg-config file, man pages,
#                   bash completion, systemd units, /etc/smbsign/smbsign.conf (never overwritten)
#   make check      build the unit tests without sanitizers and run them (dh_auto_test)
#   make deb        Debian packages in ../ with dpkg-buildpackage -b -us -uc (docs/packaging.md)
#   make debian-symbols  regenerate debian/libsmbsign0.symbols from the built shared library
#   make clean

PREFIX  ?= /usr/local
LIBDIR  ?= $(PREFIX)/lib
INCDIR  ?= $(PREFIX)/include
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
UNITDIR ?= $(if $(filter /usr,$(PREFIX)),/lib/systemd/system,$(PREFIX)/lib/systemd/system)
COMPLDIR ?= $(PREFIX)/share/bash-completion/completions
# The version lives in one place: the first line of debian/changelog
# ("smbsign (0.1.0) ..."). smbsign --version, the .pc file and the packages read it.
VERSION := $(shell awk -F'[()]' 'NR == 1 { sub(/-[^-]*$$/, "", $$2); print $$2 }' debian/changelog 2>/dev/null)
ifeq ($(VERSION),)
$(error cannot read the version from debian/changelog)
endif
SOVER   := 0

CC      ?= cc
CLANG   ?= clang
PKGS    := libcrypto inih json-c libpcap krb5-gssapi
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lcrypto -linih -ljson-c -lpcap -lgssapi_krb5)

WARN    := -Wall -Wextra -Wshadow -Wno-unused-parameter -Wstrict-prototypes -Wformat=2
ifneq ($(CI),)
WERROR  ?= 1
endif
ifeq ($(WERROR),1)
WARN    += -Werror
endif
BASE_CFLAGS := -std=c11 -D_GNU_SOURCE -fvisibility=hidden -DSMBSIGN_VERSION='"$(VERSION)"' -Iinclude -Isrc $(PKG_CFLAGS) $(WARN) -MMD -MP -fPIC
OPT     ?= -O2 -g
ASAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDLIBS  := $(PKG_LIBS) -lpthread -lm

LIB_SRCS   := $(shell find src -name '*.c' -not -path 'src/cli/*' | sort)
CLI_SRCS   := $(sort $(wildcard src/cli/*.c))
UNIT_SRCS  := $(sort $(wildcard tests/unit/test_*.c))
UNIT_HELPER_SRCS := $(filter-out tests/unit/test_%,$(wildcard tests/unit/*.c))
FUZZ_SRCS  := $(sort $(wildcard fuzz/fuzz_*.c))
BENCH_SRCS := $(sort $(wildcard bench/*.c))

B  := build
BA := build/asan
BF := build/fuzz
BT := build/tsan
BC := build/fuzzcov
TSAN_FLAGS := -O1 -g -fsanitize=thread -fno-omit-frame-pointer

LIB_OBJS   := $(LIB_SRCS:%.c=$(B)/obj/%.o)
CLI_OBJS   := $(CLI_SRCS:%.c=$(B)/obj/%.o)
ALIB_OBJS  := $(LIB_SRCS:%.c=$(BA)/obj/%.o)
ACLI_OBJS  := $(CLI_SRCS:%.c=$(BA)/obj/%.o)
UNIT_BINS  := $(UNIT_SRCS:tests/unit/%.c=$(BA)/tests/%)
UNIT_HELPER_OBJS := $(UNIT_HELPER_SRCS:%.c=$(BA)/obj/%.o)
FLIB_OBJS  := $(LIB_SRCS:%.c=$(BF)/obj/%.o)
TLIB_OBJS  := $(LIB_SRCS:%.c=$(BT)/obj/%.o)
TCLI_OBJS  := $(CLI_SRCS:%.c=$(BT)/obj/%.o)
FUZZ_BINS  := $(FUZZ_SRCS:fuzz/%.c=$(BF)/%)
CLIB_OBJS  := $(LIB_SRCS:%.c=$(BC)/obj/%.o)
COV_BINS   := $(FUZZ_SRCS:fuzz/%.c=$(BC)/%)
BENCH_BINS := $(BENCH_SRCS:bench/%.c=$(B)/bench/%)

.PHONY: all asan fuzz fuzz-long fuzz-cov tsan bench test run install clean deps unit check deb debian-symbols
.SECONDARY:
.DEFAULT_GOAL := all

all: $(B)/smbsign $(B)/libsmbsign.a $(B)/libsmbsign.so.$(SOVER) $(B)/smbsign.pc

$(B)/obj/%.o: %.c Makefile
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(OPT) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

# a new version in debian/changelog rebuilds what prints it
$(B)/obj/src/cli/main.o $(BA)/obj/src/cli/main.o: debian/changelog

$(BA)/obj/%.o: %.c Makefile
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(ASAN_FLAGS) $(CFLAGS) -c $< -o $@

$(BT)/obj/%.o: %.c Makefile
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(TSAN_FLAGS) $(CFLAGS) -c $< -o $@

$(BF)/obj/%.o: %.c Makefile
	@mkdir -p $(dir $@)
	$(CLANG) $(BASE_CFLAGS) -O1 -g -fsanitize=fuzzer-no-link,address,undefined -DSMBSIGN_FUZZING $(CFLAGS) -c $< -o $@

# source-based coverage builds of the fuzz targets (no sanitizers), for
# llvm-cov reports over the kept corpora (make fuzz-cov, docs/fuzzing.md)
COV_FLAGS := -O1 -g -fprofile-instr-generate -fcoverage-mapping
$(BC)/obj/%.o: %.c Makefile
	@mkdir -p $(dir $@)
	$(CLANG) $(BASE_CFLAGS) $(COV_FLAGS) -fsanitize=fuzzer-no-link -DSMBSIGN_FUZZING $(CFLAGS) -c $< -o $@

$(B)/libsmbsign.a: $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(B)/libsmbsign.so.$(SOVER): $(LIB_OBJS)
	$(CC) -shared $(LDFLAGS) -Wl,--as-needed -Wl,-soname,libsmbsign.so.$(SOVER) -o $@ $^ $(LDLIBS)
	ln -sf libsmbsign.so.$(SOVER) $(B)/libsmbsign.so

$(B)/smbsign: $(CLI_OBJS) $(B)/libsmbsign.a
	$(CC) $(OPT) $(LDFLAGS) -o $@ $(CLI_OBJS) $(B)/libsmbsign.a $(LDLIBS)

$(B)/smbsign.pc: smbsign.pc.in debian/changelog
	@mkdir -p $(B)
	sed -e 's|@PREFIX@|$(PREFIX)|; s|@LIBDIR@|$(LIBDIR)|; s|@INCDIR@|$(INCDIR)|; s|@VERSION@|$(VERSION)|' $< > $@

$(BA)/libsmbsign.a: $(ALIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BA)/smbsign: $(ACLI_OBJS) $(BA)/libsmbsign.a
	$(CC) $(ASAN_FLAGS) -o $@ $(ACLI_OBJS) $(BA)/libsmbsign.a $(LDLIBS)

$(BA)/tests/%: $(BA)/obj/tests/unit/%.o $(UNIT_HELPER_OBJS) $(BA)/libsmbsign.a
	@mkdir -p $(dir $@)
	$(CC) $(ASAN_FLAGS) -o $@ $< $(UNIT_HELPER_OBJS) $(BA)/libsmbsign.a -lcmocka $(LDLIBS)

asan: $(BA)/smbsign $(UNIT_BINS)

# Unit tests without sanitizers, against the release objects: what a package
# build runs (dh_auto_test). No root, no network beyond socketpairs.
CHECK_BINS := $(UNIT_SRCS:tests/unit/%.c=$(B)/tests/%)
CHECK_HELPER_OBJS := $(UNIT_HELPER_SRCS:%.c=$(B)/obj/%.o)
$(B)/tests/%: $(B)/obj/tests/unit/%.o $(CHECK_HELPER_OBJS) $(B)/libsmbsign.a
	@mkdir -p $(dir $@)
	$(CC) $(OPT) $(LDFLAGS) -o $@ $< $(CHECK_HELPER_OBJS) $(B)/libsmbsign.a -lcmocka $(LDLIBS)

check: $(CHECK_BINS)
	@fail=0; for t in $(CHECK_BINS); do \
	    if CMOCKA_MESSAGE_OUTPUT=TAP $$t > $$t.log 2>&1; then echo "ok - $$t"; \
	    else echo "not ok - $$t"; grep -E '^not ok' $$t.log | head -20; fail=1; fi; \
	done; exit $$fail

deb:
	dpkg-buildpackage -b -us -uc
	@echo "packages:"; ls -1 ../smbsign_$(VERSION)*.deb ../libsmbsign*_$(VERSION)*.deb

debian-symbols: $(B)/libsmbsign.so.$(SOVER)
	scripts/gen-symbols.sh $(B)/libsmbsign.so.$(SOVER) $(VERSION) > debian/libsmbsign0.symbols.new
	mv debian/libsmbsign0.symbols.new debian/libsmbsign0.symbols

unit: asan
	tests/run.sh --unit-only

$(BF)/libsmbsign.a: $(FLIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BF)/%: $(BF)/obj/fuzz/%.o $(BF)/libsmbsign.a
	$(CLANG) -fsanitize=fuzzer,address,undefined -o $@ $< $(BF)/libsmbsign.a $(LDLIBS)

fuzz: $(FUZZ_BINS)

$(BC)/libsmbsign.a: $(CLIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BC)/%: $(BC)/obj/fuzz/%.o $(BC)/libsmbsign.a
	$(CLANG) -fsanitize=fuzzer -fprofile-instr-generate -o $@ $< $(BC)/libsmbsign.a $(LDLIBS)

# line and region coverage of the decoders, the server core and the
# authentication paths reached by every target's kept corpus (llvm-cov)
fuzz-cov: $(COV_BINS)
	scripts/fuzz_cov.sh

FUZZ_SECONDS ?= 60
FUZZ_JOBS ?= 1
fuzz-long: $(FUZZ_BINS)
	FUZZ_JOBS=$(FUZZ_JOBS) scripts/fuzz_long.sh $(FUZZ_SECONDS)

# ThreadSanitizer build of the command (the server's event loops, worker and
# I/O threads): run the server interop scripts with SMBSIGN=build/tsan/smbsign
# and TSAN_OPTIONS=halt_on_error=1 (docs/server.md "Threads and locking").
$(BT)/libsmbsign.a: $(TLIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BT)/smbsign: $(TCLI_OBJS) $(BT)/libsmbsign.a
	$(CC) $(TSAN_FLAGS) -o $@ $(TCLI_OBJS) $(BT)/libsmbsign.a $(LDLIBS)

tsan: $(BT)/smbsign

$(B)/bench/%: bench/%.c $(B)/libsmbsign.a
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) -O3 -march=native $(CFLAGS) -o $@ $< $(B)/libsmbsign.a $(LDLIBS)

bench: deps all $(BENCH_BINS)
	bench/run.sh

deps:
	@scripts/deps.sh

test: deps
	$(MAKE) -j$$(nproc) all asan fuzz
	tests/run.sh

run: deps
	@$(MAKE) --no-print-directory -s all
	@scripts/run-main.sh

install: all
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCDIR)/smbsign $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 0644 $(B)/libsmbsign.a $(DESTDIR)$(LIBDIR)/
	install -m 0755 $(B)/libsmbsign.so.$(SOVER) $(DESTDIR)$(LIBDIR)/
	ln -sf libsmbsign.so.$(SOVER) $(DESTDIR)$(LIBDIR)/libsmbsign.so
	install -m 0644 include/smbsign/*.h $(DESTDIR)$(INCDIR)/smbsign/
	sed -e 's|@PREFIX@|$(PREFIX)|; s|@LIBDIR@|$(LIBDIR)|; s|@INCDIR@|$(INCDIR)|; s|@VERSION@|$(VERSION)|' smbsign.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/smbsign.pc
	chmod 0644 $(DESTDIR)$(LIBDIR)/pkgconfig/smbsign.pc
	install -m 0755 $(B)/smbsign $(DESTDIR)$(BINDIR)/
	for m in man/*.1; do sed -e '1s/"smbsign [0-9][^"]*"/"smbsign $(VERSION)"/' $$m > $(DESTDIR)$(MANDIR)/man1/$${m#man/}; \
	    chmod 0644 $(DESTDIR)$(MANDIR)/man1/$${m#man/}; done
	install -d $(DESTDIR)$(COMPLDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSCONFDIR)/smbsign
	install -m 0644 dist/bash-completion/smbsign $(DESTDIR)$(COMPLDIR)/smbsign
	sed -e 's|@BINDIR@|$(BINDIR)|g; s|@CONF@|$(SYSCONFDIR)/smbsign/smbsign.conf|g; s|@UNIT_SUFFIX@|.service|; s|@DESC_SUFFIX@||' \
	    dist/systemd/smbsign-serve.service.in > $(DESTDIR)$(UNITDIR)/smbsign-serve.service
	sed -e 's|@BINDIR@|$(BINDIR)|g; s|@CONF@|$(SYSCONFDIR)/smbsign/%i.conf|g; s|@UNIT_SUFFIX@|@.service|; s|@DESC_SUFFIX@| (%i.conf)|' \
	    dist/systemd/smbsign-serve.service.in > $(DESTDIR)$(UNITDIR)/smbsign-serve@.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/smbsign-serve.service $(DESTDIR)$(UNITDIR)/smbsign-serve@.service
	test -e $(DESTDIR)$(SYSCONFDIR)/smbsign/smbsign.conf || \
	    sed -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' dist/smbsign.conf > $(DESTDIR)$(SYSCONFDIR)/smbsign/smbsign.conf

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
