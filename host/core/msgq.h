/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * The host's ends of the two message queues of the interface region.
 *
 * host -> guest (struct msgq_tx): the host is the producer.  It keeps its
 * own producer counter and reads the guest's consumer counter once per
 * operation.  If prod - cons (unsigned) > VMB_MSGQ_SLOTS the guest has
 * corrupted cons: the host counts it, logs, and sends nothing more until
 * the value is sane again.  Messages that do not fit wait in a bounded
 * in-process backlog, and prod_waiting is set so the guest rings
 * VMB_VECTOR_MSG when it frees slots; msgq_tx_flush() moves them on.
 *
 * guest -> host (struct msgq_rx): the host is the consumer.  It reads the
 * guest's prod once per drain; if it is inconsistent it counts, logs and
 * resynchronises its own cons to prod (dropping whatever was there).  Each
 * slot is copied out before anything looks at it.
 */
#ifndef VMBUSD_MSGQ_H
#define VMBUSD_MSGQ_H

#include <stdbool.h>
#include <stdint.h>

#include "vmb_protocol.h"

#define MSGQ_BACKLOG_DEFAULT	4096

/* Results of msgq_tx_post(). */
enum {
	MSGQ_DROPPED = -1,	/* backlog full: the message is lost */
	MSGQ_BACKLOGGED = 0,	/* kept in the backlog */
	MSGQ_POSTED = 1,	/* in the queue: ring the guest */
};

struct msgq_tx {
	struct vmb_msgq_ctl *ctl;
	struct vmb_msg *slots;
	uint32_t prod;			/* our copy; the shared one is output only */
	bool cons_insane;		/* last cons read was inconsistent */
	bool resync_expected;		/* we broke prod on purpose (inject) */
	struct vmb_msg *backlog;	/* ring of bl_cap messages */
	unsigned int bl_cap, bl_head, bl_len;
	uint64_t corrupt;		/* times the guest's cons was bad */
	uint64_t dropped;		/* messages lost to a full backlog */
};

struct msgq_rx {
	struct vmb_msgq_ctl *ctl;
	struct vmb_msg *slots;
	uint32_t cons;			/* our copy */
	uint64_t corrupt;		/* times the guest's prod was bad */
};

int msgq_tx_init(struct msgq_tx *q, struct vmb_msgq_ctl *ctl,
		 struct vmb_msg *slots, unsigned int backlog_cap);
void msgq_tx_fini(struct msgq_tx *q);
/* The shared queue was zeroed: restart from 0 and drop the backlog. */
void msgq_tx_reset(struct msgq_tx *q);
/*
 * Queue one message (type and len already little-endian, copied as is: no
 * validation here).  Returns MSGQ_POSTED, MSGQ_BACKLOGGED or MSGQ_DROPPED.
 * Order is preserved: nothing overtakes the backlog.
 */
int msgq_tx_post(struct msgq_tx *q, const struct vmb_msg *m);
/* Move as much of the backlog as fits into the queue; returns how many. */
unsigned int msgq_tx_flush(struct msgq_tx *q);
/* Free slots as seen now (0 while the guest's cons is insane). */
unsigned int msgq_tx_space(struct msgq_tx *q);

/*
 * Fault injection: publish prod = (guest's cons + delta) once.  The host
 * adopts that value as its own producer counter, so the jump is permanent:
 * when the guest resynchronises its cons to the published prod (what a
 * guest must do on prod - cons > VMB_MSGQ_SLOTS), the queue is consistent
 * again and later messages flow from there.  Messages the guest had not
 * yet consumed are lost; the ones posted meanwhile wait in the backlog.
 */
void msgq_tx_corrupt_prod(struct msgq_tx *q, uint32_t delta);

void msgq_rx_init(struct msgq_rx *q, struct vmb_msgq_ctl *ctl,
		  struct vmb_msg *slots);
void msgq_rx_reset(struct msgq_rx *q);
/*
 * Consume what the guest has produced (at most VMB_MSGQ_SLOTS, one read of
 * prod), calling fn on a private copy of each message.  If the guest's
 * prod_waiting was set it is cleared and *wake_guest set: the caller must
 * ring the guest's VMB_VECTOR_MSG.  Returns the number consumed.
 */
unsigned int msgq_rx_drain(struct msgq_rx *q,
			   void (*fn)(void *ctx, const struct vmb_msg *m),
			   void *ctx, bool *wake_guest);

#endif
