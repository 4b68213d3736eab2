// SPDX-License-Identifier: GPL-2.0
/*
 * Misbehaving test driver for the core pack's leaked_irq rule: the trigger
 * requests an interrupt, and nothing ever frees it, not even the module's
 * exit routine.
 *
 * Real: the handler stays registered after the module is gone, and
 * /proc/interrupts still lists it (the test's oracle).  Kept survivable:
 * the line is a shared one that exists in the guest (the test passes the
 * ACPI SCI line as irq=), and the handler, its name and its dev_id belong
 * to dg_keeper, which frees the irq when the test tells it to.
 *
 * Writing 2 to the trigger requests the line once more with a handler of
 * the module's own (a new dev_id each time, up to DG_OWN_IRQS): only a test
 * that reclaims those handlers at unload may unload the module after that.
 */
#include <linux/interrupt.h>

#include "dg_core.h"
#include "dg_keeper.h"

static int irq = -1;
module_param(irq, int, 0444);
MODULE_PARM_DESC(irq, "a shared interrupt line to request");

static noinline void dg_leaked_irq_fire(void)
{
	if (irq < 0)
		return;
	if (request_irq(irq, dg_keeper_irq_handler, IRQF_SHARED, dg_keeper_irq_name,
			&dg_keeper_irq_cookie))
		return;
	dg_keeper_adopt_irq(irq);
}

#define DG_OWN_IRQS	64

static int dg_own_cookies[DG_OWN_IRQS];
static unsigned int dg_nr_own;

static irqreturn_t dg_own_handler(int irq, void *dev_id)
{
	return IRQ_NONE;
}

static noinline void dg_leaked_irq_own(void)
{
	if (irq < 0 || dg_nr_own >= DG_OWN_IRQS)
		return;
	if (!request_irq(irq, dg_own_handler, IRQF_SHARED, "dg_leaked_irq_own",
			 &dg_own_cookies[dg_nr_own]))
		dg_nr_own++;
}

static void dg_fire(void)
{
	if (dg_trigger_arg == 2)
		dg_leaked_irq_own();
	else
		dg_leaked_irq_fire();
}

MODULE_DESCRIPTION("drvguard test driver: leaves an irq requested at unload");
