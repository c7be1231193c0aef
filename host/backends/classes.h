/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * The device classes vmbusd knows by name.  To add one, add a GUID string
 * to vmb_protocol.h and a line to the table in classes.c.
 */
#ifndef VMBUSD_CLASSES_H
#define VMBUSD_CLASSES_H

#include <stdint.h>

#include "vmb_protocol.h"

struct chan_backend_ops;

struct class_info {
	const char *name;
	const char *guid;	/* text form */
	const struct chan_backend_ops *backend;	/* NULL: packets ignored */
};

extern const struct class_info class_table[];
extern const unsigned int class_table_len;

/*
 * name is a class name from the table or a literal GUID.  Returns 0 and the
 * class GUID, or -1.  A nil GUID is refused: it is never a device class.
 */
int class_lookup(const char *name, uint8_t guid[VMB_GUID_LEN]);
/* The table name of a class GUID, or NULL if it is not in the table. */
const char *class_name(const uint8_t guid[VMB_GUID_LEN]);
/* The device backend of a class GUID, or NULL. */
const struct chan_backend_ops *class_backend(const uint8_t guid[VMB_GUID_LEN]);

#endif
