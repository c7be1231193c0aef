// SPDX-License-Identifier: GPL-2.0
/*
 * Shutdown: the host's SHUTDOWN request becomes an orderly poweroff or
 * reboot through the guest's own init (orderly_poweroff(), orderly_reboot():
 * the kernel runs /sbin/poweroff or /sbin/reboot, so the userspace shutdown
 * path runs, syncs and unmounts).  The answer goes out first; a second
 * request while one is under way is answered BAD_STATE.
 */
#include <linux/ctype.h>
#include <linux/reboot.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "util.h"

static const u16 shutdown_versions[] = { VMB_UTIL_VERSION_1_0 };

struct shutdown_dev {
	struct vmb_util_dev u;
	struct work_struct work;
	u32 action;
	atomic_t started;
};

static void shutdown_work(struct work_struct *work)
{
	struct shutdown_dev *s = container_of(work, struct shutdown_dev, work);

	if (s->action == VMB_UTIL_SHUTDOWN_REBOOT)
		orderly_reboot();
	else
		orderly_poweroff(true);
}

static u16 shutdown_request(struct vmb_util_dev *u,
			    const struct vmb_util_req *req, const void *body,
			    u16 len, void *ans, u16 *ans_len)
{
	struct shutdown_dev *s = u->priv;
	struct vmb_util_shutdown m;
	size_t n, i;

	memcpy(&m, body, sizeof(m));
	n = strnlen(m.reason, sizeof(m.reason));
	if (n == sizeof(m.reason)) {
		vmb_util_warn(u, "refused: the reason is not NUL-terminated");
		return VMB_UTIL_S_INVALID;
	}
	for (i = 0; i < n; i++) {
		if (!isprint(m.reason[i])) {
			vmb_util_warn(u, "refused: the reason has byte %#x at %zu",
				      (u8)m.reason[i], i);
			return VMB_UTIL_S_INVALID;
		}
	}
	if (m.reserved) {
		vmb_util_warn(u, "refused: reserved %#x", le32_to_cpu(m.reserved));
		return VMB_UTIL_S_INVALID;
	}
	s->action = le32_to_cpu(m.action);
	if (s->action != VMB_UTIL_SHUTDOWN_POWEROFF &&
	    s->action != VMB_UTIL_SHUTDOWN_REBOOT) {
		vmb_util_warn(u, "refused: unknown action %u", s->action);
		return VMB_UTIL_S_INVALID;
	}
	if (atomic_xchg(&s->started, 1)) {
		vmb_util_warn(u, "refused: a shutdown is under way");
		return VMB_UTIL_S_BAD_STATE;
	}
	dev_notice(&u->vdev->dev, "the host asks for a %s: \"%s\"\n",
		   s->action == VMB_UTIL_SHUTDOWN_REBOOT ? "reboot" : "poweroff",
		   m.reason);
	schedule_work(&s->work);
	return VMB_UTIL_S_OK;
}

static const struct vmb_util_type shutdown_types[] = {
	{ VMB_UTIL_SHUTDOWN, sizeof(struct vmb_util_shutdown),
	  shutdown_request },
	{ }
};

static const struct vmb_util_service shutdown_service = {
	.name = "shutdown",
	.versions = shutdown_versions,
	.nr_versions = ARRAY_SIZE(shutdown_versions),
	.types = shutdown_types,
};

static int shutdown_probe(struct vmb_device *vdev,
			  const struct vmb_device_id *id)
{
	struct shutdown_dev *s;
	int ret;

	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	INIT_WORK(&s->work, shutdown_work);
	ret = vmb_util_open(vdev, &s->u, &shutdown_service, s);
	if (ret) {
		kfree(s);
		return ret;
	}
	dev_set_drvdata(&vdev->dev, s);
	return 0;
}

static void shutdown_remove(struct vmb_device *vdev)
{
	struct shutdown_dev *s = dev_get_drvdata(&vdev->dev);

	vmb_util_close(&s->u);
	cancel_work_sync(&s->work);
	kfree(s);
}

static const struct vmb_device_id shutdown_ids[] = {
	{ .class_id = VMB_CLASS_SHUTDOWN },
	{ }
};

struct vmb_driver vmb_shutdown_driver = {
	.name = "vmb_shutdown",
	.id_table = shutdown_ids,
	.probe = shutdown_probe,
	.remove = shutdown_remove,
};
