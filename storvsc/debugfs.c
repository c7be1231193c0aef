// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs: storvsc/<device>/queues, one line per hardware queue: what was
 * sent, what failed, what is in flight now; stale (lookups of ids that
 * named nothing outstanding, the bus's count); the host's malformed
 * completions, dropped, by kind; and the error handler's task management.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "storvsc.h"

static struct dentry *storvsc_debugfs_root;

static int storvsc_queues_show(struct seq_file *m, void *unused)
{
	struct storvsc_ctrl *ctrl = m->private;
	struct storvsc_queue *q;
	u32 i;

	seq_printf(m, "state %s\n",
		   test_bit(STORVSC_F_DEAD, &ctrl->flags) ? "dead" : "live");
	for (i = 0; i < ctrl->nr_queues; i++) {
		q = &ctrl->queues[i];
		seq_printf(m, "queue %u cpu %u requests %lld bytes %lld errors %lld in_flight %d completions %lld stale %llu",
			   i, q->target_cpu, atomic64_read(&q->requests),
			   atomic64_read(&q->bytes), atomic64_read(&q->errors),
			   atomic_read(&q->in_flight),
			   atomic64_read(&q->completions),
			   vmb_reqtable_stale(q->rt));
		seq_printf(m, " bad_id %lld bad_sense %lld bad_status %lld bad_length %lld bad_other %lld",
			   atomic64_read(&q->bad_id),
			   atomic64_read(&q->bad_sense),
			   atomic64_read(&q->bad_status),
			   atomic64_read(&q->bad_length),
			   atomic64_read(&q->bad_other));
		seq_printf(m, " aborts %lld resets %lld released %lld\n",
			   atomic64_read(&q->aborts),
			   atomic64_read(&q->resets),
			   atomic64_read(&q->released));
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(storvsc_queues);

void storvsc_debugfs_add(struct storvsc_ctrl *ctrl)
{
	ctrl->debugfs = debugfs_create_dir(dev_name(&ctrl->vdev->dev),
					   storvsc_debugfs_root);
	debugfs_create_file("queues", 0400, ctrl->debugfs, ctrl,
			    &storvsc_queues_fops);
}

void storvsc_debugfs_remove(struct storvsc_ctrl *ctrl)
{
	debugfs_remove(ctrl->debugfs);
}

void storvsc_debugfs_init(void)
{
	storvsc_debugfs_root = debugfs_create_dir("storvsc", NULL);
}

void storvsc_debugfs_exit(void)
{
	debugfs_remove(storvsc_debugfs_root);
}
