// SPDX-License-Identifier: GPL-2.0
/*
 * Misbehaving test driver for the netdev pack's xmit_busy_after_free rule:
 * ndo_start_xmit frees the skb it was given, then answers NETDEV_TX_BUSY,
 * which tells the stack the skb is still its own to send again.
 *
 * Staged: really done, the qdisc requeues freed memory and sends it again,
 * a use after free the guest would not survive.  Before the free the driver
 * takes a reference of its own with skb_get(), an inline the monitors cannot
 * see: kfree_skb() then only drops that reference, and the skb the stack
 * requeues is alive.  The monitors see what a real driver with this bug
 * does, a free of the skb and NETDEV_TX_BUSY for it.  The stack sends the
 * skb again right after, and that transmit consumes it properly.
 *
 * The trigger arms the driver; the next test frame (dg_net.h) is the one.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#define DG_HAS_SETUP
#include "dg_core.h"
#include "dg_net.h"

static netdev_tx_t dg_net_xmit_busy_after_free_xmit(struct sk_buff *skb,
						    struct net_device *dev)
{
	if (dg_net_take_armed(skb)) {
		skb_get(skb);
		kfree_skb(skb);
		pr_info("freed skb %px and returned NETDEV_TX_BUSY\n", skb);
		return NETDEV_TX_BUSY;
	}
	dg_net_count_tx(dev, skb);
	consume_skb(skb);
	return NETDEV_TX_OK;
}

static const struct net_device_ops dg_net_ops = {
	.ndo_open = dg_net_open,
	.ndo_stop = dg_net_stop,
	.ndo_start_xmit = dg_net_xmit_busy_after_free_xmit,
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

MODULE_DESCRIPTION("drvguard test driver: frees an skb, then returns NETDEV_TX_BUSY (staged)");
