// SPDX-License-Identifier: GPL-2.0
/*
 * Test client of the echo device class: drives the channel layer from
 * debugfs and checks every byte that comes back.
 *
 *   /sys/kernel/debug/vmb_echo/<instance>/
 *     inband  write "COUNT MIN MAX THREADS DEPTH [LANES]": COUNT packets of
 *             random sizes in [MIN, MAX] from THREADS kthreads (one per
 *             CPU, round robin), at most DEPTH outstanding, spread over the
 *             first LANES channels (default 1: the primary); the write
 *             returns when all came back (or fails).
 *     subchannels  write N: ask the host for N sub-channels and open them
 *             as lanes 1..N.
 *     retarget  write "LANE VCPU": have the host signal that lane's channel
 *             on VCPU.
 *     gpa     write "COUNT MAXBYTES": COUNT GPA-range packets over random
 *             pages, offsets and lengths; the host's checksum must match.
 *     mode    write "irq": close the primary, create two GPADLs (vmalloc
 *             and linear memory) on the closed channel, reopen it in
 *             interrupt mode (vmb_chan_open_irq(), a tasklet standing in
 *             for NAPI); "tasklet": close it, tear the GPADLs down after
 *             the close, reopen it as before.  Only without sub-channels.
 *     flood   write "COUNT MIN MAX" (interrupt mode): COUNT packets of
 *             [MIN, MAX] bytes sent with vmb_chan_try_send() until -EAGAIN,
 *             resuming only from the poll the channel callback schedules;
 *             every echo is compared.
 *     bufs    write "COUNT" (interrupt mode): COUNT packets of 2..8 buffers
 *             (vmb_chan_try_send_bufs(), ranges that cross frames) and
 *             in-band data; the host's checksum must match.
 *     result  the last run: counts, errors, time.
 *     stale   completions whose transaction id matched nothing, ever.
 *
 * When the host breaks the channel, everything outstanding fails at once.
 */
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/interrupt.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/refcount.h>
#include <linux/semaphore.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "vmb.h"
#include "vmb_echo.h"

#define ECHO_RING_SIZE		(64 * 1024)
#define ECHO_GPADL_VSIZE	(2 * 1024 * 1024)
#define ECHO_GPADL_LSIZE	(64 * 1024)
#define ECHO_MAX_THREADS	8

/*
 * A request has two references while it is in flight: the sender's, until
 * its send returned, and the table's, owned by whoever takes it out of the
 * table (the callback, a failing lane, or the sender whose send failed).
 */
struct echo_req {
	refcount_t ref;
	u32 len;
	bool gpa;
	u64 fnv;		/* gpa: expected checksum */
	u8 data[];		/* inband: what was sent */
};

struct echo_dev;

/* One channel: the primary (lane 0) or a sub-channel. */
struct echo_lane {
	struct echo_dev *ed;
	struct vmb_channel *chan;
	struct vmb_reqtable *rt;
	u8 *rxbuf;			/* callback only */
	struct tasklet_struct poll;	/* interrupt mode: the NAPI stand-in */
	bool stopping;			/* the poll must not read any more */
	u8 *txbuf;			/* flood: the poll's payload */
};

/* A flood packet: its payload is made from seq, so nothing is stored. */
struct echo_flood_req {
	u32 seq;
	u32 len;
};

#define ECHO_FLOOD_DEPTH	512
#define ECHO_POLL_BUDGET	64

struct echo_dev {
	struct vmb_device *vdev;
	struct echo_lane lanes[1 + VMB_MAX_SUBCHANNELS];
	u32 nr_lanes;			/* open lanes, under run_lock */
	u32 run_lanes;			/* lanes the run in progress uses */
	struct dentry *dir;
	struct mutex run_lock;		/* one run at a time */

	/* the run in progress */
	struct semaphore depth;
	atomic_t outstanding;
	struct completion done;
	atomic64_t good, bad, stale, send_err;
	u64 sent, elapsed_ns;
	u32 count, min, max;
	atomic_t next;			/* packets handed to senders */
	bool abort;			/* the channel is gone: stop sending */

	/* a flood in progress (interrupt mode): only the poll sends */
	struct echo_flood_req *flood;
	u32 flood_next;			/* poll only, once started */
	atomic_t flood_depth;
	bool flood_blocked;		/* got -EAGAIN, waits for the callback */
	atomic64_t eagain, resumed, irq_cbs, polls;
	bool irq_mode;			/* lane 0; under run_lock */
	void *gbuf_v, *gbuf_l;		/* GPADL'd: vmalloc, linear */
	u32 gpadl_v, gpadl_l;

	char result[320];
};

static u64 echo_fnv(u64 h, const u8 *p, u32 len)
{
	while (len--) {
		h ^= *p++;
		h *= VMB_ECHO_FNV1A64_PRIME;
	}
	return h;
}

static struct echo_req *echo_req_alloc(u32 len)
{
	struct echo_req *req = kmalloc(struct_size(req, data, len), GFP_KERNEL);

