// SPDX-License-Identifier: GPL-2.0
/*
 * Heartbeat: answer each of the host's HEARTBEAT requests with its
 * sequence number, proving that this driver (and the softirq it runs in)
 * still runs.  Unbinding the driver stops the answers; the host calls the
 * guest unresponsive.
 */
#include <linux/slab.h>

#include "util.h"

static const u16 heartbeat_versions[] = { VMB_UTIL_VERSION_1_0 };

static u16 heartbeat_beat(struct vmb_util_dev *u,
			  const struct vmb_util_req *req, const void *body,
			  u16 len, void *ans, u16 *ans_len)
{
	memcpy(ans, body, sizeof(struct vmb_util_heartbeat));
	*ans_len = sizeof(struct vmb_util_heartbeat);
	return VMB_UTIL_S_OK;
}

static const struct vmb_util_type heartbeat_types[] = {
	{ VMB_UTIL_HEARTBEAT, sizeof(struct vmb_util_heartbeat),
	  heartbeat_beat },
	{ }
};

static const struct vmb_util_service heartbeat_service = {
	.name = "heartbeat",
	.versions = heartbeat_versions,
	.nr_versions = ARRAY_SIZE(heartbeat_versions),
	.types = heartbeat_types,
};

static int heartbeat_probe(struct vmb_device *vdev,
			   const struct vmb_device_id *id)
{
	struct vmb_util_dev *u;
	int ret;

	u = kzalloc(sizeof(*u), GFP_KERNEL);
	if (!u)
		return -ENOMEM;
	ret = vmb_util_open(vdev, u, &heartbeat_service, NULL);
	if (ret) {
		kfree(u);
		return ret;
	}
	dev_set_drvdata(&vdev->dev, u);
	return 0;
}

static void heartbeat_remove(struct vmb_device *vdev)
{
	struct vmb_util_dev *u = dev_get_drvdata(&vdev->dev);

	vmb_util_close(u);
	kfree(u);
}

static const struct vmb_device_id heartbeat_ids[] = {
	{ .class_id = VMB_CLASS_HEARTBEAT },
	{ }
};

struct vmb_driver vmb_heartbeat_driver = {
	.name = "vmb_heartbeat",
	.id_table = heartbeat_ids,
	.probe = heartbeat_probe,
	.remove = heartbeat_remove,
};
