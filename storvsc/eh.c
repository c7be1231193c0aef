// SPDX-License-Identifier: GPL-2.0
/*
 * Error handling and LUN changes.
 *
 * A timed-out command gets one more timeout if its queue is still
 * answering others (a slow host), then the midlayer's error handler:
 *
 *   abort         TASK_MANAGEMENT ABORT_TASK on the command's own channel,
 *                 answered within STORVSC_TM_TIMEOUT: the host then holds
 *                 the SRB no longer, so the command is given back to the
 *                 midlayer (which retries it) and its id may be reused.
 *   device reset  LUN_RESET on every channel, the same for all of the
 *                 LUN's commands.
 *   host reset    a bounded wait for the host to answer everything; if it
 *                 does not, the channels are closed (after which the host
 *                 no longer touches the commands' memory), all I/O fails
 *                 and the midlayer takes the devices offline.
 *
 * With a 1.0 host there is no TASK_MANAGEMENT: the abort succeeds only for
 * a command the host has answered meanwhile, and the device reset fails.
 * Nothing waits without a bound.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <scsi/scsi.h>
#include <scsi/scsi_cmnd.h>
#include <scsi/scsi_device.h>
#include <scsi/scsi_eh.h>
#include <scsi/scsi_host.h>

#include "storvsc.h"

#define STORVSC_TIMER_RESETS	1
#define STORVSC_RESET_DRAIN	(10 * HZ)
#define STORVSC_TUR_TIMEOUT	(10 * HZ)
#define STORVSC_TM_TIMEOUT	(10 * HZ)	/* for the host's answer */
#define STORVSC_SEND_SETTLE	(10 * HZ)	/* for a send under way to end */

bool storvsc_drain(struct storvsc_ctrl *ctrl, unsigned long timeout)
{
	return wait_event_timeout(ctrl->drain_wq, !storvsc_in_flight(ctrl),
				  timeout);
}

vmb_compat_eh_timeout_t storvsc_eh_timed_out(struct scsi_cmnd *cmd)
{
	struct storvsc_ctrl *ctrl = shost_priv(cmd->device->host);
	struct storvsc_cmd *sc = scsi_cmd_priv(cmd);
	struct storvsc_queue *q = READ_ONCE(sc->q);
	u8 state = READ_ONCE(sc->state);

	if (!q || state == STORVSC_CMD_IDLE || state == STORVSC_CMD_DONE ||
	    test_bit(STORVSC_F_DEAD, &ctrl->flags) ||
	    test_bit(STORVSC_F_REMOVING, &ctrl->flags))
		return VMB_COMPAT_EH_NOT_HANDLED;
	if (state == STORVSC_CMD_ORPHANED) {
		scmd_printk(KERN_WARNING, cmd,
			    "malformed answer from the host (opcode %#x, queue %u)\n",
			    cmd->cmnd[0], q->index);
		return VMB_COMPAT_EH_NOT_HANDLED;
	}
	/* The host still answers on this queue: give it one more period. */
	if (sc->timer_resets < STORVSC_TIMER_RESETS &&
	    atomic64_read(&q->answered) != sc->answered_at_send) {
		sc->timer_resets++;
		sc->answered_at_send = atomic64_read(&q->answered);
		scmd_printk(KERN_WARNING, cmd,
			    "slow host (opcode %#x, queue %u): waiting once more\n",
			    cmd->cmnd[0], q->index);
		return VMB_COMPAT_EH_RESET_TIMER;
	}
	scmd_printk(KERN_WARNING, cmd,
		    "no answer from the host (opcode %#x, queue %u, %d in flight)\n",
		    cmd->cmnd[0], q->index, atomic_read(&q->in_flight));
	return VMB_COMPAT_EH_NOT_HANDLED;
}

/* ------------------------------------------------------------------ */
/* Task management                                                     */

/*
 * From the channel callback: the answer to q->tm, checked against the
 * request before the waiter sees it.  A malformed one is counted and ends
 * the exchange unanswered.
 */
