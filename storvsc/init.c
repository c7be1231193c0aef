// SPDX-License-Identifier: GPL-2.0
/*
 * The init handshake on the primary channel (docs/protocol.md, "Init
 * sequence"): BEGIN_INIT, QUERY_VERSION walking down to a version both
 * sides speak, QUERY_PROPERTIES, optionally CREATE_SUBCHANNELS, END_INIT.
 * One control request is in flight at a time, before the SCSI host exists,
 * so every completion on the primary belongs to it until then.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/minmax.h>

#include "storvsc.h"

#define STORVSC_CTL_TIMEOUT	(5 * HZ)

/* The versions we speak, highest first. */
static const u32 storvsc_versions[] = {
	VMB_STOR_VERSION_1_1,		/* TASK_MANAGEMENT */
	VMB_STOR_VERSION_1_0,
};

static const char *storvsc_ctl_name(u32 type)
{
	switch (type) {
	case VMB_STOR_BEGIN_INIT:
		return "BEGIN_INIT";
	case VMB_STOR_QUERY_VERSION:
		return "QUERY_VERSION";
	case VMB_STOR_QUERY_PROPERTIES:
		return "QUERY_PROPERTIES";
	case VMB_STOR_CREATE_SUBCHANNELS:
		return "CREATE_SUBCHANNELS";
	case VMB_STOR_END_INIT:
		return "END_INIT";
	}
	return "?";
}

/*
 * From the primary's callback while a control request is in flight: the
 * completion, copied out by the callback, is checked for the shape of the
 * request before the waiter sees it.
 */
void storvsc_ctl_complete(struct storvsc_ctrl *ctrl, const struct vmb_pkt *pkt,
			  const void *buf)
{
	struct storvsc_ctl_req *req;
	struct vmb_stor_hdr hdr;

	if (pkt->type != VMB_PKT_COMPLETION) {
		storvsc_broken(&ctrl->queues[0], "unexpected packet during init");
		return;
	}
	req = vmb_reqtable_take(ctrl->ctl_rt, pkt->trans_id);
	if (!req)
		return;		/* stale: counted by the table */
	req->ok = false;
	if (req != READ_ONCE(ctrl->ctl) || pkt->len < req->len)
		goto out;
	memcpy(&hdr, buf, sizeof(hdr));
	if (le32_to_cpu(hdr.type) != req->type)
		goto out;
	memcpy(&req->msg, buf, req->len);
	req->ok = true;
out:
	complete(&req->done);
}

/*
 * Sends the control request in ctrl->ctl and waits for its completion;
 * returns the host's status, or a negative errno.
 */
static int storvsc_ctl(struct storvsc_ctrl *ctrl, struct storvsc_ctl_req *req)
{
	struct storvsc_queue *q = &ctrl->queues[0];
	struct device *dev = &ctrl->vdev->dev;
	u32 status;
	u64 id;
	int ret;

	if (test_bit(STORVSC_F_DEAD, &ctrl->flags))
		return -EIO;
	init_completion(&req->done);
	req->msg.hdr.type = cpu_to_le32(req->type);
	req->msg.hdr.status = 0;
	WRITE_ONCE(ctrl->ctl, req);
	ret = vmb_reqtable_add(ctrl->ctl_rt, req, &id);
	if (ret)
		goto out;
	ret = vmb_chan_send(q->chan, VMB_PKT_INBAND,
			    VMB_PKT_F_COMPLETION_REQUESTED, id, &req->msg,
			    req->len);
	if (!ret && !wait_for_completion_timeout(&req->done,
						 STORVSC_CTL_TIMEOUT))
		ret = -ETIMEDOUT;
	if (ret) {
		/* Unless the callback has it and is about to complete it. */
		if (vmb_reqtable_take(ctrl->ctl_rt, id) != req)
			wait_for_completion(&req->done);
		goto out;
	}
	if (!req->ok) {
		ret = -EPROTO;
		goto out;
	}
	status = le32_to_cpu(req->msg.hdr.status);
	/* The host's number, which must not pass for an errno. */
	ret = status <= S32_MAX ? status : -EPROTO;
out:
	WRITE_ONCE(ctrl->ctl, NULL);
	if (ret < 0)
		dev_err(dev, "%s: %s\n", storvsc_ctl_name(req->type),
			ret == -ETIMEDOUT ? "no answer from the host" :
			ret == -EPROTO ? "malformed answer" : "cannot send");
	return ret;
}

/* A step that must answer OK; anything else is an error. */
static int storvsc_ctl_ok(struct storvsc_ctrl *ctrl,
			  struct storvsc_ctl_req *req)
{
	int ret = storvsc_ctl(ctrl, req);

	if (ret > 0) {
		dev_err(&ctrl->vdev->dev, "%s: host status %d\n",
			storvsc_ctl_name(req->type), ret);
		ret = -EIO;
	}
	return ret;
}

