# famlink — build, test, demo, bench, install.
#
#   make               build/famlinkd and build/famlinkctl
#   make check         every unit and integration test
#   make check SANITIZE=1   the same under AddressSanitizer + UBSan (in build/san)
#   make demo          a hub and two municipalities on loopback
#   make bench         throughput and latency (P=10 K=5000 SIZE=2048)
#   make fuzz          libFuzzer on frames, JSON and config (FUZZ_SECONDS=60 each)
#   make install       PREFIX=/usr/local DESTDIR= (also the systemd unit,
#                      sysusers.d and tmpfiles.d files: UNITDIR, SYSUSERSDIR,
#                      TMPFILESDIR; the man pages: MANDIR)

PREFIX   ?= /usr/local
DESTDIR  ?=
# Where systemd looks: /lib/systemd/system for a Debian package's units
# (PREFIX=/usr), PREFIX/lib/systemd/system otherwise (/usr/local/lib/... is
# in systemd's search path, as are PREFIX/lib/sysusers.d and tmpfiles.d for
# /usr and /usr/local).
UNITDIR     ?= $(if $(filter /usr,$(PREFIX)),/lib/systemd/system,$(PREFIX)/lib/systemd/system)
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
MANDIR      ?= $(PREFIX)/share/man
CC       ?= cc
SANITIZE ?= 0

ifeq ($(FUZZ),1)
CC       := clang
B        := build/fuzz
SANFLAGS := -fsanitize=address,undefined,fuzzer-no-link -fno-omit-frame-pointer
OPT      := -O1 -g
else ifeq ($(SANITIZE),1)
B        := build/san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
OPT      := -O1 -g
else
B        := build
SANFLAGS :=
OPT      := -O2 -g
endif

PKGS     := libzmq libprotobuf-c sqlite3 libcurl inih jansson libsystemd libcrypto zlib \
            libmicrohttpd
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)

# daemon/ holds one folder per layer (base, wire, config, store, routine,
# net, node, ctl, monitor: each uses only those before it); every folder's
# headers are found by name.
DAEMON_DIRS := $(sort $(dir $(wildcard daemon/*/*.c daemon/*/*.h))) adapters/
CFLAGS   += -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
            -Wno-missing-field-initializers $(OPT) $(SANFLAGS) -MMD -MP \
            -I$(B)/gen $(patsubst %/,-I%,$(DAEMON_DIRS)) $(PKG_CFLAGS)
LDFLAGS  += $(SANFLAGS)
LDLIBS   += $(PKG_LIBS) -lpthread -lm

# The two programs (daemon/*.c) put the layers and the adapters together;
# everything below them is library code shared with tests.
MAINS    := daemon/famlinkd.c daemon/famlinkctl.c
LIB_SRC  := $(wildcard daemon/*/*.c adapters/*.c)
GEN_SRC  := $(B)/gen/famlink.pb-c.c $(B)/gen/famlink_limits.c $(B)/gen/email_templates.c \
            $(B)/gen/monitor_page.c
LIB_OBJ  := $(patsubst daemon/%.c,$(B)/obj/%.o,$(patsubst adapters/%.c,$(B)/obj/adapters/%.o,$(LIB_SRC))) \
            $(GEN_SRC:$(B)/gen/%.c=$(B)/obj/gen/%.o)
LIB      := $(B)/libfamlink.a

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
INT_SRC  := $(wildcard tests/integration/test_*.c)
INT_BIN  := $(INT_SRC:tests/integration/%.c=$(B)/tests/%)
HARNESS  := $(B)/obj/tests/harness.o $(B)/obj/tests/smtp_sink.o
BENCH_BIN := $(B)/bench/loadgen
MANPAGES := $(B)/man/famlinkd.8 $(B)/man/famlinkctl.8 $(B)/man/famlink.conf.5

.PHONY: all check unit integration demo bench fuzz fuzz-run install clean deps FORCE
# Plain `make` checks the Debian packages it builds with first (protoc-c, the
# -dev headers; not the test tools):
# tools/install-deps is silent when all are there, installs them as root, and
# otherwise names the missing ones and the apt-get line. It runs only in the
# top-level make: check, demo and bench run deps themselves before calling
# make again (MAKELEVEL 1), so it runs once per command, and a packager's
# make that calls ours never touches apt. The build runs in a second make so
# that -j cannot start compiling before the packages are in.
ifeq ($(MAKELEVEL),0)
all:
	@sh tools/install-deps build
	@$(MAKE) --no-print-directory all
# A test or bench program asked for beside `all` (make -j2 all build/tests/X)
# waits for it: the sub-make and this one would write libfamlink.a at once.
$(UNIT_BIN) $(INT_BIN) $(BENCH_BIN) $(B)/bench/enqueue: | all
else
all: $(B)/famlinkd $(B)/famlinkctl $(MANPAGES)
	@:
endif

deps:
	@sh tools/install-deps

$(B)/gen/famlink.pb-c.c $(B)/gen/famlink.pb-c.h: proto/famlink.proto
	@mkdir -p $(B)/gen
	protoc-c --proto_path=proto --c_out=$(B)/gen proto/famlink.proto

$(B)/gen/famlink_limits.c: proto/famlink.proto tools/gen_limits.awk
	@mkdir -p $(B)/gen
	gawk -f tools/gen_limits.awk proto/famlink.proto > $@.tmp && mv $@.tmp $@

# The email adapter's mail templates, built in (adapters/email_template.h).
TEMPLATES := $(sort $(wildcard templates/*/*.txt))
$(B)/gen/email_templates.c: $(TEMPLATES) tools/gen_templates.awk
	@mkdir -p $(B)/gen
	gawk -f tools/gen_templates.awk $(TEMPLATES) > $@.tmp && mv $@.tmp $@

