#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# What the build promises, checked on its output: a statically linked
# drvguard, shipped packs compiled for CO-RE against the guest kernel's BTF
# that take no lock to keep their state, and test modules that carry BTF of
# their own.
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

# BPF helpers that take a lock or update a map through the kernel's map code:
# the monitors' state lives in per-CPU sets and a compare-and-swap table.
# 2 map_update_elem, 3 map_delete_elem, 93 spin_lock, 94 spin_unlock,
# 156 task_storage_get, 157 task_storage_delete
LOCKING_HELPERS='^(2|3|93|94|156|157)$'
packs=("$OUT"/packs/*.o)
tap_ok "the build made the shipped packs (${#packs[@]})" test -e "${packs[0]}"
for obj in "${packs[@]}"; do
	name=$(basename "$obj")
	tap_ok "$name carries CO-RE relocations (.BTF.ext)" \
		sh -c "readelf -S '$obj' | grep -q '\.BTF\.ext'"
	tap_ok "$name is a BPF object" sh -c "readelf -h '$obj' | grep -q 'Machine:.*BPF'"
	helpers=$(llvm-objdump -d "$obj" | sed -n 's/.*call \([0-9][0-9]*\)$/\1/p' | sort -un)
	tap_is "$(grep -E "$LOCKING_HELPERS" <<< "$helpers" | tr '\n' ' ')" "" \
		"$name calls no locking or map-update helper"
	tap_ok "$name carries its metadata" sh -c "strings '$obj' | grep -q '^drvguard-pack 1'"
done
for ko in "$OUT"/modules/*.ko; do
	tap_ok "$(basename "$ko") carries module BTF" sh -c "readelf -S '$ko' | grep -q '\.BTF '"
	tap_is "$(modinfo -F vermagic "$ko" | cut -d' ' -f1)" "$version" \
		"$(basename "$ko") is built for the guest kernel"
done
tap_end
