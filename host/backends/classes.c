// SPDX-License-Identifier: (GPL-2.0 OR MIT)
#include <string.h>

#include "backends/classes.h"
#include "backends/echo.h"
#include "core/guid.h"
#include "vmb_echo.h"
#include "vmb_test.h"

const struct class_info class_table[] = {
	{ "test", VMB_CLASS_TEST_STR, NULL },
	{ "echo", VMB_CLASS_ECHO_STR, &echo_backend },
};

const unsigned int class_table_len = sizeof(class_table) / sizeof(class_table[0]);

int class_lookup(const char *name, uint8_t guid[VMB_GUID_LEN])
{
	unsigned int i;

	for (i = 0; i < class_table_len; i++)
		if (strcmp(name, class_table[i].name) == 0)
			return guid_parse(class_table[i].guid, guid);
	if (guid_parse(name, guid) < 0 || guid_is_nil(guid))
		return -1;
	return 0;
}

const char *class_name(const uint8_t guid[VMB_GUID_LEN])
{
	uint8_t g[VMB_GUID_LEN];
	unsigned int i;

	for (i = 0; i < class_table_len; i++)
		if (guid_parse(class_table[i].guid, g) == 0 && guid_equal(g, guid))
			return class_table[i].name;
	return NULL;
}

const struct chan_backend_ops *class_backend(const uint8_t guid[VMB_GUID_LEN])
{
	uint8_t g[VMB_GUID_LEN];
	unsigned int i;

	for (i = 0; i < class_table_len; i++)
		if (guid_parse(class_table[i].guid, g) == 0 && guid_equal(g, guid))
			return class_table[i].backend;
	return NULL;
}
