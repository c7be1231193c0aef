/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The vmb bus: the interface vmbus.ko offers to client drivers (storage,
 * network, utilities, tests).  One struct vmb_device exists per channel the
 * host offers; drivers bind to device classes by GUID.
 */
#ifndef _VMB_H
#define _VMB_H

#include <linux/device.h>
#include <linux/mod_devicetable.h>
#include <linux/module.h>
#include <linux/uuid.h>

struct vmb_channel;

/* Modalias prefix: uevents carry MODALIAS=vmb:<class GUID, %pUl>. */
#define VMB_MODALIAS_PREFIX	"vmb:"

/*
 * Module aliases are not generated from id tables for this bus (modpost only
 * knows in-tree table types), so a client driver names each class it serves:
 * VMB_MODULE_ALIAS(VMB_CLASS_FOO_STR).
 */
#define VMB_MODULE_ALIAS(class_str)	MODULE_ALIAS(VMB_MODALIAS_PREFIX class_str)

struct vmb_device_id {
	guid_t class_id;
	kernel_ulong_t driver_data;
};

struct vmb_device {
	struct device dev;
	guid_t class_id;
	guid_t instance_id;
	u32 relid;
	struct vmb_channel *channel;	/* the primary channel */
};

struct vmb_driver {
	const char *name;
	const struct vmb_device_id *id_table;	/* ends with a null GUID */
	int (*probe)(struct vmb_device *vdev, const struct vmb_device_id *id);
	void (*remove)(struct vmb_device *vdev);
	struct device_driver driver;
};

#define to_vmb_device(d)	container_of_const(d, struct vmb_device, dev)
#define to_vmb_driver(d)	container_of_const(d, struct vmb_driver, driver)

int __vmb_driver_register(struct vmb_driver *drv, struct module *owner,
			  const char *mod_name);
void vmb_driver_unregister(struct vmb_driver *drv);

#define vmb_driver_register(drv) \
	__vmb_driver_register(drv, THIS_MODULE, KBUILD_MODNAME)

#define module_vmb_driver(__vmb_driver) \
	module_driver(__vmb_driver, vmb_driver_register, vmb_driver_unregister)

#endif /* _VMB_H */
