// SPDX-License-Identifier: GPL-2.0
/*
 * The I/O path: a SCSI command becomes an EXECUTE_SRB on its hardware
 * queue's channel, its data described by GPA ranges over the pages of its
 * scatterlist (no bounce copy); a completion is copied out, checked
 * whole against the request it names and only then mapped to a SCSI
 * result.  A malformed completion is counted (debugfs) and dropped.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blk-mq.h>
#include <linux/sched/mm.h>
#include <linux/scatterlist.h>
#include <scsi/scsi.h>
#include <scsi/scsi_cmnd.h>
#include <scsi/scsi_device.h>
#include <scsi/scsi_host.h>

#include "storvsc.h"

static struct storvsc_cmd *storvsc_priv(struct scsi_cmnd *cmd)
{
	return scsi_cmd_priv(cmd);
}

u32 storvsc_in_flight(struct storvsc_ctrl *ctrl)
{
	u32 i, n = 0;

	for (i = 0; i < ctrl->nr_queues; i++)
		n += atomic_read(&ctrl->queues[i].in_flight);
	return n;
}

u32 storvsc_sending(struct storvsc_ctrl *ctrl)
{
	u32 i, n = 0;

	for (i = 0; i < ctrl->nr_queues; i++)
		n += READ_ONCE(ctrl->queues[i].sending);
	return n;
}

/* @sc is DONE: one command fewer in flight. */
static void storvsc_gone(struct storvsc_queue *q, struct storvsc_cmd *sc)
{
	lockdep_assert_held(&q->lock);
	WRITE_ONCE(sc->state, STORVSC_CMD_DONE);
	if (atomic_dec_and_test(&q->in_flight))
		wake_up_all(&q->ctrl->drain_wq);
}

/* Completes @sc, whose cmd->result is set; it is in no table or list. */
static void storvsc_finish(struct storvsc_queue *q, struct storvsc_cmd *sc)
{
	struct scsi_cmnd *cmd = sc->cmd;

	lockdep_assert_held(&q->lock);
	if (cmd->result)
		atomic64_inc(&q->errors);
	storvsc_gone(q, sc);
	scsi_done(cmd);
}

/*
 * @sc was taken out of q->rt: finish it (cmd->result set) or orphan it;
 * if its sender still owns it, leave that to the sender.
 */
static void storvsc_settle(struct storvsc_queue *q, struct storvsc_cmd *sc,
			   enum storvsc_pending what)
{
	lockdep_assert_held(&q->lock);
	if (sc->state == STORVSC_CMD_SENDING) {
		sc->pending = what;
	} else if (what == STORVSC_PENDING_FINISH) {
		storvsc_finish(q, sc);
	} else {
		WRITE_ONCE(sc->state, STORVSC_CMD_ORPHANED);
		list_add_tail(&sc->node, &q->orphans);
	}
}

/*
 * The error handler takes @sc back: the host holds it no longer (it said
 * so, or never had it).  The midlayer owns the command from now on, so it
 * is not completed here; a SENDING one is left alone (the caller waited
 * for its send to end first).  Returns whether it was released here.
 */
bool storvsc_release(struct storvsc_queue *q, struct storvsc_cmd *sc)
{
	unsigned long flags;
	bool released = false;

	spin_lock_irqsave(&q->lock, flags);
	switch (sc->state) {
	case STORVSC_CMD_SENT:
		if (vmb_reqtable_take(q->rt, sc->id) != sc)
			break;		/* cannot be: whoever takes it moves it */
		fallthrough;
	case STORVSC_CMD_DEFERRED:
	case STORVSC_CMD_ORPHANED:
		if (sc->state != STORVSC_CMD_SENT)
			list_del_init(&sc->node);
		atomic64_inc(&q->released);
		storvsc_gone(q, sc);
		released = true;
		break;
	default:
		break;
	}
	spin_unlock_irqrestore(&q->lock, flags);
	return released;
}

