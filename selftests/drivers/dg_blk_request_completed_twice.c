// SPDX-License-Identifier: GPL-2.0
/*
 * Misbehaving test driver for the block pack's request_completed_twice
 * rule: queue_rq ends one request with blk_mq_end_request() and then ends
 * it again.
 *
 * Real on a request that survives it: a second end of an ordinary request
 * would free it twice (its tag, its queue reference) and wreck the queue.
 * The trigger sends a request of the driver's own (dg_blk_submit()), whose
 * end_io keeps the request, as drivers do for internal commands: both ends
 * really run all of blk_mq_end_request(), the end_io included, and the
 * driver frees the request once afterwards.  Every other request is
 * started and ended once.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#define DG_HAS_SETUP
#include "dg_core.h"
#include "dg_blk.h"

/* The bug: a request already ended is ended again. */
static noinline void dg_blk_request_completed_twice_again(struct request *rq, blk_status_t status)
{
	pr_info("ended request %px, and ends it again\n", rq);
	blk_mq_end_request(rq, status);
	pr_info("ended request %px twice\n", rq);
}

static blk_status_t dg_blk_request_completed_twice_queue_rq(struct blk_mq_hw_ctx *hctx,
							    const struct blk_mq_queue_data *bd)
{
	struct request *rq = bd->rq;
	bool special = dg_blk_take_special(rq);
	blk_status_t status;

	blk_mq_start_request(rq);
	status = dg_blk_transfer(rq);
	blk_mq_end_request(rq, status);
	if (special)
		dg_blk_request_completed_twice_again(rq, status);
	return BLK_STS_OK;
}

static const struct blk_mq_ops dg_blk_ops = {
	.queue_rq = dg_blk_request_completed_twice_queue_rq,
};

static void dg_fire(void)
{
	struct request *rq = dg_blk_submit(true);

	if (rq)
		pr_info("request %px: end_io ran %d times\n", rq, atomic_read(&dg_blk_end_ios));
	else
		pr_err("no request\n");
}

static int dg_setup(void)
{
	return dg_blk_create(&dg_blk_ops, 0);
}

static void dg_teardown(void)
{
	dg_blk_destroy();
}

MODULE_DESCRIPTION("drvguard test driver: ends a blk-mq request twice");
