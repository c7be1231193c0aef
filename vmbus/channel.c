// SPDX-License-Identifier: GPL-2.0
/*
 * Open channels: rings handed to the host by GPADL, sending and receiving
 * packets, event delivery to the driver's callback, flow control.
 *
 * Contexts: vmb_conn_chan_event() runs in hard interrupt context on the
 * channel's target vCPU and only schedules the channel's tasklet (and wakes
 * senders waiting for room); the tasklet masks the host's interrupts for
 * the channel, runs the driver's callback until the ring is empty, unmasks
 * and checks once more, so a burst of packets costs one interrupt.
 *
 * Locks (see vmbus_private.h): open_lock serialises open, close and
 * retarget; out_lock serialises senders and guards VMB_CHAN_F_OPEN.  The
 * inbound ring needs none: only the tasklet reads it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/interrupt.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/wait.h>

#include "vmbus_private.h"

#define VMB_CHAN_SEND_TIMEOUT	(30 * HZ)
/* Callback rounds per tasklet run before yielding the CPU. */
#define VMB_CHAN_BUDGET		64

/* Counters are bumped from several CPUs and from interrupts: atomics. */
#define vmb_chan_count(chan, field, v) \
	atomic64_add(v, &(chan)->stats.field)

static void vmb_chan_break(struct vmb_channel *chan, const char *why)
{
	if (!test_and_set_bit(VMB_CHAN_F_BROKEN, &chan->flags))
		dev_err_ratelimited(chan->conn->dev,
				    "relid %u: host broke the ring protocol (%s); channel disabled\n",
				    chan->relid, why);
	wake_up_all(&chan->out_wq);
}

bool vmb_chan_broken(struct vmb_channel *chan)
{
	return test_bit(VMB_CHAN_F_BROKEN, &chan->flags);
}
EXPORT_SYMBOL_GPL(vmb_chan_broken);

/*
 * Whether the host has rescinded the channel: it answers nothing sent on
 * it any more, so a driver's remove need not wait for outstanding requests.
 */
bool vmb_chan_rescinded(struct vmb_channel *chan)
{
	return READ_ONCE(chan->state) == VMB_CHAN_RESCINDED;
}
EXPORT_SYMBOL_GPL(vmb_chan_rescinded);

static void vmb_chan_signal(struct vmb_channel *chan)
{
	struct vmb_transport *t = chan->conn->transport;

	t->ops->signal(t, chan->relid);
	vmb_chan_count(chan, doorbells, 1);
}

/*
 * Softirq context.  A tasklet runs on one CPU at a time, so the callback and
 * the inbound ring need no lock; close kills the tasklet once
 * VMB_CHAN_F_OPEN is clear, and a run that starts later returns at once.
 */
static void vmb_chan_tasklet(struct tasklet_struct *t)
{
	struct vmb_channel *chan = from_tasklet(chan, t, tasklet);
	struct vmb_ring_hdr *in = chan->in.hdr;
	int budget = VMB_CHAN_BUDGET;

	if (!test_bit(VMB_CHAN_F_OPEN, &chan->flags))
		return;
	do {
		WRITE_ONCE(in->interrupt_mask, cpu_to_le32(1));
		chan->cb(chan, chan->cb_ctx);
		WRITE_ONCE(in->interrupt_mask, 0);
		/*
		 * Unmask before looking again: pairs with the host's barrier
		 * between publishing a packet and reading the mask, so either
		 * we see the packet or the host signals us.
		 */
		virt_mb();
	} while (!vmb_chan_broken(chan) && !vmb_ring_empty(&chan->in) &&
		 --budget);

	if (!budget)
		tasklet_schedule(&chan->tasklet);
}

/*
 * Hard interrupt context: the host signalled channel @relid.  No lock: the
 * channel is found under RCU (retire waits a grace period before it frees
 * one), and only scheduling the tasklet and waking senders are done here.
 */
void vmb_conn_chan_event(struct vmb_conn *conn, u32 relid)
{
	struct vmb_channel *chan;

	rcu_read_lock();
	chan = xa_load(&conn->channels, relid);
	if (chan && test_bit(VMB_CHAN_F_OPEN, &chan->flags)) {
		vmb_chan_count(chan, interrupts, 1);
		wake_up(&chan->out_wq);
		tasklet_schedule(&chan->tasklet);
	}
	rcu_read_unlock();
}