/*
 * Everything @q holds fails with @result: what is in its table, its
 * orphans; and a task-management exchange in flight ends unanswered.
 */
static void storvsc_fail_queue(struct storvsc_queue *q, int result)
{
	struct storvsc_cmd *sc;
	struct storvsc_tm *tm;
	unsigned long flags;

	spin_lock_irqsave(&q->lock, flags);
	while ((sc = vmb_reqtable_pop(q->rt))) {
		sc->cmd->result = result;
		storvsc_settle(q, sc, STORVSC_PENDING_FINISH);
	}
	while ((sc = list_first_entry_or_null(&q->orphans, struct storvsc_cmd,
					      node))) {
		list_del_init(&sc->node);
		sc->cmd->result = result;
		storvsc_finish(q, sc);
	}
	spin_unlock_irqrestore(&q->lock, flags);
	tm = vmb_reqtable_pop(q->tm_rt);
	if (tm) {
		tm->result = -ENODEV;
		complete(&tm->done);
	}
}

/*
 * The controller is gone or unusable: from now on every command fails at
 * once; the channels are closed, after which the host no longer touches
 * the rings or the memory of the SRBs in flight (docs/protocol.md), so
 * those can fail too.  Process context; idempotent.  @why, if not NULL,
 * is logged the first time.
 */
void storvsc_kill(struct storvsc_ctrl *ctrl, const char *why)
{
	struct device *dev = &ctrl->vdev->dev;
	struct storvsc_queue *q;
	u32 i;

	if (!test_and_set_bit(STORVSC_F_DEAD, &ctrl->flags) && why)
		dev_err(dev, "%s: failing all I/O (%u in flight)\n", why,
			storvsc_in_flight(ctrl));
	mutex_lock(&ctrl->kill_lock);
	for (i = 0; i < ctrl->nr_queues; i++) {
		q = &ctrl->queues[i];
		if (q->open) {
			vmb_chan_close(q->chan);
			q->open = false;
		}
	}
	/* Deferred sends now fail at once: none is left on a list. */
	for (i = 0; i < ctrl->nr_queues; i++)
		flush_work(&ctrl->queues[i].send_work);
	/*
	 * Senders in queuecommand() have left the closed channels but may
	 * still be settling their commands: once they are done, whatever is
	 * in a table is SENT and everything here is finished before return.
	 */
	wait_event(ctrl->drain_wq, !storvsc_sending(ctrl));
	for (i = 0; i < ctrl->nr_queues; i++)
		storvsc_fail_queue(&ctrl->queues[i], DID_NO_CONNECT << 16);
	mutex_unlock(&ctrl->kill_lock);
}

void storvsc_dead_work(struct work_struct *work)
{
	struct storvsc_ctrl *ctrl = container_of(work, struct storvsc_ctrl,
						 dead_work);

	storvsc_kill(ctrl, "host broke the storage protocol");
}

/* From the callback: the host sent nonsense; the controller goes. */
void storvsc_broken(struct storvsc_queue *q, const char *why)
{
	struct storvsc_ctrl *ctrl = q->ctrl;

	dev_err_ratelimited(&ctrl->vdev->dev, "queue %u: %s\n", q->index, why);
	set_bit(STORVSC_F_DEAD, &ctrl->flags);
	storvsc_fail_queue(q, DID_ERROR << 16);
	queue_work(ctrl->wq, &ctrl->dead_work);
}

static bool storvsc_sam_status_known(u8 status)
{
	switch (status) {
	case SAM_STAT_CHECK_CONDITION:
	case SAM_STAT_CONDITION_MET:
	case SAM_STAT_BUSY:
	case SAM_STAT_RESERVATION_CONFLICT:
	case SAM_STAT_TASK_SET_FULL:
	case SAM_STAT_ACA_ACTIVE:
	case SAM_STAT_TASK_ABORTED:
		return true;
	}
	return false;
}

