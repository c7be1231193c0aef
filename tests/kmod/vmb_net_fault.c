// SPDX-License-Identifier: GPL-2.0
/*
 * A network-class client for the tests of vmbusd's checks: it binds to a
 * net channel (load it with netvsc unloaded), goes through INIT, CONFIG
 * and ATTACH_BUFS, and then sends, one per write to
 * debugfs vmb_net_fault/<device>/send, a SEND that is malformed in the way
 * the word written names:
 *
 *   good          a well-formed 60-byte frame in section 0 (the control)
 *   bad_section   a section past the send buffer
 *   bad_length    a length past the section's end
 *   short         a frame shorter than an Ethernet header
 *   bad_meta      unknown metadata flags
 *   gso_no_csum   GSO_TCPV4 without CSUM_NEEDED
 *   bad_csum      csum_start + csum_offset past the frame
 *   gpa_len       a GPA-range SEND whose ranges total more than len
 *
 * and waits for its completion; debugfs .../status then reads the host's
 * status for it (VMB_NET_S_*), or a negative errno.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/debugfs.h>
#include <linux/etherdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "vmb.h"
#include "vmb_net.h"

#define NF_RING_SIZE		(64 * 1024)
#define NF_SECTION		2048
#define NF_SECTIONS		16
#define NF_BUF_SIZE		(NF_SECTION * NF_SECTIONS)
#define NF_TIMEOUT		(5 * HZ)
#define NF_RX_MAX		2048

struct nf_dev {
	struct vmb_device *vdev;
	struct vmb_channel *chan;
	struct mutex lock;		/* one request at a time */
	struct completion done;
	u32 want_type;			/* the request in flight */
	int status;			/* its completion's status */
	void *send_buf;
	void *recv_buf;
	u32 send_gpadl;
	u32 recv_gpadl;
	struct page *gpa_page;		/* frames sent by GPA range */
	int last;			/* what status reads */
	struct dentry *dir;
	u8 rx[NF_RX_MAX] __aligned(8);	/* the tasklet's */
};

static struct dentry *nf_root;

static void nf_chan_cb(struct vmb_channel *chan, void *ctx)
{
	struct nf_dev *nf = ctx;
	struct vmb_net_hdr hdr, done = {
		.type = cpu_to_le32(VMB_NET_RECV),
	};
	struct vmb_pkt pkt;
	int ret;

	for (;;) {
		ret = vmb_chan_recv(chan, &pkt, nf->rx, sizeof(nf->rx));
		if (ret == -EAGAIN || (ret && ret != -EMSGSIZE))
			return;
		if (ret || pkt.len < sizeof(hdr))
			continue;
		memcpy(&hdr, nf->rx, sizeof(hdr));
		if (pkt.type == VMB_PKT_INBAND &&
		    le32_to_cpu(hdr.type) == VMB_NET_RECV) {
			/* nothing asked for; given back all the same */
			vmb_chan_try_send(chan, VMB_PKT_COMPLETION, 0,
					  pkt.trans_id, &done, sizeof(done));
			continue;
		}
		if (pkt.type != VMB_PKT_COMPLETION || pkt.trans_id != 1 ||
		    le32_to_cpu(hdr.type) != READ_ONCE(nf->want_type))
			continue;
		WRITE_ONCE(nf->status, le32_to_cpu(hdr.status));
		complete(&nf->done);
	}
}

/* Sends @msg (a request of @type) and waits for its status. */
static int nf_request(struct nf_dev *nf, u32 type, void *msg, u32 len,
		      struct page *page, u32 bytes)
{
	int ret;

	lockdep_assert_held(&nf->lock);
	reinit_completion(&nf->done);
	WRITE_ONCE(nf->want_type, type);
	if (page)
		ret = vmb_chan_send_gpa(nf->chan, 1, &page, 1, 0, bytes, msg,
					len);
	else
		ret = vmb_chan_send(nf->chan, VMB_PKT_INBAND,
				    VMB_PKT_F_COMPLETION_REQUESTED, 1, msg,
				    len);
	if (ret)
		return ret;
	if (!wait_for_completion_timeout(&nf->done, NF_TIMEOUT))
		return -ETIMEDOUT;
	return READ_ONCE(nf->status);
}

