// SPDX-License-Identifier: GPL-2.0
/*
 * A rule marked fatal reports from inside the BPF program with bpf_printk(),
 * which emits the bpf_trace_printk trace event into the trace buffer.
 *
 * - With that event enabled and kernel.tracepoint_printk set, the kernel
 *   also prints it with printk() as it happens, so the report is in dmesg
 *   and on the console before the offending call goes on: it survives a
 *   crash no watcher would see.  The sysctl only works on a kernel booted
 *   with `tp_printk` (the kernel allocates its printer at boot only).
 * - Without it, kernel.ftrace_dump_on_oops still puts the trace buffer, and
 *   the report in it, on the console when the kernel oopses or panics.
 *
 * These switches are system-wide and stay on after the pack is unloaded
 * (another pack may rely on them); other bpf_printk() users are printed too.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "kernel_log.h"

#define TRACEFS		"/sys/kernel/tracing"
#define PRINTK_EVENT	TRACEFS "/events/bpf_trace/bpf_trace_printk/enable"
#define TRACEPOINT_PRINTK "/proc/sys/kernel/tracepoint_printk"

static int write_one(const char *path)
{
	int fd = open(path, O_WRONLY), err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, "1", 1) != 1)
		err = -errno;
	close(fd);
	return err;
}

static int read_one(const char *path)
{
	char c = '0';
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -errno;
	if (read(fd, &c, 1) != 1)
		c = '0';
	close(fd);
	return c == '1';
}

int dg_kernel_log_enable(void)
{
	int err;

	if (access(PRINTK_EVENT, F_OK) && mount("tracefs", TRACEFS, "tracefs", 0, NULL) &&
	    errno != EBUSY)
		return -errno;
	err = write_one(PRINTK_EVENT);
	if (!err)
		err = write_one("/proc/sys/kernel/ftrace_dump_on_oops");
	if (!err)
		err = write_one(TRACEPOINT_PRINTK);
	if (err)
		return err;
	return read_one(TRACEPOINT_PRINTK) == 1 ? 0 : -ENOTSUP;
}
