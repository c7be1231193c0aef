// SPDX-License-Identifier: GPL-2.0
/*
 * The transmit side of a queue, which never sleeps.  A frame that fits a
 * send section is copied into one (a bitmap of the queue's sections; only
 * netvsc_xmit() allocates, under the txq lock) and its skb freed at once;
 * a larger one goes as GPA ranges over the skb's head and frags, cut at
 * page boundaries, and its skb is freed when the host completes it.  Every
 * SEND is in the queue's request table until then: its entry is the
 * section's tag (&q->send_tags[i]) or the skb.
 *
 * Flow control: when a section or ring room runs out the txq is stopped,
 * and the queue's NAPI poll wakes it once completions (or the host's room
 * signal, which the bus asks for on -EAGAIN) brought both back.  Each side
 * looks again after a barrier, so neither a stop nor a wake-up is lost.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/if_vlan.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>

#include "netvsc.h"

static bool netvsc_is_section(const struct netvsc_queue *q, const void *req)
{
	const u8 *tag = req;

	return tag >= q->send_tags && tag < q->send_tags + NETVSC_SEND_SECTIONS;
}

/* Under the txq lock: the only allocator. */
static int netvsc_section_get(struct netvsc_queue *q)
{
	u32 i;

	i = find_next_zero_bit(q->send_map, NETVSC_SEND_SECTIONS, q->send_hint);
	if (i >= NETVSC_SEND_SECTIONS)
		i = find_first_zero_bit(q->send_map, NETVSC_SEND_SECTIONS);
	if (i >= NETVSC_SEND_SECTIONS)
		return -ENOSPC;
	set_bit(i, q->send_map);
	q->send_hint = (i + 1) % NETVSC_SEND_SECTIONS;
	return i;
}

static void netvsc_section_put(struct netvsc_queue *q, u32 i)
{
	clear_bit(i, q->send_map);
}

/* Whether the largest SEND could go now: a free section and ring room. */
static bool netvsc_tx_room(struct netvsc_queue *q)
{
	return !bitmap_full(q->send_map, NETVSC_SEND_SECTIONS) &&
	       vmb_chan_send_room(q->chan) >= NETVSC_TX_PKT_MAX;
}

/* The SEND's metadata for @skb; -EINVAL if it asks what we cannot do. */
static int netvsc_tx_meta(struct netvsc_dev *nd, struct sk_buff *skb,
			  struct vmb_net_meta *m)
{
	struct skb_shared_info *sh = skb_shinfo(skb);
	u16 flags = 0;
	int start;

	memset(m, 0, sizeof(*m));
	if (skb->ip_summed == CHECKSUM_PARTIAL) {
		start = skb_checksum_start_offset(skb);
		if (!(nd->caps & VMB_NET_CAP_TX_CSUM) || start < 0 ||
		    start > U16_MAX - 2 - skb->csum_offset) {
			if (skb_is_gso(skb) || skb_checksum_help(skb))
				return -EINVAL;
		} else {
			flags |= VMB_NET_M_CSUM_NEEDED;
			m->csum_start = cpu_to_le16(start);
			m->csum_offset = cpu_to_le16(skb->csum_offset);
		}
	}
	if (skb_is_gso(skb)) {
		if (!(flags & VMB_NET_M_CSUM_NEEDED))
			return -EINVAL;
		if ((sh->gso_type & SKB_GSO_TCPV4) &&
		    (nd->caps & VMB_NET_CAP_TSO4))
			m->gso_type = VMB_NET_GSO_TCPV4;
		else if ((sh->gso_type & SKB_GSO_TCPV6) &&
			 (nd->caps & VMB_NET_CAP_TSO6))
			m->gso_type = VMB_NET_GSO_TCPV6;
		else
			return -EINVAL;
		if (sh->gso_type & SKB_GSO_TCP_ECN)
			flags |= VMB_NET_M_GSO_ECN;
		m->gso_size = cpu_to_le16(sh->gso_size);
		m->hdr_len = cpu_to_le16(skb_tcp_all_headers(skb));
	}
	if (skb_vlan_tag_present(skb)) {
		if (!(nd->caps & VMB_NET_CAP_VLAN))
			return -EINVAL;
		flags |= VMB_NET_M_VLAN;
		m->vlan_tci = cpu_to_le16(skb_vlan_tag_get(skb));
	}
	m->flags = cpu_to_le16(flags);
	return 0;
}

