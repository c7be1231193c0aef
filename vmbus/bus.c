// SPDX-License-Identifier: GPL-2.0
/*
 * The vmb bus: one device per channel the host offers, named by its instance
 * GUID, matched to drivers by class GUID; uevents carry a modalias so udev
 * (or any hotplug helper) loads the right client driver.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>

#include "vmbus_private.h"

static const struct vmb_device_id *
vmb_match_id(const struct vmb_device_id *ids, const guid_t *class_id)
{
	if (!ids)
		return NULL;
	for (; !guid_is_null(&ids->class_id); ids++)
		if (guid_equal(&ids->class_id, class_id))
			return ids;
	return NULL;
}

static int vmb_bus_match(struct device *dev,
			 vmb_compat_match_const struct device_driver *drv)
{
	const struct vmb_driver *vdrv = to_vmb_driver(drv);
	struct vmb_device *vdev = to_vmb_device(dev);

	return !!vmb_match_id(vdrv->id_table, &vdev->class_id);
}

static int vmb_bus_uevent(vmb_compat_uevent_const struct device *dev,
			  struct kobj_uevent_env *env)
{
	const struct vmb_device *vdev = to_vmb_device(dev);
	int ret;

	ret = add_uevent_var(env, "MODALIAS=" VMB_MODALIAS_PREFIX "%pUl",
			     &vdev->class_id);
	if (ret)
		return ret;
	ret = add_uevent_var(env, "VMB_CLASS_ID=%pUl", &vdev->class_id);
	if (ret)
		return ret;
	return add_uevent_var(env, "VMB_DEVICE_ID=%pUl", &vdev->instance_id);
}

static int vmb_bus_probe(struct device *dev)
{
	struct vmb_driver *vdrv = to_vmb_driver(dev->driver);
	struct vmb_device *vdev = to_vmb_device(dev);
	const struct vmb_device_id *id;

	id = vmb_match_id(vdrv->id_table, &vdev->class_id);
	if (!id)
		return -ENODEV;
	return vdrv->probe ? vdrv->probe(vdev, id) : 0;
}

static void vmb_bus_remove(struct device *dev)
{
	struct vmb_driver *vdrv = to_vmb_driver(dev->driver);

	if (vdrv->remove)
		vdrv->remove(to_vmb_device(dev));
}

static ssize_t class_id_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	return sysfs_emit(buf, "%pUl\n", &to_vmb_device(dev)->class_id);
}
static DEVICE_ATTR_RO(class_id);

static ssize_t device_id_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%pUl\n", &to_vmb_device(dev)->instance_id);
}
static DEVICE_ATTR_RO(device_id);

static ssize_t relid_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	return sysfs_emit(buf, "%u\n", to_vmb_device(dev)->relid);
}
static DEVICE_ATTR_RO(relid);

static ssize_t state_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	struct vmb_channel *chan = to_vmb_device(dev)->channel;

	if (test_bit(VMB_CHAN_F_BROKEN, &chan->flags))
		return sysfs_emit(buf, "broken\n");
	if (test_bit(VMB_CHAN_F_OPEN, &chan->flags))
		return sysfs_emit(buf, "open\n");
	return sysfs_emit(buf, "%s\n",
			  vmb_chan_state_name(READ_ONCE(chan->state)));
}
static DEVICE_ATTR_RO(state);

static ssize_t modalias_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	return sysfs_emit(buf, VMB_MODALIAS_PREFIX "%pUl\n",
			  &to_vmb_device(dev)->class_id);
}
static DEVICE_ATTR_RO(modalias);

static struct attribute *vmb_dev_attrs[] = {
	&dev_attr_class_id.attr,
	&dev_attr_device_id.attr,
	&dev_attr_relid.attr,
	&dev_attr_state.attr,
	&dev_attr_modalias.attr,
	NULL,
};

static const struct attribute_group vmb_dev_group = {
	.attrs = vmb_dev_attrs,
};

/* channel/: the primary channel's counters, and its rings' occupancy. */
#define VMB_CHAN_STAT_ATTR(name, field)					\
static ssize_t name##_show(struct device *dev,				\
			   struct device_attribute *attr, char *buf)	\
{									\
	struct vmb_channel *chan = to_vmb_device(dev)->channel;		\
									\
	return sysfs_emit(buf, "%lld\n", atomic64_read(&chan->stats.field)); \
}									\
static DEVICE_ATTR_RO(name)

