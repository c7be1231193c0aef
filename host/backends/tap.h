/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * TAP devices for the network back end: one multi-queue TAP, one fd per
 * queue, each carrying a struct virtio_net_hdr (little-endian) before
 * every frame, both ways.  The back end reaches them only through struct
 * tap_ops, so the unit tests can put socketpairs in their place.
 */
#ifndef VMBUSD_TAP_H
#define VMBUSD_TAP_H

#include <linux/virtio_net.h>

#define TAP_VNET_HDR_LEN	((unsigned int)sizeof(struct virtio_net_hdr))

struct tap_ops {
	/*
	 * Attach to (or create) TAP name with queues queue fds, non-blocking,
	 * each with IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | IFF_MULTI_QUEUE and a
	 * TAP_VNET_HDR_LEN little-endian vnet header.  Returns 0 with fd[],
	 * or -1 with *err (naming the device and errno's text) and nothing
	 * left open.
	 */
	int (*open)(const char *name, unsigned int queues, int *fd,
		    const char **err);
	/* TUNSETOFFLOAD (TUN_F_*) on the device, through one of its fds. */
	int (*set_offload)(int fd, unsigned int flags);
	void (*close)(int fd);
};

/* The real thing: /dev/net/tun. */
extern const struct tap_ops tap_linux;

#endif
