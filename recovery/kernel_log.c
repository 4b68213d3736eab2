// SPDX-License-Identifier: GPL-2.0
/*
 * Fatal violations in the kernel log, synchronously.  A violation the
 * kernel may not survive (a rule marked fatal: double free, sleeping in
 * atomic context) must be on record before the offending call proceeds,
 * even if no watcher ever reads the event.  The monitor calls this kfunc,
 * and printk() puts the report on the console and in dmesg at once, on a
 * stock kernel with no boot option (bpf_trace_printk's trace event reaches
 * the log only with tp_printk on the kernel command line).
 */
#include <linux/printk.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <linux/string.h>

#include "recovery.h"

/*
 * @rule and @driver: names, NUL-terminated within their sizes; @site: the
 * driver's call site.
 */
void dg_log_violation(const char *rule, u32 rule__sz, const char *driver, u32 driver__sz,
		      u64 site)
{
	pr_err("drvguard: %.*s in %.*s at %pS (pid %d, cpu %d)\n",
	       (int)strnlen(rule, rule__sz), rule, (int)strnlen(driver, driver__sz), driver,
	       (void *)site, task_pid_nr(current), raw_smp_processor_id());
}
