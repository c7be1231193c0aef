// SPDX-License-Identifier: GPL-2.0
/*
 * One connection to the host: version negotiation, unload, and the single
 * place where messages from the host are validated and dispatched.
 *
 * Security model: the host is not trusted.  Each message arrives here as a
 * private copy made by the transport; it is checked against the dispatch
 * table (known type, host-to-guest direction, minimum size) before any
 * handler sees it, and each handler checks the fields it uses.  Nonsense is
 * logged (ratelimited) and dropped; it never crashes the guest.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/device.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "vmbus_private.h"

#define VMB_REQ_TIMEOUT		(5 * HZ)
#define VMB_OFFERS_TIMEOUT	(10 * HZ)
/* Deferred messages the host may have queued on us at any one time. */
#define VMB_MGMT_PENDING_MAX	1024

struct vmb_msg_handler {
	u32 min_len;
	/* Completes the pending request of the same type... */
	bool response;
	/* ...and of the same key: the le32 at the start of the payload. */
	bool keyed;
	/* Or: runs on mgmt_wq, where it may register devices and sleep. */
	void (*handle)(struct vmb_conn *conn, const void *payload, u32 len);
};

static void vmb_conn_handle_response(struct vmb_conn *conn,
				     const struct vmb_msg_handler *h, u32 type,
				     const void *payload, u32 len);

/*
 * Host-to-guest messages.  A type with neither a handler nor the response
 * flag is unknown or flows the other way.
 */
static const struct vmb_msg_handler vmb_msg_handlers[VMB_MSG_TYPE_COUNT] = {
	[VMB_MSG_VERSION_RESPONSE] = {
		.min_len = sizeof(struct vmb_msg_version_response),
		.response = true,
	},
	[VMB_MSG_OFFER] = {
		.min_len = sizeof(struct vmb_msg_offer),
		.handle = vmb_chan_handle_offer,
	},
	[VMB_MSG_ALL_OFFERS_DELIVERED] = {
		.handle = vmb_chan_handle_all_offers,
	},
	[VMB_MSG_RESCIND] = {
		.min_len = sizeof(struct vmb_msg_rescind),
		.handle = vmb_chan_handle_rescind,
	},
	[VMB_MSG_UNLOAD_RESPONSE] = {
		.response = true,
	},
	[VMB_MSG_GPADL_CREATED] = {
		.min_len = sizeof(struct vmb_msg_gpadl_created),
		.response = true,
		.keyed = true,
	},
	[VMB_MSG_GPADL_TORNDOWN] = {
		.min_len = sizeof(struct vmb_msg_gpadl_torndown),
		.response = true,
		.keyed = true,
	},
	[VMB_MSG_OPEN_RESULT] = {
		.min_len = sizeof(struct vmb_msg_open_result),
		.response = true,
		.keyed = true,
	},
	[VMB_MSG_MODIFY_RESULT] = {
		.min_len = sizeof(struct vmb_msg_modify_result),
		.response = true,
		.keyed = true,
	},
};

/* A request waiting for its response; lives on the requester's stack. */
struct vmb_request {
	struct list_head node;		/* in conn->requests, under req_lock */
	u32 resp_type;
	u32 key;
	void *resp;
	u32 resp_len;			/* <= the response type's min_len */
	struct completion done;
};

struct vmb_deferred_msg {
	struct work_struct work;
	struct vmb_conn *conn;
	const struct vmb_msg_handler *handler;
	u32 len;
	u8 payload[];
};

static void vmb_conn_deferred_work(struct work_struct *work)
{
	struct vmb_deferred_msg *dm =
		container_of(work, struct vmb_deferred_msg, work);
	struct vmb_conn *conn = dm->conn;

	dm->handler->handle(conn, dm->payload, dm->len);
	atomic_dec(&conn->mgmt_pending);
	kfree(dm);
}

/*
 * Called by the transport, in process context, for each message the host
 * sent, one at a time (ivshmem: from its rx_work); payload is the
 * transport's private copy and len is at most VMB_MSG_MAX_PAYLOAD.
 */
void vmb_conn_receive(struct vmb_conn *conn, u32 type, const void *payload,
		      u32 len)
{
	const struct vmb_msg_handler *h;
	struct vmb_deferred_msg *dm;

	if (type >= VMB_MSG_TYPE_COUNT ||
	    (!vmb_msg_handlers[type].handle &&
	     !vmb_msg_handlers[type].response)) {
		vmb_reject(conn, "message of unknown type %u (len %u)\n",
			   type, len);
		return;
	}
	h = &vmb_msg_handlers[type];
	if (len < h->min_len) {
		vmb_reject(conn, "message type %u: %u bytes, needs %u\n",
			   type, len, h->min_len);
		return;
	}

	if (h->response) {
		vmb_conn_handle_response(conn, h, type, payload, len);
		return;
	}

	if (atomic_inc_return(&conn->mgmt_pending) > VMB_MGMT_PENDING_MAX) {
		atomic_dec(&conn->mgmt_pending);
		vmb_reject(conn, "message type %u: too many pending\n", type);
		return;
	}
	dm = kmalloc(struct_size(dm, payload, len), GFP_KERNEL);
	if (!dm) {
		atomic_dec(&conn->mgmt_pending);
		return;
	}
	INIT_WORK(&dm->work, vmb_conn_deferred_work);
	dm->conn = conn;
	dm->handler = h;
	dm->len = len;
	memcpy(dm->payload, payload, len);
	if (type == VMB_MSG_OFFER &&
	    ((const struct vmb_msg_offer *)payload)->sub_index)
		queue_work(conn->sub_wq, &dm->work);
	else
		queue_work(conn->mgmt_wq, &dm->work);
}

