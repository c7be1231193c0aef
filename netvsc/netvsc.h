/* SPDX-License-Identifier: GPL-2.0 */
/*
 * netvsc: an Ethernet port on the host's virtual switch, on a vmb network
 * channel and its sub-channels (include/vmb_net.h).
 *
 * One queue per channel: queue 0 is the primary, queue i its sub-channel
 * i.  Each queue has a receive buffer and a send buffer (GPADLs of its
 * channel, cut into sections), a NAPI context that is the only reader of
 * its channel, and one transmit queue of the net_device.
 *
 * Receive: the host writes frames into receive sections and names them in
 * a RECV; NAPI copies each frame out into an skb, then completes the RECV,
 * which gives the sections back.  Transmit: a frame that fits a send
 * section is copied there (the skb is freed at once); a larger one is sent
 * as GPA ranges over the skb's own pages and freed on its completion.
 * Every SEND is named on the wire by an id from its queue's request table,
 * never by a pointer.
 *
 * Contexts and locks:
 *   nd->ctl_lock      mutex: one control request at a time (probe, open
 *                     and stop, the receive-filter work, SET_MAC, ethtool).
 *                     Taken under rtnl by ndo and ethtool callbacks, never
 *                     the other way round.
 *   txq lock          the stack's: netvsc_xmit() of one queue, the only
 *                     writer of q->tx_stats and the only allocator of
 *                     q's send sections.
 *   NAPI              q->napi's poll, the only reader of q->chan, owns
 *                     q->rx_* and q->rx_stats; frees send sections (atomic
 *                     bitops against the allocator).
 *   rtnl              queue counts, RSS state, features, MTU.
 *   vmb_reqtable      the bus's spinlock, a leaf.
 */
#ifndef NETVSC_H
#define NETVSC_H

#include <linux/bitops.h>
#include <linux/completion.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/u64_stats_sync.h>
#include <linux/workqueue.h>

#include "vmb.h"
#include "vmb_net.h"

#define NETVSC_DRIVER_VERSION	"0.1.0"

#define NETVSC_RING_SIZE	(256 * 1024)	/* each way, per channel */
#define NETVSC_RECV_BUF_SIZE	(2 * 1024 * 1024)
#define NETVSC_RECV_SECTION	2048
#define NETVSC_SEND_BUF_SIZE	(1024 * 1024)
#define NETVSC_SEND_SECTION	2048
#define NETVSC_SEND_SECTIONS	(NETVSC_SEND_BUF_SIZE / NETVSC_SEND_SECTION)
/* SENDs in flight per queue: every section, and as many by GPA range. */
#define NETVSC_TX_MAX		(2 * NETVSC_SEND_SECTIONS)
/* The largest packet we write: descriptor, every range, the SEND. */
#define NETVSC_TX_PKT_MAX	(16 + 8 + VMB_CHAN_BUFS_MAX * 16 + \
				 sizeof(struct vmb_net_send) + 8)
/* The largest packet we read: a RECV of every frame. */
#define NETVSC_RX_PKT_MAX	(sizeof(struct vmb_net_recv) + \
				 VMB_NET_RECV_MAX * sizeof(struct vmb_net_rx_desc))
#define NETVSC_SPEED		SPEED_10000	/* what ethtool reports */

/*
 * Why a received frame or message was dropped, or a SEND failed; each a
 * counter per queue in ethtool -S (netvsc_drop_names[]).
 */
enum netvsc_drop {
	NETVSC_DROP_SECTION,		/* frame in no section of the buffer */
	NETVSC_DROP_LENGTH,		/* too short, too long, past the buffer */
	NETVSC_DROP_META,		/* unknown metadata flags */
	NETVSC_DROP_GSO,		/* GSO not granted, unknown, inconsistent */
	NETVSC_DROP_CSUM,		/* checksum offsets outside the frame */
	NETVSC_DROP_HASH,		/* unknown hash type */
	NETVSC_DROP_VLAN,		/* VLAN tag not granted */
	NETVSC_DROP_NOMEM,		/* no skb for the frame */
	NETVSC_DROP_DOWN,		/* the interface is down */
	NETVSC_DROP_BAD_RECV,		/* whole RECV: count or length wrong */
	NETVSC_DROP_BAD_MSG,		/* unknown, short or misplaced message */
	NETVSC_DROP_BAD_LINK,		/* LINK_STATUS with a bad state */
	NETVSC_DROP_UNKNOWN_ID,		/* completion naming nothing outstanding */
	NETVSC_DROP_TX_INVALID,		/* SEND the host answered not OK */
	NETVSC_DROP_COMPLETION_LOST,	/* RECV completion that did not fit */
	NETVSC_DROP_MAX,
};

extern const char *const netvsc_drop_names[NETVSC_DROP_MAX];

/* Written by the queue's NAPI poll only. */
struct netvsc_rx_stats {
	struct u64_stats_sync syncp;
	u64 packets;
	u64 bytes;
	u64 recvs;			/* RECV messages */
	u64 drops[NETVSC_DROP_MAX];
};

/* Written by netvsc_xmit() of the queue only (under the txq lock). */
struct netvsc_tx_stats {
	struct u64_stats_sync syncp;
	u64 packets;
	u64 bytes;
	u64 copied;			/* sent from a send section */
	u64 ranges;			/* sent as GPA ranges */
	u64 busy;			/* ring full (-EAGAIN) or no section */
	u64 dropped;			/* could not be sent at all */
	u64 linearized;			/* too many pieces for one packet */
};