void storvsc_tm_complete(struct storvsc_queue *q, const struct vmb_pkt *pkt,
			 const void *buf)
{
	struct storvsc_tm *tm = vmb_reqtable_take(q->tm_rt, pkt->trans_id);
	struct vmb_stor_task_mgmt a;

	if (!tm) {
		atomic64_inc(&q->bad_id);
		dev_warn_ratelimited(&q->ctrl->vdev->dev,
				     "queue %u: answer to no TASK_MANAGEMENT (id %#llx), dropped\n",
				     q->index, pkt->trans_id);
		return;
	}
	tm->result = -EPROTO;
	if (pkt->len < sizeof(a)) {
		atomic64_inc(&q->bad_length);
		goto out;
	}
	memcpy(&a, buf, sizeof(a));
	if (a.function != tm->msg.function || a.lun != tm->msg.lun ||
	    a.tag != tm->msg.tag) {
		atomic64_inc(&q->bad_other);
		goto out;
	}
	switch (le32_to_cpu(a.hdr.status)) {
	case VMB_STOR_S_OK:
		break;
	case VMB_STOR_S_INVALID:
	case VMB_STOR_S_BAD_STATE:
		tm->result = -EREMOTEIO;
		goto out;
	default:
		atomic64_inc(&q->bad_status);
		goto out;
	}
	switch (a.response) {
	case VMB_STOR_TMR_ABORTED:
	case VMB_STOR_TMR_NOT_FOUND:
	case VMB_STOR_TMR_COMPLETED:
		tm->result = a.response;
		break;
	default:
		atomic64_inc(&q->bad_status);
		break;
	}
out:
	complete(&tm->done);
}

/* Sends q->tm; 0 or -errno.  The answer is for storvsc_tm_wait(). */
static int storvsc_tm_send(struct storvsc_queue *q, u8 function, u64 lun,
			   u64 tag)
{
	struct storvsc_tm *tm = &q->tm;
	int ret;

	lockdep_assert_held(&q->ctrl->tm_lock);
	memset(&tm->msg, 0, sizeof(tm->msg));
	tm->msg.hdr.type = cpu_to_le32(VMB_STOR_TASK_MANAGEMENT);
	tm->msg.function = function;
	tm->msg.lun = cpu_to_le16(lun);
	tm->msg.tag = cpu_to_le64(tag);
	tm->result = -EPROTO;
	init_completion(&tm->done);
	ret = vmb_reqtable_add(q->tm_rt, tm, &tm->id);
	if (ret)
		return ret;
	ret = vmb_chan_send(q->chan, VMB_PKT_INBAND,
			    VMB_PKT_F_COMPLETION_REQUESTED, tm->id, &tm->msg,
			    sizeof(tm->msg));
	/* Unless the callback or storvsc_kill() has it and completes it. */
	if (ret && vmb_reqtable_take(q->tm_rt, tm->id) != tm)
		wait_for_completion(&tm->done);
	return ret;
}

/*
 * The host's response to q->tm (VMB_STOR_TMR_*), waiting until @deadline
 * (jiffies); or -ETIMEDOUT, -EPROTO (malformed), -EREMOTEIO (refused),
 * -ENODEV (the controller was killed meanwhile).
 */
static int storvsc_tm_wait(struct storvsc_queue *q, unsigned long deadline)
{
	struct storvsc_tm *tm = &q->tm;
	long left = (long)(deadline - jiffies);

	lockdep_assert_held(&q->ctrl->tm_lock);
	if (!wait_for_completion_timeout(&tm->done, max(left, 1L))) {
		if (vmb_reqtable_take(q->tm_rt, tm->id) == tm)
			return -ETIMEDOUT;
		wait_for_completion(&tm->done);
	}
	return tm->result;
}

static const char *storvsc_tm_why(int result)
{
	switch (result) {
	case VMB_STOR_TMR_ABORTED:
		return "aborted";
	case VMB_STOR_TMR_NOT_FOUND:
		return "not found";
	case VMB_STOR_TMR_COMPLETED:
		return "completed";
	case -ETIMEDOUT:
		return "no answer";
	case -EPROTO:
		return "malformed answer";
	case -EREMOTEIO:
		return "refused";
	case -ENODEV:
		return "controller gone";
	}
	return "cannot send";
}

