// SPDX-License-Identifier: GPL-2.0
/*
 * Control requests (include/vmb_net.h, "Init"): INIT walking down to a
 * version both sides speak, CONFIG, ATTACH_BUFS on every channel,
 * SUBCHANNELS and SET_RSS (1.1), and SET_RX_FILTER and SET_MAC whenever
 * the stack changes them.  One is in flight at a time (nd->ctl_lock); its
 * completion is checked for the request's shape by the NAPI poll of the
 * channel it went on before the waiter sees it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/etherdevice.h>
#include <linux/ethtool.h>
#include <linux/netdevice.h>

#include "netvsc.h"

#define NETVSC_CTL_TIMEOUT	(5 * HZ)

/* The versions we speak, highest first. */
static const u32 netvsc_versions[] = {
	VMB_NET_VERSION_1_1,		/* sub-channels, RSS */
	VMB_NET_VERSION_1_0,
};

static const char *netvsc_ctl_name(u32 type)
{
	switch (type) {
	case VMB_NET_INIT:
		return "INIT";
	case VMB_NET_CONFIG:
		return "CONFIG";
	case VMB_NET_ATTACH_BUFS:
		return "ATTACH_BUFS";
	case VMB_NET_SUBCHANNELS:
		return "SUBCHANNELS";
	case VMB_NET_SET_RSS:
		return "SET_RSS";
	case VMB_NET_SET_RX_FILTER:
		return "SET_RX_FILTER";
	case VMB_NET_SET_MAC:
		return "SET_MAC";
	}
	return "?";
}

/*
 * From the NAPI poll of @q, for a completion of a control type that
 * passed the dispatch table's length check: it must answer the request in
 * flight, on the channel that request went on.
 */
void netvsc_ctl_complete(struct netvsc_queue *q, const struct vmb_pkt *pkt,
			 const void *buf)
{
	struct netvsc_dev *nd = q->nd;
	struct netvsc_ctl *req;
	struct vmb_net_hdr hdr;

	req = vmb_reqtable_take(nd->ctl_rt, pkt->trans_id);
	if (!req) {
		netvsc_count_drop(q, NETVSC_DROP_UNKNOWN_ID);
		return;
	}
	req->ok = false;
	memcpy(&hdr, buf, sizeof(hdr));
	if (req != READ_ONCE(nd->ctl) || req->q != q || pkt->len < req->len ||
	    le32_to_cpu(hdr.type) != req->type) {
		netvsc_count_drop(q, NETVSC_DROP_BAD_MSG);
		goto out;
	}
	memcpy(&req->msg, buf, req->len);
	req->ok = true;
out:
	complete(&req->done);
}

/*
 * Sends @req on @q and waits for its completion; returns the host's
 * status (VMB_NET_S_*), or a negative errno.  Under nd->ctl_lock.
 */
int netvsc_ctl_send(struct netvsc_dev *nd, struct netvsc_queue *q,
		    struct netvsc_ctl *req)
{
	struct device *dev = &nd->vdev->dev;
	u32 status;
	u64 id;
	int ret;

	lockdep_assert_held(&nd->ctl_lock);

	if (test_bit(NETVSC_F_BROKEN, &nd->flags) ||
	    vmb_chan_rescinded(q->chan))
		return -ENODEV;
	init_completion(&req->done);
	req->q = q;
	req->msg.hdr.type = cpu_to_le32(req->type);
	req->msg.hdr.status = 0;
	WRITE_ONCE(nd->ctl, req);
	ret = vmb_reqtable_add(nd->ctl_rt, req, &id);
	if (ret)
		goto out;
	ret = vmb_chan_send(q->chan, VMB_PKT_INBAND,
			    VMB_PKT_F_COMPLETION_REQUESTED, id, &req->msg,
			    req->len);
	if (!ret && !wait_for_completion_timeout(&req->done,
						 NETVSC_CTL_TIMEOUT))
		ret = -ETIMEDOUT;
	if (ret) {
		/* Unless the poll has it and is about to complete it. */
		if (vmb_reqtable_take(nd->ctl_rt, id) != req)
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
	WRITE_ONCE(nd->ctl, NULL);
	if (ret < 0)
		dev_err(dev, "queue %u: %s: %s (%d)\n", q->index,
			netvsc_ctl_name(req->type),
			ret == -ETIMEDOUT ? "no answer from the host" :
			ret == -EPROTO ? "malformed answer" : "cannot send",
			ret);
	return ret;
}

/* A request that must be answered OK; any other status is an error. */
static int netvsc_ctl_ok(struct netvsc_dev *nd, struct netvsc_queue *q,
			 struct netvsc_ctl *req)
{
	int ret = netvsc_ctl_send(nd, q, req);

