// SPDX-License-Identifier: GPL-2.0
/*
 * vmbus.ko: the channel-bus core.  Registers the vmb bus, then the transport
 * driver that finds the host's interface and connects to it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "vmbus_private.h"

static int __init vmb_init(void)
{
	int ret;

	vmb_debugfs_init();
	ret = vmb_bus_init();
	if (ret)
		goto out_debugfs_exit;
	ret = vmb_ivshmem_init();
	if (ret)
		goto out_bus_exit;
	pr_info("version " VMB_DRIVER_VERSION " loaded\n");
	return 0;

out_bus_exit:
	vmb_bus_exit();
out_debugfs_exit:
	vmb_debugfs_exit();
	return ret;
}

static void __exit vmb_exit(void)
{
	vmb_ivshmem_exit();
	vmb_bus_exit();
	vmb_debugfs_exit();
}

module_init(vmb_init);
module_exit(vmb_exit);

MODULE_DESCRIPTION("Paravirtual channel bus (guest side)");
MODULE_VERSION(VMB_DRIVER_VERSION);
MODULE_LICENSE("GPL");