/* A small frame: copied into a send section; @skb is freed on success. */
static int netvsc_send_copy(struct netvsc_queue *q, struct sk_buff *skb,
			    struct vmb_net_send *msg)
{
	int i, ret;
	u64 id;

	i = netvsc_section_get(q);
	if (i < 0)
		return i;
	ret = skb_copy_bits(skb, 0, q->send_buf + i * NETVSC_SEND_SECTION,
			    skb->len);
	if (ret)
		goto out_put;
	ret = vmb_reqtable_add(q->tx_rt, &q->send_tags[i], &id);
	if (ret) {
		ret = -ENOSPC;
		goto out_put;
	}
	msg->section = cpu_to_le32(i);
	ret = vmb_chan_try_send(q->chan, VMB_PKT_INBAND,
				VMB_PKT_F_COMPLETION_REQUESTED, id, msg,
				sizeof(*msg));
	if (ret) {
		/* Unless a bogus completion took (and freed) it meanwhile. */
		if (vmb_reqtable_take(q->tx_rt, id) == &q->send_tags[i])
			netvsc_section_put(q, i);
		return ret;
	}
	dev_consume_skb_any(skb);
	return 0;

out_put:
	netvsc_section_put(q, i);
	return ret;
}

/* Adds [@pfn:@off, +@len) to @bufs as pieces that do not cross a page. */
static int netvsc_add_bufs(struct vmb_chan_buf *bufs, int nr, u64 pfn,
			   u32 off, u32 len)
{
	u32 n;

	pfn += off / PAGE_SIZE;
	off %= PAGE_SIZE;
	while (len) {
		if (nr == VMB_CHAN_BUFS_MAX)
			return -E2BIG;
		n = min_t(u32, len, PAGE_SIZE - off);
		bufs[nr].pfn = pfn;
		bufs[nr].offset = off;
		bufs[nr].len = n;
		nr++;
		len -= n;
		pfn++;
		off = 0;
	}
	return nr;
}

/* @skb's head and frags as pieces in q->tx_bufs; -E2BIG if too many. */
static int netvsc_map_skb(struct netvsc_queue *q, struct sk_buff *skb)
{
	struct vmb_chan_buf *bufs = q->tx_bufs;
	const skb_frag_t *f;
	int nr, i;

	nr = netvsc_add_bufs(bufs, 0, PHYS_PFN(virt_to_phys(skb->data)),
			     offset_in_page(skb->data), skb_headlen(skb));
	for (i = 0; nr >= 0 && i < skb_shinfo(skb)->nr_frags; i++) {
		f = &skb_shinfo(skb)->frags[i];
		nr = netvsc_add_bufs(bufs, nr, page_to_pfn(skb_frag_page(f)),
				     skb_frag_off(f), skb_frag_size(f));
	}
	return nr;
}

/*
 * A large frame: GPA ranges over @skb itself, which the host's completion
 * frees.  0: sent (or, if a bogus completion came first, already freed).
 */
static int netvsc_send_ranges(struct netvsc_queue *q, struct sk_buff *skb,
			      struct vmb_net_send *msg)
{
	int nr, ret;
	u64 id;

	nr = netvsc_map_skb(q, skb);
	if (nr < 0) {
		u64_stats_update_begin(&q->tx_stats.syncp);
		q->tx_stats.linearized++;
		u64_stats_update_end(&q->tx_stats.syncp);
		if (__skb_linearize(skb))
			return -ENOMEM;
		nr = netvsc_map_skb(q, skb);
		if (nr < 0)
			return nr;
	}
	ret = vmb_reqtable_add(q->tx_rt, skb, &id);
	if (ret)
		return -ENOSPC;
	msg->section = cpu_to_le32(VMB_NET_NO_SECTION);
	ret = vmb_chan_try_send_bufs(q->chan, id, q->tx_bufs, nr, msg,
				     sizeof(*msg));
	if (ret && vmb_reqtable_take(q->tx_rt, id) != skb)
		return 0;
	return ret;
}

/* Stops @txq when the next frame might not fit; looks again after. */
static void netvsc_tx_maybe_stop(struct netvsc_queue *q,
				 struct netdev_queue *txq)
{
	if (netvsc_tx_room(q))
		return;
	netif_tx_stop_queue(txq);
	/* Stopped before looking again; pairs with netvsc_tx_wake(). */
	smp_mb();
	if (netvsc_tx_room(q))
		netif_tx_start_queue(txq);
}