	if (ret > 0) {
		dev_err(&nd->vdev->dev, "queue %u: %s: host status %d\n",
			q->index, netvsc_ctl_name(req->type), ret);
		ret = -EIO;
	}
	return ret;
}

static void netvsc_ctl_init(struct netvsc_ctl *req, u32 type, u32 len)
{
	memset(&req->msg, 0, sizeof(req->msg));
	req->type = type;
	req->len = len;
}

static int netvsc_init_version(struct netvsc_dev *nd, struct netvsc_ctl *req)
{
	struct device *dev = &nd->vdev->dev;
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(netvsc_versions); i++) {
		netvsc_ctl_init(req, VMB_NET_INIT, sizeof(req->msg.init));
		req->msg.init.version = cpu_to_le32(netvsc_versions[i]);
		ret = netvsc_ctl_send(nd, &nd->queues[0], req);
		if (ret < 0)
			return ret;
		if (ret == VMB_NET_S_OK) {
			nd->version = netvsc_versions[i];
			return 0;
		}
		if (ret != VMB_NET_S_UNSUPPORTED_VERSION) {
			dev_err(dev, "INIT: host status %d\n", ret);
			return -EIO;
		}
		dev_info(dev, "host does not speak %u.%u (its highest: %#x)\n",
			 netvsc_versions[i] >> 16, netvsc_versions[i] & 0xffff,
			 le32_to_cpu(req->msg.init.version));
	}
	dev_err(dev, "no network protocol version in common with the host\n");
	return -EPROTONOSUPPORT;
}

/* CONFIG: what we want; the answer is checked whole before any is used. */
static int netvsc_config(struct netvsc_dev *nd, struct netvsc_ctl *req)
{
	struct vmb_net_config *c = &req->msg.config;
	struct device *dev = &nd->vdev->dev;
	u32 want = VMB_NET_CAP_ALL, caps, mtu, queues, link;
	int ret;

	if (nd->version < VMB_NET_VERSION_1_1)
		want &= ~VMB_NET_CAP_RSS;
	netvsc_ctl_init(req, VMB_NET_CONFIG, sizeof(*c));
	c->caps = cpu_to_le32(want);
	ret = netvsc_ctl_ok(nd, &nd->queues[0], req);
	if (ret)
		return ret;

	caps = le32_to_cpu(c->caps);
	mtu = le32_to_cpu(c->mtu_max);
	queues = le16_to_cpu(c->max_queues);
	link = le32_to_cpu(c->link_up);
	if (caps & ~want || mtu < VMB_NET_MTU_MIN || mtu > VMB_NET_MTU_MAX ||
	    !is_valid_ether_addr(c->mac) || !queues ||
	    queues > VMB_NET_QUEUES_MAX ||
	    (nd->version < VMB_NET_VERSION_1_1 && queues != 1) || link > 1) {
		dev_err(dev, "CONFIG out of range: caps %#x (asked %#x) mtu_max %u mac %pM max_queues %u link_up %u\n",
			caps, want, mtu, c->mac, queues, link);
		return -EPROTO;
	}
	nd->caps = caps;
	nd->mtu_max = mtu;
	ether_addr_copy(nd->mac, c->mac);
	nd->max_queues = queues;
	nd->link_up = link;
	return 0;
}

/* INIT and CONFIG on the open primary. */
int netvsc_negotiate(struct netvsc_dev *nd)
{
	struct netvsc_ctl req = { };
	int ret;

	mutex_lock(&nd->ctl_lock);
	ret = netvsc_init_version(nd, &req);
	if (!ret)
		ret = netvsc_config(nd, &req);
	mutex_unlock(&nd->ctl_lock);
	return ret;
}

/* ATTACH_BUFS for @q, whose buffers' GPADLs exist. */
int netvsc_attach_bufs(struct netvsc_queue *q)
{
	struct netvsc_dev *nd = q->nd;
	struct netvsc_ctl req = { };
	struct vmb_net_bufs *b = &req.msg.bufs;
	int ret;

	netvsc_ctl_init(&req, VMB_NET_ATTACH_BUFS, sizeof(*b));
	b->recv_gpadl = cpu_to_le32(q->recv_gpadl);
	b->recv_section_size = cpu_to_le32(NETVSC_RECV_SECTION);
	b->recv_sections = cpu_to_le32(q->recv_sections);
	b->send_gpadl = cpu_to_le32(q->send_gpadl);
	b->send_section_size = cpu_to_le32(NETVSC_SEND_SECTION);
	b->send_sections = cpu_to_le32(NETVSC_SEND_SECTIONS);
	mutex_lock(&nd->ctl_lock);
	ret = netvsc_ctl_ok(nd, q, &req);
	mutex_unlock(&nd->ctl_lock);
	return ret;
}

/*
 * SUBCHANNELS then the bus's request; returns how many sub-channels the
 * primary has (0 when the host refused), or a negative errno.
 */
