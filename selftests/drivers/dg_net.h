/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the netdev pack's test drivers share: one virtual Ethernet device,
 * "dgnet%d", that belongs to the driver including this file and sends
 * nothing anywhere.  Each driver brings its own net_device_ops; the device
 * is registered in dg_setup() and unregistered in dg_teardown() (dg_core.h).
 *
 * Tests decide which transmit misbehaves: the trigger arms the driver, and
 * the next frame of the local experimental ethertype (0x88b5) that reaches
 * ndo_start_xmit afterwards is the one.  The stack's own frames (IPv6
 * neighbour discovery, MLD) pass through cleanly whenever they come.
 */
#ifndef DG_NET_H
#define DG_NET_H

#include <linux/atomic.h>
#include <linux/etherdevice.h>
#include <linux/if_ether.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>

#define DG_NET_NAME		"dgnet%d"
/* IEEE 802 local experimental ethertype 1: no protocol handler claims it */
#define DG_ETH_P_LOCAL		0x88b5

static struct net_device *dg_net_dev;
static atomic_t dg_net_armed = ATOMIC_INIT(0);

/* Whether @skb is a test frame: an Ethernet header with the local ethertype. */
static inline bool dg_net_test_frame(const struct sk_buff *skb)
{
	const struct ethhdr *eth = (const struct ethhdr *)skb->data;

	return skb_headlen(skb) >= ETH_HLEN && eth->h_proto == htons(DG_ETH_P_LOCAL);
}

/* The trigger armed the driver and @skb is a test frame: misbehave on this one, once. */
static inline bool dg_net_take_armed(const struct sk_buff *skb)
{
	return dg_net_test_frame(skb) && atomic_cmpxchg(&dg_net_armed, 1, 0) == 1;
}

static inline void dg_net_arm(void)
{
	atomic_set(&dg_net_armed, 1);
}

/* What a transmit that went well counts. */
static inline void dg_net_count_tx(struct net_device *dev, const struct sk_buff *skb)
{
	dev->stats.tx_packets++;
	dev->stats.tx_bytes += skb->len;
}

/* ndo_open and ndo_stop for drivers whose bug is elsewhere. */
static int __maybe_unused dg_net_open(struct net_device *dev)
{
	netif_start_queue(dev);
	return 0;
}

static int __maybe_unused dg_net_stop(struct net_device *dev)
{
	netif_stop_queue(dev);
	return 0;
}

/* Register "dgnet%d" with @ops and a random address; 0 or -errno. */
static int dg_net_create(const struct net_device_ops *ops)
{
	struct net_device *dev = alloc_etherdev(0);
	int err;

	if (!dev)
		return -ENOMEM;
	strscpy(dev->name, DG_NET_NAME, sizeof(dev->name));
	dev->netdev_ops = ops;
	eth_hw_addr_random(dev);
	err = register_netdev(dev);
	if (err) {
		free_netdev(dev);
		return err;
	}
	dg_net_dev = dev;
	return 0;
}

static void dg_net_destroy(void)
{
	if (!dg_net_dev)
		return;
	unregister_netdev(dg_net_dev);
	free_netdev(dg_net_dev);
	dg_net_dev = NULL;
}

#endif /* DG_NET_H */
