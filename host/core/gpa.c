// SPDX-License-Identifier: (GPL-2.0 OR MIT)
#include <endian.h>
#include <string.h>

#include "core/gpa.h"
#include "vmb_protocol.h"

#define GPA_HDR_SIZE	8	/* le32 count, le32 reserved */

static uint32_t get_le32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return le32toh(v);
}

static uint64_t get_le64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return le64toh(v);
}

/*
 * Every length is checked in subtraction form against what is left of buf
 * (len - off, with off <= len throughout), so nothing the guest wrote can
 * make an addition wrap.
 */
int gpa_parse(const uint8_t *buf, uint32_t len, const struct gmem *gm,
	      struct gpa_scratch *s, struct gpa_list *l, const char **why)
{
	uint32_t off = 0, count, i, j, total = 0;

	memset(l, 0, sizeof(*l));
	if (len < GPA_HDR_SIZE) {
		*why = "GPA range header beyond offset8";
		return -1;
	}
	count = get_le32(buf);
	off += GPA_HDR_SIZE;
	if (count > GPA_MAX_RANGES) {
		*why = "too many GPA ranges";
		return -1;
	}
	for (i = 0; i < count; i++) {
		struct gpa_range *rg = &s->range[i];
		uint64_t nr;

		if (len - off < sizeof(struct vmb_gpa_range)) {
			*why = "GPA range beyond offset8";
			return -1;
		}
		rg->byte_count = get_le32(buf + off);
		rg->byte_offset = get_le32(buf + off + 4);
		off += sizeof(struct vmb_gpa_range);
		if (rg->byte_offset >= VMB_PAGE_SIZE) {
			*why = "GPA range byte_offset >= 4096";
			return -1;
		}
		nr = ((uint64_t)rg->byte_offset + rg->byte_count +
		      VMB_PAGE_SIZE - 1) / VMB_PAGE_SIZE;
		if (nr > GPA_MAX_PFNS - total) {
			*why = "too many GPA frames";
			return -1;
		}
		if (nr * 8 > len - off) {
			*why = "GPA frame list beyond offset8";
			return -1;
		}
		rg->nr_pfns = (uint32_t)nr;
		rg->first = total;
		for (j = 0; j < rg->nr_pfns; j++) {
			uint64_t pfn = get_le64(buf + off + 8 * j);
			void *p = NULL;

			/* pfn * 4096 must not wrap */
			if (pfn <= UINT64_MAX / VMB_PAGE_SIZE)
				p = gmem_translate(gm, pfn * VMB_PAGE_SIZE,
						   VMB_PAGE_SIZE);
			if (!p) {
				*why = "GPA frame outside guest RAM";
				return -1;
			}
			s->page[total + j] = p;
		}
		off += rg->nr_pfns * 8;
		total += rg->nr_pfns;
	}
	l->nr_ranges = count;
	l->nr_pfns = total;
	l->range = s->range;
	l->page = s->page;
	return 0;
}

uint64_t gpa_list_bytes(const struct gpa_list *l)
{
	uint64_t n = 0;
	uint32_t i;

	for (i = 0; i < l->nr_ranges; i++)
		n += l->range[i].byte_count;
	return n;
}

/* Start range i: its first page, at its byte_offset. */
static void walk_range(struct gpa_walk *w, uint32_t i)
{
	w->range = i;
	w->page = 0;
	if (i < w->l->nr_ranges) {
		w->off = w->l->range[i].byte_offset;
		w->left = w->l->range[i].byte_count;
	}
}

void gpa_walk_init(struct gpa_walk *w, const struct gpa_list *l)
{
	memset(w, 0, sizeof(*w));
	w->l = l;
	walk_range(w, 0);
}

/*
 * Page k of the current range, if the range has it and it lies in the
 * list: the same checks gpa_parse() made, made again on what is used.
 */
static uint8_t *range_page(const struct gpa_walk *w, uint32_t k)
{
	const struct gpa_range *rg = &w->l->range[w->range];

	if (k >= rg->nr_pfns || rg->first > w->l->nr_pfns ||
	    k >= w->l->nr_pfns - rg->first)
		return NULL;
	return w->l->page[rg->first + k];
}

int gpa_walk_next(struct gpa_walk *w, uint8_t **p, uint32_t *len)
{
	uint8_t *start;
	uint32_t n;

	while (w->range < w->l->nr_ranges && !w->left)
		walk_range(w, w->range + 1);
	if (w->range >= w->l->nr_ranges)
		return 0;
	start = range_page(w, w->page);
	if (!start || w->off >= VMB_PAGE_SIZE)
		return -1;
	n = VMB_PAGE_SIZE - w->off;
	if (n > w->left)
		n = w->left;
	*p = start + w->off;
	*len = n;
	w->left -= n;
	w->page++;
	w->off = 0;
	return 1;
}