/* What is wrong with a completion, if anything (counted per queue). */
enum storvsc_bad {
	STORVSC_BAD_NONE,
	STORVSC_BAD_SENSE,
	STORVSC_BAD_STATUS,
	STORVSC_BAD_LENGTH,
	STORVSC_BAD_OTHER,
};

static const char *const storvsc_bad_names[] = {
	[STORVSC_BAD_SENSE] = "more sense than room",
	[STORVSC_BAD_STATUS] = "unknown status",
	[STORVSC_BAD_LENGTH] = "bad length",
	[STORVSC_BAD_OTHER] = "another SRB's or another type's",
};

static void storvsc_count_bad(struct storvsc_queue *q, enum storvsc_bad bad)
{
	switch (bad) {
	case STORVSC_BAD_SENSE:
		atomic64_inc(&q->bad_sense);
		break;
	case STORVSC_BAD_STATUS:
		atomic64_inc(&q->bad_status);
		break;
	case STORVSC_BAD_LENGTH:
		atomic64_inc(&q->bad_length);
		break;
	default:
		atomic64_inc(&q->bad_other);
		break;
	}
}

/*
 * Checks the host's copy @c of @req; no side effects.  A completion is
 * either wholly acceptable or not used at all.
 */
static enum storvsc_bad storvsc_check_srb(const struct vmb_stor_srb *req,
					  const struct vmb_stor_srb_msg *c)
{
	const struct vmb_stor_srb *srb = &c->srb;

	if (srb->lun != req->lun || srb->cdb_len != req->cdb_len ||
	    srb->data_dir != req->data_dir)
		return STORVSC_BAD_OTHER;
	switch (le32_to_cpu(c->hdr.status)) {
	case VMB_STOR_S_OK:
	case VMB_STOR_S_BUSY:
	case VMB_STOR_S_INVALID:
	case VMB_STOR_S_BAD_STATE:
		break;
	default:
		return STORVSC_BAD_STATUS;
	}
	if (srb->sense_len > req->sense_len)
		return STORVSC_BAD_SENSE;
	if (le32_to_cpu(c->hdr.status) != VMB_STOR_S_OK)
		return STORVSC_BAD_NONE;
	if (le32_to_cpu(srb->data_len) > le32_to_cpu(req->data_len))
		return STORVSC_BAD_LENGTH;
	switch (srb->srb_status) {
	case VMB_STOR_SRB_SUCCESS:
		return srb->scsi_status == SAM_STAT_GOOD ? STORVSC_BAD_NONE :
			STORVSC_BAD_STATUS;
	case VMB_STOR_SRB_ERROR:
		return storvsc_sam_status_known(srb->scsi_status) ?
			STORVSC_BAD_NONE : STORVSC_BAD_STATUS;
	}
	return STORVSC_BAD_STATUS;
}

/* The result of @cmd from the host's copy @c, which passed the check. */
static void storvsc_map_result(struct scsi_cmnd *cmd,
			       const struct vmb_stor_srb_msg *c)
{
	const struct vmb_stor_srb *req = &storvsc_priv(cmd)->msg.srb;
	const struct vmb_stor_srb *srb = &c->srb;
	u32 status = le32_to_cpu(c->hdr.status);

	switch (status) {
	case VMB_STOR_S_OK:
		break;
	case VMB_STOR_S_BUSY:
		/* Not executed; the midlayer retries, a bounded number of times. */
		cmd->result = DID_BUS_BUSY << 16;
		return;
	default:
		dev_err_ratelimited(&cmd->device->sdev_gendev,
				    "host refused SRB (opcode %#x): status %u\n",
				    cmd->cmnd[0], status);
		cmd->result = DID_ERROR << 16;
		return;
	}
	scsi_set_resid(cmd, le32_to_cpu(req->data_len) -
		       le32_to_cpu(srb->data_len));
	cmd->result = DID_OK << 16 | srb->scsi_status;
	if (srb->scsi_status == SAM_STAT_CHECK_CONDITION && srb->sense_len)
		memcpy(cmd->sense_buffer, srb->sense,
		       min_t(u32, srb->sense_len, SCSI_SENSE_BUFFERSIZE));
}