	if (req) {
		refcount_set(&req->ref, 1);
		req->len = len;
	}
	return req;
}

static void echo_req_put(struct echo_req *req)
{
	if (refcount_dec_and_test(&req->ref))
		kfree(req);
}

static void echo_finish_one(struct echo_dev *ed)
{
	up(&ed->depth);
	if (atomic_dec_and_test(&ed->outstanding))
		complete(&ed->done);
}

static bool echo_check(struct echo_req *req, const struct vmb_pkt *pkt,
		       const u8 *buf)
{
	struct vmb_echo_gpa_result res;

	if (pkt->type != VMB_PKT_COMPLETION)
		return false;
	if (req->gpa) {
		if (pkt->len < sizeof(res))
			return false;
		memcpy(&res, buf, sizeof(res));
		return le64_to_cpu(res.fnv1a64) == req->fnv &&
		       le64_to_cpu(res.bytes) == req->len;
	}
	return pkt->len == ALIGN(req->len, 8) &&
	       !memcmp(buf, req->data, req->len) &&
	       !memchr_inv(buf + req->len, 0, pkt->len - req->len);
}

/* Everything still outstanding on @lane fails (a flood's are not ours). */
static void echo_fail_lane(struct echo_lane *lane)
{
	void *req;

	while ((req = vmb_reqtable_pop(lane->rt))) {
		if (!lane->ed->flood)
			echo_req_put(req);
		atomic64_inc(&lane->ed->bad);
		echo_finish_one(lane->ed);
	}
}

static void echo_cb(struct vmb_channel *chan, void *ctx)
{
	struct echo_lane *lane = ctx;
	struct echo_dev *ed = lane->ed;
	struct echo_req *req;
	struct vmb_pkt pkt;
	int ret;

	for (;;) {
		ret = vmb_chan_recv(chan, &pkt, lane->rxbuf, ECHO_RING_SIZE);
		if (ret == -EAGAIN)
			break;
		if (ret == -EIO) {
			echo_fail_lane(lane);
			break;
		}
		req = vmb_reqtable_take(lane->rt, pkt.trans_id);
		if (!req) {
			atomic64_inc(&ed->stale);
			continue;
		}
		if (!ret && echo_check(req, &pkt, lane->rxbuf))
			atomic64_inc(&ed->good);
		else
			atomic64_inc(&ed->bad);
		echo_req_put(req);
		echo_finish_one(ed);
	}
}

/*
 * Sends one request, consuming the caller's reference; on failure it is
 * accounted as done, by us or by whoever took it out of the table first.
 */
static int echo_send(struct echo_lane *lane, struct echo_req *req,
		     struct page **pages, u32 nr, u32 off)
{
	struct echo_dev *ed = lane->ed;
	bool ours = true;
	u64 id;
	int ret;

	down(&ed->depth);
	refcount_inc(&req->ref);	/* the table's */
	ret = vmb_reqtable_add(lane->rt, req, &id);
	if (ret) {
		refcount_dec(&req->ref);
	} else {
		if (req->gpa)
			ret = vmb_chan_send_gpa(lane->chan, id, pages, nr, off,
						req->len, NULL, 0);
		else
			ret = vmb_chan_send(lane->chan, VMB_PKT_INBAND,
					    VMB_PKT_F_COMPLETION_REQUESTED, id,
					    req->data, req->len);
		if (ret) {
			ours = vmb_reqtable_take(lane->rt, id) == req;
			if (ours)
				echo_req_put(req);	/* the table's */
		}
	}
	if (ret && ours) {
		atomic64_inc(&ed->send_err);
		echo_finish_one(ed);
	}
	echo_req_put(req);
	return ret;
}

static int echo_inband_thread(void *arg)
{
	struct echo_dev *ed = arg;
	struct echo_req *req;
	u32 len, i;
	int ret;

	while ((i = atomic_inc_return(&ed->next)) <= ed->count) {
		if (READ_ONCE(ed->abort)) {
			atomic64_inc(&ed->send_err);
			echo_finish_one(ed);
			continue;
		}
		len = ed->min + get_random_u32_below(ed->max - ed->min + 1);
		req = echo_req_alloc(len);
		if (!req) {
			atomic64_inc(&ed->send_err);
			echo_finish_one(ed);
			continue;
		}
		req->gpa = false;
		get_random_bytes(req->data, len);
		ret = echo_send(&ed->lanes[i % ed->run_lanes], req, NULL, 0, 0);
		if (ret == -ENODEV || ret == -EIO)
			WRITE_ONCE(ed->abort, true);
	}
	return 0;
}

static void echo_start(struct echo_dev *ed, u32 count, u32 depth)
{
	sema_init(&ed->depth, depth);
	atomic_set(&ed->outstanding, count);
	atomic_set(&ed->next, 0);
	ed->abort = false;
	reinit_completion(&ed->done);
	atomic64_set(&ed->good, 0);
	atomic64_set(&ed->bad, 0);
	atomic64_set(&ed->stale, 0);
	atomic64_set(&ed->send_err, 0);
	ed->count = count;
}

