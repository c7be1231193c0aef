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
	int budget = VMB_CHAN_BUDGET;

	if (!test_bit(VMB_CHAN_F_OPEN, &chan->flags))
		return;
	do {
		vmb_ring_mask(&chan->in);
		chan->cb(chan, chan->cb_ctx);
	} while (vmb_ring_unmask(&chan->in) && !vmb_chan_broken(chan) &&
		 --budget);

	if (!budget)
		tasklet_schedule(&chan->tasklet);
}

/*
 * The host signalled: if a non-sleeping sender found no room and the room
 * it asked for is there now, its request is met and withdrawn (unless
 * sleeping senders still wait), and the callback about to run lets it try
 * again.  Any context; out_lock is irq-safe.
 */
static void vmb_chan_room_signalled(struct vmb_channel *chan)
{
	unsigned long flags;

	spin_lock_irqsave(&chan->out_lock, flags);
	if (test_bit(VMB_CHAN_F_OPEN, &chan->flags) && chan->out_try_want &&
	    vmb_ring_space(&chan->out) >= chan->out_try_want) {
		WRITE_ONCE(chan->out_try_want, 0);
		if (!atomic_read(&chan->out_waiters))
			vmb_ring_want_space(&chan->out, 0);
	}
	spin_unlock_irqrestore(&chan->out_lock, flags);
}

/*
 * Hard interrupt context: the host signalled channel @relid.  No lock: the
 * channel is found under RCU (retire waits a grace period before it frees
 * one, and close of an interrupt-mode channel waits one before it returns),
 * and only waking senders and scheduling the tasklet, or for an
 * interrupt-mode channel calling its callback, are done here.
 */
void vmb_conn_chan_event(struct vmb_conn *conn, u32 relid)
{
	struct vmb_channel *chan;

	rcu_read_lock();
	chan = xa_load(&conn->channels, relid);
	if (chan && test_bit(VMB_CHAN_F_OPEN, &chan->flags)) {
		vmb_chan_count(chan, interrupts, 1);
		if (READ_ONCE(chan->out_try_want))
			vmb_chan_room_signalled(chan);
		wake_up(&chan->out_wq);
		if (chan->cb_in_irq)
			chan->cb(chan, chan->cb_ctx);
		else
			tasklet_schedule(&chan->tasklet);
	}
	rcu_read_unlock();
}

/*
 * Stops all traffic on an open channel before its rings go: once
 * VMB_CHAN_F_OPEN is clear under out_lock no sender writes the ring and no
 * sysfs or debugfs reader looks at it; a tasklet that runs from then on sees
 * the channel closed, and an interrupt handler that calls an interrupt-mode
 * channel's callback does so under rcu_read_lock(), so after a grace period
 * none is still in it and none will enter it; senders waiting for room give
 * up, and those still in vmb_chan_write() are waited for.  Returns false if
 * it was not open.
 */
static bool vmb_chan_stop(struct vmb_channel *chan)
{
	bool was_open;

	lockdep_assert_held(&chan->open_lock);

	spin_lock_irq(&chan->out_lock);
	was_open = test_and_clear_bit(VMB_CHAN_F_OPEN, &chan->flags);
	WRITE_ONCE(chan->out_try_want, 0);
	spin_unlock_irq(&chan->out_lock);
	if (!was_open)
		return false;
	if (chan->cb_in_irq)
		synchronize_rcu();
	tasklet_kill(&chan->tasklet);
	wake_up_all(&chan->out_wq);
	wait_event(chan->out_wq, !atomic_read(&chan->senders));
	return true;
}

