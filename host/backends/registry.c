// SPDX-License-Identifier: (GPL-2.0 OR MIT)
#include <string.h>

#include "backends/registry.h"
#include "core/guid.h"

const struct vmbd_backend *const vmbd_registry[] = {
#define VMBD_CLASS(cls)	&vmbd_backend_##cls,
#include "backends/list.h"
#undef VMBD_CLASS
	NULL
};

const struct vmbd_backend *registry_find(const char *name)
{
	const struct vmbd_backend *const *be;

	for (be = vmbd_registry; *be; be++)
		if (strcmp((*be)->name, name) == 0)
			return *be;
	return NULL;
}

const struct vmbd_backend *registry_find_guid(const uint8_t guid[VMB_GUID_LEN])
{
	const struct vmbd_backend *const *be;

	for (be = vmbd_registry; *be; be++)
		if (guid_equal((*be)->guid, guid))
			return *be;
	return NULL;
}

int registry_lookup(const char *spec, uint8_t guid[VMB_GUID_LEN],
		    const struct vmbd_backend **be)
{
	*be = registry_find(spec);
	if (*be) {
		memcpy(guid, (*be)->guid, VMB_GUID_LEN);
		return 0;
	}
	if (guid_parse(spec, guid) < 0 || guid_is_nil(guid))
		return -1;
	*be = registry_find_guid(guid);
	return 0;
}

const struct vmbd_class_cmd *registry_find_cmd(const char *name)
{
	const struct vmbd_backend *const *be;
	const struct vmbd_class_cmd *c;

	for (be = vmbd_registry; *be; be++)
		for (c = (*be)->commands; c && c->name; c++)
			if (strcmp(c->name, name) == 0)
				return c;
	return NULL;
}
