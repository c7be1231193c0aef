/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * The interface region: BAR2 of the ivshmem-doorbell device.  vmbusd
 * creates it as a sealed memfd of VMB_IF_SIZE bytes and hands the fd to
 * QEMU; the layout is in vmb_protocol.h.
 */
#ifndef VMBUSD_IFREGION_H
#define VMBUSD_IFREGION_H

#include <stddef.h>

#include "vmb_protocol.h"

struct ifregion {
	int fd;				/* memfd, -1 if attached to memory */
	size_t size;
	unsigned char *base;
	unsigned int nr_vectors;
	struct vmb_if_header *hdr;
	struct vmb_msgq_ctl *h2g_ctl;
	struct vmb_msg *h2g_slots;
	struct vmb_msgq_ctl *g2h_ctl;
	struct vmb_msg *g2h_slots;
};

/* Create the memfd, map it and initialise it.  Returns 0 or -errno. */
int ifregion_create(struct ifregion *r, unsigned int nr_vectors);
/* Use caller-owned memory of >= VMB_IF_SIZE bytes instead (unit tests). */
int ifregion_attach(struct ifregion *r, void *mem, size_t size,
		    unsigned int nr_vectors);
/* Zero the whole region and rewrite the header (a new guest attached). */
void ifregion_reset(struct ifregion *r);
void ifregion_destroy(struct ifregion *r);

#endif
