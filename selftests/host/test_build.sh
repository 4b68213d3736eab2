#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# What the build promises, checked on its output: a statically linked
# drvguard, BPF objects compiled for CO-RE against the guest kernel's BTF,
# and test modules that carry BTF of their own.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/selftests/lib/tap.sh"
OUT="$TOP/.output"

tap_ok "drvguard has no program interpreter (static)" \
	sh -c "! readelf -l '$OUT/drvguard' | grep -q 'INTERP'"
tap_ok "drvguard needs no shared library" \
	sh -c "! readelf -d '$OUT/drvguard' 2>/dev/null | grep -q NEEDED"

version=$("$TOP/scripts/guest-kernel")
tap_is "$(cat "$OUT/kbuild/VERSION")" "$version" "the build tree is for the guest kernel"
tap_ok "the extracted vmlinux has BTF" sh -c "readelf -S '$OUT/kbuild/vmlinux' | grep -q '\.BTF '"
tap_ok "vmlinux.h comes from the guest kernel's BTF" \
	grep -q 'struct task_struct {' "$OUT/vmlinux.h"

for obj in "$OUT"/bpf/*.bpf.o; do
	tap_ok "$(basename "$obj") carries CO-RE relocations (.BTF.ext)" \
		sh -c "readelf -S '$obj' | grep -q '\.BTF\.ext'"
done
for ko in "$OUT"/modules/*.ko; do
	tap_ok "$(basename "$ko") carries module BTF" sh -c "readelf -S '$ko' | grep -q '\.BTF '"
	tap_is "$(modinfo -F vermagic "$ko" | cut -d' ' -f1)" "$version" \
		"$(basename "$ko") is built for the guest kernel"
done
tap_end
