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
 *
 * Locking.  Each lock is documented where it is declared: what it protects,
 * who takes it and how, and who may read without it.  The order, outermost
 * first (a lock is only taken while holding locks above it, never below):
 *
 *   a driver's own locks, device_lock (probe, remove), kernfs active
 *   references (sysfs attribute reads): all outside vmbus.ko
 *     vmb_channel.open_lock  mutex     one channel's open, close, retarget
 *     vmb_conn.chan_lock     mutex     channel table, states, sub-channels
 *     vmb_conn.req_lock      spinlock  requests waiting for a response
 *     vmb_ivshmem.post_lock  spinlock  the guest-to-host message queue
 *     vmb_channel.out_lock   spinlock  the outbound ring, VMB_CHAN_F_OPEN
 *     vmb_reqtable.lock      spinlock  a driver's transaction ids
 *
 * The nestings that occur: open_lock -> req_lock, post_lock, out_lock (open,
 * close and retarget wait for the host under open_lock); chan_lock -> the
 * xa_lock inside xa_insert()/xa_erase(); rcu_read_lock() -> out_lock
 * (debugfs).  open_lock and chan_lock are never held together, and the four
 * spinlocks are leaves that never nest with each other.  Because probe,
 * remove and sysfs reads come first, neither mutex is held across
 * device_add(), device_del() or any driver callback.
 *
 * Contexts: the vector-0 interrupt handler takes no lock; the channel-event
 * handler (hard IRQ) finds channels under RCU, takes out_lock only when a
 * non-sleeping sender waits for room, and calls the callback of an
 * interrupt-mode channel; the channel tasklet and the driver's callback
 * (softirq, or hard IRQ for interrupt mode) hold no vmbus lock, and of ours
 * the callback may take only vmb_reqtable.lock and, through the
 * non-sleeping sends (not from hard IRQ), out_lock; everything else runs in
 * process context.
 *
 * Serialised by something other than a lock:
 *   rx_work    the only consumer of the host-to-guest queue (a work item
 *              never runs on two CPUs at once)
 *   mgmt_wq    ordered: primary offers, rescinds, all-offers-delivered run
 *              one at a time in the host's order
 *   sub_wq     ordered: sub-channel offers, one at a time
 *   tasklet    a channel's tasklet is the only reader of its inbound ring
 *              and the only caller of its callback; on an interrupt-mode
 *              channel the driver's one reader (NAPI poll) is, and the
 *              event handler calls the callback
 *   RCU        channels are found locklessly under rcu_read_lock() (event
 *              handler, debugfs); one is freed only after xa_erase() and
 *              synchronize_rcu()
 *   probe and remove of the transport device: vmb_conn_connect() and
 *              vmb_conn_disconnect(), the only writers of vmb_conn.state
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
	/* Post a message to the host; process context, sleeps for room. */
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
	/* Fixed from vmb_conn_create() to vmb_conn_destroy(). */
	struct vmb_transport *transport;
	struct device *dev;		/* == transport->dev, for logging */

	/*
	 * Written only by vmb_conn_connect() and vmb_conn_disconnect(), which
	 * the transport's probe and remove serialise, with WRITE_ONCE(); read
	 * anywhere with READ_ONCE() and no lock.  The mgmt_wq and sub_wq
	 * handlers may act on a state read so because disconnect sets
	 * VMB_CONN_UNLOADING before it flushes both queues.
	 */
	enum vmb_conn_state state;
	u32 version;

	/*
	 * req_lock protects @requests and the hand-over of a response: the
	 * receive path copies it into the request, unlinks the request and
	 * completes it under the lock, and the requester, on whose stack the
	 * request lives, unlinks it under the lock before it returns, so the
	 * two never both touch one request.  Taken with spin_lock() by
	 * vmb_conn_request() and by the receive path (rx_work), both process
	 * context; no interrupt or softirq path takes it.  A leaf: only the
	 * completion's own lock is taken under it (complete()).  Taken under
	 * a channel's open_lock by open, close and retarget.
	 */
	spinlock_t req_lock;
	struct list_head requests;	/* struct vmb_request, under req_lock */

	/*
	 * Offers, rescinds and all-offers-delivered run in order on mgmt_wq
	 * (sub-channel offers on sub_wq, see channel_mgmt.c),
	 * in process context, so that device registration and driver probe
	 * never block the receive path (which must stay free to deliver the
	 * responses those drivers wait for).  Both queues are ordered: their
	 * handlers run one at a time, so a primary's offer and its rescind
	 * never run at once; a sub-channel's offer may still wait on sub_wq,
	 * which the rescind handler flushes when it finds no such relid.
	 */
	struct workqueue_struct *mgmt_wq;
	struct workqueue_struct *sub_wq;	/* sub-channel offers */
	atomic_t mgmt_pending;		/* deferred messages not yet handled */
	struct completion all_offers;

	/*
	 * chan_lock protects the writes to @channels (xa_insert() and
	 * xa_erase(), which take the xarray's own lock inside it), each
	 * channel's @state, and each primary's @sub[] slots, so that checking
	 * an offer and inserting its channel is one step.  A mutex, held
	 * briefly in process context: by the offer handlers (mgmt_wq, sub_wq),
	 * the rescind handler's claim, vmb_chan_retire(), and the sub-channel
	 * queries of drivers and sysfs.  Never held across a driver callback,
	 * device_add() or device_del(), nor with a channel's open_lock.
	 *
	 * Without it: the channel-event handler (hard IRQ) and debugfs look
	 * channels up under rcu_read_lock(); sysfs, debugfs and vmb_chan_open()
	 * read a channel's state with READ_ONCE(); vmb_chan_remove_all() walks
	 * the table at teardown, when no offer is accepted any more.
	 */
	struct mutex chan_lock;
	struct xarray channels;		/* relid -> struct vmb_channel */

	struct ida gpadl_ida;		/* GPADL ids in use; locks itself */

	struct dentry *debugfs;		/* vmbus/<transport device>/ */
};

