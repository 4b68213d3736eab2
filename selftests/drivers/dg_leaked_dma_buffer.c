// SPDX-License-Identifier: GPL-2.0
/*
 * Misbehaving test driver for the core pack's leaked_dma_buffer rule: the
 * trigger allocates a coherent DMA buffer, and nothing frees it.
 *
 * Real: one page of coherent memory stays allocated after the module is
 * gone, a leak and no more (the guest has no IOMMU).  The device is a
 * platform device the driver registers with a 32-bit DMA mask and
 * unregisters at exit.
 */
#include <linux/dma-mapping.h>
#include <linux/platform_device.h>

#define DG_HAS_SETUP
#include "dg_core.h"

#define DG_BUFFER_SIZE	PAGE_SIZE

static struct platform_device *dg_pdev;
static void *dg_cpu_addr;
static dma_addr_t dg_dma;

static noinline void dg_leaked_dma_buffer_fire(void)
{
	if (!dg_cpu_addr)
		dg_cpu_addr = dma_alloc_coherent(&dg_pdev->dev, DG_BUFFER_SIZE, &dg_dma,
						 GFP_KERNEL);
}

static void dg_fire(void)
{
	dg_leaked_dma_buffer_fire();
}

static int dg_setup(void)
{
	dg_pdev = platform_device_register_simple(KBUILD_MODNAME, PLATFORM_DEVID_NONE, NULL, 0);
	if (IS_ERR(dg_pdev))
		return PTR_ERR(dg_pdev);
	return dma_set_mask_and_coherent(&dg_pdev->dev, DMA_BIT_MASK(32));
}

static void dg_teardown(void)
{
	platform_device_unregister(dg_pdev);
}

MODULE_DESCRIPTION("drvguard test driver: leaves a coherent DMA buffer allocated at unload");
