// SPDX-License-Identifier: GPL-2.0
/*
 * The receive side of a queue: its NAPI poll is the only reader of its
 * channel.  Every message is copied out (vmb_chan_recv()), then goes
 * through one table of {packet type, where, minimum length, handler}
 * before any handler looks at it; RECVs are checked whole, then frame by
 * frame, and a frame that is wrong in any way is dropped and counted by
 * reason while the rest are delivered.  Every RECV is completed, whatever
 * was in it, so the host gets its sections back.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/etherdevice.h>
#include <linux/if_vlan.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/skbuff.h>

#include "netvsc.h"

/* Messages handled per poll before yielding, whatever their kind. */
#define NETVSC_POLL_MSGS	256
/* Bytes of a large frame copied to the skb's head; the rest into pages. */
#define NETVSC_RX_HEAD		256
/* Frames up to this size go wholly into the head. */
#define NETVSC_RX_COPY_MAX	2048

const char *const netvsc_drop_names[NETVSC_DROP_MAX] = {
	[NETVSC_DROP_SECTION]		= "rx_drop_bad_section",
	[NETVSC_DROP_LENGTH]		= "rx_drop_bad_length",
	[NETVSC_DROP_META]		= "rx_drop_bad_meta",
	[NETVSC_DROP_GSO]		= "rx_drop_bad_gso",
	[NETVSC_DROP_CSUM]		= "rx_drop_bad_csum",
	[NETVSC_DROP_HASH]		= "rx_drop_bad_hash",
	[NETVSC_DROP_VLAN]		= "rx_drop_bad_vlan",
	[NETVSC_DROP_NOMEM]		= "rx_drop_nomem",
	[NETVSC_DROP_DOWN]		= "rx_drop_down",
	[NETVSC_DROP_BAD_RECV]		= "rx_bad_recv",
	[NETVSC_DROP_BAD_MSG]		= "rx_bad_message",
	[NETVSC_DROP_BAD_LINK]		= "rx_bad_link_status",
	[NETVSC_DROP_UNKNOWN_ID]	= "unknown_completion",
	[NETVSC_DROP_TX_INVALID]	= "tx_host_invalid",
	[NETVSC_DROP_COMPLETION_LOST]	= "rx_completion_lost",
};

/* From @q's poll only. */
void netvsc_count_drop(struct netvsc_queue *q, enum netvsc_drop why)
{
	u64_stats_update_begin(&q->rx_stats.syncp);
	q->rx_stats.drops[why]++;
	u64_stats_update_end(&q->rx_stats.syncp);
}

/* Hard interrupt context, once per host signal. */
void netvsc_chan_irq(struct vmb_channel *chan, void *ctx)
{
	struct netvsc_queue *q = ctx;

	if (napi_schedule_prep(&q->napi)) {
		vmb_chan_irq_mask(chan);
		__napi_schedule(&q->napi);
	}
}

/* Completes RECV @id; false if the ring has no room for it now. */
static bool netvsc_send_recv_done(struct netvsc_queue *q, u64 id)
{
	struct vmb_net_hdr hdr = {
		.type = cpu_to_le32(VMB_NET_RECV),
		.status = cpu_to_le32(VMB_NET_S_OK),
	};

	/* Any other failure: the channel is broken or closing; no one waits. */
	return vmb_chan_try_send(q->chan, VMB_PKT_COMPLETION, 0, id, &hdr,
				 sizeof(hdr)) != -EAGAIN;
}

/* Sends the RECV completions that found no room; true when none is left. */
static bool netvsc_flush_recv_done(struct netvsc_queue *q)
{
	while (q->rx_done_len) {
		if (!netvsc_send_recv_done(q, q->rx_done[q->rx_done_head]))
			return false;
		q->rx_done_head = (q->rx_done_head + 1) % q->recv_sections;
		q->rx_done_len--;
	}
	return true;
}

/*
 * RECV @id is done with.  Completions stay in order; one that finds no
 * room waits in q->rx_done, which has a slot for every section: a host
 * with more RECVs outstanding than sections broke the protocol, and the
 * excess is dropped.
 */
