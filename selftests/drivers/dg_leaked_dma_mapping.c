// SPDX-License-Identifier: GPL-2.0
/*
 * Misbehaving test driver for the core pack's leaked_dma_mapping rule: the
 * trigger maps a buffer for DMA with dma_map_single(), and nothing unmaps
 * it.
 *
 * Real: the mapping is never unmapped.  The device is a platform device the
 * driver registers (32-bit DMA mask); the guest has no IOMMU and its memory
 * is below 4 GiB, so the mapping is direct and leaking it holds no
 * resource.  The exit routine frees the buffer (the leak under test is the
 * mapping, not the memory) and unregisters the device, or with keep_device
 * hands it to dg_keeper.
 */
#include <linux/dma-mapping.h>
#include <linux/platform_device.h>
#include <linux/slab.h>

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

#define DG_BUFFER_SIZE	256

static struct platform_device *dg_pdev;
static void *dg_buffer;
static dma_addr_t dg_dma;

static noinline void dg_leaked_dma_mapping_fire(void)
{
	if (dg_buffer)
		return;
	dg_buffer = kmalloc(DG_BUFFER_SIZE, GFP_KERNEL);
	if (!dg_buffer)
		return;
	/* WRITE_ONCE(): see dg_leaked_memory.c */
	WRITE_ONCE(dg_dma, dma_map_single(&dg_pdev->dev, dg_buffer, DG_BUFFER_SIZE, DMA_TO_DEVICE));
	/* the address the test looks for in the unmap at unload */
	pr_info("%s: mapped dma 0x%llx\n", KBUILD_MODNAME, (u64)dg_dma);
}

static void dg_fire(void)
{
	dg_leaked_dma_mapping_fire();
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
	kfree(dg_buffer);
	if (keep_device)
		dg_keeper_adopt_device(dg_pdev);
	else
		platform_device_unregister(dg_pdev);
}

MODULE_DESCRIPTION("drvguard test driver: leaves a DMA mapping mapped at unload");