/*
 * An SRB's completion.  A malformed one is counted and dropped, never
 * used: if it names a live command, that command is orphaned and left to
 * its timeout and the abort, whose answer is what tells us the host is
 * done with it.  A 1.0 host has no abort: there the command fails with
 * DID_ERROR instead (the midlayer retries it), as only a host reset could
 * recover an orphan.
 */
static void storvsc_complete_srb(struct storvsc_queue *q,
				 const struct vmb_pkt *pkt, const void *buf)
{
	struct storvsc_ctrl *ctrl = q->ctrl;
	enum storvsc_bad bad;
	struct storvsc_cmd *sc;
	unsigned long flags;

	spin_lock_irqsave(&q->lock, flags);
	sc = vmb_reqtable_take(q->rt, pkt->trans_id);
	if (!sc) {
		spin_unlock_irqrestore(&q->lock, flags);
		atomic64_inc(&q->bad_id);
		dev_warn_ratelimited(&ctrl->vdev->dev,
				     "queue %u: completion of no outstanding SRB (id %#llx), dropped\n",
				     q->index, pkt->trans_id);
		return;
	}
	bad = pkt->len < sizeof(struct vmb_stor_srb_msg) ? STORVSC_BAD_LENGTH :
		storvsc_check_srb(&sc->msg.srb, buf);
	if (bad == STORVSC_BAD_NONE) {
		atomic64_inc(&q->answered);
		storvsc_map_result(sc->cmd, buf);
		storvsc_settle(q, sc, STORVSC_PENDING_FINISH);
	} else if (!ctrl->tm) {
		storvsc_count_bad(q, bad);
		sc->cmd->result = DID_ERROR << 16;
		storvsc_settle(q, sc, STORVSC_PENDING_FINISH);
	} else {
		storvsc_count_bad(q, bad);
		storvsc_settle(q, sc, STORVSC_PENDING_ORPHAN);
	}
	spin_unlock_irqrestore(&q->lock, flags);
	if (bad != STORVSC_BAD_NONE)
		dev_warn_ratelimited(&ctrl->vdev->dev,
				     "queue %u: malformed SRB completion (%s), dropped\n",
				     q->index, storvsc_bad_names[bad]);
}

/* A completion after init: of an SRB or of a TASK_MANAGEMENT. */
static void storvsc_completion(struct storvsc_queue *q,
			       const struct vmb_pkt *pkt, const void *buf)
{
	struct vmb_stor_hdr hdr;

	if (pkt->len < sizeof(hdr)) {
		atomic64_inc(&q->bad_length);
		dev_warn_ratelimited(&q->ctrl->vdev->dev,
				     "queue %u: completion without a header, dropped\n",
				     q->index);
		return;
	}
	memcpy(&hdr, buf, sizeof(hdr));
	switch (le32_to_cpu(hdr.type)) {
	case VMB_STOR_EXECUTE_SRB:
		storvsc_complete_srb(q, pkt, buf);
		return;
	case VMB_STOR_TASK_MANAGEMENT:
		storvsc_tm_complete(q, pkt, buf);
		return;
	}
	atomic64_inc(&q->bad_other);
	dev_warn_ratelimited(&q->ctrl->vdev->dev,
			     "queue %u: completion of unknown type %u, dropped\n",
			     q->index, le32_to_cpu(hdr.type));
}