static int echo_wait(struct echo_dev *ed, u64 t0)
{
	int ret = 0;

	if (!wait_for_completion_timeout(&ed->done, 600 * HZ))
		ret = -ETIMEDOUT;
	ed->elapsed_ns = ktime_get_ns() - t0;
	snprintf(ed->result, sizeof(ed->result),
		 "count %u good %lld bad %lld stale %lld send_errors %lld elapsed_us %llu\n",
		 ed->count, atomic64_read(&ed->good), atomic64_read(&ed->bad),
		 atomic64_read(&ed->stale), atomic64_read(&ed->send_err),
		 ed->elapsed_ns / 1000);
	if (!ret && atomic64_read(&ed->good) != ed->count)
		ret = -EIO;
	return ret;
}

static ssize_t echo_inband_write(struct file *f, const char __user *ubuf,
				 size_t len, loff_t *ppos)
{
	struct echo_dev *ed = f->private_data;
	struct task_struct *t[ECHO_MAX_THREADS];
	u32 count, min, max, threads, depth, lanes = 1, i;
	char buf[80];
	u64 t0;
	int ret;

	if (len >= sizeof(buf) || copy_from_user(buf, ubuf, len))
		return -EINVAL;
	buf[len] = 0;
	if (sscanf(buf, "%u %u %u %u %u %u", &count, &min, &max, &threads,
		   &depth, &lanes) < 5 || !count || !min || min > max ||
	    max > ECHO_RING_SIZE / 4 || !threads ||
	    threads > ECHO_MAX_THREADS || !depth || !lanes)
		return -EINVAL;

	mutex_lock(&ed->run_lock);
	if (lanes > ed->nr_lanes) {
		mutex_unlock(&ed->run_lock);
		return -ERANGE;
	}
	ed->run_lanes = lanes;
	echo_start(ed, count, depth);
	ed->min = min;
	ed->max = max;
	t0 = ktime_get_ns();
	for (i = 0; i < threads; i++) {
		t[i] = kthread_create(echo_inband_thread, ed, "vmb_echo/%u", i);
		if (IS_ERR(t[i]))
			break;
		kthread_bind(t[i], i % num_online_cpus());
		get_task_struct(t[i]);
		wake_up_process(t[i]);
	}
	if (i < threads) {
		/* Those started finish the whole count. */
		threads = i;
		if (!threads) {
			mutex_unlock(&ed->run_lock);
			return -ENOMEM;
		}
	}
	ret = echo_wait(ed, t0);
	for (i = 0; i < threads; i++) {
		kthread_stop(t[i]);
		put_task_struct(t[i]);
	}
	mutex_unlock(&ed->run_lock);
	return ret ? ret : len;
}

static int echo_gpa_one(struct echo_dev *ed, u32 maxbytes)
{
	u32 bytes = 1 + get_random_u32_below(maxbytes);
	u32 off = get_random_u32_below(PAGE_SIZE);
	u32 nr = DIV_ROUND_UP(off + bytes, PAGE_SIZE), i, left, n;
	struct echo_req *req;
	struct page **pages;
	u64 fnv = VMB_ECHO_FNV1A64_BASIS;
	int ret = -ENOMEM;

	pages = kcalloc(nr, sizeof(*pages), GFP_KERNEL);
	req = echo_req_alloc(0);
	if (!pages || !req)
		goto out;
	for (i = 0; i < nr; i++) {
		pages[i] = alloc_page(GFP_KERNEL);
		if (!pages[i])
			goto out;
		get_random_bytes(page_address(pages[i]), PAGE_SIZE);
	}
	for (i = 0, left = bytes; left; i++, left -= n) {
		u32 start = i ? 0 : off;

		n = min_t(u32, left, PAGE_SIZE - start);
		fnv = echo_fnv(fnv, page_address(pages[i]) + start, n);
	}
	req->len = bytes;
	req->gpa = true;
	req->fnv = fnv;
	echo_send(&ed->lanes[0], req, pages, nr, off);
	req = NULL;
	/* The host has read the pages once the completion came back. */
	ret = wait_for_completion_timeout(&ed->done, 60 * HZ) ? 0 : -ETIMEDOUT;
out:
	kfree(req);
	for (i = 0; pages && i < nr; i++)
		if (pages[i])
			__free_page(pages[i]);
	kfree(pages);
	return ret;
}

