// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * Guest RAM access.
 *
 * Security model
 * --------------
 * The guest is hostile.  Every guest-physical address vmbusd dereferences
 * comes from the guest (GPADL page lists, ring positions, ...), so every
 * access to guest RAM goes through gmem_translate(), which returns a host
 * pointer only if the whole requested range [gpa, gpa + len) lies inside
 * one contiguous RAM range of the file vmbusd mapped.  Addresses in the PCI hole, above the end of RAM,
 * ranges that straddle a range boundary and ranges whose end wraps around
 * 2^64 are refused (NULL), never clamped.  All checks are done in
 * subtraction form (gpa - start < size, len <= size - off) so nothing can
 * overflow.  A translated pointer is valid for exactly len bytes; callers
 * never do pointer arithmetic beyond that.
 *
 * The guest can still change the contents of its RAM at any time, including
 * while vmbusd is reading it, so callers copy data out before validating it
 * and read each shared field once.
 *
 * The mapping is MAP_SHARED on a file QEMU owns.  If another process
 * truncated that file, touching the lost pages would raise SIGBUS; QEMU
 * never does that, and the file must not be writable by the guest's users.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/gmem.h"

int gmem_setup_layout(struct gmem *m, void *base, uint64_t size)
{
	uint64_t below;

	if (!base || size == 0)
		return -EINVAL;
	/* The top of the guest-physical space must not wrap. */
	if (size > GMEM_Q35_LOWMEM_LIMIT &&
	    size - GMEM_Q35_LOWMEM_SPLIT > UINT64_MAX - GMEM_4G)
		return -EINVAL;
	below = size < GMEM_Q35_LOWMEM_LIMIT ? size : GMEM_Q35_LOWMEM_SPLIT;
	m->base = base;
	m->size = size;
	m->range[0].gpa = 0;
	m->range[0].size = below;
	m->range[0].host = base;
	m->nr_ranges = 1;
	if (size > below) {
		m->range[1].gpa = GMEM_4G;
		m->range[1].size = size - below;
		m->range[1].host = (uint8_t *)base + below;
		m->nr_ranges = 2;
	}
	return 0;
}

int gmem_open(struct gmem *m, const char *path)
{
	struct stat st;
	void *p;
	int fd, err;

	memset(m, 0, sizeof(*m));
	m->fd = -1;
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		err = -errno;
		goto fail;
	}
	if (!S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    (uint64_t)st.st_size > SIZE_MAX) {
		err = -EINVAL;
		goto fail;
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		 fd, 0);
	if (p == MAP_FAILED) {
		err = -errno;
		goto fail;
	}
	err = gmem_setup_layout(m, p, (uint64_t)st.st_size);
	if (err) {
		munmap(p, (size_t)st.st_size);
		goto fail;
	}
	m->fd = fd;
	return 0;
fail:
	close(fd);
	m->fd = -1;
	return err;
}

void gmem_close(struct gmem *m)
{
	if (m->fd >= 0) {
		if (m->base)
			munmap(m->base, (size_t)m->size);
		close(m->fd);
	}
	memset(m, 0, sizeof(*m));
	m->fd = -1;
}

static const struct gmem_range *gmem_find(const struct gmem *m, uint64_t gpa)
{
	unsigned int i;

	for (i = 0; i < m->nr_ranges && i < 2; i++) {
		const struct gmem_range *r = &m->range[i];

		if (gpa >= r->gpa && gpa - r->gpa < r->size)
			return r;
	}
	return NULL;
}

void *gmem_translate(const struct gmem *m, uint64_t gpa, size_t len)
{
	const struct gmem_range *r;
	uint64_t off;

	if (len == 0)
		return NULL;
	r = gmem_find(m, gpa);
	if (!r)
		return NULL;
	off = gpa - r->gpa;
	if ((uint64_t)len > r->size - off)
		return NULL;
	return r->host + off;
}
