// SPDX-License-Identifier: GPL-2.0
/*
 * GPADLs: guest memory handed to the host as a list of page frames.  The list
 * goes out as a GPADL_HEADER and as many GPADL_BODY messages as it needs; the
 * host answers GPADL_CREATED once it has them all.  Teardown is a request
 * too: until GPADL_TORNDOWN arrives the host may still touch the memory, so a
 * teardown that fails leaves the memory to the host (leaked, not freed).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/io.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "vmbus_private.h"

static int vmb_gpadl_status_errno(u32 status)
{
	switch (status) {
	case VMB_STATUS_OK:
		return 0;
	case VMB_STATUS_NO_RESOURCES:
		return -ENOSPC;
	case VMB_STATUS_BAD_GPA:
		return -EFAULT;
	default:
		return -EIO;
	}
}

/*
 * @buf must be wholly in the linear map (contiguous there, so both ends
 * tell) or in vmalloc space with every page mapped.
 */
static bool vmb_gpadl_buf_ok(void *buf, u32 nr_pages)
{
	u32 i;

	if (!is_vmalloc_addr(buf))
		return virt_addr_valid(buf) &&
		       virt_addr_valid(buf + ((size_t)nr_pages << PAGE_SHIFT) - 1);
	for (i = 0; i < nr_pages; i++)
		if (!vmalloc_to_page(buf + ((size_t)i << PAGE_SHIFT)))
			return false;
	return true;
}

/* The frame of page @i of @buf (checked by vmb_gpadl_buf_ok()). */
static __le64 vmb_gpadl_pfn(void *buf, u32 i)
{
	void *p = buf + ((size_t)i << PAGE_SHIFT);

	if (is_vmalloc_addr(p))
		return cpu_to_le64(vmalloc_to_pfn(p));
	return cpu_to_le64(PHYS_PFN(virt_to_phys(p)));
}

/*
 * Hands @size bytes at @buf (page-aligned, in the kernel's linear map or
 * vmalloc space) to the host for channel @relid; returns the GPADL id in @id.
 */
