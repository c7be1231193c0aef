/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal interfaces of vmbus.ko.
 *
 *   ivshmem.c       the transport: PCI driver for the ivshmem-doorbell device,
 *                   interface region, message queues, doorbell, MSI-X
 *   connection.c    one connection to the host: version negotiation, unload,
 *                   validation and dispatch of host messages
 *   channel_mgmt.c  channel offers and rescinds, channel lifetime
 *   gpadl.c         guest memory handed to the host
 *   ring.c          ring buffer mechanics
 *   channel.c       open channels: rings, send/receive, events
 *   reqtable.c      transaction ids of outstanding requests
 *   bus.c           the vmb bus_type, devices, the client driver API
 *   debugfs.c       channel state for finding stalls
 *   main.c          module init/exit
 */
#ifndef _VMBUS_PRIVATE_H
#define _VMBUS_PRIVATE_H

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/idr.h>
#include <linux/interrupt.h>
#include <linux/uio.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "ring.h"
#include "vmb.h"
#include "vmb_protocol.h"

#define VMB_DRIVER_VERSION	"0.1.0"

/* Guest side of the version negotiation. */
#define VMB_GUEST_VERSION_MIN	VMB_VERSION_1_0
#define VMB_GUEST_VERSION_MAX	VMB_VERSION_1_0

/*
 * The transport: how a connection talks to the host.  Kept this small so a
 * second transport (real hypercalls, a bounce-buffer variant) needs no change
 * to connection or channel code.  The transport calls vmb_conn_receive() for
 * each message the host sent, from process context, one at a time.
 */
struct vmb_transport;

struct vmb_transport_ops {
	/* Post a message to the host; may sleep until there is room. */
	int (*post_msg)(struct vmb_transport *t, u32 type, const void *payload,
			u32 len);
	/* Tell the host channel @relid has news; any context. */
	void (*signal)(struct vmb_transport *t, u32 relid);
};

/*
 * The transport calls vmb_conn_chan_event() from hard interrupt context for
 * each channel the host signalled, on vCPU (target_vcpu) of that channel.
 */
struct vmb_transport {
	const struct vmb_transport_ops *ops;
	struct device *dev;		/* parent of the bus's devices */
	unsigned int nr_chan_vectors;	/* channel vCPUs: 0 .. n - 1 */
};

enum vmb_conn_state {
	VMB_CONN_DISCONNECTED,
	VMB_CONN_CONNECTING,
	VMB_CONN_CONNECTED,
	VMB_CONN_UNLOADING,
};

struct vmb_conn {
	struct vmb_transport *transport;
	struct device *dev;		/* == transport->dev, for logging */

	/* Written by connect/disconnect only; read anywhere with READ_ONCE. */
	enum vmb_conn_state state;
	u32 version;

	/* Requests waiting for their response (struct vmb_request). */
	spinlock_t req_lock;		/* requests */
	struct list_head requests;

	/*
	 * Offers, rescinds and all-offers-delivered run in order on mgmt_wq
	 * (sub-channel offers on sub_wq, see channel_mgmt.c),
	 * in process context, so that device registration and driver probe
	 * never block the receive path (which must stay free to deliver the
	 * responses those drivers wait for).
	 */
	struct workqueue_struct *mgmt_wq;
	struct workqueue_struct *sub_wq;	/* sub-channel offers */
	atomic_t mgmt_pending;		/* deferred messages not yet handled */
	struct completion all_offers;

	/*
	 * chan_lock protects the channels table and each channel's state
	 * transitions; held by the mgmt_wq handlers and by teardown.
	 */
	struct mutex chan_lock;
	struct xarray channels;		/* relid -> struct vmb_channel */

	struct ida gpadl_ida;		/* GPADL ids in use */

	struct dentry *debugfs;		/* vmbus/<transport device>/ */
};

enum vmb_chan_state {
	VMB_CHAN_OFFERED,
	VMB_CHAN_RESCINDED,
};

struct vmb_chan_stats {
	atomic64_t tx_pkts;
	atomic64_t tx_bytes;
	atomic64_t rx_pkts;
	atomic64_t rx_bytes;
	atomic64_t interrupts;		/* host signalled us */
	atomic64_t doorbells;		/* we signalled the host */
	atomic64_t ring_full;		/* a send had to wait for room */
};

