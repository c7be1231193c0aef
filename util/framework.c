// SPDX-License-Identifier: GPL-2.0
/* The integration services' framework: see util.h. */
#include <linux/device.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "util.h"

void vmb_util_warn(struct vmb_util_dev *u, const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	if (!__ratelimit(&u->rs))
		return;
	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	dev_warn(&u->vdev->dev, "%s: %pV\n", u->svc->name, &vaf);
	va_end(args);
}

static int vmb_util_send(struct vmb_util_dev *u, u8 *msg,
			 const struct vmb_util_req *req, u16 version,
			 u16 status, u16 len)
{
	struct vmb_util_hdr *h = (struct vmb_util_hdr *)msg;

	memset(h, 0, sizeof(*h));
	h->type = cpu_to_le16(req->type);
	h->version = cpu_to_le16(version);
	h->status = cpu_to_le16(status);
	h->len = cpu_to_le16(len);
	h->seq = cpu_to_le32(req->seq);
	if (status == VMB_UTIL_S_OK)
		u->requests++;
	else
		u->refused++;
	return vmb_chan_try_send(u->vdev->channel, VMB_PKT_COMPLETION, 0,
				 req->trans_id, msg, sizeof(*h) + len);
}

int vmb_util_answer(struct vmb_util_dev *u, const struct vmb_util_req *req,
		    u16 status, const void *body, u16 len)
{
	size_t size = sizeof(struct vmb_util_hdr) + len;
	u8 *msg;
	int ret;

	if (len > VMB_UTIL_BODY_MAX)
		return -EINVAL;
	msg = kzalloc(size, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	if (len)
		memcpy(msg + sizeof(struct vmb_util_hdr), body, len);
	ret = vmb_util_send(u, msg, req, u->version, status, len);
	kfree(msg);
	return ret;
}
EXPORT_SYMBOL_GPL(vmb_util_answer);

/* NEGOTIATE: the highest version both speak. */
static u16 vmb_util_negotiate(struct vmb_util_dev *u, const void *body,
			      u16 len, u16 *chosen)
{
	const struct vmb_util_negotiate *n = body;
	unsigned int i, j, count;
	u16 v;

	*chosen = 0;
	if (len < offsetof(struct vmb_util_negotiate, versions)) {
		vmb_util_warn(u, "NEGOTIATE of %u bytes", len);
		return VMB_UTIL_S_INVALID;
	}
	count = le16_to_cpu(n->count);
	if (!count || count > VMB_UTIL_VERSIONS_MAX ||
	    len < offsetof(struct vmb_util_negotiate, versions) +
		  count * sizeof(n->versions[0])) {
		vmb_util_warn(u, "NEGOTIATE with %u versions in %u bytes",
			      count, len);
		return VMB_UTIL_S_INVALID;
	}
	for (i = 0; i < u->svc->nr_versions; i++) {
		for (j = 0; j < count; j++) {
			v = le16_to_cpu(n->versions[j]);
			if (v == u->svc->versions[i]) {
				*chosen = v;
				return VMB_UTIL_S_OK;
			}
		}
	}
	vmb_util_warn(u, "the host offers none of our versions (first of %u: %u.%u)",
		      count, le16_to_cpu(n->versions[0]) >> 8,
		      le16_to_cpu(n->versions[0]) & 0xff);
	return VMB_UTIL_S_UNSUPPORTED;
}

static void vmb_util_request(struct vmb_util_dev *u, const struct vmb_pkt *pkt)
{
	const struct vmb_util_hdr *h = (const struct vmb_util_hdr *)u->rx;
	const struct vmb_util_type *t;
	struct vmb_util_req req;
	u16 status, len, version, ans_len = 0;
	const void *body = u->rx + sizeof(*h);

	if (pkt->type != VMB_PKT_INBAND ||
	    !(pkt->flags & VMB_PKT_F_COMPLETION_REQUESTED) ||
	    pkt->len < sizeof(*h)) {
		u->dropped++;
		vmb_util_warn(u, "dropped a packet of type %u, flags %#x, %u bytes: not a request",
			      pkt->type, pkt->flags, pkt->len);
		return;
	}
	req.trans_id = pkt->trans_id;
	req.type = le16_to_cpu(h->type);
	req.seq = le32_to_cpu(h->seq);
	len = le16_to_cpu(h->len);
	version = le16_to_cpu(h->version);

	if (len > pkt->len - sizeof(*h) || h->status || h->reserved) {
		vmb_util_warn(u, "malformed request of type %u: body %u of %u bytes, status %u, reserved %#x",
			      req.type, len, pkt->len, le16_to_cpu(h->status),
			      le32_to_cpu(h->reserved));
		vmb_util_send(u, u->tx, &req, u->version, VMB_UTIL_S_INVALID, 0);
		return;
	}
	if (req.type == VMB_UTIL_NEGOTIATE) {
		u16 chosen;

		status = vmb_util_negotiate(u, body, len, &chosen);
		if (status == VMB_UTIL_S_OK) {
			if (u->version != chosen)
				dev_info(&u->vdev->dev, "%s: version %u.%u\n",
					 u->svc->name, chosen >> 8,
					 chosen & 0xff);
			u->version = chosen;
		}
		vmb_util_send(u, u->tx, &req, chosen, status, 0);
		return;
	}
	if (!u->version) {
		vmb_util_warn(u, "request of type %u before NEGOTIATE", req.type);
		status = VMB_UTIL_S_BAD_STATE;
		goto refuse;
	}
	if (version != u->version) {
		vmb_util_warn(u, "request of type %u in version %u.%u, negotiated %u.%u",
			      req.type, version >> 8, version & 0xff,
			      u->version >> 8, u->version & 0xff);
		status = VMB_UTIL_S_UNSUPPORTED;
		goto refuse;
	}
	for (t = u->svc->types; t->fn; t++)
		if (t->type == req.type)
			break;
	if (!t->fn) {
		vmb_util_warn(u, "unknown request type %u", req.type);
		status = VMB_UTIL_S_UNKNOWN_TYPE;
		goto refuse;
	}
	if (len < t->min_len) {
		vmb_util_warn(u, "request of type %u with %u bytes, at least %u expected",
			      req.type, len, t->min_len);
		status = VMB_UTIL_S_INVALID;
		goto refuse;
	}
	status = t->fn(u, &req, body, len,
		       u->tx + sizeof(struct vmb_util_hdr), &ans_len);
	if (status == VMB_UTIL_DEFERRED)
		return;
	if (ans_len > VMB_UTIL_BODY_MAX)
		ans_len = 0;
	vmb_util_send(u, u->tx, &req, u->version, status, ans_len);
	return;
refuse:
	vmb_util_send(u, u->tx, &req, u->version, status, 0);
}

static void vmb_util_callback(struct vmb_channel *chan, void *ctx)
{
	struct vmb_util_dev *u = ctx;
	struct vmb_pkt pkt;
	int ret;

	for (;;) {
		ret = vmb_chan_recv(chan, &pkt, u->rx, sizeof(u->rx));
		if (ret == -EAGAIN || ret == -EIO)
			break;
		if (ret == -EMSGSIZE) {
			u->dropped++;
			vmb_util_warn(u, "dropped a packet larger than %zu bytes",
				      sizeof(u->rx));
			continue;
		}
		if (ret < 0)
			break;
		vmb_util_request(u, &pkt);
	}
}

int vmb_util_open(struct vmb_device *vdev, struct vmb_util_dev *u,
		  const struct vmb_util_service *svc, void *priv)
{
	u->vdev = vdev;
	u->svc = svc;
	u->priv = priv;
	u->version = 0;
	ratelimit_state_init(&u->rs, 5 * HZ, 10);
	return vmb_chan_open(vdev->channel, VMB_UTIL_RING_SIZE,
			     vmb_util_callback, u);
}

void vmb_util_close(struct vmb_util_dev *u)
{
	vmb_chan_close(u->vdev->channel);
}
