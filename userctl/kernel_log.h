/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Getting fatal violations into the kernel log synchronously, through the
 * bpf_trace_printk trace event and kernel.tracepoint_printk.
 */
#ifndef USERCTL_KERNEL_LOG_H
#define USERCTL_KERNEL_LOG_H

/*
 * Print the bpf_trace_printk event to the kernel log; 0, -ENOTSUP when the
 * kernel was not booted with tp_printk (then only a crash dumps it), or -errno.
 */
int dg_kernel_log_enable(void);

#endif /* USERCTL_KERNEL_LOG_H */