static void netvsc_recv_done(struct netvsc_queue *q, u64 id)
{
	if (!q->rx_done_len && netvsc_send_recv_done(q, id))
		return;
	if (q->rx_done_len == q->recv_sections) {
		netvsc_count_drop(q, NETVSC_DROP_COMPLETION_LOST);
		return;
	}
	q->rx_done[(q->rx_done_head + q->rx_done_len) % q->recv_sections] = id;
	q->rx_done_len++;
}

/* A malformed message: counted; a RECV among them still completed. */
static void netvsc_reject(struct netvsc_queue *q, const struct vmb_pkt *pkt,
			  u32 type, enum netvsc_drop why)
{
	netvsc_count_drop(q, why);
	dev_warn_ratelimited(&q->nd->vdev->dev,
			     "queue %u: malformed message (packet type %u, type %u, %u bytes), dropped\n",
			     q->index, pkt->type, type, pkt->len);
	if (pkt->type == VMB_PKT_INBAND &&
	    (pkt->flags & VMB_PKT_F_COMPLETION_REQUESTED) &&
	    (type == VMB_NET_RECV || !type))
		netvsc_recv_done(q, pkt->trans_id);
}

/*
 * What is wrong with frame @d, or NETVSC_DROP_MAX if nothing: it lies in
 * the receive buffer, its length suits its kind, and its metadata is what
 * the protocol has and we were granted.  @d is our copy.
 */
static enum netvsc_drop netvsc_check_frame(const struct netvsc_queue *q,
					   const struct vmb_net_rx_desc *d)
{
	const struct vmb_net_meta *m = &d->meta;
	u32 section = le32_to_cpu(d->section), len = le32_to_cpu(d->len);
	u32 caps = q->nd->caps, max = q->nd->mtu_max + VMB_NET_L2_HLEN;
	u16 flags = le16_to_cpu(m->flags);

	if (section >= q->recv_sections)
		return NETVSC_DROP_SECTION;
	/* 64-bit: no sum of the host's numbers wraps. */
	if ((u64)section * NETVSC_RECV_SECTION + len > NETVSC_RECV_BUF_SIZE)
		return NETVSC_DROP_LENGTH;
	if (flags & ~VMB_NET_M_ALL)
		return NETVSC_DROP_META;
	if (m->gso_type != VMB_NET_GSO_NONE) {
		if (!(caps & VMB_NET_CAP_RX_GSO) ||
		    m->gso_type > VMB_NET_GSO_TCPV6 ||
		    !le16_to_cpu(m->gso_size) ||
		    le16_to_cpu(m->hdr_len) >= len ||
		    !(flags & VMB_NET_M_CSUM_NEEDED))
			return NETVSC_DROP_GSO;
		max = VMB_NET_GSO_FRAME_MAX;
	} else if (flags & VMB_NET_M_GSO_ECN) {
		return NETVSC_DROP_GSO;
	}
	if (len < ETH_HLEN || len > max)
		return NETVSC_DROP_LENGTH;
	if ((flags & VMB_NET_M_CSUM_NEEDED) &&
	    (u32)le16_to_cpu(m->csum_start) + le16_to_cpu(m->csum_offset) + 2 >
	    len)
		return NETVSC_DROP_CSUM;
	if ((flags & VMB_NET_M_HASH) &&
	    (hweight8(m->hash_type) != 1 || (m->hash_type & ~VMB_NET_HASH_ALL)))
		return NETVSC_DROP_HASH;
	if ((flags & VMB_NET_M_VLAN) && !(caps & VMB_NET_CAP_VLAN))
		return NETVSC_DROP_VLAN;
	return NETVSC_DROP_MAX;
}

/* A copy of @len bytes at @src: small ones in the head, large ones paged. */
static struct sk_buff *netvsc_rx_copy(struct netvsc_queue *q, const u8 *src,
				      u32 len, u32 head)
{
	struct sk_buff *skb;
	struct page *page;
	u32 off, n;

	skb = napi_alloc_skb(&q->napi, head);
	if (!skb)
		return NULL;
	skb_put_data(skb, src, head);
	for (off = head; off < len; off += n) {
		n = min_t(u32, len - off, PAGE_SIZE);
		page = dev_alloc_page();
		if (!page) {
			napi_consume_skb(skb, 0);
			return NULL;
		}
		memcpy(page_address(page), src + off, n);
		skb_add_rx_frag(skb, skb_shinfo(skb)->nr_frags, page, 0, n,
				PAGE_SIZE);
	}
	return skb;
}

