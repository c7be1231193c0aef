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

/* The frame of page @i of @buf, which lives in the linear map. */
static __le64 vmb_gpadl_pfn(void *buf, u32 i)
{
	return cpu_to_le64(PHYS_PFN(virt_to_phys(buf + i * PAGE_SIZE)));
}

/*
 * Hands @size bytes at @buf (page-aligned, in the kernel's linear map) to the
 * host for channel @relid; returns the GPADL id in @id.
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
	    offset_in_page(buf) || offset_in_page(size))
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
