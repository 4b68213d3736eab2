// SPDX-License-Identifier: GPL-2.0
/*
 * Probe catalog for Debian 12's 6.1 kernel (x86_64).  spin_lock() and
 * friends are static inlines over the out-of-line _raw_* functions there
 * (CONFIG_INLINE_SPIN_* unset, CONFIG_UNINLINE_SPIN_UNLOCK set), kmalloc()
 * and kzalloc() are inlines over __kmalloc/kmalloc_trace and their _node
 * forms, and dma_map_single() is an inline over dma_map_page_attrs.
 *
 * Adding a kernel version: when a version implements an API under another
 * symbol, or moves a parameter, add that symbol to the API's `symbols` list
 * with its own parameter positions.  The loader attaches every listed symbol
 * the running kernel has, and refuses a pack that needs an API none of whose
 * symbols exist there, naming the API.
 */
#include <errno.h>
#include <string.h>

#include "catalog.h"
#include "recovery_abi.h"

#define P(...)		{ __VA_ARGS__ }
#define T(...)		{ __VA_ARGS__ }
#define SYM(name, ...)	{ name, { __VA_ARGS__ } }
/* A symbol whose arguments are the logical parameters in order. */
#define SAME(name)	SYM(name, 0, 1, 2, 3, 4, 5)

#define I	DG_T_INT
#define PTR	DG_T_PTR
#define FL	DG_T_FLAGS

#define LOCK(api, sym, ret)	{ api, P("lock"), T(PTR), ret, 0, { SAME(sym) } }
#define UNLOCK_FLAGS(api, sym)	{ api, P("lock", "flags"), T(PTR, FL), DG_T_VOID, 0, { SAME(sym) } }
#define SLEEPER(api, sym, params, types, ret) \
	{ api, params, types, ret, 1, { SAME(sym) } }
/* A blocking API that may fail instead of sleeping (fail_call), with @fail. */
#define SLEEPER_FAILS(api, sym, params, types, ret, fail) \
	{ api, params, types, ret, 1, { SAME(sym) }, fail }
#define FAILS(value)	.can_fail = 1, .fails_with = (value)
#define FAILS_PARAM(p)	.can_fail = 1, .fail_param = (p)
/* include/linux/errno.h: what an interrupted wait returns when a signal is pending */
#define DG_ERESTARTSYS	512

