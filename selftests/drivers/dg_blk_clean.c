// SPDX-License-Identifier: GPL-2.0
/*
 * Clean test driver for the block pack: a blk-mq RAM disk (dg_blk.h) whose
 * queue_rq starts every request and ends it exactly once, by turns in the
 * two ways blk-mq offers: blk_mq_end_request() right away, or
 * blk_mq_complete_request(), after which blk-mq calls the driver's
 * ->complete, which ends it.  The driver logs how many requests took each
 * way at unload, so a test can tell that both ran.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#define DG_HAS_SETUP
#include "dg_core.h"
#include "dg_blk.h"

static atomic_long_t dg_direct, dg_completed;

static blk_status_t dg_blk_clean_queue_rq(struct blk_mq_hw_ctx *hctx,
					  const struct blk_mq_queue_data *bd)
{
	struct request *rq = bd->rq;
	struct dg_blk_cmd *cmd = dg_blk_cmd(rq);

	dg_blk_take_special(rq);
	blk_mq_start_request(rq);
	cmd->status = dg_blk_transfer(rq);
	if (rq->tag & 1) {
		atomic_long_inc(&dg_completed);
		blk_mq_complete_request(rq);
	} else {
		atomic_long_inc(&dg_direct);
		blk_mq_end_request(rq, cmd->status);
	}
	return BLK_STS_OK;
}

static void dg_blk_clean_complete(struct request *rq)
{
	blk_mq_end_request(rq, dg_blk_cmd(rq)->status);
}

static const struct blk_mq_ops dg_blk_ops = {
	.queue_rq = dg_blk_clean_queue_rq,
	.complete = dg_blk_clean_complete,
};

/* A request of the driver's own, ended like any other. */
static void dg_fire(void)
{
	dg_blk_submit(true);
}

static int dg_setup(void)
{
	return dg_blk_create(&dg_blk_ops, 0);
}

static void dg_teardown(void)
{
	dg_blk_destroy();
	pr_info("%ld requests ended directly, %ld through ->complete\n",
		atomic_long_read(&dg_direct), atomic_long_read(&dg_completed));
}

MODULE_DESCRIPTION("drvguard test driver: a blk-mq RAM disk that ends every request once");
