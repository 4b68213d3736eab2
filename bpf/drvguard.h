/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Layouts shared by the BPF runtime, the packs compiled from rules and the
 * drvguard command: the driver table that scopes every monitor to the
 * monitored modules, the per-symbol argument map, and the violation event
 * that crosses the ring buffer.  Fixed-width types only, so that both sides
 * compile the same bytes; the user-space readers assert the sizes.
 */
#ifndef DRVGUARD_H
#define DRVGUARD_H

#define DG_MAX_DRIVERS		16	/* monitored modules per loaded pack */
#define DG_MAX_HELD		16	/* held resources one CPU can track */
#define DG_MAX_RESOURCES	16	/* resource kinds of one pack */
#define DG_MAX_FIELDS		8	/* message fields of one violation */
#define DG_MAX_ARGS		6	/* x86-64 register arguments */
#define DG_OBJECTS		8192	/* object table slots; a power of two */
#define DG_MAX_VALUES		3	/* values one transition stores in an object's slot */
#define DG_DRIVER_NAME_LEN	56	/* MODULE_NAME_LEN on 64-bit kernels */
#define DG_COMM_LEN		16
#define DG_META_CHUNK		4096	/* the pack's metadata, in map values of this size */
#define DG_META_CHUNKS		16
#define DG_AGG_SLOTS		1024	/* distinct violation sites aggregated at once */
#define DG_AGG_INTERVAL_NS	1000000000ULL	/* at most one event per site and second */

/*
 * One monitored module: its name, and its core and init ranges while it is
 * loaded (0 while it is not: an armed driver).  An empty name ends the table.
 * The monitors keep the ranges current as the module loads and unloads.
 */
struct dg_driver {
	__u64 start;
	__u64 end;
	__u64 init_start;
	__u64 init_end;
	__u64 flags;		/* DG_DRIVER_* */
	char name[DG_DRIVER_NAME_LEN];
};
#define DG_DRIVER_SIZE		96
#define DG_DRIVER_FILE_LEN	256	/* a driver's .ko path, kept by the loader for reports */

/*
 * The monitors saw the module load, so they saw everything it ever
 * acquired: a key they do not know was never the driver's.  Without it (the
 * pack was loaded on a running driver) an unknown key is just unknown.
 */
#define DG_DRIVER_OBSERVED	(1ULL << 0)
/*
 * A run of an interrupt context in which the kernel may have skipped
 * monitor programs executed the driver's code: a release the driver made
 * there may have gone unseen, so what the object table says it still holds
 * is not certain, and reclaim_at_unload does not act on it.
 */
#define DG_DRIVER_MISSED	(1ULL << 1)

/* Execution context of the driver code that made the call. */
enum dg_context {
	DG_CTX_PROCESS = 0,
	DG_CTX_SOFTIRQ = 1,
	DG_CTX_HARDIRQ = 2,
	DG_CTX_NMI = 3,
};

#define DG_API_UNKNOWN		0xffffffffU
#define DG_ENTRY_API_BASE	0x10000U	/* event->api of entry point events: base + class */

/* A traced symbol: its catalog API and where each logical parameter sits. */
struct dg_symbol {
	__u32 api;
	__s8 pos[DG_MAX_ARGS];	/* argument index, or -1 when the symbol lacks it */
	__u16 pad;
};
#define DG_SYMBOL_SIZE		12

/*
 * A violation.  The meaning of field[] is the rule's: the pack's metadata
 * says the type of each, and the message that places them.
 */
struct dg_event {
	__u64 ts_ns;		/* bpf_ktime_get_ns() at the violating event */
	__u64 site;		/* return address of the violating call */
	__u64 field[DG_MAX_FIELDS];
	__u32 rule;		/* rule id in the pack, from 1 */
	__u32 driver;		/* index into the driver table */
	__u32 api;		/* catalog id of the API, or DG_ENTRY_API_BASE + class */
	__u32 context;		/* enum dg_context */
	__u32 pid;
	__u32 cpu;
	__u32 nr_fields;
	__u32 count;		/* violations this event stands for: 1 + those aggregated into it */
	char comm[DG_COMM_LEN];
	__u64 base;		/* the driver's text base then, to symbolize after it is gone */
	__u32 recovery;		/* enum dg_recovery_outcome (recovery_abi.h) of the rule's action */
	__u32 pad;
};
#define DG_EVENT_SIZE		144

/* Per-CPU monitor counters, summed by `drvguard status`. */
enum dg_counter {
	DG_CNT_DRIVER_CALLS = 0,	/* monitored API calls made by the drivers */
	DG_CNT_EVENTS,		/* violations emitted */
	DG_CNT_DROPS,		/* violations lost: ring buffer full */
	DG_CNT_HELD_OVERFLOW,	/* held resource not tracked: the CPU's set was full */
	DG_CNT_MIGRATED,	/* a held resource was found on another CPU */
	DG_CNT_CONTENDED,	/* state update skipped: nested program on the CPU */
	DG_CNT_OBJECT_OVERFLOW,	/* object not tracked: its table neighbourhood was full */
	DG_CNT_AGGREGATED,	/* violations folded into a later event of the same site */
	DG_CNT_RECOVERED,	/* recovery actions carried out */
	DG_CNT_NOT_RECOVERED,	/* recovery actions refused (not recoverable) or not implemented */
	DG_NR_COUNTERS,
};

#endif /* DRVGUARD_H */
