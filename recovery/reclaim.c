// SPDX-License-Identifier: GPL-2.0
/*
 * reclaim_at_unload: what a driver still owns once its exit routine has
 * returned (memory, irq handlers) is given back with the call its rules
 * declare as releasing it, before the module's text and data go, as devres
 * does for a device.
 *
 * Where: the free_module() programs the leak rules used to run in cannot
 * sleep, and free_irq(), vfree() may; deferring past free_module() would
 * leave a leaked handler pointing at freed text.  So the module watches
 * unloads itself, with a module notifier: on MODULE_STATE_GOING the exit
 * routine has returned, the text is still there and the notifier may
 * sleep.  It calls dg_module_exited(), to which every pack's `leave
 * module_exit` programs are attached; their `each` rules report the leaks
 * and, with recovery enabled, queue each leaked object here through the
 * kfunc dg_recover_reclaim().  When the hook returns, the notifier makes
 * the queued release calls, one by one, in process context.
 *
 * What: the rule compiler names the releasing call from the resource's own
 * transitions (`on call kfree(ptr): ptr kmalloc -> freed`) and says where
 * the object's key and stored values go among its arguments; the table
 * below is every call the module knows how to make safely, with the
 * arguments it expects, every one of them given.  Anything else is refused,
 * and so is an object the kernel does not hold as the monitor says (not
 * slab or vmalloc memory, no handler with that dev_id on that line): the
 * module frees only what it can check.
 *
 * DMA: unmapping and freeing take the device, which the driver's exit
 * routine may have unregistered and freed.  The stored pointer is never
 * dereferenced: the device is searched for among the devices registered on
 * the buses it can sit on, which yields a counted reference, held until the
 * call is made.  Not found: refused, as the device is not known to be alive.
 */
#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/hashtable.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/irqdesc.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/platform_device.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "recovery.h"

#define DG_RELEASE_MAX_ARGS	4

struct dg_release_fn {
	const char *name;
	unsigned int nr_args;			/* it takes, each given by the monitor */
	unsigned int key;			/* which of them is the object */
	unsigned int pass;			/* see reclaim_queued() */
	bool device;				/* arg[0] is a device that must be alive */
	int (*check)(const u64 *arg);		/* may run with preemption off */
	void (*release)(const u64 *arg);	/* runs where it may sleep */
};

static void *ptr_of(u64 arg)
{
	return (void *)(unsigned long)arg;
}

/* Memory kfree() may be handed: a slab object or a large kmalloc()'s pages. */
static int check_kmalloc(const u64 *arg)
{
	void *p = ptr_of(arg[0]);
	struct folio *folio;

	if (ZERO_OR_NULL_PTR(p) || !virt_addr_valid(p))
		return DG_RECOVERY_NOT_LIVE;
	folio = virt_to_folio(p);
	if (!folio_test_slab(folio) && !folio_test_large(folio))
		return DG_RECOVERY_NOT_LIVE;
	return DG_RECOVERY_DONE;
}

/* A vmalloc() area starts on a page, and its first page is mapped. */
static int check_vmalloc(const u64 *arg)
{
	void *p = ptr_of(arg[0]);

	if (!is_vmalloc_addr(p) || !PAGE_ALIGNED(p) || !vmalloc_to_page(p))
		return DG_RECOVERY_NOT_LIVE;
	return DG_RECOVERY_DONE;
}

static int check_kvmalloc(const u64 *arg)
{
	return is_vmalloc_addr(ptr_of(arg[0])) ? check_vmalloc(arg) : check_kmalloc(arg);
}

/*
 * An object of cache arg[0]: slab memory.  With this kernel's hardened free
 * lists kmem_cache_free() frees to the cache the object really belongs to,
 * and a cache with objects left survives kmem_cache_destroy() (which
 * refuses, and warns), so the cache the driver may have destroyed is still
 * there.
 */
