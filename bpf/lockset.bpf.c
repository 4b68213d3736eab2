// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Lockset monitor: which spinlocks each monitored driver holds, and a report
 * when the driver makes a blocking call while it holds one.
 *
 * The three programs below are templates, one per probe-catalog role
 * (acquire, release, may-sleep).  The loader clones each template once per
 * catalog symbol with that role and attaches the clone with fentry; the
 * catalog id of the API comes from the `apis` map, keyed by the traced
 * function's address.  Nothing here names a kernel symbol, and the programs
 * read their arguments with bpf_get_func_arg() so that any clone verifies.
 *
 * fentry, not kprobes: a kprobe handler that takes a lock the probed
 * function also takes (the ring buffer's) re-enters the kprobe machinery, and
 * attaching and detaching int3-based probes on the lock functions of a
 * running kernel proved able to hang it.  The BPF trampoline guards each
 * program against recursion by itself.
 *
 * State is one small stack of held locks per CPU.  A spinlock pins its holder
 * to the CPU (preemption is off while it is held), so per-CPU state is the
 * right home.  fentry programs run with migration disabled but may be
 * preempted or interrupted, so every update of a CPU's stack first claims the
 * stack with an atomic increment; a program that finds it claimed does not
 * wait, it skips the update and counts it (DG_CNT_CONTENDED).  Nothing here
 * ever spins, so nothing here can deadlock inside a lock path.
 *
 * Each entry records the holder's pid: when a driver sleeps with a lock held
 * (the very bug reported here) the holder may wake up on another CPU and
 * unlock there, so a release that misses on its own CPU looks on the others,
 * and a check in process context ignores entries that belong to another task.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "drvguard.h"
#include "driver_scope.bpf.h"
#include "context.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile __u32 nr_cpus = 1;	/* possible CPUs, set by the loader */

/* Entries on all CPUs' stacks: lets the kernel's own unlocks return at once. */
__s64 held_total;

/* Traced function address -> probe-catalog id, filled by the loader. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u64);
	__type(value, __u32);
} apis SEC(".maps");

struct dg_held {
	__u64 lock;
	__u64 site;
	__u32 driver;
	__u32 api;
	__u32 pid;
	__u32 pad;
};

struct dg_held_set {
	__u32 depth;
	__u32 busy;	/* claimed by a program updating this CPU's stack */
	struct dg_held slot[DG_MAX_HELD];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dg_held_set);
} held SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, DG_NR_COUNTERS);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

static __always_inline void dg_count(__u32 counter)
{
	__u64 *val = bpf_map_lookup_elem(&counters, &counter);

	if (val)
		*val += 1;
}

/* Claim @set for an update; false (and counted) if a program on this CPU has it. */
static __always_inline bool dg_set_claim(struct dg_held_set *set)
{
	if (__sync_fetch_and_add(&set->busy, 1) == 0)
		return true;
	__sync_fetch_and_sub(&set->busy, 1);
	dg_count(DG_CNT_CONTENDED);
	return false;
}

static __always_inline void dg_set_release(struct dg_held_set *set)
{
	__sync_fetch_and_sub(&set->busy, 1);
}

static __always_inline __u32 dg_api_id(void *ctx)
{
	__u64 ip = bpf_get_func_ip(ctx);
	__u32 *id = bpf_map_lookup_elem(&apis, &ip);

	return id ? *id : DG_API_UNKNOWN;
}

/* The first argument of the traced function: the lock, for lock APIs. */
static __always_inline __u64 dg_arg0(void *ctx)
{
	__u64 arg = 0;

	bpf_get_func_arg(ctx, 0, &arg);
	return arg;
}

/* Remove the entry for @lock taken by @pid from @set; true if it was there. */
static __always_inline bool dg_held_remove(struct dg_held_set *set, __u64 lock, __u32 pid)
{
	__u32 depth = set->depth;
	bool found = false;

	if (depth > DG_MAX_HELD)
		depth = DG_MAX_HELD;
	for (__u32 i = 0; i < DG_MAX_HELD; i++) {
		if (i >= depth)
			break;
		if (!found && set->slot[i].lock == lock && set->slot[i].pid == pid)
			found = true;
		if (found && i + 1 < DG_MAX_HELD)
			set->slot[i] = set->slot[i + 1];
	}
	if (found) {
		set->depth = depth - 1;
		__sync_fetch_and_sub(&held_total, 1);
	}
	return found;
}

/* Claim @set (a CPU's stack), remove @lock held by @pid from it; true if it was there. */
static __always_inline bool dg_held_take(struct dg_held_set *set, __u64 lock, __u32 pid)
{
	bool found;

	if (!set || !set->depth || !dg_set_claim(set))
		return false;
	found = dg_held_remove(set, lock, pid);
	dg_set_release(set);
	return found;
}

