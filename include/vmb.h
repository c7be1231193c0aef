/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The vmb bus: the interface vmbus.ko offers to client drivers (storage,
 * network, utilities, tests).  One struct vmb_device exists per channel the
 * host offers; drivers bind to device classes by GUID.
 */
#ifndef _VMB_H
#define _VMB_H

#include <linux/device.h>
#include <linux/mod_devicetable.h>
#include <linux/module.h>
#include <linux/uuid.h>

#include "vmb_pkt.h"

struct vmb_channel;

/* Modalias prefix: uevents carry MODALIAS=vmb:<class GUID, %pUl>. */
#define VMB_MODALIAS_PREFIX	"vmb:"

/*
 * Module aliases are not generated from id tables for this bus (modpost only
 * knows in-tree table types), so a client driver names each class it serves:
 * VMB_MODULE_ALIAS(VMB_CLASS_FOO_STR).
 */
#define VMB_MODULE_ALIAS(class_str)	MODULE_ALIAS(VMB_MODALIAS_PREFIX class_str)

struct vmb_device_id {
	guid_t class_id;
	kernel_ulong_t driver_data;
};

struct vmb_device {
	struct device dev;
	guid_t class_id;
	guid_t instance_id;
	u32 relid;
	struct vmb_channel *channel;	/* the primary channel */
};

struct vmb_driver {
	const char *name;
	const struct vmb_device_id *id_table;	/* ends with a null GUID */
	int (*probe)(struct vmb_device *vdev, const struct vmb_device_id *id);
	void (*remove)(struct vmb_device *vdev);
	struct device_driver driver;
};

#define to_vmb_device(d)	container_of_const(d, struct vmb_device, dev)
#define to_vmb_driver(d)	container_of_const(d, struct vmb_driver, driver)

/*
 * Channels.  A driver opens its device's channel with rings of ring_size
 * bytes of data each way (a power of two, at least a page); cb runs in
 * softirq context, with the host's interrupts for this channel masked, each
 * time the host signals it.  cb drains with vmb_chan_recv() until -EAGAIN.
 * After a protocol violation by the host the channel is broken: sends and
 * receives fail with -EIO, and the driver should close it.
 *
 * vmb_chan_close() returns once cb is not running and will not run again;
 * sends that race with it fail with -ENODEV.
 */
int vmb_chan_open(struct vmb_channel *chan, u32 ring_size,
		  void (*cb)(struct vmb_channel *chan, void *ctx), void *ctx);
void vmb_chan_close(struct vmb_channel *chan);

/*
 * Interrupt-mode channels, for NAPI: cb runs in hard interrupt context once
 * per signal from the host (new packets, or room for a sender that got
 * -EAGAIN); the bus neither masks the host's interrupts nor loops, and no
 * tasklet is involved.  The driver's single reader (its NAPI poll, one
 * context at a time, with BH off) calls vmb_chan_recv().  Typically cb
 * masks and schedules the poll; the poll, once it drained the ring, unmasks
 * and polls again if vmb_chan_irq_unmask() says packets are waiting.  Mask
 * and unmask are plain stores the driver orders (NAPI does), between open
 * and close only.  Closed with vmb_chan_close(), after the driver stopped
 * its reader (napi_disable()).
 */
int vmb_chan_open_irq(struct vmb_channel *chan, u32 ring_size,
		      void (*cb)(struct vmb_channel *chan, void *ctx),
		      void *ctx);
void vmb_chan_irq_mask(struct vmb_channel *chan);
bool vmb_chan_irq_unmask(struct vmb_channel *chan);

/*
 * Sending.  vmb_chan_send() and vmb_chan_send_gpa() sleep while the ring is
 * full (process context).  The try_ variants never sleep and never
 * allocate: any context except hard interrupt (a transmit path with BH off,
 * a NAPI poll).  They return 0; -EAGAIN when the ring has no room for the
 * packet, after asking the host (pending_send_sz) to signal once it has, so
 * that the channel's callback runs again then; -EIO broken; -ENODEV not
 * open; -EMSGSIZE too big for the ring (a packet takes less than half of
 * it, and at most 512 KiB); -EINVAL bad arguments.  Each -EAGAIN counts as
 * ring_full.  The callback may run before -EAGAIN is returned: a driver
 * that stops its queue on -EAGAIN looks at vmb_chan_send_room() once more
 * after stopping it, and wakes it if the packet fits now.
 */