enum {
	VMB_CHAN_F_OPEN,
	VMB_CHAN_F_BROKEN,
};

struct vmb_channel {
	struct vmb_conn *conn;
	u32 relid;
	guid_t class_id;
	guid_t instance_id;
	enum vmb_chan_state state;	/* under conn->chan_lock */
	struct vmb_device *device;	/* of the primary */

	/*
	 * Sub-channels hang off their primary, in sub[] by sub_index, under
	 * conn->chan_lock; they live until the primary is destroyed, even
	 * once rescinded, so drivers' pointers to them stay valid.
	 */
	u16 sub_index;			/* 0: primary */
	struct vmb_channel *primary;
	struct vmb_channel *sub[VMB_MAX_SUBCHANNELS + 1];
	wait_queue_head_t subs_wq;	/* vmb_chan_request_subchannels() */

	struct mutex open_lock;		/* open, close, retarget, rings */
	unsigned long flags;		/* VMB_CHAN_F_* */
	u32 open_id;
	u32 target_vcpu;
	void *ring_buf;			/* both rings, ring_bytes long */
	u32 ring_bytes;
	u32 ring_gpadl;
	struct vmb_ring in;		/* host to guest, read by cb only */
	struct vmb_ring out;		/* guest to host, under out_lock */
	spinlock_t out_lock;		/* out, and VMB_CHAN_F_OPEN changes */
	wait_queue_head_t out_wq;	/* senders waiting for room, close */
	atomic_t senders;		/* in vmb_chan_write() */
	atomic_t out_waiters;		/* of them, waiting for room */
	void (*cb)(struct vmb_channel *chan, void *ctx);
	void *cb_ctx;
	struct tasklet_struct tasklet;	/* runs cb */
	struct vmb_chan_stats stats;
};

/* connection.c */
int vmb_conn_request(struct vmb_conn *conn, u32 type, const void *req,
		     u32 req_len, u32 resp_type, u32 key, void *resp,
		     u32 resp_len);
struct vmb_conn *vmb_conn_create(struct vmb_transport *t);
int vmb_conn_connect(struct vmb_conn *conn);
void vmb_conn_disconnect(struct vmb_conn *conn);
void vmb_conn_destroy(struct vmb_conn *conn);
void vmb_conn_receive(struct vmb_conn *conn, u32 type, const void *payload,
		      u32 len);
int vmb_conn_post(struct vmb_conn *conn, u32 type, const void *payload,
		  u32 len);

#define vmb_reject(conn, fmt, ...) \
	dev_warn_ratelimited((conn)->dev, "rejected " fmt, ##__VA_ARGS__)

/* channel_mgmt.c */
void vmb_chan_handle_offer(struct vmb_conn *conn, const void *payload,
			   u32 len);
void vmb_chan_handle_rescind(struct vmb_conn *conn, const void *payload,
			     u32 len);
void vmb_chan_handle_all_offers(struct vmb_conn *conn, const void *payload,
				u32 len);
void vmb_chan_remove_all(struct vmb_conn *conn);
unsigned int vmb_chan_nr_subchannels(struct vmb_channel *primary);
const char *vmb_chan_state_name(enum vmb_chan_state state);

/* gpadl.c */
int vmb_gpadl_create(struct vmb_conn *conn, u32 relid, void *buf, u32 size,
		     u32 *id);
int vmb_gpadl_teardown(struct vmb_conn *conn, u32 relid, u32 id);

/* channel.c */
void vmb_chan_init(struct vmb_channel *chan);
bool vmb_chan_close_if_open(struct vmb_channel *chan);
void vmb_conn_chan_event(struct vmb_conn *conn, u32 relid);

/* bus.c */
int vmb_bus_init(void);
void vmb_bus_exit(void);
struct vmb_device *vmb_device_add(struct vmb_channel *chan);
void vmb_device_del(struct vmb_device *vdev);

/* debugfs.c */
void vmb_debugfs_init(void);
void vmb_debugfs_exit(void);
void vmb_debugfs_conn_add(struct vmb_conn *conn);
void vmb_debugfs_conn_del(struct vmb_conn *conn);

/* ivshmem.c */
int vmb_ivshmem_init(void);
void vmb_ivshmem_exit(void);

#endif /* _VMBUS_PRIVATE_H */