static void storvsc_inband(struct storvsc_queue *q, const struct vmb_pkt *pkt,
			   const void *buf)
{
	struct storvsc_ctrl *ctrl = q->ctrl;
	struct vmb_stor_hdr hdr;

	if (pkt->len < sizeof(hdr)) {
		storvsc_broken(q, "short in-band packet");
		return;
	}
	memcpy(&hdr, buf, sizeof(hdr));
	if (le32_to_cpu(hdr.type) != VMB_STOR_LUNS_CHANGED) {
		storvsc_broken(q, "unknown in-band message");
		return;
	}
	if (test_bit(STORVSC_F_READY, &ctrl->flags))
		queue_work(ctrl->wq, &ctrl->scan_work);
}

/* The channel callback: softirq, this channel's interrupts masked. */
static void storvsc_chan_cb(struct vmb_channel *chan, void *ctx)
{
	struct storvsc_queue *q = ctx;
	struct storvsc_ctrl *ctrl = q->ctrl;
	struct vmb_pkt pkt;
	int ret;

	for (;;) {
		ret = vmb_chan_recv(chan, &pkt, q->rxbuf, sizeof(q->rxbuf));
		if (ret == -EAGAIN)
			return;
		if (ret == -EMSGSIZE) {
			storvsc_broken(q, "oversized packet");
			continue;
		}
		if (ret) {
			storvsc_broken(q, "channel broken");
			return;
		}
		atomic64_inc(&q->completions);
		if (pkt.type == VMB_PKT_INBAND)
			storvsc_inband(q, &pkt, q->rxbuf);
		else if (!q->index && READ_ONCE(ctrl->ctl))
			storvsc_ctl_complete(ctrl, &pkt, q->rxbuf);
		else if (pkt.type == VMB_PKT_COMPLETION)
			storvsc_completion(q, &pkt, q->rxbuf);
		else
			storvsc_broken(q, "unexpected packet type");
	}
}

/*
 * The pages of @cmd's data: with the host's virt_boundary_mask every
 * segment but the first starts a page and every one but the last ends one,
 * so the whole buffer is one GPA range.  Returns the page count, 0 if the
 * scatterlist breaks that rule or is too large.
 */
static u32 storvsc_map_pages(struct scsi_cmnd *cmd, u32 *first_off)
{
	struct storvsc_cmd *sc = storvsc_priv(cmd);
	u32 left = scsi_bufflen(cmd), nr = 0, i, n, off, len;
	int count = scsi_sg_count(cmd);
	struct scatterlist *sg;
	struct page *page;

	scsi_for_each_sg(cmd, sg, count, i) {
		if (!left)
			break;
		page = nth_page(sg_page(sg), sg->offset / PAGE_SIZE);
		off = offset_in_page(sg->offset);
		len = min(sg->length, left);
		if (i == 0)
			*first_off = off;
		else if (off)
			return 0;
		left -= len;
		if (left && offset_in_page(off + len))
			return 0;
		for (n = 0; n < DIV_ROUND_UP(off + len, PAGE_SIZE); n++) {
			if (nr == STORVSC_MAX_PAGES)
				return 0;
			sc->pages[nr++] = nth_page(page, n);
		}
	}
	return left ? 0 : nr;
}

/* Fills in @cmd's SRB; the host result to fail it with, or 0. */
static int storvsc_build_srb(struct storvsc_ctrl *ctrl, struct scsi_cmnd *cmd)
{
	struct vmb_stor_srb_msg *m = &storvsc_priv(cmd)->msg;
	u32 len = scsi_bufflen(cmd);

	memset(m, 0, sizeof(*m));
	m->hdr.type = cpu_to_le32(VMB_STOR_EXECUTE_SRB);
	if (cmd->cmd_len < 1 || cmd->cmd_len > VMB_STOR_CDB_MAX ||
	    cmd->device->lun >= ctrl->max_luns || len > ctrl->max_transfer)
		return DID_ERROR;
	m->srb.lun = cpu_to_le16(cmd->device->lun);
	m->srb.cdb_len = cmd->cmd_len;
	memcpy(m->srb.cdb, cmd->cmnd, cmd->cmd_len);
	m->srb.sense_len = min_t(u32, VMB_STOR_SENSE_MAX,
				 SCSI_SENSE_BUFFERSIZE);
	switch (len ? cmd->sc_data_direction : DMA_NONE) {
	case DMA_NONE:
		m->srb.data_dir = VMB_STOR_DIR_NONE;
		len = 0;
		break;
	case DMA_FROM_DEVICE:
		m->srb.data_dir = VMB_STOR_DIR_READ;
		break;
	case DMA_TO_DEVICE:
		m->srb.data_dir = VMB_STOR_DIR_WRITE;
		break;
	default:
		return DID_ERROR;	/* bidirectional: not in the protocol */
	}
	m->srb.data_len = cpu_to_le32(len);
	return 0;
}

