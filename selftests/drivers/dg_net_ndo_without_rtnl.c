// SPDX-License-Identifier: GPL-2.0
/*
 * Misbehaving test driver for the netdev pack's ndo_without_rtnl rule: a
 * work item of the driver's brings its own device up with dev_open(), or
 * down with dev_close(), without taking the rtnl lock first (writing 1 to
 * the trigger opens the device, 2 closes it).
 *
 * Real: the kernel's own ASSERT_RTNL() in __dev_open() and
 * __dev_close_many() warns "RTNL: assertion failed" (the test's oracle;
 * once per boot and call site).  Nothing else holds rtnl in the test
 * guest, so the race the assertion guards against does not happen: the
 * device goes up or down as asked.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/workqueue.h>

#define DG_HAS_SETUP
#include "dg_core.h"
#include "dg_net.h"

static struct work_struct dg_work;
static bool dg_up;

static int dg_net_ndo_without_rtnl_open(struct net_device *dev)
{
	netif_start_queue(dev);
	return 0;
}

static int dg_net_ndo_without_rtnl_stop(struct net_device *dev)
{
	netif_stop_queue(dev);
	return 0;
}

static netdev_tx_t dg_net_ndo_without_rtnl_xmit(struct sk_buff *skb, struct net_device *dev)
{
	dg_net_count_tx(dev, skb);
	consume_skb(skb);
	return NETDEV_TX_OK;
}

static const struct net_device_ops dg_net_ops = {
	.ndo_open = dg_net_ndo_without_rtnl_open,
	.ndo_stop = dg_net_ndo_without_rtnl_stop,
	.ndo_start_xmit = dg_net_ndo_without_rtnl_xmit,
};

/* The bug: dev_open() and dev_close() want the caller to hold rtnl. */
static void dg_net_ndo_without_rtnl_work(struct work_struct *work)
{
	int err = 0;

	if (dg_up)
		err = dev_open(dg_net_dev, NULL);
	else
		dev_close(dg_net_dev);
	pr_info("%s %s without rtnl: %d\n", dg_up ? "opened" : "closed", dg_net_dev->name, err);
}

static void dg_fire(void)
{
	if (dg_trigger_arg != 1 && dg_trigger_arg != 2)
		return;
	dg_up = dg_trigger_arg == 1;
	queue_work(system_wq, &dg_work);
	flush_work(&dg_work);
}

static int dg_setup(void)
{
	INIT_WORK(&dg_work, dg_net_ndo_without_rtnl_work);
	return dg_net_create(&dg_net_ops);
}

static void dg_teardown(void)
{
	cancel_work_sync(&dg_work);
	dg_net_destroy();
}

MODULE_DESCRIPTION("drvguard test driver: opens and closes its net_device without rtnl");