static enum pkt_hash_types netvsc_hash_level(u8 hash_type)
{
	if (hash_type & (VMB_NET_HASH_IPV4 | VMB_NET_HASH_IPV6))
		return PKT_HASH_TYPE_L3;
	return PKT_HASH_TYPE_L4;
}

/* One frame of the RECV being delivered; checked, copied, handed up. */
static void netvsc_rx_frame(struct netvsc_queue *q,
			    const struct vmb_net_rx_desc *d)
{
	struct net_device *ndev = q->nd->ndev;
	const struct vmb_net_meta *m = &d->meta;
	u32 len = le32_to_cpu(d->len), head;
	u16 flags = le16_to_cpu(m->flags);
	enum netvsc_drop bad;
	struct sk_buff *skb;

	bad = netvsc_check_frame(q, d);
	if (bad != NETVSC_DROP_MAX) {
		netvsc_count_drop(q, bad);
		return;
	}
	if (!netif_running(ndev)) {
		netvsc_count_drop(q, NETVSC_DROP_DOWN);
		return;
	}
	/* The head holds every header the offsets name. */
	head = len <= NETVSC_RX_COPY_MAX ? len : NETVSC_RX_HEAD;
	if (flags & VMB_NET_M_CSUM_NEEDED)
		head = max_t(u32, head, le16_to_cpu(m->csum_start) +
			     le16_to_cpu(m->csum_offset) + 2);
	if (m->gso_type != VMB_NET_GSO_NONE)
		head = max_t(u32, head, le16_to_cpu(m->hdr_len));
	skb = netvsc_rx_copy(q, q->recv_buf +
			     le32_to_cpu(d->section) * NETVSC_RECV_SECTION,
			     len, min(head, len));
	if (!skb) {
		netvsc_count_drop(q, NETVSC_DROP_NOMEM);
		return;
	}

	if (flags & VMB_NET_M_CSUM_NEEDED) {
		if (!skb_partial_csum_set(skb, le16_to_cpu(m->csum_start),
					  le16_to_cpu(m->csum_offset))) {
			napi_consume_skb(skb, 0);
			netvsc_count_drop(q, NETVSC_DROP_CSUM);
			return;
		}
	} else if ((flags & VMB_NET_M_CSUM_VALID) &&
		   (ndev->features & NETIF_F_RXCSUM)) {
		skb->ip_summed = CHECKSUM_UNNECESSARY;
	}
	if (m->gso_type != VMB_NET_GSO_NONE) {
		struct skb_shared_info *sh = skb_shinfo(skb);

		sh->gso_size = le16_to_cpu(m->gso_size);
		sh->gso_type = (m->gso_type == VMB_NET_GSO_TCPV4 ?
				SKB_GSO_TCPV4 : SKB_GSO_TCPV6) | SKB_GSO_DODGY;
		if (flags & VMB_NET_M_GSO_ECN)
			sh->gso_type |= SKB_GSO_TCP_ECN;
		sh->gso_segs = 0;
	}
	if (flags & VMB_NET_M_HASH)
		skb_set_hash(skb, le32_to_cpu(m->hash),
			     netvsc_hash_level(m->hash_type));
	if (flags & VMB_NET_M_VLAN)
		__vlan_hwaccel_put_tag(skb, htons(ETH_P_8021Q),
				       le16_to_cpu(m->vlan_tci));
	skb->protocol = eth_type_trans(skb, ndev);
	/* A queue ethtool -L just gave up may still have frames in flight. */
	if (q->index < ndev->real_num_rx_queues)
		skb_record_rx_queue(skb, q->index);

	u64_stats_update_begin(&q->rx_stats.syncp);
	q->rx_stats.packets++;
	q->rx_stats.bytes += len;
	u64_stats_update_end(&q->rx_stats.syncp);
	napi_gro_receive(&q->napi, skb);
}

