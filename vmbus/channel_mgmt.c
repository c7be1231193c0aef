// SPDX-License-Identifier: GPL-2.0
/*
 * Channel offers and rescinds: the lifetime of struct vmb_channel and of the
 * device that represents it on the bus.  Primary offers and all rescinds run
 * on the connection's ordered mgmt_wq, in the order the host sent them;
 * sub-channel offers run on sub_wq, so that a driver's probe on mgmt_wq can
 * wait for them.  chan_lock guards the channel table, channel states and
 * sub-channel slots, briefly: never across driver callbacks.  The handlers
 * rely on their ordered queue, not on a lock, to run one at a time.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/wait.h>

#include "vmbus_private.h"

/* How long vmb_chan_request_subchannels() waits for the host's offers. */
#define VMB_SUBCHANNELS_TIMEOUT	(5 * HZ)

const char *vmb_chan_state_name(enum vmb_chan_state state)
{
	switch (state) {
	case VMB_CHAN_OFFERED:
		return "offered";
	case VMB_CHAN_RESCINDED:
		return "rescinded";
	}
	return "unknown";
}

static bool vmb_relid_valid(u32 relid)
{
	return relid > 0 && relid < VMB_MAX_RELID;
}

/* The live primary channel of instance @id, if any. */
static struct vmb_channel *vmb_find_primary(struct vmb_conn *conn,
					    const guid_t *id)
{
	struct vmb_channel *chan;
	unsigned long relid;

	lockdep_assert_held(&conn->chan_lock);

	xa_for_each(&conn->channels, relid, chan)
		if (!chan->sub_index && guid_equal(&chan->instance_id, id))
			return chan;
	return NULL;
}

/*
 * Checks an offer (already at least sizeof(*o) bytes) before it is used.
 * Under chan_lock, so that the relid and instance found free stay free
 * until the channel is inserted.
 */
static bool vmb_offer_valid(struct vmb_conn *conn,
			    const struct vmb_msg_offer *o,
			    const guid_t *class_id, const guid_t *instance_id)
{
	u32 relid = le32_to_cpu(o->relid);

	lockdep_assert_held(&conn->chan_lock);

	if (!vmb_relid_valid(relid)) {
		vmb_reject(conn, "offer: relid %u out of range\n", relid);
		return false;
	}
	if (o->flags || o->reserved[0] || o->reserved[1]) {
		vmb_reject(conn, "offer: relid %u: unknown flags %#x\n", relid,
			   le16_to_cpu(o->flags));
		return false;
	}
	if (guid_is_null(class_id) || guid_is_null(instance_id)) {
		vmb_reject(conn, "offer: relid %u: null GUID\n", relid);
		return false;
	}
	if (xa_load(&conn->channels, relid)) {
		vmb_reject(conn, "offer: relid %u already in use\n", relid);
		return false;
	}
	if (!o->sub_index && vmb_find_primary(conn, instance_id)) {
		vmb_reject(conn, "offer: relid %u: instance %pUl already offered\n",
			   relid, instance_id);
		return false;
	}
	return true;
}

/*
 * A sub-channel offer must name a live primary of its class, a free slot.
 * Under chan_lock: the primary's state and sub[] may not change before the
 * new sub-channel is in its slot.
 */
static struct vmb_channel *vmb_offer_primary(struct vmb_conn *conn,
					     const struct vmb_msg_offer *o,
					     const guid_t *class_id,
					     const guid_t *instance_id)
{
	u32 relid = le32_to_cpu(o->relid), index = le16_to_cpu(o->sub_index);
	struct vmb_channel *primary;

	lockdep_assert_held(&conn->chan_lock);

	primary = vmb_find_primary(conn, instance_id);
	if (!primary || primary->state != VMB_CHAN_OFFERED ||
	    !guid_equal(&primary->class_id, class_id)) {
		vmb_reject(conn, "offer: relid %u: sub-channel of no primary\n",
			   relid);
		return NULL;
	}
	if (index > VMB_MAX_SUBCHANNELS || primary->sub[index]) {
		vmb_reject(conn, "offer: relid %u: bad sub-channel index %u\n",
			   relid, index);
		return NULL;
	}
	return primary;
}

/*
 * Closes a channel its driver left open, and forgets its relid.  A driver
 * may open or close a sub-channel while it is rescinded: closing here waits
 * for an open or close in progress (open_lock), and an open that starts
 * later finds the channel no longer offered.
 */
static void vmb_chan_retire(struct vmb_channel *chan)
{
	struct vmb_conn *conn = chan->conn;

	if (vmb_chan_close_if_open(chan) && !chan->sub_index)
		dev_warn(conn->dev, "relid %u: driver left the channel open\n",
			 chan->relid);
	/* The host frees them with the relid; their memory is the driver's. */
	mutex_lock(&chan->open_lock);
	if (chan->nr_gpadls && !chan->sub_index)
		dev_warn(conn->dev, "relid %u: driver left %u GPADLs\n",
			 chan->relid, chan->nr_gpadls);
	mutex_unlock(&chan->open_lock);
	mutex_lock(&conn->chan_lock);
	xa_erase(&conn->channels, chan->relid);
	mutex_unlock(&conn->chan_lock);
	/* Interrupts find channels by RCU, and may have scheduled it. */
	synchronize_rcu();
	tasklet_kill(&chan->tasklet);
}