int vmb_chan_send(struct vmb_channel *chan, u16 type, u16 flags, u64 trans_id,
		  const void *data, u32 len);
int vmb_chan_send_gpa(struct vmb_channel *chan, u64 trans_id,
		      struct page **pages, u32 nr_pages, u32 offset, u32 bytes,
		      const void *data, u32 len);
int vmb_chan_try_send(struct vmb_channel *chan, u16 type, u16 flags,
		      u64 trans_id, const void *data, u32 len);
/*
 * A GPA_RANGE packet with VMB_PKT_F_COMPLETION_REQUESTED: one range per
 * buffer (struct vmb_chan_buf, include/vmb_pkt.h: byte_offset = offset,
 * DIV_ROUND_UP(offset + len, PAGE_SIZE) consecutive frames from pfn), then
 * @len bytes of in-band @data.  1 .. VMB_CHAN_BUFS_MAX buffers, none empty.
 */
int vmb_chan_try_send_bufs(struct vmb_channel *chan, u64 trans_id,
			   const struct vmb_chan_buf *bufs, u32 nr,
			   const void *data, u32 len);
/* Bytes of packet (descriptor included) that would fit now; 0: not open. */
u32 vmb_chan_send_room(struct vmb_channel *chan);

int vmb_chan_recv(struct vmb_channel *chan, struct vmb_pkt *pkt, void *buf,
		  u32 buflen);
bool vmb_chan_broken(struct vmb_channel *chan);
bool vmb_chan_rescinded(struct vmb_channel *chan);

/*
 * Buffers a driver hands to the host on its channel (receive and send
 * buffers): @buf page-aligned, from vmalloc() or the linear map (kmalloc,
 * alloc_pages), @size a multiple of PAGE_SIZE, at most 8192 pages.  Process
 * context; both wait for the host.  A GPADL belongs to the channel, not to
 * an open: it may be created before vmb_chan_open() and torn down after
 * vmb_chan_close() (the usual order: create, open, ..., close, teardown).
 * Create fails with -ENODEV once the channel is rescinded; teardown still
 * works then, until the driver's remove returns.  A non-zero teardown means
 * the host may still use the memory: the caller must not free it (leak it).
 */
int vmb_chan_gpadl_create(struct vmb_channel *chan, void *buf, u32 size,
			  u32 *id);
int vmb_chan_gpadl_teardown(struct vmb_channel *chan, u32 id);

/* Signal this channel on another vCPU from now on. */
int vmb_chan_set_target(struct vmb_channel *chan, u32 vcpu);

/*
 * Multi-queue: ask the host for @count sub-channels of the open primary
 * channel; returns how many the primary has once they arrived (or after 5 s).
 * Each is opened and closed like the primary; they share its device.
 */
int vmb_chan_request_subchannels(struct vmb_channel *primary, u32 count);
struct vmb_channel *vmb_chan_subchannel(struct vmb_channel *primary,
					u32 index);

/*
 * Outstanding requests are named on the wire by transaction ids that index
 * this table, never by pointers: a completion whose id is unknown or stale
 * finds nothing and is counted, not followed.
 */
struct vmb_reqtable;

struct vmb_reqtable *vmb_reqtable_create(u32 size);
void vmb_reqtable_destroy(struct vmb_reqtable *rt);
int vmb_reqtable_add(struct vmb_reqtable *rt, void *req, u64 *id);
void *vmb_reqtable_take(struct vmb_reqtable *rt, u64 id);
void *vmb_reqtable_pop(struct vmb_reqtable *rt);
u64 vmb_reqtable_stale(struct vmb_reqtable *rt);

int __vmb_driver_register(struct vmb_driver *drv, struct module *owner,
			  const char *mod_name);
void vmb_driver_unregister(struct vmb_driver *drv);

#define vmb_driver_register(drv) \
	__vmb_driver_register(drv, THIS_MODULE, KBUILD_MODNAME)

#define module_vmb_driver(__vmb_driver) \
	module_driver(__vmb_driver, vmb_driver_register, vmb_driver_unregister)

#endif /* _VMB_H */