static int __vmb_chan_open(struct vmb_channel *chan, u32 ring_size,
			   void (*cb)(struct vmb_channel *chan, void *ctx),
			   void *ctx, bool in_irq)
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
	chan->cb_in_irq = in_irq;
	WRITE_ONCE(chan->out_try_want, 0);
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
	ret = __vmb_chan_open(chan, ring_size, cb, ctx, false);
	mutex_unlock(&chan->open_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(vmb_chan_open);

/*
 * Like vmb_chan_open(), but @cb runs in hard interrupt context, once per
 * signal from the host, with nothing masked and no loop: the driver masks
 * (vmb_chan_irq_mask()), schedules its own reader (NAPI) and unmasks when
 * that has drained the ring (vmb_chan_irq_unmask()).
 */
int vmb_chan_open_irq(struct vmb_channel *chan, u32 ring_size,
		      void (*cb)(struct vmb_channel *chan, void *ctx),
		      void *ctx)
{
	int ret;

	mutex_lock(&chan->open_lock);
	ret = __vmb_chan_open(chan, ring_size, cb, ctx, true);
	mutex_unlock(&chan->open_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(vmb_chan_open_irq);

/*
 * Interrupt-mode channels: the driver's reader, or its callback, asks the
 * host not to signal new packets (the host still signals room for a
 * sender that asked for it).  Only between open and close; plain stores
 * to the ring header, so the driver orders mask and unmask (NAPI does).
 */
void vmb_chan_irq_mask(struct vmb_channel *chan)
{
	if (test_bit(VMB_CHAN_F_OPEN, &chan->flags))
		vmb_ring_mask(&chan->in);
}
EXPORT_SYMBOL_GPL(vmb_chan_irq_mask);

/*
 * From the reader, when it has drained the ring: unmask, full barrier, and
 * true if packets arrived meanwhile (the host may not have signalled them):
 * the reader must poll again.
 */
bool vmb_chan_irq_unmask(struct vmb_channel *chan)
{
	if (!test_bit(VMB_CHAN_F_OPEN, &chan->flags))
		return false;
	return vmb_ring_unmask(&chan->in);
}
EXPORT_SYMBOL_GPL(vmb_chan_irq_unmask);

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
 * A packet to append: @nr_kv pieces, or (@bufs set) a GPA_RANGE packet of
 * buffers whose ranges the ring code writes itself.  @total is its length
 * without the trailer.
 */
struct vmb_chan_pkt {
	const struct kvec *kv;
	unsigned int nr_kv;
	const struct vmb_chan_buf *bufs;
	u32 nr_bufs;
	u32 hdr_len;
	u64 trans_id;
	const void *data;
	u32 len;
	u32 total;
};

static int vmb_chan_ring_write(struct vmb_channel *chan,
			       const struct vmb_chan_pkt *p, bool *signal)
{
	if (p->bufs)
		return vmb_ring_write_bufs(&chan->out, p->trans_id, p->bufs,
					   p->nr_bufs, p->hdr_len, p->data,
					   p->len, signal);
	return vmb_ring_write(&chan->out, p->kv, p->nr_kv, p->total, signal);
}

/*
 * One attempt to append @p, under out_lock, shared by every send.  When it
 * does not fit, the host is asked (pending_send_sz) to signal once @want
 * bytes are free (*asked is set), and the ring is tried once more: the
 * host may have made the room before it could see the request.  Returns 0,
 * -ENOSPC (the request stands), -ENODEV, -EMSGSIZE, or -EIO (bad read
 * index).
 */
static int vmb_chan_put(struct vmb_channel *chan, const struct vmb_chan_pkt *p,
			u32 want, bool *signal, bool *asked)
{
	int ret;

	lockdep_assert_held(&chan->out_lock);

	/* Under out_lock: no packet goes out once close has begun. */
	if (!test_bit(VMB_CHAN_F_OPEN, &chan->flags))
		return -ENODEV;
	if (p->total >= chan->out.size / 2 || p->total > VMB_RING_PKT_MAX)
		return -EMSGSIZE;
	ret = vmb_chan_ring_write(chan, p, signal);
	if (ret != -ENOSPC)
		return ret;
	*asked = true;
	if (vmb_ring_want_space(&chan->out, want))
		ret = vmb_chan_ring_write(chan, p, signal);
	return ret;
}

/* After an attempt: count it, tell the host, or break the channel. */
static int vmb_chan_sent(struct vmb_channel *chan,
			 const struct vmb_chan_pkt *p, int ret, bool signal)
{
	if (ret == -EIO) {
		vmb_chan_break(chan, "bad read index");
		return ret;
	}
	if (ret)
		return ret;
	vmb_chan_count(chan, tx_pkts, 1);
	vmb_chan_count(chan, tx_bytes, p->total);
	if (signal)
		vmb_chan_signal(chan);
	return 0;
}

/*
 * Appends a packet, sleeping while the ring has no room.  A writer that
 * finds no room asks the host, by pending_send_sz, to signal once there is
 * room for its packet (a later writer's request replaces it: every signal
 * wakes every waiter, and the host signals whenever it consumed and the
 * last request is met, so each waiter is woken at the latest when the ring
 * drains).  Requests are made and withdrawn under out_lock, so the last
 * waiter to leave cannot withdraw a request made after it counted itself;
 * it leaves a non-sleeping sender's request standing (out_try_want).
 */
static int __vmb_chan_write(struct vmb_channel *chan,
			    const struct vmb_chan_pkt *p)
{
	u32 need = p->total + sizeof(__le64);
	bool signal = false, waited = false, asked = false;
	unsigned long flags;
	long left;
	int ret;

	for (;;) {
		if (vmb_chan_broken(chan)) {
			ret = -EIO;
			break;
		}

		spin_lock_irqsave(&chan->out_lock, flags);
		ret = vmb_chan_put(chan, p, need, &signal, &asked);
		if (ret == -ENOSPC && !waited) {
			atomic_inc(&chan->out_waiters);
			waited = true;
		} else if (ret != -ENOSPC && asked && !waited &&
			   !atomic_read(&chan->out_waiters)) {
			/* Room on the second look: put back what others want. */
			vmb_ring_want_space(&chan->out, chan->out_try_want);
		}
		spin_unlock_irqrestore(&chan->out_lock, flags);
		if (ret != -ENOSPC)
			break;

		vmb_chan_count(chan, ring_full, 1);
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
			vmb_ring_want_space(&chan->out, chan->out_try_want);
		spin_unlock_irqrestore(&chan->out_lock, flags);
	}
	return vmb_chan_sent(chan, p, ret, signal);
}

/* Counts active senders, so that close can wait for the last to leave. */
static int vmb_chan_write(struct vmb_channel *chan,
			  const struct vmb_chan_pkt *p)
{
	int ret;

	might_sleep();
	atomic_inc(&chan->senders);
	ret = __vmb_chan_write(chan, p);
	if (atomic_dec_and_test(&chan->senders))
		wake_up_all(&chan->out_wq);
	return ret;
}

/*
 * Appends a packet or fails at once: never sleeps, never allocates.  With
 * no room it asks the host to signal once there is room for this packet
 * (or for a larger one that failed before it: the request is the largest
 * since the last signal that met it), counts ring_full, and returns
 * -EAGAIN; the host's signal withdraws the request and reaches the
 * channel's callback (vmb_conn_chan_event()).  The whole attempt is under
 * out_lock, which close takes to clear VMB_CHAN_F_OPEN, so close need not
 * count these senders; it may only see the doorbell that follows one.
 */
static int vmb_chan_try_write(struct vmb_channel *chan,
			      const struct vmb_chan_pkt *p)
{
	u32 need = p->total + sizeof(__le64), prev, want;
	bool signal = false, asked = false;
	unsigned long flags;
	int ret;

	if (vmb_chan_broken(chan))
		return -EIO;
	spin_lock_irqsave(&chan->out_lock, flags);
	prev = chan->out_try_want;
	want = max(prev, need);
	ret = vmb_chan_put(chan, p, want, &signal, &asked);
	if (ret == -ENOSPC)
		WRITE_ONCE(chan->out_try_want, want);
	else if (asked && !prev && !atomic_read(&chan->out_waiters))
		/* Room on the second look: nobody waits for any now. */
		vmb_ring_want_space(&chan->out, 0);
	spin_unlock_irqrestore(&chan->out_lock, flags);
	if (ret == -ENOSPC) {
		vmb_chan_count(chan, ring_full, 1);
		return -EAGAIN;
	}
	return vmb_chan_sent(chan, p, ret, signal);
}

static const u8 vmb_zero_pad[8];

/* An in-band or completion packet of @len bytes of @data, padded to 8. */
static int vmb_chan_pkt_inband(struct vmb_chan_pkt *p,
			       struct vmb_pkt_desc *desc, struct kvec *kv,
			       u16 type, u16 flags, u64 trans_id,
			       const void *data, u32 len)
{
	u32 padded;

	if (type != VMB_PKT_INBAND && type != VMB_PKT_COMPLETION)
		return -EINVAL;
	if (len && !data)
		return -EINVAL;
	if (len > VMB_RING_PKT_MAX)
		return -EMSGSIZE;
	padded = ALIGN(len, 8);
	desc->type = cpu_to_le16(type);
	desc->offset8 = cpu_to_le16(sizeof(*desc) / 8);
	desc->len8 = cpu_to_le16((sizeof(*desc) + padded) / 8);
	desc->flags = cpu_to_le16(flags);
	desc->trans_id = cpu_to_le64(trans_id);
	kv[0].iov_base = desc;
	kv[0].iov_len = sizeof(*desc);
	kv[1].iov_base = (void *)data;
	kv[1].iov_len = len;
	kv[2].iov_base = (void *)vmb_zero_pad;
	kv[2].iov_len = padded - len;
	p->kv = kv;
	p->nr_kv = 3;
	p->total = sizeof(*desc) + padded;
	return 0;
}

int vmb_chan_send(struct vmb_channel *chan, u16 type, u16 flags, u64 trans_id,
		  const void *data, u32 len)
{
	struct vmb_chan_pkt p = {};
	struct vmb_pkt_desc desc;
	struct kvec kv[3];
	int ret;

	ret = vmb_chan_pkt_inband(&p, &desc, kv, type, flags, trans_id, data,
				  len);
	if (ret)
		return ret;
	return vmb_chan_write(chan, &p);
}
EXPORT_SYMBOL_GPL(vmb_chan_send);

/*
 * vmb_chan_send() that never sleeps: any context but hard interrupt (a
 * transmit path with BH off, a NAPI poll, process context).  -EAGAIN when
 * the ring has no room; the channel's callback runs once the host has made
 * it.
 */
int vmb_chan_try_send(struct vmb_channel *chan, u16 type, u16 flags,
		      u64 trans_id, const void *data, u32 len)
{
	struct vmb_chan_pkt p = {};
	struct vmb_pkt_desc desc;
	struct kvec kv[3];
	int ret;

	ret = vmb_chan_pkt_inband(&p, &desc, kv, type, flags, trans_id, data,
				  len);
	if (ret)
		return ret;
	return vmb_chan_try_write(chan, &p);
}
EXPORT_SYMBOL_GPL(vmb_chan_try_send);

/*
 * A GPA_RANGE packet with a completion requested: one range per buffer,
 * then @len bytes of in-band @data.  Non-sleeping, like vmb_chan_try_send().
 */
int vmb_chan_try_send_bufs(struct vmb_channel *chan, u64 trans_id,
			   const struct vmb_chan_buf *bufs, u32 nr,
			   const void *data, u32 len)
{
	struct vmb_chan_pkt p = {
		.bufs = bufs,
		.nr_bufs = nr,
		.trans_id = trans_id,
		.data = data,
		.len = len,
	};
	int ret;

	if (len && !data)
		return -EINVAL;
	ret = vmb_ring_bufs_hdr_len(bufs, nr, &p.hdr_len);
	if (ret)
		return ret;
	if (len > VMB_RING_PKT_MAX - p.hdr_len)
		return -EMSGSIZE;
	p.total = p.hdr_len + ALIGN(len, 8);
	return vmb_chan_try_write(chan, &p);
}
EXPORT_SYMBOL_GPL(vmb_chan_try_send_bufs);

/*
 * Bytes of packet, descriptor included, that would fit in the outbound
 * ring now (never more than the largest packet the channel takes); 0 if
 * the channel is not open.  Any context but hard interrupt.
 */
u32 vmb_chan_send_room(struct vmb_channel *chan)
{
	unsigned long flags;
	u32 room = 0, space;

	spin_lock_irqsave(&chan->out_lock, flags);
	if (test_bit(VMB_CHAN_F_OPEN, &chan->flags)) {
		space = vmb_ring_space(&chan->out);
		if (space > sizeof(__le64))
			room = space - sizeof(__le64);
		/* vmb_chan_put(): less than half the ring, and len8 */
		room = min3(room, chan->out.size / 2 - 8, VMB_RING_PKT_MAX);
	}
	spin_unlock_irqrestore(&chan->out_lock, flags);
	return room;
}
EXPORT_SYMBOL_GPL(vmb_chan_send_room);

/*
 * Sends a GPA-range packet describing @bytes of I/O data in @pages starting
 * @offset into the first page, followed by @len bytes of in-band @data.
 */
int vmb_chan_send_gpa(struct vmb_channel *chan, u64 trans_id,
		      struct page **pages, u32 nr_pages, u32 offset, u32 bytes,
		      const void *data, u32 len)
{
	u32 padded, hdr_len, i;
	struct {
		struct vmb_pkt_desc desc;
		__le32 range_count;
		__le32 reserved;
		struct vmb_gpa_range range;
	} *hdr;
	struct vmb_chan_pkt p = {};
	struct kvec kv[3];
	int ret;

	if (!bytes || offset >= PAGE_SIZE ||
	    DIV_ROUND_UP((u64)offset + bytes, PAGE_SIZE) != nr_pages ||
	    (len && !data))
		return -EINVAL;
	if (len > VMB_RING_PKT_MAX)
		return -EMSGSIZE;
	padded = ALIGN(len, 8);
	hdr_len = sizeof(*hdr) + nr_pages * sizeof(__le64);
	if (hdr_len + padded > VMB_RING_PKT_MAX)
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
	p.kv = kv;
	p.nr_kv = ARRAY_SIZE(kv);
	p.total = hdr_len + padded;
	ret = vmb_chan_write(chan, &p);
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
