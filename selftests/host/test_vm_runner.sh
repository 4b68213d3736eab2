#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The guest runner's own contract, as a driver developer relies on it: the
# command's exit status comes back, modules from a directory outside the repo
# build and load, an unexpected kernel WARN fails the run unless allowed, and
# a hung guest is stopped at the timeout.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/selftests/lib/tap.sh"
RUN="$TOP/selftests/vm/run"
SRC=$(mktemp -d /tmp/drvguard-outside.XXXXXX)
trap 'rm -rf "$SRC"' EXIT

# A module directory far from the repo: one well-behaved module, one that WARNs.
cat > "$SRC/Kbuild" <<'KBUILD'
obj-m += dg_outside.o dg_warn.o
KBUILD
cat > "$SRC/dg_outside.c" <<'C'
#include <linux/module.h>
static int __init dg_outside_init(void) { pr_info("dg_outside: hello\n"); return 0; }
static void __exit dg_outside_exit(void) { }
module_init(dg_outside_init);
module_exit(dg_outside_exit);
MODULE_LICENSE("GPL");
C
cat > "$SRC/dg_warn.c" <<'C'
#include <linux/module.h>
static int __init dg_warn_init(void) { WARN_ON(1); return 0; }
static void __exit dg_warn_exit(void) { }
module_init(dg_warn_init);
module_exit(dg_warn_exit);
MODULE_LICENSE("GPL");
C

"$RUN" --quiet --timeout 120 -- sh -c 'exit 7' > /dev/null 2>&1
tap_is "$?" 7 "the guest command's exit status is the runner's"

out=$("$RUN" --quiet --timeout 120 --modules "$SRC" -- \
	sh -c 'insmod /modules/dg_outside.ko && grep "^dg_outside " /proc/modules && rmmod dg_outside' 2>&1)
status=$?
tap_is "$status" 0 "a module directory outside the repo builds, loads and unloads"
tap_match "$out" '^dg_outside [0-9]+' "the guest command's output is streamed back"
tap_ok "the runner does not write into the module directory" \
	test -z "$(find "$SRC" -name '*.o' -o -name '*.ko')"

"$RUN" --quiet --timeout 120 --modules "$SRC" -- insmod /modules/dg_warn.ko > "$SRC/warn.log" 2>&1
status=$?
tap_ok "an unexpected kernel WARN fails the run (exit $status)" test "$status" -ne 0
tap_grep "$SRC/warn.log" 'WARNING:' "the WARN is printed"

"$RUN" --quiet --timeout 120 --modules "$SRC" --allow 'WARNING:' -- \
	insmod /modules/dg_warn.ko > "$SRC/warn-allowed.log" 2>&1
tap_is "$?" 0 "a WARN the test declares with --allow does not fail the run"

"$RUN" --quiet --timeout 30 -- sleep 600 > "$SRC/hang.log" 2>&1
tap_is "$?" 124 "a guest that does not finish is stopped at the timeout"
tap_grep "$SRC/hang.log" 'timed out' "the timeout is reported"
tap_end
