// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/* vmbusd's command line: required options, --vectors, --offer order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "daemon/options.h"

#define BASE	"vmbusd", "--ivshmem-socket", "s", "--guest-ram", "r", \
		"--control", "c"

static int parse(struct options *o, unsigned int argc, const char **argv)
{
	return vmbusd_parse_options((int)argc, (char **)argv, o);
}

#define PARSE(o, ...) ({						\
		const char *argv_[] = { __VA_ARGS__ };			\
		parse(o, sizeof(argv_) / sizeof(argv_[0]), argv_);	\
	})

static void test_required(void **state)
{
	struct options *o = malloc(sizeof(*o));

	(void)state;
	assert_non_null(o);
	assert_int_equal(PARSE(o, BASE), 0);
	assert_string_equal(o->ivshmem_socket, "s");
	assert_string_equal(o->guest_ram, "r");
	assert_string_equal(o->control, "c");
	assert_int_equal(o->vectors, 4);
	assert_int_equal(o->nr_offers, 0);
	assert_int_equal(o->nr_cmdline, 0);
	assert_int_equal(PARSE(o, "vmbusd", "--guest-ram", "r", "--control", "c"), -1);
	assert_int_equal(PARSE(o, BASE, "stray"), -1);
	assert_int_equal(PARSE(o, BASE, "--no-such-option"), -1);
	assert_int_equal(PARSE(o, BASE, "--vectors", "0"), -1);
	assert_int_equal(PARSE(o, BASE, "--vectors", "2x"), -1);
	assert_int_equal(PARSE(o, BASE, "--vectors", "2"), 0);
	assert_int_equal(o->vectors, 2);
	assert_int_equal(PARSE(o, BASE, "--version-range", "1.0"), -1);
	free(o);
}

static void test_offers_in_order(void **state)
{
	struct options *o = malloc(sizeof(*o));

	(void)state;
	assert_non_null(o);
	assert_int_equal(PARSE(o, BASE, "--offer", "echo", "--offer",
			       "test:00000000-0000-0000-0000-000000000001"), 0);
	assert_int_equal(o->nr_offers, 2);
	assert_string_equal(o->offers[0].spec, "echo");
	assert_null(o->offers[0].be);
	assert_string_equal(o->offers[1].spec,
			    "test:00000000-0000-0000-0000-000000000001");
	/* a second parse starts afresh */
	assert_int_equal(PARSE(o, BASE), 0);
	assert_int_equal(o->nr_offers, 0);
	free(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_required),
		cmocka_unit_test(test_offers_in_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