# The monitoring endpoint's dashboard page, built in (monitor_routes.c).
$(B)/gen/monitor_page.c: daemon/monitor/dashboard.html tools/gen_page.awk
	@mkdir -p $(B)/gen
	gawk -f tools/gen_page.awk $< > $@.tmp && mv $@.tmp $@

# Generated header first: every object may include it.
$(LIB_OBJ) $(HARNESS) $(B)/obj/famlinkd.o $(B)/obj/famlinkctl.o: | $(B)/gen/famlink.pb-c.h

$(B)/obj/%.o: daemon/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(B)/obj/adapters/%.o: adapters/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(B)/obj/gen/%.o: $(B)/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Wno-unused-parameter -c $< -o $@

# Made afresh each time: ar only adds and replaces members, so an object
# renamed or removed would stay in the archive, and the linker could take
# its stale code instead of the new file's.
$(LIB): $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(B)/famlinkd: $(B)/obj/famlinkd.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/famlinkctl: $(B)/obj/famlinkctl.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/obj/tests/%.o: tests/unit/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests -c $< -o $@

$(B)/obj/tests/%.o: tests/integration/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests -Itests/integration -c $< -o $@

$(B)/obj/tests/%.o: tests/bench/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests -c $< -o $@

$(UNIT_SRC:tests/unit/%.c=$(B)/obj/tests/%.o) $(INT_SRC:tests/integration/%.c=$(B)/obj/tests/%.o) \
    $(B)/obj/tests/loadgen.o: | $(B)/gen/famlink.pb-c.h

$(UNIT_BIN): $(B)/tests/%: $(B)/obj/tests/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(CMOCKA_LIBS)

$(INT_BIN): $(B)/tests/%: $(B)/obj/tests/%.o $(HARNESS) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(CMOCKA_LIBS)