/*
 * Waits, bounded, until @sc is not being sent (the host must have its SRB
 * before it is asked about it); one never sent is released.  Returns its
 * state then.
 */
static u8 storvsc_cmd_settle(struct storvsc_queue *q, struct storvsc_cmd *sc)
{
	wait_event_timeout(q->ctrl->drain_wq,
			   READ_ONCE(sc->state) != STORVSC_CMD_SENDING,
			   STORVSC_SEND_SETTLE);
	if (READ_ONCE(sc->state) == STORVSC_CMD_DEFERRED)
		storvsc_release(q, sc);
	return READ_ONCE(sc->state);
}

int storvsc_eh_abort(struct scsi_cmnd *cmd)
{
	struct storvsc_ctrl *ctrl = shost_priv(cmd->device->host);
	struct storvsc_cmd *sc = scsi_cmd_priv(cmd);
	struct storvsc_queue *q = READ_ONCE(sc->q);
	u8 state;
	int ret;

	if (!q)
		return SUCCESS;		/* never reached us */
	state = storvsc_cmd_settle(q, sc);
	if (state == STORVSC_CMD_DONE || state == STORVSC_CMD_IDLE)
		return SUCCESS;
	if (!ctrl->tm || state == STORVSC_CMD_SENDING ||
	    test_bit(STORVSC_F_DEAD, &ctrl->flags))
		return FAILED;

	mutex_lock(&ctrl->tm_lock);
	ret = storvsc_tm_send(q, VMB_STOR_TM_ABORT_TASK, cmd->device->lun,
			      sc->id);
	if (!ret)
		ret = storvsc_tm_wait(q, jiffies + STORVSC_TM_TIMEOUT);
	mutex_unlock(&ctrl->tm_lock);
	if (ret < 0) {
		if (READ_ONCE(sc->state) == STORVSC_CMD_DONE)
			return SUCCESS;	/* killed meanwhile */
		scmd_printk(KERN_WARNING, cmd, "abort on queue %u: %s\n",
			    q->index, storvsc_tm_why(ret));
		return FAILED;
	}
	atomic64_inc(&q->aborts);
	/* Its completion, if the host sent one, came before the answer. */
	storvsc_release(q, sc);
	scmd_printk(KERN_INFO, cmd, "aborted on queue %u (host: %s)\n",
		    q->index, storvsc_tm_why(ret));
	return SUCCESS;
}

/* scsi_host_busy_iter() over one LUN's commands: see the device reset. */
struct storvsc_lun_iter {
	struct scsi_device *sdev;
	bool sent;			/* release sent ones too */
	u32 released;
	u32 sending;
};

static bool storvsc_release_lun_cmd(struct scsi_cmnd *cmd, void *data)
{
	struct storvsc_lun_iter *it = data;
	struct storvsc_cmd *sc = scsi_cmd_priv(cmd);
	struct storvsc_queue *q = READ_ONCE(sc->q);
	u8 state = READ_ONCE(sc->state);

	if (cmd->device != it->sdev || !q)
		return true;
	if (state == STORVSC_CMD_SENDING)
		it->sending++;
	if (state == STORVSC_CMD_DEFERRED ||
	    (it->sent && (state == STORVSC_CMD_SENT ||
			  state == STORVSC_CMD_ORPHANED)))
		it->released += storvsc_release(q, sc);
	return true;
}

/*
 * LUN_RESET on every queue: the LUN's commands may be on any of them.  The
 * midlayer runs this with the host quiesced, so the LUN's commands are
 * all in its hands; those never sent are released first, then, once every
 * send under way has ended and every queue's host has answered, the rest.
 */