const struct dg_api dg_apis[] = {
	/* spinlocks */
	LOCK("spin_lock",		"_raw_spin_lock",		DG_T_VOID),
	LOCK("spin_lock_bh",		"_raw_spin_lock_bh",		DG_T_VOID),
	LOCK("spin_lock_irq",		"_raw_spin_lock_irq",		DG_T_VOID),
	LOCK("spin_lock_irqsave",	"_raw_spin_lock_irqsave",	FL),
	LOCK("spin_trylock",		"_raw_spin_trylock",		I),
	LOCK("spin_trylock_bh",		"_raw_spin_trylock_bh",		I),
	LOCK("spin_unlock",		"_raw_spin_unlock",		DG_T_VOID),
	LOCK("spin_unlock_bh",		"_raw_spin_unlock_bh",		DG_T_VOID),
	LOCK("spin_unlock_irq",		"_raw_spin_unlock_irq",		DG_T_VOID),
	UNLOCK_FLAGS("spin_unlock_irqrestore", "_raw_spin_unlock_irqrestore"),
	/* rwlocks */
	LOCK("read_lock",		"_raw_read_lock",		DG_T_VOID),
	LOCK("read_lock_bh",		"_raw_read_lock_bh",		DG_T_VOID),
	LOCK("read_lock_irq",		"_raw_read_lock_irq",		DG_T_VOID),
	LOCK("read_lock_irqsave",	"_raw_read_lock_irqsave",	FL),
	LOCK("read_trylock",		"_raw_read_trylock",		I),
	LOCK("read_unlock",		"_raw_read_unlock",		DG_T_VOID),
	LOCK("read_unlock_bh",		"_raw_read_unlock_bh",		DG_T_VOID),
	LOCK("read_unlock_irq",		"_raw_read_unlock_irq",		DG_T_VOID),
	UNLOCK_FLAGS("read_unlock_irqrestore", "_raw_read_unlock_irqrestore"),
	LOCK("write_lock",		"_raw_write_lock",		DG_T_VOID),
	LOCK("write_lock_bh",		"_raw_write_lock_bh",		DG_T_VOID),
	LOCK("write_lock_irq",		"_raw_write_lock_irq",		DG_T_VOID),
	LOCK("write_lock_irqsave",	"_raw_write_lock_irqsave",	FL),
	LOCK("write_trylock",		"_raw_write_trylock",		I),
	LOCK("write_unlock",		"_raw_write_unlock",		DG_T_VOID),
	LOCK("write_unlock_bh",		"_raw_write_unlock_bh",		DG_T_VOID),
	LOCK("write_unlock_irq",	"_raw_write_unlock_irq",	DG_T_VOID),
	UNLOCK_FLAGS("write_unlock_irqrestore", "_raw_write_unlock_irqrestore"),
	/* sleeping locks */
	SLEEPER("mutex_lock",		"mutex_lock",		P("lock"), T(PTR), DG_T_VOID),
	SLEEPER_FAILS("mutex_lock_interruptible", "mutex_lock_interruptible", P("lock"), T(PTR), I,
		      FAILS(-EINTR)),
	SLEEPER_FAILS("mutex_lock_killable", "mutex_lock_killable", P("lock"), T(PTR), I,
		      FAILS(-EINTR)),
	LOCK("mutex_trylock",		"mutex_trylock",		I),
	LOCK("mutex_unlock",		"mutex_unlock",			DG_T_VOID),
	SLEEPER("down",			"down",			P("sem"), T(PTR), DG_T_VOID),
	SLEEPER_FAILS("down_interruptible", "down_interruptible", P("sem"), T(PTR), I,
		      FAILS(-EINTR)),
	SLEEPER_FAILS("down_killable",	"down_killable",	P("sem"), T(PTR), I, FAILS(-EINTR)),
	{ "down_trylock", P("sem"), T(PTR), I, 0, { SAME("down_trylock") } },
	{ "up", P("sem"), T(PTR), DG_T_VOID, 0, { SAME("up") } },
	/* sleeping and waiting */
	SLEEPER("msleep",		"msleep",		P("msecs"), T(I), DG_T_VOID),
	/* interrupted at once: all of the time is left */
	SLEEPER_FAILS("msleep_interruptible", "msleep_interruptible", P("msecs"), T(I), I,
		      FAILS_PARAM(1)),
	{ "usleep_range", P("min", "max"), T(I, I), DG_T_VOID, 1, { SAME("usleep_range_state") } },
	SLEEPER("schedule",		"schedule",		P(NULL), T(0), DG_T_VOID),
	SLEEPER("schedule_timeout",	"schedule_timeout",	P("timeout"), T(I), I),
	SLEEPER_FAILS("schedule_timeout_interruptible", "schedule_timeout_interruptible",
		      P("timeout"), T(I), I, FAILS_PARAM(1)),
	SLEEPER("schedule_timeout_uninterruptible", "schedule_timeout_uninterruptible",
		P("timeout"), T(I), I),
	SLEEPER("wait_for_completion",	"wait_for_completion",	P("done"), T(PTR), DG_T_VOID),
	/* 0: timed out */
	SLEEPER_FAILS("wait_for_completion_timeout", "wait_for_completion_timeout",
		      P("done", "timeout"), T(PTR, I), I, FAILS(0)),
	SLEEPER_FAILS("wait_for_completion_interruptible", "wait_for_completion_interruptible",
		      P("done"), T(PTR), I, FAILS(-DG_ERESTARTSYS)),
	SLEEPER_FAILS("wait_for_completion_killable", "wait_for_completion_killable",
		      P("done"), T(PTR), I, FAILS(-DG_ERESTARTSYS)),
	/* wait_event*() is a macro over prepare_to_wait_event() and schedule() */
	SLEEPER("prepare_to_wait_event", "prepare_to_wait_event",
		P("wq", "entry", "state"), T(PTR, PTR, I), I),
	/* memory */
	{ "kmalloc", P("size", "flags"), T(I, FL), PTR, 0, {
		SAME("__kmalloc"), SYM("kmalloc_trace", 2, 1), SAME("__kmalloc_node"),
		SYM("kmalloc_node_trace", 3, 1) } },
	{ "kmalloc_large", P("size", "flags"), T(I, FL), PTR, 0, { SAME("kmalloc_large") } },
	/* kstrdup(), kmemdup(), kasprintf() and friends: the caller is their caller */
	{ "kmalloc_track_caller", P("size", "flags", "node", "caller"), T(I, FL, I, PTR), PTR, 0,
		{ SAME("__kmalloc_node_track_caller") }, .caller_param = 4 },
	{ "kvmalloc", P("size", "flags"), T(I, FL), PTR, 0, { SAME("kvmalloc_node") } },
	{ "krealloc", P("ptr", "size", "flags"), T(PTR, I, FL), PTR, 0, { SAME("krealloc") } },
	{ "kfree", P("ptr"), T(PTR), DG_T_VOID, 0, { SAME("kfree") } },
	{ "kfree_sensitive", P("ptr"), T(PTR), DG_T_VOID, 0, { SAME("kfree_sensitive") } },
	{ "kvfree", P("ptr"), T(PTR), DG_T_VOID, 0, { SAME("kvfree") } },
	/* kfree_rcu(ptr, field): head is &ptr->field, offset that field's offset */
	{ "kfree_rcu", P("head", "offset"), T(PTR, I), DG_T_VOID, 0, { SAME("kvfree_call_rcu") } },
	{ "kmem_cache_alloc", P("cache", "flags"), T(PTR, FL), PTR, 0, {
		SAME("kmem_cache_alloc"), SYM("kmem_cache_alloc_lru", 0, 2) } },
	{ "kmem_cache_free", P("cache", "ptr"), T(PTR, PTR), DG_T_VOID, 0,
		{ SAME("kmem_cache_free") } },
	{ "kmem_cache_destroy", P("cache"), T(PTR), DG_T_VOID, 0, { SAME("kmem_cache_destroy") } },
	{ "vmalloc", P("size"), T(I), PTR, 0, {
		SAME("vmalloc"), SAME("__vmalloc"), SAME("vmalloc_node"), SAME("vmalloc_32") } },
	{ "vzalloc", P("size"), T(I), PTR, 0, { SAME("vzalloc"), SAME("vzalloc_node") } },
	{ "vfree", P("ptr"), T(PTR), DG_T_VOID, 0, { SAME("vfree") } },
	{ "devm_kmalloc", P("dev", "size", "flags"), T(PTR, I, FL), PTR, 0,
		{ SAME("devm_kmalloc") } },
	{ "devm_kfree", P("dev", "ptr"), T(PTR, PTR), DG_T_VOID, 0, { SAME("devm_kfree") } },
	/* interrupts */
	{ "request_irq", P("irq", "handler", "thread_fn", "flags", "name", "dev_id"),
		T(I, PTR, PTR, FL, PTR, PTR), I, 1, { SAME("request_threaded_irq") } },
	{ "free_irq", P("irq", "dev_id"), T(I, PTR), PTR, 1, { SAME("free_irq") } },
	/* DMA */
	{ "dma_map_page", P("dev", "page", "offset", "size", "dir"), T(PTR, PTR, I, I, I), I, 0,
		{ SAME("dma_map_page_attrs") } },
	{ "dma_unmap_page", P("dev", "addr", "size", "dir"), T(PTR, I, I, I), DG_T_VOID, 0,
		{ SAME("dma_unmap_page_attrs") } },
	{ "dma_alloc_coherent", P("dev", "size", "handle", "flags"), T(PTR, I, PTR, FL), PTR, 0,
		{ SAME("dma_alloc_attrs") } },
	{ "dma_free_coherent", P("dev", "size", "ptr", "handle"), T(PTR, I, PTR, I), DG_T_VOID, 0,
		{ SAME("dma_free_attrs") } },
	/* network devices */
	{ "register_netdev", P("dev"), T(PTR), I, 1, { SAME("register_netdev") } },
	{ "unregister_netdev", P("dev"), T(PTR), DG_T_VOID, 1, { SAME("unregister_netdev") } },
	{ "netif_napi_add", P("dev", "napi", "poll", "weight"), T(PTR, PTR, PTR, I), DG_T_VOID, 0,
		{ SAME("netif_napi_add_weight") } },
	{ "napi_enable", P("napi"), T(PTR), DG_T_VOID, 0, { SAME("napi_enable") } },
	{ "napi_disable", P("napi"), T(PTR), DG_T_VOID, 1, { SAME("napi_disable") } },
	{ "napi_schedule", P("napi"), T(PTR), DG_T_VOID, 0, { SAME("__napi_schedule") } },
	{ "napi_complete_done", P("napi", "work"), T(PTR, I), I, 0, { SAME("napi_complete_done") } },
	{ "netif_tx_wake_queue", P("queue"), T(PTR), DG_T_VOID, 0, { SAME("netif_tx_wake_queue") } },
	{ "netif_carrier_on", P("dev"), T(PTR), DG_T_VOID, 0, { SAME("netif_carrier_on") } },
	{ "netif_carrier_off", P("dev"), T(PTR), DG_T_VOID, 0, { SAME("netif_carrier_off") } },
	/* socket buffers */
	{ "alloc_skb", P("size", "flags"), T(I, FL), PTR, 0, { SAME("__alloc_skb") } },
	{ "netdev_alloc_skb", P("dev", "size", "flags"), T(PTR, I, FL), PTR, 0,
		{ SAME("__netdev_alloc_skb") } },
	{ "napi_alloc_skb", P("napi", "size", "flags"), T(PTR, I, FL), PTR, 0,
		{ SAME("__napi_alloc_skb") } },
	{ "kfree_skb", P("skb"), T(PTR), DG_T_VOID, 0,
		{ SAME("kfree_skb_reason"), SAME("__kfree_skb") } },
	{ "consume_skb", P("skb"), T(PTR), DG_T_VOID, 0, { SAME("consume_skb") } },
	{ "dev_kfree_skb_any", P("skb"), T(PTR), DG_T_VOID, 0, { SAME("__dev_kfree_skb_any") } },
	{ "dev_kfree_skb_irq", P("skb"), T(PTR), DG_T_VOID, 0, { SAME("__dev_kfree_skb_irq") } },
	{ "napi_consume_skb", P("skb", "budget"), T(PTR, I), DG_T_VOID, 0,
		{ SAME("napi_consume_skb") } },
	/* socket buffers a driver hands on to the stack, which then owns them */
	{ "netif_rx", P("skb"), T(PTR), I, 0, { SAME("__netif_rx"), SAME("netif_rx") } },
	{ "netif_receive_skb", P("skb"), T(PTR), I, 0, { SAME("netif_receive_skb") } },
	{ "napi_gro_receive", P("napi", "skb"), T(PTR, PTR), I, 0, { SAME("napi_gro_receive") } },
	/* block multi-queue */
	{ "blk_mq_start_request", P("rq"), T(PTR), DG_T_VOID, 0, { SAME("blk_mq_start_request") } },
	{ "blk_mq_end_request", P("rq", "error"), T(PTR, I), DG_T_VOID, 0,
		{ SAME("blk_mq_end_request"), SAME("__blk_mq_end_request") } },
	{ "blk_mq_complete_request", P("rq"), T(PTR), DG_T_VOID, 0,
		{ SAME("blk_mq_complete_request") } },
};