VMB_CHAN_STAT_ATTR(tx_packets, tx_pkts);
VMB_CHAN_STAT_ATTR(tx_bytes, tx_bytes);
VMB_CHAN_STAT_ATTR(rx_packets, rx_pkts);
VMB_CHAN_STAT_ATTR(rx_bytes, rx_bytes);
VMB_CHAN_STAT_ATTR(interrupts, interrupts);
VMB_CHAN_STAT_ATTR(doorbells, doorbells);
VMB_CHAN_STAT_ATTR(ring_full, ring_full);

static ssize_t ring_used_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	struct vmb_channel *chan = to_vmb_device(dev)->channel;
	u32 out = 0, in = 0;

	/* Under out_lock the rings cannot be closed and freed. */
	spin_lock_irq(&chan->out_lock);
	if (test_bit(VMB_CHAN_F_OPEN, &chan->flags)) {
		out = vmb_ring_used(&chan->out, true);
		in = vmb_ring_used(&chan->in, false);
	}
	spin_unlock_irq(&chan->out_lock);
	return sysfs_emit(buf, "out %u in %u\n", out, in);
}
static DEVICE_ATTR_RO(ring_used);

static ssize_t target_vcpu_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	struct vmb_channel *chan = to_vmb_device(dev)->channel;

	return sysfs_emit(buf, "%u\n", READ_ONCE(chan->target_vcpu));
}
static DEVICE_ATTR_RO(target_vcpu);

static ssize_t subchannels_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	struct vmb_channel *chan = to_vmb_device(dev)->channel;

	return sysfs_emit(buf, "%u\n", vmb_chan_nr_subchannels(chan));
}
static DEVICE_ATTR_RO(subchannels);

static struct attribute *vmb_chan_attrs[] = {
	&dev_attr_tx_packets.attr,
	&dev_attr_tx_bytes.attr,
	&dev_attr_rx_packets.attr,
	&dev_attr_rx_bytes.attr,
	&dev_attr_interrupts.attr,
	&dev_attr_doorbells.attr,
	&dev_attr_ring_full.attr,
	&dev_attr_ring_used.attr,
	&dev_attr_target_vcpu.attr,
	&dev_attr_subchannels.attr,
	NULL,
};

static const struct attribute_group vmb_chan_group = {
	.name = "channel",
	.attrs = vmb_chan_attrs,
};

static const struct attribute_group *vmb_dev_groups[] = {
	&vmb_dev_group,
	&vmb_chan_group,
	NULL,
};

static vmb_compat_bus_qual(const) struct bus_type vmb_bus_type = {
	.name = "vmb",
	.match = vmb_bus_match,
	.uevent = vmb_bus_uevent,
	.probe = vmb_bus_probe,
	.remove = vmb_bus_remove,
	.dev_groups = vmb_dev_groups,
};

static void vmb_device_release(struct device *dev)
{
	kfree(to_vmb_device(dev));
}

/* Registers the device of a new channel; its driver may probe here. */
struct vmb_device *vmb_device_add(struct vmb_channel *chan)
{
	struct vmb_device *vdev;
	int ret;

	vdev = kzalloc(sizeof(*vdev), GFP_KERNEL);
	if (!vdev)
		return ERR_PTR(-ENOMEM);

	vdev->class_id = chan->class_id;
	vdev->instance_id = chan->instance_id;
	vdev->relid = chan->relid;
	vdev->channel = chan;
	vdev->dev.bus = &vmb_bus_type;
	vdev->dev.parent = chan->conn->dev;
	vdev->dev.release = vmb_device_release;
	device_initialize(&vdev->dev);

	/* Set before probe can run: drivers may look at it. */
	chan->device = vdev;
	ret = dev_set_name(&vdev->dev, "%pUl", &vdev->instance_id);
	if (!ret)
		ret = device_add(&vdev->dev);
	if (ret) {
		chan->device = NULL;
		put_device(&vdev->dev);
		return ERR_PTR(ret);
	}
	return vdev;
}

/* Unbinds the driver and drops the bus's reference. */
void vmb_device_del(struct vmb_device *vdev)
{
	device_unregister(&vdev->dev);
}

int __vmb_driver_register(struct vmb_driver *drv, struct module *owner,
			  const char *mod_name)
{
	drv->driver.name = drv->name;
	drv->driver.bus = &vmb_bus_type;
	drv->driver.owner = owner;
	drv->driver.mod_name = mod_name;
	return driver_register(&drv->driver);
}
EXPORT_SYMBOL_GPL(__vmb_driver_register);

void vmb_driver_unregister(struct vmb_driver *drv)
{
	driver_unregister(&drv->driver);
}
EXPORT_SYMBOL_GPL(vmb_driver_unregister);

int vmb_bus_init(void)
{
	return bus_register(&vmb_bus_type);
}

void vmb_bus_exit(void)
{
	bus_unregister(&vmb_bus_type);
}
