# SPDX-License-Identifier: GPL-2.0
# drvguard build.  Everything generated lands under $(OUTPUT): the guest
# kernel build tree with module BTF, vmlinux.h from the guest kernel's BTF,
# the drvguard command with its rule compiler, the shipped packs compiled
# from rules/packs/, the test modules and the front end's fuzzer.
# `make V=1` shows full commands.

OUTPUT		:= .output
KBUILD		:= $(OUTPUT)/kbuild
VMLINUX		:= $(KBUILD)/vmlinux
# BTF the BPF objects are compiled against (CO-RE relocates them at load).
VMLINUX_BTF	?= $(VMLINUX)
CLANG		?= clang
BPFTOOL		?= bpftool
CC		?= cc
ARCH		:= $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')

CFLAGS		?= -g -O2
CFLAGS		+= -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers \
		   -Wno-format-truncation
CFLAGS		+= -I$(OUTPUT) -Ibpf -D_GNU_SOURCE
BPF_CFLAGS	:= -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) -Wall -I$(OUTPUT) -Ibpf
# The command is linked statically so that it runs on any guest userland.
LDFLAGS		+= -static
LDLIBS		+= -lbpf -lelf -lz

USERCTL_SRCS	:= $(wildcard userctl/*.c) $(wildcard rules/*.c) probes/catalog.c
USERCTL_OBJS	:= $(patsubst %.c,$(OUTPUT)/%.o,$(USERCTL_SRCS))
RUNTIME_HDRS_SRC := $(wildcard bpf/*.h)
# Shipped packs: every rules/packs/*.rules; rules/lib/ holds what they include.
PACKS		:= $(patsubst rules/packs/%.rules,$(OUTPUT)/packs/%.o,$(wildcard rules/packs/*.rules))
UNIT_TESTS	:= $(patsubst selftests/unit/%.c,$(OUTPUT)/unit/%,$(wildcard selftests/unit/test_*.c))
TEST_MODULES	:= $(OUTPUT)/modules/.built
FUZZER		:= $(OUTPUT)/fuzz/fuzz_rules
RECOVERY_MODULE	:= $(OUTPUT)/recovery/drvguard_recover.ko
BENCH_FLOOR	:= $(OUTPUT)/bench/floor

ifeq ($(V),1)
	Q =
	msg =
else
	Q = @
	msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.DELETE_ON_ERROR:
# Keep intermediate files: they are build output too.
.SECONDARY:
.PHONY: all deps check demo bench clean unit-tests modules install uninstall

all: $(OUTPUT)/drvguard $(PACKS) $(RECOVERY_MODULE) $(TEST_MODULES) $(UNIT_TESTS) $(FUZZER) \
	$(BENCH_FLOOR)

deps:
	$(Q)scripts/install-deps

# The README's two commands: each installs what it needs first.
check: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)selftests/run-all

# The benchmarks (BENCHMARKS.md): one guest run of bench/suite, its JSON
# and plot kept in bench/results/.
bench: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)bench/run

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)selftests/vm/run --quiet --allow 'scheduling while atomic' \
		--timeout 300 -- scripts/demo

$(OUTPUT) $(OUTPUT)/userctl $(OUTPUT)/probes $(OUTPUT)/rules $(OUTPUT)/unit $(OUTPUT)/packs \
		$(OUTPUT)/fuzz $(OUTPUT)/bench:
	$(Q)mkdir -p $@

# Guest kernel build tree: vmlinux with BTF, resolve_btfids, headers copy.
$(KBUILD)/.prepared: scripts/kbuild-prepare scripts/guest-kernel | $(OUTPUT)
	$(call msg,KBUILD,$(KBUILD))
	$(Q)scripts/kbuild-prepare $(KBUILD)
	$(Q)touch $@

$(VMLINUX): $(KBUILD)/.prepared
	@:

$(OUTPUT)/vmlinux.h: $(VMLINUX_BTF) | $(OUTPUT)
	$(call msg,GEN,$@)
	$(Q)$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@

# The drvguard command, with the rule compiler linked in.
$(OUTPUT)/userctl/%.o: userctl/%.c $(wildcard userctl/*.h) bpf/drvguard.h rules/rulec.h \
		probes/catalog.h | $(OUTPUT)/userctl
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(OUTPUT)/rules/%.o: rules/%.c rules/rulec.h probes/catalog.h bpf/recovery_abi.h | $(OUTPUT)/rules
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(OUTPUT)/probes/%.o: probes/%.c probes/catalog.h bpf/recovery_abi.h | $(OUTPUT)/probes
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(OUTPUT)/drvguard: $(USERCTL_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

# Shipped packs, compiled by the command itself against bpf/ and vmlinux.h.
$(OUTPUT)/packs/%.o: rules/packs/%.rules $(wildcard rules/lib/*.rules) $(RUNTIME_HDRS_SRC) \
		$(OUTPUT)/vmlinux.h $(OUTPUT)/drvguard | $(OUTPUT)/packs
	$(call msg,PACK,$@)
	$(Q)$(OUTPUT)/drvguard compile $< -o $@ >/dev/null

# The front end's fuzzer (libFuzzer, ASan, UBSan); `make check` runs it briefly.
FUZZ_SRCS	:= $(filter-out rules/compile.c,$(wildcard rules/*.c)) probes/catalog.c

$(FUZZER): selftests/fuzz/fuzz_rules.c $(FUZZ_SRCS) rules/rulec.h probes/catalog.h | $(OUTPUT)/fuzz
	$(call msg,FUZZ-CC,$@)
	$(Q)$(CLANG) -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-Irules -Ibpf selftests/fuzz/fuzz_rules.c $(FUZZ_SRCS) -o $@

# The bench's floor: empty programs on a loaded pack's hooks (bench/floor.c).
$(BENCH_FLOOR): bench/floor.c | $(OUTPUT)/bench
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $< $(LDLIBS) -o $@

# Host-side unit tests link the pieces of the command that need no kernel.
UNIT_OBJS	:= $(patsubst %,$(OUTPUT)/userctl/%.o,json kmodules ksyms report pack_meta) \
		   $(OUTPUT)/probes/catalog.o

$(OUTPUT)/unit/test_%: selftests/unit/test_%.c selftests/lib/tap.h $(UNIT_OBJS) | $(OUTPUT)/unit
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Iselftests/lib -Iuserctl $(filter %.c %.o,$^) -o $@

unit-tests: $(UNIT_TESTS)

# Test drivers, built against the guest kernel's headers with module BTF.
$(TEST_MODULES): $(wildcard selftests/drivers/*) $(KBUILD)/.prepared scripts/kbuild-modules
	$(call msg,MODULES,selftests/drivers)
	$(Q)scripts/kbuild-modules selftests/drivers $(OUTPUT)/modules
	$(Q)touch $@

modules: $(TEST_MODULES) $(RECOVERY_MODULE)

# The recovery module, sharing bpf/recovery_abi.h with the monitors.
$(RECOVERY_MODULE): $(wildcard recovery/*) bpf/recovery_abi.h $(KBUILD)/.prepared \
		scripts/kbuild-modules
	$(call msg,MODULES,recovery)
	$(Q)KCFLAGS=-I$(CURDIR)/bpf scripts/kbuild-modules recovery $(OUTPUT)/recovery

clean:
	$(call msg,CLEAN,$(OUTPUT))
	$(Q)rm -rf $(OUTPUT)

# Installation of what `make` built (it builds nothing itself), for
# PREFIX=/usr/local by default; DESTDIR stages it.  The paths written in the
# unit, the boot script and the man page are for /usr/local and are rewritten
# for PREFIX.  /etc is never touched: the example drvguard.conf goes with the
# documentation.
PREFIX		?= /usr/local
SBINDIR		:= $(PREFIX)/sbin
LIBDIR		:= $(PREFIX)/lib/drvguard
DATADIR		:= $(PREFIX)/share/drvguard
MAN8DIR		:= $(PREFIX)/share/man/man8
COMPLETIONDIR	:= $(PREFIX)/share/bash-completion/completions
UNITDIR		:= $(PREFIX)/lib/systemd/system
DOCDIR		:= $(PREFIX)/share/doc/drvguard
INSTALL		?= install
PACK_SRCS	:= $(wildcard rules/packs/*.rules)
PACK_LIBS	:= $(wildcard rules/lib/*.rules)
PACK_OBJS	:= $(wildcard $(OUTPUT)/packs/*.o)
RUNTIME_HDRS	:= $(RUNTIME_HDRS_SRC) $(OUTPUT)/vmlinux.h
SET_PREFIX	:= sed 's|/usr/local/|$(PREFIX)/|g'

install:
	$(Q)test -x $(OUTPUT)/drvguard -a -f $(OUTPUT)/vmlinux.h || \
		{ echo "make install: no $(OUTPUT)/drvguard or vmlinux.h; run make first" >&2; \
		  exit 1; }
	$(Q)mkdir -p $(OUTPUT)/dist
	$(call msg,INSTALL,$(DESTDIR)$(SBINDIR)/drvguard)
	$(Q)$(INSTALL) -D -m 755 $(OUTPUT)/drvguard $(DESTDIR)$(SBINDIR)/drvguard
	$(call msg,INSTALL,$(DESTDIR)$(MAN8DIR)/drvguard.8)
	$(Q)$(SET_PREFIX) docs/drvguard.8 > $(OUTPUT)/dist/drvguard.8
	$(Q)$(INSTALL) -D -m 644 $(OUTPUT)/dist/drvguard.8 $(DESTDIR)$(MAN8DIR)/drvguard.8
	$(call msg,INSTALL,$(DESTDIR)$(COMPLETIONDIR)/drvguard)
	$(Q)$(INSTALL) -D -m 644 dist/bash-completion/drvguard $(DESTDIR)$(COMPLETIONDIR)/drvguard
	$(call msg,INSTALL,$(DESTDIR)$(UNITDIR)/drvguard.service)
	$(Q)$(SET_PREFIX) dist/systemd/drvguard.service > $(OUTPUT)/dist/drvguard.service
	$(Q)$(INSTALL) -D -m 644 $(OUTPUT)/dist/drvguard.service \
		$(DESTDIR)$(UNITDIR)/drvguard.service
	$(call msg,INSTALL,$(DESTDIR)$(LIBDIR)/drvguard-boot)
	$(Q)$(SET_PREFIX) dist/drvguard-boot > $(OUTPUT)/dist/drvguard-boot
	$(Q)$(INSTALL) -D -m 755 $(OUTPUT)/dist/drvguard-boot $(DESTDIR)$(LIBDIR)/drvguard-boot
	$(call msg,INSTALL,$(DESTDIR)$(DOCDIR)/drvguard.conf.example)
	$(Q)$(INSTALL) -D -m 644 dist/drvguard.conf $(DESTDIR)$(DOCDIR)/drvguard.conf.example
	$(call msg,INSTALL,$(DESTDIR)$(DATADIR)/include/)
	$(Q)$(INSTALL) -D -m 644 -t $(DESTDIR)$(DATADIR)/include $(RUNTIME_HDRS)
ifneq ($(PACK_SRCS),)
	$(call msg,INSTALL,$(DESTDIR)$(DATADIR)/rules/)
	$(Q)$(INSTALL) -D -m 644 -t $(DESTDIR)$(DATADIR)/rules/packs $(PACK_SRCS)
endif
ifneq ($(PACK_LIBS),)
	$(Q)$(INSTALL) -D -m 644 -t $(DESTDIR)$(DATADIR)/rules/lib $(PACK_LIBS)
endif
ifneq ($(wildcard $(RECOVERY_MODULE)),)
	$(call msg,INSTALL,$(DESTDIR)$(LIBDIR)/drvguard_recover.ko)
	$(Q)$(INSTALL) -D -m 644 $(RECOVERY_MODULE) $(DESTDIR)$(LIBDIR)/drvguard_recover.ko
endif
ifneq ($(PACK_OBJS),)
	$(call msg,INSTALL,$(DESTDIR)$(LIBDIR)/packs/)
	$(Q)$(INSTALL) -D -m 644 -t $(DESTDIR)$(LIBDIR)/packs $(PACK_OBJS)
endif

# Removes only what install puts there; the directories go when left empty.
UNINSTALL_FILES	:= $(SBINDIR)/drvguard $(MAN8DIR)/drvguard.8 $(COMPLETIONDIR)/drvguard \
		   $(UNITDIR)/drvguard.service $(LIBDIR)/drvguard-boot $(LIBDIR)/drvguard_recover.ko \
		   $(DOCDIR)/drvguard.conf.example \
		   $(addprefix $(DATADIR)/include/,$(notdir $(RUNTIME_HDRS))) \
		   $(addprefix $(DATADIR)/rules/packs/,$(notdir $(PACK_SRCS))) \
		   $(addprefix $(DATADIR)/rules/lib/,$(notdir $(PACK_LIBS))) \
		   $(addprefix $(LIBDIR)/packs/,$(sort $(notdir $(PACK_OBJS)) \
			$(patsubst %.rules,%.o,$(notdir $(PACK_SRCS)))))

uninstall:
	$(call msg,UNINSTALL,$(DESTDIR)$(PREFIX))
	$(Q)rm -f $(addprefix $(DESTDIR),$(UNINSTALL_FILES))
	$(Q)for dir in $(DATADIR)/include $(DATADIR)/rules/packs $(DATADIR)/rules/lib \
		$(DATADIR)/rules $(DATADIR) $(LIBDIR)/packs \
		$(LIBDIR) $(DOCDIR); do \
		rmdir $(DESTDIR)$$dir 2>/dev/null || true; \
	done