static int storvsc_errno_to_host(int err)
{
	switch (err) {
	case -ENODEV:
	case -EIO:
		return DID_NO_CONNECT;
	case -ENOMEM:
	case -EBUSY:
		return DID_BUS_BUSY;
	}
	return DID_ERROR;
}

/*
 * Sends @sc, SENDING, on @q; may sleep.  Once the send has returned the
 * command is SENT, or finished or orphaned as whoever took it out of the
 * table meanwhile asked, or finished here if it could not be sent.
 */
static void storvsc_send(struct storvsc_queue *q, struct storvsc_cmd *sc)
{
	struct scsi_cmnd *cmd = sc->cmd;
	struct storvsc_ctrl *ctrl = q->ctrl;
	u32 bytes = le32_to_cpu(sc->msg.srb.data_len), nr = 0, off = 0;
	unsigned int noio;
	unsigned long flags;
	bool in_table = false;
	u64 id = 0;
	int ret = -EINVAL;

	if (bytes) {
		nr = storvsc_map_pages(cmd, &off);
		if (!nr) {
			dev_err_ratelimited(&ctrl->vdev->dev,
					    "scatterlist is not one GPA range\n");
			goto out;
		}
	}
	sc->answered_at_send = atomic64_read(&q->answered);
	ret = vmb_reqtable_add(q->rt, sc, &id);
	if (ret)
		goto out;
	in_table = true;
	sc->id = id;

	/* The bus allocates: no I/O from here, it may be ours. */
	noio = memalloc_noio_save();
	if (bytes)
		ret = vmb_chan_send_gpa(q->chan, id, sc->pages, nr, off,
					bytes, &sc->msg, sizeof(sc->msg));
	else
		ret = vmb_chan_send(q->chan, VMB_PKT_INBAND,
				    VMB_PKT_F_COMPLETION_REQUESTED, id,
				    &sc->msg, sizeof(sc->msg));
	memalloc_noio_restore(noio);
out:
	spin_lock_irqsave(&q->lock, flags);
	q->sending--;
	if (ret && (!in_table || vmb_reqtable_take(q->rt, id) == sc)) {
		cmd->result = storvsc_errno_to_host(ret) << 16;
		storvsc_finish(q, sc);
	} else if (sc->pending == STORVSC_PENDING_NONE) {
		WRITE_ONCE(sc->state, STORVSC_CMD_SENT);
		atomic64_inc(&q->requests);
		atomic64_add(bytes, &q->bytes);
	} else {
		/* Taken out while we sent: a completion, or storvsc_kill(). */
		WRITE_ONCE(sc->state, STORVSC_CMD_SENT);
		storvsc_settle(q, sc, sc->pending);
	}
	spin_unlock_irqrestore(&q->lock, flags);
	/* The error handler may wait for the send to end. */
	wake_up_all(&ctrl->drain_wq);
}