struct netvsc_dev;

struct netvsc_queue {
	struct netvsc_dev *nd;
	struct vmb_channel *chan;
	u32 index;
	bool open;			/* the channel, under probe/remove */
	bool napi_on;			/* napi added and enabled */
	struct napi_struct napi;
	struct vmb_reqtable *tx_rt;	/* SENDs in flight */

	void *recv_buf;
	u32 recv_gpadl;			/* 0: none */
	u32 recv_sections;
	void *send_buf;
	u32 send_gpadl;			/* 0: none */
	unsigned long *send_map;	/* sections in use */
	u8 *send_tags;			/* a section's entry in tx_rt: &send_tags[i] */
	u32 send_hint;			/* where to look for a free one first */
	struct vmb_chan_buf tx_bufs[VMB_CHAN_BUFS_MAX];	/* netvsc_xmit()'s */

	/*
	 * NAPI's: the RECV being delivered (a copy, checked as a whole), the
	 * next frame of it, and RECV completions waiting for ring room.
	 */
	void *rx_pkt;
	u64 rx_trans_id;
	u32 rx_count;
	u32 rx_next;
	bool rx_busy;			/* a RECV is being delivered */
	bool rx_complete;		/* ...and the host asked for its completion */
	u64 *rx_done;			/* trans_ids to complete, a ring */
	u32 rx_done_head;
	u32 rx_done_len;

	struct netvsc_rx_stats rx_stats;
	struct netvsc_tx_stats tx_stats;
};

/* A control request (one at a time, under nd->ctl_lock). */
struct netvsc_ctl {
	struct completion done;
	struct netvsc_queue *q;		/* the channel it went on */
	u32 type;
	u32 len;			/* request and completion size */
	union {
		struct vmb_net_hdr hdr;
		struct vmb_net_init init;
		struct vmb_net_config config;
		struct vmb_net_bufs bufs;
		struct vmb_net_subchannels subs;
		struct vmb_net_rss rss;
		struct vmb_net_rx_filter filter;
		struct vmb_net_mac mac;
	} msg;				/* the request, then the completion */
	bool ok;			/* the completion had the request's shape */
};

enum netvsc_flags {
	NETVSC_F_BROKEN,		/* the host broke the protocol */
	NETVSC_F_REMOVING,		/* remove() has begun */
};

struct netvsc_dev {
	struct net_device *ndev;
	struct vmb_device *vdev;
	unsigned long flags;		/* NETVSC_F_* */

	/* From INIT and CONFIG; fixed while the device exists. */
	u32 version;
	u32 caps;			/* granted */
	u32 mtu_max;
	u8 mac[ETH_ALEN];
	u32 max_queues;
	bool link_up;			/* the host's word, last we heard */

	u32 nr_queues;			/* opened; real_num_*_queues <= this */
	struct netvsc_queue queues[VMB_NET_QUEUES_MAX];

	struct mutex ctl_lock;		/* see the top of this file */
	struct netvsc_ctl *ctl;		/* the control request in flight */
	struct vmb_reqtable *ctl_rt;	/* its id */
	struct work_struct rx_mode_work;
	struct work_struct link_work;	/* carrier from nd->link_up */

	/* RSS (rtnl). */
	u8 rss_key[VMB_NET_RSS_KEY_LEN];
	u32 rss_indir[VMB_NET_RSS_INDIR_LEN];
};

/* init.c */
int netvsc_ctl_send(struct netvsc_dev *nd, struct netvsc_queue *q,
		    struct netvsc_ctl *req);
void netvsc_ctl_complete(struct netvsc_queue *q, const struct vmb_pkt *pkt,
			 const void *buf);
int netvsc_negotiate(struct netvsc_dev *nd);
int netvsc_attach_bufs(struct netvsc_queue *q);
int netvsc_request_subchannels(struct netvsc_dev *nd, u32 count);
int netvsc_set_rss(struct netvsc_dev *nd, u32 nr_queues);
int netvsc_set_rx_filter(struct netvsc_dev *nd);
int netvsc_set_mac(struct netvsc_dev *nd, const u8 *mac);
void netvsc_rx_mode_work(struct work_struct *work);

/* queue.c */
int netvsc_queue_open(struct netvsc_dev *nd, u32 index,
		      struct vmb_channel *chan);
int netvsc_queue_attach(struct netvsc_queue *q);
void netvsc_queue_close(struct netvsc_queue *q);

/* rx.c */
int netvsc_poll(struct napi_struct *napi, int budget);
void netvsc_chan_irq(struct vmb_channel *chan, void *ctx);
void netvsc_count_drop(struct netvsc_queue *q, enum netvsc_drop why);
void netvsc_link_work(struct work_struct *work);

/* tx.c */
netdev_tx_t netvsc_xmit(struct sk_buff *skb, struct net_device *ndev);
void netvsc_tx_complete(struct netvsc_queue *q, const struct vmb_pkt *pkt,
			const void *buf, int budget);
void netvsc_tx_wake(struct netvsc_queue *q);
void netvsc_tx_drain(struct netvsc_queue *q);

/* ethtool.c */
extern const struct ethtool_ops netvsc_ethtool_ops;

#endif /* NETVSC_H */
