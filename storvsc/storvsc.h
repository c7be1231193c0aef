/* SPDX-License-Identifier: GPL-2.0 */
/*
 * storvsc: a SCSI host whose LUNs are the host's disks, on a vmb storage
 * channel and its sub-channels (include/vmb_storage.h).
 *
 * One blk-mq hardware queue per channel: queue 0 is the primary channel,
 * queue i its sub-channel i.  A command is named on the wire by a
 * transaction id from its queue's request table, never by a pointer; the
 * table is also what decides who finishes a command: whoever takes it out
 * (the channel callback on a completion, the sender whose send failed, or
 * storvsc_kill()) completes it, exactly once.
 *
 * Locking, outermost first:
 *   ctrl->kill_lock   mutex: closing the channels (storvsc_kill()), so that
 *                     the error handler, the dead work and remove close each
 *                     channel once.  Process context only.
 *   vmb_reqtable      the bus's spinlock, a leaf: a queue's outstanding ids.
 *   q->defer_lock     spinlock, irqsave: the deferred-send list (kernels
 *                     whose queuecommand() must not sleep).  A leaf.
 * A queue's inbound side (q->rxbuf) has no lock: only the channel's tasklet
 * reads it.  Statistics are atomics, read without a lock.
 */
#ifndef STORVSC_H
#define STORVSC_H

#include <linux/atomic.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "vmb.h"
#include "vmb_storage.h"

#define STORVSC_DRIVER_VERSION	"0.1.0"

struct Scsi_Host;
struct scsi_cmnd;

/* Our cap on one transfer: the pages of a command are preallocated. */
#define STORVSC_MAX_TRANSFER	(512 * 1024)
#define STORVSC_MAX_PAGES	(STORVSC_MAX_TRANSFER / PAGE_SIZE + 1)
#define STORVSC_MAX_DEPTH	256
#define STORVSC_RX_BUF		512	/* a 1.0 completion is 136 bytes; room for more */

/* One hardware queue: a channel, its ids, its counters. */
struct storvsc_queue {
	struct storvsc_ctrl *ctrl;
	struct vmb_channel *chan;
	struct vmb_reqtable *rt;
	u32 index;
	bool open;			/* under ctrl->kill_lock */

	/* Deferred sends, where queuecommand() may not sleep. */
	spinlock_t defer_lock;
	struct list_head deferred;
	struct work_struct send_work;

	/* Statistics (debugfs queues). */
	atomic64_t requests;		/* SRBs sent */
	atomic64_t bytes;		/* data bytes of the SRBs sent */
	atomic64_t errors;		/* commands completed with a nonzero result */
	atomic64_t completions;		/* completions from the host, any */
	atomic_t in_flight;		/* in the table */
	u32 target_cpu;

	u8 rxbuf[STORVSC_RX_BUF] __aligned(8);	/* the tasklet's */
};

/* A control request during init (primary channel, one at a time). */
struct storvsc_ctl_req {
	struct completion done;
	u32 type;
	u32 len;			/* request and expected completion size */
	union {
		struct vmb_stor_hdr hdr;
		struct vmb_stor_version ver;
		struct vmb_stor_properties props;
		struct vmb_stor_subchannels subs;
	} msg;				/* the request, then the completion */
	bool ok;			/* the completion had the right shape */
};

enum storvsc_flags {
	STORVSC_F_READY,		/* the SCSI host is added: scan on LUNS_CHANGED */
	STORVSC_F_DEAD,			/* no more I/O: every command fails */
	STORVSC_F_REMOVING,		/* remove() has begun */
};

struct storvsc_ctrl {
	struct Scsi_Host *shost;
	struct vmb_device *vdev;
	unsigned long flags;		/* STORVSC_F_* */

	/* From the init handshake. */
	u32 version;
	u32 max_transfer;
	u32 depth;			/* per queue */
	u32 max_luns;
	u32 host_flags;			/* VMB_STOR_F_* */
	u32 max_subchannels;
	bool tm;			/* version >= 1.1: TASK_MANAGEMENT */

	u32 nr_queues;
	struct storvsc_queue *queues;
	struct storvsc_ctl_req *ctl;	/* the control request in flight */
	struct vmb_reqtable *ctl_rt;	/* its id (init requests only) */
	bool direct_send;		/* queuecommand() may sleep */

	struct mutex kill_lock;		/* see the top of this file */
	struct workqueue_struct *wq;	/* scan, dead and deferred-send work */
	struct work_struct scan_work;
	struct work_struct dead_work;
	wait_queue_head_t drain_wq;	/* woken as commands leave the tables */
	struct dentry *debugfs;
};

/* The per-command private data (scsi_cmd_priv()). */
struct storvsc_cmd {
	struct scsi_cmnd *cmd;
	struct storvsc_queue *q;
	u64 id;
	u64 completions_at_send;	/* q->completions when it was sent */
	u8 timer_resets;
	bool done;			/* taken out of the table */
	struct list_head node;		/* q->deferred */
	struct vmb_stor_srb_msg msg;
	struct page *pages[STORVSC_MAX_PAGES];
};

/* init.c */
int storvsc_handshake(struct storvsc_ctrl *ctrl);
int storvsc_create_subchannels(struct storvsc_ctrl *ctrl, u32 want);
int storvsc_end_init(struct storvsc_ctrl *ctrl);
void storvsc_ctl_complete(struct storvsc_ctrl *ctrl, const struct vmb_pkt *pkt,
			  const void *buf);

/* io.c */
int storvsc_queue_open(struct storvsc_ctrl *ctrl, u32 index,
		       struct vmb_channel *chan, u32 ring_size);
void storvsc_queue_free(struct storvsc_queue *q);
int storvsc_queuecommand(struct Scsi_Host *shost, struct scsi_cmnd *cmd);
void storvsc_send_work(struct work_struct *work);
void storvsc_kill(struct storvsc_ctrl *ctrl, const char *why);
void storvsc_dead_work(struct work_struct *work);
void storvsc_broken(struct storvsc_queue *q, const char *why);
u32 storvsc_in_flight(struct storvsc_ctrl *ctrl);

/* eh.c */
vmb_compat_eh_timeout_t storvsc_eh_timed_out(struct scsi_cmnd *cmd);
int storvsc_eh_abort(struct scsi_cmnd *cmd);
int storvsc_eh_host_reset(struct scsi_cmnd *cmd);
void storvsc_scan_work(struct work_struct *work);
bool storvsc_drain(struct storvsc_ctrl *ctrl, unsigned long timeout);

/* debugfs.c */
void storvsc_debugfs_init(void);
void storvsc_debugfs_exit(void);
void storvsc_debugfs_add(struct storvsc_ctrl *ctrl);
void storvsc_debugfs_remove(struct storvsc_ctrl *ctrl);

#endif /* STORVSC_H */
