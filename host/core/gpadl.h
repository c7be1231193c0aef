/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * GPADLs: guest memory handed to the host as a list of guest frames.  The
 * table only stores and translates; the message rules (who may create what,
 * when to answer) live in chanmgr.c.  Every frame is translated through
 * gmem_translate() as a whole 4 KiB page when it arrives; a frame that does
 * not translate marks the GPADL bad (refused with VMB_STATUS_BAD_GPA once
 * all frames are in).  Pages are kept as host pointers, each valid for
 * exactly VMB_PAGE_SIZE bytes.
 */
#ifndef VMBUSD_GPADL_H
#define VMBUSD_GPADL_H

#include <stdbool.h>
#include <stdint.h>

#include "core/gmem.h"
#include "vmb_protocol.h"

#define GPADL_MAX_LIVE	1024

struct gpadl {
	uint32_t id;
	uint32_t relid;
	uint32_t nr_pages;	/* announced total, 1..VMB_GPADL_MAX_PAGES */
	uint32_t nr_have;	/* frames received so far */
	bool bad_gpa;		/* a frame was outside guest RAM */
	unsigned int users;	/* open channels whose rings use it */
	uint8_t **page;		/* nr_pages host pointers (NULL: bad frame) */
};

struct gpadl_table {
	struct gpadl *g[GPADL_MAX_LIVE];
	unsigned int nr;
};

static inline bool gpadl_complete(const struct gpadl *g)
{
	return g->nr_have == g->nr_pages;
}

struct gpadl *gpadl_find(struct gpadl_table *t, uint32_t id);
/*
 * Create an empty GPADL.  Returns it, or NULL with *status set
 * (VMB_STATUS_NO_RESOURCES: table full or out of memory).  The caller has
 * checked id (nonzero, unused) and nr_pages (1..VMB_GPADL_MAX_PAGES).
 */
struct gpadl *gpadl_create(struct gpadl_table *t, uint32_t id, uint32_t relid,
			   uint32_t nr_pages, uint32_t *status);
/*
 * Append n frames (little-endian pfns).  The caller has checked that
 * nr_have + n <= nr_pages.  Frames that do not translate set bad_gpa.
 */
void gpadl_add_frames(struct gpadl *g, const struct gmem *gm,
		      const __le64 *pfn, uint32_t n);
void gpadl_destroy(struct gpadl_table *t, struct gpadl *g);
/* Free every GPADL of relid (0: all of them), users or not. */
void gpadl_destroy_relid(struct gpadl_table *t, uint32_t relid);

#endif