static int check_cache(const u64 *arg)
{
	void *p = ptr_of(arg[1]);

	if (!arg[0] || !virt_addr_valid(p) || !folio_test_slab(virt_to_folio(p)))
		return DG_RECOVERY_NOT_LIVE;
	return DG_RECOVERY_DONE;
}

/* A handler with dev_id arg[1] is requested on line arg[0]: free_irq() would warn otherwise. */
static int check_irq(const u64 *arg)
{
	struct irq_data *data = arg[0] >> 32 ? NULL : irq_get_irq_data(arg[0]);
	struct irqaction *action;
	struct irq_desc *desc;
	unsigned long flags;
	int outcome = DG_RECOVERY_NOT_LIVE;

	if (!data || !arg[1])
		return DG_RECOVERY_NOT_LIVE;
	desc = irq_data_to_desc(data);
	raw_spin_lock_irqsave(&desc->lock, flags);
	for (action = desc->action; action; action = action->next)
		if (action->dev_id == ptr_of(arg[1]))
			outcome = DG_RECOVERY_DONE;
	raw_spin_unlock_irqrestore(&desc->lock, flags);
	return outcome;
}

/*
 * dma_unmap_page(dev, addr, size, dir): a mapping, a size, a direction the
 * mapping API accepts.  The device is looked up apart (dg_device_get()).
 */
static int check_dma_mapping(const u64 *arg)
{
	if (arg[1] == DMA_MAPPING_ERROR || !arg[2] || arg[3] > INT_MAX ||
	    !valid_dma_direction((enum dma_data_direction)arg[3]))
		return DG_RECOVERY_NOT_LIVE;
	return DG_RECOVERY_DONE;
}

/*
 * dma_free_coherent(dev, size, cpu_addr, handle): memory the DMA allocators
 * hand out (the direct map, or a vmalloc remap), and a handle that was read
 * (0 is what the monitor stores when it could not read it; no buffer is
 * ever at bus address 0 on this architecture).
 */
static int check_dma_buffer(const u64 *arg)
{
	void *p = ptr_of(arg[2]);

	if (!arg[1] || !arg[3] || arg[3] == DMA_MAPPING_ERROR ||
	    (!virt_addr_valid(p) && !is_vmalloc_addr(p)))
		return DG_RECOVERY_NOT_LIVE;
	return DG_RECOVERY_DONE;
}

static void release_kfree(const u64 *arg)
{
	kfree(ptr_of(arg[0]));
}

static void release_kvfree(const u64 *arg)
{
	kvfree(ptr_of(arg[0]));
}

static void release_vfree(const u64 *arg)
{
	vfree(ptr_of(arg[0]));
}

static void release_cache(const u64 *arg)
{
	kmem_cache_free(ptr_of(arg[0]), ptr_of(arg[1]));
}

static void release_irq(const u64 *arg)
{
	free_irq(arg[0], ptr_of(arg[1]));
}

static void release_dma_mapping(const u64 *arg)
{
	dma_unmap_page(ptr_of(arg[0]), arg[1], arg[2], (enum dma_data_direction)arg[3]);
}

/* dma_free_attrs() warns with irqs off: this runs in the notifier, which may sleep. */
static void release_dma_buffer(const u64 *arg)
{
	dma_free_coherent(ptr_of(arg[0]), arg[1], ptr_of(arg[2]), arg[3]);
}

static const struct dg_release_fn dg_release_fns[] = {
	{ "kfree", 1, 0, 1, false, check_kmalloc, release_kfree },
	{ "kfree_sensitive", 1, 0, 1, false, check_kmalloc, release_kfree },
	{ "kvfree", 1, 0, 1, false, check_kvmalloc, release_kvfree },
	{ "vfree", 1, 0, 1, false, check_vmalloc, release_vfree },
	{ "kmem_cache_free", 2, 1, 1, false, check_cache, release_cache },
	{ "free_irq", 2, 1, 0, false, check_irq, release_irq },
	{ "dma_unmap_page", 4, 1, 1, true, check_dma_mapping, release_dma_mapping },
	{ "dma_free_coherent", 4, 2, 1, true, check_dma_buffer, release_dma_buffer },
};
#define DG_RELEASE_PASSES	2

