// SPDX-License-Identifier: GPL-2.0
/*
 * The bench driver the monitors watch: tight loops of monitored API calls,
 * timed in the kernel (see dg_bench.h).  bench/ drives it.
 */
#include "dg_bench.h"

MODULE_DESCRIPTION("drvguard bench driver: timed loops of monitored API calls");