enum vmb_chan_state {
	VMB_CHAN_OFFERED,
	VMB_CHAN_RESCINDED,
};

/* Bumped from any context and read by sysfs and debugfs: atomics, no lock. */
struct vmb_chan_stats {
	atomic64_t tx_pkts;
	atomic64_t tx_bytes;
	atomic64_t rx_pkts;
	atomic64_t rx_bytes;
	atomic64_t interrupts;		/* host signalled us */
	atomic64_t doorbells;		/* we signalled the host */
	atomic64_t ring_full;		/* a send found no room (waited or -EAGAIN) */
};

enum {
	VMB_CHAN_F_OPEN,
	VMB_CHAN_F_BROKEN,
};

struct vmb_channel {
	/* Fixed before the channel is in conn->channels: read freely. */
	struct vmb_conn *conn;
	u32 relid;
	guid_t class_id;
	guid_t instance_id;
	u16 sub_index;			/* 0: primary */

	/* Under conn->chan_lock; READ_ONCE() readers need no lock. */
	enum vmb_chan_state state;
	/*
	 * Of the primary: set on mgmt_wq before its device is added, then
	 * fixed.  A sub-channel copies it under chan_lock and never uses it.
	 */
	struct vmb_device *device;

	/*
	 * Sub-channels hang off their primary, in sub[] by sub_index; they
	 * live until the primary is destroyed, even once rescinded, so
	 * drivers' pointers to them stay valid.  sub[] is written under
	 * conn->chan_lock while the primary is offered, and read under it,
	 * or without it once the primary is no longer offered (destroy).
	 */
	struct vmb_channel *primary;
	struct vmb_channel *sub[VMB_MAX_SUBCHANNELS + 1];
	wait_queue_head_t subs_wq;	/* vmb_chan_request_subchannels() */