/*
 * The buses a driver's DMA device sits on.  A device is searched for by its
 * address among each bus's registered devices, never dereferenced: the
 * driver's exit routine may have unregistered it, and it may be freed.
 */
static struct bus_type *const dg_dma_buses[] = {
	&platform_bus_type,
#ifdef CONFIG_PCI
	&pci_bus_type,
#endif
};

static int match_device(struct device *dev, const void *data)
{
	return dev == data;
}

/*
 * The device at @addr with a reference held, if it is registered on one of
 * dg_dma_buses; NULL if not.  A device unregistered and freed whose address
 * a new device took is found as that one (see RULES.md).
 */
static struct device *dg_device_get(u64 addr)
{
	struct device *dev = NULL;

	for (int i = 0; i < ARRAY_SIZE(dg_dma_buses) && !dev && addr; i++)
		dev = bus_find_device(dg_dma_buses[i], NULL, ptr_of(addr), match_device);
	return dev;
}

/* The release calls queued for the module going now, found again by key. */
#define DG_RECLAIM_MAX		8192	/* the monitors' object table's size */
#define DG_RECLAIM_HASH_BITS	10

struct dg_reclaim {
	const struct dg_release_fn *fn;
	u64 arg[DG_RELEASE_MAX_ARGS];
	struct device *dev;		/* fn->device: the reference that keeps it */
	struct hlist_node node;
};

static struct dg_reclaim *queue;
static unsigned int queued;
static DEFINE_HASHTABLE(queued_keys, DG_RECLAIM_HASH_BITS);

/* One unload at a time; the kfunc serves only the task running the hook. */
static DEFINE_MUTEX(reclaim_mutex);
static struct task_struct *reclaim_task;

static const struct dg_release_fn *release_fn(const char *name, u32 len)
{
	for (int i = 0; i < ARRAY_SIZE(dg_release_fns); i++)
		if (strnlen(name, len) < len && !strcmp(dg_release_fns[i].name, name))
			return &dg_release_fns[i];
	return NULL;
}

/*
 * The arguments of @fn from the object @obj (key, values) placed as @args
 * says: each of them exactly once, the key where @fn takes its object.
 */
static int release_args(const struct dg_release_fn *fn, const u64 *obj, u32 args, u64 *arg)
{
	unsigned int given = 0;

	if (DG_RELEASE_ARG(args, 0) != fn->key)
		return -EINVAL;
	for (int i = 0; i < DG_RELEASE_OBJ; i++) {
		unsigned int at = DG_RELEASE_ARG(args, i);

		if (at == DG_RELEASE_NO_ARG)
			continue;
		if (at >= fn->nr_args || given & BIT(at))
			return -EINVAL;
		arg[at] = obj[i];
		given |= BIT(at);
	}
	return given == BIT(fn->nr_args) - 1 ? 0 : -EINVAL;
}

/*
 * kfunc: queue the release of leaked object @obj (its key, then the values
 * its entry stores; @obj__sz bytes) by the call named @api, key and values
 * going to the arguments @args says (DG_RELEASE_ARGS); the outcome.  Called
 * by the `leave module_exit` programs on dg_module_exited(), with
 * preemption off: only checks and queues.  A DMA device found alive is
 * held from here to the call.
 */
