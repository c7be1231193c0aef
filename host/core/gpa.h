/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * GPA-range packets (VMB_PKT_GPA_RANGE): guest memory named by page frames
 * inside a packet, the way a disk or network back end gets its I/O buffers.
 *
 * gpa_parse() checks the range list of a packet already copied out of the
 * ring: the count, each range's byte_offset (inside its first page) and
 * frame count (covering byte_offset + byte_count), everything inside
 * offset8, at most GPA_MAX_RANGES ranges and GPA_MAX_PFNS frames in all;
 * and it translates every frame through gmem_translate() as a whole page.
 * A list that breaks any of that fails the packet (the channel breaks)
 * before a back end sees it.
 *
 * A back end then reads or writes those bytes only through gpa_walk_next():
 * (host pointer, length) pieces in range order, each inside one translated
 * page and inside its range's byte_count, checked again as it is handed
 * out.  The guest may change the memory at any time; that is the back
 * end's data, never its control.
 */
#ifndef VMBUSD_GPA_H
#define VMBUSD_GPA_H

#include <stdint.h>

#include "core/gmem.h"

#define GPA_MAX_RANGES	256
#define GPA_MAX_PFNS	2048

struct gpa_range {
	uint32_t byte_count;
	uint32_t byte_offset;	/* < VMB_PAGE_SIZE */
	uint32_t nr_pfns;	/* DIV_ROUND_UP(byte_offset + byte_count, 4096) */
	uint32_t first;		/* index of its first page in page[] */
};

/* A parsed range list, as struct ring_pkt carries it. */
struct gpa_list {
	uint32_t nr_ranges, nr_pfns;
	const struct gpa_range *range;
	uint8_t *const *page;	/* nr_pfns host pages, each valid for 4096 bytes */
};

/* Room for one packet's list; a channel has one. */
struct gpa_scratch {
	struct gpa_range range[GPA_MAX_RANGES];
	uint8_t *page[GPA_MAX_PFNS];
};

/*
 * buf holds the len bytes between the descriptor and offset8 of a copied
 * packet: le32 range count, le32 reserved, then each range (le32
 * byte_count, le32 byte_offset, its le64 frames).  Fills *l, pointing into
 * *s.  Returns 0, or -1 with *why.
 */
int gpa_parse(const uint8_t *buf, uint32_t len, const struct gmem *gm,
	      struct gpa_scratch *s, struct gpa_list *l, const char **why);

/* Every byte the list describes: the sum of the byte_counts. */
uint64_t gpa_list_bytes(const struct gpa_list *l);

struct gpa_walk {
	const struct gpa_list *l;
	uint32_t range;		/* the range being walked */
	uint32_t page;		/* its next page (index into its frames) */
	uint32_t off;		/* where in that page */
	uint32_t left;		/* its bytes not handed out yet */
};

void gpa_walk_init(struct gpa_walk *w, const struct gpa_list *l);
/*
 * The next piece: 1 with *p and *len (> 0), 0 once every byte has been
 * handed out, -1 if the list is inconsistent (one gpa_parse() did not
 * build).  A piece lies in one page (gmem_translate() vouched for the
 * page, not for its neighbours) and one range.
 */
int gpa_walk_next(struct gpa_walk *w, uint8_t **p, uint32_t *len);

#endif