const size_t dg_nr_apis = sizeof(dg_apis) / sizeof(dg_apis[0]);

_Static_assert(sizeof(dg_apis) / sizeof(dg_apis[0]) <= DG_MAX_APIS, "catalog too large");

const struct dg_api *dg_api_by_id(unsigned int id)
{
	return id < dg_nr_apis ? &dg_apis[id] : NULL;
}

unsigned long long dg_catalog_fingerprint(void)
{
	unsigned long long h = 0xcbf29ce484222325ULL;	/* FNV-1a */

	for (size_t i = 0; i < dg_nr_apis; i++)
		for (const char *p = dg_apis[i].name; ; p++) {
			h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
			if (!*p)
				break;
		}
	return h;
}

int dg_api_find(const char *name)
{
	for (size_t i = 0; i < dg_nr_apis; i++)
		if (!strcmp(dg_apis[i].name, name))
			return i;
	return -1;
}

int dg_api_nr_params(const struct dg_api *api)
{
	int n = 0;

	while (n < DG_MAX_PARAMS && api->params[n])
		n++;
	return n;
}

const struct dg_entry dg_entries[DG_NR_ENTRY_CLASSES] = {
	[DG_ENTRY_MODULE_INIT]	   = { "module_init",	 0, 1, 1, DG_T_INT },
	[DG_ENTRY_MODULE_EXIT]	   = { "module_exit",	 0, 0, 1, DG_T_VOID },
	[DG_ENTRY_IRQ_HANDLER]	   = { "irq_handler",	 1, 1, 1, DG_T_INT,
				       P("irq", "dev_id"), T(I, PTR) },
	[DG_ENTRY_TIMER]	   = { "timer",		 1, 1, 1, DG_T_VOID, P("timer"), T(PTR) },
	[DG_ENTRY_HRTIMER]	   = { "hrtimer",	 1, 1, 1, DG_T_VOID, P("timer"), T(PTR) },
	[DG_ENTRY_WORK]		   = { "work",		 0, 1, 1, DG_T_VOID, P("work"), T(PTR) },
	[DG_ENTRY_TASKLET]	   = { "tasklet",	 1, 1, 1, DG_T_VOID, P("tasklet"), T(PTR) },
	[DG_ENTRY_NDO_START_XMIT]  = { "ndo_start_xmit", 1, 1, 1, DG_T_INT,
				       P("skb", "dev"), T(PTR, PTR) },
	[DG_ENTRY_NDO_OPEN]	   = { "ndo_open",	 0, 1, 1, DG_T_INT, P("dev"), T(PTR) },
	[DG_ENTRY_NDO_STOP]	   = { "ndo_stop",	 0, 1, 1, DG_T_VOID, P("dev"), T(PTR) },
	/* char devices: chrdev_open() swaps in the driver's file_operations */
	[DG_ENTRY_FOP_OPEN]	   = { "fop_open",	 0, 0, 1, DG_T_INT, P("file"), T(PTR) },
	[DG_ENTRY_FOP_READ]	   = { "fop_read",	 0, 1, 1, DG_T_INT, P("file"), T(PTR) },
	[DG_ENTRY_FOP_WRITE]	   = { "fop_write",	 0, 1, 1, DG_T_INT, P("file"), T(PTR) },
	[DG_ENTRY_FOP_IOCTL]	   = { "fop_ioctl",	 0, 1, 1, DG_T_INT, P("file", "cmd"), T(PTR, I) },
	[DG_ENTRY_FOP_RELEASE]	   = { "fop_release",	 0, 1, 0, DG_T_VOID, P("file"), T(PTR) },
};

