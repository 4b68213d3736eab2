/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The frame: what one program knows about the event it is handling.  For a
 * kernel API call it is the driver that made the call (or -1), the call
 * site, the catalog API and the arguments in their logical order; for a
 * driver entry point it is the driver whose code the kernel entered.  Rules
 * and transitions read everything through the frame.
 */
#ifndef FRAME_BPF_H
#define FRAME_BPF_H

#include "drvguard.h"
#include "maps.bpf.h"
#include "driver_scope.bpf.h"
#include "context.bpf.h"

struct dg_frame {
	__u64 site;		/* the call instruction, or the entry point's address */
	__u64 arg[DG_MAX_ARGS];
	__u64 ret;
	__s32 driver;		/* index in the driver table, -1: not a monitored driver */
	__u32 api;		/* catalog id, or DG_ENTRY_API_BASE + entry class */
	__u32 context;
	__u32 pid;
	__u32 atomic;
	__u32 observed;		/* the driver's whole life was seen: DG_DRIVER_OBSERVED */
	__u64 activation;	/* which run of an interrupt context this is (dg_activation) */
	__u64 each_below;	/* an innermost-first `each`: the identity of the last entry walked */
};

/*
 * What the runtime's global functions need of a frame: who made the call,
 * where and in which context.  The fields are the frame's, by name.
 *
 * Global functions (report.bpf.h says why the runtime has them) get this
 * copy, never the frame: the verifier takes any stack memory handed to a
 * global function as overwritten, so a frame passed in one branch and not
 * in the other would differ between the two from then on, and every check
 * after them would be verified twice.  The copy is dead after the call.
 */
struct dg_actor {
	__u64 site;
	__u64 activation;
	__s32 driver;
	__u32 api;
	__u32 context;
	__u32 pid;
	__u32 observed;
	__u32 pad;
};

static __always_inline void dg_actor_of(struct dg_actor *a, const struct dg_frame *f)
{
	a->site = f->site;
	a->activation = f->activation;
	a->driver = f->driver;
	a->api = f->api;
	a->context = f->context;
	a->pid = f->pid;
	a->observed = f->observed;
	a->pad = 0;
}

/*
 * Interrupted monitors.  The kernel runs one BPF program at most once per
 * CPU at a time: when an interrupt arrives while a monitor program runs
 * (the kernel's own spin_lock() calls run them all the time) and the
 * interrupt handler calls an API that same program watches, the kernel
 * skips the program, silently.  Lock state kept for that interrupt context
 * can then miss an acquire or a release.  Every API program counts itself
 * in while it runs; a program that finds others running below it marks
 * the current run of its interrupt context tainted, and the held-state
 * rules treat that run's lock state as unknown.  Held entries taken in an
 * interrupt context are valid only during the run that took them.
 */
extern struct kernel_stat kstat __ksym;
extern struct pt_regs *__irq_regs __ksym;
extern const void _stext __ksym;
extern const void _etext __ksym;

struct dg_cpu_state {
	__u32 nest;		/* API programs running on this CPU */
	__u32 pad;
	__u64 tainted[4];	/* per context: the run in which programs may have been skipped */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dg_cpu_state);
} cpu_state SEC(".maps");

/* Which run of @context this is on @cpu: hard and soft interrupts are counted, process is one. */
static __always_inline __u64 dg_activation_on(__u32 context, __u32 cpu)
{
	struct kernel_stat *ks = bpf_per_cpu_ptr(&kstat, cpu);
	__u64 n = 1;

	if (!ks || context == DG_CTX_PROCESS || context == DG_CTX_NMI)
		return 0;
	if (context == DG_CTX_HARDIRQ)
		return ks->irqs_sum + 1;
	for (int i = 0; i < 10; i++)
		n += ks->softirqs[i];
	return n;
}

/*
 * Preemption off for the whole program (recovery/preempt.c says why): a
 * task preempted inside a program would make the kernel skip that program
 * for the next task on the CPU.
 */
extern void dg_monitor_enter(void) __ksym;
extern void dg_monitor_exit(void) __ksym;

