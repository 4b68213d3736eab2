// SPDX-License-Identifier: GPL-2.0
/*
 * Misbehaving test driver for the netdev pack's tx_skb_leaked rule:
 * ndo_start_xmit answers NETDEV_TX_OK for one frame, which makes the skb
 * the driver's to free, and never frees it.
 *
 * Real: the skb stays allocated for good, and the socket that sent it keeps
 * counting its bytes as in flight (the test's oracle, SIOCOUTQ).  A leaked
 * skb is harmless to the guest: nothing refers to it any more.
 *
 * The trigger arms the driver; the next test frame (dg_net.h) is the one.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#define DG_HAS_SETUP
#include "dg_core.h"
#include "dg_net.h"

static netdev_tx_t dg_net_tx_skb_leaked_xmit(struct sk_buff *skb, struct net_device *dev)
{
	dg_net_count_tx(dev, skb);
	if (dg_net_take_armed(skb)) {
		pr_info("accepted skb %px and forgot it\n", skb);
		return NETDEV_TX_OK;
	}
	consume_skb(skb);
	return NETDEV_TX_OK;
}

static const struct net_device_ops dg_net_ops = {
	.ndo_open = dg_net_open,
	.ndo_stop = dg_net_stop,
	.ndo_start_xmit = dg_net_tx_skb_leaked_xmit,
};

static void dg_fire(void)
{
	dg_net_arm();
}

static int dg_setup(void)
{
	return dg_net_create(&dg_net_ops);
}

static void dg_teardown(void)
{
	dg_net_destroy();
}

MODULE_DESCRIPTION("drvguard test driver: accepts a transmitted skb and never frees it");
