// SPDX-License-Identifier: GPL-2.0
/*
 * drvguard_recover: the kernel side of drvguard.  The BPF monitors decide
 * that a driver broke a rule and, when recovery is enabled for their pack,
 * call these kfuncs to carry out the rule's `recover` action; every monitor
 * program also runs with preemption off through two of them (preempt.c).
 * The module holds no state between calls other than the locks it has
 * released for a task, skip_free's cache of stand-in objects (each one
 * freed by the call it is handed to), the module notifier through which
 * the monitors see unloads (reclaim.c) and the kprobes fail_call arms when
 * drvguard asks (fail_calls), so loading it changes nothing until a
 * monitor calls it or drvguard arms a function, and it cannot be unloaded
 * while a pack using it is loaded (the programs hold a reference on its
 * BTF).
 */
#include <linux/bpf.h>
#include <linux/btf.h>
#include <linux/btf_ids.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sysfs.h>

#include "recovery.h"

BTF_SET8_START(dg_recover_kfunc_ids)
BTF_ID_FLAGS(func, dg_monitor_enter)
BTF_ID_FLAGS(func, dg_monitor_exit)
BTF_ID_FLAGS(func, dg_recover_begin)
BTF_ID_FLAGS(func, dg_recover_add)
BTF_ID_FLAGS(func, dg_recover_commit)
BTF_ID_FLAGS(func, dg_recover_relock)
BTF_ID_FLAGS(func, dg_recover_release_at_return)
BTF_ID_FLAGS(func, dg_log_violation)
BTF_ID_FLAGS(func, dg_recover_skip_free)
BTF_ID_FLAGS(func, dg_recover_gfp_atomic)
BTF_ID_FLAGS(func, dg_recover_reclaim)
BTF_ID_FLAGS(func, dg_recover_fail_call)
BTF_SET8_END(dg_recover_kfunc_ids)

static const struct btf_kfunc_id_set dg_recover_kfuncs = {
	.owner = THIS_MODULE,
	.set = &dg_recover_kfunc_ids,
};

/* /sys/module/drvguard_recover/parameters/outstanding: 0 whenever no task is mid-recovery. */
static int outstanding_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", dg_recover_outstanding());
}

static const struct kernel_param_ops outstanding_ops = { .get = outstanding_get };
module_param_cb(outstanding, &outstanding_ops, NULL, 0444);
MODULE_PARM_DESC(outstanding, "tasks whose locks are released around a blocking call now");

static int __init dg_recover_init(void)
{
	int err = dg_skip_free_init();

	if (err)
		return err;
	err = dg_reclaim_init();
	if (err)
		goto skip_free;
	err = register_btf_kfunc_id_set(BPF_PROG_TYPE_TRACING, &dg_recover_kfuncs);
	if (!err)
		return 0;
	pr_err("drvguard_recover: cannot register kfuncs: %d\n", err);
	dg_reclaim_exit();
skip_free:
	dg_skip_free_exit();
	return err;
}

static void __exit dg_recover_exit(void)
{
	/* kfunc sets go with the module's BTF; nothing else to undo */
	if (dg_recover_outstanding())
		pr_warn("drvguard_recover: unloaded with locks still released\n");
	dg_reclaim_exit();
	dg_fail_call_exit();
	dg_skip_free_exit();
}

module_init(dg_recover_init);
module_exit(dg_recover_exit);
MODULE_DESCRIPTION("drvguard recovery actions, called by its BPF monitors");
MODULE_LICENSE("GPL");