/*
 * Removes a primary channel's device (its driver's remove runs), then frees
 * it and its sub-channels.  A sub-channel on its own is only retired: its
 * memory goes with its primary.
 *
 * Reads sub[] without chan_lock: the caller either claimed @chan (its state
 * is no longer VMB_CHAN_OFFERED, so vmb_offer_primary() attaches nothing to
 * it any more) or is teardown, where no offer is accepted.  The driver's
 * remove may take chan_lock, so it must not be held here.  A primary whose
 * device could not be added has none.
 */
static void vmb_chan_destroy(struct vmb_channel *chan)
{
	struct vmb_channel *sub;
	unsigned int i;

	lockdep_assert_not_held(&chan->conn->chan_lock);

	if (chan->sub_index) {
		vmb_chan_retire(chan);
		return;
	}
	if (chan->device)
		vmb_device_del(chan->device);
	for (i = 1; i <= VMB_MAX_SUBCHANNELS; i++) {
		sub = chan->sub[i];
		if (!sub)
			continue;
		if (xa_load(&chan->conn->channels, sub->relid) == sub)
			vmb_chan_retire(sub);
		kfree(sub);
	}
	vmb_chan_retire(chan);
	kfree(chan);
}

/*
 * Registers a new primary channel's device; its driver may probe here, and
 * probe may take chan_lock (vmb_chan_request_subchannels()).
 */
static void vmb_chan_add_device(struct vmb_channel *chan)
{
	struct vmb_conn *conn = chan->conn;
	struct vmb_device *vdev;

	lockdep_assert_not_held(&conn->chan_lock);

	vdev = vmb_device_add(chan);
	if (!IS_ERR(vdev))
		return;
	dev_err(conn->dev, "relid %u: cannot add device: %ld\n", chan->relid,
		PTR_ERR(vdev));
	/*
	 * Sub-channel offers run on sub_wq meanwhile and may have attached to
	 * the channel: once it is no longer offered none attaches, and those
	 * that did go with it.
	 */
	mutex_lock(&conn->chan_lock);
	WRITE_ONCE(chan->state, VMB_CHAN_RESCINDED);
	mutex_unlock(&conn->chan_lock);
	vmb_chan_destroy(chan);
}

void vmb_chan_handle_offer(struct vmb_conn *conn, const void *payload, u32 len)
{
	const struct vmb_msg_offer *o = payload;
	struct vmb_channel *chan, *primary = NULL;
	guid_t class_id, instance_id;

	import_guid(&class_id, o->class_id);
	import_guid(&instance_id, o->instance_id);

	chan = kzalloc(sizeof(*chan), GFP_KERNEL);
	if (!chan)
		return;

	mutex_lock(&conn->chan_lock);
	if (READ_ONCE(conn->state) != VMB_CONN_CONNECTED) {
		vmb_reject(conn, "offer while not connected\n");
		goto out_unlock;
	}
	if (!vmb_offer_valid(conn, o, &class_id, &instance_id))
		goto out_unlock;
	if (o->sub_index) {
		primary = vmb_offer_primary(conn, o, &class_id, &instance_id);
		if (!primary)
			goto out_unlock;
	}

	chan->conn = conn;
	chan->relid = le32_to_cpu(o->relid);
	chan->class_id = class_id;
	chan->instance_id = instance_id;
	chan->state = VMB_CHAN_OFFERED;
	chan->sub_index = le16_to_cpu(o->sub_index);
	vmb_chan_init(chan);
	if (xa_insert(&conn->channels, chan->relid, chan, GFP_KERNEL))
		goto out_unlock;

	if (primary) {
		chan->primary = primary;
		chan->device = primary->device;
		primary->sub[chan->sub_index] = chan;
		/*
		 * Still under chan_lock: only it keeps the primary alive here,
		 * as a rescind on mgmt_wq must claim it first to free it.
		 */
		wake_up_all(&primary->subs_wq);
		mutex_unlock(&conn->chan_lock);
		return;
	}
	mutex_unlock(&conn->chan_lock);

	/*
	 * Not under chan_lock: probe may ask for sub-channels.  Nothing else
	 * removes the channel meanwhile: rescinds run after us on mgmt_wq,
	 * and teardown flushes mgmt_wq first.
	 */
	vmb_chan_add_device(chan);
	return;

out_unlock:
	mutex_unlock(&conn->chan_lock);
	kfree(chan);
}

static struct vmb_channel *vmb_chan_claim(struct vmb_conn *conn, u32 relid)
{
	struct vmb_channel *chan;