/*
 * Stops all traffic on an open channel before its rings go: once
 * VMB_CHAN_F_OPEN is clear under out_lock no sender writes the ring and no
 * sysfs or debugfs reader looks at it; a tasklet that runs from then on sees
 * the channel closed; senders waiting for room give up, and those still in
 * vmb_chan_write() are waited for.  Returns false if it was not open.
 */
static bool vmb_chan_stop(struct vmb_channel *chan)
{
	bool was_open;

	lockdep_assert_held(&chan->open_lock);

	spin_lock_irq(&chan->out_lock);
	was_open = test_and_clear_bit(VMB_CHAN_F_OPEN, &chan->flags);
	spin_unlock_irq(&chan->out_lock);
	if (!was_open)
		return false;
	tasklet_kill(&chan->tasklet);
	wake_up_all(&chan->out_wq);
	wait_event(chan->out_wq, !atomic_read(&chan->senders));
	return true;
}

static int __vmb_chan_open(struct vmb_channel *chan, u32 ring_size,
			   void (*cb)(struct vmb_channel *chan, void *ctx),
			   void *ctx)
{
	struct vmb_conn *conn = chan->conn;
	u32 ring_bytes = PAGE_SIZE + ring_size;
	struct vmb_msg_open_channel req = {};
	struct vmb_msg_open_result resp;
	int ret, err;

	lockdep_assert_held(&chan->open_lock);

	if (!conn->transport->nr_chan_vectors ||
	    READ_ONCE(chan->state) != VMB_CHAN_OFFERED)
		return -ENODEV;
	if (!is_power_of_2(ring_size) || ring_size < PAGE_SIZE ||
	    2 * (ring_bytes >> PAGE_SHIFT) > VMB_GPADL_MAX_PAGES || !cb)
		return -EINVAL;
	if (test_bit(VMB_CHAN_F_OPEN, &chan->flags))
		return -EBUSY;

	chan->ring_bytes = 2 * ring_bytes;
	chan->ring_buf = alloc_pages_exact(chan->ring_bytes,
					   GFP_KERNEL | __GFP_ZERO);
	if (!chan->ring_buf)
		return -ENOMEM;
	vmb_ring_init(&chan->out, chan->ring_buf, ring_bytes);
	vmb_ring_init(&chan->in, chan->ring_buf + ring_bytes, ring_bytes);

	ret = vmb_gpadl_create(conn, chan->relid, chan->ring_buf,
			       chan->ring_bytes, &chan->ring_gpadl);
	if (ret)
		goto out_free_ring;

	chan->cb = cb;
	chan->cb_ctx = ctx;
	WRITE_ONCE(chan->target_vcpu,
		   (chan->relid - 1) % conn->transport->nr_chan_vectors);
	clear_bit(VMB_CHAN_F_BROKEN, &chan->flags);
	/*
	 * Open before the host can signal: an early event must not be lost.
	 * Under out_lock, so that a reader that finds the channel open under
	 * it (sysfs, debugfs, senders) also finds its rings initialised.
	 */
	spin_lock_irq(&chan->out_lock);
	set_bit(VMB_CHAN_F_OPEN, &chan->flags);
	spin_unlock_irq(&chan->out_lock);

	req.relid = cpu_to_le32(chan->relid);
	req.open_id = cpu_to_le32(++chan->open_id);
	req.ring_gpadl = cpu_to_le32(chan->ring_gpadl);
	req.in_ring_page = cpu_to_le32(ring_bytes >> PAGE_SHIFT);
	req.target_vcpu = cpu_to_le32(chan->target_vcpu);
	ret = vmb_conn_request(conn, VMB_MSG_OPEN_CHANNEL, &req, sizeof(req),
			       VMB_MSG_OPEN_RESULT, chan->relid, &resp,
			       sizeof(resp));
	if (!ret && (le32_to_cpu(resp.open_id) != chan->open_id ||
		     le32_to_cpu(resp.status) != VMB_STATUS_OK)) {
		dev_err(conn->dev, "relid %u: host refused to open: status %u\n",
			chan->relid, le32_to_cpu(resp.status));
		ret = -EIO;
	}
	if (ret)
		goto out_teardown;
	return 0;

out_teardown:
	vmb_chan_stop(chan);
	if (ret == -ETIMEDOUT) {
		/* The host may have opened it after all: close first. */
		struct vmb_msg_close_channel close = { .relid = req.relid };

		vmb_conn_post(conn, VMB_MSG_CLOSE_CHANNEL, &close,
			      sizeof(close));
	}
	err = vmb_gpadl_teardown(conn, chan->relid, chan->ring_gpadl);
	if (err) {
		chan->ring_buf = NULL;	/* the host may still use it */
		return ret;
	}
out_free_ring:
	free_pages_exact(chan->ring_buf, chan->ring_bytes);
	chan->ring_buf = NULL;
	return ret;
}

