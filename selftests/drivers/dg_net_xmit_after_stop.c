// SPDX-License-Identifier: GPL-2.0
/*
 * Misbehaving test driver for the netdev pack's xmit_after_stop rule: once
 * the stack has stopped the device (ndo_stop returned), the driver sends a
 * frame of its own on it, and the stack hands that frame to its
 * ndo_start_xmit.
 *
 * Real, and contrived only as far as 6.1 forces it.  The stack alone never
 * transmits on a stopped device: __dev_close_many() swaps every tx queue's
 * qdisc for noop_qdisc before ndo_stop and clears IFF_UP after it; a qdisc-
 * less device transmits only while IFF_UP; packet sockets refuse a device
 * that is down, and their qdisc bypass checks netif_running().  So the
 * driver does the two things that make it possible: its ndo_stop leaves the
 * queue running, and the trigger puts the qdisc back with dev_activate()
 * (an exported API) and queues a frame with dev_queue_xmit().  The stack
 * then really dispatches ndo_start_xmit on the stopped device, through the
 * net_dev_start_xmit tracepoint the monitors watch, and the device's tx
 * counter grows while it is down (the test's oracle).  The trigger then
 * deactivates the qdisc again, as the stack left it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/rtnetlink.h>
#include <net/pkt_sched.h>

#define DG_HAS_SETUP
#include "dg_core.h"
#include "dg_net.h"

static int dg_net_xmit_after_stop_open(struct net_device *dev)
{
	netif_start_queue(dev);
	return 0;
}

/* Part of the bug: the queue is left running. */
static int dg_net_xmit_after_stop_stop(struct net_device *dev)
{
	return 0;
}

static netdev_tx_t dg_net_xmit_after_stop_xmit(struct sk_buff *skb, struct net_device *dev)
{
	if (!(dev->flags & IFF_UP))
		pr_info("transmitting skb %px on %s, which is down\n", skb, dev->name);
	dg_net_count_tx(dev, skb);
	consume_skb(skb);
	return NETDEV_TX_OK;
}

static const struct net_device_ops dg_net_ops = {
	.ndo_open = dg_net_xmit_after_stop_open,
	.ndo_stop = dg_net_xmit_after_stop_stop,
	.ndo_start_xmit = dg_net_xmit_after_stop_xmit,
};

/* A broadcast test frame from @dev. */
static struct sk_buff *dg_net_frame(struct net_device *dev)
{
	struct sk_buff *skb = netdev_alloc_skb(dev, ETH_ZLEN);
	struct ethhdr *eth;

	if (!skb)
		return NULL;
	eth = skb_put_zero(skb, ETH_ZLEN);
	eth_broadcast_addr(eth->h_dest);
	ether_addr_copy(eth->h_source, dev->dev_addr);
	eth->h_proto = htons(DG_ETH_P_LOCAL);
	skb_reset_mac_header(skb);
	skb->protocol = eth->h_proto;
	return skb;
}

static void dg_fire(void)
{
	struct net_device *dev = dg_net_dev;
	struct sk_buff *skb;
	int rc;

	rtnl_lock();
	if (dev->flags & IFF_UP) {
		rtnl_unlock();
		pr_err("%s is up: stop it first\n", dev->name);
		return;
	}
	dev_activate(dev);
	rtnl_unlock();

	skb = dg_net_frame(dev);
	rc = skb ? dev_queue_xmit(skb) : -ENOMEM;
	pr_info("queued a frame on stopped %s: %d\n", dev->name, rc);

	rtnl_lock();
	if (!(dev->flags & IFF_UP))
		dev_deactivate(dev);
	rtnl_unlock();
}

static int dg_setup(void)
{
	return dg_net_create(&dg_net_ops);
}

static void dg_teardown(void)
{
	dg_net_destroy();
}

MODULE_DESCRIPTION("drvguard test driver: transmits on its device after ndo_stop");
