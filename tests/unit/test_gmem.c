// SPDX-License-Identifier: (GPL-2.0 OR MIT)
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/gmem.h"

#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

/* A sparse file of the given size, opened through gmem_open(). */
static struct gmem *open_ram(uint64_t size)
{
	char path[] = "/tmp/test_gmem.XXXXXX";
	struct gmem *m = calloc(1, sizeof(*m));
	int fd;

	assert_non_null(m);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)size), 0);
	close(fd);
	assert_int_equal(gmem_open(m, path), 0);
	unlink(path);
	return m;
}

static void close_ram(struct gmem *m)
{
	gmem_close(m);
	free(m);
}

static void test_small(void **state)
{
	uint64_t size = 256 * MiB;
	struct gmem *m = open_ram(size);

	(void)state;
	assert_int_equal(m->nr_ranges, 1);
	assert_ptr_equal(gmem_translate(m, 0, 1), m->base);
	assert_ptr_equal(gmem_translate(m, 0x1000, 4096), m->base + 0x1000);
	assert_ptr_equal(gmem_translate(m, 0, size), m->base);
	assert_ptr_equal(gmem_translate(m, size - 1, 1), m->base + size - 1);
	/* past the end, crossing the end */
	assert_null(gmem_translate(m, size, 1));
	assert_null(gmem_translate(m, size - 1, 2));
	assert_null(gmem_translate(m, 0, size + 1));
	/* above 4G: nothing there for small RAM */
	assert_null(gmem_translate(m, GMEM_4G, 1));
	/* len 0 policy */
	assert_null(gmem_translate(m, 0, 0));
	/* overflow: gpa + len wraps */
	assert_null(gmem_translate(m, 0x1000, SIZE_MAX));
	assert_null(gmem_translate(m, UINT64_MAX, 2));
	assert_null(gmem_translate(m, UINT64_MAX, 1));
	assert_null(gmem_translate(m, UINT64_MAX - 0xfff, 0x2000));
	close_ram(m);
}

static void test_just_below_limit(void **state)
{
	uint64_t size = GMEM_Q35_LOWMEM_LIMIT - 4096;
	struct gmem *m = open_ram(size);

	(void)state;
	assert_int_equal(m->nr_ranges, 1);
	assert_ptr_equal(gmem_translate(m, size - 4096, 4096), m->base + size - 4096);
	assert_null(gmem_translate(m, size, 1));
	assert_null(gmem_translate(m, GMEM_4G, 1));
	close_ram(m);
}

static void test_large(void **state)
{
	/* 3 GiB: 2 GiB below 4G, 1 GiB from 4G up. */
	uint64_t size = 3 * GiB, below = GMEM_Q35_LOWMEM_SPLIT;
	uint64_t above = size - below;
	struct gmem *m = open_ram(size);

	(void)state;
	assert_int_equal(m->nr_ranges, 2);
	/* below the split */
	assert_ptr_equal(gmem_translate(m, 0, 4096), m->base);
	assert_ptr_equal(gmem_translate(m, below - 4096, 4096), m->base + below - 4096);
	/* the PCI hole: [2G, 4G) */
	assert_null(gmem_translate(m, below, 1));
	assert_null(gmem_translate(m, 0xb0000000ULL, 1));
	assert_null(gmem_translate(m, 0xfee00000ULL, 4));
	assert_null(gmem_translate(m, GMEM_4G - 1, 1));
	/* crossing from low RAM into the hole, and from the hole into high RAM */
	assert_null(gmem_translate(m, below - 1, 2));
	assert_null(gmem_translate(m, GMEM_4G - 1, 2));
	/* crossing the whole hole */
	assert_null(gmem_translate(m, below - 4096, GMEM_4G - below + 8192));
	/* above 4G: file offset below + (gpa - 4G) */
	assert_ptr_equal(gmem_translate(m, GMEM_4G, 1), m->base + below);
	assert_ptr_equal(gmem_translate(m, GMEM_4G + 0x1234, 16), m->base + below + 0x1234);
	assert_ptr_equal(gmem_translate(m, GMEM_4G, above), m->base + below);
	assert_ptr_equal(gmem_translate(m, GMEM_4G + above - 1, 1), m->base + size - 1);
	/* past the end, crossing the end */
	assert_null(gmem_translate(m, GMEM_4G + above, 1));
	assert_null(gmem_translate(m, GMEM_4G + above - 1, 2));
	assert_null(gmem_translate(m, GMEM_4G, above + 1));
	/* huge len, overflow */
	assert_null(gmem_translate(m, 0, SIZE_MAX));
	assert_null(gmem_translate(m, GMEM_4G + 1, SIZE_MAX));
	assert_null(gmem_translate(m, UINT64_MAX, 1));
	close_ram(m);
}

static void test_exactly_limit(void **state)
{
	/* RAM == 0xb0000000 is not below the limit: it splits at 2 GiB. */
	uint64_t size = GMEM_Q35_LOWMEM_LIMIT;
	struct gmem *m = open_ram(size);

	(void)state;
	assert_int_equal(m->nr_ranges, 2);
	assert_null(gmem_translate(m, GMEM_Q35_LOWMEM_SPLIT, 1));
	assert_ptr_equal(gmem_translate(m, GMEM_4G, 1), m->base + GMEM_Q35_LOWMEM_SPLIT);
	assert_ptr_equal(gmem_translate(m, GMEM_4G + size - GMEM_Q35_LOWMEM_SPLIT - 1, 1),
			 m->base + size - 1);
	assert_null(gmem_translate(m, GMEM_4G + size - GMEM_Q35_LOWMEM_SPLIT, 1));
	close_ram(m);
}

static void test_layout_errors(void **state)
{
	struct gmem m;
	char c;

	(void)state;
	assert_int_not_equal(gmem_setup_layout(&m, &c, 0), 0);
	assert_int_not_equal(gmem_setup_layout(&m, NULL, 4096), 0);
	assert_int_not_equal(gmem_open(&m, "/nonexistent/ram"), 0);
	assert_int_not_equal(gmem_open(&m, "/tmp"), 0);
	gmem_close(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small),
		cmocka_unit_test(test_just_below_limit),
		cmocka_unit_test(test_large),
		cmocka_unit_test(test_exactly_limit),
		cmocka_unit_test(test_layout_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
