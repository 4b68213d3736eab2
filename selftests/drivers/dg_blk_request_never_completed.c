// SPDX-License-Identifier: GPL-2.0
/*
 * Misbehaving test driver for the block pack's request_never_completed
 * rule: queue_rq starts a request and drops it, never completing it.
 *
 * Real: the trigger sends a request of the driver's own (dg_blk_submit(),
 * without waiting), which queue_rq starts and forgets.  blk-mq's timeout
 * handling finds it in flight a second later and calls the driver's
 * ->timeout (the test's oracle), which answers BLK_EH_DONE: the driver
 * will see to it.  It never does.  A request that never ends would block
 * del_gendisk() at unload for good, so the exit routine gives it back with
 * blk_mq_free_request(), which frees it without completing it; only then
 * can the disk go.  Ordinary requests are started and ended once.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#define DG_HAS_SETUP
#include "dg_core.h"
#include "dg_blk.h"

static struct request *dg_lost;
static atomic_t dg_timeouts = ATOMIC_INIT(0);

/* The bug: started, then forgotten. */
static noinline void dg_blk_request_never_completed_drop(struct request *rq)
{
	blk_mq_start_request(rq);
	WRITE_ONCE(dg_lost, rq);
	pr_info("started request %px and dropped it\n", rq);
}

static blk_status_t dg_blk_request_never_completed_queue_rq(struct blk_mq_hw_ctx *hctx,
							    const struct blk_mq_queue_data *bd)
{
	struct request *rq = bd->rq;

	if (dg_blk_take_special(rq)) {
		dg_blk_request_never_completed_drop(rq);
		return BLK_STS_OK;
	}
	blk_mq_start_request(rq);
	blk_mq_end_request(rq, dg_blk_transfer(rq));
	return BLK_STS_OK;
}

static enum blk_eh_timer_return dg_blk_request_never_completed_timeout(struct request *rq)
{
	atomic_inc(&dg_timeouts);
	pr_info("request %px timed out; left to the driver\n", rq);
	return BLK_EH_DONE;
}

static const struct blk_mq_ops dg_blk_ops = {
	.queue_rq = dg_blk_request_never_completed_queue_rq,
	.timeout = dg_blk_request_never_completed_timeout,
};

static void dg_fire(void)
{
	if (READ_ONCE(dg_lost) || !dg_blk_submit(false))
		pr_err("no request sent\n");
}

static int dg_setup(void)
{
	return dg_blk_create(&dg_blk_ops, HZ);
}

static void dg_teardown(void)
{
	if (dg_lost) {
		pr_info("freeing request %px, never completed, after %d timeout(s)\n", dg_lost,
			atomic_read(&dg_timeouts));
		blk_mq_free_request(dg_lost);
	}
	dg_blk_destroy();
}

MODULE_DESCRIPTION("drvguard test driver: starts a blk-mq request and never completes it");
