// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * GPA-range lists: gpa_parse() on what a hostile guest may write, and the
 * walker that hands a back end (host pointer, length) pieces.
 */
#include <endian.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/gpa.h"
#include "testutil.h"

#define RAM_PFNS	(TEST_RAM_SIZE / 4096)

struct fx {
	struct gmem *m;
	struct gpa_scratch s;
	struct gpa_list l;
	uint8_t *buf;		/* a range list being built */
	uint32_t len;
	const char *why;
};

#define BUF_SIZE	(8 + 2 * 8 + 8 * (GPA_MAX_PFNS + 8))

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->m = test_ram_open();
	f->buf = calloc(1, BUF_SIZE);
	assert_non_null(f->buf);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	test_ram_close(f->m);
	free(f->buf);
	free(f);
	return 0;
}

static void put32(uint8_t *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, 4);
}

static void put64(uint8_t *p, uint64_t v)
{
	v = htole64(v);
	memcpy(p, &v, 8);
}

/* Start a list that claims count ranges. */
static void list(struct fx *f, uint32_t count)
{
	memset(f->buf, 0, BUF_SIZE);
	put32(f->buf, count);
	f->len = 8;
}

/* Append a range of n frames: first, first + step, ... */
static void range(struct fx *f, uint32_t bytes, uint32_t off, uint64_t first,
		  uint64_t step, uint32_t n)
{
	uint32_t i;

	assert_true(f->len + 8 + 8 * n <= BUF_SIZE);
	put32(f->buf + f->len, bytes);
	put32(f->buf + f->len + 4, off);
	f->len += 8;
	for (i = 0; i < n; i++, f->len += 8)
		put64(f->buf + f->len, first + i * step);
}

static int parse(struct fx *f)
{
	f->why = NULL;
	return gpa_parse(f->buf, f->len, f->m, &f->s, &f->l, &f->why);
}

static void expect_bad(struct fx *f, const char *s)
{
	assert_int_equal(parse(f), -1);
	assert_non_null(f->why);
	if (!strstr(f->why, s))
		fail_msg("reason '%s' does not contain '%s'", f->why, s);
}

/* Walk the list; expect exactly these pieces, then the end. */
static void expect_pieces(struct fx *f, const uint8_t *const *p,
			  const uint32_t *len, unsigned int n)
{
	struct gpa_walk w;
	unsigned int i;
	uint32_t got;
	uint8_t *q;

	gpa_walk_init(&w, &f->l);
	for (i = 0; i < n; i++) {
		assert_int_equal(gpa_walk_next(&w, &q, &got), 1);
		assert_ptr_equal(q, p[i]);
		assert_int_equal(got, len[i]);
	}
	assert_int_equal(gpa_walk_next(&w, &q, &got), 0);
	assert_int_equal(gpa_walk_next(&w, &q, &got), 0);
}

static void test_pieces(void **state)
{
	struct fx *f = *state;
	const uint8_t *p[5];
	uint32_t len[5];

	list(f, 5);
	range(f, 100, 4000, 10, 1, 2);		/* 96 bytes of 10, 4 of 11 */
	range(f, 0, 0, 0, 0, 0);		/* empty, no frames */
	range(f, 8192, 0, 30, -10, 2);		/* 30 then 20: scattered */
	range(f, 0, 100, 40, 0, 1);		/* empty, one frame */
	range(f, 1, 4095, RAM_PFNS - 1, 0, 1);	/* the last byte of RAM */
	assert_int_equal(parse(f), 0);
	assert_int_equal(f->l.nr_ranges, 5);
	assert_int_equal(f->l.nr_pfns, 6);
	assert_int_equal(gpa_list_bytes(&f->l), 100 + 8192 + 1);
	p[0] = test_page(f->m, 10) + 4000;
	len[0] = 96;
	p[1] = test_page(f->m, 11);
	len[1] = 4;
	p[2] = test_page(f->m, 30);
	len[2] = 4096;
	p[3] = test_page(f->m, 20);
	len[3] = 4096;
	p[4] = test_page(f->m, RAM_PFNS - 1) + 4095;
	len[4] = 1;
	expect_pieces(f, p, len, 5);
	/* adjacent frames are still handed out one page at a time */
	list(f, 1);
	range(f, 3 * 4096, 0, 50, 1, 3);
	assert_int_equal(parse(f), 0);
	p[0] = test_page(f->m, 50);
	p[1] = test_page(f->m, 51);
	p[2] = test_page(f->m, 52);
	len[0] = len[1] = len[2] = 4096;
	expect_pieces(f, p, len, 3);
}

static void test_pfns_outside_ram(void **state)
{
	struct fx *f = *state;
	static const uint64_t bad[] = {
		RAM_PFNS, RAM_PFNS + 1, GMEM_4G / 4096,
		UINT64_MAX / 4096 + 1,		/* pfn * 4096 wraps to 0 */
		UINT64_MAX / 4096, UINT64_MAX,
	};
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		list(f, 1);
		range(f, 10, 0, bad[i], 0, 1);
		expect_bad(f, "outside guest RAM");
	}
	/* one bad frame among good ones fails the whole list */
	list(f, 2);
	range(f, 10, 0, 5, 0, 1);
	range(f, 8192, 0, RAM_PFNS - 1, 1, 2);
	expect_bad(f, "outside guest RAM");
}

