/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal interfaces of vmbus.ko.
 *
 *   ivshmem.c       the transport: PCI driver for the ivshmem-doorbell device,
 *                   interface region, message queues, doorbell, MSI-X
 *   connection.c    one connection to the host: version negotiation, unload,
 *                   validation and dispatch of host messages
 *   channel_mgmt.c  channel offers and rescinds, channel lifetime
 *   bus.c           the vmb bus_type, devices, the client driver API
 *   main.c          module init/exit
 */
#ifndef _VMBUS_PRIVATE_H
#define _VMBUS_PRIVATE_H

#include <linux/completion.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

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
};

struct vmb_transport {
	const struct vmb_transport_ops *ops;
	struct device *dev;	/* parent of the bus's devices */
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

	/*
	 * One synchronous request (contact, unload) at a time: req_lock
	 * serialises requesters; resp_lock protects the expected type and
	 * the response buffer against the receive path.
	 */
	struct mutex req_lock;		/* one request at a time */
	spinlock_t resp_lock;		/* resp_type, resp_len, resp */
	u32 resp_type;			/* VMB_MSG_INVALID: none expected */
	u32 resp_len;
	u8 resp[VMB_MSG_MAX_PAYLOAD];
	struct completion resp_done;

	/*
	 * Offers, rescinds and all-offers-delivered run in order on mgmt_wq,
	 * in process context, so that device registration and driver probe
	 * never block the receive path (which must stay free to deliver the
	 * responses those drivers wait for).
	 */
	struct workqueue_struct *mgmt_wq;
	atomic_t mgmt_pending;		/* deferred messages not yet handled */
	struct completion all_offers;

	/*
	 * chan_lock protects the channels table and each channel's state
	 * transitions; held by the mgmt_wq handlers and by teardown.
	 */
	struct mutex chan_lock;
	struct xarray channels;		/* relid -> struct vmb_channel */
};

enum vmb_chan_state {
	VMB_CHAN_OFFERED,
	VMB_CHAN_RESCINDED,
};

struct vmb_channel {
	struct vmb_conn *conn;
	u32 relid;
	guid_t class_id;
	guid_t instance_id;
	enum vmb_chan_state state;	/* under conn->chan_lock */
	struct vmb_device *device;
};

/* connection.c */
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
const char *vmb_chan_state_name(enum vmb_chan_state state);

/* bus.c */
int vmb_bus_init(void);
void vmb_bus_exit(void);
struct vmb_device *vmb_device_add(struct vmb_channel *chan);
void vmb_device_del(struct vmb_device *vdev);

/* ivshmem.c */
int vmb_ivshmem_init(void);
void vmb_ivshmem_exit(void);

#endif /* _VMBUS_PRIVATE_H */