static int storvsc_negotiate(struct storvsc_ctrl *ctrl,
			     struct storvsc_ctl_req *req)
{
	struct device *dev = &ctrl->vdev->dev;
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(storvsc_versions); i++) {
		memset(&req->msg, 0, sizeof(req->msg));
		req->type = VMB_STOR_QUERY_VERSION;
		req->len = sizeof(req->msg.ver);
		req->msg.ver.version = cpu_to_le32(storvsc_versions[i]);
		ret = storvsc_ctl(ctrl, req);
		if (ret < 0)
			return ret;
		if (ret == VMB_STOR_S_OK) {
			ctrl->version = storvsc_versions[i];
			/* a 1.0 host must never see a TASK_MANAGEMENT */
			ctrl->tm = ctrl->version >= VMB_STOR_VERSION_1_1;
			return 0;
		}
		if (ret != VMB_STOR_S_UNSUPPORTED_VERSION) {
			dev_err(dev, "QUERY_VERSION: host status %d\n", ret);
			return -EIO;
		}
		dev_info(dev, "host does not speak %u.%u (its highest: %#x)\n",
			 storvsc_versions[i] >> 16, storvsc_versions[i] & 0xffff,
			 le32_to_cpu(req->msg.ver.version));
	}
	dev_err(dev, "no storage protocol version in common with the host\n");
	return -EPROTONOSUPPORT;
}

/* The host's properties, checked and clamped to what we support. */
static int storvsc_properties(struct storvsc_ctrl *ctrl,
			      struct storvsc_ctl_req *req)
{
	struct vmb_stor_properties *p = &req->msg.props;
	struct device *dev = &ctrl->vdev->dev;
	u32 xfer, depth, luns;
	int ret;

	memset(&req->msg, 0, sizeof(req->msg));
	req->type = VMB_STOR_QUERY_PROPERTIES;
	req->len = sizeof(*p);
	ret = storvsc_ctl_ok(ctrl, req);
	if (ret)
		return ret;

	xfer = le32_to_cpu(p->max_transfer_bytes);
	depth = le32_to_cpu(p->queue_depth);
	luns = le16_to_cpu(p->max_luns);
	if (xfer < PAGE_SIZE || !depth || !luns || luns > VMB_STOR_LUNS_MAX) {
		dev_err(dev, "host properties out of range: max_transfer %u queue_depth %u max_luns %u\n",
			xfer, depth, luns);
		return -EPROTO;
	}
	ctrl->max_transfer = min_t(u32, rounddown(xfer, PAGE_SIZE),
				   STORVSC_MAX_TRANSFER);
	ctrl->depth = min_t(u32, depth, STORVSC_MAX_DEPTH);
	ctrl->max_luns = luns;
	ctrl->max_subchannels = min_t(u32, le16_to_cpu(p->max_subchannels),
				      VMB_MAX_SUBCHANNELS);
	ctrl->host_flags = le32_to_cpu(p->flags);
	return 0;
}

/* BEGIN_INIT, QUERY_VERSION, QUERY_PROPERTIES on the open primary. */
int storvsc_handshake(struct storvsc_ctrl *ctrl)
{
	struct storvsc_ctl_req req = { };
	int ret;

	req.type = VMB_STOR_BEGIN_INIT;
	req.len = sizeof(req.msg.hdr);
	ret = storvsc_ctl_ok(ctrl, &req);
	if (ret)
		return ret;
	ret = storvsc_negotiate(ctrl, &req);
	if (ret)
		return ret;
	return storvsc_properties(ctrl, &req);
}

/*
 * CREATE_SUBCHANNELS then the bus's request; returns how many sub-channels
 * the primary has (0 when the host refused), or a negative errno.
 */
int storvsc_create_subchannels(struct storvsc_ctrl *ctrl, u32 want)
{
	struct storvsc_ctl_req req = { };
	int ret;

	req.type = VMB_STOR_CREATE_SUBCHANNELS;
	req.len = sizeof(req.msg.subs);
	req.msg.subs.count = cpu_to_le16(want);
	ret = storvsc_ctl(ctrl, &req);
	if (ret < 0)
		return ret;
	if (ret) {
		dev_warn(&ctrl->vdev->dev,
			 "CREATE_SUBCHANNELS %u: host status %d, one queue\n",
			 want, ret);
		return 0;
	}
	return vmb_chan_request_subchannels(ctrl->vdev->channel, want);
}

int storvsc_end_init(struct storvsc_ctrl *ctrl)
{
	struct storvsc_ctl_req req = { };

	req.type = VMB_STOR_END_INIT;
	req.len = sizeof(req.msg.hdr);
	return storvsc_ctl_ok(ctrl, &req);
}
