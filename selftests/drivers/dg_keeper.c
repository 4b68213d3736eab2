// SPDX-License-Identifier: GPL-2.0
/*
 * Helper module for the unload-leak tests (see dg_keeper.h).  A handler or
 * net_device_ops left registered in the text of an unloaded module crashes
 * the kernel at their next use; registered with the keeper's instead, the
 * leak is just as real for the monitor and the kernel, and harmless until
 * the keeper releases it.  The keeper itself is never monitored.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/etherdevice.h>
#include <linux/mutex.h>
#include <linux/platform_device.h>
#include <linux/rtnetlink.h>

#define DG_HAS_SETUP
#include "dg_core.h"
#include "dg_keeper.h"

const char dg_keeper_irq_name[] = "dg_leaked_irq";
EXPORT_SYMBOL_GPL(dg_keeper_irq_name);
int dg_keeper_irq_cookie;
EXPORT_SYMBOL_GPL(dg_keeper_irq_cookie);

static DEFINE_MUTEX(dg_keeper_lock);
static int dg_keeper_irq = -1;
static struct net_device *dg_keeper_netdev;
static struct platform_device *dg_keeper_pdevs[4];

/* Shared lines only: the line's other handlers own its interrupts. */
irqreturn_t dg_keeper_irq_handler(int irq, void *dev_id)
{
	return IRQ_NONE;
}
EXPORT_SYMBOL_GPL(dg_keeper_irq_handler);

void dg_keeper_adopt_irq(int irq)
{
	mutex_lock(&dg_keeper_lock);
	dg_keeper_irq = irq;
	mutex_unlock(&dg_keeper_lock);
}
EXPORT_SYMBOL_GPL(dg_keeper_adopt_irq);

static netdev_tx_t dg_keeper_xmit(struct sk_buff *skb, struct net_device *dev)
{
	dev_kfree_skb_any(skb);
	return NETDEV_TX_OK;
}

const struct net_device_ops dg_keeper_netdev_ops = {
	.ndo_start_xmit = dg_keeper_xmit,
};
EXPORT_SYMBOL_GPL(dg_keeper_netdev_ops);

void dg_keeper_adopt_netdev(struct net_device *dev)
{
	mutex_lock(&dg_keeper_lock);
	dg_keeper_netdev = dev;
	mutex_unlock(&dg_keeper_lock);
}
EXPORT_SYMBOL_GPL(dg_keeper_adopt_netdev);

/* One at a time per driver: a second device of the same name would not register. */
void dg_keeper_adopt_device(struct platform_device *pdev)
{
	mutex_lock(&dg_keeper_lock);
	for (int i = 0; i < ARRAY_SIZE(dg_keeper_pdevs); i++) {
		if (!dg_keeper_pdevs[i]) {
			dg_keeper_pdevs[i] = pdev;
			pdev = NULL;
			break;
		}
	}
	mutex_unlock(&dg_keeper_lock);
	if (pdev) {
		pr_warn("no room for %s: unregistering it\n", dev_name(&pdev->dev));
		platform_device_unregister(pdev);
	}
}
EXPORT_SYMBOL_GPL(dg_keeper_adopt_device);

/* Release what was adopted: the irq, then the net_device, then the devices. */
static void dg_keeper_release(void)
{
	mutex_lock(&dg_keeper_lock);
	if (dg_keeper_irq >= 0) {
		free_irq(dg_keeper_irq, &dg_keeper_irq_cookie);
		pr_info("freed irq %d\n", dg_keeper_irq);
		dg_keeper_irq = -1;
	}
	if (dg_keeper_netdev) {
		pr_info("unregistering %s\n", dg_keeper_netdev->name);
		unregister_netdev(dg_keeper_netdev);
		free_netdev(dg_keeper_netdev);
		dg_keeper_netdev = NULL;
	}
	for (int i = 0; i < ARRAY_SIZE(dg_keeper_pdevs); i++) {
		if (!dg_keeper_pdevs[i])
			continue;
		pr_info("unregistering %s\n", dev_name(&dg_keeper_pdevs[i]->dev));
		platform_device_unregister(dg_keeper_pdevs[i]);
		dg_keeper_pdevs[i] = NULL;
	}
	mutex_unlock(&dg_keeper_lock);
}

static void dg_fire(void)
{
	dg_keeper_release();
}

static int dg_setup(void)
{
	return 0;
}

static void dg_teardown(void)
{
	dg_keeper_release();
}

MODULE_DESCRIPTION("drvguard test helper: releases what the leak test drivers leave behind");