int dg_recover_reclaim(const char *api, u32 api__sz, const u64 *obj, u32 obj__sz, u32 args)
{
	const struct dg_release_fn *fn = release_fn(api, api__sz);
	u64 arg[DG_RELEASE_MAX_ARGS] = {};
	struct device *dev = NULL;
	struct dg_reclaim *r;
	int outcome;

	if (READ_ONCE(reclaim_task) != current)
		return DG_RECOVERY_NOT_AT_UNLOAD;
	if (!fn || !fn->release || obj__sz != DG_RELEASE_OBJ * sizeof(u64) ||
	    release_args(fn, obj, args, arg))
		return DG_RECOVERY_CANNOT_RELEASE;
	/* another pack's rule; a bus address is only unique per device */
	hash_for_each_possible(queued_keys, r, node, arg[fn->key])
		if (r->arg[fn->key] == arg[fn->key] && r->fn->release == fn->release &&
		    (!fn->device || r->arg[0] == arg[0]))
			return DG_RECOVERY_DONE_ELSEWHERE;
	outcome = fn->check(arg);
	if (outcome != DG_RECOVERY_DONE)
		return outcome;
	if (queued >= DG_RECLAIM_MAX)
		return DG_RECOVERY_NO_ROOM;
	if (fn->device) {
		dev = dg_device_get(arg[0]);
		if (!dev)
			return DG_RECOVERY_DEVICE_UNKNOWN;
	}
	r = &queue[queued++];
	r->fn = fn;
	memcpy(r->arg, arg, sizeof(arg));
	r->dev = dev;
	hash_add(queued_keys, &r->node, arg[fn->key]);
	return DG_RECOVERY_DONE;
}

/* The hook the pack's `leave module_exit` programs attach to (fentry). */
noinline void dg_module_exited(struct module *mod)
{
	/* keep the call: the programs attached here are the point */
	asm volatile("" : : "r"(mod) : "memory");
}

/*
 * Whether queued call @r still applies, now that nothing runs on top of it:
 * its check, and its device still registered (the reference kept it from
 * being freed, not from being unregistered).
 */
static bool still_applies(const struct dg_reclaim *r)
{
	struct device *dev;

	if (r->fn->check(r->arg) != DG_RECOVERY_DONE)
		return false;
	if (!r->fn->device)
		return true;
	dev = dg_device_get(r->arg[0]);
	put_device(dev);
	return dev == r->dev;
}

/*
 * Make the queued calls, each checked again.  Handlers go first, memory
 * and DMA after: a leaked handler may still run, on a shared line, and use
 * leaked memory (its dev_id, often), so that memory is freed only once
 * free_irq() has waited for the handler.  A device is let go after its
 * call, or when the call no longer applies.
 */
static void reclaim_queued(struct module *mod)
{
	unsigned int done = 0;

	for (unsigned int i = 0; i < queued * DG_RELEASE_PASSES; i++) {
		struct dg_reclaim *r = &queue[i % queued];

		if (r->fn->pass != i / queued)
			continue;
		if (still_applies(r)) {
			r->fn->release(r->arg);
			done++;
		} else {
			pr_warn("drvguard_recover: %s: %s(%#llx) no longer applies, skipped\n",
				mod->name, r->fn->name, r->arg[r->fn->key]);
		}
		put_device(r->dev);
		r->dev = NULL;
		cond_resched();
	}
	if (queued)
		pr_info("drvguard_recover: %s: reclaimed %u of %u leaked objects at unload\n",
			mod->name, done, queued);
	queued = 0;
	hash_init(queued_keys);
}

static int dg_module_notify(struct notifier_block *nb, unsigned long state, void *data)
{
	struct module *mod = data;

	if (state != MODULE_STATE_GOING || mod == THIS_MODULE)
		return NOTIFY_DONE;
	mutex_lock(&reclaim_mutex);
	WRITE_ONCE(reclaim_task, current);
	dg_module_exited(mod);
	WRITE_ONCE(reclaim_task, NULL);
	reclaim_queued(mod);
	mutex_unlock(&reclaim_mutex);
	return NOTIFY_DONE;
}

static struct notifier_block dg_module_nb = {
	.notifier_call = dg_module_notify,
};

int dg_reclaim_init(void)
{
	int err;

	queue = kvcalloc(DG_RECLAIM_MAX, sizeof(*queue), GFP_KERNEL);
	if (!queue)
		return -ENOMEM;
	err = register_module_notifier(&dg_module_nb);
	if (err)
		kvfree(queue);
	return err;
}

void dg_reclaim_exit(void)
{
	unregister_module_notifier(&dg_module_nb);
	kvfree(queue);
}
