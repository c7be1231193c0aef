/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/* Helpers shared by the channel-layer unit tests (header-only). */
#ifndef TESTUTIL_H
#define TESTUTIL_H

#include <endian.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/gmem.h"
#include "core/ring.h"

#define TEST_RAM_SIZE	(64ULL << 20)

/* Fake guest RAM: a sparse temp file mapped through gmem_open(). */
/*
 * A raw guest-to-host message: @len is what the slot claims, @plen what is
 * copied, so tests can build messages whose length lies.
 */
static inline struct vmb_msg msg(uint32_t type, uint32_t len,
				 const void *payload, size_t plen)
{
	struct vmb_msg m;

	memset(&m, 0, sizeof(m));
	m.type = htole32(type);
	m.len = htole32(len);
	if (plen)
		memcpy(m.payload, payload, plen);
	return m;
}

static inline struct gmem *test_ram_open(void)
{
	char path[] = "/tmp/vmbusd_test_ram.XXXXXX";
	struct gmem *m = calloc(1, sizeof(*m));
	int fd;

	if (!m)
		abort();
	fd = mkstemp(path);
	if (fd < 0 || ftruncate(fd, (off_t)TEST_RAM_SIZE) < 0)
		abort();
	close(fd);
	if (gmem_open(m, path) < 0)
		abort();
	unlink(path);
	return m;
}

static inline void test_ram_close(struct gmem *m)
{
	gmem_close(m);
	free(m);
}

static inline uint8_t *test_page(struct gmem *m, uint64_t pfn)
{
	return gmem_translate(m, pfn * 4096, 4096);
}

/*
 * Play the guest producer on a ring r set up by the host: write the
 * descriptor fields as given, then payload, at the shared write_index, and
 * publish.  Returns the start index.
 */
static inline uint32_t guest_put(struct ring *r, uint16_t type, uint16_t off8,
				 uint16_t len8, uint16_t flags, uint64_t tid,
				 const void *payload, uint32_t plen)
{
	struct vmb_pkt_desc d = {
		.type = htole16(type), .offset8 = htole16(off8),
		.len8 = htole16(len8), .flags = htole16(flags),
		.trans_id = htole64(tid),
	};
	uint32_t w = le32toh(r->hdr->write_index);
	uint64_t trailer = htole64(w);

	ring_copy_to(r, w, &d, sizeof(d));
	if (plen)
		ring_copy_to(r, (w + 16) & (r->size - 1), payload, plen);
	ring_copy_to(r, (w + len8 * 8u) & (r->size - 1), &trailer, 8);
	r->hdr->write_index = htole32((w + len8 * 8u + 8) & (r->size - 1));
	return w;
}

/* An INBAND packet whose payload is plen bytes (a multiple of 8). */
static inline uint32_t guest_put_inband(struct ring *r, uint16_t flags,
					uint64_t tid, const void *p,
					uint32_t plen)
{
	return guest_put(r, VMB_PKT_INBAND, 2, (uint16_t)(2 + plen / 8), flags,
			 tid, p, plen);
}

#endif
