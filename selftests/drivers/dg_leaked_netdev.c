// SPDX-License-Identifier: GPL-2.0
/*
 * Misbehaving test driver for the core pack's leaked_netdev rule: the
 * trigger registers a net_device, and nothing unregisters it.
 *
 * Real: "dgleak0" stays registered after the module is gone (the test's
 * oracle is `ip link`).  Kept survivable: its net_device_ops are
 * dg_keeper's, so nothing in it points into the unloaded module, and
 * dg_keeper unregisters and frees it when the test tells it to.
 */
#include <linux/etherdevice.h>
#include <linux/netdevice.h>

#include "dg_core.h"
#include "dg_keeper.h"

static noinline void dg_leaked_netdev_fire(void)
{
	struct net_device *dev = alloc_etherdev(0);

	if (!dev)
		return;
	strscpy(dev->name, "dgleak%d", sizeof(dev->name));
	dev->netdev_ops = &dg_keeper_netdev_ops;
	eth_hw_addr_random(dev);
	if (register_netdev(dev)) {
		free_netdev(dev);
		return;
	}
	dg_keeper_adopt_netdev(dev);
}

static void dg_fire(void)
{
	dg_leaked_netdev_fire();
}

MODULE_DESCRIPTION("drvguard test driver: leaves a net_device registered at unload");
