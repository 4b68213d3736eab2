#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Recovery by reclaim_at_unload (rules/packs/core.rules: leaked_memory,
# leaked_irq, leaked_dma_mapping, leaked_dma_buffer).  With recovery off, a
# driver's leaks outlive it by the kernel's own account: its kmalloc()
# objects are never kfree()d (the kmem trace), its vmalloc() areas stay in
# /proc/vmallocinfo, its irq handler in /proc/interrupts.  With recovery on,
# a thousand of each kind of memory and 64 handlers are given back when the
# driver unloads, with the calls the rules name: the kmem trace shows every
# object kfree()d by the recovery module, vmallocinfo and /proc/interrupts
# no longer list them, the kernel says nothing, each leak is reported once
# as recovered, and the drivers load and leak again.  DMA mappings and
# buffers whose device the exit routine unregistered are refused, with the
# reason; with the device still registered (keep_device=1: the driver hands
# it to dg_keeper), the recovery module unmaps and frees them, with the
# address, size, direction and handle the driver used, as kprobe events on
# dma_unmap_page_attrs() and dma_free_attrs() show (this kernel has no DMA
# tracepoints and no CONFIG_DMA_API_DEBUG).  A driver whose code ran where
# the kernel may have skipped monitor programs gets nothing reclaimed, with
# the reason, until it is loaded again.
# vm-timeout: 900
set -u
. "$(dirname "$0")/core_lib.sh"
TIMES=1000
IRQS=64
MEM=dg_leaked_memory
IRQ=dg_leaked_irq
hex='0x[0-9a-f]+'

kernel_complaints() {
	grep -E 'BUG|WARNING|Oops|Call Trace|corrupt|already-free|no longer applies' "$1"
}

counter() { "$DRVGUARD" -j status | jq ".packs[0].counters.$1"; }

# The monitors trace the allocators with fexit, so the kernel sees their
# trampoline as the caller: the driver's allocations are told apart by
# their sizes instead (dg_leaked_memory.c), kmalloc(1234) and 7-page
# vmalloc() areas.
tracing=/sys/kernel/tracing
[ -e "$tracing/events" ] || mount -t tracefs nodev "$tracing"
echo 8192 > "$tracing/buffer_size_kb"
# trace_kmalloc: trace the kmalloc()s of the driver's odd size
trace_kmalloc() {
	echo > "$tracing/trace"
	echo 'bytes_req == 1234' > "$tracing/events/kmem/kmalloc/filter"
	echo 1 > "$tracing/events/kmem/kmalloc/enable"
}
# trace_kfree FILE: the kmalloc()s so far into FILE, then every kfree() from
# now on (the short while of an unload)
trace_kfree() {
	echo 0 > "$tracing/events/kmem/kmalloc/enable"
	cat "$tracing/trace" > "$1"
	echo > "$tracing/trace"
	echo 1 > "$tracing/events/kmem/kfree/enable"
}
trace_off() {
	echo 0 > "$tracing/events/kmem/kfree/enable"
	cat "$tracing/trace" > "$1"
}

# leak_memory N: the driver leaks N kmalloc()s and N vmalloc() areas
leak_memory() {
	for _ in $(seq "$1"); do
		echo 3 > "/sys/kernel/debug/$MEM/trigger"
		echo 2 > "/sys/kernel/debug/$MEM/trigger"
	done
}
# leaked_kmalloc TRACE FILE: the pointers kmalloc(1234) returned, into FILE
leaked_kmalloc() {
	grep -E 'kmalloc: .*bytes_req=1234 ' "$1" | sed -E 's/.* ptr=([0-9a-f]+) .*/\1/' |
		sort -u > "$2"
}
# freed_of TRACE PTRS: how many of PTRS the trace shows kfree()d
freed_of() {
	grep -E 'kfree: ' "$1" | sed -E 's/.* ptr=([0-9a-f]+).*/\1/' | sort -u |
		comm -12 - "$2" | grep -c .
}
# seven_pages FILE: the start addresses of the 7-page vmalloc() areas, into FILE
seven_pages() { grep -E ' pages=7 vmalloc' /proc/vmallocinfo | cut -d- -f1 | sort -u > "$1"; }
# areas BEFORE FILE: the 7-page areas not in BEFORE, into FILE
areas() { seven_pages "$TMP/seven"; comm -13 "$1" "$TMP/seven" > "$2"; }
# still_mapped FILE: how many of FILE's areas vmallocinfo still lists
still_mapped() { cut -d- -f1 /proc/vmallocinfo | sort -u | comm -12 - "$1" | grep -c .; }