$(BENCH_BIN): $(B)/obj/tests/loadgen.o $(B)/obj/tests/bench_common.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The e2e bench's enqueuer (tests/bench/enqueue.c), next to the loadgen.
BENCH_ENQ := $(B)/bench/enqueue
$(B)/obj/tests/enqueue.o $(B)/obj/tests/bench_common.o: | $(B)/gen/famlink.pb-c.h
$(BENCH_ENQ): $(B)/obj/tests/enqueue.o $(B)/obj/tests/bench_common.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The man pages, made from the programs' own --help texts and the example
# configs (tools/mkman): a man page cannot say what --help does not.
$(B)/man/%: man/%.scd.in tools/mkman $(B)/famlinkd $(B)/famlinkctl $(wildcard config/*.example)
	@mkdir -p $(dir $@)
	sh tools/mkman $* $(B) > $@.scd && scdoc < $@.scd > $@

# famlinkd --help names where make install puts the examples: the header
# changes (and famlinkd is built again) only when PREFIX does.
$(B)/gen/paths.h: FORCE
	@mkdir -p $(dir $@)
	@echo '#define FAMLINK_DOCDIR "$(PREFIX)/share/doc/famlink"' > $@.new
	@cmp -s $@.new $@ && rm -f $@.new || mv $@.new $@
$(B)/obj/famlinkd.o: $(B)/gen/paths.h
FORCE:

# Tests find the programs through FAMLINK_BUILD.
check: deps
	@$(MAKE) --no-print-directory all $(UNIT_BIN) $(INT_BIN)
	@FAMLINK_BUILD=$(B) sh tests/run $(UNIT_BIN) $(INT_BIN)

unit: all $(UNIT_BIN)
	@FAMLINK_BUILD=$(B) sh tests/run $(UNIT_BIN)

integration: all $(INT_BIN)
	@FAMLINK_BUILD=$(B) sh tests/run $(INT_BIN)

# The build's output goes to a log, shown only if it fails: the demo's own
# steps are what a first-time reader should see.
demo: deps
	@mkdir -p $(B)
	@$(MAKE) --no-print-directory all >$(B)/demo-build.log 2>&1 || \
		{ cat $(B)/demo-build.log; echo "make demo: the build failed (log: $(B)/demo-build.log)" >&2; exit 1; }
	@FAMLINK_BUILD=$(B) sh tools/demo

P    ?= 10
K    ?= 5000
SIZE ?= 2048
RATE ?= 0
bench: deps
	@$(MAKE) --no-print-directory all $(BENCH_BIN) $(BENCH_ENQ)
	@FAMLINK_BUILD=$(B) P=$(P) K=$(K) SIZE=$(SIZE) RATE=$(RATE) sh tests/bench/run

# Fuzzing: clang's libFuzzer with ASan+UBSan, in build/fuzz. Corpora grow in
# build/fuzz/corpus/; a crash leaves its input in build/fuzz/.
FUZZ_SECONDS ?= 60
FUZZ_BIN := $(patsubst tests/fuzz/%.c,$(B)/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))

$(B)/obj/tests/fuzz_%.o: tests/fuzz/fuzz_%.c | $(B)/gen/famlink.pb-c.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(B)/fuzz/%: $(B)/obj/tests/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)

.SECONDARY: $(patsubst tests/fuzz/%.c,$(B)/obj/tests/%.o,$(wildcard tests/fuzz/fuzz_*.c))

fuzz:
	@sh tools/install-deps fuzz
	@$(MAKE) --no-print-directory FUZZ=1 fuzz-run

fuzz-run: $(FUZZ_BIN)
	@for f in $(FUZZ_BIN); do \
		mkdir -p $(B)/corpus/$$(basename $$f); \
		echo "== $$(basename $$f) for $(FUZZ_SECONDS) s"; \
		$$f -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -artifact_prefix=$(B)/ \
			$(B)/corpus/$$(basename $$f) tests/fuzz/seeds/$$(basename $$f) \
			>$(B)/$$(basename $$f).log 2>&1 || { tail -n 40 $(B)/$$(basename $$f).log; exit 1; }; \
		grep -E 'cov:' $(B)/$$(basename $$f).log | tail -n 1; \
	done

install: all
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/doc/famlink
	install -m 0755 $(B)/famlinkd $(DESTDIR)$(PREFIX)/sbin/famlinkd
	install -m 0755 $(B)/famlinkctl $(DESTDIR)$(PREFIX)/bin/famlinkctl
	install -m 0644 config/hub.conf.example config/municipality.conf.example \
		PROTOCOL.md README.md $(DESTDIR)$(PREFIX)/share/doc/famlink/
	install -d $(DESTDIR)$(PREFIX)/share/doc/famlink/examples/municipality \
		$(DESTDIR)$(PREFIX)/share/doc/famlink/examples/pool
	install -m 0644 examples/README.md $(DESTDIR)$(PREFIX)/share/doc/famlink/examples/
	install -m 0644 examples/municipality/*.json $(DESTDIR)$(PREFIX)/share/doc/famlink/examples/municipality/
	install -m 0644 examples/pool/*.json $(DESTDIR)$(PREFIX)/share/doc/famlink/examples/pool/
	install -d $(DESTDIR)$(PREFIX)/share/famlink/templates/sv \
		$(DESTDIR)$(PREFIX)/share/famlink/templates/en
	install -m 0644 templates/sv/*.txt $(DESTDIR)$(PREFIX)/share/famlink/templates/sv/
	install -m 0644 templates/en/*.txt $(DESTDIR)$(PREFIX)/share/famlink/templates/en/
	install -d $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR)
	sed -e 's#/usr/local/sbin/famlinkd#$(PREFIX)/sbin/famlinkd#' \
	    -e 's#/usr/local/share/doc/famlink#$(PREFIX)/share/doc/famlink#' \
	    systemd/famlinkd.service > $(B)/famlinkd.service
	install -m 0644 $(B)/famlinkd.service $(DESTDIR)$(UNITDIR)/famlinkd.service
	install -m 0644 systemd/famlink.sysusers $(DESTDIR)$(SYSUSERSDIR)/famlink.conf
	install -m 0644 systemd/famlink.tmpfiles $(DESTDIR)$(TMPFILESDIR)/famlink.conf
	install -m 0644 systemd/README.md $(DESTDIR)$(PREFIX)/share/doc/famlink/systemd.md
	install -d $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5
	install -m 0644 $(B)/man/famlinkd.8 $(B)/man/famlinkctl.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 $(B)/man/famlink.conf.5 $(DESTDIR)$(MANDIR)/man5/

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
