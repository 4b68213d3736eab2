// SPDX-License-Identifier: GPL-2.0
/*
 * Clean test driver for the netdev pack: a virtual NIC that keeps every
 * part of the transmit contract, in all the ways real drivers do.
 *
 *  - NETDEV_TX_OK with the skb freed at once, in rotation by
 *    dev_kfree_skb_any(), dev_consume_skb_any() and consume_skb();
 *  - NETDEV_TX_OK with the skb freed later: it goes on a tx ring whose NAPI
 *    poll frees it with napi_consume_skb(), as a tx completion would;
 *  - NETDEV_TX_BUSY with the skb untouched: every 64th transmit finds the
 *    "ring full", stops the queue, lets NAPI drain the ring and wake the
 *    queue, and the stack sends the same skb again;
 *  - ndo_open and ndo_stop run only from the stack, under rtnl; ndo_stop
 *    stops the queue and drains the ring, and nothing transmits after it.
 *
 * When the device is stopped the driver logs how many transmits took each
 * path, so a test can tell that every path ran.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#define DG_HAS_SETUP
#include "dg_core.h"
#include "dg_net.h"

#define DG_BUSY_EVERY	64

static struct napi_struct dg_napi;
static struct sk_buff_head dg_ring;
static unsigned long dg_xmits, dg_busy, dg_deferred;

static netdev_tx_t dg_net_clean_xmit(struct sk_buff *skb, struct net_device *dev)
{
	unsigned long n = dg_xmits++;

	if (n % DG_BUSY_EVERY == DG_BUSY_EVERY - 1) {
		dg_busy++;
		netif_stop_queue(dev);
		napi_schedule(&dg_napi);
		return NETDEV_TX_BUSY;
	}
	dg_net_count_tx(dev, skb);
	switch (n % 4) {
	case 0:
		dev_kfree_skb_any(skb);
		break;
	case 1:
		dev_consume_skb_any(skb);
		break;
	case 2:
		consume_skb(skb);
		break;
	default:
		dg_deferred++;
		skb_queue_tail(&dg_ring, skb);
		napi_schedule(&dg_napi);
		break;
	}
	return NETDEV_TX_OK;
}

/* The tx completion: free what the ring holds, wake the queue if it was full. */
static int dg_net_clean_poll(struct napi_struct *napi, int budget)
{
	struct sk_buff *skb;
	int done = 0;

	while (done < budget && (skb = skb_dequeue(&dg_ring))) {
		napi_consume_skb(skb, budget);
		done++;
	}
	if (netif_queue_stopped(napi->dev))
		netif_wake_queue(napi->dev);
	if (done < budget)
		napi_complete_done(napi, done);
	return done;
}

static int dg_net_clean_open(struct net_device *dev)
{
	napi_enable(&dg_napi);
	netif_start_queue(dev);
	return 0;
}

static int dg_net_clean_stop(struct net_device *dev)
{
	netif_stop_queue(dev);
	napi_disable(&dg_napi);
	skb_queue_purge(&dg_ring);
	pr_info("stopped after %lu transmits: %lu busy, %lu freed by NAPI\n",
		dg_xmits, dg_busy, dg_deferred);
	return 0;
}

static const struct net_device_ops dg_net_clean_ops = {
	.ndo_open = dg_net_clean_open,
	.ndo_stop = dg_net_clean_stop,
	.ndo_start_xmit = dg_net_clean_xmit,
	.ndo_set_mac_address = eth_mac_addr,
	.ndo_validate_addr = eth_validate_addr,
};

static void dg_fire(void)
{
}

static int dg_setup(void)
{
	int err;

	skb_queue_head_init(&dg_ring);
	err = dg_net_create(&dg_net_clean_ops);
	if (err)
		return err;
	netif_napi_add(dg_net_dev, &dg_napi, dg_net_clean_poll);
	return 0;
}

static void dg_teardown(void)
{
	dg_net_destroy();
}

MODULE_DESCRIPTION("drvguard test driver: a virtual NIC that keeps the transmit contract");
