/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * The registry of device classes: the back ends listed in backends/list.h,
 * looked up by name, by class GUID, or by the name of one of their control
 * commands.  The daemon asks it; the core never does.
 */
#ifndef VMBUSD_REGISTRY_H
#define VMBUSD_REGISTRY_H

#include <stdint.h>

#include "core/backend.h"

#define VMBD_CLASS(cls)	extern VMBD_BACKEND(cls);
#include "backends/list.h"
#undef VMBD_CLASS

/* Every registered back end, in list order, then NULL. */
extern const struct vmbd_backend *const vmbd_registry[];

/* The back end of this class name or class GUID, or NULL. */
const struct vmbd_backend *registry_find(const char *name);
const struct vmbd_backend *registry_find_guid(const uint8_t guid[VMB_GUID_LEN]);
/*
 * spec is a class name or a literal GUID (a class vmbusd may not know: its
 * channels then have no back end).  Returns 0 with guid and *be (NULL for
 * an unregistered GUID), or -1.  A nil GUID is never a device class.
 */
int registry_lookup(const char *spec, uint8_t guid[VMB_GUID_LEN],
		    const struct vmbd_backend **be);
/* The class command called name, or NULL. */
const struct vmbd_class_cmd *registry_find_cmd(const char *name);

#endif