irq=$(acpi_irq)
tap_match "$irq" '^[0-9]+$' "the guest has an ACPI SCI line to share ($irq)"
insmod "$MODULES/dg_keeper.ko" || tap_fail "insmod dg_keeper"
DMA=(dg_leaked_dma_mapping dg_leaked_dma_buffer)
tap_ok "load core, armed for $MEM $IRQ ${DMA[*]}" core_arm "$MEM" "$IRQ" "${DMA[@]}"

# --- recovery off: the leaks outlive the driver -----------------------------
insmod "$MODULES/$MEM.ko" || tap_fail "insmod $MEM"
insmod "$MODULES/$IRQ.ko" irq="$irq" || tap_fail "insmod $IRQ"
seven_pages "$TMP/before.off"
trace_kmalloc
leak_memory 10
areas "$TMP/before.off" "$TMP/areas.off"
fire "$IRQ"	# the keeper's handler: the line may fire after the module is gone
trace_kfree "$TMP/kmalloc.off"
watch_unload "$TMP/events.off" "$MEM"
trace_off "$TMP/trace.off"
watch_unload "$TMP/events.off.irq" "$IRQ"
leaked_kmalloc "$TMP/kmalloc.off" "$TMP/ptrs.off"
tap_is "$(grep -c . "$TMP/ptrs.off")" 10 "recovery off: the trace shows the 10 kmalloc()s"
tap_is "$(freed_of "$TMP/trace.off" "$TMP/ptrs.off")" 0 \
	"recovery off: none of them is kfree()d after the driver unloads"
tap_is "$(grep -c . "$TMP/areas.off")" 10 "vmallocinfo lists the driver's 10 vmalloc() areas"
tap_is "$(still_mapped "$TMP/areas.off")" 10 "recovery off: and still does after it unloads"
tap_grep /proc/interrupts "^ *$irq:.* dg_leaked_irq" \
	"recovery off: irq $irq still has the unloaded driver's handler"
tap_is "$(jq -r '.rule + " " + .recovery.action + " " + .recovery.outcome' "$TMP/events.off" |
	sort -u | tr '\n' ,)" "leaked_memory reclaim_at_unload off," "the leak events say recovery was off"
tap_is "$(jq -r '.rule + " " + .recovery.outcome' "$TMP/events.off.irq" | sort -u | tr '\n' ,)" \
	"leaked_irq off," "so does the irq's"
fire dg_keeper
tap_nogrep /proc/interrupts 'dg_leaked_irq' "the keeper freed that irq"

# --- recovery on: all of it comes back at unload -----------------------------
tap_ok "recover enable" "$DRVGUARD" recover enable
before=$(counter recovered)
insmod "$MODULES/$MEM.ko" || tap_fail "insmod $MEM"
insmod "$MODULES/$IRQ.ko" irq="$irq" || tap_fail "insmod $IRQ"
seven_pages "$TMP/before.on"
trace_kmalloc
leak_memory "$TIMES"
for _ in $(seq "$IRQS"); do echo 2 > "/sys/kernel/debug/$IRQ/trigger"; done
areas "$TMP/before.on" "$TMP/areas.on"
tap_is "$(grep -c . "$TMP/areas.on")" "$TIMES" "vmallocinfo lists the driver's $TIMES areas"
tap_is "$(grep -c 'dg_leaked_irq_own' /proc/interrupts)" 1 \
	"/proc/interrupts lists the driver's own handlers on irq $irq"
"$DRVGUARD" -j status > "$TMP/status.before"
dmesg_mark
trace_kfree "$TMP/kmalloc.on"
watch_unload "$TMP/events.mem" "$MEM"
watch_unload "$TMP/events.irq" "$IRQ"
trace_off "$TMP/trace.on"
dmesg_since "$TMP/dmesg.on"
expect_all_recovered "$TMP/dmesg.on" $((2 * TIMES + IRQS)) "leaked objects" "$before"
leaked_kmalloc "$TMP/kmalloc.on" "$TMP/ptrs.on"
tap_is "$(grep -c . "$TMP/ptrs.on")" "$TIMES" "the trace shows the $TIMES kmalloc()s"
tap_is "$(freed_of "$TMP/trace.on" "$TMP/ptrs.on")" "$TIMES" "the trace shows each one kfree()d"
grep -E 'kfree: call_site=[^ ]+ \[drvguard_recover\]' "$TMP/trace.on" > "$TMP/trace.module"
tap_is "$(freed_of "$TMP/trace.module" "$TMP/ptrs.on")" "$TIMES" "by the recovery module"
tap_diag "$(head -n 1 "$TMP/trace.module")"
tap_is "$(still_mapped "$TMP/areas.on")" 0 "vmallocinfo no longer lists any of the $TIMES areas"
tap_nogrep /proc/interrupts 'dg_leaked_irq' "/proc/interrupts no longer lists the handlers"
tap_grep "$TMP/dmesg.on" "drvguard_recover: $MEM: reclaimed $((2 * TIMES)) of $((2 * TIMES)) " \
	"the module says it reclaimed all $((2 * TIMES)) allocations"