	/*
	 * open_lock serialises vmb_chan_open(), vmb_chan_close() (also when
	 * vmbus closes a rescinded channel, vmb_chan_retire()) and
	 * vmb_chan_set_target(), and the driver's GPADL requests
	 * (vmb_chan_gpadl_create(), vmb_chan_gpadl_teardown()) with them.  It
	 * protects the rings' lifetime (@ring_buf, @ring_bytes, @ring_gpadl,
	 * and @in and @out being set up or torn down), @open_id, @cb, @cb_ctx,
	 * @cb_in_irq and @nr_gpadls, and the writes of @target_vcpu,
	 * which sysfs and debugfs read with READ_ONCE().  A mutex, held in
	 * process context across the requests to the host these make; the
	 * outermost vmbus lock, under a driver's locks and device_lock, with
	 * req_lock, post_lock and out_lock nested inside; never held with
	 * conn->chan_lock.
	 */
	struct mutex open_lock;

	/*
	 * VMB_CHAN_F_OPEN is set and cleared under open_lock and out_lock
	 * both: whoever holds out_lock and finds it set may touch the rings
	 * (senders, the sysfs ring_used attribute, debugfs).  Tested without a
	 * lock as a hint by waiting senders, sysfs and debugfs, and by the
	 * channel-event handler and the tasklet, which are safe because close
	 * kills the tasklet after clearing it and retire waits an RCU grace
	 * period for the handler before the channel goes.  BROKEN is set from
	 * any context, once (test_and_set_bit()), and cleared only by open
	 * before the channel is open.
	 */
	unsigned long flags;		/* VMB_CHAN_F_* */
	u32 open_id;			/* under open_lock */
	u32 target_vcpu;		/* written under open_lock */
	void *ring_buf;			/* both rings, ring_bytes long */
	u32 ring_bytes;
	u32 ring_gpadl;
	u32 nr_gpadls;			/* the driver's, live; under open_lock */

	/*
	 * Host to guest: read only by the channel's tasklet, through the
	 * driver's callback (vmb_chan_recv()), with no lock; in.index is
	 * stored with WRITE_ONCE() for sysfs and debugfs readers.
	 */
	struct vmb_ring in;
	/*
	 * Guest to host: written under out_lock; out.index is read with
	 * READ_ONCE() and no lock by senders waiting for room.
	 */
	struct vmb_ring out;

	/*
	 * out_lock serialises the writers of @out (the packets, the index, and
	 * pending_send_sz with the @out_waiters count and @out_try_want that
	 * decide when it is withdrawn) and covers every change of
	 * VMB_CHAN_F_OPEN, so that holding it with the flag set keeps the
	 * rings allocated.  Taken with interrupts off: spin_lock_irqsave() on
	 * the send paths (sleeping senders in process context, non-sleeping
	 * ones in any context but hard IRQ), vmb_chan_send_room() and the
	 * channel-event handler (hard IRQ, only while @out_try_want is set);
	 * spin_lock_irq() by open, close and the sysfs and debugfs readers.
	 * A leaf, taken under open_lock by open and close and inside
	 * rcu_read_lock() by debugfs and the event handler.
	 */
	spinlock_t out_lock;
	wait_queue_head_t out_wq;	/* senders waiting for room, close */
	atomic_t senders;		/* in vmb_chan_write(); close waits */
	atomic_t out_waiters;		/* of them waiting for room; out_lock */
	/*
	 * The largest packet plus trailer a non-sleeping send found no room
	 * for since the host last signalled that much free; 0: none.  Under
	 * out_lock; the event handler reads it with READ_ONCE() first.
	 */
	u32 out_try_want;
	/*
	 * Set under open_lock before VMB_CHAN_F_OPEN; called by the tasklet,
	 * or with @cb_in_irq (vmb_chan_open_irq()) by the event handler.
	 */
	void (*cb)(struct vmb_channel *chan, void *ctx);
	void *cb_ctx;
	bool cb_in_irq;
	/*
	 * Runs cb.  A tasklet never runs on two CPUs at once: that, not a
	 * lock, serialises the callback and the reads of the inbound ring.
	 */
	struct tasklet_struct tasklet;
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
