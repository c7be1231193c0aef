// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/debug/vmbus/<transport device>/channels: one line per channel
 * with what both sides have published in its ring headers, for finding a
 * stalled channel (who waits for whom).  Read without stopping anything, so
 * a line is a snapshot of values that may be moving.
 */
#include <linux/debugfs.h>
#include <linux/interrupt.h>
#include <linux/seq_file.h>

#include "vmbus_private.h"

static struct dentry *vmb_debugfs_root;

/* Our index, then what the header says: write/read/pending/mask. */
static void vmb_debugfs_ring(struct seq_file *m, const char *name,
			     const struct vmb_ring *r)
{
	const struct vmb_ring_hdr *h = r->hdr;

	seq_printf(m, " %s=%u:%u/%u/%u/%u", name, READ_ONCE(r->index),
		   le32_to_cpu(READ_ONCE(h->write_index)),
		   le32_to_cpu(READ_ONCE(h->read_index)),
		   le32_to_cpu(READ_ONCE(h->pending_send_sz)),
		   le32_to_cpu(READ_ONCE(h->interrupt_mask)));
}

static int vmb_debugfs_channels_show(struct seq_file *m, void *unused)
{
	struct vmb_conn *conn = m->private;
	struct vmb_channel *chan;
	unsigned long relid;

	seq_puts(m, "# ring: our index:write/read/pending_send_sz/interrupt_mask\n");
	/* A channel is freed only after a grace period: no chan_lock needed. */
	rcu_read_lock();
	xa_for_each(&conn->channels, relid, chan) {
		seq_printf(m, "relid=%u sub=%u state=%s open=%d broken=%d vcpu=%u senders=%d waiters=%d tasklet=%s",
			   chan->relid, chan->sub_index,
			   vmb_chan_state_name(READ_ONCE(chan->state)),
			   test_bit(VMB_CHAN_F_OPEN, &chan->flags),
			   test_bit(VMB_CHAN_F_BROKEN, &chan->flags),
			   READ_ONCE(chan->target_vcpu),
			   atomic_read(&chan->senders),
			   atomic_read(&chan->out_waiters),
			   test_bit(TASKLET_STATE_SCHED, &chan->tasklet.state) ?
			   "scheduled" : "idle");
		/* Under out_lock the rings cannot be freed. */
		spin_lock_irq(&chan->out_lock);
		if (test_bit(VMB_CHAN_F_OPEN, &chan->flags)) {
			vmb_debugfs_ring(m, "out", &chan->out);
			vmb_debugfs_ring(m, "in", &chan->in);
		}
		spin_unlock_irq(&chan->out_lock);
		seq_printf(m, " tx=%lld rx=%lld irqs=%lld doorbells=%lld full=%lld\n",
			   atomic64_read(&chan->stats.tx_pkts),
			   atomic64_read(&chan->stats.rx_pkts),
			   atomic64_read(&chan->stats.interrupts),
			   atomic64_read(&chan->stats.doorbells),
			   atomic64_read(&chan->stats.ring_full));
	}
	rcu_read_unlock();
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vmb_debugfs_channels);

void vmb_debugfs_conn_add(struct vmb_conn *conn)
{
	conn->debugfs = debugfs_create_dir(dev_name(conn->dev),
					   vmb_debugfs_root);
	debugfs_create_file("channels", 0400, conn->debugfs, conn,
			    &vmb_debugfs_channels_fops);
}

void vmb_debugfs_conn_del(struct vmb_conn *conn)
{
	debugfs_remove(conn->debugfs);
	conn->debugfs = NULL;
}

void vmb_debugfs_init(void)
{
	vmb_debugfs_root = debugfs_create_dir(KBUILD_MODNAME, NULL);
}

void vmb_debugfs_exit(void)
{
	debugfs_remove(vmb_debugfs_root);
}