int vmb_gpadl_create(struct vmb_conn *conn, u32 relid, void *buf, u32 size,
		     u32 *id)
{
	u32 nr_pages = size >> PAGE_SHIFT, sent, n, i, msg_len;
	u32 type = VMB_MSG_GPADL_HEADER;
	struct vmb_msg_gpadl_created resp;
	struct vmb_msg_gpadl_header *hdr;
	struct vmb_msg_gpadl_body *body;
	void *msg;
	int ret;

	BUILD_BUG_ON(PAGE_SIZE != VMB_PAGE_SIZE);
	if (!nr_pages || nr_pages > VMB_GPADL_MAX_PAGES ||
	    offset_in_page(buf) || offset_in_page(size) ||
	    !vmb_gpadl_buf_ok(buf, nr_pages))
		return -EINVAL;

	msg = kzalloc(VMB_MSG_MAX_PAYLOAD, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	ret = ida_alloc_range(&conn->gpadl_ida, 1, INT_MAX, GFP_KERNEL);
	if (ret < 0)
		goto out_free_msg;
	*id = ret;

	hdr = msg;
	n = min_t(u32, nr_pages, VMB_GPADL_HEADER_PFNS);
	hdr->gpadl_id = cpu_to_le32(*id);
	hdr->relid = cpu_to_le32(relid);
	hdr->nr_pages = cpu_to_le32(nr_pages);
	hdr->nr_pfns = cpu_to_le32(n);
	for (i = 0; i < n; i++)
		hdr->pfn[i] = vmb_gpadl_pfn(buf, i);
	msg_len = struct_size(hdr, pfn, n);
	sent = n;

	/* Every message but the last is just posted; the last one waits. */
	while (sent < nr_pages) {
		ret = vmb_conn_post(conn, type, msg, msg_len);
		if (ret)
			goto out_leak_id;
		type = VMB_MSG_GPADL_BODY;
		body = msg;
		n = min_t(u32, nr_pages - sent, VMB_GPADL_BODY_PFNS);
		body->gpadl_id = cpu_to_le32(*id);
		body->nr_pfns = cpu_to_le32(n);
		for (i = 0; i < n; i++)
			body->pfn[i] = vmb_gpadl_pfn(buf, sent + i);
		msg_len = struct_size(body, pfn, n);
		sent += n;
	}
	ret = vmb_conn_request(conn, type, msg, msg_len,
			       VMB_MSG_GPADL_CREATED, *id, &resp, sizeof(resp));
	if (ret)
		goto out_leak_id;
	ret = vmb_gpadl_status_errno(le32_to_cpu(resp.status));
	if (ret) {
		dev_err(conn->dev, "relid %u: host refused GPADL %u: status %u\n",
			relid, *id, le32_to_cpu(resp.status));
		ida_free(&conn->gpadl_ida, *id);
	}
	kfree(msg);
	return ret;

out_leak_id:
	/* The host may yet create it: never hand this id out again. */
	dev_err(conn->dev, "relid %u: GPADL %u not created: %d\n", relid, *id,
		ret);
out_free_msg:
	kfree(msg);
	return ret;
}

/* 0 when the host has let go of the memory and it may be freed. */
int vmb_gpadl_teardown(struct vmb_conn *conn, u32 relid, u32 id)
{
	struct vmb_msg_gpadl_teardown req = {
		.gpadl_id = cpu_to_le32(id),
		.relid = cpu_to_le32(relid),
	};
	struct vmb_msg_gpadl_torndown resp;
	int ret;

	ret = vmb_conn_request(conn, VMB_MSG_GPADL_TEARDOWN, &req, sizeof(req),
			       VMB_MSG_GPADL_TORNDOWN, id, &resp,
			       sizeof(resp));
	if (ret) {
		dev_err(conn->dev,
			"relid %u: GPADL %u not torn down (%d): leaking its memory\n",
			relid, id, ret);
		return ret;
	}
	ida_free(&conn->gpadl_ida, id);
	return 0;
}

/*
 * The driver's GPADLs.  On the host a GPADL belongs to its channel's relid,
 * not to an open of it (vmbusd: core/chanmgr.c, core/gpadl.c): it may be
 * created while the channel is closed, outlives a close, and goes only with
 * its teardown or with the relid (released after a rescind) or the
 * connection (unload).  So neither call needs the channel open; both run
 * under open_lock, which orders them with open, close and vmbus's own
 * close of a rescinded channel, and counts what the driver holds.
 */
int vmb_chan_gpadl_create(struct vmb_channel *chan, void *buf, u32 size,
			  u32 *id)
{
	int ret;

	might_sleep();
	if (!buf || !id)
		return -EINVAL;
	mutex_lock(&chan->open_lock);
	if (READ_ONCE(chan->state) != VMB_CHAN_OFFERED)
		ret = -ENODEV;
	else
		ret = vmb_gpadl_create(chan->conn, chan->relid, buf, size, id);
	if (!ret)
		chan->nr_gpadls++;
	mutex_unlock(&chan->open_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(vmb_chan_gpadl_create);

/* Non-zero: the host may still use the memory; the caller must leak it. */
int vmb_chan_gpadl_teardown(struct vmb_channel *chan, u32 id)
{
	int ret;

	might_sleep();
	if (!id)
		return -EINVAL;
	mutex_lock(&chan->open_lock);
	/* Not the rings of an open channel: close tears those down. */
	if (test_bit(VMB_CHAN_F_OPEN, &chan->flags) && id == chan->ring_gpadl)
		ret = -EINVAL;
	else
		ret = vmb_gpadl_teardown(chan->conn, chan->relid, id);
	if (!ret && !WARN_ON_ONCE(!chan->nr_gpadls))
		chan->nr_gpadls--;
	mutex_unlock(&chan->open_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(vmb_chan_gpadl_teardown);
