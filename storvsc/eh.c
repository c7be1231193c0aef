// SPDX-License-Identifier: GPL-2.0
/*
 * Error handling and LUN changes.
 *
 * The protocol has no abort and no reset: the host answers every SRB, late
 * or never.  So a timed-out command gets one more timeout if its queue is
 * still completing others (a slow host), then the midlayer's error handler:
 * abort succeeds only for a command the host has answered meanwhile; the
 * host reset waits a bounded time for the host to answer everything, and
 * if it does not, closes the channels (after which the host no longer
 * touches the commands' memory), fails all I/O and reports failure, so the
 * midlayer takes the devices offline.  Nothing waits without a bound.
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

	if (!q || READ_ONCE(sc->done) ||
	    test_bit(STORVSC_F_DEAD, &ctrl->flags) ||
	    test_bit(STORVSC_F_REMOVING, &ctrl->flags))
		return VMB_COMPAT_EH_NOT_HANDLED;
	/* The host still answers on this queue: give it one more period. */
	if (sc->timer_resets < STORVSC_TIMER_RESETS &&
	    atomic64_read(&q->completions) != sc->completions_at_send) {
		sc->timer_resets++;
		sc->completions_at_send = atomic64_read(&q->completions);
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

/* Nothing to abort on the wire: done if the host has answered it. */
int storvsc_eh_abort(struct scsi_cmnd *cmd)
{
	struct storvsc_cmd *sc = scsi_cmd_priv(cmd);

	return READ_ONCE(sc->done) ? SUCCESS : FAILED;
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
