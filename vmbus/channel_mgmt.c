// SPDX-License-Identifier: GPL-2.0
/*
 * Channel offers and rescinds: the lifetime of struct vmb_channel and of the
 * device that represents it on the bus.  Every handler here runs on the
 * connection's ordered mgmt_wq, so offers and rescinds are handled in the
 * order the host sent them; chan_lock also excludes teardown.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/rcupdate.h>
#include <linux/slab.h>

#include "vmbus_private.h"

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

static bool vmb_instance_in_use(struct vmb_conn *conn, const guid_t *id)
{
	struct vmb_channel *chan;
	unsigned long relid;

	lockdep_assert_held(&conn->chan_lock);

	xa_for_each(&conn->channels, relid, chan)
		if (guid_equal(&chan->instance_id, id))
			return true;
	return false;
}

/* Checks an offer (already at least sizeof(*o) bytes) before it is used. */
static bool vmb_offer_valid(struct vmb_conn *conn,
			    const struct vmb_msg_offer *o,
			    const guid_t *class_id, const guid_t *instance_id)
{
	u32 relid = le32_to_cpu(o->relid);

	if (!vmb_relid_valid(relid)) {
		vmb_reject(conn, "offer: relid %u out of range\n", relid);
		return false;
	}
	if (o->flags || o->reserved[0] || o->reserved[1]) {
		vmb_reject(conn, "offer: relid %u: unknown flags %#x\n", relid,
			   le16_to_cpu(o->flags));
		return false;
	}
	if (o->sub_index) {
		vmb_reject(conn, "offer: relid %u: sub-channel %u not supported\n",
			   relid, le16_to_cpu(o->sub_index));
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
	if (vmb_instance_in_use(conn, instance_id)) {
		vmb_reject(conn, "offer: relid %u: instance %pUl already offered\n",
			   relid, instance_id);
		return false;
	}
	return true;
}

void vmb_chan_handle_offer(struct vmb_conn *conn, const void *payload, u32 len)
{
	const struct vmb_msg_offer *o = payload;
	struct vmb_channel *chan;
	guid_t class_id, instance_id;
	int ret;

	import_guid(&class_id, o->class_id);
	import_guid(&instance_id, o->instance_id);

	mutex_lock(&conn->chan_lock);
	if (READ_ONCE(conn->state) != VMB_CONN_CONNECTED) {
		vmb_reject(conn, "offer while not connected\n");
		goto out_unlock;
	}
	if (!vmb_offer_valid(conn, o, &class_id, &instance_id))
		goto out_unlock;

	chan = kzalloc(sizeof(*chan), GFP_KERNEL);
	if (!chan)
		goto out_unlock;
	chan->conn = conn;
	chan->relid = le32_to_cpu(o->relid);
	chan->class_id = class_id;
	chan->instance_id = instance_id;
	chan->state = VMB_CHAN_OFFERED;
	vmb_chan_init(chan);

	ret = xa_insert(&conn->channels, chan->relid, chan, GFP_KERNEL);
	if (ret)
		goto out_free_chan;

	chan->device = vmb_device_add(chan);
	if (IS_ERR(chan->device)) {
		ret = PTR_ERR(chan->device);
		dev_err(conn->dev, "relid %u: cannot add device: %d\n",
			chan->relid, ret);
		goto out_erase_chan;
	}
	mutex_unlock(&conn->chan_lock);
	return;

out_erase_chan:
	xa_erase(&conn->channels, chan->relid);
out_free_chan:
	kfree(chan);
out_unlock:
	mutex_unlock(&conn->chan_lock);
}

/* Removes the channel's device (its driver's remove runs) and frees it. */
static void vmb_chan_destroy(struct vmb_channel *chan)
{
	struct vmb_conn *conn = chan->conn;

	lockdep_assert_held(&conn->chan_lock);

	vmb_device_del(chan->device);
	if (test_bit(VMB_CHAN_F_OPEN, &chan->flags)) {
		dev_warn(conn->dev, "relid %u: driver left the channel open\n",
			 chan->relid);
		vmb_chan_close(chan);
	}
	xa_erase(&conn->channels, chan->relid);
	/* Interrupts find channels by RCU, and may have scheduled it. */
	synchronize_rcu();
	tasklet_kill(&chan->tasklet);
	kfree(chan);
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

	mutex_lock(&conn->chan_lock);
	if (READ_ONCE(conn->state) != VMB_CONN_CONNECTED) {
		mutex_unlock(&conn->chan_lock);
		return;
	}
	chan = xa_load(&conn->channels, relid);
	if (!chan) {
		mutex_unlock(&conn->chan_lock);
		vmb_reject(conn, "rescind of unknown relid %u\n", relid);
		return;
	}
	chan->state = VMB_CHAN_RESCINDED;
	dev_info(conn->dev, "relid %u (%pUl) rescinded\n", relid,
		 &chan->instance_id);
	vmb_chan_destroy(chan);
	mutex_unlock(&conn->chan_lock);

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

/* Teardown: remove every channel's device. */
void vmb_chan_remove_all(struct vmb_conn *conn)
{
	struct vmb_channel *chan;
	unsigned long relid;

	mutex_lock(&conn->chan_lock);
	xa_for_each(&conn->channels, relid, chan)
		vmb_chan_destroy(chan);
	mutex_unlock(&conn->chan_lock);
}