/* Delivers up to @budget frames of the current RECV; returns how many. */
static int netvsc_rx_frames(struct netvsc_queue *q, int budget)
{
	const struct vmb_net_recv *r = q->rx_pkt;
	int done = 0;

	while (q->rx_next < q->rx_count && done < budget) {
		netvsc_rx_frame(q, &r->desc[q->rx_next++]);
		done++;
	}
	if (q->rx_next == q->rx_count) {
		q->rx_busy = false;
		if (q->rx_complete)
			netvsc_recv_done(q, q->rx_trans_id);
	}
	return done;
}

/* RECV: checked whole here; its frames are delivered by the poll. */
static void netvsc_recv(struct netvsc_queue *q, const struct vmb_pkt *pkt,
			const void *buf, int budget)
{
	const struct vmb_net_recv *r = buf;
	u32 count = le32_to_cpu(r->count);

	u64_stats_update_begin(&q->rx_stats.syncp);
	q->rx_stats.recvs++;
	u64_stats_update_end(&q->rx_stats.syncp);
	if (!count || count > VMB_NET_RECV_MAX ||
	    pkt->len != struct_size(r, desc, count)) {
		netvsc_reject(q, pkt, VMB_NET_RECV, NETVSC_DROP_BAD_RECV);
		return;
	}
	q->rx_trans_id = pkt->trans_id;
	q->rx_complete = pkt->flags & VMB_PKT_F_COMPLETION_REQUESTED;
	q->rx_count = count;
	q->rx_next = 0;
	q->rx_busy = true;
}

static void netvsc_link_status(struct netvsc_queue *q,
			       const struct vmb_pkt *pkt, const void *buf,
			       int budget)
{
	const struct vmb_net_link *l = buf;
	u32 up = le32_to_cpu(l->link_up);

	if (up > 1) {
		netvsc_reject(q, pkt, VMB_NET_LINK_STATUS,
			      NETVSC_DROP_BAD_LINK);
		return;
	}
	WRITE_ONCE(q->nd->link_up, up);
	schedule_work(&q->nd->link_work);
}

static void netvsc_ctl_done(struct netvsc_queue *q, const struct vmb_pkt *pkt,
			    const void *buf, int budget)
{
	netvsc_ctl_complete(q, pkt, buf);
}

static void netvsc_send_done(struct netvsc_queue *q, const struct vmb_pkt *pkt,
			     const void *buf, int budget)
{
	netvsc_tx_complete(q, pkt, buf, budget);
}

/* What the host may send, and where: the one place messages are checked. */
struct netvsc_handler {
	u16 pkt_type;			/* VMB_PKT_INBAND or VMB_PKT_COMPLETION */
	bool primary_only;
	u32 min_len;			/* payload bytes */
	void (*handle)(struct netvsc_queue *q, const struct vmb_pkt *pkt,
		       const void *buf, int budget);
};

#define NETVSC_CTL_DONE(type, primary_only) \
	{ VMB_PKT_COMPLETION, primary_only, sizeof(type), netvsc_ctl_done }

static const struct netvsc_handler netvsc_handlers[] = {
	[VMB_NET_INIT] = NETVSC_CTL_DONE(struct vmb_net_init, true),
	[VMB_NET_CONFIG] = NETVSC_CTL_DONE(struct vmb_net_config, true),
	[VMB_NET_ATTACH_BUFS] = NETVSC_CTL_DONE(struct vmb_net_bufs, false),
	[VMB_NET_SUBCHANNELS] = NETVSC_CTL_DONE(struct vmb_net_subchannels,
						true),
	[VMB_NET_SET_RSS] = NETVSC_CTL_DONE(struct vmb_net_rss, true),
	[VMB_NET_SET_RX_FILTER] = NETVSC_CTL_DONE(struct vmb_net_rx_filter,
						  true),
	[VMB_NET_SET_MAC] = NETVSC_CTL_DONE(struct vmb_net_mac, true),
	/* Only the status of a SEND's completion is read. */
	[VMB_NET_SEND] = { VMB_PKT_COMPLETION, false,
			   sizeof(struct vmb_net_hdr), netvsc_send_done },
	[VMB_NET_RECV] = { VMB_PKT_INBAND, false,
			   sizeof(struct vmb_net_recv), netvsc_recv },
	[VMB_NET_LINK_STATUS] = { VMB_PKT_INBAND, true,
				  sizeof(struct vmb_net_link),
				  netvsc_link_status },
};