int dg_entry_nr_params(int id)
{
	int n = 0;

	while (n < DG_MAX_PARAMS && dg_entries[id].params[n])
		n++;
	return n;
}

int dg_entry_find(const char *name)
{
	for (int i = 0; i < DG_NR_ENTRY_CLASSES; i++)
		if (!strcmp(dg_entries[i].name, name))
			return i;
	return -1;
}

/* include/linux/gfp_types.h (6.1), include/linux/netdevice.h */
const struct dg_constant dg_constants[] = {
	{ "__GFP_DMA",			0x01 },
	{ "__GFP_HIGHMEM",		0x02 },
	{ "__GFP_DMA32",		0x04 },
	{ "__GFP_HIGH",			0x20 },
	{ "__GFP_IO",			0x40 },
	{ "__GFP_FS",			0x80 },
	{ "__GFP_ZERO",			0x100 },
	{ "__GFP_ATOMIC",		0x200 },
	{ "__GFP_DIRECT_RECLAIM",	0x400 },
	{ "__GFP_KSWAPD_RECLAIM",	0x800 },
	{ "__GFP_NOWARN",		0x2000 },
	{ "__GFP_NOFAIL",		0x8000 },
	{ "GFP_ATOMIC",			0x200 | 0x20 | 0x800 },
	{ "GFP_NOWAIT",			0x800 },
	{ "GFP_KERNEL",			0x400 | 0x800 | 0x40 | 0x80 },
	{ "GFP_NOIO",			0x400 | 0x800 },
	{ "NETDEV_TX_OK",		0x00 },
	{ "NETDEV_TX_BUSY",		0x10 },
	{ "IRQ_NONE",			0 },
	{ "IRQ_HANDLED",		1 },
};

