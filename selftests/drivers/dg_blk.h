/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the block pack's test drivers share: a small blk-mq RAM disk,
 * /dev/MODULE, registered with blk_mq_alloc_disk() and without partitions,
 * so that nothing reads it before a test does.  Each driver brings its own
 * blk_mq_ops; dg_blk_transfer() moves a request's data, and the disk is
 * created in dg_setup() and removed in dg_teardown() (dg_core.h).
 *
 * dg_blk_submit() sends one request of the driver's own through the queue,
 * as drivers do for internal commands: a passthrough request with an
 * end_io of the driver's that does not free it, so that the request
 * outlives its completion until the driver frees it.
 */
#ifndef DG_BLK_H
#define DG_BLK_H

#include <linux/blk-mq.h>
#include <linux/blkdev.h>
#include <linux/highmem.h>
#include <linux/vmalloc.h>

#define DG_BLK_SIZE	(16 << 20)
#define DG_BLK_DEPTH	64

/* The per-request data blk-mq allocates for the driver. */
struct dg_blk_cmd {
	blk_status_t status;
	bool special;		/* a request the driver misbehaves on */
};

static struct blk_mq_tag_set dg_blk_set;
static struct gendisk *dg_blk_disk;
static u8 *dg_blk_data;

static const struct block_device_operations dg_blk_fops = {
	.owner = THIS_MODULE,
};

static inline struct dg_blk_cmd *dg_blk_cmd(struct request *rq)
{
	return blk_mq_rq_to_pdu(rq);
}

/* Whether @rq is one dg_blk_submit() marked; the mark goes (blk-mq reuses the pdu). */
static inline bool dg_blk_take_special(struct request *rq)
{
	bool special = dg_blk_cmd(rq)->special;

	dg_blk_cmd(rq)->special = false;
	return special;
}

/* Copy @rq's data to or from the disk. */
static blk_status_t dg_blk_transfer(struct request *rq)
{
	loff_t pos = (loff_t)blk_rq_pos(rq) << SECTOR_SHIFT;
	struct req_iterator iter;
	struct bio_vec bv;

	switch (req_op(rq)) {
	case REQ_OP_READ:
	case REQ_OP_WRITE:
		break;
	case REQ_OP_FLUSH:
	case REQ_OP_DRV_IN:
	case REQ_OP_DRV_OUT:
		return BLK_STS_OK;
	default:
		return BLK_STS_NOTSUPP;
	}
	rq_for_each_segment(bv, rq, iter) {
		void *p;

		if (pos + bv.bv_len > DG_BLK_SIZE)
			return BLK_STS_IOERR;
		p = bvec_kmap_local(&bv);
		if (req_op(rq) == REQ_OP_WRITE)
			memcpy(dg_blk_data + pos, p, bv.bv_len);
		else
			memcpy(p, dg_blk_data + pos, bv.bv_len);
		kunmap_local(p);
		pos += bv.bv_len;
	}
	return BLK_STS_OK;
}

/* Create the disk over @ops, with request timeout @timeout (0: the default 30 s). */
static int dg_blk_create(const struct blk_mq_ops *ops, unsigned int timeout)
{
	int err;

	dg_blk_data = vzalloc(DG_BLK_SIZE);
	if (!dg_blk_data)
		return -ENOMEM;
	dg_blk_set.ops = ops;
	dg_blk_set.nr_hw_queues = 1;
	dg_blk_set.queue_depth = DG_BLK_DEPTH;
	dg_blk_set.numa_node = NUMA_NO_NODE;
	dg_blk_set.cmd_size = sizeof(struct dg_blk_cmd);
	dg_blk_set.flags = BLK_MQ_F_SHOULD_MERGE;
	dg_blk_set.timeout = timeout;
	err = blk_mq_alloc_tag_set(&dg_blk_set);
	if (err)
		goto free_data;
	dg_blk_disk = blk_mq_alloc_disk(&dg_blk_set, NULL);
	if (IS_ERR(dg_blk_disk)) {
		err = PTR_ERR(dg_blk_disk);
		goto free_set;
	}
	dg_blk_disk->fops = &dg_blk_fops;
	dg_blk_disk->flags |= GENHD_FL_NO_PART;
	strscpy(dg_blk_disk->disk_name, KBUILD_MODNAME, DISK_NAME_LEN);
	set_capacity(dg_blk_disk, DG_BLK_SIZE >> SECTOR_SHIFT);
	err = add_disk(dg_blk_disk);
	if (err)
		goto put_disk;
	return 0;

put_disk:
	put_disk(dg_blk_disk);
free_set:
	blk_mq_free_tag_set(&dg_blk_set);
free_data:
	vfree(dg_blk_data);
	return err;
}

static void dg_blk_destroy(void)
{
	del_gendisk(dg_blk_disk);
	put_disk(dg_blk_disk);
	blk_mq_free_tag_set(&dg_blk_set);
	vfree(dg_blk_data);
}

static bool dg_blk_ended;
static atomic_t dg_blk_end_ios = ATOMIC_INIT(0);

/* end_io of the driver's own requests: count the completion, keep the request. */
static enum rq_end_io_ret dg_blk_end_io(struct request *rq, blk_status_t status)
{
	atomic_inc(&dg_blk_end_ios);
	smp_store_release(&dg_blk_ended, true);
	return RQ_END_IO_NONE;
}

/*
 * Send one request of the driver's own, marked special, through the queue;
 * with @wait, wait for its end_io and free it.  The request, or NULL.
 */
static __maybe_unused struct request *dg_blk_submit(bool wait)
{
	struct request *rq = blk_mq_alloc_request(dg_blk_disk->queue, REQ_OP_DRV_IN, 0);

	if (IS_ERR(rq))
		return NULL;
	dg_blk_cmd(rq)->special = true;
	rq->end_io = dg_blk_end_io;
	dg_blk_ended = false;
	atomic_set(&dg_blk_end_ios, 0);
	blk_execute_rq_nowait(rq, false);
	if (!wait)
		return rq;
	/* polled, not a completion: see dg_join() in dg_core.h */
	dg_wait_for_flag(&dg_blk_ended);
	/* the end_io may run before queue_rq returns: wait for every queue_rq in progress */
	blk_mq_quiesce_queue(dg_blk_disk->queue);
	blk_mq_unquiesce_queue(dg_blk_disk->queue);
	blk_mq_free_request(rq);
	return rq;
}

#endif /* DG_BLK_H */
