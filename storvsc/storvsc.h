/* SPDX-License-Identifier: GPL-2.0 */
/*
 * storvsc: a SCSI host whose LUNs are the host's disks, on a vmb storage
 * channel and its sub-channels (include/vmb_storage.h).
 *
 * One blk-mq hardware queue per channel: queue 0 is the primary channel,
 * queue i its sub-channel i.  A command is named on the wire by a
 * transaction id from its queue's request table, never by a pointer.
 *
 * A command's life (struct storvsc_cmd.state), every change under q->lock:
 *
 *   queuecommand --> DEFERRED --(send work)--+
 *        |                                   v
 *        +-----------------------------> SENDING --> SENT --> DONE
 *                                                     |        ^
 *                                                     v        |
 *                                                  ORPHANED ---+
 *
 * SENDING: its sender owns it, in the table and writing its packet; what
 * takes it out of the table meanwhile (a completion, storvsc_kill()) only
 * leaves word in .pending, and the sender acts on it when its send
 * returns, so nothing finishes a command while its packet is being
 * written.  SENT: the host has it; whoever takes it out of the table owns
 * it.  ORPHANED: the host's completion was malformed and was dropped; the
 * command waits, on q->orphans, for its timeout, the error handler's abort
 * and the host's answer to it.  DONE: finished (scsi_done()) or released
 * to the error handler, exactly once; nothing here touches it again.
 *
 * Locking, outermost first:
 *   ctrl->kill_lock   mutex: closing the channels (storvsc_kill()), so that
 *                     the error handler, the dead work and remove close each
 *                     channel once.  Process context only.
 *   ctrl->tm_lock     mutex: one task-management exchange at a time (the
 *                     abort work, the error handler's LUN reset), each
 *                     using q->tm.  Process context; never held with
 *                     kill_lock.
 *   q->lock           spinlock, irqsave: command states, q->deferred,
 *                     q->orphans, q->sending; and every scsi_done() of the
 *                     queue's commands is made under it, so that the error
 *                     handler, once it has seen a state under it, knows no
 *                     one is still finishing that command.  Never held
 *                     across a send.
 *   vmb_reqtable      the bus's spinlock, a leaf: a queue's outstanding ids.
 * A queue's inbound side (q->rxbuf) has no lock: only the channel's tasklet
 * reads it.  Statistics are atomics, read without a lock.
 */
#ifndef STORVSC_H
#define STORVSC_H

#include <linux/atomic.h>
#include <linux/completion.h>
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

/* A TASK_MANAGEMENT exchange on one queue (under ctrl->tm_lock). */
struct storvsc_tm {
	struct completion done;
	struct vmb_stor_task_mgmt msg;	/* the request */
	u64 id;				/* in q->tm_rt */
	int result;			/* VMB_STOR_TMR_*, or -errno */
};

/* One hardware queue: a channel, its ids, its counters. */
struct storvsc_queue {
	struct storvsc_ctrl *ctrl;
	struct vmb_channel *chan;
	struct vmb_reqtable *rt;	/* SRBs sent */
	struct vmb_reqtable *tm_rt;	/* q->tm, when it is in flight */
	u32 index;
	bool open;			/* under ctrl->kill_lock */

	spinlock_t lock;		/* see the top of this file */
	struct list_head deferred;	/* DEFERRED, in order */
	struct list_head orphans;	/* ORPHANED */
	u32 sending;			/* commands SENDING */
	struct work_struct send_work;	/* sends DEFERRED ones */
	struct storvsc_tm tm;

	/* Statistics (debugfs queues). */
	atomic64_t requests;		/* SRBs sent */
	atomic64_t bytes;		/* data bytes of the SRBs sent */
	atomic64_t errors;		/* commands completed with a nonzero result */
	atomic64_t completions;		/* completions from the host, any */
	atomic64_t answered;		/* SRBs finished by a well-formed one */
	/* malformed completions, dropped: */
	atomic64_t bad_id;		/* naming nothing outstanding */
	atomic64_t bad_sense;		/* more sense than the SRB had room for */
	atomic64_t bad_status;		/* a status the protocol does not have */
	atomic64_t bad_length;		/* too short, or more data than asked */
	atomic64_t bad_other;		/* of another type or another SRB */
	atomic64_t aborts;		/* ABORT_TASKs answered */
	atomic64_t resets;		/* LUN_RESETs answered */
	atomic64_t released;		/* commands given back to the midlayer */
	atomic_t in_flight;		/* queued and not DONE */
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
	struct mutex tm_lock;		/* see the top of this file */
	struct workqueue_struct *wq;	/* scan, dead and deferred-send work */
	struct work_struct scan_work;
	struct work_struct dead_work;
	wait_queue_head_t drain_wq;	/* woken as commands end or stop SENDING */
	struct dentry *debugfs;
};

/* struct storvsc_cmd.state: see the top of this file. */
enum storvsc_cmd_state {
	STORVSC_CMD_IDLE,		/* not queued with us (zeroed) */
	STORVSC_CMD_DEFERRED,
	STORVSC_CMD_SENDING,
	STORVSC_CMD_SENT,
	STORVSC_CMD_ORPHANED,
	STORVSC_CMD_DONE,
};

/* struct storvsc_cmd.pending: what its sender does once its send returns. */
enum storvsc_pending {
	STORVSC_PENDING_NONE,		/* it is SENT */
	STORVSC_PENDING_FINISH,		/* finish it: cmd->result is set */
	STORVSC_PENDING_ORPHAN,		/* its completion was malformed */
};

/* The per-command private data (scsi_cmd_priv()). */
struct storvsc_cmd {
	struct scsi_cmnd *cmd;
	struct storvsc_queue *q;
	u64 id;				/* its trans_id, once in q->rt */
	u64 answered_at_send;		/* q->answered when it was sent */
	u8 timer_resets;
	u8 state;			/* enum storvsc_cmd_state, q->lock */
	u8 pending;			/* enum storvsc_pending, q->lock */
	struct list_head node;		/* q->deferred or q->orphans */
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
u32 storvsc_sending(struct storvsc_ctrl *ctrl);
bool storvsc_release(struct storvsc_queue *q, struct storvsc_cmd *sc);

/* eh.c */
vmb_compat_eh_timeout_t storvsc_eh_timed_out(struct scsi_cmnd *cmd);
int storvsc_eh_abort(struct scsi_cmnd *cmd);
int storvsc_eh_device_reset(struct scsi_cmnd *cmd);
void storvsc_tm_complete(struct storvsc_queue *q, const struct vmb_pkt *pkt,
			 const void *buf);
int storvsc_eh_host_reset(struct scsi_cmnd *cmd);
void storvsc_scan_work(struct work_struct *work);
bool storvsc_drain(struct storvsc_ctrl *ctrl, unsigned long timeout);

/* debugfs.c */
void storvsc_debugfs_init(void);
void storvsc_debugfs_exit(void);
void storvsc_debugfs_add(struct storvsc_ctrl *ctrl);
void storvsc_debugfs_remove(struct storvsc_ctrl *ctrl);

#endif /* STORVSC_H */
