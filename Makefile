# SPDX-License-Identifier: GPL-2.0
# drvguard build.  Everything generated lands under $(OUTPUT): the guest
# kernel build tree with module BTF, vmlinux.h from the guest kernel's BTF,
# BPF objects and skeletons, the drvguard command and the test modules.
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
CFLAGS		+= -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers
CFLAGS		+= -I$(OUTPUT) -Ibpf
BPF_CFLAGS	:= -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) -Wall -I$(OUTPUT) -Ibpf
# The command is linked statically so that it runs on any guest userland.
LDFLAGS		+= -static
LDLIBS		+= -lbpf -lelf -lz

BPF_MONITORS	:= lockset
USERCTL_SRCS	:= $(wildcard userctl/*.c) probes/catalog.c
USERCTL_OBJS	:= $(patsubst %.c,$(OUTPUT)/%.o,$(USERCTL_SRCS))
SKELETONS	:= $(patsubst %,$(OUTPUT)/%.skel.h,$(BPF_MONITORS))
UNIT_TESTS	:= $(patsubst selftests/unit/%.c,$(OUTPUT)/unit/%,$(wildcard selftests/unit/test_*.c))
TEST_MODULES	:= $(OUTPUT)/modules/.built

ifeq ($(V),1)
	Q =
	msg =
else
	Q = @
	msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.DELETE_ON_ERROR:
# Keep intermediate BPF objects and skeletons: they are build output too.
.SECONDARY:
.PHONY: all deps check demo bench clean unit-tests modules

all: $(OUTPUT)/drvguard $(TEST_MODULES) $(UNIT_TESTS)

deps:
	$(Q)scripts/install-deps

# The README's two commands: each installs what it needs first.
check: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)selftests/run-all

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)selftests/vm/run --quiet --allow 'scheduling while atomic' \
		--timeout 300 -- scripts/demo

$(OUTPUT) $(OUTPUT)/bpf $(OUTPUT)/userctl $(OUTPUT)/probes $(OUTPUT)/unit:
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

# BPF monitors: compile, link with bpftool, generate the skeleton.
$(OUTPUT)/bpf/%.tmp.o: bpf/%.bpf.c $(wildcard bpf/*.h) $(OUTPUT)/vmlinux.h | $(OUTPUT)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUTPUT)/bpf/%.bpf.o: $(OUTPUT)/bpf/%.tmp.o
	$(call msg,GEN-OBJ,$@)
	$(Q)$(BPFTOOL) gen object $@ $<

$(OUTPUT)/%.skel.h: $(OUTPUT)/bpf/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

# The drvguard command.
$(OUTPUT)/userctl/%.o: userctl/%.c $(wildcard userctl/*.h) bpf/drvguard.h $(SKELETONS) \
		| $(OUTPUT)/userctl
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(OUTPUT)/probes/%.o: probes/%.c probes/catalog.h | $(OUTPUT)/probes
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(OUTPUT)/drvguard: $(USERCTL_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

# Host-side unit tests link the pieces of the command that need no kernel.
UNIT_OBJS	:= $(patsubst %,$(OUTPUT)/userctl/%.o,json kmodules ksyms report) \
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

modules: $(TEST_MODULES)

clean:
	$(call msg,CLEAN,$(OUTPUT))
	$(Q)rm -rf $(OUTPUT)
