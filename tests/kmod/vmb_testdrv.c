// SPDX-License-Identifier: GPL-2.0
/*
 * A client driver for the tests: binds to the test device class and says so,
 * so tests can see modalias autoload, probe and remove.
 */
#include <linux/module.h>

#include "vmb.h"
#include "vmb_test.h"

static int vmb_testdrv_probe(struct vmb_device *vdev,
			     const struct vmb_device_id *id)
{
	dev_info(&vdev->dev, "probe relid %u\n", vdev->relid);
	return 0;
}

static void vmb_testdrv_remove(struct vmb_device *vdev)
{
	dev_info(&vdev->dev, "remove relid %u\n", vdev->relid);
}

static const struct vmb_device_id vmb_testdrv_ids[] = {
	{ .class_id = VMB_CLASS_TEST },
	{ }
};

static struct vmb_driver vmb_testdrv = {
	.name = "vmb_testdrv",
	.id_table = vmb_testdrv_ids,
	.probe = vmb_testdrv_probe,
	.remove = vmb_testdrv_remove,
};
module_vmb_driver(vmb_testdrv);

VMB_MODULE_ALIAS(VMB_CLASS_TEST_STR);
MODULE_DESCRIPTION("vmb bus test client driver");
MODULE_LICENSE("GPL");