static __always_inline void dg_nest_enter(void)
{
	__u32 zero = 0, context;
	struct dg_cpu_state *c;

	dg_monitor_enter();
	c = bpf_map_lookup_elem(&cpu_state, &zero);

	if (!c)
		return;
	if (c->nest) {
		context = dg_context();
		if (context != DG_CTX_PROCESS)
			c->tainted[context & 3] = dg_activation_on(context,
								   bpf_get_smp_processor_id());
	}
	c->nest++;
}

/* The preempt count the monitor programs running on this CPU hold: one each. */
static __always_inline __u32 dg_own_preempt_count(void)
{
	__u32 zero = 0;
	struct dg_cpu_state *c = bpf_map_lookup_elem(&cpu_state, &zero);

	return c ? c->nest : 0;
}

static __always_inline void dg_nest_exit(void)
{
	__u32 zero = 0;
	struct dg_cpu_state *c = bpf_map_lookup_elem(&cpu_state, &zero);

	if (c && c->nest)
		c->nest--;
	dg_monitor_exit();
}

/*
 * A hard interrupt that arrived outside the kernel's own text may have cut
 * into a monitor program or its trampoline (both live outside it), before
 * or after the part of the program dg_nest_enter() covers: taint its run.
 */
static __always_inline void dg_taint_if_interrupted_bpf(__u32 context, __u64 activation)
{
	struct pt_regs **regs = bpf_this_cpu_ptr(&__irq_regs);
	__u32 zero = 0;
	struct dg_cpu_state *c;
	__u64 ip;

	if (context != DG_CTX_HARDIRQ || !regs || !*regs)
		return;
	ip = BPF_CORE_READ(*regs, ip);
	if (ip >= (__u64)&_stext && ip < (__u64)&_etext)
		return;
	c = bpf_map_lookup_elem(&cpu_state, &zero);
	if (c)
		c->tainted[DG_CTX_HARDIRQ] = activation;
}

/* Whether programs may have been skipped in run @activation of @context. */
static __always_inline bool dg_run_tainted(__u32 context, __u64 activation)
{
	__u32 zero = 0;
	struct dg_cpu_state *c = bpf_map_lookup_elem(&cpu_state, &zero);

	return activation && c && c->tainted[context & 3] == activation;
}

/* Whether programs may have been skipped in the current run of @f's context. */
static __always_inline bool dg_tainted(const struct dg_frame *f)
{
	return dg_run_tainted(f->context, f->activation);
}

/*
 * @v as a plain number.  A typed pointer argument (an skb, a net_device)
 * stays a pointer to the verifier through casts, and pointer arithmetic,
 * which keys need, is refused on it; a copy through memory is a scalar.
 */
static __always_inline __u64 dg_scalar(__u64 v)
{
	__u64 out = 0;

	bpf_probe_read_kernel(&out, sizeof(out), &v);
	return out;
}

/*
 * Whether the call that returns to @ret (in driver @driver) reached @func
 * from the driver: the `call rel32` before @ret targets @func itself, or a
 * function of the driver that ended in a tail jump to it.  A driver call to
 * a kernel function that tail-jumps into @func (vfree() ending in kfree())
 * leaves the driver's return address on the stack too; that call is the
 * kernel's.
 */
static __always_inline bool dg_called_by_driver(__u64 ret, __u64 func, int driver)
{
	struct {
		__u8 op;
		__s32 rel;
	} __attribute__((packed)) insn;
	__u64 target;

	if (bpf_probe_read_kernel(&insn, sizeof(insn), (void *)(ret - 5)) || insn.op != 0xe8)
		return true;	/* not a direct call: nothing to tell, keep the attribution */
	target = ret + (__s64)insn.rel;
	return target == func || dg_driver_of(target) == driver;
}

static __always_inline void dg_frame_context(struct dg_frame *f)
{
	f->context = dg_context();
	f->pid = (__u32)bpf_get_current_pid_tgid();
	f->atomic = dg_atomic(dg_own_preempt_count());
	f->activation = dg_activation_on(f->context, bpf_get_smp_processor_id());
	dg_taint_if_interrupted_bpf(f->context, f->activation);
}