tap_grep "$TMP/dmesg.on" "drvguard_recover: $IRQ: reclaimed $IRQS of $IRQS " \
	"and all $IRQS handlers"
cat "$TMP/events.mem" "$TMP/events.irq" > "$TMP/events.on"
tap_is "$(jq -r '.rule + " " + .recovery.action + " " + .recovery.outcome' "$TMP/events.on" |
	sort -u | tr '\n' ,)" \
	"leaked_irq reclaim_at_unload recovered,leaked_memory reclaim_at_unload recovered," \
	"every leak event says reclaim_at_unload recovered it"
# rule_violations STATUS RULE: RULE's violation count in STATUS
rule_violations() { jq ".packs[0].rules[] | select(.rule == \"$2\") | .violations" "$1"; }
"$DRVGUARD" -j status > "$TMP/status.after"
tap_is "$(($(rule_violations "$TMP/status.after" leaked_memory) -
	$(rule_violations "$TMP/status.before" leaked_memory)))" $((2 * TIMES)) \
	"status counts each memory leak once"
tap_is "$(($(rule_violations "$TMP/status.after" leaked_irq) -
	$(rule_violations "$TMP/status.before" leaked_irq)))" "$IRQS" \
	"and each irq leak once"

# The drivers load again, work, leak again and are reclaimed again.
before=$(counter recovered)
insmod "$MODULES/$MEM.ko" || tap_fail "insmod $MEM again"
insmod "$MODULES/$IRQ.ko" irq="$irq" || tap_fail "insmod $IRQ again"
fire "$MEM"
echo 2 > "/sys/kernel/debug/$IRQ/trigger"
tap_grep /proc/interrupts 'dg_leaked_irq_own' "reloaded, the driver requests its irq again"
dmesg_mark
tap_ok "rmmod $MEM again" rmmod "$MEM"
tap_ok "rmmod $IRQ again" rmmod "$IRQ"
dmesg_since "$TMP/dmesg.again"
tap_is "$(($(counter recovered) - before))" 2 "its new leaks are reclaimed too"
tap_ok "and the kernel is still silent" bash -c "! grep -qE 'BUG|WARNING|Oops' $TMP/dmesg.again"
watch_events "$TMP/events.again"

# --- DMA: refused, the device may be gone ------------------------------------
before=$(counter not_recovered)
for d in "${DMA[@]}"; do
	insmod "$MODULES/$d.ko" || tap_fail "insmod $d"
	fire "$d"
	watch_unload "$TMP/$d.events" "$d"
done
tap_is "$(cat "$TMP"/dg_leaked_dma_*.events | jq -r '.rule + ": " + .recovery.outcome' |
	sort -u | tr '\n' ,)" \
	"leaked_dma_buffer: not recoverable: the device it belongs to is not known to be alive,leaked_dma_mapping: not recoverable: the device it belongs to is not known to be alive," \
	"DMA leaks are refused, with the reason"
tap_is "$(($(counter not_recovered) - before))" 2 "and counted not recovered"

# --- DMA, the device still registered: unmapped and freed --------------------
# x86-64 arguments: dma_unmap_page_attrs(dev, addr, size, dir, attrs),
# dma_free_attrs(dev, size, cpu_addr, handle, attrs)
kprobes="$tracing/kprobe_events"
echo 'p:dg/unmap dma_unmap_page_attrs dev=%di:x64 addr=%si:x64 size=%dx:u64 dir=%cx:s32' >> "$kprobes"
echo 'p:dg/free dma_free_attrs dev=%di:x64 size=%si:u64 cpu=%dx:x64 handle=%cx:x64' >> "$kprobes"
tap_ok "kprobe events on the DMA release functions" test -d "$tracing/events/dg"
echo > "$tracing/trace"
echo 1 > "$tracing/events/dg/enable"
before=$(counter recovered)
dmesg_mark
for d in "${DMA[@]}"; do
	insmod "$MODULES/$d.ko" keep_device=1 || tap_fail "insmod $d keep_device=1"
	fire "$d"
	watch_unload "$TMP/$d.kept" "$d"