static int nf_init(struct nf_dev *nf)
{
	struct vmb_net_init init = {
		.hdr.type = cpu_to_le32(VMB_NET_INIT),
		.version = cpu_to_le32(VMB_NET_VERSION_1_0),
	};
	struct vmb_net_config config = {
		.hdr.type = cpu_to_le32(VMB_NET_CONFIG),
		.caps = cpu_to_le32(VMB_NET_CAP_TX_CSUM | VMB_NET_CAP_TSO4),
	};
	struct vmb_net_bufs bufs = {
		.hdr.type = cpu_to_le32(VMB_NET_ATTACH_BUFS),
		.recv_section_size = cpu_to_le32(NF_SECTION),
		.recv_sections = cpu_to_le32(NF_SECTIONS),
		.send_section_size = cpu_to_le32(NF_SECTION),
		.send_sections = cpu_to_le32(NF_SECTIONS),
	};
	int ret;

	mutex_lock(&nf->lock);
	ret = nf_request(nf, VMB_NET_INIT, &init, sizeof(init), NULL, 0);
	if (!ret)
		ret = nf_request(nf, VMB_NET_CONFIG, &config, sizeof(config),
				 NULL, 0);
	if (!ret) {
		bufs.recv_gpadl = cpu_to_le32(nf->recv_gpadl);
		bufs.send_gpadl = cpu_to_le32(nf->send_gpadl);
		ret = nf_request(nf, VMB_NET_ATTACH_BUFS, &bufs, sizeof(bufs),
				 NULL, 0);
	}
	mutex_unlock(&nf->lock);
	if (ret)
		dev_err(&nf->vdev->dev, "init failed: %d\n", ret);
	return ret > 0 ? -EIO : ret;
}

/* A broadcast ARP-sized frame in @buf. */
static void nf_frame(u8 *buf, u32 len)
{
	memset(buf, 0, len);
	eth_broadcast_addr(buf);
	buf[6] = 0x02;
	buf[12] = 0x08;
	buf[13] = 0x06;
}

enum nf_fault {
	NF_GOOD, NF_BAD_SECTION, NF_BAD_LENGTH, NF_SHORT, NF_BAD_META,
	NF_GSO_NO_CSUM, NF_BAD_CSUM, NF_GPA_LEN,
};

static const char *const nf_faults[] = {
	[NF_GOOD] = "good",
	[NF_BAD_SECTION] = "bad_section",
	[NF_BAD_LENGTH] = "bad_length",
	[NF_SHORT] = "short",
	[NF_BAD_META] = "bad_meta",
	[NF_GSO_NO_CSUM] = "gso_no_csum",
	[NF_BAD_CSUM] = "bad_csum",
	[NF_GPA_LEN] = "gpa_len",
};

static int nf_send_fault(struct nf_dev *nf, const char *what)
{
	struct vmb_net_send s = {
		.hdr.type = cpu_to_le32(VMB_NET_SEND),
		.section = 0,
		.len = cpu_to_le32(60),
	};
	struct page *page = NULL;
	u32 bytes = 0;
	int ret;

	nf_frame(nf->send_buf, NF_SECTION);
	switch (match_string(nf_faults, ARRAY_SIZE(nf_faults), what)) {
	case NF_GOOD:
		break;
	case NF_BAD_SECTION:
		s.section = cpu_to_le32(NF_SECTIONS + 5);
		break;
	case NF_BAD_LENGTH:
		s.len = cpu_to_le32(NF_SECTION + 1);
		break;
	case NF_SHORT:
		s.len = cpu_to_le32(ETH_HLEN - 1);
		break;
	case NF_BAD_META:
		s.meta.flags = cpu_to_le16(0x8000);
		break;
	case NF_GSO_NO_CSUM:
		s.meta.gso_type = VMB_NET_GSO_TCPV4;
		s.meta.gso_size = cpu_to_le16(1448);
		s.meta.hdr_len = cpu_to_le16(54);
		break;
	case NF_BAD_CSUM:
		s.meta.flags = cpu_to_le16(VMB_NET_M_CSUM_NEEDED);
		s.meta.csum_start = cpu_to_le16(34);
		s.meta.csum_offset = cpu_to_le16(60);
		break;
	case NF_GPA_LEN:
		page = nf->gpa_page;
		nf_frame(page_address(page), PAGE_SIZE);
		s.section = cpu_to_le32(VMB_NET_NO_SECTION);
		bytes = 120;		/* the ranges: twice len */
		break;
	default:
		return -EINVAL;
	}
	mutex_lock(&nf->lock);
	ret = nf_request(nf, VMB_NET_SEND, &s, sizeof(s), page, bytes);
	nf->last = ret;
	mutex_unlock(&nf->lock);
	dev_info(&nf->vdev->dev, "SEND %s: %d\n", what, ret);
	return ret < 0 ? ret : 0;
}