static void vmb_conn_handle_response(struct vmb_conn *conn,
				     const struct vmb_msg_handler *h, u32 type,
				     const void *payload, u32 len)
{
	struct vmb_request *r, *found = NULL;
	u32 key = 0;

	if (h->keyed)
		key = le32_to_cpup(payload);

	spin_lock(&conn->req_lock);
	list_for_each_entry(r, &conn->requests, node) {
		if (r->resp_type == type && r->key == key) {
			found = r;
			break;
		}
	}
	if (found) {
		if (found->resp_len)
			memcpy(found->resp, payload, found->resp_len);
		list_del_init(&found->node);
		complete(&found->done);
	}
	spin_unlock(&conn->req_lock);

	if (!found)
		vmb_reject(conn, "unsolicited response type %u (key %u)\n",
			   type, key);
}

int vmb_conn_post(struct vmb_conn *conn, u32 type, const void *payload,
		  u32 len)
{
	return conn->transport->ops->post_msg(conn->transport, type, payload,
					      len);
}

/*
 * Send a request and wait for the response of type @resp_type whose key
 * (for keyed types) is @key; resp_len bytes of it are copied to @resp.
 * resp_len must not exceed the response type's minimum size.
 */
int vmb_conn_request(struct vmb_conn *conn, u32 type, const void *req,
		     u32 req_len, u32 resp_type, u32 key, void *resp,
		     u32 resp_len)
{
	struct vmb_request r = {
		.resp_type = resp_type,
		.key = key,
		.resp = resp,
		.resp_len = resp_len,
	};
	int ret;

	if (WARN_ON_ONCE(resp_type >= VMB_MSG_TYPE_COUNT ||
			 resp_len > vmb_msg_handlers[resp_type].min_len))
		return -EINVAL;

	init_completion(&r.done);
	spin_lock(&conn->req_lock);
	list_add_tail(&r.node, &conn->requests);
	spin_unlock(&conn->req_lock);

	ret = vmb_conn_post(conn, type, req, req_len);
	if (!ret && !wait_for_completion_timeout(&r.done, VMB_REQ_TIMEOUT))
		ret = -ETIMEDOUT;

	spin_lock(&conn->req_lock);
	if (list_empty(&r.node))
		ret = 0;	/* answered, if only just */
	else
		list_del(&r.node);
	spin_unlock(&conn->req_lock);
	return ret;
}

static bool vmb_version_in(u32 v, u32 min, u32 max)
{
	return v >= min && v <= max;
}

static int vmb_conn_negotiate(struct vmb_conn *conn)
{
	struct vmb_msg_initiate_contact req = {
		.version_min = cpu_to_le32(VMB_GUEST_VERSION_MIN),
		.version_max = cpu_to_le32(VMB_GUEST_VERSION_MAX),
		.nr_vcpus = cpu_to_le32(num_possible_cpus()),
	};
	struct vmb_msg_version_response resp;
	u32 status, version, hmin, hmax;
	int ret;

	ret = vmb_conn_request(conn, VMB_MSG_INITIATE_CONTACT, &req,
			       sizeof(req), VMB_MSG_VERSION_RESPONSE, 0, &resp,
			       sizeof(resp));
	if (ret) {
		dev_err(conn->dev, "no version response from host: %d\n", ret);
		return ret;
	}

	status = le32_to_cpu(resp.status);
	version = le32_to_cpu(resp.version);
	hmin = le32_to_cpu(resp.host_version_min);
	hmax = le32_to_cpu(resp.host_version_max);

	if (status != VMB_STATUS_OK) {
		dev_err(conn->dev,
			"no common protocol version: host %u.%u-%u.%u, guest %u.%u-%u.%u\n",
			VMB_VERSION_MAJOR(hmin), VMB_VERSION_MINOR(hmin),
			VMB_VERSION_MAJOR(hmax), VMB_VERSION_MINOR(hmax),
			VMB_VERSION_MAJOR(VMB_GUEST_VERSION_MIN),
			VMB_VERSION_MINOR(VMB_GUEST_VERSION_MIN),
			VMB_VERSION_MAJOR(VMB_GUEST_VERSION_MAX),
			VMB_VERSION_MINOR(VMB_GUEST_VERSION_MAX));
		return -EPROTONOSUPPORT;
	}
	if (!vmb_version_in(version, VMB_GUEST_VERSION_MIN,
			    VMB_GUEST_VERSION_MAX) ||
	    !vmb_version_in(version, hmin, hmax)) {
		dev_err(conn->dev,
			"host chose protocol version %u.%u, outside what was offered\n",
			VMB_VERSION_MAJOR(version), VMB_VERSION_MINOR(version));
		return -EPROTO;
	}

	WRITE_ONCE(conn->version, version);
	dev_info(conn->dev,
		 "protocol version %u.%u negotiated (host %u.%u-%u.%u)\n",
		 VMB_VERSION_MAJOR(version), VMB_VERSION_MINOR(version),
		 VMB_VERSION_MAJOR(hmin), VMB_VERSION_MINOR(hmin),
		 VMB_VERSION_MAJOR(hmax), VMB_VERSION_MINOR(hmax));
	return 0;
}

