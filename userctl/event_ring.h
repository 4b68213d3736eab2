/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A loaded pack's event ring buffer, read by any number of watchers at once,
 * each of which sees every event.  A BPF ring buffer has a single consumer
 * position, and libbpf's reader advances it as it reads, so two watchers
 * would split the events between them.  Here each watcher keeps its own
 * cursor in the pack's pinned `watchers` map (pid -> position), and the
 * ring's consumer position only advances to the slowest live watcher's.
 * Events raised while no watcher runs stay in the ring (bounded by its size;
 * the monitors count what does not fit) for the next watcher.
 */
#ifndef USERCTL_EVENT_RING_H
#define USERCTL_EVENT_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct dg_event_ring {
	int map_fd;			/* the pack's pinned `events` ring buffer */
	int watchers_fd;		/* the pack's pinned `watchers` map */
	unsigned long *consumer_pos;	/* mapped read-write, shared by the watchers */
	const unsigned long *producer_pos;
	const char *data;		/* mapped twice in a row: records never wrap */
	unsigned long size;		/* of the data area, a power of two */
	__u64 cursor;			/* where this watcher reads next */
	__u32 pid;
	__u64 lost;			/* records overwritten before this watcher read them */
};

/* Join @pack's watchers, reading from the oldest event still in the ring; 0 or -errno. */
int dg_event_ring_open(struct dg_event_ring *r, const char *pack);
/* Leave; events this watcher did not read stay for the next. */
void dg_event_ring_close(struct dg_event_ring *r);

/*
 * Hand each committed event after the cursor to @fn, in order, until it
 * returns non-zero (that event counts as read).  Returns the number of
 * events read, or a negative errno.
 */
int dg_event_ring_read(struct dg_event_ring *r, int (*fn)(void *ctx, void *data, size_t size),
		       void *ctx);

/* Whether events this watcher has not read are waiting. */
bool dg_event_ring_pending(const struct dg_event_ring *r);
/* Whether the kernel's poll on the ring would wake this watcher (no other watcher lags). */
bool dg_event_ring_pollable(const struct dg_event_ring *r);

/* The pinned map of the watchers' cursors, created by `load`. */
#define DG_EVENT_WATCHERS_MAX	64

#endif /* USERCTL_EVENT_RING_H */