static ssize_t nf_send_write(struct file *file, const char __user *ubuf,
			     size_t count, loff_t *ppos)
{
	struct nf_dev *nf = file_inode(file)->i_private;
	char word[32];
	int ret;

	if (count >= sizeof(word))
		return -EINVAL;
	if (copy_from_user(word, ubuf, count))
		return -EFAULT;
	word[count] = 0;
	strim(word);
	ret = nf_send_fault(nf, word);
	return ret ? ret : count;
}

static const struct file_operations nf_send_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = nf_send_write,
};

static int nf_status_show(struct seq_file *m, void *unused)
{
	struct nf_dev *nf = m->private;

	mutex_lock(&nf->lock);
	seq_printf(m, "%d\n", nf->last);
	mutex_unlock(&nf->lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(nf_status);

static void nf_free_bufs(struct nf_dev *nf)
{
	/* The buffers are the host's until their GPADLs are torn down. */
	if (nf->send_gpadl && vmb_chan_gpadl_teardown(nf->chan, nf->send_gpadl))
		nf->send_buf = NULL;
	if (nf->recv_gpadl && vmb_chan_gpadl_teardown(nf->chan, nf->recv_gpadl))
		nf->recv_buf = NULL;
	vfree(nf->send_buf);
	vfree(nf->recv_buf);
	if (nf->gpa_page)
		__free_page(nf->gpa_page);
}

static int nf_probe(struct vmb_device *vdev, const struct vmb_device_id *id)
{
	struct nf_dev *nf;
	int ret = -ENOMEM;
	u32 gpadl;

	nf = kzalloc(sizeof(*nf), GFP_KERNEL);
	if (!nf)
		return -ENOMEM;
	nf->vdev = vdev;
	nf->chan = vdev->channel;
	mutex_init(&nf->lock);
	init_completion(&nf->done);
	nf->send_buf = vzalloc(NF_BUF_SIZE);
	nf->recv_buf = vzalloc(NF_BUF_SIZE);
	nf->gpa_page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (!nf->send_buf || !nf->recv_buf || !nf->gpa_page)
		goto out_free;
	ret = vmb_chan_open(nf->chan, NF_RING_SIZE, nf_chan_cb, nf);
	if (ret)
		goto out_free;
	ret = vmb_chan_gpadl_create(nf->chan, nf->send_buf, NF_BUF_SIZE, &gpadl);
	if (ret)
		goto out_close;
	nf->send_gpadl = gpadl;
	ret = vmb_chan_gpadl_create(nf->chan, nf->recv_buf, NF_BUF_SIZE, &gpadl);
	if (ret)
		goto out_close;
	nf->recv_gpadl = gpadl;
	ret = nf_init(nf);
	if (ret)
		goto out_close;
	nf->dir = debugfs_create_dir(dev_name(&vdev->dev), nf_root);
	debugfs_create_file("send", 0200, nf->dir, nf, &nf_send_fops);
	debugfs_create_file("status", 0400, nf->dir, nf, &nf_status_fops);
	dev_set_drvdata(&vdev->dev, nf);
	dev_info(&vdev->dev, "net fault client ready\n");
	return 0;

out_close:
	vmb_chan_close(nf->chan);
out_free:
	nf_free_bufs(nf);
	kfree(nf);
	return ret;
}

static void nf_remove(struct vmb_device *vdev)
{
	struct nf_dev *nf = dev_get_drvdata(&vdev->dev);

	debugfs_remove(nf->dir);
	vmb_chan_close(nf->chan);
	nf_free_bufs(nf);
	kfree(nf);
}

static const struct vmb_device_id nf_ids[] = {
	{ .class_id = VMB_CLASS_NET },
	{ }
};

static struct vmb_driver nf_driver = {
	.name = "vmb_net_fault",
	.id_table = nf_ids,
	.probe = nf_probe,
	.remove = nf_remove,
};

static int __init nf_mod_init(void)
{
	int ret;

	nf_root = debugfs_create_dir("vmb_net_fault", NULL);
	ret = vmb_driver_register(&nf_driver);
	if (ret)
		debugfs_remove(nf_root);
	return ret;
}

static void __exit nf_mod_exit(void)
{
	vmb_driver_unregister(&nf_driver);
	debugfs_remove(nf_root);
}

module_init(nf_mod_init);
module_exit(nf_mod_exit);

MODULE_DESCRIPTION("vmb bus test client: malformed network SENDs");
MODULE_LICENSE("GPL");
