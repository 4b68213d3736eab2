// SPDX-License-Identifier: GPL-2.0
/*
 * Loading the recovery module for a pack that needs it.  The module file
 * sits next to the command (paths.c); it is loaded with finit_module()
 * directly, since the command is static and may run where no modprobe is.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "main.h"
#include "paths.h"
#include "recovery_module.h"

bool dg_recovery_module_loaded(void)
{
	return access("/sys/module/" DG_RECOVERY_MODULE, F_OK) == 0;
}

int dg_recovery_module_ensure(void)
{
	char path[PATH_MAX];
	int fd, err = 0;

	if (dg_recovery_module_loaded())
		return 0;
	if (dg_recovery_module_path(path, sizeof(path))) {
		elog("the recovery module %s.ko is not installed (set DRVGUARD_RECOVERY_MODULE "
		     "to its path)", DG_RECOVERY_MODULE);
		return -ENOENT;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		elog("cannot open the recovery module %s: %s", path, strerror(errno));
		return err;
	}
	if (syscall(SYS_finit_module, fd, "", 0) && errno != EEXIST) {
		err = -errno;
		elog("cannot load the recovery module %s: %s", path, strerror(errno));
	}
	close(fd);
	return err;
}
