// SPDX-License-Identifier: GPL-2.0
/*
 * A queue's life: its buffers, their GPADLs, its NAPI context and its
 * channel, opened in that order and attached to the host (ATTACH_BUFS);
 * closed in reverse.  The buffers are the host's until the channel is
 * closed; one whose GPADL the host does not let go of is leaked, never
 * freed under it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/netdevice.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "netvsc.h"

static void netvsc_queue_free_mem(struct netvsc_queue *q)
{
	vmb_reqtable_destroy(q->tx_rt);
	q->tx_rt = NULL;
	kfree(q->rx_pkt);
	q->rx_pkt = NULL;
	kfree(q->rx_done);
	q->rx_done = NULL;
	bitmap_free(q->send_map);
	q->send_map = NULL;
	kfree(q->send_tags);
	q->send_tags = NULL;
	vfree(q->recv_buf);
	q->recv_buf = NULL;
	vfree(q->send_buf);
	q->send_buf = NULL;
}

static int netvsc_queue_alloc_mem(struct netvsc_queue *q)
{
	q->recv_sections = NETVSC_RECV_BUF_SIZE / NETVSC_RECV_SECTION;
	q->tx_rt = vmb_reqtable_create(NETVSC_TX_MAX);
	q->rx_pkt = kmalloc(NETVSC_RX_PKT_MAX, GFP_KERNEL);
	/* Each RECV not yet completed holds a section of its own. */
	q->rx_done = kcalloc(q->recv_sections, sizeof(*q->rx_done),
			     GFP_KERNEL);
	q->send_map = bitmap_zalloc(NETVSC_SEND_SECTIONS, GFP_KERNEL);
	q->send_tags = kzalloc(NETVSC_SEND_SECTIONS, GFP_KERNEL);
	q->recv_buf = vzalloc(NETVSC_RECV_BUF_SIZE);
	q->send_buf = vzalloc(NETVSC_SEND_BUF_SIZE);
	if (!q->tx_rt || !q->rx_pkt || !q->rx_done || !q->send_map ||
	    !q->send_tags || !q->recv_buf || !q->send_buf) {
		netvsc_queue_free_mem(q);
		return -ENOMEM;
	}
	return 0;
}

/* Tears down @q's buffer GPADLs; a buffer the host keeps is leaked. */
static void netvsc_queue_teardown_bufs(struct netvsc_queue *q)
{
	struct device *dev = &q->nd->vdev->dev;

	/*
	 * A rescinded sub-channel was retired by vmbus on its own, and the
	 * host freed its GPADLs with its relid: the memory is ours again,
	 * and a teardown would name GPADLs the host no longer knows.
	 */
	if (q->index && vmb_chan_rescinded(q->chan)) {
		q->recv_gpadl = 0;
		q->send_gpadl = 0;
		return;
	}
	if (q->recv_gpadl && vmb_chan_gpadl_teardown(q->chan, q->recv_gpadl)) {
		dev_warn(dev, "queue %u: receive buffer kept by the host, leaked\n",
			 q->index);
		q->recv_buf = NULL;
	}
	q->recv_gpadl = 0;
	if (q->send_gpadl && vmb_chan_gpadl_teardown(q->chan, q->send_gpadl)) {
		dev_warn(dev, "queue %u: send buffer kept by the host, leaked\n",
			 q->index);
		q->send_buf = NULL;
	}
	q->send_gpadl = 0;
}

int netvsc_queue_open(struct netvsc_dev *nd, u32 index,
		      struct vmb_channel *chan)
{
	struct netvsc_queue *q = &nd->queues[index];
	struct device *dev = &nd->vdev->dev;
	int ret;

	q->nd = nd;
	q->chan = chan;
	q->index = index;
	u64_stats_init(&q->rx_stats.syncp);
	u64_stats_init(&q->tx_stats.syncp);
	ret = netvsc_queue_alloc_mem(q);
	if (ret)
		return ret;

	/* NAPI is the channel's reader: ready before the host can signal. */
	netif_napi_add(nd->ndev, &q->napi, netvsc_poll);
	napi_enable(&q->napi);
	q->napi_on = true;

	ret = vmb_chan_open_irq(chan, NETVSC_RING_SIZE, netvsc_chan_irq, q);
	if (ret) {
		dev_err(dev, "queue %u: cannot open the channel: %d\n", index,
			ret);
		goto out_del_napi;
	}
	q->open = true;
	return 0;

out_del_napi:
	napi_disable(&q->napi);
	netif_napi_del(&q->napi);
	q->napi_on = false;
	netvsc_queue_free_mem(q);
	return ret;
}

/* Hands @q's buffers to the host: their GPADLs, then ATTACH_BUFS. */
int netvsc_queue_attach(struct netvsc_queue *q)
{
	u32 id;
	int ret;

	ret = vmb_chan_gpadl_create(q->chan, q->recv_buf, NETVSC_RECV_BUF_SIZE,
				    &id);
	if (ret)
		goto out;
	q->recv_gpadl = id;
	ret = vmb_chan_gpadl_create(q->chan, q->send_buf, NETVSC_SEND_BUF_SIZE,
				    &id);
	if (ret)
		goto out;
	q->send_gpadl = id;
	ret = netvsc_attach_bufs(q);
out:
	if (ret)
		dev_err(&q->nd->vdev->dev, "queue %u: buffers not attached: %d\n",
			q->index, ret);
	return ret;
}

/*
 * The reverse of netvsc_queue_open() and netvsc_queue_attach(): once NAPI is off no one reads the
 * channel, once it is closed the host touches neither the rings nor the
 * buffers nor the frames of SENDs in flight, which are then freed.
 */
void netvsc_queue_close(struct netvsc_queue *q)
{
	if (q->napi_on)
		napi_disable(&q->napi);
	/* A signal from now on finds NAPI disabled and schedules nothing. */
	if (q->open) {
		vmb_chan_close(q->chan);
		q->open = false;
	}
	if (q->napi_on) {
		netif_napi_del(&q->napi);
		q->napi_on = false;
	}
	netvsc_tx_drain(q);
	netvsc_queue_teardown_bufs(q);
	netvsc_queue_free_mem(q);
}