void storvsc_send_work(struct work_struct *work)
{
	struct storvsc_queue *q = container_of(work, struct storvsc_queue,
					       send_work);
	struct storvsc_cmd *sc;
	unsigned long flags;

	for (;;) {
		spin_lock_irqsave(&q->lock, flags);
		sc = list_first_entry_or_null(&q->deferred, struct storvsc_cmd,
					      node);
		if (sc) {
			list_del_init(&sc->node);
			WRITE_ONCE(sc->state, STORVSC_CMD_SENDING);
			q->sending++;
		}
		spin_unlock_irqrestore(&q->lock, flags);
		if (!sc)
			return;
		storvsc_send(q, sc);
	}
}

int storvsc_queuecommand(struct Scsi_Host *shost,
			 struct scsi_cmnd *cmd)
{
	struct storvsc_ctrl *ctrl = shost_priv(shost);
	struct storvsc_cmd *sc = storvsc_priv(cmd);
	struct storvsc_queue *q;
	unsigned long flags;
	u32 hwq;
	int res;

	if (test_bit(STORVSC_F_DEAD, &ctrl->flags)) {
		cmd->result = DID_NO_CONNECT << 16;
		scsi_done(cmd);
		return 0;
	}
	hwq = blk_mq_unique_tag_to_hwq(blk_mq_unique_tag(scsi_cmd_to_rq(cmd)));
	if (hwq >= ctrl->nr_queues)
		hwq = 0;
	q = &ctrl->queues[hwq];
	sc->cmd = cmd;
	sc->timer_resets = 0;
	sc->pending = STORVSC_PENDING_NONE;
	sc->answered_at_send = atomic64_read(&q->answered);
	res = storvsc_build_srb(ctrl, cmd);
	if (res) {
		cmd->result = res << 16;
		atomic64_inc(&q->errors);
		scsi_done(cmd);
		return 0;
	}
	spin_lock_irqsave(&q->lock, flags);
	WRITE_ONCE(sc->q, q);
	atomic_inc(&q->in_flight);
	if (ctrl->direct_send) {
		WRITE_ONCE(sc->state, STORVSC_CMD_SENDING);
		q->sending++;
	} else {
		/* queuecommand() may not sleep here: a worker sends. */
		WRITE_ONCE(sc->state, STORVSC_CMD_DEFERRED);
		list_add_tail(&sc->node, &q->deferred);
	}
	spin_unlock_irqrestore(&q->lock, flags);
	if (ctrl->direct_send)
		storvsc_send(q, sc);
	else
		queue_work(ctrl->wq, &q->send_work);
	return 0;
}

int storvsc_queue_open(struct storvsc_ctrl *ctrl, u32 index,
		       struct vmb_channel *chan, u32 ring_size)
{
	struct storvsc_queue *q = &ctrl->queues[index];
	int ret = -ENOMEM;

	q->ctrl = ctrl;
	q->chan = chan;
	q->index = index;
	spin_lock_init(&q->lock);
	INIT_LIST_HEAD(&q->deferred);
	INIT_LIST_HEAD(&q->orphans);
	INIT_WORK(&q->send_work, storvsc_send_work);
	q->rt = vmb_reqtable_create(STORVSC_MAX_DEPTH);
	if (!q->rt)
		return -ENOMEM;
	q->tm_rt = vmb_reqtable_create(1);
	if (!q->tm_rt)
		goto out_destroy_rt;
	ret = vmb_chan_open(chan, ring_size, storvsc_chan_cb, q);
	if (ret)
		goto out_destroy_tm_rt;
	q->open = true;
	return 0;

out_destroy_tm_rt:
	vmb_reqtable_destroy(q->tm_rt);
	q->tm_rt = NULL;
out_destroy_rt:
	vmb_reqtable_destroy(q->rt);
	q->rt = NULL;
	return ret;
}

/* After storvsc_kill(): closed, nothing in the tables. */
void storvsc_queue_free(struct storvsc_queue *q)
{
	flush_work(&q->send_work);
	vmb_reqtable_destroy(q->tm_rt);
	q->tm_rt = NULL;
	vmb_reqtable_destroy(q->rt);
	q->rt = NULL;
}