static ssize_t echo_gpa_write(struct file *f, const char __user *ubuf,
			      size_t len, loff_t *ppos)
{
	struct echo_dev *ed = f->private_data;
	u32 count, maxbytes, i;
	char buf[64];
	u64 t0;
	int ret = 0;

	if (len >= sizeof(buf) || copy_from_user(buf, ubuf, len))
		return -EINVAL;
	buf[len] = 0;
	if (sscanf(buf, "%u %u", &count, &maxbytes) != 2 || !count ||
	    !maxbytes || maxbytes > 1024 * 1024)
		return -EINVAL;

	mutex_lock(&ed->run_lock);
	t0 = ktime_get_ns();
	echo_start(ed, count, 1);
	for (i = 0; i < count && !ret; i++) {
		/* One at a time: each run of "done" covers one packet. */
		atomic_set(&ed->outstanding, 1);
		reinit_completion(&ed->done);
		ret = echo_gpa_one(ed, maxbytes);
	}
	ed->elapsed_ns = ktime_get_ns() - t0;
	snprintf(ed->result, sizeof(ed->result),
		 "count %u good %lld bad %lld stale %lld send_errors %lld elapsed_us %llu\n",
		 count, atomic64_read(&ed->good), atomic64_read(&ed->bad),
		 atomic64_read(&ed->stale), atomic64_read(&ed->send_err),
		 ed->elapsed_ns / 1000);
	if (!ret && atomic64_read(&ed->good) != count)
		ret = -EIO;
	mutex_unlock(&ed->run_lock);
	return ret ? ret : len;
}

/* Interrupt mode ---------------------------------------------------------- */

static u8 echo_pattern(u32 seq, u32 i)
{
	return (u8)(seq * 131 + i * 7 + (i >> 8));
}

static bool echo_flood_check(const struct echo_flood_req *f,
			     const struct vmb_pkt *pkt, const u8 *buf)
{
	u32 i;

	if (pkt->type != VMB_PKT_COMPLETION || pkt->len != ALIGN(f->len, 8))
		return false;
	for (i = 0; i < f->len; i++)
		if (buf[i] != echo_pattern(f->seq, i))
			return false;
	return !memchr_inv(buf + f->len, 0, pkt->len - f->len);
}

/* Reads up to @budget packets; the poll is the channel's only reader. */
static int echo_poll_drain(struct echo_lane *lane, int budget)
{
	struct echo_dev *ed = lane->ed;
	struct vmb_pkt pkt;
	bool good;
	void *req;
	int ret, done = 0;

	while (done < budget) {
		ret = vmb_chan_recv(lane->chan, &pkt, lane->rxbuf,
				    ECHO_RING_SIZE);
		if (ret == -EAGAIN)
			break;
		if (ret == -EIO) {
			echo_fail_lane(lane);
			break;
		}
		done++;
		req = vmb_reqtable_take(lane->rt, pkt.trans_id);
		if (!req) {
			atomic64_inc(&ed->stale);
			continue;
		}
		if (ed->flood) {
			good = !ret && echo_flood_check(req, &pkt, lane->rxbuf);
			atomic_dec(&ed->flood_depth);
		} else {
			good = !ret && echo_check(req, &pkt, lane->rxbuf);
			echo_req_put(req);
		}
		atomic64_inc(good ? &ed->good : &ed->bad);
		echo_finish_one(ed);
	}
	return done;
}

/*
 * Sends the flood on until -EAGAIN (then only the callback's next poll
 * goes on) or ECHO_FLOOD_DEPTH are outstanding.  Softirq, no allocation.
 */
static void echo_flood_send(struct echo_lane *lane)
{
	struct echo_dev *ed = lane->ed;
	struct echo_flood_req *f;
	u32 i;
	u64 id;
	int ret;

	while (ed->flood_next < ed->count &&
	       atomic_read(&ed->flood_depth) < ECHO_FLOOD_DEPTH) {
		f = &ed->flood[ed->flood_next];
		if (vmb_reqtable_add(lane->rt, f, &id))
			break;
		for (i = 0; i < f->len; i++)
			lane->txbuf[i] = echo_pattern(f->seq, i);
		atomic_inc(&ed->flood_depth);
		ret = vmb_chan_try_send(lane->chan, VMB_PKT_INBAND,
					VMB_PKT_F_COMPLETION_REQUESTED, id,
					lane->txbuf, f->len);
		if (ret) {
			/* Never sent: nobody else can have taken it. */
			vmb_reqtable_take(lane->rt, id);
			atomic_dec(&ed->flood_depth);
		}
		if (ret == -EAGAIN) {
			atomic64_inc(&ed->eagain);
			ed->flood_blocked = true;
			return;
		}
		if (ret) {
			/* The channel is gone: the rest fail. */
			while (ed->flood_next++ < ed->count) {
				atomic64_inc(&ed->send_err);
				echo_finish_one(ed);
			}
			return;
		}
		if (ed->flood_blocked) {
			ed->flood_blocked = false;
			atomic64_inc(&ed->resumed);
		}
		ed->flood_next++;
	}
}

/* The NAPI poll's part: drain, send, and unmask once the ring is empty. */
static void echo_poll(struct tasklet_struct *t)
{
	struct echo_lane *lane = from_tasklet(lane, t, poll);
	struct echo_dev *ed = lane->ed;
	int done;

	if (READ_ONCE(lane->stopping))
		return;
	atomic64_inc(&ed->polls);
	done = echo_poll_drain(lane, ECHO_POLL_BUDGET);
	if (ed->flood)
		echo_flood_send(lane);
	if (done < ECHO_POLL_BUDGET && !vmb_chan_irq_unmask(lane->chan))
		return;
	vmb_chan_irq_mask(lane->chan);
	tasklet_schedule(&lane->poll);
}