int netvsc_request_subchannels(struct netvsc_dev *nd, u32 count)
{
	struct netvsc_ctl req = { };
	int ret;

	netvsc_ctl_init(&req, VMB_NET_SUBCHANNELS, sizeof(req.msg.subs));
	req.msg.subs.count = cpu_to_le16(count);
	mutex_lock(&nd->ctl_lock);
	ret = netvsc_ctl_send(nd, &nd->queues[0], &req);
	mutex_unlock(&nd->ctl_lock);
	if (ret < 0)
		return ret;
	if (ret) {
		dev_warn(&nd->vdev->dev,
			 "SUBCHANNELS %u: host status %d, one queue\n", count,
			 ret);
		return 0;
	}
	return vmb_chan_request_subchannels(nd->vdev->channel, count);
}

/*
 * SET_RSS with nd->rss_key and nd->rss_indir, every entry below
 * @nr_queues (the caller's check).  Under rtnl or in probe.
 */
int netvsc_set_rss(struct netvsc_dev *nd, u32 nr_queues)
{
	struct netvsc_ctl req = { };
	struct vmb_net_rss *r = &req.msg.rss;
	int ret;
	u32 i;

	if (!(nd->caps & VMB_NET_CAP_RSS))
		return nr_queues > 1 ? -EOPNOTSUPP : 0;
	netvsc_ctl_init(&req, VMB_NET_SET_RSS, sizeof(*r));
	r->hash_types = cpu_to_le32(nr_queues > 1 ? VMB_NET_HASH_ALL : 0);
	memcpy(r->key, nd->rss_key, sizeof(r->key));
	for (i = 0; i < VMB_NET_RSS_INDIR_LEN; i++)
		r->indir[i] = min(nd->rss_indir[i], nr_queues - 1);
	mutex_lock(&nd->ctl_lock);
	ret = netvsc_ctl_ok(nd, &nd->queues[0], &req);
	mutex_unlock(&nd->ctl_lock);
	return ret;
}

/*
 * SET_RX_FILTER from the interface's flags and multicast list now: none
 * while it is down, every frame when promiscuous, all multicast past
 * VMB_NET_MC_MAX addresses.  Sleeps.
 */
int netvsc_set_rx_filter(struct netvsc_dev *nd)
{
	struct net_device *ndev = nd->ndev;
	struct netvsc_ctl req = { };
	struct vmb_net_rx_filter *f = &req.msg.filter;
	struct netdev_hw_addr *ha;
	u32 flags = 0, n = 0;
	int ret;

	netvsc_ctl_init(&req, VMB_NET_SET_RX_FILTER, sizeof(*f));
	if (netif_running(ndev) && !test_bit(NETVSC_F_REMOVING, &nd->flags)) {
		flags = VMB_NET_RXF_UNICAST | VMB_NET_RXF_BROADCAST;
		if (ndev->flags & IFF_PROMISC)
			flags |= VMB_NET_RXF_PROMISC;
		if (ndev->flags & IFF_ALLMULTI)
			flags |= VMB_NET_RXF_ALLMULTI;
	}
	netif_addr_lock_bh(ndev);
	if (flags && !(flags & VMB_NET_RXF_ALLMULTI)) {
		if (netdev_mc_count(ndev) > VMB_NET_MC_MAX) {
			flags |= VMB_NET_RXF_ALLMULTI;
		} else {
			netdev_for_each_mc_addr(ha, ndev)
				ether_addr_copy(f->mc[n++], ha->addr);
			if (n)
				flags |= VMB_NET_RXF_MULTICAST;
		}
	}
	netif_addr_unlock_bh(ndev);
	f->flags = cpu_to_le32(flags);
	f->mc_count = cpu_to_le32(n);
	mutex_lock(&nd->ctl_lock);
	ret = netvsc_ctl_ok(nd, &nd->queues[0], &req);
	mutex_unlock(&nd->ctl_lock);
	return ret;
}

/* ndo_set_rx_mode runs in atomic context: the request is made here. */
void netvsc_rx_mode_work(struct work_struct *work)
{
	struct netvsc_dev *nd = container_of(work, struct netvsc_dev,
					     rx_mode_work);

	netvsc_set_rx_filter(nd);
}

int netvsc_set_mac(struct netvsc_dev *nd, const u8 *mac)
{
	struct netvsc_ctl req = { };
	int ret;

	netvsc_ctl_init(&req, VMB_NET_SET_MAC, sizeof(req.msg.mac));
	ether_addr_copy(req.msg.mac.mac, mac);
	mutex_lock(&nd->ctl_lock);
	ret = netvsc_ctl_send(nd, &nd->queues[0], &req);
	mutex_unlock(&nd->ctl_lock);
	if (ret > 0) {
		dev_warn(&nd->vdev->dev, "SET_MAC %pM: host status %d\n", mac,
			 ret);
		ret = ret == VMB_NET_S_INVALID ? -EADDRNOTAVAIL : -EIO;
	}
	return ret;
}
