// SPDX-License-Identifier: GPL-2.0
/*
 * storvsc.ko: the storage client.  Probe opens the primary channel, runs
 * the init handshake, opens one sub-channel per further vCPU (as many as
 * the host offers), and adds a SCSI host with one blk-mq hardware queue
 * per channel; remove undoes it in reverse.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blk-mq.h>
#include <linux/cpumask.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <scsi/scsi_cmnd.h>
#include <scsi/scsi_device.h>
#include <scsi/scsi_host.h>

#include "storvsc.h"

#define STORVSC_RING_SIZE	(256 * 1024)
#define STORVSC_REMOVE_DRAIN	(5 * HZ)

/* The largest SRB packet: descriptor, one range of every page, the SRB. */
#define STORVSC_MAX_PKT		(16 + 8 + 8 + 8 * STORVSC_MAX_PAGES + \
				 sizeof(struct vmb_stor_srb_msg) + 8)

static vmb_compat_sht_qual(const) struct scsi_host_template storvsc_sht = {
	.module			= THIS_MODULE,
	.name			= "vmb_storvsc",
	.proc_name		= "vmb_storvsc",
	.queuecommand		= storvsc_queuecommand,
	.eh_timed_out		= storvsc_eh_timed_out,
	.eh_abort_handler	= storvsc_eh_abort,
	.eh_device_reset_handler = storvsc_eh_device_reset,
	.eh_host_reset_handler	= storvsc_eh_host_reset,
	.change_queue_depth	= scsi_change_queue_depth,
	.this_id		= -1,
	.can_queue		= 1,		/* the host's, at probe */
	.cmd_per_lun		= 1,
	.sg_tablesize		= STORVSC_MAX_PAGES,
	.max_sectors		= STORVSC_MAX_TRANSFER >> SECTOR_SHIFT,
	/* Every segment but the ends is whole pages: one GPA range. */
	.virt_boundary_mask	= PAGE_SIZE - 1,
	.cmd_size		= sizeof(struct storvsc_cmd),
	.track_queue_depth	= 1,
	.no_write_same		= 1,
};

/*
 * Each channel interrupts the first CPU that blk-mq maps to its queue, so
 * a command completes where it was submitted.  Best effort.
 */
static void storvsc_set_targets(struct storvsc_ctrl *ctrl)
{
	const struct blk_mq_queue_map *map =
		&ctrl->shost->tag_set.map[HCTX_TYPE_DEFAULT];
	unsigned long done = 0;
	unsigned int cpu, hwq;
	int ret;

	if (ctrl->nr_queues < 2)
		return;
	for_each_online_cpu(cpu) {
		hwq = map->mq_map[cpu];
		if (hwq >= ctrl->nr_queues || __test_and_set_bit(hwq, &done))
			continue;
		ret = vmb_chan_set_target(ctrl->queues[hwq].chan, cpu);
		if (ret)
			dev_dbg(&ctrl->vdev->dev, "queue %u: vCPU %u: %d\n",
				hwq, cpu, ret);
		else
			ctrl->queues[hwq].target_cpu = cpu;
	}
}

/* Sub-channels for the vCPUs beyond the first, as many as the host has. */
static void storvsc_open_subchannels(struct storvsc_ctrl *ctrl)
{
	struct vmb_channel *primary = ctrl->vdev->channel, *sub;
	u32 want = min(num_online_cpus() - 1, ctrl->max_subchannels);
	int have, i;

	if (!want)
		return;
	have = storvsc_create_subchannels(ctrl, want);
	if (have < 0)
		return;
	for (i = 1; i <= VMB_MAX_SUBCHANNELS && ctrl->nr_queues <= want; i++) {
		sub = vmb_chan_subchannel(primary, i);
		if (!sub)
			continue;
		if (storvsc_queue_open(ctrl, ctrl->nr_queues, sub,
				       STORVSC_RING_SIZE))
			break;
		ctrl->nr_queues++;
	}
	if (ctrl->nr_queues <= want)
		dev_warn(&ctrl->vdev->dev, "%u of %u sub-channels\n",
			 ctrl->nr_queues - 1, want);
}

static void storvsc_setup_host(struct storvsc_ctrl *ctrl)
{
	struct Scsi_Host *shost = ctrl->shost;
	u32 depth = min_t(u32, ctrl->depth,
			  STORVSC_RING_SIZE / STORVSC_MAX_PKT);

	shost->max_id = 1;
	shost->max_channel = 0;
	shost->max_lun = ctrl->max_luns;
	shost->max_cmd_len = VMB_STOR_CDB_MAX;
	shost->can_queue = depth;
	shost->cmd_per_lun = depth;
	shost->max_sectors = ctrl->max_transfer >> SECTOR_SHIFT;
	shost->sg_tablesize = ctrl->max_transfer / PAGE_SIZE + 1;
	shost->nr_hw_queues = ctrl->nr_queues;
	ctrl->direct_send = vmb_compat_shost_may_block(shost);
}

