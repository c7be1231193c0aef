// SPDX-License-Identifier: GPL-2.0
/*
 * vmb_util.ko: the integration services, one vmb driver each, in one
 * module that udev loads for the first of their classes the host offers.
 */
#include <linux/module.h>

#include "util.h"

static struct vmb_driver *const vmb_util_drivers[] = {
	&vmb_heartbeat_driver,
};

static int __init vmb_util_init(void)
{
	int i, ret;

	for (i = 0; i < ARRAY_SIZE(vmb_util_drivers); i++) {
		ret = vmb_driver_register(vmb_util_drivers[i]);
		if (ret)
			goto fail;
	}
	return 0;
fail:
	while (--i >= 0)
		vmb_driver_unregister(vmb_util_drivers[i]);
	return ret;
}

static void __exit vmb_util_exit(void)
{
	int i;

	for (i = ARRAY_SIZE(vmb_util_drivers) - 1; i >= 0; i--)
		vmb_driver_unregister(vmb_util_drivers[i]);
}

module_init(vmb_util_init);
module_exit(vmb_util_exit);

VMB_MODULE_ALIAS(VMB_CLASS_HEARTBEAT_STR);
MODULE_DESCRIPTION("Integration services (heartbeat) on the vmb bus");
MODULE_LICENSE("GPL");
MODULE_VERSION(VMB_UTIL_DRIVER_VERSION);
