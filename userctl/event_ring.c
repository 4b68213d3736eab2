// SPDX-License-Identifier: GPL-2.0
/*
 * Several watchers on one BPF ring buffer, each with its own cursor (see
 * event_ring.h).  The ring is mapped as libbpf maps it (consumer page
 * read-write, producer page and twice-mapped data read-only) and records
 * are parsed as libbpf parses them; what libbpf cannot do is leave the
 * consumer position behind the reader, so the reading is done here.
 *
 * Safety of reading behind the consumer position of others: the kernel
 * writes a record at position p only once the producer position passes p,
 * and it reuses p's bytes only once the producer reaches p + size, which
 * the consumer position (never beyond the slowest live watcher's cursor)
 * prevents.  A watcher re-checks the producer position after copying a
 * record, and counts the record lost if it could have been overwritten.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "event_ring.h"
#include "pack_pins.h"

#define RECORD_MAX	4096	/* larger than any event a monitor sends */

static __u32 record_total(__u32 len)
{
	len &= ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
	return (len + BPF_RINGBUF_HDR_SZ + 7) & ~7u;
}

/*
 * Move the consumer position up to the slowest live watcher's cursor,
 * never back.  Cursors of watchers that died without leaving are dropped.
 */
static void release_read(struct dg_event_ring *r)
{
	__u64 slowest = r->cursor, pos;
	__u32 pid, next, *key = NULL;
	unsigned long cur;

	bpf_map_update_elem(r->watchers_fd, &r->pid, &r->cursor, BPF_ANY);
	while (!bpf_map_get_next_key(r->watchers_fd, key, &next)) {
		pid = next;
		key = &pid;
		if (bpf_map_lookup_elem(r->watchers_fd, &pid, &pos))
			continue;
		if (pid != r->pid && kill(pid, 0) && errno == ESRCH) {
			bpf_map_delete_elem(r->watchers_fd, &pid);
			continue;
		}
		if (pos < slowest)
			slowest = pos;
	}
	cur = __atomic_load_n(r->consumer_pos, __ATOMIC_ACQUIRE);
	while (slowest > cur &&
	       !__atomic_compare_exchange_n(r->consumer_pos, &cur, slowest, false,
					    __ATOMIC_RELEASE, __ATOMIC_ACQUIRE))
		;
}

int dg_event_ring_open(struct dg_event_ring *r, const char *pack)
{
	struct bpf_map_info info = { 0 };
	__u32 info_len = sizeof(info);
	long page = sysconf(_SC_PAGESIZE);
	unsigned long cons;
	void *p;
	int err;

	memset(r, 0, sizeof(*r));
	r->pid = getpid();
	r->map_fd = dg_pin_open(pack, "events");
	r->watchers_fd = dg_pin_open(pack, "watchers");
	if (r->map_fd < 0 || r->watchers_fd < 0) {
		err = r->map_fd < 0 ? r->map_fd : r->watchers_fd;
		goto fail;
	}
	if (bpf_obj_get_info_by_fd(r->map_fd, &info, &info_len)) {
		err = -errno;
		goto fail;
	}
	if (info.type != BPF_MAP_TYPE_RINGBUF) {
		err = -EINVAL;
		goto fail;
	}
	r->size = info.max_entries;
	p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, r->map_fd, 0);
	if (p == MAP_FAILED) {
		err = -errno;
		goto fail;
	}
	r->consumer_pos = p;
	p = mmap(NULL, page + 2 * r->size, PROT_READ, MAP_SHARED, r->map_fd, page);
	if (p == MAP_FAILED) {
		err = -errno;
		goto fail;
	}
	r->producer_pos = p;
	r->data = (const char *)p + page;

	/* Join at the oldest event kept; one released meanwhile is not ours to read. */
	r->cursor = __atomic_load_n(r->consumer_pos, __ATOMIC_ACQUIRE);
	if (bpf_map_update_elem(r->watchers_fd, &r->pid, &r->cursor, BPF_ANY)) {
		err = -errno;
		goto fail;
	}
	cons = __atomic_load_n(r->consumer_pos, __ATOMIC_ACQUIRE);
	if (cons > r->cursor) {
		r->cursor = cons;
		bpf_map_update_elem(r->watchers_fd, &r->pid, &r->cursor, BPF_ANY);
	}
	return 0;
fail:
	dg_event_ring_close(r);
	return err;
}

void dg_event_ring_close(struct dg_event_ring *r)
{
	long page = sysconf(_SC_PAGESIZE);

	if (r->watchers_fd >= 0) {
		bpf_map_delete_elem(r->watchers_fd, &r->pid);
		close(r->watchers_fd);
	}
	if (r->consumer_pos)
		munmap(r->consumer_pos, page);
	if (r->producer_pos)
		munmap((void *)r->producer_pos, page + 2 * r->size);
	if (r->map_fd >= 0)
		close(r->map_fd);
	memset(r, 0, sizeof(*r));
	r->map_fd = r->watchers_fd = -1;
}

int dg_event_ring_read(struct dg_event_ring *r, int (*fn)(void *ctx, void *data, size_t size),
		       void *ctx)
{
	static char record[RECORD_MAX];
	int read = 0, stop = 0;

	while (!stop) {
		unsigned long prod = __atomic_load_n(r->producer_pos, __ATOMIC_ACQUIRE);
		unsigned long cons = __atomic_load_n(r->consumer_pos, __ATOMIC_ACQUIRE);
		const __u32 *hdr;
		__u64 at = r->cursor;
		__u32 len, payload;

		if (at < cons) {
			/* released by a watcher that did not see us join: skip to what is kept */
			r->lost++;
			r->cursor = at = cons;
		}
		if (at >= prod)
			break;
		hdr = (const __u32 *)(r->data + (at & (r->size - 1)));
		len = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);
		if (len & BPF_RINGBUF_BUSY_BIT)
			break;		/* reserved, not committed yet */
		payload = len & ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
		if (payload <= RECORD_MAX)
			memcpy(record, hdr + 2, payload);
		r->cursor += record_total(len);
		prod = __atomic_load_n(r->producer_pos, __ATOMIC_ACQUIRE);
		if (payload > RECORD_MAX || prod > at + r->size) {
			r->lost++;
			continue;
		}
		if (len & BPF_RINGBUF_DISCARD_BIT)
			continue;
		read++;
		stop = fn(ctx, record, payload);
	}
	release_read(r);
	return read;
}

bool dg_event_ring_pending(const struct dg_event_ring *r)
{
	return r->cursor < __atomic_load_n(r->producer_pos, __ATOMIC_ACQUIRE);
}

bool dg_event_ring_pollable(const struct dg_event_ring *r)
{
	return __atomic_load_n(r->consumer_pos, __ATOMIC_ACQUIRE) == r->cursor;
}