int storvsc_eh_device_reset(struct scsi_cmnd *cmd)
{
	struct scsi_device *sdev = cmd->device;
	struct storvsc_ctrl *ctrl = shost_priv(sdev->host);
	struct storvsc_lun_iter it = { .sdev = sdev };
	bool sent[1 + VMB_MAX_SUBCHANNELS];
	unsigned long deadline;
	u32 i, failed = 0;
	int ret;

	if (!ctrl->tm || test_bit(STORVSC_F_DEAD, &ctrl->flags))
		return FAILED;
	scsi_host_busy_iter(sdev->host, storvsc_release_lun_cmd, &it);
	if (!wait_event_timeout(ctrl->drain_wq, !storvsc_sending(ctrl),
				STORVSC_SEND_SETTLE)) {
		sdev_printk(KERN_WARNING, sdev, "LUN reset: sends do not end\n");
		return FAILED;
	}

	mutex_lock(&ctrl->tm_lock);
	for (i = 0; i < ctrl->nr_queues; i++)
		sent[i] = !storvsc_tm_send(&ctrl->queues[i],
					   VMB_STOR_TM_LUN_RESET, sdev->lun, 0);
	deadline = jiffies + STORVSC_TM_TIMEOUT;
	for (i = 0; i < ctrl->nr_queues; i++) {
		ret = sent[i] ? storvsc_tm_wait(&ctrl->queues[i], deadline) :
			-EIO;
		if (ret < 0) {
			sdev_printk(KERN_WARNING, sdev,
				    "LUN reset on queue %u: %s\n", i,
				    storvsc_tm_why(ret));
			failed++;
		} else {
			atomic64_inc(&ctrl->queues[i].resets);
		}
	}
	mutex_unlock(&ctrl->tm_lock);
	if (failed)
		return FAILED;

	it.sent = true;
	it.sending = 0;
	scsi_host_busy_iter(sdev->host, storvsc_release_lun_cmd, &it);
	if (it.sending)
		return FAILED;
	sdev_printk(KERN_INFO, sdev, "LUN reset: %u command(s) released\n",
		    it.released);
	return SUCCESS;
}

int storvsc_eh_host_reset(struct scsi_cmnd *cmd)
{
	struct storvsc_ctrl *ctrl = shost_priv(cmd->device->host);
	struct device *dev = &ctrl->vdev->dev;

	if (test_bit(STORVSC_F_DEAD, &ctrl->flags)) {
		storvsc_kill(ctrl, "host reset");
		return FAILED;
	}
	dev_warn(dev, "host reset: waiting for %u commands\n",
		 storvsc_in_flight(ctrl));
	if (storvsc_drain(ctrl, STORVSC_RESET_DRAIN) &&
	    !test_bit(STORVSC_F_DEAD, &ctrl->flags)) {
		dev_info(dev, "host reset: the host answered everything\n");
		return SUCCESS;
	}
	storvsc_kill(ctrl, "host reset: the host does not answer");
	return FAILED;
}

/* ------------------------------------------------------------------ */
/* LUN changes                                                         */

/* Whether a TEST UNIT READY says the LUN is no longer there. */
static bool storvsc_lun_gone(struct scsi_device *sdev)
{
	struct scsi_sense_hdr sshdr;
	int res;

	res = scsi_test_unit_ready(sdev, STORVSC_TUR_TIMEOUT, 1, &sshdr);
	if (res <= 0)
		return false;
	if (host_byte(res) == DID_BAD_TARGET)
		return true;
	return scsi_sense_valid(&sshdr) &&
	       sshdr.sense_key == ILLEGAL_REQUEST && sshdr.asc == 0x25;
}

/*
 * LUNS_CHANGED: remove the LUNs that went away (a TEST UNIT READY answers
 * "LUN not supported"), then scan for new ones (REPORT LUNS).
 */
void storvsc_scan_work(struct work_struct *work)
{
	struct storvsc_ctrl *ctrl = container_of(work, struct storvsc_ctrl,
						 scan_work);
	struct scsi_device *sdev;

	if (test_bit(STORVSC_F_DEAD, &ctrl->flags))
		return;
	shost_for_each_device(sdev, ctrl->shost) {
		if (storvsc_lun_gone(sdev)) {
			sdev_printk(KERN_INFO, sdev, "LUN removed by the host\n");
			scsi_remove_device(sdev);
		}
	}
	scsi_scan_host(ctrl->shost);
}
