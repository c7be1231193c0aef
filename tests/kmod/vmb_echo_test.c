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
 *     result  the last run: counts, errors, time.
 *     stale   completions whose transaction id matched nothing, ever.
 *
 * When the host breaks the channel, everything outstanding fails at once.
 */
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/refcount.h>
#include <linux/semaphore.h>
#include <linux/slab.h>

#include "vmb.h"
#include "vmb_echo.h"

#define ECHO_RING_SIZE		(64 * 1024)
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
};

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

	char result[256];
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

/* Everything still outstanding on @lane fails. */
static void echo_fail_lane(struct echo_lane *lane)
{
	struct echo_req *req;

	while ((req = vmb_reqtable_pop(lane->rt))) {
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
	for (i = ed->nr_lanes; i-- > 0;)
		vmb_chan_close(ed->lanes[i].chan);
	for (i = 0; i < ed->nr_lanes; i++)
		echo_fail_lane(&ed->lanes[i]);
	/* ...and debugfs_remove() can wait for its write to return. */
	debugfs_remove(ed->dir);
	for (i = ed->nr_lanes; i-- > 0;)
		echo_lane_close(&ed->lanes[i]);
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
