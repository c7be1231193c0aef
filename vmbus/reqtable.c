// SPDX-License-Identifier: GPL-2.0
/*
 * Transaction ids for outstanding requests.  An id is (generation << 32 |
 * slot): the host echoes it back in a completion, and only an id whose slot
 * is in use with the same generation finds its request.  Anything else the
 * host sends is counted as stale and dropped; no id is ever a pointer.
 */
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "vmbus_private.h"

struct vmb_reqtable_slot {
	void *req;
	u32 gen;
};

struct vmb_reqtable {
	/*
	 * lock protects @slots, @next and @stale.  Taken with
	 * spin_lock_irqsave(), as drivers call in from any context: add from
	 * their senders (process), take and pop from their channel callback
	 * (softirq) and from process context, and an interrupt handler may
	 * use a table too.  A leaf; a driver's own locks may be held around
	 * it.  @stale, a statistic, is read without it with READ_ONCE().
	 */
	spinlock_t lock;
	u32 size;		/* fixed at creation */
	u32 next;		/* where to look for a free slot first */
	u64 stale;
	struct vmb_reqtable_slot slots[];
};

struct vmb_reqtable *vmb_reqtable_create(u32 size)
{
	struct vmb_reqtable *rt;

	rt = kvzalloc(struct_size(rt, slots, size), GFP_KERNEL);
	if (!rt)
		return NULL;
	spin_lock_init(&rt->lock);
	rt->size = size;
	return rt;
}
EXPORT_SYMBOL_GPL(vmb_reqtable_create);

void vmb_reqtable_destroy(struct vmb_reqtable *rt)
{
	kvfree(rt);
}
EXPORT_SYMBOL_GPL(vmb_reqtable_destroy);

/* Returns -EBUSY when every slot is in use. */
int vmb_reqtable_add(struct vmb_reqtable *rt, void *req, u64 *id)
{
	unsigned long flags;
	u32 i, slot;

	spin_lock_irqsave(&rt->lock, flags);
	for (i = 0; i < rt->size; i++) {
		slot = (rt->next + i) % rt->size;
		if (!rt->slots[slot].req)
			break;
	}
	if (i == rt->size) {
		spin_unlock_irqrestore(&rt->lock, flags);
		return -EBUSY;
	}
	rt->slots[slot].req = req;
	*id = (u64)rt->slots[slot].gen << 32 | slot;
	rt->next = (slot + 1) % rt->size;
	spin_unlock_irqrestore(&rt->lock, flags);
	return 0;
}
EXPORT_SYMBOL_GPL(vmb_reqtable_add);

/* The request named by @id, removed from the table; NULL if none. */
void *vmb_reqtable_take(struct vmb_reqtable *rt, u64 id)
{
	u32 slot = lower_32_bits(id), gen = upper_32_bits(id);
	unsigned long flags;
	void *req = NULL;

	spin_lock_irqsave(&rt->lock, flags);
	if (slot < rt->size && rt->slots[slot].req &&
	    rt->slots[slot].gen == gen) {
		req = rt->slots[slot].req;
		rt->slots[slot].req = NULL;
		rt->slots[slot].gen++;
	} else {
		WRITE_ONCE(rt->stale, rt->stale + 1);
	}
	spin_unlock_irqrestore(&rt->lock, flags);
	return req;
}
EXPORT_SYMBOL_GPL(vmb_reqtable_take);

/* Any outstanding request, removed from the table (teardown); or NULL. */
void *vmb_reqtable_pop(struct vmb_reqtable *rt)
{
	unsigned long flags;
	void *req = NULL;
	u32 slot;

	spin_lock_irqsave(&rt->lock, flags);
	for (slot = 0; slot < rt->size && !req; slot++) {
		req = rt->slots[slot].req;
		if (req) {
			rt->slots[slot].req = NULL;
			rt->slots[slot].gen++;
		}
	}
	spin_unlock_irqrestore(&rt->lock, flags);
	return req;
}
EXPORT_SYMBOL_GPL(vmb_reqtable_pop);

u64 vmb_reqtable_stale(struct vmb_reqtable *rt)
{
	return READ_ONCE(rt->stale);
}
EXPORT_SYMBOL_GPL(vmb_reqtable_stale);
