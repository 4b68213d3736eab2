/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Driver entry points, observed where the kernel dispatches them rather
 * than inside the driver: the irq, timer, hrtimer, workqueue, tasklet and
 * transmit tracepoints hand over the object whose callback runs, and the
 * callback's address says whether it is a monitored driver's code.  Module
 * init is seen at do_init_module(); module exit at the recovery module's
 * dg_module_exited(), which its MODULE_STATE_GOING notifier calls once the
 * exit routine has returned and before free_module(), where leaks can
 * still be given back (recovery/reclaim.c).
 *
 * The module lifecycle is also where the driver table is kept current: a
 * driver named at load time but not loaded yet (armed) gets its ranges when
 * the module's init starts, loses its init range when init returns and all
 * ranges when the module is freed, so a reloaded module is monitored at its
 * new addresses with no help from user space.
 */
#ifndef ENTRY_BPF_H
#define ENTRY_BPF_H

#include "frame.bpf.h"

static __always_inline bool dg_frame_entry(struct dg_frame *f, __u64 target, __u32 class)
{
	__builtin_memset(f, 0, sizeof(*f));
	f->driver = dg_driver_of(target);
	if (f->driver < 0)
		return false;
	f->site = target;
	f->api = DG_ENTRY_API_BASE + class;
	dg_frame_context(f);
	f->observed = dg_driver_observed(f->driver);
	/* tracepoints run their programs with preemption disabled */
	f->atomic = f->context != DG_CTX_PROCESS;
	return true;
}

/*
 * Argument @i of a tp_btf program's context, read as a number: 6.1's
 * verifier refuses a direct read of one whose type it cannot check (a
 * function pointer).
 */
static __always_inline __u64 dg_tp_arg(unsigned long long *ctx, int i)
{
	__u64 v = 0;

	bpf_probe_read_kernel(&v, sizeof(v), &ctx[i]);
	return v;
}

/* The address of the driver's read (or read_iter) method of @file. */
static __always_inline __u64 dg_fop_read(struct file *file)
{
	__u64 fn = (__u64)BPF_CORE_READ(file, f_op, read);

	return fn ?: (__u64)BPF_CORE_READ(file, f_op, read_iter);
}

static __always_inline __u64 dg_fop_write(struct file *file)
{
	__u64 fn = (__u64)BPF_CORE_READ(file, f_op, write);

	return fn ?: (__u64)BPF_CORE_READ(file, f_op, write_iter);
}

/* The first device on __dev_close_many()'s list: the one whose ndo_stop runs. */
static __always_inline struct net_device *dg_first_closing(struct list_head *head)
{
	struct list_head *first = BPF_CORE_READ(head, next);

	if (!first || first == head)
		return NULL;
	return (struct net_device *)((char *)first -
				     bpf_core_field_offset(struct net_device, close_list));
}

static __always_inline __u64 dg_first_closing_op(struct list_head *head)
{
	struct net_device *dev = dg_first_closing(head);

	return dev ? (__u64)BPF_CORE_READ(dev, netdev_ops, ndo_stop) : 0;
}

/* Index of the monitored driver named @mod's name, or -1. */
static __always_inline int dg_driver_named(struct module *mod)
{
	char name[DG_DRIVER_NAME_LEN];

	if (bpf_probe_read_kernel_str(name, sizeof(name), mod->name) <= 0)
		return -1;
	for (int i = 0; i < DG_MAX_DRIVERS; i++) {
		__u32 key = i;
		struct dg_driver *d = bpf_map_lookup_elem(&drivers, &key);
		int j;

		if (!d || !d->name[0])
			return -1;
		for (j = 0; j < DG_DRIVER_NAME_LEN; j++)
			if (d->name[j] != name[j] || !name[j])
				break;
		if (j < DG_DRIVER_NAME_LEN && d->name[j] == name[j] && !name[j])
			return i;
	}
	return -1;
}

static __always_inline bool dg_frame_module(struct dg_frame *f, struct module *mod, __u32 class)
{
	__builtin_memset(f, 0, sizeof(*f));
	f->driver = dg_driver_named(mod);
	if (f->driver < 0)
		return false;
	f->site = class == 0 ? (__u64)BPF_CORE_READ(mod, init) : (__u64)BPF_CORE_READ(mod, exit);
	f->api = DG_ENTRY_API_BASE + class;
	dg_frame_context(f);
	f->observed = dg_driver_observed(f->driver);
	return true;
}

/* The driver table entry of monitored module @mod, or NULL. */
static __always_inline struct dg_driver *dg_driver_entry(struct module *mod)
{
	int i = dg_driver_named(mod);
	__u32 key = i;

	return i < 0 ? NULL : bpf_map_lookup_elem(&drivers, &key);
}

/* The module starts its init: record where its code lives. */
static __always_inline void dg_module_arm(struct module *mod)
{
	struct dg_driver *d = dg_driver_entry(mod);

	if (!d)
		return;
	d->start = (__u64)BPF_CORE_READ(mod, core_layout.base);
	d->end = d->start + BPF_CORE_READ(mod, core_layout.size);
	d->init_start = (__u64)BPF_CORE_READ(mod, init_layout.base);
	d->init_end = d->init_start + BPF_CORE_READ(mod, init_layout.size);
	d->flags = (d->flags & ~DG_DRIVER_MISSED) | DG_DRIVER_OBSERVED;
}

/* The module's init returned (its init code is gone) or the module is freed. */
static __always_inline void dg_module_disarm(struct module *mod, bool all)
{
	struct dg_driver *d = dg_driver_entry(mod);

	if (!d)
		return;
	d->init_start = 0;
	d->init_end = 0;
	if (all) {
		d->start = 0;
		d->end = 0;
		d->flags &= ~DG_DRIVER_OBSERVED;
	}
}

#endif /* ENTRY_BPF_H */