/*
 * A channel that is rescinded while open is closed by vmbus itself
 * (vmb_chan_close_if_open()), possibly while its driver opens or closes it:
 * open_lock makes each of these wait for the other.
 */
int vmb_chan_open(struct vmb_channel *chan, u32 ring_size,
		  void (*cb)(struct vmb_channel *chan, void *ctx), void *ctx)
{
	int ret;

	mutex_lock(&chan->open_lock);
	ret = __vmb_chan_open(chan, ring_size, cb, ctx);
	mutex_unlock(&chan->open_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(vmb_chan_open);

/*
 * Closes @chan if it is open; true if it was.  When this returns, whoever
 * closed the channel, its callback is not running and will not run, and no
 * sender is left in it.
 */
bool vmb_chan_close_if_open(struct vmb_channel *chan)
{
	struct vmb_conn *conn = chan->conn;
	struct vmb_msg_close_channel req = {
		.relid = cpu_to_le32(chan->relid),
	};
	int ret;

	mutex_lock(&chan->open_lock);
	if (!vmb_chan_stop(chan)) {
		mutex_unlock(&chan->open_lock);
		return false;
	}

	ret = vmb_conn_post(conn, VMB_MSG_CLOSE_CHANNEL, &req, sizeof(req));
	if (ret)
		dev_warn(conn->dev, "relid %u: close not sent: %d\n",
			 chan->relid, ret);
	ret = vmb_gpadl_teardown(conn, chan->relid, chan->ring_gpadl);
	if (!ret)
		free_pages_exact(chan->ring_buf, chan->ring_bytes);
	chan->ring_buf = NULL;
	mutex_unlock(&chan->open_lock);
	return true;
}

/*
 * Sends that race with close fail with -ENODEV; the driver's callback does
 * not run once close has begun.
 */
void vmb_chan_close(struct vmb_channel *chan)
{
	vmb_chan_close_if_open(chan);
}
EXPORT_SYMBOL_GPL(vmb_chan_close);

/*
 * Appends a packet, sleeping while the ring has no room.  A writer that
 * finds no room asks the host, by pending_send_sz, to signal once there is
 * room for its packet (a later writer's request replaces it: every signal
 * wakes every waiter, and the host signals whenever it consumed and the
 * last request is met, so each waiter is woken at the latest when the ring
 * drains).  Requests are made and withdrawn under out_lock, so the last
 * waiter to leave cannot withdraw a request made after it counted itself.
 */
static int __vmb_chan_write(struct vmb_channel *chan, const struct kvec *kv,
			    unsigned int n, u32 total)
{
	u32 need = total + sizeof(__le64);
	bool signal = false, waited = false;
	unsigned long flags;
	long left;
	int ret;

	for (;;) {
		if (vmb_chan_broken(chan)) {
			ret = -EIO;
			break;
		}

		spin_lock_irqsave(&chan->out_lock, flags);
		/* Under out_lock: no packet goes out once close has begun. */
		if (test_bit(VMB_CHAN_F_OPEN, &chan->flags))
			ret = vmb_ring_write(&chan->out, kv, n, total, &signal);
		else
			ret = -ENODEV;
		if (ret == -ENOSPC) {
			if (!waited) {
				atomic_inc(&chan->out_waiters);
				waited = true;
			}
			WRITE_ONCE(chan->out.hdr->pending_send_sz,
				   cpu_to_le32(need));
		}
		spin_unlock_irqrestore(&chan->out_lock, flags);
		if (ret != -ENOSPC)
			break;

		vmb_chan_count(chan, ring_full, 1);
		/* The request before the re-check; pairs with the host. */
		virt_mb();
		left = wait_event_killable_timeout(chan->out_wq,
						   vmb_ring_space(&chan->out) >=
						   need ||
						   vmb_chan_broken(chan) ||
						   !test_bit(VMB_CHAN_F_OPEN,
							     &chan->flags),
						   VMB_CHAN_SEND_TIMEOUT);
		if (left <= 0) {
			ret = left ? left : -ETIMEDOUT;
			break;
		}
	}
	if (waited) {
		/* The last waiter to leave withdraws the request. */
		spin_lock_irqsave(&chan->out_lock, flags);
		if (atomic_dec_and_test(&chan->out_waiters) &&
		    test_bit(VMB_CHAN_F_OPEN, &chan->flags))
			WRITE_ONCE(chan->out.hdr->pending_send_sz, 0);
		spin_unlock_irqrestore(&chan->out_lock, flags);
	}
	if (ret == -EIO) {
		vmb_chan_break(chan, "bad read index");
		return ret;
	}
	if (ret)
		return ret;
	vmb_chan_count(chan, tx_pkts, 1);
	vmb_chan_count(chan, tx_bytes, total);
	if (signal)
		vmb_chan_signal(chan);
	return ret;
}

/* Counts active senders, so that close can wait for the last to leave. */
static int vmb_chan_write(struct vmb_channel *chan, const struct kvec *kv,
			  unsigned int n, u32 total)
{
	int ret;

	might_sleep();
	atomic_inc(&chan->senders);
	ret = __vmb_chan_write(chan, kv, n, total);
	if (atomic_dec_and_test(&chan->senders))
		wake_up_all(&chan->out_wq);
	return ret;
}

static const u8 vmb_zero_pad[8];

int vmb_chan_send(struct vmb_channel *chan, u16 type, u16 flags, u64 trans_id,
		  const void *data, u32 len)
{
	u32 padded = ALIGN(len, 8);
	struct vmb_pkt_desc desc = {
		.type = cpu_to_le16(type),
		.offset8 = cpu_to_le16(sizeof(desc) / 8),
		.len8 = cpu_to_le16((sizeof(desc) + padded) / 8),
		.flags = cpu_to_le16(flags),
		.trans_id = cpu_to_le64(trans_id),
	};
	struct kvec kv[] = {
		{ .iov_base = &desc, .iov_len = sizeof(desc) },
		{ .iov_base = (void *)data, .iov_len = len },
		{ .iov_base = (void *)vmb_zero_pad, .iov_len = padded - len },
	};

	if (type != VMB_PKT_INBAND && type != VMB_PKT_COMPLETION)
		return -EINVAL;
	if (sizeof(desc) + padded >= chan->out.size / 2)
		return -EMSGSIZE;
	return vmb_chan_write(chan, kv, ARRAY_SIZE(kv), sizeof(desc) + padded);
}
EXPORT_SYMBOL_GPL(vmb_chan_send);

/*
 * Sends a GPA-range packet describing @bytes of I/O data in @pages starting
 * @offset into the first page, followed by @len bytes of in-band @data.
 */
int vmb_chan_send_gpa(struct vmb_channel *chan, u64 trans_id,
		      struct page **pages, u32 nr_pages, u32 offset, u32 bytes,
		      const void *data, u32 len)
{
	u32 padded = ALIGN(len, 8), hdr_len, i;
	struct {
		struct vmb_pkt_desc desc;
		__le32 range_count;
		__le32 reserved;
		struct vmb_gpa_range range;
	} *hdr;
	struct kvec kv[3];
	int ret;

	if (!bytes || offset >= PAGE_SIZE ||
	    DIV_ROUND_UP(offset + bytes, PAGE_SIZE) != nr_pages)
		return -EINVAL;
	hdr_len = sizeof(*hdr) + nr_pages * sizeof(__le64);
	if (hdr_len + padded >= chan->out.size / 2)
		return -EMSGSIZE;

	hdr = kzalloc(hdr_len, GFP_KERNEL);
	if (!hdr)
		return -ENOMEM;
	hdr->desc.type = cpu_to_le16(VMB_PKT_GPA_RANGE);
	hdr->desc.offset8 = cpu_to_le16(hdr_len / 8);
	hdr->desc.len8 = cpu_to_le16((hdr_len + padded) / 8);
	hdr->desc.flags = cpu_to_le16(VMB_PKT_F_COMPLETION_REQUESTED);
	hdr->desc.trans_id = cpu_to_le64(trans_id);
	hdr->range_count = cpu_to_le32(1);
	hdr->range.byte_count = cpu_to_le32(bytes);
	hdr->range.byte_offset = cpu_to_le32(offset);
	for (i = 0; i < nr_pages; i++)
		hdr->range.pfn[i] = cpu_to_le64(page_to_pfn(pages[i]));

	kv[0].iov_base = hdr;
	kv[0].iov_len = hdr_len;
	kv[1].iov_base = (void *)data;
	kv[1].iov_len = len;
	kv[2].iov_base = (void *)vmb_zero_pad;
	kv[2].iov_len = padded - len;
	ret = vmb_chan_write(chan, kv, ARRAY_SIZE(kv), hdr_len + padded);
	kfree(hdr);
	return ret;
}
EXPORT_SYMBOL_GPL(vmb_chan_send_gpa);

/*
 * From the channel callback: the next packet, its payload (padded to 8
 * bytes) copied to @buf.  -EAGAIN when there is none.
 *
 * The inbound ring has no lock: its only reader is the channel's tasklet,
 * which runs the callback, in softirq context and never on two CPUs at
 * once.  A call from anywhere else would race with it for chan->in.
 */
int vmb_chan_recv(struct vmb_channel *chan, struct vmb_pkt *pkt, void *buf,
		  u32 buflen)
{
	int ret;

	lockdep_assert_in_softirq();

	if (vmb_chan_broken(chan))
		return -EIO;
	ret = vmb_ring_read(&chan->in, pkt, buf, buflen);
	if (ret == -EAGAIN) {
		/* The host may be waiting for the room we just made. */
		if (vmb_ring_should_signal_writer(&chan->in))
			vmb_chan_signal(chan);
		return ret;
	}
	if (ret == -EIO) {
		vmb_chan_break(chan, "bad packet or write index");
		return ret;
	}
	vmb_chan_count(chan, rx_pkts, 1);
	vmb_chan_count(chan, rx_bytes, pkt->len);
	return ret;
}
EXPORT_SYMBOL_GPL(vmb_chan_recv);

void vmb_chan_init(struct vmb_channel *chan)
{
	mutex_init(&chan->open_lock);
	spin_lock_init(&chan->out_lock);
	init_waitqueue_head(&chan->out_wq);
	tasklet_setup(&chan->tasklet, vmb_chan_tasklet);
	init_waitqueue_head(&chan->subs_wq);
}

int vmb_chan_set_target(struct vmb_channel *chan, u32 vcpu)
{
	struct vmb_conn *conn = chan->conn;
	struct vmb_msg_modify_channel req = {
		.relid = cpu_to_le32(chan->relid),
		.target_vcpu = cpu_to_le32(vcpu),
	};
	struct vmb_msg_modify_result resp;
	int ret;

	if (vcpu >= conn->transport->nr_chan_vectors)
		return -EINVAL;
	/* Open and close do not run meanwhile, nor does another retarget. */
	mutex_lock(&chan->open_lock);
	if (!test_bit(VMB_CHAN_F_OPEN, &chan->flags)) {
		ret = -ENODEV;
		goto out_unlock;
	}
	ret = vmb_conn_request(conn, VMB_MSG_MODIFY_CHANNEL, &req, sizeof(req),
			       VMB_MSG_MODIFY_RESULT, chan->relid, &resp,
			       sizeof(resp));
	if (!ret && le32_to_cpu(resp.status) != VMB_STATUS_OK)
		ret = -EIO;
	if (!ret)
		WRITE_ONCE(chan->target_vcpu, vcpu);
out_unlock:
	mutex_unlock(&chan->open_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(vmb_chan_set_target);
