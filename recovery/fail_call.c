// SPDX-License-Identifier: GPL-2.0
/*
 * fail_call: a blocking call the driver makes where it may not sleep
 * returns a failure its API allows (-EINTR from mutex_lock_interruptible(),
 * ...) without running, as if the sleep had been interrupted.  The value is
 * the probe catalog's, handed over by the monitor; the module only carries
 * it out.
 *
 * An fentry program cannot skip the call it watches, and this kernel has no
 * CONFIG_FUNCTION_ERROR_INJECTION (no fmod_ret, no bpf_override_return), so
 * the module does it with a kprobe of its own on the function's first body
 * instruction, just past its 5-byte __fentry__ site.  That is an int3
 * probe, not an ftrace one, so it lives beside the BPF trampoline patched
 * over the __fentry__ site; it has a post_handler, so it is never turned
 * into an optimized (jump) probe, which would ignore a changed regs->ip.
 *
 * The monitor's fentry program, having decided, calls dg_recover_fail_call()
 * with its trampoline context: the module checks the frame (call_args.c)
 * and leaves a request for the current task, this function and the stack
 * pointer the function body will run on.  The trampoline then enters the
 * body at func+5, on the stack it was called with (the caller's return
 * address on top) or, when it also runs fexit programs, from its own call
 * (its return address on top).  The kprobe's pre_handler takes the request
 * and returns from the function there and then with the value: the caller,
 * or the trampoline and its fexit programs, see the call fail.  Requests
 * are per task, since under preempt=full the task may move to another CPU
 * between the program and the body, and keyed by the stack pointer, so a
 * call of the same function from an interrupt in between is not failed.
 *
 * An int3 on every call of the function machine-wide is not free: a
 * function is armed only while some loaded pack wants it failed (drvguard
 * writes the set to the fail_calls parameter); the kfunc refuses a call
 * that is not armed, so every request it leaves is taken by the body that
 * follows.  Disarming drops whatever requests are left.
 */
#include <linux/kprobes.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <asm/text-patching.h>

#include "recovery.h"

/* Functions that may be armed at once, and fail requests pending at once. */
#define DG_FAIL_MAX_FNS		16
#define DG_FAIL_MAX_REQUESTS	64

/* The __fentry__ call at the start of every traceable function (no IBT here). */
#define DG_FENTRY_SIZE		5

/*
 * How far below the trampoline's argument slots the body's stack may be
 * when the trampoline calls it: the trampoline's own locals (the argument
 * count, the function address, its run context), a saved register and its
 * return address.
 */
#define DG_TRAMPOLINE_BELOW	256

struct dg_fail_fn {
	struct kprobe kp;
	char name[KSYM_NAME_LEN];
	unsigned long fn;	/* the function's address, as bpf_get_func_ip() gives it */
	bool armed;		/* read by the kfunc without the lock */
};

struct dg_fail_request {
	atomic_t busy;			/* claimed by a kfunc call */
	struct task_struct *task;	/* set last: the request counts from then */
	unsigned long fn, ctx;
	unsigned int nr_args;
	long value;
};

static struct dg_fail_fn fail_fns[DG_FAIL_MAX_FNS];
static struct dg_fail_request requests[DG_FAIL_MAX_REQUESTS];
static DEFINE_MUTEX(fail_fns_lock);

/*
 * Whether the body is entered on @sp for the trampoline frame whose
 * argument slots start at @ctx (arch_prepare_bpf_trampoline(), 6.1): called
 * by the trampoline, below its frame; jumped to once the trampoline has
 * returned, on the stack the function was called with, just above its
 * frame (the slots, the saved rbp and the return address into the body).
 */
static bool body_stack(unsigned long sp, unsigned long ctx, unsigned int nr_args)
{
	if (sp < ctx)
		return ctx - sp <= DG_TRAMPOLINE_BELOW;
	return sp == ctx + 8 * nr_args + 16;
}

static struct dg_fail_request *find_request(unsigned long fn, unsigned long sp)
{
	for (int i = 0; i < DG_FAIL_MAX_REQUESTS; i++) {
		struct dg_fail_request *r = &requests[i];

		if (READ_ONCE(r->task) == current && r->fn == fn &&
		    body_stack(sp, r->ctx, r->nr_args))
			return r;
	}
	return NULL;
}

static void put_request(struct dg_fail_request *r)
{
	WRITE_ONCE(r->task, NULL);
	atomic_set_release(&r->busy, 0);
}

/* The body of an armed function: fail it when the current task asked for it. */
static int fail_pre_handler(struct kprobe *kp, struct pt_regs *regs)
{
	struct dg_fail_fn *f = container_of(kp, struct dg_fail_fn, kp);
	struct dg_fail_request *r = find_request(f->fn, regs->sp);

	if (!r)
		return 0;
	regs->ax = r->value;
	put_request(r);
	int3_emulate_ret(regs);	/* return to whoever entered the body */
	return 1;		/* regs changed: no single-step of the probed instruction */
}

/* Only there so that the probe is never optimized into a jump. */
static void fail_post_handler(struct kprobe *kp, struct pt_regs *regs, unsigned long flags)
{
}

static struct dg_fail_fn *armed_fn(unsigned long ip)
{
	for (int i = 0; i < DG_FAIL_MAX_FNS; i++)
		if (READ_ONCE(fail_fns[i].armed) && fail_fns[i].fn == ip)
			return &fail_fns[i];
	return NULL;
}

