// SPDX-License-Identifier: GPL-2.0
/*
 * The I/O path: a SCSI command becomes an EXECUTE_SRB on its hardware
 * queue's channel, its data described by GPA ranges over the pages of its
 * scatterlist (no bounce copy); a completion is copied out, checked
 * against the request it names and mapped to a SCSI result.
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

/* Completes a command that was taken out of its queue's table. */
static void storvsc_finish(struct storvsc_queue *q, struct scsi_cmnd *cmd)
{
	struct storvsc_cmd *sc = storvsc_priv(cmd);

	WRITE_ONCE(sc->done, true);
	if (cmd->result)
		atomic64_inc(&q->errors);
	scsi_done(cmd);
	if (atomic_dec_and_test(&q->in_flight))
		wake_up_all(&q->ctrl->drain_wq);
}

/* Everything still in @q's table fails with @result. */
static void storvsc_fail_queue(struct storvsc_queue *q, int result)
{
	struct storvsc_cmd *sc;
	struct scsi_cmnd *cmd;

	while ((sc = vmb_reqtable_pop(q->rt))) {
		cmd = sc->cmd;
		cmd->result = result;
		storvsc_finish(q, cmd);
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

/*
 * The result of @cmd from the host's copy @c of its SRB; NULL, or why the
 * completion is not one the protocol allows.
 */
static const char *storvsc_map_result(struct scsi_cmnd *cmd,
				      const struct vmb_stor_srb_msg *c)
{
	const struct vmb_stor_srb *req = &storvsc_priv(cmd)->msg.srb;
	const struct vmb_stor_srb *srb = &c->srb;
	u32 asked = le32_to_cpu(req->data_len);
	u32 moved = le32_to_cpu(srb->data_len);
	u32 sense_len;

	if (le32_to_cpu(c->hdr.type) != VMB_STOR_EXECUTE_SRB)
		return "completion of another type";
	if (srb->lun != req->lun || srb->cdb_len != req->cdb_len ||
	    srb->data_dir != req->data_dir)
		return "completion of another SRB";

	switch (le32_to_cpu(c->hdr.status)) {
	case VMB_STOR_S_OK:
		break;
	case VMB_STOR_S_BUSY:
		/* Not executed; the midlayer retries, a bounded number of times. */
		cmd->result = DID_BUS_BUSY << 16;
		return NULL;
	case VMB_STOR_S_INVALID:
	case VMB_STOR_S_BAD_STATE:
		dev_err_ratelimited(&cmd->device->sdev_gendev,
				    "host refused SRB (opcode %#x): status %u\n",
				    cmd->cmnd[0], le32_to_cpu(c->hdr.status));
		cmd->result = DID_ERROR << 16;
		return NULL;
	default:
		return "unknown status";
	}

	if (moved > asked)
		return "more data moved than asked for";
	scsi_set_resid(cmd, asked - moved);

	switch (srb->srb_status) {
	case VMB_STOR_SRB_SUCCESS:
		if (srb->scsi_status != SAM_STAT_GOOD)
			return "SUCCESS without GOOD";
		cmd->result = DID_OK << 16 | SAM_STAT_GOOD;
		return NULL;
	case VMB_STOR_SRB_ERROR:
		if (!storvsc_sam_status_known(srb->scsi_status))
			return "unknown SCSI status";
		sense_len = srb->sense_len;
		if (sense_len > req->sense_len)
			return "more sense than room";
		cmd->result = DID_OK << 16 | srb->scsi_status;
		if (srb->scsi_status == SAM_STAT_CHECK_CONDITION && sense_len)
			memcpy(cmd->sense_buffer, srb->sense,
			       min_t(u32, sense_len, SCSI_SENSE_BUFFERSIZE));
		return NULL;
	}
	return "unknown SRB status";
}

static void storvsc_complete_srb(struct storvsc_queue *q,
				 const struct vmb_pkt *pkt, const void *buf)
{
	const struct vmb_stor_srb_msg *c = buf;
	struct storvsc_cmd *sc;
	struct scsi_cmnd *cmd;
	const char *bad;

	sc = vmb_reqtable_take(q->rt, pkt->trans_id);
	if (!sc)
		return;		/* stale or unknown: counted by the table */
	cmd = sc->cmd;
	bad = pkt->len < sizeof(*c) ? "short completion" :
	      storvsc_map_result(cmd, c);
	if (bad) {
		cmd->result = DID_ERROR << 16;
		storvsc_finish(q, cmd);
		storvsc_broken(q, bad);
		return;
	}
	storvsc_finish(q, cmd);
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
			storvsc_complete_srb(q, &pkt, q->rxbuf);
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
 * Sends @cmd on @q; may sleep.  The command is finished here if it cannot
 * be sent, so the caller has nothing left to do.
 */
static void storvsc_send(struct storvsc_queue *q, struct scsi_cmnd *cmd)
{
	struct storvsc_cmd *sc = storvsc_priv(cmd);
	struct storvsc_ctrl *ctrl = q->ctrl;
	u32 bytes = le32_to_cpu(sc->msg.srb.data_len), nr = 0, off = 0;
	unsigned int noio;
	int ret;

	if (bytes) {
		nr = storvsc_map_pages(cmd, &off);
		if (!nr) {
			dev_err_ratelimited(&ctrl->vdev->dev,
					    "scatterlist is not one GPA range\n");
			cmd->result = DID_ERROR << 16;
			atomic64_inc(&q->errors);
			scsi_done(cmd);
			return;
		}
	}

	atomic_inc(&q->in_flight);
	sc->completions_at_send = atomic64_read(&q->completions);
	ret = vmb_reqtable_add(q->rt, sc, &sc->id);
	if (ret)
		goto out_fail;

	/* The bus allocates: no I/O from here, it may be ours. */
	noio = memalloc_noio_save();
	if (bytes)
		ret = vmb_chan_send_gpa(q->chan, sc->id, sc->pages, nr, off,
					bytes, &sc->msg, sizeof(sc->msg));
	else
		ret = vmb_chan_send(q->chan, VMB_PKT_INBAND,
				    VMB_PKT_F_COMPLETION_REQUESTED, sc->id,
				    &sc->msg, sizeof(sc->msg));
	memalloc_noio_restore(noio);
	if (!ret) {
		atomic64_inc(&q->requests);
		atomic64_add(bytes, &q->bytes);
		return;
	}
	/* Whoever took it out of the table finishes it. */
	if (vmb_reqtable_take(q->rt, sc->id) != sc)
		return;
out_fail:
	cmd->result = storvsc_errno_to_host(ret) << 16;
	storvsc_finish(q, cmd);
}

void storvsc_send_work(struct work_struct *work)
{
	struct storvsc_queue *q = container_of(work, struct storvsc_queue,
					       send_work);
	struct storvsc_cmd *sc;
	unsigned long flags;

	for (;;) {
		spin_lock_irqsave(&q->defer_lock, flags);
		sc = list_first_entry_or_null(&q->deferred, struct storvsc_cmd,
					      node);
		if (sc)
			list_del_init(&sc->node);
		spin_unlock_irqrestore(&q->defer_lock, flags);
		if (!sc)
			return;
		storvsc_send(q, sc->cmd);
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
	sc->q = q;
	sc->done = false;
	sc->timer_resets = 0;
	sc->completions_at_send = atomic64_read(&q->completions);
	res = storvsc_build_srb(ctrl, cmd);
	if (res) {
		cmd->result = res << 16;
		atomic64_inc(&q->errors);
		scsi_done(cmd);
		return 0;
	}
	if (ctrl->direct_send) {
		storvsc_send(q, cmd);
		return 0;
	}
	/* queuecommand() may not sleep here: a worker sends. */
	spin_lock_irqsave(&q->defer_lock, flags);
	list_add_tail(&sc->node, &q->deferred);
	spin_unlock_irqrestore(&q->defer_lock, flags);
	queue_work(ctrl->wq, &q->send_work);
	return 0;
}

int storvsc_queue_open(struct storvsc_ctrl *ctrl, u32 index,
		       struct vmb_channel *chan, u32 ring_size)
{
	struct storvsc_queue *q = &ctrl->queues[index];
	int ret;

	q->ctrl = ctrl;
	q->chan = chan;
	q->index = index;
	spin_lock_init(&q->defer_lock);
	INIT_LIST_HEAD(&q->deferred);
	INIT_WORK(&q->send_work, storvsc_send_work);
	q->rt = vmb_reqtable_create(STORVSC_MAX_DEPTH);
	if (!q->rt)
		return -ENOMEM;
	ret = vmb_chan_open(chan, ring_size, storvsc_chan_cb, q);
	if (ret) {
		vmb_reqtable_destroy(q->rt);
		q->rt = NULL;
		return ret;
	}
	q->open = true;
	return 0;
}

/* After storvsc_kill(): closed, nothing in the table. */
void storvsc_queue_free(struct storvsc_queue *q)
{
	flush_work(&q->send_work);
	vmb_reqtable_destroy(q->rt);
	q->rt = NULL;
}
