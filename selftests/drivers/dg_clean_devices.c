// SPDX-License-Identifier: GPL-2.0
/*
 * Clean test driver for the core pack's device resource rules: resources
 * given back correctly, some of them by the kernel on the driver's behalf.
 * Writing N to the trigger runs case N, 0 runs them all:
 *
 *  1  devm_kzalloc() in probe, released by the driver core at unbind: the
 *     trigger unbinds the driver from its platform device and binds it again
 *     (probe also gives one buffer back early with devm_kfree())
 *  2  streaming DMA: dma_map_single() and dma_unmap_single()
 *  3  coherent DMA: dma_alloc_coherent() and dma_free_coherent()
 *  4  request_irq() and free_irq() on a shared line (module parameter irq=,
 *     the test passes the ACPI SCI line; skipped without it)
 *  5  skbs the driver allocates and the network stack frees: one handed to
 *     netif_rx() on the loopback device, one sent with dev_queue_xmit()
 *     through it
 */
#include <linux/dma-mapping.h>
#include <linux/etherdevice.h>
#include <linux/if_ether.h>
#include <linux/interrupt.h>
#include <linux/netdevice.h>
#include <linux/platform_device.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <net/net_namespace.h>

#define DG_HAS_SETUP
#include "dg_core.h"

#define DG_NR_CASES	5
#define DG_BUFFER_SIZE	512
/* IEEE 802 local experimental ethertype: the stack has no handler and drops it */
#define DG_ETH_P_LOCAL	0x88b5

static int irq = -1;
module_param(irq, int, 0444);
MODULE_PARM_DESC(irq, "a shared interrupt line to request and free (case 4)");

static struct platform_device *dg_pdev;
static int dg_irq_cookie;
static unsigned long dg_probed;

static int dg_clean_probe(struct platform_device *pdev)
{
	void *keep = devm_kzalloc(&pdev->dev, 128, GFP_KERNEL);
	void *early = devm_kzalloc(&pdev->dev, 64, GFP_KERNEL);

	if (!keep || !early)
		return -ENOMEM;
	devm_kfree(&pdev->dev, early);
	dg_probed++;
	return 0;
}

static int dg_clean_remove(struct platform_device *pdev)
{
	return 0;
}

static struct platform_driver dg_platform_driver = {
	.probe = dg_clean_probe,
	.remove = dg_clean_remove,
	.driver = { .name = KBUILD_MODNAME },
};

/* 1 */
static noinline void dg_clean_devm(void)
{
	device_release_driver(&dg_pdev->dev);
	if (device_attach(&dg_pdev->dev) != 1)
		pr_err("unexpected: the platform driver did not bind again\n");
}

/* 2 */
static noinline void dg_clean_dma_map(void)
{
	void *buf = kmalloc(DG_BUFFER_SIZE, GFP_KERNEL);
	dma_addr_t dma;

	if (!buf)
		return;
	dma = dma_map_single(&dg_pdev->dev, buf, DG_BUFFER_SIZE, DMA_TO_DEVICE);
	if (!dma_mapping_error(&dg_pdev->dev, dma))
		dma_unmap_single(&dg_pdev->dev, dma, DG_BUFFER_SIZE, DMA_TO_DEVICE);
	kfree(buf);
}

/* 3 */
static noinline void dg_clean_dma_coherent(void)
{
	dma_addr_t dma;
	void *cpu = dma_alloc_coherent(&dg_pdev->dev, PAGE_SIZE, &dma, GFP_KERNEL);

	if (cpu)
		dma_free_coherent(&dg_pdev->dev, PAGE_SIZE, cpu, dma);
}

static irqreturn_t dg_clean_irq_handler(int line, void *dev_id)
{
	return IRQ_NONE;
}

/* 4 */
static noinline void dg_clean_irq(void)
{
	if (irq < 0)
		return;
	if (!request_irq(irq, dg_clean_irq_handler, IRQF_SHARED, KBUILD_MODNAME, &dg_irq_cookie))
		free_irq(irq, &dg_irq_cookie);
}

/* An Ethernet frame of an ethertype nobody handles, for @dev. */
static struct sk_buff *dg_frame_for(struct net_device *dev)
{
	struct sk_buff *skb = alloc_skb(ETH_HLEN + 64 + NET_IP_ALIGN, GFP_KERNEL);
	struct ethhdr *eth;

	if (!skb)
		return NULL;
	skb_reserve(skb, NET_IP_ALIGN);
	eth = skb_put_zero(skb, ETH_HLEN + 64);
	eth->h_proto = htons(DG_ETH_P_LOCAL);
	skb->dev = dev;
	return skb;
}

/* 5 */
static noinline void dg_clean_skb_handoff(void)
{
	struct net_device *lo = dev_get_by_name(&init_net, "lo");
	struct sk_buff *skb;

	if (!lo)
		return;
	skb = dg_frame_for(lo);
	if (skb) {
		skb->protocol = eth_type_trans(skb, lo);
		netif_rx(skb);
	}
	skb = dg_frame_for(lo);
	if (skb) {
		skb_reset_network_header(skb);
		skb->protocol = htons(DG_ETH_P_LOCAL);
		dev_queue_xmit(skb);
	}
	dev_put(lo);
}

/* Each case by a direct call, as a driver calls its own functions. */
static void dg_run_case(unsigned int i)
{
	switch (i) {
	case 1:
		dg_clean_devm();
		break;
	case 2:
		dg_clean_dma_map();
		break;
	case 3:
		dg_clean_dma_coherent();
		break;
	case 4:
		dg_clean_irq();
		break;
	case 5:
		dg_clean_skb_handoff();
		break;
	}
}

static void dg_fire(void)
{
	for (unsigned int i = 1; i <= DG_NR_CASES; i++)
		if (!dg_trigger_arg || dg_trigger_arg == i)
			dg_run_case(i);
}

static int dg_setup(void)
{
	int err = platform_driver_register(&dg_platform_driver);

	if (err)
		return err;
	dg_pdev = platform_device_register_simple(KBUILD_MODNAME, PLATFORM_DEVID_NONE, NULL, 0);
	if (IS_ERR(dg_pdev)) {
		platform_driver_unregister(&dg_platform_driver);
		return PTR_ERR(dg_pdev);
	}
	err = dma_set_mask_and_coherent(&dg_pdev->dev, DMA_BIT_MASK(32));
	if (err) {
		platform_device_unregister(dg_pdev);
		platform_driver_unregister(&dg_platform_driver);
	}
	return err;
}

static void dg_teardown(void)
{
	platform_device_unregister(dg_pdev);
	platform_driver_unregister(&dg_platform_driver);
}

MODULE_DESCRIPTION("drvguard clean test driver: device resources given back, some by the kernel");