done
dmesg_since "$TMP/dmesg.dma"
echo 0 > "$tracing/events/dg/enable"
cat "$tracing/trace" > "$TMP/trace.dma"
echo '-:dg/unmap' >> "$kprobes"
echo '-:dg/free' >> "$kprobes"
mapped=$(sed -n 's/.*dg_leaked_dma_mapping: mapped dma \(0x[0-9a-f]*\)$/\1/p' "$TMP/dmesg.dma")
allocated=$(sed -n 's/.*dg_leaked_dma_buffer: allocated dma \(0x[0-9a-f]*\)$/\1/p' "$TMP/dmesg.dma")
tap_match "$mapped $allocated" "^$hex $hex\$" "the drivers logged their DMA addresses ($mapped, $allocated)"
tap_is "$(cat "$TMP"/dg_leaked_dma_*.kept | jq -r '.rule + ": " + .recovery.outcome' |
	sort -u | tr '\n' ,)" "leaked_dma_buffer: recovered,leaked_dma_mapping: recovered," \
	"with the device kept, both DMA leaks are reported recovered"
tap_is "$(($(counter recovered) - before))" 2 "and counted recovered"
tap_grep "$TMP/trace.dma" "rmmod-[0-9]+ .* unmap: .* addr=$mapped size=256 dir=1\$" \
	"dma_unmap_page() of the mapping, 256 bytes, DMA_TO_DEVICE, at unload"
tap_grep "$TMP/trace.dma" "rmmod-[0-9]+ .* free: .* size=4096 cpu=$hex handle=$allocated\$" \
	"dma_free_coherent() of the buffer, 4096 bytes, its handle, at unload"
# other devices' DMA may be in the trace too: count the drivers' own
tap_is "$(grep -cE " (unmap: .* addr=$mapped |free: .* handle=$allocated\$)" "$TMP/trace.dma")" 2 \
	"each once"
for d in "${DMA[@]}"; do
	tap_grep "$TMP/dmesg.dma" "drvguard_recover: $d: reclaimed 1 of 1 " "the module says it reclaimed $d's leak"
done
tap_ok "and the kernel said nothing" bash -c "! grep -qE 'BUG|WARNING|Oops|no longer applies' $TMP/dmesg.dma"
fire dg_keeper
for d in "${DMA[@]}"; do
	tap_ok "the keeper unregistered $d's device" test ! -e "/sys/bus/platform/devices/$d"
done

# --- calls the monitor may have missed: nothing is reclaimed ----------------
# The storm's timer interrupts cut into the monitor programs of the
# driver's own lock calls (dg_leaked_memory.c): the kernel may skip
# programs in those runs, so a release of the driver's may have gone
# unseen, and releasing what looks leaked could release it twice.
# calls_missed: whether status marks the driver
calls_missed() {
	"$DRVGUARD" -j status | jq -r ".packs[0].drivers[] | select(.name == \"$MEM\") | .calls_missed"
}
insmod "$MODULES/$MEM.ko" || tap_fail "insmod $MEM for the storm"
tap_is "$(calls_missed)" false "a freshly loaded driver is not marked"
storms=0
while [ "$(calls_missed)" != true ] && [ "$storms" -lt 20 ]; do
	echo 4 > "/sys/kernel/debug/$MEM/trigger"
	storms=$((storms + 1))
done
tap_is "$(calls_missed)" true "after $storms interrupt storm(s), status says its calls may have been missed"
before=$(counter not_recovered) before_done=$(counter recovered)
leak_memory 3
dmesg_mark
watch_unload "$TMP/events.missed" "$MEM"
dmesg_since "$TMP/dmesg.missed"
tap_is "$(jq -r '.rule + ": " + .recovery.outcome' "$TMP/events.missed" | sort -u | tr '\n' ,)" \
	"leaked_memory: not recoverable: the monitor may have missed the driver's own release," \
	"its leaks are refused, with the reason"
# (a free the kernel skipped makes one of the storm's own allocations look leaked too)
refused=$(($(counter not_recovered) - before))
tap_ok "all six, or more, counted not recovered ($refused)" test "$refused" -ge 6
tap_is "$(counter recovered)" "$before_done" "and none recovered"
tap_nogrep "$TMP/dmesg.missed" "drvguard_recover: $MEM: reclaimed" "the module released nothing"
insmod "$MODULES/$MEM.ko" || tap_fail "insmod $MEM after the storm"
tap_is "$(calls_missed)" false "reloaded, the driver is no longer marked"
fire "$MEM"
before=$(counter recovered)
watch_unload "$TMP/events.reloaded" "$MEM"
tap_is "$(($(counter recovered) - before))" 1 "and its new leak is reclaimed again"

# --- everything unloads cleanly ----------------------------------------------
dmesg_mark
tap_ok "recover disable" "$DRVGUARD" recover disable
tap_ok "unload the core pack" "$DRVGUARD" unload core
tap_ok "the keeper unloads" rmmod dg_keeper
rmmod_recovery_quietly
tap_end
