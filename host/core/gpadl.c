// SPDX-License-Identifier: (GPL-2.0 OR MIT)
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "core/gpadl.h"

struct gpadl *gpadl_find(struct gpadl_table *t, uint32_t id)
{
	unsigned int i;

	if (!id)
		return NULL;
	for (i = 0; i < t->nr; i++)
		if (t->g[i]->id == id)
			return t->g[i];
	return NULL;
}

struct gpadl *gpadl_create(struct gpadl_table *t, uint32_t id, uint32_t relid,
			   uint32_t nr_pages, uint32_t *status)
{
	struct gpadl *g;

	*status = VMB_STATUS_NO_RESOURCES;
	if (t->nr >= GPADL_MAX_LIVE || nr_pages == 0 ||
	    nr_pages > VMB_GPADL_MAX_PAGES)
		return NULL;
	g = calloc(1, sizeof(*g));
	if (!g)
		return NULL;
	g->page = calloc(nr_pages, sizeof(*g->page));
	if (!g->page) {
		free(g);
		return NULL;
	}
	g->id = id;
	g->relid = relid;
	g->nr_pages = nr_pages;
	t->g[t->nr++] = g;
	*status = VMB_STATUS_OK;
	return g;
}

void gpadl_add_frames(struct gpadl *g, const struct gmem *gm,
		      const __le64 *pfn, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n && g->nr_have < g->nr_pages; i++) {
		uint64_t f;
		void *p = NULL;

		memcpy(&f, &pfn[i], sizeof(f));
		f = le64toh(f);
		/* pfn * 4096 must not wrap */
		if (f <= UINT64_MAX / VMB_PAGE_SIZE)
			p = gmem_translate(gm, f * VMB_PAGE_SIZE, VMB_PAGE_SIZE);
		if (!p)
			g->bad_gpa = true;
		g->page[g->nr_have++] = p;
	}
}

void gpadl_destroy(struct gpadl_table *t, struct gpadl *g)
{
	unsigned int i;

	for (i = 0; i < t->nr; i++) {
		if (t->g[i] == g) {
			t->g[i] = t->g[--t->nr];
			t->g[t->nr] = NULL;
			break;
		}
	}
	free(g->page);
	free(g);
}

void gpadl_destroy_relid(struct gpadl_table *t, uint32_t relid)
{
	unsigned int i = 0;

	while (i < t->nr) {
		if (relid == 0 || t->g[i]->relid == relid)
			gpadl_destroy(t, t->g[i]);	/* moves the last one here */
		else
			i++;
	}
}
