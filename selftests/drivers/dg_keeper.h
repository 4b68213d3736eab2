/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dg_keeper: the helper module that owns what the unload-leak test drivers
 * leave behind.  A driver that leaks an irq or a net_device on purpose
 * registers it with the keeper's handler, name and operations, which stay
 * valid after the leaking module is gone, and hands it over with
 * dg_keeper_adopt_*(); the keeper releases it when told to through its
 * debugfs trigger, or when it unloads itself.  A DMA test driver may also
 * hand over its platform device instead of unregistering it, so that the
 * device outlives the driver as a bus driver's would.
 */
#ifndef DG_KEEPER_H
#define DG_KEEPER_H

#include <linux/interrupt.h>
#include <linux/netdevice.h>

struct platform_device;

extern const char dg_keeper_irq_name[];
extern int dg_keeper_irq_cookie;
irqreturn_t dg_keeper_irq_handler(int irq, void *dev_id);
void dg_keeper_adopt_irq(int irq);

extern const struct net_device_ops dg_keeper_netdev_ops;
void dg_keeper_adopt_netdev(struct net_device *dev);

void dg_keeper_adopt_device(struct platform_device *pdev);

#endif /* DG_KEEPER_H */
