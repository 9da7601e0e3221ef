# skbtrace build.  `make` builds ./skbtrace; `make test` installs what the
# tests need, builds an ASan/UBSan variant and runs every suite.
PREFIX ?= /usr/local
CC ?= gcc
CLANG ?= clang
BPFTOOL ?= bpftool
BUILD := build
ARCH := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')

WARN := -Wall -Wextra -Werror -Wno-missing-field-initializers
CFLAGS ?= -O2 -g
CFLAGS += $(WARN) -std=gnu11 -D_GNU_SOURCE -Isrc -I$(BUILD)
# libdw (source lines) and json-c (reading recorded traces): pkg-config when
# it knows them, else the Debian names.
LDLIBS := -lbpf $(shell pkg-config --libs libdw libdebuginfod json-c 2>/dev/null || echo -ldw -ldebuginfod -ljson-c) -lelf -lz -lpcap -lmicrohttpd -lpthread
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror -Isrc -I/usr/include/$(shell gcc -dumpmachine)

# src/ is one folder per idea (docs/design.md); every .c in it but main.c and
# the BPF side is part of the tool and of the unit tests' link.
SRCS := $(filter-out src/main.c %.bpf.c,$(shell find src -name '*.c' | sort))
OBJS := $(SRCS:src/%.c=$(BUILD)/%.o)
ASAN_OBJS := $(SRCS:src/%.c=$(BUILD)/asan/%.o)
HDRS := $(shell find src -name '*.h')
# Only the files that include the generated skeleton wait for the BPF build.
SKEL_USERS := $(patsubst src/%.c,%.o,$(shell grep -rl 'skbtrace.skel.h' src --include='*.c' 2>/dev/null))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/asan/tests/%)
TOOLS_SRCS := $(wildcard tests/tools/*.c)
TOOLS := $(TOOLS_SRCS:tests/tools/%.c=$(BUILD)/tools/%)
# BPF programs the tests load into the kernel (tc, XDP), next to the tools.
TEST_BPF_SRCS := $(wildcard tests/bpf/*.bpf.c)
TEST_BPF := $(TEST_BPF_SRCS:tests/bpf/%.bpf.c=$(BUILD)/tools/%.bpf.o)
BENCH_SRCS := $(wildcard bench/*.c)
BENCH_BINS := $(BENCH_SRCS:bench/%.c=$(BUILD)/bench/%)

.PHONY: all clean install uninstall deb test unit integration vmtest demo deps format format-check bench bench-bins bench-vm asan tools matrix fuzz
all: skbtrace

deps:
	@scripts/deps.sh build

$(BUILD) $(BUILD)/asan $(BUILD)/asan/tests $(BUILD)/tools:
	@mkdir -p $@

$(BUILD)/skbtrace.bpf.o: src/bpf/skbtrace.bpf.c $(wildcard src/bpf/*.h) | $(BUILD)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/skbtrace.skel.h: $(BUILD)/skbtrace.bpf.o
	$(BPFTOOL) gen skeleton $< name skbtrace_bpf > $@

$(BUILD)/%.o: src/%.c $(HDRS) | $(BUILD)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/asan/%.o: src/%.c $(HDRS) | $(BUILD)/asan
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SAN) -c $< -o $@

skbtrace: $(BUILD)/main.o $(OBJS)
	$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)

$(BUILD)/asan/skbtrace: $(BUILD)/asan/main.o $(ASAN_OBJS)
	$(CC) $(CFLAGS) $(SAN) $^ -o $@ $(LDLIBS)

asan: $(BUILD)/asan/skbtrace

$(addprefix $(BUILD)/,$(SKEL_USERS)) $(addprefix $(BUILD)/asan/,$(SKEL_USERS)): $(BUILD)/skbtrace.skel.h

$(BUILD)/asan/tests/%: tests/unit/%.c $(ASAN_OBJS) | $(BUILD)/asan/tests
	$(CC) $(CFLAGS) $(SAN) -Itests/unit $< $(ASAN_OBJS) -o $@ $(LDLIBS) -lcmocka

$(BUILD)/tools/%: tests/tools/%.c | $(BUILD)/tools
	$(CC) $(CFLAGS) $< -o $@ $(LDLIBS)

# pfdump (tests/pcap/) prints what the filter compiler makes of an expression.
FILTER_OBJS := $(filter $(BUILD)/filter/%,$(OBJS))
$(BUILD)/tools/pfdump: tests/pcap/pfdump.c tests/pcap/ebpf_dis.h $(FILTER_OBJS) | $(BUILD)/tools
	$(CC) $(CFLAGS) $< $(FILTER_OBJS) -o $@ $(LDLIBS)

$(BUILD)/tools/%.bpf.o: tests/bpf/%.bpf.c | $(BUILD)/tools
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

tools: $(TOOLS) $(BUILD)/tools/pfdump $(TEST_BPF)

# Benchmarks link the tool's own objects, optimised, without sanitizers.
$(BUILD)/bench/%: bench/%.c $(OBJS)
	@mkdir -p $(BUILD)/bench
	$(CC) $(CFLAGS) $< $(OBJS) -o $@ $(LDLIBS)

bench-bins: $(BENCH_BINS)

unit: $(UNIT_BINS)
	@tests/run-unit.sh $(UNIT_BINS)

integration: skbtrace $(BUILD)/asan/skbtrace tools
	@tests/integration/run.sh $(BUILD)/asan/skbtrace

test:
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory all asan tools $(UNIT_BINS)
	@tests/run-all.sh

demo:
	@scripts/deps.sh build
	@$(MAKE) --no-print-directory all
	@scripts/demo.sh ./skbtrace

vmtest: all tools
	@scripts/deps.sh vm
	@tests/vm/run.sh ./skbtrace

fuzz:
	@tests/fuzz/run.sh

matrix:
	@tests/matrix.sh update docs/testing.md

bench: skbtrace tools bench-bins
	@scripts/deps.sh bench
	@bench/run.sh

# Function backends in the test VM (kprobe attach vs a minimal floor, per-event
# cost); the guest gets the binaries with their libraries, so no static build.
bench-vm: skbtrace tools $(BUILD)/bench/kprobe_floor $(BUILD)/bench/tp_floor $(BUILD)/bench/progstats $(BUILD)/bench/startup
	@scripts/deps.sh vm
	@bench/vm.sh

# Where Debian looks: man pages, bash-completion's completions directory, and
# zsh's vendor-completions for the system's /usr (site-functions elsewhere;
# both are in Debian's default $fpath).  DESTDIR stages (make deb uses it).
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/$(if $(filter /usr,$(PREFIX)),vendor-completions,site-functions)
INSTALLED := $(BINDIR)/skbtrace $(MANDIR)/man8/skbtrace.8 $(BASHCOMPDIR)/skbtrace $(ZSHCOMPDIR)/_skbtrace

install: skbtrace
	install -D -m 0755 skbtrace $(DESTDIR)$(BINDIR)/skbtrace
	install -D -m 0644 docs/skbtrace.8 $(DESTDIR)$(MANDIR)/man8/skbtrace.8
	install -D -m 0644 completion/skbtrace.bash $(DESTDIR)$(BASHCOMPDIR)/skbtrace
	install -D -m 0644 completion/_skbtrace $(DESTDIR)$(ZSHCOMPDIR)/_skbtrace

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))

# skbtrace_VERSION_ARCH.deb in build/deb/, from a staged `make install`.
VERSION = $(shell sed -n 's/^\#define SKBTRACE_VERSION "\(.*\)"/\1/p' src/cli/opts.h | head -n 1)
deb: skbtrace
	@scripts/deps.sh deb
	rm -rf $(BUILD)/deb/root
	$(MAKE) --no-print-directory install PREFIX=/usr DESTDIR=$(CURDIR)/$(BUILD)/deb/root
	scripts/mkdeb.sh $(BUILD)/deb/root $(VERSION) $(BUILD)/deb

# Every C file in git, BPF side and tests included, as .clang-format says.
FORMAT_SRCS = $(shell git ls-files '*.c' '*.h' 2>/dev/null)

format:
	clang-format -i $(FORMAT_SRCS)

format-check:
	@scripts/deps.sh build
	@clang-format --dry-run -Werror $(FORMAT_SRCS)
	@echo "format-check: $(words $(FORMAT_SRCS)) files as .clang-format says"

clean:
	rm -rf $(BUILD) skbtrace