/*
 * kfunc: make the call the monitor is watching (function @ip, trampoline
 * context @ctx) return @value without running; the outcome.
 */
int dg_recover_fail_call(u64 ctx, u64 ip, u64 value)
{
	struct dg_fail_fn *f = armed_fn(ip);
	struct dg_fail_request *r;
	unsigned int nr_args;

	if (!f)
		return DG_RECOVERY_NOT_ARMED;
	if (!dg_call_frame(ctx, ip, &nr_args))
		return DG_RECOVERY_CANNOT_CHANGE;
	for (int i = 0; i < DG_FAIL_MAX_REQUESTS; i++) {
		r = &requests[i];
		if (READ_ONCE(r->task) == current && r->fn == ip && r->ctx == ctx)
			return DG_RECOVERY_DONE_ELSEWHERE;	/* another pack's rule */
	}
	for (int i = 0; i < DG_FAIL_MAX_REQUESTS; i++) {
		r = &requests[i];
		if (atomic_cmpxchg_acquire(&r->busy, 0, 1))
			continue;
		r->fn = ip;
		r->ctx = ctx;
		r->nr_args = nr_args;
		r->value = (long)value;
		smp_store_release(&r->task, current);
		return DG_RECOVERY_DONE;
	}
	return DG_RECOVERY_NO_ROOM;
}

/* Drop the requests left for @fn: its body will not take them any more. */
static void drop_requests(unsigned long fn)
{
	for (int i = 0; i < DG_FAIL_MAX_REQUESTS; i++)
		if (READ_ONCE(requests[i].task) && requests[i].fn == fn)
			put_request(&requests[i]);
}

static int arm(struct dg_fail_fn *f, const char *name)
{
	int err;

	memset(f, 0, sizeof(*f));
	strscpy(f->name, name, sizeof(f->name));
	f->kp.symbol_name = f->name;
	f->kp.offset = DG_FENTRY_SIZE;
	f->kp.pre_handler = fail_pre_handler;
	f->kp.post_handler = fail_post_handler;
	err = register_kprobe(&f->kp);
	if (err) {
		pr_warn("drvguard_recover: cannot arm fail_call on %s: %d\n", name, err);
		f->name[0] = '\0';
		return err;
	}
	f->fn = (unsigned long)f->kp.addr - DG_FENTRY_SIZE;
	WRITE_ONCE(f->armed, true);
	return 0;
}

static void disarm(struct dg_fail_fn *f)
{
	WRITE_ONCE(f->armed, false);
	synchronize_rcu();	/* no monitor still about to leave a request */
	unregister_kprobe(&f->kp);
	drop_requests(f->fn);
	f->name[0] = '\0';
}

static bool listed(const char *list, const char *name)
{
	size_t len = strlen(name);

	for (const char *p = list; (p = strstr(p, name)); p += len)
		if ((p == list || p[-1] == ',') && (p[len] == ',' || !p[len]))
			return true;
	return false;
}

/* Arm the functions named in @list (comma-separated), disarm the others. */
static int fail_calls_set(const char *val, const struct kernel_param *kp)
{
	char *list = kstrdup(val, GFP_KERNEL), *names, *p, *name;
	int err = 0;

	if (!list)
		return -ENOMEM;
	names = strim(list);
	mutex_lock(&fail_fns_lock);
	for (int i = 0; i < DG_FAIL_MAX_FNS; i++)
		if (fail_fns[i].name[0] && !listed(names, fail_fns[i].name))
			disarm(&fail_fns[i]);
	for (p = names; (name = strsep(&p, ",")); ) {
		int i, free = -1, ret;

		if (!*name)
			continue;
		for (i = 0; i < DG_FAIL_MAX_FNS; i++) {
			if (!strcmp(fail_fns[i].name, name))
				break;
			if (!fail_fns[i].name[0] && free < 0)
				free = i;
		}
		if (i < DG_FAIL_MAX_FNS)
			continue;
		ret = free < 0 ? -ENOSPC : arm(&fail_fns[free], name);
		err = err ?: ret;	/* arm the others all the same, say the first error */
	}
	mutex_unlock(&fail_fns_lock);
	kfree(list);
	return err;
}

static int fail_calls_get(char *buf, const struct kernel_param *kp)
{
	int len = 0;

	mutex_lock(&fail_fns_lock);
	for (int i = 0; i < DG_FAIL_MAX_FNS; i++)
		if (fail_fns[i].name[0])
			len += sysfs_emit_at(buf, len, "%s%s", len ? "," : "", fail_fns[i].name);
	mutex_unlock(&fail_fns_lock);
	return len + sysfs_emit_at(buf, len, "\n");
}

static const struct kernel_param_ops fail_calls_ops = {
	.set = fail_calls_set,
	.get = fail_calls_get,
};
module_param_cb(fail_calls, &fail_calls_ops, NULL, 0644);
MODULE_PARM_DESC(fail_calls, "functions fail_call may fail now, comma-separated (drvguard sets it)");

void dg_fail_call_exit(void)
{
	mutex_lock(&fail_fns_lock);
	for (int i = 0; i < DG_FAIL_MAX_FNS; i++)
		if (fail_fns[i].name[0])
			disarm(&fail_fns[i]);
	mutex_unlock(&fail_fns_lock);
}