	mutex_lock(&conn->chan_lock);
	chan = xa_load(&conn->channels, relid);
	if (chan && chan->state == VMB_CHAN_OFFERED)
		WRITE_ONCE(chan->state, VMB_CHAN_RESCINDED);
	else
		chan = NULL;
	mutex_unlock(&conn->chan_lock);
	return chan;
}

void vmb_chan_handle_rescind(struct vmb_conn *conn, const void *payload,
			     u32 len)
{
	const struct vmb_msg_rescind *r = payload;
	struct vmb_msg_relid_released rel;
	u32 relid = le32_to_cpu(r->relid);
	struct vmb_channel *chan;
	int ret;

	if (!vmb_relid_valid(relid)) {
		vmb_reject(conn, "rescind: relid %u out of range\n", relid);
		return;
	}
	if (READ_ONCE(conn->state) != VMB_CONN_CONNECTED)
		return;

	chan = vmb_chan_claim(conn, relid);
	if (!chan) {
		/* Its offer may still wait on the sub-channel queue. */
		flush_workqueue(conn->sub_wq);
		chan = vmb_chan_claim(conn, relid);
	}
	if (!chan) {
		vmb_reject(conn, "rescind of unknown relid %u\n", relid);
		return;
	}
	dev_info(conn->dev, "relid %u (%pUl) rescinded\n", relid,
		 &chan->instance_id);
	vmb_chan_destroy(chan);

	rel.relid = cpu_to_le32(relid);
	ret = vmb_conn_post(conn, VMB_MSG_RELID_RELEASED, &rel, sizeof(rel));
	if (ret)
		dev_warn(conn->dev, "relid %u: cannot release: %d\n", relid,
			 ret);
}

void vmb_chan_handle_all_offers(struct vmb_conn *conn, const void *payload,
				u32 len)
{
	complete(&conn->all_offers);
}

/*
 * Teardown, with mgmt_wq and sub_wq flushed and no offer accepted any more:
 * remove every device; sub-channels go with their primary.  No handler
 * changes the table meanwhile, so it is walked without chan_lock (which
 * the drivers' remove may take).
 */
void vmb_chan_remove_all(struct vmb_conn *conn)
{
	struct vmb_channel *chan;
	unsigned long relid;

	lockdep_assert(READ_ONCE(conn->state) != VMB_CONN_CONNECTED);

	xa_for_each(&conn->channels, relid, chan)
		if (!chan->sub_index)
			vmb_chan_destroy(chan);
}

int vmb_chan_request_subchannels(struct vmb_channel *primary, u32 count)
{
	struct vmb_conn *conn = primary->conn;
	struct vmb_msg_request_subchannels req = {
		.relid = cpu_to_le32(primary->relid),
		.count = cpu_to_le32(count),
	};
	DEFINE_WAIT_FUNC(wait, woken_wake_function);
	long left = VMB_SUBCHANNELS_TIMEOUT;
	unsigned int have;
	int ret;

	if (primary->sub_index || !count || count > VMB_MAX_SUBCHANNELS)
		return -EINVAL;
	have = vmb_chan_nr_subchannels(primary);
	ret = vmb_conn_post(conn, VMB_MSG_REQUEST_SUBCHANNELS, &req,
			    sizeof(req));
	if (ret)
		return ret;
	/*
	 * Not wait_event_timeout(): its condition runs in TASK_UNINTERRUPTIBLE,
	 * and counting takes chan_lock, a mutex.  wait_woken() checks in
	 * TASK_RUNNING and still misses no wake-up from vmb_chan_handle_offer().
	 */
	add_wait_queue(&primary->subs_wq, &wait);
	while (vmb_chan_nr_subchannels(primary) < have + count && left)
		left = wait_woken(&wait, TASK_UNINTERRUPTIBLE, left);
	remove_wait_queue(&primary->subs_wq, &wait);
	return vmb_chan_nr_subchannels(primary);
}
EXPORT_SYMBOL_GPL(vmb_chan_request_subchannels);

/* Sub-channel @index (1-based) of @primary, or NULL. */
struct vmb_channel *vmb_chan_subchannel(struct vmb_channel *primary, u32 index)
{
	struct vmb_channel *sub = NULL;

	if (index && index <= VMB_MAX_SUBCHANNELS) {
		mutex_lock(&primary->conn->chan_lock);
		sub = primary->sub[index];
		mutex_unlock(&primary->conn->chan_lock);
	}
	return sub;
}
EXPORT_SYMBOL_GPL(vmb_chan_subchannel);

unsigned int vmb_chan_nr_subchannels(struct vmb_channel *primary)
{
	unsigned int i, n = 0;

	mutex_lock(&primary->conn->chan_lock);
	for (i = 1; i <= VMB_MAX_SUBCHANNELS; i++)
		n += primary->sub[i] && primary->sub[i]->state == VMB_CHAN_OFFERED;
	mutex_unlock(&primary->conn->chan_lock);
	return n;
}
