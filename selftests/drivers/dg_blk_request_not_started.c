// SPDX-License-Identifier: GPL-2.0
/*
 * Misbehaving test driver for the block pack's request_not_started rule:
 * once armed by the trigger, queue_rq serves the next request and ends it
 * without having called blk_mq_start_request() for it.
 *
 * Real: the request is never marked in flight, so blk-mq's timeout handling
 * and I/O statistics do not see it; it ends normally and the I/O
 * succeeds.  The disk has no partitions and nothing reads it behind the
 * test's back, so the armed request is the test's own, on a tag no request
 * used before (the monitor knows no start for it).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#define DG_HAS_SETUP
#include "dg_core.h"
#include "dg_blk.h"

static atomic_t dg_armed = ATOMIC_INIT(0);

/* The bug: served and ended, never started. */
static noinline void dg_blk_request_not_started_serve(struct request *rq)
{
	blk_mq_end_request(rq, dg_blk_transfer(rq));
	pr_info("ended request %px without starting it\n", rq);
}

static blk_status_t dg_blk_request_not_started_queue_rq(struct blk_mq_hw_ctx *hctx,
							const struct blk_mq_queue_data *bd)
{
	struct request *rq = bd->rq;

	dg_blk_take_special(rq);
	if (atomic_cmpxchg(&dg_armed, 1, 0) == 1) {
		dg_blk_request_not_started_serve(rq);
		return BLK_STS_OK;
	}
	blk_mq_start_request(rq);
	blk_mq_end_request(rq, dg_blk_transfer(rq));
	return BLK_STS_OK;
}

static const struct blk_mq_ops dg_blk_ops = {
	.queue_rq = dg_blk_request_not_started_queue_rq,
};

static void dg_fire(void)
{
	atomic_set(&dg_armed, 1);
}

static int dg_setup(void)
{
	return dg_blk_create(&dg_blk_ops, 0);
}

static void dg_teardown(void)
{
	dg_blk_destroy();
}

MODULE_DESCRIPTION("drvguard test driver: ends a blk-mq request it never started");
