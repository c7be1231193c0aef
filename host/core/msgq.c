// SPDX-License-Identifier: (GPL-2.0 OR MIT)
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/msgq.h"

static struct log_ratelimit msgq_rl;

static uint32_t load_acquire(const __le32 *p)
{
	return le32toh(__atomic_load_n(p, __ATOMIC_ACQUIRE));
}

static void store_release(__le32 *p, uint32_t v)
{
	__atomic_store_n(p, htole32(v), __ATOMIC_RELEASE);
}

int msgq_tx_init(struct msgq_tx *q, struct vmb_msgq_ctl *ctl,
		 struct vmb_msg *slots, unsigned int backlog_cap)
{
	memset(q, 0, sizeof(*q));
	q->ctl = ctl;
	q->slots = slots;
	q->bl_cap = backlog_cap;
	if (backlog_cap) {
		q->backlog = calloc(backlog_cap, sizeof(*q->backlog));
		if (!q->backlog)
			return -ENOMEM;
	}
	q->prod = load_acquire(&ctl->prod);
	return 0;
}

void msgq_tx_fini(struct msgq_tx *q)
{
	free(q->backlog);
	q->backlog = NULL;
	q->bl_cap = q->bl_len = q->bl_head = 0;
}

void msgq_tx_reset(struct msgq_tx *q)
{
	q->prod = load_acquire(&q->ctl->prod);
	q->bl_head = q->bl_len = 0;
	q->cons_insane = false;
	q->resync_expected = false;
}

unsigned int msgq_tx_space(struct msgq_tx *q)
{
	uint32_t cons = load_acquire(&q->ctl->cons);
	uint32_t used = q->prod - cons;
	unsigned int sup;

	if (used > VMB_MSGQ_SLOTS) {
		if (!q->cons_insane && !q->resync_expected) {
			q->corrupt++;
			if (log_ratelimit_ok(&msgq_rl, &sup))
				log_warn("h2g queue: guest cons %u inconsistent with prod %u; holding messages until it is sane%s",
					 cons, q->prod,
					 sup ? " (earlier messages suppressed)" : "");
		}
		q->cons_insane = true;
		return 0;
	}
	if (q->cons_insane && !q->resync_expected)
		log_info("h2g queue: guest cons sane again (%u)", cons);
	q->cons_insane = false;
	q->resync_expected = false;
	return VMB_MSGQ_SLOTS - used;
}

static void tx_write(struct msgq_tx *q, const struct vmb_msg *m)
{
	memcpy(&q->slots[q->prod % VMB_MSGQ_SLOTS], m, sizeof(*m));
	q->prod++;
	store_release(&q->ctl->prod, q->prod);
}

unsigned int msgq_tx_flush(struct msgq_tx *q)
{
	unsigned int n = 0, space;

	if (!q->bl_len)
		return 0;
	space = msgq_tx_space(q);
	while (q->bl_len && space) {
		tx_write(q, &q->backlog[q->bl_head]);
		q->bl_head = (q->bl_head + 1) % q->bl_cap;
		q->bl_len--;
		space--;
		n++;
	}
	if (q->bl_len)
		store_release(&q->ctl->prod_waiting, 1);
	return n;
}

int msgq_tx_post(struct msgq_tx *q, const struct vmb_msg *m)
{
	unsigned int sup;

	if (q->bl_len == 0 && msgq_tx_space(q) > 0) {
		tx_write(q, m);
		return MSGQ_POSTED;
	}
	if (q->bl_len >= q->bl_cap) {
		q->dropped++;
		if (log_ratelimit_ok(&msgq_rl, &sup))
			log_warn("h2g backlog full (%u): dropping message type %u%s",
				 q->bl_cap, le32toh(m->type),
				 sup ? " (earlier messages suppressed)" : "");
		return MSGQ_DROPPED;
	}
	q->backlog[(q->bl_head + q->bl_len) % q->bl_cap] = *m;
	q->bl_len++;
	/*
	 * Ask for a doorbell, then look again: the guest may have freed
	 * slots between our check and the flag becoming visible.
	 */
	store_release(&q->ctl->prod_waiting, 1);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (msgq_tx_flush(q) > 0 && q->bl_len == 0)
		return MSGQ_POSTED;
	return MSGQ_BACKLOGGED;
}

void msgq_tx_corrupt_prod(struct msgq_tx *q, uint32_t delta)
{
	uint32_t cons = load_acquire(&q->ctl->cons);

	q->prod = cons + delta;
	q->resync_expected = true;
	store_release(&q->ctl->prod, q->prod);
}

void msgq_rx_init(struct msgq_rx *q, struct vmb_msgq_ctl *ctl,
		  struct vmb_msg *slots)
{
	memset(q, 0, sizeof(*q));
	q->ctl = ctl;
	q->slots = slots;
	q->cons = load_acquire(&ctl->cons);
}

void msgq_rx_reset(struct msgq_rx *q)
{
	q->cons = load_acquire(&q->ctl->cons);
}

unsigned int msgq_rx_drain(struct msgq_rx *q,
			   void (*fn)(void *ctx, const struct vmb_msg *m),
			   void *ctx, bool *wake_guest)
{
	uint32_t prod = load_acquire(&q->ctl->prod);
	uint32_t avail = prod - q->cons;
	unsigned int n = 0, sup;
	struct vmb_msg m;

	if (avail > VMB_MSGQ_SLOTS) {
		q->corrupt++;
		if (log_ratelimit_ok(&msgq_rl, &sup))
			log_warn("g2h queue: guest prod %u inconsistent with cons %u; resynchronising%s",
				 prod, q->cons,
				 sup ? " (earlier messages suppressed)" : "");
		q->cons = prod;
		store_release(&q->ctl->cons, q->cons);
		avail = 0;
	}
	while (avail--) {
		memcpy(&m, &q->slots[q->cons % VMB_MSGQ_SLOTS], sizeof(m));
		q->cons++;
		store_release(&q->ctl->cons, q->cons);
		fn(ctx, &m);
		n++;
	}
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (load_acquire(&q->ctl->prod_waiting)) {
		store_release(&q->ctl->prod_waiting, 0);
		*wake_guest = true;
	}
	return n;
}
