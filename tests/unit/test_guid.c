// SPDX-License-Identifier: (GPL-2.0 OR MIT)
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "backends/registry.h"
#include "core/guid.h"
#include "vmb_echo.h"
#include "vmb_test.h"

static void test_parse_layout(void **state)
{
	/* guid_t layout: first three fields little-endian. */
	static const uint8_t want[VMB_GUID_LEN] = {
		0xb6, 0xf8, 0xea, 0xf9, 0x9b, 0x08, 0xdb, 0x4c,
		0xa7, 0x2c, 0x27, 0x76, 0xd8, 0xc1, 0x79, 0x83
	};
	uint8_t g[VMB_GUID_LEN];

	(void)state;
	assert_int_equal(guid_parse(VMB_CLASS_TEST_STR, g), 0);
	assert_memory_equal(g, want, VMB_GUID_LEN);
	assert_int_equal(guid_parse("F9EAF8B6-089B-4CDB-A72C-2776D8C17983", g), 0);
	assert_memory_equal(g, want, VMB_GUID_LEN);
}

static void test_round_trip(void **state)
{
	char buf[GUID_STR_LEN + 1];
	uint8_t g[VMB_GUID_LEN], h[VMB_GUID_LEN];
	int i;

	(void)state;
	assert_int_equal(guid_parse(VMB_CLASS_TEST_STR, g), 0);
	assert_string_equal(guid_format(g, buf), VMB_CLASS_TEST_STR);
	for (i = 0; i < 100; i++) {
		assert_int_equal(guid_random(g), 0);
		guid_format(g, buf);
		assert_int_equal(strlen(buf), GUID_STR_LEN);
		assert_int_equal(buf[14], '4');	/* version 4 */
		assert_true(strchr("89ab", buf[19]) != NULL);	/* variant */
		assert_int_equal(guid_parse(buf, h), 0);
		assert_memory_equal(g, h, VMB_GUID_LEN);
	}
}

static void test_bad_strings(void **state)
{
	static const char *const bad[] = {
		"",
		"f9eaf8b6-089b-4cdb-a72c-2776d8c1798",		/* short */
		"f9eaf8b6-089b-4cdb-a72c-2776d8c179833",	/* long */
		"f9eaf8b6-089b-4cdb-a72c-2776d8c1798g",		/* not hex */
		"f9eaf8b6x089b-4cdb-a72c-2776d8c17983",		/* separator */
		"f9eaf8b60-89b-4cdb-a72c-2776d8c17983",		/* misplaced - */
		"{9eaf8b6-089b-4cdb-a72c-2776d8c1798}",
		" f9eaf8b6-089b-4cdb-a72c-2776d8c1798",
		"f9eaf8b6-089b-4cdb-a72c-2776d8c1798\n",
		"f9eaf8b6-089b-4cdb-a72c-2776d8c1798 ",
		"+9eaf8b6-089b-4cdb-a72c-2776d8c17983",
	};
	uint8_t g[VMB_GUID_LEN];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(guid_parse(bad[i], g), -1);
	assert_int_equal(guid_parse(NULL, g), -1);
}

static void test_helpers_and_classes(void **state)
{
	uint8_t g[VMB_GUID_LEN] = { 0 }, c[VMB_GUID_LEN];
	const struct vmbd_backend *be;

	(void)state;
	assert_true(guid_is_nil(g));
	g[15] = 1;
	assert_false(guid_is_nil(g));
	assert_int_equal(registry_lookup("test", c, &be), 0);
	assert_ptr_equal(be, &vmbd_backend_test);
	assert_ptr_equal(registry_find_guid(c), &vmbd_backend_test);
	assert_int_equal(registry_lookup(VMB_CLASS_TEST_STR, g, &be), 0);
	assert_ptr_equal(be, &vmbd_backend_test);
	assert_true(guid_equal(c, g));
	assert_int_equal(registry_lookup("nosuchclass", g, &be), -1);
	assert_int_equal(registry_lookup("00000000-0000-0000-0000-000000000000",
					 g, &be), -1);
	/* a GUID vmbusd does not know is a class without a back end */
	assert_int_equal(registry_lookup("12345678-1234-1234-1234-123456789abc",
					 g, &be), 0);
	assert_null(be);
	assert_null(registry_find_guid(g));
}

/*
 * Each class header defines its GUID once (include/vmb_protocol.h,
 * VMB_GUID_STR): the text form, which the guest's modalias is made of, and
 * the byte form must agree, in lower case, and stay what they always were.
 */
static void check_class_guid(const char *str, const uint8_t bytes[VMB_GUID_LEN],
			     const char *want)
{
	char buf[GUID_STR_LEN + 1];
	uint8_t g[VMB_GUID_LEN];

	assert_string_equal(str, want);
	assert_int_equal(guid_parse(str, g), 0);
	assert_memory_equal(g, bytes, VMB_GUID_LEN);
	assert_string_equal(guid_format(bytes, buf), str);
}

static void test_class_headers(void **state)
{
	static const uint8_t test[VMB_GUID_LEN] = VMB_CLASS_TEST_BYTES;
	static const uint8_t echo[VMB_GUID_LEN] = VMB_CLASS_ECHO_BYTES;

	(void)state;
	check_class_guid(VMB_CLASS_TEST_STR, test,
			 "f9eaf8b6-089b-4cdb-a72c-2776d8c17983");
	check_class_guid(VMB_CLASS_ECHO_STR, echo,
			 "2fd630d0-e4f4-46c1-bb60-bbddd55fc556");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_layout),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_bad_strings),
		cmocka_unit_test(test_helpers_and_classes),
		cmocka_unit_test(test_class_headers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