/* Whether driver @i has DG_DRIVER_OBSERVED. */
static __always_inline __u32 dg_driver_observed(int i)
{
	__u32 key = i;
	struct dg_driver *d = bpf_map_lookup_elem(&drivers, &key);

	return d && (d->flags & DG_DRIVER_OBSERVED);
}

/*
 * Driver @driver's code runs in run @activation of interrupt context
 * @context: if the kernel may have skipped programs in that run, note it
 * (DG_DRIVER_MISSED).  A global function taking numbers: every API
 * program calls it, and inlined its map key would sit on the stack of the
 * deepest call chains, which have no byte to spare.
 */
__noinline int dg_driver_note_missed(int driver, __u32 context, __u64 activation)
{
	struct dg_driver *d;
	__u32 key = driver;

	if (driver < 0 || !dg_run_tainted(context, activation))
		return 0;
	d = bpf_map_lookup_elem(&drivers, &key);
	if (d && !(d->flags & DG_DRIVER_MISSED))
		__sync_fetch_and_or(&d->flags, DG_DRIVER_MISSED);
	return 0;
}

/* Whether driver @i has DG_DRIVER_MISSED. */
static __always_inline bool dg_driver_missed(int i)
{
	__u32 key = i;
	struct dg_driver *d = bpf_map_lookup_elem(&drivers, &key);

	return !d || (d->flags & DG_DRIVER_MISSED);
}

/*
 * Set up @f for a call or return of a kernel API.  Calls from outside the
 * monitored drivers only matter to transitions of keys a driver already
 * holds (the caller may be the kernel releasing what the driver handed
 * it): they go on only while the held and object resources in
 * @foreign_held and @foreign_objects track some key.  @caller_param,
 * from 1, names a parameter that carries the real caller's return address
 * (the _track_caller allocators behind kstrdup() and kmemdup()).  @count:
 * this program is the one that counts the driver's call (DG_CNT_DRIVER_CALLS).
 */
static __always_inline bool dg_frame_api(void *ctx, struct dg_frame *f, int nr_args,
					 bool is_return, __u32 foreign_held, __u32 foreign_objects,
					 int caller_param, bool count)
{
	__u64 ip = bpf_get_func_ip(ctx);
	bool foreign = false;
	struct dg_symbol *sym;

	f->site = dg_caller(ctx);
	f->driver = dg_driver_of(f->site);
	if (f->driver >= 0 && !caller_param && !dg_called_by_driver(f->site, ip, f->driver))
		f->driver = -1;	/* reached through a kernel function's tail jump */
	if (f->driver < 0 && (foreign_held || foreign_objects))
		foreign = dg_any_live(foreign_held, foreign_objects);
	if (f->driver < 0 && !foreign && !caller_param)
		return false;
	sym = bpf_map_lookup_elem(&symbols, &ip);
	if (!sym)
		return false;
	f->api = sym->api;
	for (int i = 0; i < DG_MAX_ARGS; i++) {
		__s8 pos = sym->pos[i];

		f->arg[i] = 0;
		if ((i < nr_args || i + 1 == caller_param) && pos >= 0)
			bpf_get_func_arg(ctx, pos & 7, &f->arg[i]);
	}
	if (caller_param > 0 && caller_param <= DG_MAX_ARGS) {
		f->site = f->arg[(caller_param - 1) & 7];
		f->driver = dg_driver_of(f->site);
		if (f->driver < 0 && !foreign)
			return false;
	}
	/* reports name the call instruction: x86-64 `call rel32`, how modules reach exports */
	if (f->site)
		f->site -= 5;
	f->ret = 0;
	if (is_return)
		bpf_get_func_ret(ctx, &f->ret);
	dg_frame_context(f);
	f->observed = f->driver >= 0 && dg_driver_observed(f->driver);
	dg_driver_note_missed(f->driver, f->context, f->activation);
	if (f->driver >= 0 && count)
		dg_count(DG_CNT_DRIVER_CALLS);
	return true;
}

#endif /* FRAME_BPF_H */