netdev_tx_t netvsc_xmit(struct sk_buff *skb, struct net_device *ndev)
{
	struct netvsc_dev *nd = netdev_priv(ndev);
	u16 index = skb_get_queue_mapping(skb);
	struct vmb_net_send msg = { };
	struct netdev_queue *txq;
	struct netvsc_queue *q;
	u32 len = skb->len;
	int ret;

	/*
	 * The stack picks below real_num_tx_queues, which never exceeds
	 * nr_queues; another queue would be used without its txq lock.
	 */
	if (unlikely(index >= nd->nr_queues)) {
		dev_kfree_skb_any(skb);
		return NETDEV_TX_OK;
	}
	q = &nd->queues[index];
	txq = netdev_get_tx_queue(ndev, index);

	if (len < ETH_HLEN ||
	    len > (skb_is_gso(skb) ? VMB_NET_GSO_FRAME_MAX :
		   ndev->mtu + VMB_NET_L2_HLEN) ||
	    netvsc_tx_meta(nd, skb, &msg.meta))
		goto drop;
	msg.hdr.type = cpu_to_le32(VMB_NET_SEND);
	msg.len = cpu_to_le32(len);
	skb_tx_timestamp(skb);

	if (len <= NETVSC_SEND_SECTION && !skb_is_gso(skb))
		ret = netvsc_send_copy(q, skb, &msg);
	else
		ret = netvsc_send_ranges(q, skb, &msg);
	if (ret == -EAGAIN || ret == -ENOSPC) {
		u64_stats_update_begin(&q->tx_stats.syncp);
		q->tx_stats.busy++;
		u64_stats_update_end(&q->tx_stats.syncp);
		netif_tx_stop_queue(txq);
		/* As in netvsc_tx_maybe_stop(). */
		smp_mb();
		if (netvsc_tx_room(q))
			netif_tx_start_queue(txq);
		return NETDEV_TX_BUSY;
	}
	if (ret)
		goto drop;

	/* @skb may be gone: only len is used from here. */
	u64_stats_update_begin(&q->tx_stats.syncp);
	q->tx_stats.packets++;
	q->tx_stats.bytes += len;
	if (len <= NETVSC_SEND_SECTION && !(msg.meta.gso_type))
		q->tx_stats.copied++;
	else
		q->tx_stats.ranges++;
	u64_stats_update_end(&q->tx_stats.syncp);
	netvsc_tx_maybe_stop(q, txq);
	return NETDEV_TX_OK;

drop:
	u64_stats_update_begin(&q->tx_stats.syncp);
	q->tx_stats.dropped++;
	u64_stats_update_end(&q->tx_stats.syncp);
	dev_kfree_skb_any(skb);
	return NETDEV_TX_OK;
}

/* A SEND's completion, from @q's poll: frees its section or its skb. */
void netvsc_tx_complete(struct netvsc_queue *q, const struct vmb_pkt *pkt,
			const void *buf, int budget)
{
	const struct vmb_net_hdr *hdr = buf;
	void *req;

	req = vmb_reqtable_take(q->tx_rt, pkt->trans_id);
	if (!req) {
		netvsc_count_drop(q, NETVSC_DROP_UNKNOWN_ID);
		dev_warn_ratelimited(&q->nd->vdev->dev,
				     "queue %u: completion of no outstanding SEND (id %#llx), dropped\n",
				     q->index, pkt->trans_id);
		return;
	}
	if (le32_to_cpu(hdr->status) != VMB_NET_S_OK)
		netvsc_count_drop(q, NETVSC_DROP_TX_INVALID);
	if (netvsc_is_section(q, req))
		netvsc_section_put(q, (u8 *)req - q->send_tags);
	else
		napi_consume_skb(req, budget);
}

/* From @q's poll, after its completions: restarts a stopped txq. */
void netvsc_tx_wake(struct netvsc_queue *q)
{
	struct net_device *ndev = q->nd->ndev;
	struct netdev_queue *txq = netdev_get_tx_queue(ndev, q->index);

	/* What completions freed before looking; pairs with the stops. */
	smp_mb();
	if (netif_tx_queue_stopped(txq) && netif_running(ndev) &&
	    netvsc_tx_room(q))
		netif_tx_wake_queue(txq);
}

/* The channel is closed: what the host had not completed is freed. */
void netvsc_tx_drain(struct netvsc_queue *q)
{
	void *req;

	while ((req = vmb_reqtable_pop(q->tx_rt))) {
		if (netvsc_is_section(q, req))
			netvsc_section_put(q, (u8 *)req - q->send_tags);
		else
			dev_kfree_skb_any(req);
	}
}
