/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Layouts shared by the BPF monitors and the drvguard command: the driver
 * table that scopes every monitor to the monitored modules, and the violation
 * event that crosses the ring buffer.  Fixed-width types only, so that both
 * sides compile the same bytes; the user-space readers assert the sizes.
 */
#ifndef DRVGUARD_H
#define DRVGUARD_H

#define DG_MAX_DRIVERS		16	/* monitored modules per loaded pack */
#define DG_MAX_HELD		8	/* spinlocks one CPU can hold inside drivers */
#define DG_DRIVER_NAME_LEN	56	/* MODULE_NAME_LEN on 64-bit kernels */
#define DG_COMM_LEN		16

/* One monitored module: its core text range and its name. start == 0 ends the table. */
struct dg_driver {
	__u64 start;
	__u64 end;
	char name[DG_DRIVER_NAME_LEN];
};
#define DG_DRIVER_SIZE		72

/* Execution context of the driver code that made the call. */
enum dg_context {
	DG_CTX_PROCESS = 0,
	DG_CTX_SOFTIRQ = 1,
	DG_CTX_HARDIRQ = 2,
	DG_CTX_NMI = 3,
};

/* Rules the monitors know; names and severities live in userctl/rules_table.c. */
enum dg_rule {
	DG_RULE_SLEEP_WITH_SPINLOCK = 1,
};

#define DG_API_UNKNOWN		0xffffffffU

/*
 * A violation. api and held_api are probe-catalog ids (probes/catalog.h),
 * which the loader maps from the traced functions' addresses.
 */
struct dg_event {
	__u64 ts_ns;		/* bpf_ktime_get_ns() at the violating call */
	__u64 site;		/* return address of the violating call */
	__u64 held_lock;	/* address of the most recently taken held lock */
	__u64 held_site;	/* return address of the call that took it */
	__u32 rule;		/* enum dg_rule */
	__u32 driver;		/* index into the driver table */
	__u32 api;		/* catalog id of the violating API */
	__u32 held_api;		/* catalog id of the API that took the held lock */
	__u32 held_count;	/* spinlocks the driver holds on this CPU */
	__u32 context;		/* enum dg_context */
	__u32 pid;
	__u32 cpu;
	char comm[DG_COMM_LEN];
};
#define DG_EVENT_SIZE		80

/* Per-CPU monitor counters, summed by `drvguard status`. */
enum dg_counter {
	DG_CNT_DRIVER_CALLS = 0,	/* monitored API calls made by the drivers */
	DG_CNT_EVENTS,		/* violations emitted */
	DG_CNT_DROPS,		/* violations lost: ring buffer full */
	DG_CNT_HELD_OVERFLOW,	/* lock not tracked: more than DG_MAX_HELD held */
	DG_CNT_MIGRATED_UNLOCK,	/* unlock found its lock on another CPU */
	DG_CNT_CONTENDED,	/* state update skipped: nested program on the CPU */
	DG_NR_COUNTERS,
};

#endif /* DRVGUARD_H */