/* Hard interrupt context, once per signal from the host. */
static void echo_irq_cb(struct vmb_channel *chan, void *ctx)
{
	struct echo_lane *lane = ctx;

	WARN_ON_ONCE(!in_hardirq());
	atomic64_inc(&lane->ed->irq_cbs);
	if (READ_ONCE(lane->stopping))
		return;
	vmb_chan_irq_mask(chan);
	tasklet_schedule(&lane->poll);
}

/* Stops the poll for good: nothing reads the ring once this returns. */
static void echo_poll_stop(struct echo_lane *lane)
{
	WRITE_ONCE(lane->stopping, true);
	tasklet_kill(&lane->poll);
}

static void echo_gpadls_free(struct echo_dev *ed)
{
	struct vmb_channel *chan = ed->lanes[0].chan;

	/* After close, as a driver does; a failed teardown leaks. */
	if (ed->gpadl_v && vmb_chan_gpadl_teardown(chan, ed->gpadl_v))
		ed->gbuf_v = NULL;
	if (ed->gpadl_l && vmb_chan_gpadl_teardown(chan, ed->gpadl_l))
		ed->gbuf_l = NULL;
	vfree(ed->gbuf_v);
	if (ed->gbuf_l)
		free_pages_exact(ed->gbuf_l, ECHO_GPADL_LSIZE);
	ed->gbuf_v = NULL;
	ed->gbuf_l = NULL;
	ed->gpadl_v = 0;
	ed->gpadl_l = 0;
}

/*
 * Lane 0 from tasklet to interrupt mode: closed, two GPADLs created while
 * it is closed (they belong to the channel, not to an open), reopened.
 */
static int echo_irq_begin(struct echo_dev *ed)
{
	struct echo_lane *lane = &ed->lanes[0];
	int ret = -ENOMEM;

	vmb_chan_close(lane->chan);
	echo_fail_lane(lane);
	lane->txbuf = kmalloc(ECHO_RING_SIZE / 4, GFP_KERNEL);
	ed->gbuf_v = vmalloc(ECHO_GPADL_VSIZE);
	ed->gbuf_l = alloc_pages_exact(ECHO_GPADL_LSIZE, GFP_KERNEL);
	if (!lane->txbuf || !ed->gbuf_v || !ed->gbuf_l)
		goto out_free;
	ret = vmb_chan_gpadl_create(lane->chan, ed->gbuf_v, ECHO_GPADL_VSIZE,
				    &ed->gpadl_v);
	if (ret)
		goto out_free;
	ret = vmb_chan_gpadl_create(lane->chan, ed->gbuf_l, ECHO_GPADL_LSIZE,
				    &ed->gpadl_l);
	if (ret)
		goto out_free;
	WRITE_ONCE(lane->stopping, false);
	ret = vmb_chan_open_irq(lane->chan, ECHO_RING_SIZE, echo_irq_cb, lane);
	if (ret)
		goto out_free;
	dev_info(&ed->vdev->dev, "interrupt mode, GPADLs %u and %u\n",
		 ed->gpadl_v, ed->gpadl_l);
	return 0;

out_free:
	echo_gpadls_free(ed);
	kfree(lane->txbuf);
	lane->txbuf = NULL;
	vmb_chan_open(lane->chan, ECHO_RING_SIZE, echo_cb, lane);
	return ret;
}

/* And back: poll stopped, closed, GPADLs torn down, reopened. */
static int echo_irq_end(struct echo_dev *ed)
{
	struct echo_lane *lane = &ed->lanes[0];

	echo_poll_stop(lane);
	vmb_chan_close(lane->chan);
	echo_fail_lane(lane);
	echo_gpadls_free(ed);
	kfree(lane->txbuf);
	lane->txbuf = NULL;
	return vmb_chan_open(lane->chan, ECHO_RING_SIZE, echo_cb, lane);
}

static void echo_irq_result(struct echo_dev *ed, u32 count)
{
	snprintf(ed->result, sizeof(ed->result),
		 "count %u good %lld bad %lld stale %lld send_errors %lld eagain %lld resumed %lld callbacks %lld polls %lld elapsed_us %llu\n",
		 count, atomic64_read(&ed->good), atomic64_read(&ed->bad),
		 atomic64_read(&ed->stale), atomic64_read(&ed->send_err),
		 atomic64_read(&ed->eagain), atomic64_read(&ed->resumed),
		 atomic64_read(&ed->irq_cbs), atomic64_read(&ed->polls),
		 ed->elapsed_ns / 1000);
}

static void echo_irq_start(struct echo_dev *ed, u32 count)
{
	echo_start(ed, count, count);
	atomic64_set(&ed->eagain, 0);
	atomic64_set(&ed->resumed, 0);
	atomic64_set(&ed->irq_cbs, 0);
	atomic64_set(&ed->polls, 0);
}

