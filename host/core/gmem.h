/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * Guest RAM: the file QEMU uses as memory-backend-file (share=on), mapped
 * into vmbusd, and the guest-physical -> host-virtual translation for a q35
 * machine (QEMU 7.2).  See gmem.c for the security model.
 */
#ifndef VMBUSD_GMEM_H
#define VMBUSD_GMEM_H

#include <stddef.h>
#include <stdint.h>

/* q35 (QEMU 7.2): RAM below this size is all mapped below 4 GiB... */
#define GMEM_Q35_LOWMEM_LIMIT	0xb0000000ULL
/* ...otherwise the first 2 GiB are below 4 GiB and the rest from 4 GiB up. */
#define GMEM_Q35_LOWMEM_SPLIT	0x80000000ULL
#define GMEM_4G			0x100000000ULL

struct gmem_range {
	uint64_t gpa;		/* first guest-physical address */
	uint64_t size;		/* bytes, > 0 */
	uint8_t *host;		/* host address of gpa */
};

struct gmem {
	int fd;			/* -1 if not opened by gmem_open() */
	uint8_t *base;		/* mapping of the whole file */
	uint64_t size;		/* RAM size = file size */
	unsigned int nr_ranges;
	struct gmem_range range[2];
};

/* Open and map FILE (O_RDWR, MAP_SHARED).  Returns 0 or -errno. */
int gmem_open(struct gmem *m, const char *path);
/*
 * Set up the q35 layout for RAM of `size` bytes at host address base (any
 * mapping the caller owns; gmem_open() uses this).  Returns 0 or -EINVAL.
 */
int gmem_setup_layout(struct gmem *m, void *base, uint64_t size);
/* Unmap and close what gmem_open() set up; safe on a zeroed struct. */
void gmem_close(struct gmem *m);

/*
 * Host address of [gpa, gpa + len), or NULL unless the whole range lies in
 * one RAM range.  len == 0 always returns NULL: a zero-length access has no
 * meaningful address and callers must not need one.  Guest memory is only
 * ever reached this way: GPADL frames and GPA-range frames (core/gpa.c) are
 * translated a whole page at a time.
 */
void *gmem_translate(const struct gmem *m, uint64_t gpa, size_t len);

#endif
