// SPDX-License-Identifier: (GPL-2.0 OR MIT)
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "transport/ifregion.h"

static void ifregion_layout(struct ifregion *r)
{
	r->hdr = (struct vmb_if_header *)r->base;
	r->h2g_ctl = (struct vmb_msgq_ctl *)(r->base + VMB_IF_H2G_CTL_OFF);
	r->h2g_slots = (struct vmb_msg *)(r->base + VMB_IF_H2G_SLOTS_OFF);
	r->g2h_ctl = (struct vmb_msgq_ctl *)(r->base + VMB_IF_G2H_CTL_OFF);
	r->g2h_slots = (struct vmb_msg *)(r->base + VMB_IF_G2H_SLOTS_OFF);
}

void ifregion_reset(struct ifregion *r)
{
	struct vmb_if_header *h = r->hdr;

	memset(r->base, 0, r->size);
	memcpy(h->signature, VMB_IF_SIGNATURE, VMB_IF_SIGNATURE_LEN);
	h->abi_major = htole16(VMB_IF_ABI_MAJOR);
	h->abi_minor = htole16(VMB_IF_ABI_MINOR);
	h->region_size = htole32((uint32_t)r->size);
	h->host_peer_id = htole32(0);
	h->nr_vectors = htole32(r->nr_vectors);
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

int ifregion_attach(struct ifregion *r, void *mem, size_t size,
		    unsigned int nr_vectors)
{
	if (!mem || size < VMB_IF_SIZE || nr_vectors == 0 ||
	    nr_vectors > VMB_MAX_VECTORS)
		return -EINVAL;
	memset(r, 0, sizeof(*r));
	r->fd = -1;
	r->base = mem;
	r->size = size;
	r->nr_vectors = nr_vectors;
	ifregion_layout(r);
	ifregion_reset(r);
	return 0;
}

int ifregion_create(struct ifregion *r, unsigned int nr_vectors)
{
	void *p;
	int fd, err;

	fd = memfd_create("vmbusd-interface", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, VMB_IF_SIZE) < 0)
		goto fail_errno;
	/* Nobody (QEMU included) may resize it under our mapping. */
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0)
		goto fail_errno;
	p = mmap(NULL, VMB_IF_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		goto fail_errno;
	err = ifregion_attach(r, p, VMB_IF_SIZE, nr_vectors);
	if (err) {
		munmap(p, VMB_IF_SIZE);
		close(fd);
		return err;
	}
	r->fd = fd;
	return 0;
fail_errno:
	err = -errno;
	close(fd);
	return err;
}

void ifregion_destroy(struct ifregion *r)
{
	if (r->fd >= 0) {
		munmap(r->base, r->size);
		close(r->fd);
	}
	memset(r, 0, sizeof(*r));
	r->fd = -1;
}