SEC("fentry")
int dg_spin_acquire(void *ctx)
{
	__u64 site = dg_caller(ctx);
	int driver = dg_driver_of(site);
	struct dg_held_set *set;
	struct dg_held *slot;
	__u32 zero = 0, depth;

	if (driver < 0)
		return 0;
	dg_count(DG_CNT_DRIVER_CALLS);
	set = bpf_map_lookup_elem(&held, &zero);
	if (!set || !dg_set_claim(set))
		return 0;
	depth = set->depth;
	if (depth < DG_MAX_HELD) {
		slot = &set->slot[depth];
		slot->lock = dg_arg0(ctx);
		slot->site = site;
		slot->driver = driver;
		slot->api = dg_api_id(ctx);
		slot->pid = (__u32)bpf_get_current_pid_tgid();
		set->depth = depth + 1;
		__sync_fetch_and_add(&held_total, 1);
	} else {
		dg_count(DG_CNT_HELD_OVERFLOW);
	}
	dg_set_release(set);
	return 0;
}

/*
 * Releases are matched by lock address whoever the caller is: a driver
 * function that ends in spin_unlock() may be compiled to a tail jump, and
 * then the return address on the stack is its caller's, often in the kernel.
 * With no lock held by any driver, the common case, the program returns
 * after reading one global.
 */
SEC("fentry")
int dg_spin_release(void *ctx)
{
	__u32 pid, zero = 0;
	__u64 lock;

	if (!held_total)
		return 0;
	pid = (__u32)bpf_get_current_pid_tgid();
	lock = dg_arg0(ctx);
	if (dg_held_take(bpf_map_lookup_elem(&held, &zero), lock, pid)) {
		dg_count(DG_CNT_DRIVER_CALLS);
		return 0;
	}
	if (dg_driver_of(dg_caller(ctx)) < 0)
		return 0;
	dg_count(DG_CNT_DRIVER_CALLS);
	/* The holder slept and migrated: its entry is on the CPU it left. */
	for (__u32 cpu = 0; cpu < 64; cpu++) {
		if (cpu >= nr_cpus)
			break;
		if (dg_held_take(bpf_map_lookup_percpu_elem(&held, &zero, cpu), lock, pid)) {
			dg_count(DG_CNT_MIGRATED_UNLOCK);
			break;
		}
	}
	return 0;
}

/* The most recent lock @driver holds on this CPU that counts in @context, or NULL. */
static __always_inline struct dg_held *dg_held_by(struct dg_held_set *set, int driver,
						  __u32 context, __u32 *count)
{
	__u32 pid = (__u32)bpf_get_current_pid_tgid();
	struct dg_held *last = NULL;

	*count = 0;
	for (__u32 i = 0; i < DG_MAX_HELD; i++) {
		if (i >= set->depth)
			break;
		if (set->slot[i].driver != driver)
			continue;
		/* In process context a lock held by another task is stale. */
		if (context == DG_CTX_PROCESS && set->slot[i].pid != pid)
			continue;
		last = &set->slot[i];
		*count += 1;
	}
	return last;
}

SEC("fentry")
int dg_may_sleep(void *ctx)
{
	__u64 site = dg_caller(ctx);
	int driver = dg_driver_of(site);
	__u32 zero = 0, context, count;
	struct dg_held_set *set;
	struct dg_held *found;
	struct dg_held lock;
	struct dg_event *e;

	if (driver < 0)
		return 0;
	dg_count(DG_CNT_DRIVER_CALLS);
	set = bpf_map_lookup_elem(&held, &zero);
	if (!set || !set->depth || !dg_set_claim(set))
		return 0;
	context = dg_context();
	found = dg_held_by(set, driver, context, &count);
	if (found)
		lock = *found;
	/* Let go before the ring buffer takes its own lock: its unlock runs a release program. */
	dg_set_release(set);
	if (!found)
		return 0;

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		dg_count(DG_CNT_DROPS);
		return 0;
	}
	e->ts_ns = bpf_ktime_get_ns();
	e->site = site;
	e->held_lock = lock.lock;
	e->held_site = lock.site;
	e->rule = DG_RULE_SLEEP_WITH_SPINLOCK;
	e->driver = driver;
	e->api = dg_api_id(ctx);
	e->held_api = lock.api;
	e->held_count = count;
	e->context = context;
	e->pid = (__u32)bpf_get_current_pid_tgid();
	e->cpu = bpf_get_smp_processor_id();
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
	dg_count(DG_CNT_EVENTS);
	return 0;
}