static void test_offsets_and_lengths(void **state)
{
	struct fx *f = *state;
	const uint8_t *p[2];
	uint32_t len[2];

	/* byte_offset is inside the first page */
	list(f, 1);
	range(f, 1, 4096, 5, 0, 1);
	expect_bad(f, "byte_offset >= 4096");
	list(f, 1);
	range(f, 0, UINT32_MAX, 5, 0, 1);
	expect_bad(f, "byte_offset >= 4096");
	/* 4095 + 2 bytes need two frames: one is not enough */
	list(f, 1);
	range(f, 2, 4095, 5, 0, 1);
	expect_bad(f, "frame list beyond offset8");
	list(f, 1);
	range(f, 2, 4095, 5, 2, 2);
	assert_int_equal(parse(f), 0);
	p[0] = test_page(f->m, 5) + 4095;
	p[1] = test_page(f->m, 7);
	len[0] = len[1] = 1;
	expect_pieces(f, p, len, 2);
	/* overlong: byte_count near 4 GiB, or more frames than a packet takes */
	list(f, 1);
	range(f, UINT32_MAX, 4095, 5, 0, 1);
	expect_bad(f, "too many GPA frames");
	list(f, 2);
	range(f, 1024 * 4096, 0, 100, 1, 1024);
	range(f, 1025 * 4096, 0, 2000, 1, 1025);
	expect_bad(f, "too many GPA frames");
	/* exactly the most frames a packet may name */
	list(f, 2);
	range(f, 1024 * 4096, 0, 100, 1, 1024);
	range(f, 1024 * 4096 - 1, 1, 2000, 1, 1024);
	assert_int_equal(parse(f), 0);
	assert_int_equal(f->l.nr_pfns, GPA_MAX_PFNS);
	assert_int_equal(gpa_list_bytes(&f->l), 2048ULL * 4096 - 1);
}

static void test_counts_that_lie(void **state)
{
	struct fx *f = *state;
	unsigned int i;

	/* not even the header */
	list(f, 0);
	f->len = 7;
	expect_bad(f, "range header beyond offset8");
	/* more ranges claimed than there are bytes for */
	list(f, 3);
	range(f, 10, 0, 5, 0, 1);
	range(f, 10, 0, 6, 0, 1);
	expect_bad(f, "GPA range beyond offset8");
	list(f, 1);
	range(f, 10, 0, 5, 0, 1);
	f->len -= 4;			/* the frame is cut short */
	expect_bad(f, "frame list beyond offset8");
	list(f, GPA_MAX_RANGES + 1);
	expect_bad(f, "too many GPA ranges");
	list(f, UINT32_MAX);
	expect_bad(f, "too many GPA ranges");
	/* none at all, and the most there may be */
	list(f, 0);
	assert_int_equal(parse(f), 0);
	assert_int_equal(gpa_list_bytes(&f->l), 0);
	expect_pieces(f, NULL, NULL, 0);
	list(f, GPA_MAX_RANGES);
	for (i = 0; i < GPA_MAX_RANGES; i++)
		range(f, 0, 0, 0, 0, 0);
	assert_int_equal(parse(f), 0);
	assert_int_equal(f->l.nr_ranges, GPA_MAX_RANGES);
	expect_pieces(f, NULL, NULL, 0);
	/* trailing bytes after the last range are the in-band payload */
	list(f, 1);
	range(f, 8, 0, 5, 0, 1);
	f->len += 16;
	assert_int_equal(parse(f), 0);
	assert_int_equal(f->l.nr_ranges, 1);
}

/* The walker re-checks what it uses: a list gpa_parse() did not build. */
static void test_walk_inconsistent(void **state)
{
	struct fx *f = *state;
	struct gpa_range rg[2];
	uint8_t *pages[2] = { test_page(f->m, 1), test_page(f->m, 2) };
	struct gpa_list l = { .range = rg, .page = pages };
	struct gpa_walk w;
	uint32_t n;
	uint8_t *p;

	/* byte_count needs two pages, the range has one */
	memset(rg, 0, sizeof(rg));
	rg[0].byte_count = 8192;
	rg[0].nr_pfns = 1;
	l.nr_ranges = 1;
	l.nr_pfns = 2;
	gpa_walk_init(&w, &l);
	assert_int_equal(gpa_walk_next(&w, &p, &n), 1);
	assert_int_equal(gpa_walk_next(&w, &p, &n), -1);
	/* a range whose pages lie beyond the list */
	rg[0].nr_pfns = 2;
	rg[0].first = 1;
	gpa_walk_init(&w, &l);
	assert_int_equal(gpa_walk_next(&w, &p, &n), 1);
	assert_ptr_equal(p, pages[1]);
	assert_int_equal(gpa_walk_next(&w, &p, &n), -1);
	rg[0].first = 7;
	gpa_walk_init(&w, &l);
	assert_int_equal(gpa_walk_next(&w, &p, &n), -1);
	/* an offset outside the page */
	rg[0].first = 0;
	rg[0].byte_offset = 4096;
	gpa_walk_init(&w, &l);
	assert_int_equal(gpa_walk_next(&w, &p, &n), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pieces, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pfns_outside_ram, setup, teardown),
		cmocka_unit_test_setup_teardown(test_offsets_and_lengths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_counts_that_lie, setup, teardown),
		cmocka_unit_test_setup_teardown(test_walk_inconsistent, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