static ssize_t echo_mode_write(struct file *f, const char __user *ubuf,
			       size_t len, loff_t *ppos)
{
	struct echo_dev *ed = f->private_data;
	char buf[16];
	bool irq;
	int ret = 0;

	if (len >= sizeof(buf) || copy_from_user(buf, ubuf, len))
		return -EINVAL;
	buf[len] = 0;
	if (sysfs_streq(buf, "irq"))
		irq = true;
	else if (sysfs_streq(buf, "tasklet"))
		irq = false;
	else
		return -EINVAL;

	mutex_lock(&ed->run_lock);
	if (ed->nr_lanes != 1)
		ret = -EBUSY;
	else if (irq && !ed->irq_mode)
		ret = echo_irq_begin(ed);
	else if (!irq && ed->irq_mode)
		ret = echo_irq_end(ed);
	if (!ret)
		ed->irq_mode = irq;
	mutex_unlock(&ed->run_lock);
	return ret ? ret : len;
}

static ssize_t echo_flood_write(struct file *f, const char __user *ubuf,
				size_t len, loff_t *ppos)
{
	struct echo_dev *ed = f->private_data;
	struct echo_flood_req *flood;
	u32 count, min, max, i;
	char buf[64];
	u64 t0;
	int ret;

	if (len >= sizeof(buf) || copy_from_user(buf, ubuf, len))
		return -EINVAL;
	buf[len] = 0;
	if (sscanf(buf, "%u %u %u", &count, &min, &max) != 3 || !count ||
	    count > 1000000 || !min || min > max ||
	    max > ECHO_RING_SIZE / 4)
		return -EINVAL;
	flood = kvcalloc(count, sizeof(*flood), GFP_KERNEL);
	if (!flood)
		return -ENOMEM;
	for (i = 0; i < count; i++) {
		flood[i].seq = i;
		flood[i].len = min + get_random_u32_below(max - min + 1);
	}

	mutex_lock(&ed->run_lock);
	ret = -EINVAL;
	if (!ed->irq_mode)
		goto out_unlock;
	echo_irq_start(ed, count);
	ed->flood_next = 0;
	ed->flood_blocked = false;
	atomic_set(&ed->flood_depth, 0);
	ed->flood = flood;
	t0 = ktime_get_ns();
	/* The first poll is ours; every later one the callback schedules. */
	tasklet_schedule(&ed->lanes[0].poll);
	ret = echo_wait(ed, t0);
	if (ret) {
		/* Nothing may use the table's entries once we free them. */
		echo_poll_stop(&ed->lanes[0]);
		vmb_chan_close(ed->lanes[0].chan);
		echo_fail_lane(&ed->lanes[0]);
	}
	ed->flood = NULL;
	echo_irq_result(ed, count);
out_unlock:
	mutex_unlock(&ed->run_lock);
	kvfree(flood);
	return ret ? ret : len;
}

/* One packet of 2..8 buffers, each up to two frames, from BH-off context. */
static int echo_bufs_one(struct echo_dev *ed)
{
	struct echo_lane *lane = &ed->lanes[0];
	struct vmb_chan_buf bufs[8];
	struct page *pages[8] = {};
	u32 nr = 2 + get_random_u32_below(7), i, tries = 0;
	u64 fnv = VMB_ECHO_FNV1A64_BASIS, bytes = 0, id;
	struct echo_req *req;
	u8 inband[24];
	int ret = -ENOMEM;
	bool ours;

	req = echo_req_alloc(0);
	if (!req)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		pages[i] = alloc_pages(GFP_KERNEL, 1);
		if (!pages[i])
			goto out;
		get_random_bytes(page_address(pages[i]), 2 * PAGE_SIZE);
		bufs[i].pfn = page_to_pfn(pages[i]);
		bufs[i].offset = get_random_u32_below(PAGE_SIZE);
		bufs[i].len = 1 + get_random_u32_below(2 * PAGE_SIZE -
						       bufs[i].offset);
		fnv = echo_fnv(fnv, page_address(pages[i]) + bufs[i].offset,
			       bufs[i].len);
		bytes += bufs[i].len;
	}
	get_random_bytes(inband, sizeof(inband));
	req->gpa = true;
	req->fnv = fnv;
	req->len = bytes;
	refcount_inc(&req->ref);	/* the table's */
	ret = vmb_reqtable_add(lane->rt, req, &id);
	if (ret) {
		refcount_dec(&req->ref);
		goto out;
	}
	do {
		local_bh_disable();
		ret = vmb_chan_try_send_bufs(lane->chan, id, bufs, nr, inband,
					     sizeof(inband));
		local_bh_enable();
		if (ret == -EAGAIN) {
			atomic64_inc(&ed->eagain);
			usleep_range(1000, 2000);
		}
	} while (ret == -EAGAIN && ++tries < 5000);
	if (ret) {
		ours = vmb_reqtable_take(lane->rt, id) == req;
		if (ours) {
			echo_req_put(req);	/* the table's */
			atomic64_inc(&ed->send_err);
			echo_finish_one(ed);
		}
		goto out;
	}
	/* The host has read the pages once the completion came back. */
	ret = wait_for_completion_timeout(&ed->done, 60 * HZ) ? 0 : -ETIMEDOUT;