static int storvsc_probe(struct vmb_device *vdev,
			 const struct vmb_device_id *id)
{
	struct device *dev = &vdev->dev;
	struct storvsc_ctrl *ctrl;
	struct Scsi_Host *shost;
	u32 i;
	int ret;

	shost = scsi_host_alloc(&storvsc_sht, sizeof(*ctrl));
	if (!shost)
		return -ENOMEM;
	ctrl = shost_priv(shost);
	ctrl->shost = shost;
	ctrl->vdev = vdev;
	mutex_init(&ctrl->kill_lock);
	mutex_init(&ctrl->tm_lock);
	init_waitqueue_head(&ctrl->drain_wq);
	INIT_WORK(&ctrl->scan_work, storvsc_scan_work);
	INIT_WORK(&ctrl->dead_work, storvsc_dead_work);

	ret = -ENOMEM;
	ctrl->wq = alloc_workqueue("storvsc/%s", WQ_MEM_RECLAIM | WQ_HIGHPRI,
				   0, dev_name(dev));
	if (!ctrl->wq)
		goto out_put_host;
	ctrl->ctl_rt = vmb_reqtable_create(1);
	if (!ctrl->ctl_rt)
		goto out_destroy_wq;
	ctrl->queues = kcalloc(1 + VMB_MAX_SUBCHANNELS, sizeof(*ctrl->queues),
			       GFP_KERNEL);
	if (!ctrl->queues)
		goto out_destroy_ctl_rt;

	ret = storvsc_queue_open(ctrl, 0, vdev->channel, STORVSC_RING_SIZE);
	if (ret) {
		dev_err(dev, "cannot open the channel: %d\n", ret);
		goto out_free_queues;
	}
	ctrl->nr_queues = 1;
	ret = storvsc_handshake(ctrl);
	if (ret)
		goto out_kill;
	storvsc_open_subchannels(ctrl);
	ret = storvsc_end_init(ctrl);
	if (ret)
		goto out_kill;

	storvsc_setup_host(ctrl);
	ret = scsi_add_host(shost, dev);
	if (ret)
		goto out_kill;
	dev_set_drvdata(dev, ctrl);
	storvsc_set_targets(ctrl);
	storvsc_debugfs_add(ctrl);
	dev_info(dev, "protocol %u.%u, %u queue(s) of depth %u, max transfer %u, %u LUN(s)%s%s\n",
		 ctrl->version >> 16, ctrl->version & 0xffff, ctrl->nr_queues,
		 shost->can_queue, ctrl->max_transfer, ctrl->max_luns,
		 ctrl->direct_send ? "" : ", deferred sends",
		 ctrl->tm ? "" : ", no abort");
	set_bit(STORVSC_F_READY, &ctrl->flags);
	scsi_scan_host(shost);
	return 0;

out_kill:
	storvsc_kill(ctrl, NULL);
	for (i = 0; i < ctrl->nr_queues; i++)
		storvsc_queue_free(&ctrl->queues[i]);
	cancel_work_sync(&ctrl->dead_work);
out_free_queues:
	kfree(ctrl->queues);
out_destroy_ctl_rt:
	vmb_reqtable_destroy(ctrl->ctl_rt);
out_destroy_wq:
	destroy_workqueue(ctrl->wq);
out_put_host:
	scsi_host_put(shost);
	return ret;
}

/*
 * Also the rescind path.  On an unbind the host still answers: the disks
 * get their SYNCHRONIZE CACHEs, and what is in flight gets a few seconds
 * before everything fails.  A rescinded controller answers nothing more:
 * its I/O fails at once, and removal does not wait for it.
 */
static void storvsc_remove(struct vmb_device *vdev)
{
	struct storvsc_ctrl *ctrl = dev_get_drvdata(&vdev->dev);
	struct Scsi_Host *shost = ctrl->shost;
	u32 i;

	set_bit(STORVSC_F_REMOVING, &ctrl->flags);
	clear_bit(STORVSC_F_READY, &ctrl->flags);
	cancel_work_sync(&ctrl->scan_work);
	if (vmb_chan_rescinded(vdev->channel))
		storvsc_kill(ctrl, "rescinded by the host");
	else if (!storvsc_drain(ctrl, STORVSC_REMOVE_DRAIN))
		storvsc_kill(ctrl, "removed with I/O the host does not answer");
	scsi_remove_host(shost);
	storvsc_kill(ctrl, NULL);
	/* No callback runs now, so neither is queued again. */
	cancel_work_sync(&ctrl->dead_work);
	cancel_work_sync(&ctrl->scan_work);
	storvsc_debugfs_remove(ctrl);
	for (i = 0; i < ctrl->nr_queues; i++)
		storvsc_queue_free(&ctrl->queues[i]);
	kfree(ctrl->queues);
	vmb_reqtable_destroy(ctrl->ctl_rt);
	destroy_workqueue(ctrl->wq);
	dev_info(&vdev->dev, "removed\n");
	scsi_host_put(shost);
}

static const struct vmb_device_id storvsc_ids[] = {
	{ .class_id = VMB_CLASS_STORAGE },
	{ }
};

static struct vmb_driver storvsc_driver = {
	.name = "storvsc",
	.id_table = storvsc_ids,
	.probe = storvsc_probe,
	.remove = storvsc_remove,
};

static int __init storvsc_init(void)
{
	int ret;

	storvsc_debugfs_init();
	ret = vmb_driver_register(&storvsc_driver);
	if (ret) {
		storvsc_debugfs_exit();
		return ret;
	}
	pr_info("version " STORVSC_DRIVER_VERSION " loaded\n");
	return 0;
}

static void __exit storvsc_exit(void)
{
	vmb_driver_unregister(&storvsc_driver);
	storvsc_debugfs_exit();
}

module_init(storvsc_init);
module_exit(storvsc_exit);

VMB_MODULE_ALIAS(VMB_CLASS_STORAGE_STR);
MODULE_DESCRIPTION("vmb bus storage client: a SCSI host for the host's disks");
MODULE_VERSION(STORVSC_DRIVER_VERSION);
MODULE_LICENSE("GPL");
