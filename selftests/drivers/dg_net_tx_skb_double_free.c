// SPDX-License-Identifier: GPL-2.0
/*
 * Misbehaving test driver for the netdev pack's tx_skb_double_free rule:
 * ndo_start_xmit drops a frame on an error path with kfree_skb() and then
 * frees it again on the common path with consume_skb().
 *
 * Staged: a real second free runs skb_release_all() and frees the skb's
 * head and data twice, which corrupts the slab.  Before the first free the
 * driver takes a reference of its own with skb_get(), an inline the
 * monitors cannot see, so the first free only drops that reference and the
 * second one frees the skb, once.  The monitors see what a real driver with
 * this bug does: two frees of one skb, both from ndo_start_xmit.
 *
 * The trigger arms the driver; the next test frame (dg_net.h) is the one.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#define DG_HAS_SETUP
#include "dg_core.h"
#include "dg_net.h"

static netdev_tx_t dg_net_tx_skb_double_free_xmit(struct sk_buff *skb, struct net_device *dev)
{
	bool bad = dg_net_take_armed(skb);

	if (bad) {
		skb_get(skb);
		kfree_skb(skb);
		pr_info("dropped skb %px, and frees it again\n", skb);
	}
	dg_net_count_tx(dev, skb);
	consume_skb(skb);
	return NETDEV_TX_OK;
}

static const struct net_device_ops dg_net_ops = {
	.ndo_open = dg_net_open,
	.ndo_stop = dg_net_stop,
	.ndo_start_xmit = dg_net_tx_skb_double_free_xmit,
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

MODULE_DESCRIPTION("drvguard test driver: frees a transmitted skb twice (staged)");