out:
	echo_req_put(req);
	for (i = 0; i < nr; i++)
		if (pages[i])
			__free_pages(pages[i], 1);
	return ret;
}

static ssize_t echo_bufs_write(struct file *f, const char __user *ubuf,
			       size_t len, loff_t *ppos)
{
	struct echo_dev *ed = f->private_data;
	u32 count, i;
	u64 t0;
	int ret;

	ret = kstrtou32_from_user(ubuf, len, 10, &count);
	if (ret)
		return ret;
	if (!count || count > 100000)
		return -EINVAL;

	mutex_lock(&ed->run_lock);
	ret = -EINVAL;
	if (!ed->irq_mode)
		goto out_unlock;
	echo_irq_start(ed, count);
	t0 = ktime_get_ns();
	ret = 0;
	for (i = 0; i < count && !ret; i++) {
		/* One at a time: each run of "done" covers one packet. */
		atomic_set(&ed->outstanding, 1);
		reinit_completion(&ed->done);
		ret = echo_bufs_one(ed);
	}
	ed->elapsed_ns = ktime_get_ns() - t0;
	echo_irq_result(ed, count);
	if (!ret && atomic64_read(&ed->good) != count)
		ret = -EIO;
out_unlock:
	mutex_unlock(&ed->run_lock);
	return ret ? ret : len;
}

static ssize_t echo_result_read(struct file *f, char __user *ubuf, size_t len,
				loff_t *ppos)
{
	struct echo_dev *ed = f->private_data;

	return simple_read_from_buffer(ubuf, len, ppos, ed->result,
				       strlen(ed->result));
}

static ssize_t echo_stale_read(struct file *f, char __user *ubuf, size_t len,
			       loff_t *ppos)
{
	struct echo_dev *ed = f->private_data;
	char buf[24];
	int n;
	u64 stale = 0;
	u32 i;

	for (i = 0; i < ed->nr_lanes; i++)
		stale += vmb_reqtable_stale(ed->lanes[i].rt);
	n = snprintf(buf, sizeof(buf), "%llu\n", stale);
	return simple_read_from_buffer(ubuf, len, ppos, buf, n);
}

static const struct file_operations echo_stale_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = echo_stale_read,
};

static const struct file_operations echo_inband_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = echo_inband_write,
};

static const struct file_operations echo_gpa_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = echo_gpa_write,
};

static const struct file_operations echo_mode_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = echo_mode_write,
};

static const struct file_operations echo_flood_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = echo_flood_write,
};

static const struct file_operations echo_bufs_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = echo_bufs_write,
};

static const struct file_operations echo_result_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = echo_result_read,
};

static int echo_lane_open(struct echo_dev *ed, u32 i, struct vmb_channel *chan)
{
	struct echo_lane *lane = &ed->lanes[i];
	int ret = -ENOMEM;

	lane->ed = ed;
	lane->chan = chan;
	tasklet_setup(&lane->poll, echo_poll);
	lane->rxbuf = kmalloc(ECHO_RING_SIZE, GFP_KERNEL);
	lane->rt = vmb_reqtable_create(1024);
	if (!lane->rxbuf || !lane->rt)
		goto out_free;
	ret = vmb_chan_open(chan, ECHO_RING_SIZE, echo_cb, lane);
	if (ret)
		goto out_free;
	return 0;

out_free:
	vmb_reqtable_destroy(lane->rt);
	kfree(lane->rxbuf);
	memset(lane, 0, sizeof(*lane));
	return ret;
}

/*
 * Close first: senders now fail and no completion comes back, so whatever
 * is outstanding fails here and a run in progress ends.
 */
static void echo_lane_close(struct echo_lane *lane)
{
	vmb_chan_close(lane->chan);
	echo_fail_lane(lane);
	vmb_reqtable_destroy(lane->rt);
	kfree(lane->rxbuf);
}

static ssize_t echo_subchannels_write(struct file *f, const char __user *ubuf,
				      size_t len, loff_t *ppos)
{
	struct echo_dev *ed = f->private_data;
	struct vmb_channel *primary = ed->lanes[0].chan, *sub;
	u32 n, i;
	int ret;

	ret = kstrtou32_from_user(ubuf, len, 10, &n);
	if (ret)
		return ret;
	if (!n || n > VMB_MAX_SUBCHANNELS)
		return -EINVAL;

	mutex_lock(&ed->run_lock);
	if (ed->nr_lanes > 1) {
		ret = -EBUSY;	/* once per device */
		goto out_unlock;
	}
	ret = vmb_chan_request_subchannels(primary, n);
	if (ret < 0)
		goto out_unlock;
	for (i = 1; i <= VMB_MAX_SUBCHANNELS && ed->nr_lanes <= n; i++) {
		sub = vmb_chan_subchannel(primary, i);
		if (!sub)
			continue;
		if (echo_lane_open(ed, ed->nr_lanes, sub))
			break;
		ed->nr_lanes++;
	}
	dev_info(&ed->vdev->dev, "%u lanes open\n", ed->nr_lanes);
	ret = ed->nr_lanes == n + 1 ? 0 : -EIO;
out_unlock:
	mutex_unlock(&ed->run_lock);
	return ret ? ret : len;
}

