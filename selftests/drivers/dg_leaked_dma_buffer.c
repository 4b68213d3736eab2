// SPDX-License-Identifier: GPL-2.0
/*
 * Misbehaving test driver for the core pack's leaked_dma_buffer rule: the
 * trigger allocates a coherent DMA buffer, and nothing frees it.
 *
 * Real: one page of coherent memory stays allocated after the module is
 * gone, a leak and no more (the guest has no IOMMU).  The device is a
 * platform device the driver registers with a 32-bit DMA mask and
 * unregisters at exit, or with keep_device hands to dg_keeper.
 */
#include <linux/dma-mapping.h>
#include <linux/platform_device.h>

#define DG_HAS_SETUP
#include "dg_core.h"
#include "dg_keeper.h"

/*
 * keep_device: the exit routine hands the device to dg_keeper instead of
 * unregistering it, so that it is still registered when reclaim_at_unload
 * gives the leak back (test_recovery_reclaim_at_unload.sh).
 */
static bool keep_device;
module_param(keep_device, bool, 0444);
MODULE_PARM_DESC(keep_device, "leave the platform device registered, with dg_keeper, at exit");

#define DG_BUFFER_SIZE	PAGE_SIZE

static struct platform_device *dg_pdev;
static void *dg_cpu_addr;
static dma_addr_t dg_dma;

static noinline void dg_leaked_dma_buffer_fire(void)
{
	if (dg_cpu_addr)
		return;
	dg_cpu_addr = dma_alloc_coherent(&dg_pdev->dev, DG_BUFFER_SIZE, &dg_dma, GFP_KERNEL);
	/* the handle the test looks for in the free at unload */
	if (dg_cpu_addr)
		pr_info("%s: allocated dma 0x%llx\n", KBUILD_MODNAME, (u64)dg_dma);
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
	if (keep_device)
		dg_keeper_adopt_device(dg_pdev);
	else
		platform_device_unregister(dg_pdev);
}

MODULE_DESCRIPTION("drvguard test driver: leaves a coherent DMA buffer allocated at unload");