static void netvsc_dispatch(struct netvsc_queue *q, const struct vmb_pkt *pkt,
			    int budget)
{
	const struct netvsc_handler *h;
	struct vmb_net_hdr hdr;
	u32 type;

	if (pkt->len < sizeof(hdr)) {
		netvsc_reject(q, pkt, 0, NETVSC_DROP_BAD_MSG);
		return;
	}
	memcpy(&hdr, q->rx_pkt, sizeof(hdr));
	type = le32_to_cpu(hdr.type);
	if (type >= ARRAY_SIZE(netvsc_handlers) ||
	    !netvsc_handlers[type].handle) {
		netvsc_reject(q, pkt, type, NETVSC_DROP_BAD_MSG);
		return;
	}
	h = &netvsc_handlers[type];
	if (pkt->type != h->pkt_type || pkt->len < h->min_len ||
	    (h->primary_only && q->index)) {
		netvsc_reject(q, pkt, type, NETVSC_DROP_BAD_MSG);
		return;
	}
	h->handle(q, pkt, q->rx_pkt, budget);
}

/* The channel broke (the bus said so): no more traffic on this device. */
static void netvsc_broken(struct netvsc_queue *q)
{
	struct netvsc_dev *nd = q->nd;

	if (!test_and_set_bit(NETVSC_F_BROKEN, &nd->flags))
		dev_err(&nd->vdev->dev,
			"queue %u: channel broken by the host; link down\n",
			q->index);
	WRITE_ONCE(nd->link_up, false);
	schedule_work(&nd->link_work);
}

int netvsc_poll(struct napi_struct *napi, int budget)
{
	struct netvsc_queue *q = container_of(napi, struct netvsc_queue, napi);
	bool blocked = false, broken = false;
	int work = 0, msgs = 0, ret;
	struct vmb_pkt pkt;

	while (work < budget) {
		if (q->rx_busy) {
			work += netvsc_rx_frames(q, budget - work);
			continue;
		}
		/* No room for completions: the host signals once there is. */
		if (!netvsc_flush_recv_done(q)) {
			blocked = true;
			break;
		}
		if (++msgs > NETVSC_POLL_MSGS) {
			work = budget;
			break;
		}
		/*
		 * vmbus closes a rescinded sub-channel itself, NAPI or not:
		 * it marks it rescinded, then waits a grace period before it
		 * frees the rings, so a poll (BH off: an RCU reader) that
		 * still sees it offered may read them to the end.
		 */
		if (vmb_chan_rescinded(q->chan))
			break;
		ret = vmb_chan_recv(q->chan, &pkt, q->rx_pkt,
				    NETVSC_RX_PKT_MAX);
		if (ret == -EAGAIN)
			break;
		if (ret == -EMSGSIZE) {
			netvsc_reject(q, &pkt, 0, NETVSC_DROP_BAD_MSG);
			continue;
		}
		if (ret) {
			broken = true;
			netvsc_broken(q);
			break;
		}
		netvsc_dispatch(q, &pkt, budget);
	}
	netvsc_tx_wake(q);

	if (work >= budget)
		return budget;
	/*
	 * Unmasked unless broken; with packets waiting, poll again, unless
	 * what stops us is room for our completions, which the host's room
	 * signal brings.
	 */
	if (napi_complete_done(napi, work) && !broken &&
	    vmb_chan_irq_unmask(q->chan) && !blocked)
		napi_schedule(napi);
	return work;
}

/* Carrier changes, from the poll and probe, serialised here under rtnl. */
void netvsc_link_work(struct work_struct *work)
{
	struct netvsc_dev *nd = container_of(work, struct netvsc_dev,
					     link_work);
	struct net_device *ndev = nd->ndev;

	rtnl_lock();
	if (ndev->reg_state == NETREG_REGISTERED) {
		if (READ_ONCE(nd->link_up) &&
		    !test_bit(NETVSC_F_BROKEN, &nd->flags))
			netif_carrier_on(ndev);
		else
			netif_carrier_off(ndev);
	}
	rtnl_unlock();
}