const size_t dg_nr_constants = sizeof(dg_constants) / sizeof(dg_constants[0]);

const struct dg_constant *dg_constant_find(const char *name)
{
	for (size_t i = 0; i < dg_nr_constants; i++)
		if (!strcmp(dg_constants[i].name, name))
			return &dg_constants[i];
	return NULL;
}

const char *const dg_recover_actions[] = {
	"unlock_around", "release_at_return", "gfp_atomic", "skip_free", "reclaim_at_unload",
	"fail_call", NULL,
};

int dg_recover_find(const char *name)
{
	for (int i = 0; dg_recover_actions[i]; i++)
		if (!strcmp(dg_recover_actions[i], name))
			return i;
	return -1;
}

/*
 * How each lock-taking API takes its lock, which says how the recovery
 * module releases it (unlock_around, release_at_return).
 */
static const struct {
	const char *api;
	enum dg_lock_kind kind;
} lock_kinds[] = {
	{ "spin_lock", DG_LOCK_SPIN },		{ "spin_trylock", DG_LOCK_SPIN },
	{ "spin_lock_bh", DG_LOCK_SPIN_BH },	{ "spin_trylock_bh", DG_LOCK_SPIN_BH },
	{ "spin_lock_irq", DG_LOCK_SPIN_IRQ },	{ "spin_lock_irqsave", DG_LOCK_SPIN_IRQSAVE },
	{ "read_lock", DG_LOCK_READ },		{ "read_trylock", DG_LOCK_READ },
	{ "read_lock_bh", DG_LOCK_READ_BH },	{ "read_lock_irq", DG_LOCK_READ_IRQ },
	{ "read_lock_irqsave", DG_LOCK_READ_IRQSAVE },
	{ "write_lock", DG_LOCK_WRITE },	{ "write_trylock", DG_LOCK_WRITE },
	{ "write_lock_bh", DG_LOCK_WRITE_BH },	{ "write_lock_irq", DG_LOCK_WRITE_IRQ },
	{ "write_lock_irqsave", DG_LOCK_WRITE_IRQSAVE },
	{ "mutex_lock", DG_LOCK_MUTEX },	{ "mutex_lock_interruptible", DG_LOCK_MUTEX },
	{ "mutex_lock_killable", DG_LOCK_MUTEX }, { "mutex_trylock", DG_LOCK_MUTEX },
};

int dg_api_lock_kind(unsigned int id)
{
	const struct dg_api *api = dg_api_by_id(id);

	for (size_t i = 0; api && i < sizeof(lock_kinds) / sizeof(lock_kinds[0]); i++)
		if (!strcmp(lock_kinds[i].api, api->name))
			return lock_kinds[i].kind;
	return DG_LOCK_NONE;
}
