// SPDX-License-Identifier: GPL-2.0
/*
 * The bench driver's unmonitored twin: the same loops in a module no pack
 * is loaded for, so its timings show what monitoring another driver costs
 * code that is not monitored (see dg_bench.h).
 */
#include "dg_bench.h"

MODULE_DESCRIPTION("drvguard bench driver, never monitored: the tax on the rest of the kernel");