struct vmb_conn *vmb_conn_create(struct vmb_transport *t)
{
	struct vmb_conn *conn;

	conn = kzalloc(sizeof(*conn), GFP_KERNEL);
	if (!conn)
		return NULL;

	conn->mgmt_wq = alloc_ordered_workqueue("vmb_mgmt/%s", 0,
						dev_name(t->dev));
	if (!conn->mgmt_wq)
		goto out_free_conn;
	conn->sub_wq = alloc_ordered_workqueue("vmb_sub/%s", 0,
					       dev_name(t->dev));
	if (!conn->sub_wq)
		goto out_destroy_mgmt_wq;

	conn->transport = t;
	conn->dev = t->dev;
	conn->state = VMB_CONN_DISCONNECTED;
	spin_lock_init(&conn->req_lock);
	INIT_LIST_HEAD(&conn->requests);
	atomic_set(&conn->mgmt_pending, 0);
	init_completion(&conn->all_offers);
	mutex_init(&conn->chan_lock);
	xa_init(&conn->channels);
	ida_init(&conn->gpadl_ida);
	vmb_debugfs_conn_add(conn);
	return conn;

out_destroy_mgmt_wq:
	destroy_workqueue(conn->mgmt_wq);
out_free_conn:
	kfree(conn);
	return NULL;
}

/*
 * Negotiate a version and ask for the host's channels.  Returns once the
 * host has said it offered them all (or it took too long: offers that come
 * later are still handled), so that after `modprobe vmbus` the devices exist.
 */
int vmb_conn_connect(struct vmb_conn *conn)
{
	int ret;

	WRITE_ONCE(conn->state, VMB_CONN_CONNECTING);
	ret = vmb_conn_negotiate(conn);
	if (ret) {
		WRITE_ONCE(conn->state, VMB_CONN_DISCONNECTED);
		return ret;
	}
	WRITE_ONCE(conn->state, VMB_CONN_CONNECTED);

	reinit_completion(&conn->all_offers);
	ret = vmb_conn_post(conn, VMB_MSG_REQUEST_OFFERS, NULL, 0);
	if (ret) {
		dev_err(conn->dev, "cannot request offers: %d\n", ret);
		WRITE_ONCE(conn->state, VMB_CONN_DISCONNECTED);
		return ret;
	}
	if (!wait_for_completion_timeout(&conn->all_offers,
					 VMB_OFFERS_TIMEOUT))
		dev_warn(conn->dev, "host has not finished offering channels\n");
	return 0;
}

/*
 * Remove every device, then tell the host we are going.  After this the
 * transport may stop delivering messages.
 */
void vmb_conn_disconnect(struct vmb_conn *conn)
{
	int ret;

	if (READ_ONCE(conn->state) == VMB_CONN_DISCONNECTED)
		return;

	/* Offers and rescinds that run from now on are dropped. */
	WRITE_ONCE(conn->state, VMB_CONN_UNLOADING);
	flush_workqueue(conn->mgmt_wq);
	flush_workqueue(conn->sub_wq);
	vmb_chan_remove_all(conn);

	ret = vmb_conn_request(conn, VMB_MSG_UNLOAD, NULL, 0,
			       VMB_MSG_UNLOAD_RESPONSE, 0, NULL, 0);
	if (ret)
		dev_warn(conn->dev, "host did not acknowledge unload: %d\n",
			 ret);
	WRITE_ONCE(conn->state, VMB_CONN_DISCONNECTED);
}

/* The transport no longer calls vmb_conn_receive() when this runs. */
void vmb_conn_destroy(struct vmb_conn *conn)
{
	vmb_debugfs_conn_del(conn);
	destroy_workqueue(conn->mgmt_wq);
	destroy_workqueue(conn->sub_wq);
	vmb_chan_remove_all(conn);
	xa_destroy(&conn->channels);
	ida_destroy(&conn->gpadl_ida);
	mutex_destroy(&conn->chan_lock);
	kfree(conn);
}