static ssize_t echo_retarget_write(struct file *f, const char __user *ubuf,
				   size_t len, loff_t *ppos)
{
	struct echo_dev *ed = f->private_data;
	u32 lane, vcpu;
	char buf[32];
	int ret;

	if (len >= sizeof(buf) || copy_from_user(buf, ubuf, len))
		return -EINVAL;
	buf[len] = 0;
	if (sscanf(buf, "%u %u", &lane, &vcpu) != 2)
		return -EINVAL;
	mutex_lock(&ed->run_lock);
	ret = lane < ed->nr_lanes ?
	      vmb_chan_set_target(ed->lanes[lane].chan, vcpu) : -ERANGE;
	mutex_unlock(&ed->run_lock);
	return ret ? ret : len;
}

static const struct file_operations echo_subchannels_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = echo_subchannels_write,
};

static const struct file_operations echo_retarget_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = echo_retarget_write,
};

static struct dentry *echo_root;

static int echo_probe(struct vmb_device *vdev, const struct vmb_device_id *id)
{
	struct echo_dev *ed;
	int ret;

	ed = kzalloc(sizeof(*ed), GFP_KERNEL);
	if (!ed)
		return -ENOMEM;
	ed->vdev = vdev;
	mutex_init(&ed->run_lock);
	init_completion(&ed->done);
	ret = echo_lane_open(ed, 0, vdev->channel);
	if (ret) {
		kfree(ed);
		return ret;
	}
	ed->nr_lanes = 1;

	ed->dir = debugfs_create_dir(dev_name(&vdev->dev), echo_root);
	debugfs_create_file("inband", 0200, ed->dir, ed, &echo_inband_fops);
	debugfs_create_file("gpa", 0200, ed->dir, ed, &echo_gpa_fops);
	debugfs_create_file("mode", 0200, ed->dir, ed, &echo_mode_fops);
	debugfs_create_file("flood", 0200, ed->dir, ed, &echo_flood_fops);
	debugfs_create_file("bufs", 0200, ed->dir, ed, &echo_bufs_fops);
	debugfs_create_file("result", 0400, ed->dir, ed, &echo_result_fops);
	debugfs_create_file("stale", 0400, ed->dir, ed, &echo_stale_fops);
	debugfs_create_file("subchannels", 0200, ed->dir, ed,
			    &echo_subchannels_fops);
	debugfs_create_file("retarget", 0200, ed->dir, ed, &echo_retarget_fops);
	dev_set_drvdata(&vdev->dev, ed);
	dev_info(&vdev->dev, "echo channel open, relid %u\n", vdev->relid);
	return 0;
}

static void echo_remove(struct vmb_device *vdev)
{
	struct echo_dev *ed = dev_get_drvdata(&vdev->dev);
	u32 i;

	/* Lanes fail first, so that a run in progress ends... */
	for (i = ed->nr_lanes; i-- > 0;) {
		echo_poll_stop(&ed->lanes[i]);
		vmb_chan_close(ed->lanes[i].chan);
	}
	for (i = 0; i < ed->nr_lanes; i++)
		echo_fail_lane(&ed->lanes[i]);
	/* A flood's unsent packets fail too: its poll is stopped. */
	if (ed->flood) {
		while (ed->flood_next++ < ed->count) {
			atomic64_inc(&ed->send_err);
			echo_finish_one(ed);
		}
	}
	/* ...and debugfs_remove() can wait for its write to return. */
	debugfs_remove(ed->dir);
	for (i = ed->nr_lanes; i-- > 0;)
		echo_lane_close(&ed->lanes[i]);
	/* Interrupt mode's GPADLs: torn down after the close, as a driver does. */
	echo_gpadls_free(ed);
	kfree(ed->lanes[0].txbuf);
	kfree(ed);
	dev_info(&vdev->dev, "echo channel closed\n");
}

static const struct vmb_device_id echo_ids[] = {
	{ .class_id = VMB_CLASS_ECHO },
	{ }
};

static struct vmb_driver echo_driver = {
	.name = "vmb_echo_test",
	.id_table = echo_ids,
	.probe = echo_probe,
	.remove = echo_remove,
};

static int __init echo_init(void)
{
	int ret;

	echo_root = debugfs_create_dir("vmb_echo", NULL);
	ret = vmb_driver_register(&echo_driver);
	if (ret)
		debugfs_remove(echo_root);
	return ret;
}

static void __exit echo_exit(void)
{
	vmb_driver_unregister(&echo_driver);
	debugfs_remove(echo_root);
}

module_init(echo_init);
module_exit(echo_exit);

VMB_MODULE_ALIAS(VMB_CLASS_ECHO_STR);
MODULE_DESCRIPTION("vmb bus echo test client");
MODULE_LICENSE("GPL");
